// name: measures/history
// title: An organisation's measures over past runs
// description: Constraint, eigenvector, betweenness and degree of the organisation in
//   every retained successful measures run, oldest first (for trend charts; the last
//   KLYNGE_MEASURE_HISTORY_RUNS runs are kept).
// params: orgnr: str
// example: orgnr=923609016
// mode: read
MATCH (v:MeasureValue {orgnr: $orgnr})
WITH v
MATCH (r:JobRun {run_id: v.run_id})
WHERE r.status = 'succeeded'
RETURN r.run_id AS run_id, r.finished AS finished, v.degree AS degree,
       v.weighted_degree AS weighted_degree, v.eigenvector AS eigenvector,
       v.betweenness AS betweenness, v.constraint AS `constraint`,
       v.effective_size AS effective_size
ORDER BY finished
