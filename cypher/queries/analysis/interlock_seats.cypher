// name: analysis/interlock_seats
// title: Seats of persons who sit in two or more organisations
// description: Persons holding active seats in at least two organisations,
//   counting board seats (chair, deputy chair, member, deputy, observer) and
//   the CEO, keyed by the person's pseudonym, with the organisations and the
//   role held in each (parallel lists). The analyses build the interlock
//   network of any population and choice of seats from these rows.
// params:
// mode: read
MATCH (p:Person)-[r:HOLDS_ROLE]->(o:Organization)
WHERE r.active = true AND ((r.role_group = 'STYR' AND r.role IN ['LEDE', 'NEST', 'MEDL', 'VARA', 'OBS'])
      OR r.role = 'DAGL')
WITH p, collect(o.orgnr) AS orgnrs, collect(r.role) AS roles, count(DISTINCT o) AS organizations
WHERE organizations > 1
RETURN p.person_key AS person_key, orgnrs, roles
