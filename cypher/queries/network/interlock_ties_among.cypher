// name: network/interlock_ties_among
// title: Interlock ties among a set of organisations
// description: Every materialised INTERLOCK tie between two organisations of
//   the given set, each tie once (current interlock run only).
// params: orgnrs: list[str], limit: int = 5000
// example: orgnrs=923609016,984851006
// mode: read
MATCH (m:Meta {key: 'measures'})
WITH m
UNWIND $orgnrs AS key
MATCH (o:Organization {orgnr: key})
MATCH (o)-[i:INTERLOCK]->(n)
WHERE n.orgnr IN $orgnrs AND i.run_id = m.interlock_run
RETURN o.orgnr AS source, n.orgnr AS target, i.weight AS weight
LIMIT $limit
