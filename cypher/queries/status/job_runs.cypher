// name: status/job_runs
// title: Recent measures job runs
// description: The latest recorded runs of the nightly measures jobs, newest
//   first: jobs, status, engine, start and finish (UTC), duration, whether its
//   results are current, and the error of a failed or interrupted run. For a
//   run still marked running, whether it holds the jobs' lock and when that
//   lock expires (epoch seconds), so a killed run can be told from a live one;
//   and the summary (JSON) of the data sync the nightly schedule ran before it.
// params: limit: int = 20
// mode: read
MATCH (r:JobRun)
WITH r ORDER BY r.started DESC, r.run_id DESC LIMIT $limit
OPTIONAL MATCH (l:Lock {key: 'measures'})
RETURN r.run_id AS run_id, r.job AS job, r.status AS status, r.engine AS engine,
       r.started AS started, r.finished AS finished, r.duration_s AS duration_s,
       coalesce(r.current, false) AS current, r.owner AS owner, r.error AS error, r.sync AS sync,
       coalesce(l.run_id = r.run_id, false) AS holds_lock,
       CASE WHEN l.run_id = r.run_id THEN l.expires ELSE null END AS lock_expires
ORDER BY started DESC, run_id DESC
