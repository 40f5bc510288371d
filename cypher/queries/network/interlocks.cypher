// name: network/interlocks
// title: Organisations sharing board members with a firm
// description: The materialised interlock ties of an organisation (from the
//   current interlock run only) with their weight in shared persons.
// params: orgnr: str, limit: int = 50
// example: orgnr=923609016
// mode: read
MATCH (m:Meta {key: 'measures'})
WITH m
MATCH (f:Organization {orgnr: $orgnr})-[i:INTERLOCK]-(o:Organization)
WHERE i.run_id = m.interlock_run
RETURN o.orgnr AS orgnr, o.name AS name, o.helix AS helix, i.weight AS shared_persons
ORDER BY shared_persons DESC, orgnr
LIMIT $limit
