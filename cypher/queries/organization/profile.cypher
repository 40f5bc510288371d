// name: organization/profile
// title: An organisation's facts
// description: The registered facts of one organisation with its municipality,
//   county, main industry (with NACE section), source and "as of" date.
// params: orgnr: str
// example: orgnr=923609016
// mode: read
MATCH (o:Organization {orgnr: $orgnr})
OPTIONAL MATCH (o)-[:LOCATED_IN]->(m:Municipality)
OPTIONAL MATCH (m)-[:IN_COUNTY]->(c:County)
WITH o, m, c
OPTIONAL MATCH (o)-[:IN_INDUSTRY]->(i:Industry)
WITH o, m, c, i ORDER BY i.code
WITH o, m, c, collect(i)[0] AS i
RETURN o.orgnr AS orgnr, o.name AS name, o.org_form AS org_form, o.helix AS helix,
       o.active AS active, o.status AS status, o.employees AS employees, o.nace1 AS nace1,
       o.founded AS founded, o.registered AS registered, o.deleted_date AS deleted_date,
       o.postal_place AS postal_place, o.website AS website, o.sector_code AS sector_code,
       o.last_accounts_year AS last_accounts_year, o.source AS source, o.as_of AS as_of,
       m.name AS municipality, m.code AS municipality_code, c.name AS county, c.code AS county_code,
       i.name AS industry, i.section AS nace_section, i.version AS nace_version
