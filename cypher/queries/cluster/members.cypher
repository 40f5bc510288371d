// name: cluster/members
// title: Members of a cluster
// description: The organisations that are members of a cluster, with helix
//   sector, municipality and membership dates.
// params: cluster_id: str, limit: int = 1000
// example: cluster_id=c1
// mode: read
MATCH (c:Cluster {cluster_id: $cluster_id})
MATCH (o:Organization)-[m:MEMBER_OF]->(c)
OPTIONAL MATCH (o)-[:LOCATED_IN]->(mu:Municipality)
RETURN o.orgnr AS orgnr, o.name AS name, o.helix AS helix, o.active AS active,
       o.employees AS employees, mu.name AS municipality, m.since AS since, m.until AS until,
       m.role AS role
ORDER BY name, orgnr
LIMIT $limit
