// name: network/org_neighbours
// title: Role neighbours of organisations, capped per organisation
// description: For each given organisation, the persons and organisations that
//   hold roles in it and the organisations it holds roles in, filtered by role
//   group, activity and helix sector; at most $cap per organisation, with the
//   total so the caller can say "+N more".
// params: orgnrs: list[str], persons: bool = true, organizations: bool = true,
//   role_groups: list[str] = null, active_only: bool = true, helix: list[str] = null, cap: int = 25
// example: orgnrs=923609016
// mode: read
UNWIND $orgnrs AS key
MATCH (o:Organization {orgnr: key})
MATCH (o)-[r:HOLDS_ROLE]-(n)
WHERE (NOT $active_only OR r.active)
  AND ($role_groups IS NULL OR r.role_group IN $role_groups OR r.role IN $role_groups)
  AND ((n.person_key IS NOT NULL AND $persons)
       OR (n.orgnr IS NOT NULL AND n.person_key IS NULL AND $organizations
           AND ($helix IS NULL OR n.helix IN $helix)))
WITH o, n, r, startNode(r) = o AS outgoing
ORDER BY CASE WHEN r.active THEN 0 ELSE 1 END, CASE r.role WHEN 'DAGL' THEN 0 WHEN 'LEDE' THEN 1 ELSE 2 END, n.name
WITH o, collect({key: coalesce(n.person_key, n.orgnr),
                 kind: CASE WHEN n.person_key IS NULL THEN 'organization' ELSE 'person' END,
                 name: n.name, helix: n.helix, node_active: n.active,
                 role: r.role, role_group: r.role_group, active: r.active, outgoing: outgoing}) AS ns
RETURN o.orgnr AS key, size(ns) AS total, ns[0..$cap] AS neighbours
