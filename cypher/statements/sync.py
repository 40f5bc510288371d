"""Statements of the register syncs (loaders.sync): the last bulk load and the feeds' cursors."""

from __future__ import annotations

from cypher.registry import register


LAST_BULK = register("loaders.sync.last_bulk_load", """
MATCH (l:LoadRun)
WHERE l.source = $source AND l.status = 'ok' AND l.as_of IS NOT NULL
RETURN max(l.as_of) AS as_of
""")


READ_STATE = register("loaders.sync.state_read", """
MATCH (s:SyncState {feed: $feed})
RETURN properties(s) AS state
""")


ALL_STATES = register("loaders.sync.state_all", """
MATCH (s:SyncState)
RETURN properties(s) AS state
ORDER BY state.feed
""")


WRITE_STATE = register("loaders.sync.state_write", """
MERGE (s:SyncState {feed: $feed})
SET s += $props
RETURN s.feed AS feed
""")
