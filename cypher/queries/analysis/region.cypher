// name: analysis/region
// title: A region by id or name
// description: The region whose id or name equals the given text (case
//   insensitive), with its municipality codes.
// params: region: str
// example: region=ringeriksregionen
// mode: read
MATCH (r:Region)
WHERE toLower(r.region_id) = toLower($region) OR toLower(r.name) = toLower($region)
OPTIONAL MATCH (m:Municipality)-[:IN_REGION]->(r)
WITH r, m ORDER BY m.code
RETURN r.region_id AS region_id, r.name AS name, collect(m.code) AS municipalities
