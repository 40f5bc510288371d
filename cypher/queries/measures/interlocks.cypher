// name: measures/interlocks
// title: An organisation's interlock ties from the current run
// description: Organisations sharing active board members with the given one, from
//   the INTERLOCK relationships of the current interlock run only (Meta pointer), so
//   ties a running or failed run is writing never show; weight = shared persons.
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
