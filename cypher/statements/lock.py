"""Statements of the one-run-at-a-time lock of the measures jobs (gds_jobs.lock)."""

from __future__ import annotations

from cypher.registry import register

ACQUIRE = register("gds_jobs.lock.acquire", """
MERGE (l:Lock {key: $key})
SET l.touched = $now
WITH l, l.owner AS prev_owner, l.expires AS prev_expires, l.run_id AS prev_run
WITH l, prev_owner, prev_expires, prev_run,
     (prev_owner IS NULL OR prev_expires IS NULL OR prev_expires < $now OR prev_owner = $owner
      OR coalesce(prev_owner = $stale_owner, false)) AS free
SET l.owner = CASE WHEN free THEN $owner ELSE l.owner END,
    l.host = CASE WHEN free THEN $host ELSE l.host END,
    l.pid = CASE WHEN free THEN $pid ELSE l.pid END,
    l.run_id = CASE WHEN free THEN $run_id ELSE l.run_id END,
    l.acquired = CASE WHEN free THEN $now ELSE l.acquired END,
    l.expires = CASE WHEN free THEN $expires ELSE l.expires END
RETURN free AS acquired, prev_owner, prev_expires, prev_run, l.host AS host, l.pid AS pid
""")


REFRESH = register("gds_jobs.lock.refresh", """
MATCH (l:Lock {key: $key})
WHERE l.owner = $owner
SET l.expires = $expires
RETURN count(l) AS n
""")


RELEASE = register("gds_jobs.lock.release", """
MATCH (l:Lock {key: $key})
WHERE l.owner = $owner
DETACH DELETE l
RETURN count(*) AS n
""")


READ = register("gds_jobs.lock.read", """
MATCH (l:Lock {key: $key})
RETURN l.owner AS owner, l.host AS host, l.pid AS pid, l.run_id AS run_id,
       l.acquired AS acquired, l.expires AS expires
""")
