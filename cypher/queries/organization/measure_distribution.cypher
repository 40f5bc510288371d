// name: organization/measure_distribution
// title: Network measures of every organisation with sector and county
// description: The stored network measures of all organisations that have any,
//   with helix sector and county; the web app turns these into percentiles.
// params:
// mode: read
MATCH (o:Organization)
WHERE o.degree IS NOT NULL OR o.constraint IS NOT NULL OR o.betweenness IS NOT NULL
   OR o.pagerank IS NOT NULL OR o.eigenvector IS NOT NULL
OPTIONAL MATCH (o)-[:LOCATED_IN]->(m:Municipality)
WITH o, m
OPTIONAL MATCH (m)-[:IN_COUNTY]->(c:County)
RETURN o.orgnr AS orgnr, o.helix AS helix, c.code AS county_code,
       o.degree AS degree, o.weighted_degree AS weighted_degree, o.betweenness AS betweenness,
       o.pagerank AS pagerank, o.eigenvector AS eigenvector, o.harmonic AS harmonic,
       o.constraint AS constraint, o.effective_size AS effective_size,
       o.efficiency AS efficiency, o.hierarchy AS hierarchy
