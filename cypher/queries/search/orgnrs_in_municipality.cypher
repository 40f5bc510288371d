// name: search/orgnrs_in_municipality
// title: Organisations located in municipalities
// description: Organisation numbers of organisations whose business address lies
//   in one of the municipalities, largest first (a search seed).
// params: municipality: list[str], limit: int = 2000
// example: municipality=3305
// mode: read
UNWIND $municipality AS code
MATCH (m:Municipality {code: code})
WITH DISTINCT m
MATCH (m)<-[:LOCATED_IN]-(o:Organization)
RETURN DISTINCT o.orgnr AS orgnr, coalesce(o.employees, 0) AS employees
ORDER BY employees DESC, orgnr
LIMIT $limit
