// name: status/sync_feeds
// title: Last sync per feed
// description: For each update feed and file that `klynge sync` keeps
//   current: its cursor (the last update id applied and that update's time),
//   the status, start and finish (UTC) of its last sync, update items read,
//   changes applied and rows rejected, and the error of a failed sync.
// params:
// mode: read
MATCH (s:SyncState)
RETURN s.feed AS feed, s.cursor AS cursor, s.cursor_time AS cursor_time, s.status AS status,
       s.started AS started, s.finished AS finished, s.events AS events, s.applied AS applied,
       s.rejected AS rejected, s.error AS error
ORDER BY feed
