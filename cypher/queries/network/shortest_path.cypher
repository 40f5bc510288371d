// name: network/shortest_path
// title: Shortest connection between two organisations
// description: One shortest chain of board seats and interlocks linking two
//   organisations, up to a bounded number of hops.
// params: from_orgnr: str, to_orgnr: str
// example: from_orgnr=923609016; to_orgnr=984851006
// mode: read
MATCH (a:Organization {orgnr: $from_orgnr})
MATCH (b:Organization {orgnr: $to_orgnr})
WITH a, b
MATCH p = allShortestPaths((a)-[:HOLDS_ROLE|INTERLOCK*..6]-(b))
RETURN [n IN nodes(p) | coalesce(n.orgnr, n.person_key)] AS keys,
       [n IN nodes(p) | labels(n)[0]] AS kinds,
       [r IN relationships(p) | type(r)] AS via,
       length(p) AS hops
LIMIT 1
