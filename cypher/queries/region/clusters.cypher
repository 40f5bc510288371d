// name: region/clusters
// title: Clusters with members in a region
// description: Clusters that have member organisations located in the region,
//   with the number of such members.
// params: region_id: str
// example: region_id=ringeriksregionen
// mode: read
MATCH (r:Region {region_id: $region_id})
MATCH (m:Municipality)-[:IN_REGION]->(r)
MATCH (o:Organization)-[:LOCATED_IN]->(m)
MATCH (o)-[:MEMBER_OF]->(c:Cluster)
RETURN c.cluster_id AS cluster_id, c.name AS name, c.level AS level, count(DISTINCT o) AS members_here
ORDER BY members_here DESC, name
