// name: status/last_loads
// title: Last load per source
// description: For each data source, its most recent load (by start time):
//   file, status, start and finish (UTC), rows read, created, updated,
//   unchanged and rejected, and the error of a failed load; plus how many
//   loads of the source are recorded.
// params:
// mode: read
MATCH (l:LoadRun)
WITH l ORDER BY l.started DESC, l.load_id DESC
WITH l.source AS source, collect(l) AS runs
WITH source, runs[0] AS l, size(runs) AS loads
RETURN source, loads, l.load_id AS load_id, l.file AS file, l.status AS status,
       l.started AS started, l.finished AS finished, l.read AS read, l.created AS created,
       l.updated AS updated, l.unchanged AS unchanged, l.rejected AS rejected, l.error AS error
ORDER BY source
