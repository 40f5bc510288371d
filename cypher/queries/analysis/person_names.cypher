// name: analysis/person_names
// title: Names of given persons
// description: The stored name of each given pseudonymous person key, for
//   callers allowed to see names in cluster-fit explanations.
// params: person_keys: list[str]
// example: person_keys=p1
// mode: read
UNWIND $person_keys AS key
MATCH (p:Person {person_key: key})
RETURN p.person_key AS person_key, p.name AS name
