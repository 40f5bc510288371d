// name: status/load_runs
// title: Recent loads
// description: The latest recorded loads of any source, newest first, with
//   their row counts, status and error.
// params: limit: int = 20
// mode: read
MATCH (l:LoadRun)
RETURN l.load_id AS load_id, l.source AS source, l.file AS file, l.status AS status,
       l.started AS started, l.finished AS finished, l.read AS read, l.created AS created,
       l.updated AS updated, l.unchanged AS unchanged, l.rejected AS rejected, l.error AS error
ORDER BY l.started DESC, l.load_id DESC
LIMIT $limit
