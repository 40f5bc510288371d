// name: network/shared_board_members
// title: The board members two organisations share
// description: For each pair of organisations (from_orgnrs[i], to_orgnrs[i]: an interlock
//   tie), the persons holding active board seats in both, with their role in each; at most
//   $per_pair per pair, and how many there are.
// params: from_orgnrs: list[str], to_orgnrs: list[str], per_pair: int = 5
// example: from_orgnrs=923609016; to_orgnrs=984851006
// mode: read
UNWIND range(0, size($from_orgnrs) - 1) AS i
WITH $from_orgnrs[i] AS x, $to_orgnrs[i] AS y
MATCH (a:Organization {orgnr: x})<-[r1:HOLDS_ROLE]-(p:Person)-[r2:HOLDS_ROLE]->(b:Organization {orgnr: y})
WHERE r1.role_group = 'STYR' AND r2.role_group = 'STYR' AND r1.active AND r2.active
WITH x, y, p, r1, r2
ORDER BY p.name
WITH x, y, collect({key: p.person_key, name: p.name, role_a: r1.role, role_b: r2.role}) AS persons
RETURN x AS a, y AS b, size(persons) AS total, persons[0..$per_pair] AS persons
