// name: organization/patents
// title: Patent applications of an organisation
// description: Patent applications filed by the organisation, newest first.
// params: orgnr: str, limit: int = 100
// example: orgnr=923609016
// mode: read
MATCH (o:Organization {orgnr: $orgnr})
MATCH (o)-[:APPLIED_FOR]->(p:Patent)
RETURN p.patent_id AS patent_id, p.application_number AS application_number, p.title AS title,
       p.filing_date AS filing_date, p.year AS year, p.source AS source, p.as_of AS as_of
ORDER BY coalesce(p.year, 0) DESC, patent_id
LIMIT $limit
