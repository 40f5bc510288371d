// name: analysis/accounts
// title: Key figures of all filed accounts of one type
// description: Every filing of the given type (company accounts by default)
//   with the figures the profitability, growth and critical-mass analyses use.
// params: accounts_type: str = SELSKAP
// mode: read
MATCH (o:Organization)-[:FILED]->(a:Accounts)
WHERE coalesce(a.accounts_type, 'SELSKAP') = $accounts_type
RETURN o.orgnr AS orgnr, a.year AS year, a.currency AS currency, a.revenue AS revenue,
       a.operating_result AS operating_result, a.ordinary_result_before_tax AS ordinary_result_before_tax,
       a.total_assets AS total_assets, a.ebitda AS ebitda, a.as_of AS as_of
ORDER BY orgnr, year
