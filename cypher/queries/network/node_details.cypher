// name: network/node_details
// title: Display facts of network nodes
// description: Name, helix sector and activity of the given organisations and
//   persons, for labelling and styling an ego-network view.
// params: orgnrs: list[str] = null, person_keys: list[str] = null
// example: orgnrs=923609016; person_keys=p1
// mode: read
UNWIND coalesce($orgnrs, []) AS key
MATCH (o:Organization {orgnr: key})
RETURN o.orgnr AS key, 'organization' AS kind, o.name AS name, o.helix AS helix, o.active AS active
UNION ALL
UNWIND coalesce($person_keys, []) AS key
MATCH (p:Person {person_key: key})
RETURN p.person_key AS key, 'person' AS kind, p.name AS name, null AS helix, null AS active
