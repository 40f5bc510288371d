// name: network/ego_network
// title: A firm's ego network through shared board members
// description: People holding active board seats in the organisation, and the
//   other organisations where they hold active board seats; capped per person.
// params: orgnr: str, per_person: int = 25
// example: orgnr=923609016
// mode: read
MATCH (f:Organization {orgnr: $orgnr})<-[s:HOLDS_ROLE]-(p:Person)
WHERE s.role_group = 'STYR' AND s.active
WITH f, p, s
OPTIONAL MATCH (p)-[t:HOLDS_ROLE]->(other:Organization)
WHERE t.role_group = 'STYR' AND t.active AND other.orgnr <> f.orgnr
WITH p, s, collect(DISTINCT {orgnr: other.orgnr, name: other.name, role: t.role}) AS seats
RETURN p.person_key AS person_key, s.role AS role_here, size(seats) AS other_seats,
       seats[0..$per_person] AS organizations
ORDER BY other_seats DESC, person_key
