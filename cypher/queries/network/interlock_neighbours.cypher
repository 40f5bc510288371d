// name: network/interlock_neighbours
// title: Interlocked organisations, capped per organisation
// description: For each given organisation, the organisations it shares board
//   members with (materialised INTERLOCK ties), strongest first; at most $cap
//   per organisation, with the total; ties of the current interlock run only.
// params: orgnrs: list[str], helix: list[str] = null, cap: int = 25
// example: orgnrs=923609016
// mode: read
MATCH (m:Meta {key: 'measures'})
WITH m
UNWIND $orgnrs AS key
MATCH (o:Organization {orgnr: key})
MATCH (o)-[i:INTERLOCK]-(n)
WHERE i.run_id = m.interlock_run AND ($helix IS NULL OR n.helix IN $helix)
WITH o, n, i
ORDER BY coalesce(i.weight, 0) DESC, n.name
WITH o, collect({key: n.orgnr, kind: 'organization', name: n.name, helix: n.helix,
                 node_active: n.active, weight: i.weight}) AS ns
RETURN o.orgnr AS key, size(ns) AS total, ns[0..$cap] AS neighbours
