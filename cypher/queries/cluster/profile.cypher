// name: cluster/profile
// title: A cluster's facts and member mix
// description: Facts of one innovation cluster with its member count per helix
//   sector (the triple-helix composition of its membership).
// params: cluster_id: str
// example: cluster_id=c1
// mode: read
MATCH (c:Cluster {cluster_id: $cluster_id})
OPTIONAL MATCH (o:Organization)-[:MEMBER_OF]->(c)
WITH c, o.helix AS helix, count(o) AS n
WITH c, collect({helix: helix, members: n}) AS mix
RETURN c.cluster_id AS cluster_id, c.name AS name, c.level AS level, c.programme AS programme,
       c.since AS since, c.until AS until, c.host_county AS host_county, c.host_orgnr AS host_orgnr,
       c.url AS url, c.source AS source, c.as_of AS as_of, mix
