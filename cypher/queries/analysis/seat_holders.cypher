// name: analysis/seat_holders
// title: Which seats given organisations have filled
// description: For each given organisation with an active board seat or CEO,
//   the distinct roles held (LEDE, NEST, MEDL, VARA, OBS, DAGL). An
//   organisation is a node of an interlock network when one of its roles is
//   counted, even if it shares nobody with another organisation (an isolate).
// params: orgnrs: list[str]
// example: orgnrs=923609016,984851006
// mode: read
UNWIND $orgnrs AS key
MATCH (o:Organization {orgnr: key})<-[r:HOLDS_ROLE]-(:Person)
WHERE r.active = true AND ((r.role_group = 'STYR' AND r.role IN ['LEDE', 'NEST', 'MEDL', 'VARA', 'OBS'])
      OR r.role = 'DAGL')
RETURN o.orgnr AS orgnr, collect(DISTINCT r.role) AS roles
ORDER BY orgnr
