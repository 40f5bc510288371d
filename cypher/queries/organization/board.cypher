// name: organization/board
// title: Current board and CEO
// description: Active board seats (role group STYR) and the CEO (DAGL) of an
//   organisation, persons and organisations as holders.
// params: orgnr: str, include_inactive: bool = false
// example: orgnr=923609016
// mode: read
MATCH (o:Organization {orgnr: $orgnr})
MATCH (h)-[r:HOLDS_ROLE]->(o)
WHERE (r.role_group = 'STYR' OR r.role = 'DAGL') AND (r.active OR $include_inactive)
RETURN coalesce(h.person_key, h.orgnr) AS holder_key,
       CASE WHEN h.person_key IS NULL THEN 'organization' ELSE 'person' END AS holder_kind,
       h.name AS holder_name, r.role AS role, r.role_group AS role_group, r.active AS active,
       r.registered AS registered, r.changed AS changed, r.source AS source, r.as_of AS as_of
ORDER BY CASE r.role WHEN 'DAGL' THEN 0 WHEN 'LEDE' THEN 1 WHEN 'NEST' THEN 2 WHEN 'MEDL' THEN 3 ELSE 4 END, holder_name
