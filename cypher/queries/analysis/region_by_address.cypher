// name: analysis/region_by_address
// title: Organisations located in a region by business address
// description: Organisations whose business address lies in a municipality of
//   the region, also through an older municipality number that was succeeded by
//   one of the region's municipalities.
// params: region_id: str
// example: region_id=ringeriksregionen
// mode: read
MATCH (r:Region {region_id: $region_id})<-[:IN_REGION]-(m:Municipality)
MATCH (m0:Municipality)-[:SUCCEEDED_BY*0..3]->(m)
MATCH (o:Organization)-[:LOCATED_IN]->(m0)
RETURN DISTINCT o.orgnr AS orgnr, m.code AS region_municipality
ORDER BY orgnr
