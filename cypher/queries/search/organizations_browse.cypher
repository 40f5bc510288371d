// name: search/organizations_browse
// title: Browse organisations by filters
// description: Organisations matching the filters (helix sector, municipality,
//   region, NACE section, cluster, active) without a search text, largest first,
//   at most $limit, with the attributes the search page counts by.
// params: helix: list[str] = null, municipality: list[str] = null, region: list[str] = null,
//   section: list[str] = null, cluster: list[str] = null, active: str = any, limit: int = 2000
// example: active=yes
// mode: read
MATCH (o:Organization)
WHERE ($helix IS NULL OR o.helix IN $helix)
  AND ($active = 'any' OR ($active = 'yes' AND o.active = true) OR ($active = 'no' AND coalesce(o.active, false) = false))
WITH o ORDER BY coalesce(o.employees, 0) DESC, o.orgnr
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
ORDER BY coalesce(employees, 0) DESC, orgnr
LIMIT $limit
