// name: search/organizations_by_keys
// title: Facet attributes of search hits
// description: For the given organisation numbers (fulltext hits), the
//   attributes the search page filters and counts by (helix sector,
//   municipality, region, NACE section, cluster, active), with the filters applied.
// params: orgnrs: list[str], helix: list[str] = null, municipality: list[str] = null,
//   region: list[str] = null, section: list[str] = null, cluster: list[str] = null, active: str = any
// example: orgnrs=923609016,984851006
// mode: read
UNWIND $orgnrs AS key
MATCH (o:Organization {orgnr: key})
WHERE ($helix IS NULL OR o.helix IN $helix)
  AND ($active = 'any' OR ($active = 'yes' AND o.active = true) OR ($active = 'no' AND coalesce(o.active, false) = false))
OPTIONAL MATCH (o)-[:LOCATED_IN]->(m:Municipality)
WITH o, m
OPTIONAL MATCH (m)-[:IN_REGION]->(r:Region)
WITH o, m, [x IN collect(DISTINCT {id: r.region_id, name: r.name}) WHERE x.id IS NOT NULL] AS regions
OPTIONAL MATCH (o)-[:IN_INDUSTRY]->(i:Industry)
WITH o, m, regions, collect(DISTINCT i.section) AS sections
OPTIONAL MATCH (o)-[:MEMBER_OF]->(c:Cluster)
WITH o, m, regions, sections,
     [x IN collect(DISTINCT {id: c.cluster_id, name: c.name}) WHERE x.id IS NOT NULL] AS clusters
WHERE ($municipality IS NULL OR m.code IN $municipality)
  AND ($region IS NULL OR any(x IN regions WHERE x.id IN $region))
  AND ($section IS NULL OR any(x IN sections WHERE x IN $section))
  AND ($cluster IS NULL OR any(x IN clusters WHERE x.id IN $cluster))
RETURN o.orgnr AS orgnr, o.name AS name, o.helix AS helix, o.active AS active,
       o.employees AS employees, o.org_form AS org_form, m.code AS municipality_code,
       m.name AS municipality, regions, sections, clusters
