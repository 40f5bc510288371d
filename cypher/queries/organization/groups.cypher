// name: organization/groups
// title: Helix sector and county of every organisation
// description: The comparison groups of each organisation (helix sector and
//   the county of its business address), for measure percentiles.
// params:
// mode: read
MATCH (o:Organization)
OPTIONAL MATCH (o)-[:LOCATED_IN]->(m:Municipality)
WITH o, m
OPTIONAL MATCH (m)-[:IN_COUNTY]->(c:County)
RETURN o.orgnr AS orgnr, o.helix AS helix, c.code AS county_code
