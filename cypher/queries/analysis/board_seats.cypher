// name: analysis/board_seats
// title: Board members who sit on two or more boards
// description: Persons holding active board seats of the given roles (by
//   default chair, deputy chair and member when roles is null) in at least two
//   organisations, keyed by the person's pseudonym, with those organisations;
//   the interlock network is built from these rows (a single seat ties nothing).
// params: roles: list[str] = null
// mode: read
MATCH (p:Person)-[r:HOLDS_ROLE]->(o:Organization)
WHERE r.active = true AND r.role_group = 'STYR' AND r.role IN coalesce($roles, ['LEDE', 'NEST', 'MEDL'])
WITH p, collect(DISTINCT o.orgnr) AS orgnrs
WHERE size(orgnrs) > 1
RETURN p.person_key AS person_key, orgnrs
