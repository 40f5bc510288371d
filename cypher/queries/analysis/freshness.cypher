// name: analysis/freshness
// title: Data freshness and synthetic share per source
// description: Per node label used by the analyses, the number of nodes, the
//   newest "as of" date and how many are synthetic.
// params:
// mode: read
MATCH (o:Organization)
RETURN 'Organization' AS label, count(o) AS n, max(o.as_of) AS as_of,
       toInteger(sum(CASE WHEN o.synthetic = true THEN 1 ELSE 0 END)) AS synthetic
UNION ALL
MATCH (a:Accounts)
RETURN 'Accounts' AS label, count(a) AS n, max(a.as_of) AS as_of,
       toInteger(sum(CASE WHEN a.synthetic = true THEN 1 ELSE 0 END)) AS synthetic
UNION ALL
MATCH (g:Grant)
RETURN 'Grant' AS label, count(g) AS n, max(g.as_of) AS as_of,
       toInteger(sum(CASE WHEN g.synthetic = true THEN 1 ELSE 0 END)) AS synthetic
UNION ALL
MATCH (p:Patent)
RETURN 'Patent' AS label, count(p) AS n, max(p.as_of) AS as_of,
       toInteger(sum(CASE WHEN p.synthetic = true THEN 1 ELSE 0 END)) AS synthetic
UNION ALL
MATCH (c:Cluster)
RETURN 'Cluster' AS label, count(c) AS n, max(c.as_of) AS as_of,
       toInteger(sum(CASE WHEN c.synthetic = true THEN 1 ELSE 0 END)) AS synthetic
UNION ALL
MATCH (p:Person)
RETURN 'Person' AS label, count(p) AS n, max(p.as_of) AS as_of,
       toInteger(sum(CASE WHEN p.synthetic = true THEN 1 ELSE 0 END)) AS synthetic
