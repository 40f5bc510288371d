// name: analysis/region_municipality_codes
// title: Municipality numbers of a region, older numbers included
// description: The region's municipality numbers and every older number that
//   was succeeded by one of them, for matching registered addresses.
// params: region_id: str
// example: region_id=ringeriksregionen
// mode: read
MATCH (r:Region {region_id: $region_id})<-[:IN_REGION]-(m:Municipality)
MATCH (m0:Municipality)-[:SUCCEEDED_BY*0..3]->(m)
RETURN DISTINCT m0.code AS code
ORDER BY code
