// name: cluster/list
// title: All clusters
// description: Every cluster with its level and member count.
// params:
// mode: read
MATCH (c:Cluster)
OPTIONAL MATCH (o:Organization)-[:MEMBER_OF]->(c)
RETURN c.cluster_id AS cluster_id, c.name AS name, c.level AS level, count(o) AS members
ORDER BY name, cluster_id
