// name: person/profile
// title: A person's facts
// description: Name, birth year, source and "as of" date of one role holder
//   (by pseudonymous key).
// params: person_key: str
// example: person_key=p1
// mode: read
MATCH (p:Person {person_key: $person_key})
RETURN p.person_key AS person_key, p.name AS name, p.birth_year AS birth_year,
       p.deceased AS deceased, p.source AS source, p.as_of AS as_of
