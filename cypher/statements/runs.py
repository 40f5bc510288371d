"""Statements of the measures runs (gds_jobs.runs): run records, values, interlocks, publishing, history."""

from __future__ import annotations

from cypher.registry import register
from cypher.schema.measures import MEASURE_NAMES
from cypher.schema.model import BROKERAGE_PROPERTIES

CREATE_RUN = register("gds_jobs.runs.create", """
CREATE (r:JobRun {run_id: $run_id})
SET r += $props
RETURN r.run_id AS run_id
""")


UPDATE_RUN = register("gds_jobs.runs.update", """
MATCH (r:JobRun {run_id: $run_id})
SET r += $props
RETURN r.run_id AS run_id
""")


MARK_INTERRUPTED = register("gds_jobs.runs.mark_interrupted", """
MATCH (r:JobRun {status: 'running'})
WHERE r.run_id <> $run_id
SET r.status = 'interrupted', r.finished = coalesce(r.finished, $now), r.error = $error
RETURN r.run_id AS run_id, r.owner AS owner
""")


WRITE_INTERLOCKS = register("gds_jobs.runs.write_interlocks", """
UNWIND $rows AS row
MATCH (a:Organization {orgnr: row.a})
MATCH (b:Organization {orgnr: row.b})
CREATE (a)-[:INTERLOCK {weight: row.weight, run_id: row.run_id}]->(b)
""")


WRITE_VALUES = register("gds_jobs.runs.write_values", """
UNWIND $rows AS row
CREATE (v:MeasureValue {key: row.key})
SET v += row
""")


PUBLISH = register("gds_jobs.runs.publish", """
MATCH (l:Lock {key: $lock_key})
WHERE l.owner = $owner
MATCH (r:JobRun {run_id: $run_id})
MERGE (m:Meta {key: $meta})
SET m.interlock_run = CASE WHEN $interlock THEN $run_id ELSE m.interlock_run END,
    m.measures_run = CASE WHEN $measures THEN $run_id ELSE m.measures_run END,
    m.brokerage_run = CASE WHEN $brokerage THEN $run_id ELSE m.brokerage_run END,
    m.updated = $now,
    r += $props
WITH m
MATCH (o:JobRun)
SET o.current = coalesce(o.run_id IN [m.interlock_run, m.measures_run, m.brokerage_run], false)
RETURN count(o) AS runs
""")


READ_POINTERS = register("gds_jobs.runs.pointers", """
MATCH (m:Meta {key: $meta})
RETURN m.interlock_run AS interlock, m.measures_run AS measures, m.brokerage_run AS brokerage,
       m.updated AS updated
""")


DELETE_VALUES = register("gds_jobs.runs.delete_values", """
MATCH (v:MeasureValue {run_id: $run_id})
WITH v LIMIT $limit
DETACH DELETE v
RETURN count(*) AS n
""")


DELETE_INTERLOCKS_EXCEPT = register("gds_jobs.runs.delete_interlocks_except", """
MATCH (:Organization)-[i:INTERLOCK]->(:Organization)
WHERE $keep IS NULL OR i.run_id IS NULL OR i.run_id <> $keep
WITH i LIMIT $limit
DELETE i
RETURN count(*) AS n
""")


DELETE_INTERLOCKS_OF = register("gds_jobs.runs.delete_interlocks_of", """
MATCH (:Organization)-[i:INTERLOCK]->(:Organization)
WHERE i.run_id = $run_id
WITH i LIMIT $limit
DELETE i
RETURN count(*) AS n
""")


UNPRUNED_RUNS = register("gds_jobs.runs.unpruned", """
MATCH (r:JobRun)
WHERE coalesce(r.pruned, false) = false AND r.status <> 'running'
RETURN r.run_id AS run_id, r.status AS status, r.started AS started
ORDER BY started DESC
""")


RUN_HISTORY = register("gds_jobs.runs.history", """
MATCH (r:JobRun)
RETURN r.run_id AS run_id, r.job AS job, r.status AS status, r.engine AS engine,
       r.started AS started, r.finished AS finished, r.duration_s AS duration_s,
       r.current AS current, r.counts AS counts, r.steps AS steps, r.params AS params,
       r.versions AS versions, r.error AS error, r.owner AS owner, r.pruned AS pruned, r.sync AS sync
ORDER BY started DESC
LIMIT $limit
""")


_VALUE_RETURN = ", ".join(f"v.{c} AS `{c}`" for c in MEASURE_NAMES + BROKERAGE_PROPERTIES)


VALUES_PAGE = register("gds_jobs.runs.values_page", """
MATCH (v:MeasureValue {run_id: $run_id})
WHERE v.orgnr > $after AND ($measure IS NULL OR v[$measure] IS NOT NULL)
WITH v ORDER BY v.orgnr LIMIT $page
RETURN v.orgnr AS orgnr, v.packed AS packed
ORDER BY orgnr
""")


VALUES_OF = register("gds_jobs.runs.values_of", """
UNWIND $orgnrs AS k
MATCH (v:MeasureValue {key: $run_id + ':' + k})
WHERE $measure IS NULL OR v[$measure] IS NOT NULL
RETURN v.orgnr AS orgnr, v.packed AS packed
ORDER BY orgnr
""")


HISTORY_OF = register("gds_jobs.runs.history_of", f"""
MATCH (v:MeasureValue {{orgnr: $orgnr}})
WITH v
MATCH (r:JobRun {{run_id: v.run_id}})
WHERE r.status = 'succeeded'
RETURN r.run_id AS run_id, r.finished AS finished, {_VALUE_RETURN}
ORDER BY finished
""")
