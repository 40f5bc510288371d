// name: organization/roles_elsewhere
// title: Roles the board and CEO hold in other organisations
// description: For every current board member and CEO of the organisation,
//   their active roles in other organisations (what links the firm to others);
//   at most $per_holder per holder, with the holder's total.
// params: orgnr: str, per_holder: int = 25
// example: orgnr=923609016
// mode: read
MATCH (o:Organization {orgnr: $orgnr})
MATCH (h)-[r:HOLDS_ROLE]->(o)
WHERE r.active AND (r.role_group = 'STYR' OR r.role = 'DAGL')
WITH o, h, collect(DISTINCT r.role) AS roles_here
MATCH (h)-[t:HOLDS_ROLE]->(x:Organization)
WHERE t.active AND x.orgnr <> o.orgnr
WITH h, roles_here, collect({orgnr: x.orgnr, name: x.name, helix: x.helix, role: t.role,
                             role_group: t.role_group}) AS seats
RETURN coalesce(h.person_key, h.orgnr) AS holder_key,
       CASE WHEN h.person_key IS NULL THEN 'organization' ELSE 'person' END AS holder_kind,
       h.name AS holder_name, roles_here, size(seats) AS total, seats[0..$per_holder] AS seats
ORDER BY total DESC, holder_key
