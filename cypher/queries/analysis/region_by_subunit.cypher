// name: analysis/region_by_subunit
// title: Organisations with a workplace (sub-unit) in a region
// description: Main units with at least one active sub-unit located in a
//   municipality of the region (also through older municipality numbers), with
//   the number of such sub-units and their registered employees.
// params: region_id: str
// example: region_id=ringeriksregionen
// mode: read
MATCH (r:Region {region_id: $region_id})<-[:IN_REGION]-(m:Municipality)
MATCH (m0:Municipality)-[:SUCCEEDED_BY*0..3]->(m)
MATCH (s:SubUnit)-[:LOCATED_IN]->(m0)
WHERE coalesce(s.active, true) = true
MATCH (s)-[:PART_OF]->(o:Organization)
RETURN o.orgnr AS orgnr, count(DISTINCT s) AS subunits,
       toInteger(sum(coalesce(s.employees, 0))) AS subunit_employees
ORDER BY orgnr
