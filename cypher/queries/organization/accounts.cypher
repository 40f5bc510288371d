// name: organization/accounts
// title: Annual accounts of an organisation over the years
// description: Key figures of each filed annual account (company accounts
//   before group accounts), oldest year first.
// params: orgnr: str
// example: orgnr=923609016
// mode: read
MATCH (o:Organization {orgnr: $orgnr})
MATCH (o)-[:FILED]->(a:Accounts)
RETURN a.accounts_id AS accounts_id, a.year AS year, a.accounts_type AS accounts_type,
       a.currency AS currency, a.revenue AS revenue, a.operating_result AS operating_result,
       a.net_result AS net_result, a.total_assets AS total_assets, a.equity AS equity,
       a.source AS source, a.as_of AS as_of
ORDER BY year, accounts_type DESC
