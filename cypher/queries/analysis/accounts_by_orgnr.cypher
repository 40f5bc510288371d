// name: analysis/accounts_by_orgnr
// title: Key figures of the filed accounts of given organisations
// description: Every filing of the given type (company accounts by default) of
//   the given organisations, with the figures the profitability, growth and
//   critical-mass analyses use.
// params: orgnrs: list[str], accounts_type: str = SELSKAP
// example: orgnrs=923609016,984851006
// mode: read
UNWIND $orgnrs AS key
MATCH (o:Organization {orgnr: key})
MATCH (o)-[:FILED]->(a)
WHERE coalesce(a.accounts_type, 'SELSKAP') = $accounts_type
RETURN o.orgnr AS orgnr, a.year AS year, a.currency AS currency, a.revenue AS revenue,
       a.operating_result AS operating_result, a.ordinary_result_before_tax AS ordinary_result_before_tax,
       a.total_assets AS total_assets, a.ebitda AS ebitda, a.as_of AS as_of
ORDER BY orgnr, year
