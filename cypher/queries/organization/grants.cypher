// name: organization/grants
// title: Research and innovation grants of an organisation
// description: Applications and grants (Forskningsrådet, Innovasjon Norge)
//   received by the organisation, newest first.
// params: orgnr: str, limit: int = 100
// example: orgnr=923609016
// mode: read
MATCH (o:Organization {orgnr: $orgnr})
MATCH (o)-[:RECEIVED]->(g:Grant)
RETURN g.grant_id AS grant_id, g.source AS source, g.project_number AS project_number,
       g.title AS title, g.programme AS programme, g.year AS year, g.status AS status,
       g.granted AS granted, g.amount_granted AS amount_granted, g.as_of AS as_of
ORDER BY coalesce(g.year, 0) DESC, grant_id
LIMIT $limit
