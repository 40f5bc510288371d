// name: organization/roles_elsewhere
// title: Roles the board and CEO hold in other organisations
// description: For every current board member and CEO of the organisation,
//   their active roles in other organisations (what links the firm to others).
// params: orgnr: str, limit: int = 200
// example: orgnr=923609016
// mode: read
MATCH (o:Organization {orgnr: $orgnr})
MATCH (h)-[r:HOLDS_ROLE]->(o)
WHERE r.active AND (r.role_group = 'STYR' OR r.role = 'DAGL')
WITH o, h, collect(DISTINCT r.role) AS roles_here
MATCH (h)-[t:HOLDS_ROLE]->(x:Organization)
WHERE t.active AND x.orgnr <> o.orgnr
RETURN coalesce(h.person_key, h.orgnr) AS holder_key,
       CASE WHEN h.person_key IS NULL THEN 'organization' ELSE 'person' END AS holder_kind,
       h.name AS holder_name, roles_here, x.orgnr AS orgnr, x.name AS name, x.helix AS helix,
       t.role AS role, t.role_group AS role_group
ORDER BY holder_key, name, orgnr
LIMIT $limit
