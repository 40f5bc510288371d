// name: analysis/grants
// title: Applications and grants per organisation, source and year
// description: Per organisation, source (Forskningsrådet, Innovasjon Norge) and
//   year the number of applications, the number granted and the amount granted,
//   from year from_year on (rows without a year count too, with year null).
// params: from_year: int = 0
// example: from_year=2020
// mode: read
MATCH (o:Organization)-[:RECEIVED]->(g:Grant)
WHERE g.year IS NULL OR toInteger(g.year) >= $from_year
WITH o.orgnr AS orgnr, g.source AS source, toInteger(g.year) AS year, g
RETURN orgnr, source, year, count(DISTINCT g) AS applications,
       toInteger(sum(CASE WHEN coalesce(g.granted, coalesce(g.amount_granted, 0) > 0) THEN 1 ELSE 0 END)) AS granted,
       sum(toFloat(coalesce(g.amount_granted, 0))) AS amount_granted, max(g.as_of) AS as_of
ORDER BY orgnr, source, year
