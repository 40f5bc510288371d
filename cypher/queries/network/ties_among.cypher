// name: network/ties_among
// title: Role ties among a set of persons and organisations
// description: Every role tie whose holder and organisation are both in the
//   given set (the alter-alter ties that make an ego network), filtered like the
//   neighbour queries.
// params: orgnrs: list[str], person_keys: list[str] = null, role_groups: list[str] = null,
//   active_only: bool = true, limit: int = 5000
// example: orgnrs=923609016,984851006; person_keys=p1,p2
// mode: read
UNWIND coalesce($person_keys, []) AS key
MATCH (h:Person {person_key: key})
MATCH (h)-[r:HOLDS_ROLE]->(o)
WHERE o.orgnr IN $orgnrs
  AND (NOT $active_only OR r.active)
  AND ($role_groups IS NULL OR r.role_group IN $role_groups OR r.role IN $role_groups)
RETURN h.person_key AS source, o.orgnr AS target, r.role AS role, r.role_group AS role_group, r.active AS active
LIMIT $limit
UNION ALL
UNWIND $orgnrs AS key
MATCH (h:Organization {orgnr: key})
MATCH (h)-[r:HOLDS_ROLE]->(o)
WHERE o.orgnr IN $orgnrs
  AND (NOT $active_only OR r.active)
  AND ($role_groups IS NULL OR r.role_group IN $role_groups OR r.role IN $role_groups)
RETURN h.orgnr AS source, o.orgnr AS target, r.role AS role, r.role_group AS role_group, r.active AS active
LIMIT $limit
