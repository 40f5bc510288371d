// name: analysis/board_seats
// title: Active board seats held by persons
// description: One row per person and organisation where the person holds an
//   active board seat of the given roles (by default chair, deputy chair and
//   member when roles is null), keyed by the person's pseudonym; the interlock network is built
//   from these rows.
// params: roles: list[str] = null
// mode: read
MATCH (p:Person)-[r:HOLDS_ROLE]->(o:Organization)
WHERE r.active = true AND r.role_group = 'STYR' AND r.role IN coalesce($roles, ['LEDE', 'NEST', 'MEDL'])
RETURN DISTINCT p.person_key AS person_key, o.orgnr AS orgnr
