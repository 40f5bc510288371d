// name: region/profile
// title: A region's facts and organisation mix
// description: A user-defined region with its municipalities and the number of
//   active organisations per helix sector located there.
// params: region_id: str
// example: region_id=ringeriksregionen
// mode: read
MATCH (r:Region {region_id: $region_id})
OPTIONAL MATCH (m:Municipality)-[:IN_REGION]->(r)
WITH r, collect(DISTINCT {code: m.code, name: m.name}) AS municipalities
OPTIONAL MATCH (m2:Municipality)-[:IN_REGION]->(r)
OPTIONAL MATCH (o:Organization)-[:LOCATED_IN]->(m2)
WITH r, municipalities, o.helix AS helix, count(o) AS n, toInteger(sum(CASE WHEN o.active THEN 1 ELSE 0 END)) AS active
WITH r, municipalities, collect({helix: helix, organizations: n, active: active}) AS mix
RETURN r.region_id AS region_id, r.name AS name, r.description AS description, municipalities, mix
