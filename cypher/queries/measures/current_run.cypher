// name: measures/current_run
// title: The runs whose results are current
// description: The current run of each measures job (interlock ties, measures,
//   brokerage) from the Meta pointer, with when it finished and on which engine.
//   Its run_id keys any cache of measure values.
// params:
// mode: read
MATCH (m:Meta {key: 'measures'})
WITH m
OPTIONAL MATCH (r:JobRun {run_id: m.measures_run})
RETURN m.measures_run AS run_id, m.interlock_run AS interlock_run_id,
       m.brokerage_run AS brokerage_run_id, r.finished AS finished, r.engine AS engine,
       m.updated AS updated
