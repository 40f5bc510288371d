// name: organization/example
// title: An organisation to show as an example
// description: The largest active organisation with a name (by employees), so the
//   start page's examples are organisations that exist in this graph.
// params: limit: int = 1
// mode: read
MATCH (o:Organization)
WHERE o.active = true AND o.name IS NOT NULL AND o.employees IS NOT NULL
RETURN o.orgnr AS orgnr, o.name AS name, o.employees AS employees
ORDER BY o.employees DESC, o.orgnr
LIMIT $limit
