// name: measures/current
// title: Current network measures of an organisation
// description: The organisation's measures from the latest successful measures run
//   (read through the Meta pointer, so a running or failed run is never seen):
//   degree and weighted degree (shared persons), eigenvector (unweighted), PageRank
//   (GDS scale), betweenness, closeness, community, component, clustering, and Burt's
//   constraint, effective size, efficiency and hierarchy. Null where undefined
//   (e.g. constraint of an organisation sharing no board member).
// params: orgnr: str
// example: orgnr=923609016
// mode: read
MATCH (m:Meta {key: 'measures'})
WITH m
MATCH (v:MeasureValue {key: m.measures_run + ':' + $orgnr})
WITH m, v
OPTIONAL MATCH (o:Organization {orgnr: v.orgnr})
RETURN v.orgnr AS orgnr, o.name AS name, o.helix AS helix, v.run_id AS run_id,
       v.degree AS degree, v.weighted_degree AS weighted_degree, v.eigenvector AS eigenvector,
       v.pagerank AS pagerank, v.betweenness AS betweenness, v.closeness AS closeness,
       v.community AS community, v.component AS component, v.clustering AS clustering,
       v.constraint AS `constraint`, v.constraint_weighted AS constraint_weighted,
       v.effective_size AS effective_size, v.efficiency AS efficiency, v.hierarchy AS hierarchy,
       v.brokerage_total AS brokerage_total
