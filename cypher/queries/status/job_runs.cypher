// name: status/job_runs
// title: Recent measures job runs
// description: The latest recorded runs of the nightly measures jobs, newest
//   first: jobs, status, engine, start and finish (UTC), duration, whether its
//   results are current, and the error of a failed or interrupted run.
// params: limit: int = 20
// mode: read
MATCH (r:JobRun)
RETURN r.run_id AS run_id, r.job AS job, r.status AS status, r.engine AS engine,
       r.started AS started, r.finished AS finished, r.duration_s AS duration_s,
       coalesce(r.current, false) AS current, r.owner AS owner, r.error AS error
ORDER BY r.started DESC, r.run_id DESC
LIMIT $limit
