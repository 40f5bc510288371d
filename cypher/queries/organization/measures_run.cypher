// name: organization/measures_run
// title: The current measures run
// description: The most recent measures job run marked current (its id keys
//   every cache of measure values).
// params:
// mode: read
MATCH (j:JobRun)
WHERE j.current = true
RETURN j.run_id AS run_id, j.job AS job, j.finished AS finished, j.engine AS engine
ORDER BY finished DESC
LIMIT 1
