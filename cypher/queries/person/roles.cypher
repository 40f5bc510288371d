// name: person/roles
// title: Roles a person holds
// description: Every role (board seat, CEO, auditor …) the person holds or held,
//   active roles first.
// params: person_key: str, limit: int = 500
// example: person_key=p1
// mode: read
MATCH (p:Person {person_key: $person_key})
MATCH (p)-[r:HOLDS_ROLE]->(o:Organization)
RETURN o.orgnr AS orgnr, o.name AS name, o.helix AS helix, o.active AS org_active,
       r.role AS role, r.role_group AS role_group, r.active AS active,
       r.registered AS registered, r.changed AS changed, r.resigned AS resigned, r.source AS source, r.as_of AS as_of
ORDER BY CASE WHEN r.active THEN 0 ELSE 1 END, name, orgnr
LIMIT $limit
