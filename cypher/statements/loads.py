"""Statements of the loaders' frame (loaders.context): the LoadRun record and the graph fingerprint."""

from __future__ import annotations

from cypher.registry import register

LOADRUN_START = register("loaders.core.loadrun_start", """
MERGE (l:LoadRun {load_id: $load_id})
SET l.source = $source, l.file = $file, l.status = 'running', l.started = $started, l.as_of = $as_of
""")


LOADRUN_FINISH = register("loaders.core.loadrun_finish", """
MATCH (l:LoadRun {load_id: $load_id})
SET l.status = $status, l.finished = $finished, l.read = $read, l.created = $created,
    l.updated = $updated, l.unchanged = $unchanged, l.rejected = $rejected, l.error = $error
""")


FINGERPRINT_NODES = register("loaders.core.fingerprint_nodes", """
MATCH (n)
WHERE NOT n:LoadRun AND NOT n:SyncState
RETURN labels(n) AS labels, properties(n) AS props
""")


_KEYS = "coalesce({v}.revision_id, {v}.assessment_id, {v}.orgnr, {v}.person_key, {v}.cluster_id, " \
        "{v}.programme_id, {v}.code, {v}.region_id, {v}.industry_id, {v}.area_id, {v}.accounts_id, " \
        "{v}.grant_id, {v}.patent_id, {v}.run_id, {v}.load_id)"


FINGERPRINT_RELS = register("loaders.core.fingerprint_rels", f"""
MATCH (a)-[r]->(b)
RETURN labels(a) AS a_labels, {_KEYS.format(v="a")} AS a_key, type(r) AS type, properties(r) AS props,
       labels(b) AS b_labels, {_KEYS.format(v="b")} AS b_key
""")

