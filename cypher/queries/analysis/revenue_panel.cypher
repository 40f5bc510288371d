// name: analysis/revenue_panel
// title: Operating revenue in two years by municipality and NACE code
// description: Operating revenue (NOK) of the organisations that filed
//   accounts of the given type in both given years, summed per municipality
//   number and main NACE code (a balanced panel, for the shift-share).
// params: base_year: int, end_year: int, accounts_type: str = SELSKAP
// example: base_year=2020; end_year=2024
// mode: read
MATCH (o:Organization)-[:FILED]->(a0:Accounts)
WHERE a0.year = $base_year AND coalesce(a0.accounts_type, 'SELSKAP') = $accounts_type
  AND coalesce(a0.currency, 'NOK') = 'NOK' AND a0.revenue IS NOT NULL
MATCH (o)-[:FILED]->(a1:Accounts)
WHERE a1.year = $end_year AND coalesce(a1.accounts_type, 'SELSKAP') = $accounts_type
  AND coalesce(a1.currency, 'NOK') = 'NOK' AND a1.revenue IS NOT NULL
RETURN o.municipality_code AS municipality_code, o.nace1 AS nace, o.nace_version AS nace_version,
       sum(toFloat(a0.revenue)) AS base_revenue, sum(toFloat(a1.revenue)) AS end_revenue, count(o) AS firms
ORDER BY municipality_code, nace
