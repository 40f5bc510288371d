// name: search/orgnrs_in_region
// title: Organisations located in regions
// description: Organisation numbers of organisations whose business address lies
//   in a municipality of one of the regions, largest first (a search seed).
// params: region: list[str], limit: int = 2000
// example: region=ringeriksregionen
// mode: read
UNWIND $region AS rid
MATCH (r:Region {region_id: rid})
MATCH (r)<-[:IN_REGION]-(m:Municipality)
WITH DISTINCT m
MATCH (m)<-[:LOCATED_IN]-(o:Organization)
RETURN DISTINCT o.orgnr AS orgnr, coalesce(o.employees, 0) AS employees
ORDER BY employees DESC, orgnr
LIMIT $limit
