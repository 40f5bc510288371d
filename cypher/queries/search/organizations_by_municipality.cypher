// name: search/organizations_in_region
// title: Organisations in a region
// description: Active organisations whose business address lies in a
//   municipality of the region, largest first.
// params: region_id: str = ringeriksregionen, limit: int = 100
// mode: read
MATCH (r:Region {region_id: $region_id})
MATCH (r)<-[:IN_REGION]-(m:Municipality)
WITH m
MATCH (m)<-[:LOCATED_IN]-(o:Organization)
WHERE o.active
RETURN o.orgnr AS orgnr, o.name AS name, m.name AS municipality, o.employees AS employees, o.helix AS helix
ORDER BY coalesce(o.employees, 0) DESC, orgnr
LIMIT $limit
