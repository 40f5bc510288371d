// name: organization/held_roles
// title: Roles the organisation itself holds in other organisations
// description: Board seats, ownership roles and similar that this organisation
//   holds as a legal person in other organisations.
// params: orgnr: str, limit: int = 200
// example: orgnr=923609016
// mode: read
MATCH (o:Organization {orgnr: $orgnr})
MATCH (o)-[t:HOLDS_ROLE]->(x:Organization)
RETURN x.orgnr AS orgnr, x.name AS name, x.helix AS helix, t.role AS role,
       t.role_group AS role_group, t.active AS active, t.registered AS registered, t.changed AS changed
ORDER BY t.active DESC, name, orgnr
LIMIT $limit
