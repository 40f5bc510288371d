// name: network/shortest_paths
// title: Shortest connections between two organisations
// description: All shortest chains (up to $limit) of roles and interlock ties
//   linking two organisations through people and organisations, at most 6 hops;
//   with $role_groups, only roles of those groups (e.g. STYR, DAGL) are followed.
// params: from_orgnr: str, to_orgnr: str, limit: int = 10, role_groups: list[str] = null
// example: from_orgnr=923609016; to_orgnr=984851006
// mode: read
MATCH (a:Organization {orgnr: $from_orgnr})
MATCH (b:Organization {orgnr: $to_orgnr})
WITH a, b
MATCH p = allShortestPaths((a)-[:HOLDS_ROLE|INTERLOCK*..6]-(b))
WHERE $role_groups IS NULL
   OR all(r IN relationships(p) WHERE type(r) = 'INTERLOCK' OR r.role_group IN $role_groups)
RETURN [n IN nodes(p) | coalesce(n.person_key, n.orgnr)] AS keys,
       [n IN nodes(p) | CASE WHEN n.person_key IS NULL THEN 'organization' ELSE 'person' END] AS kinds,
       [n IN nodes(p) | n.name] AS names,
       [n IN nodes(p) | n.helix] AS helix,
       [r IN relationships(p) | type(r)] AS via,
       [r IN relationships(p) | coalesce(r.role, '')] AS roles,
       [r IN relationships(p) | coalesce(r.active, true)] AS active,
       [r IN relationships(p) | coalesce(startNode(r).person_key, startNode(r).orgnr)] AS sources,
       length(p) AS hops
LIMIT $limit
