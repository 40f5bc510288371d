// name: analysis/employment
// title: Registered employees by municipality and NACE code
// description: Employees and units of the active organisations with a
//   registered employee count, summed per business-address municipality number
//   (as registered; older numbers included) and main NACE code. The location
//   quotients compare a region's share of each industry with Norway's.
// params:
// mode: read
MATCH (o:Organization)
WHERE o.active = true AND coalesce(o.employees, 0) > 0
RETURN o.municipality_code AS municipality_code, o.nace1 AS nace, o.nace_version AS nace_version,
       toInteger(sum(o.employees)) AS employees, count(o) AS units
ORDER BY municipality_code, nace
