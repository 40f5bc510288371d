// name: region/list
// title: All regions
// description: Every user-defined region with its number of municipalities.
// params:
// mode: read
MATCH (r:Region)
OPTIONAL MATCH (m:Municipality)-[:IN_REGION]->(r)
RETURN r.region_id AS region_id, r.name AS name, count(m) AS municipalities
ORDER BY name, region_id
