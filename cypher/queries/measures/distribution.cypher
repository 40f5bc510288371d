// name: measures/distribution
// title: Current network measures of every organisation with sector and county
// description: The measures of every organisation in the current measures run (read
//   through the Meta pointer), with helix sector and county — the input for
//   percentiles and group comparisons. Null where a measure is undefined.
// params:
// mode: read
MATCH (m:Meta {key: 'measures'})
WITH m
MATCH (v:MeasureValue {run_id: m.measures_run})
WITH v
OPTIONAL MATCH (o:Organization {orgnr: v.orgnr})
WITH v, o
OPTIONAL MATCH (o)-[:LOCATED_IN]->(mu:Municipality)
WITH v, o, mu
OPTIONAL MATCH (mu)-[:IN_COUNTY]->(c:County)
RETURN v.orgnr AS orgnr, o.helix AS helix, c.code AS county_code, v.run_id AS run_id,
       v.degree AS degree, v.weighted_degree AS weighted_degree, v.eigenvector AS eigenvector,
       v.pagerank AS pagerank, v.betweenness AS betweenness, v.closeness AS closeness,
       v.community AS community, v.component AS component, v.clustering AS clustering,
       v.constraint AS `constraint`, v.constraint_weighted AS constraint_weighted,
       v.effective_size AS effective_size, v.efficiency AS efficiency, v.hierarchy AS hierarchy
ORDER BY orgnr
