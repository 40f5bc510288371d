// name: network/person_neighbours
// title: Organisations where persons hold roles, capped per person
// description: For each given person, the organisations where the person holds
//   a role, filtered by role group, activity and helix sector; at most $cap per
//   person, with the total so the caller can say "+N more".
// params: person_keys: list[str], role_groups: list[str] = null, active_only: bool = true,
//   helix: list[str] = null, cap: int = 25
// example: person_keys=p1
// mode: read
UNWIND $person_keys AS key
MATCH (p:Person {person_key: key})
MATCH (p)-[r:HOLDS_ROLE]->(n)
WHERE (NOT $active_only OR r.active)
  AND ($role_groups IS NULL OR r.role_group IN $role_groups OR r.role IN $role_groups)
  AND ($helix IS NULL OR n.helix IN $helix)
WITH p, n, r
ORDER BY CASE WHEN r.active THEN 0 ELSE 1 END, n.name
WITH p, collect({key: n.orgnr, kind: 'organization', name: n.name, helix: n.helix,
                 node_active: n.active, role: r.role, role_group: r.role_group,
                 active: r.active, outgoing: true}) AS ns
RETURN p.person_key AS key, size(ns) AS total, ns[0..$cap] AS neighbours
