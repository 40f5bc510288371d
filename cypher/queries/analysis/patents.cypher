// name: analysis/patents
// title: Patent applications per organisation and year
// description: The number of patent applications per organisation and filing
//   year from year from_year on (applications without a year count too, with
//   year null).
// params: from_year: int = 0
// example: from_year=2020
// mode: read
MATCH (o:Organization)-[:APPLIED_FOR]->(p:Patent)
WHERE p.year IS NULL OR toInteger(p.year) >= $from_year
WITH o.orgnr AS orgnr, toInteger(p.year) AS year, p
RETURN orgnr, year, count(DISTINCT p) AS patents, max(p.as_of) AS as_of
ORDER BY orgnr, year
