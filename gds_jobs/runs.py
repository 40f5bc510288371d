"""Run records and run-scoped results: what a run wrote, and which run is current.

Storage
-------
* ``(:JobRun {run_id})`` — one per run: ``job`` (the jobs it ran, comma-separated),
  ``status`` (``running``/``succeeded``/``failed``/``interrupted``), ``engine``,
  ``started``/``finished`` (ISO UTC), ``duration_s``, ``owner`` (``host:pid``) and the
  JSON strings ``params``, ``counts``, ``steps`` (seconds per step) and ``versions``;
  ``sync`` (JSON: the nightly sync that ran just before); ``error`` for failures; ``current`` is true while one of the run's results is current;
  ``pruned`` once its values were removed by retention.
* ``(:MeasureValue {key: 'run_id:orgnr'})`` — one per organisation and run, with
  ``run_id``, ``orgnr`` and the measure properties the run computed. A run writes
  only its own nodes, so a running, failed or killed run never touches the values
  readers see.
* ``(:Organization)-[:INTERLOCK {weight, run_id}]->(:Organization)`` — the interlock ties
  of a run (lower orgnr first).
* ``(:Meta {key: 'measures'})`` — ``interlock_run``, ``measures_run``,
  ``brokerage_run``: the current run per job. A run that succeeds flips its pointers
  and its own status in **one** write query (:data:`PUBLISH`), so readers see either
  the old run or the new one, never a mix.

Readers go through the pointer: :func:`current_measures`, the library query
``measures/current`` and, for interlocks, ``WHERE i.run_id = m.interlock_run``.
History: the values of the last ``KLYNGE_MEASURE_HISTORY_RUNS`` (default 30)
succeeded runs are kept for trends (:func:`measure_history`); older ones, and the
leftovers of failed or interrupted runs, are deleted.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import pandas as pd

from cypher.registry import register
from cypher.schema.model import BROKERAGE_PROPERTIES, MEASURE_PROPERTIES
from gds_jobs.projection import READ_TIMEOUT_S
from klynge.errors import ConfigError

META_KEY = "measures"
MEASURE_COLUMNS: tuple[str, ...] = MEASURE_PROPERTIES
BROKERAGE_COLUMNS: tuple[str, ...] = BROKERAGE_PROPERTIES
POINTERS: tuple[str, ...] = ("interlock", "measures", "brokerage")
STATUSES: tuple[str, ...] = ("running", "succeeded", "failed", "interrupted")
DELETE_BATCH = 10000

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

_VALUE_RETURN = ", ".join(f"v.{c} AS `{c}`" for c in MEASURE_COLUMNS + BROKERAGE_COLUMNS)

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


@dataclass(frozen=True)
class RunConfig:
    """Settings of the measures runs, read from the environment.

    Attributes
    ----------
    history_runs : KLYNGE_MEASURE_HISTORY_RUNS — succeeded runs whose values are kept (≥ 1; default 30).
    lock_ttl_s : KLYNGE_JOB_LOCK_TTL_S — lock time-to-live, extended every third of it (default 900).
    betweenness_exact_max : KLYNGE_BETWEENNESS_EXACT_MAX — exact betweenness up to this many
        nodes (per component in the local engine), sampled above (default 10000).
    betweenness_samples : KLYNGE_BETWEENNESS_SAMPLES — sources sampled above the limit (default 128).
    seed : KLYNGE_JOB_SEED — seed of sampling and community detection (default 42).
    page_size : KLYNGE_JOB_PAGE_SIZE — persons per projection read page (default 20000).
    write_batch_size : rows per write batch (default: the store's KLYNGE_WRITE_BATCH_SIZE).
    """

    history_runs: int = 30
    lock_ttl_s: float = 900.0
    betweenness_exact_max: int = 10000
    betweenness_samples: int = 128
    seed: int = 42
    page_size: int = 20000
    write_batch_size: int | None = None

    ENV = {
        "history_runs": "KLYNGE_MEASURE_HISTORY_RUNS",
        "lock_ttl_s": "KLYNGE_JOB_LOCK_TTL_S",
        "betweenness_exact_max": "KLYNGE_BETWEENNESS_EXACT_MAX",
        "betweenness_samples": "KLYNGE_BETWEENNESS_SAMPLES",
        "seed": "KLYNGE_JOB_SEED",
        "page_size": "KLYNGE_JOB_PAGE_SIZE",
    }

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> RunConfig:
        """Defaults, then the environment, then ``overrides``.

        Raises
        ------
        ConfigError
            When a variable is not a number or is below its minimum.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, var in cls.ENV.items():
            raw = env.get(var)
            if raw in (None, ""):
                continue
            kind = float if name == "lock_ttl_s" else int
            try:
                values[name] = kind(raw)
            except ValueError as exc:
                raise ConfigError(f"{var} must be {'a number' if kind is float else 'an integer'}, "
                                  f"got {raw!r}") from exc
        values.update({k: v for k, v in overrides.items() if v is not None})
        cfg = cls(**values)
        minimums = {"history_runs": 1, "lock_ttl_s": 10, "betweenness_exact_max": 0,
                    "betweenness_samples": 1, "page_size": 1, "write_batch_size": 1}
        for name, low in minimums.items():
            if getattr(cfg, name) is not None and getattr(cfg, name) < low:
                raise ConfigError(f"{cls.ENV.get(name, name)} must be at least {low}, got {getattr(cfg, name)}; "
                                  "fix the environment variable")
        return cfg


def dumps(value: Any) -> str:
    """JSON for the map-valued JobRun properties (stores cannot hold maps)."""
    return json.dumps(value, sort_keys=True, default=str)


def create_run(store: Any, run_id: str, props: Mapping[str, Any]) -> None:
    store.run(CREATE_RUN, {"run_id": run_id, "props": dict(props)})


def update_run(store: Any, run_id: str, props: Mapping[str, Any]) -> None:
    store.run(UPDATE_RUN, {"run_id": run_id, "props": dict(props)})


def mark_interrupted(store: Any, run_id: str, now: str, reason: str) -> list[str]:
    """Mark every other ``running`` run interrupted (call only while holding the lock)."""
    rows = store.run(MARK_INTERRUPTED, {"run_id": run_id, "now": now, "error": reason})
    return [r["run_id"] for r in rows]


def pointers(store: Any) -> dict[str, str | None]:
    """The current run per job (``interlock``, ``measures``, ``brokerage``); None where none succeeded."""
    rows = store.read(READ_POINTERS, {"meta": META_KEY})
    if not rows:
        return {p: None for p in POINTERS}
    return {p: rows[0][p] for p in POINTERS}


def write_interlocks(store: Any, run_id: str, edges: Iterable[tuple[str, str, int]],
                     batch_size: int, on_batch: Any = None) -> int:
    """Create the run's INTERLOCK relationships (lower orgnr first); returns the number written."""
    n = 0
    batch: list[dict[str, Any]] = []
    for a, b, w in edges:
        batch.append({"a": a, "b": b, "weight": int(w), "run_id": run_id})
        if len(batch) >= batch_size:
            n += store.write_batches(WRITE_INTERLOCKS, batch, batch_size=batch_size)
            batch = []
            if on_batch:
                on_batch(n)
    if batch:
        n += store.write_batches(WRITE_INTERLOCKS, batch, batch_size=batch_size)
        if on_batch:
            on_batch(n)
    return n


def value_rows(run_id: str, frame: pd.DataFrame, columns: Sequence[str]) -> Iterable[dict[str, Any]]:
    """MeasureValue rows of a result frame (NaN becomes a missing property).

    Each row also carries ``packed``: the same values as one JSON string, so bulk reads
    move one value per organisation instead of twenty (the per-value cost dominates
    reading from the embedded store).
    """
    cols = [c for c in columns if c in frame.columns]
    for rec in frame[["orgnr", *cols]].to_dict("records"):
        orgnr = str(rec.pop("orgnr"))
        values: dict[str, Any] = {}
        for k, v in rec.items():
            if v is None or (isinstance(v, float) and v != v):
                continue
            values[k] = v.item() if hasattr(v, "item") else v
        yield {"key": f"{run_id}:{orgnr}", "run_id": run_id, "orgnr": orgnr, **values,
               "packed": json.dumps(values, separators=(",", ":"))}


def _loads(packed: str) -> dict[str, Any]:
    """One ``packed`` value: ``orjson`` (4× faster on 100 k rows), or ``json`` for the ``Infinity``
    that ``json.dumps`` writes for an infinite value and ``orjson`` refuses."""
    try:
        return orjson.loads(packed)
    except orjson.JSONDecodeError:
        return json.loads(packed)


def unpack(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> list[dict[str, Any]]:
    """Rows of ``orgnr`` + ``packed`` to rows of ``orgnr`` + ``columns`` (missing → None)."""
    out = []
    for r in rows:
        values = _loads(r["packed"]) if r.get("packed") else {}
        out.append({"orgnr": r["orgnr"], **{c: values.get(c) for c in columns}})
    return out


def write_values(store: Any, run_id: str, frame: pd.DataFrame, columns: Sequence[str],
                 batch_size: int, on_batch: Any = None) -> int:
    """Write (merge) the run's MeasureValue nodes in batches; returns rows written."""
    n = 0
    batch: list[dict[str, Any]] = []
    for row in value_rows(run_id, frame, columns):
        batch.append(row)
        if len(batch) >= batch_size:
            n += store.write_batches(WRITE_VALUES, batch, batch_size=batch_size)
            batch = []
            if on_batch:
                on_batch(n)
    if batch:
        n += store.write_batches(WRITE_VALUES, batch, batch_size=batch_size)
        if on_batch:
            on_batch(n)
    return n


def publish(store: Any, run_id: str, jobs: Iterable[str], now: str, props: Mapping[str, Any], *,
            lock_key: str, owner: str) -> bool:
    """Make the run's results current and record it succeeded — one write query.

    The query does nothing unless ``owner`` still holds the lock ``lock_key``, so a run
    that lost its lock can never publish. Returns whether it published.
    """
    done = set(jobs)
    rows = store.run(PUBLISH, {"run_id": run_id, "meta": META_KEY, "now": now, "props": dict(props),
                               "lock_key": lock_key, "owner": owner, **{p: p in done for p in POINTERS}})
    return bool(rows and rows[0]["runs"])


def _delete_loop(store: Any, query: str, params: Mapping[str, Any]) -> int:
    total = 0
    while True:
        n = int(store.run(query, {**params, "limit": DELETE_BATCH})[0]["n"])
        total += n
        if n < DELETE_BATCH:
            return total


def delete_run_values(store: Any, run_id: str) -> int:
    """Delete a run's MeasureValue nodes and INTERLOCK relationships; returns items deleted."""
    return (_delete_loop(store, DELETE_VALUES, {"run_id": run_id})
            + _delete_loop(store, DELETE_INTERLOCKS_OF, {"run_id": run_id}))


def delete_stale_interlocks(store: Any, keep: str | None) -> int:
    """Delete INTERLOCK relationships of every run but ``keep`` (the current interlock run)."""
    return _delete_loop(store, DELETE_INTERLOCKS_EXCEPT, {"keep": keep})


def prune(store: Any, history_runs: int, *, running: str | None = None) -> list[str]:
    """Delete values of failed/interrupted runs and of succeeded runs beyond the newest ``history_runs``.

    Runs still pointed to by ``Meta`` are never pruned. Returns the pruned run ids.
    """
    current = {v for v in pointers(store).values() if v}
    kept = 0
    pruned: list[str] = []
    for r in store.run(UNPRUNED_RUNS):
        rid = r["run_id"]
        if rid == running or rid in current:
            if r["status"] == "succeeded":
                kept += 1
            continue
        if r["status"] == "succeeded" and kept < history_runs:
            kept += 1
            continue
        delete_run_values(store, rid)
        update_run(store, rid, {"pruned": True})
        pruned.append(rid)
    return pruned


def _frame(rows: list[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["orgnr", *columns])
    for c in columns:
        frame[c] = pd.to_numeric(frame[c], errors="coerce") if len(frame) else frame[c].astype(float)
    return frame


def run_values(store: Any, run_id: str, orgnrs: Sequence[str] | None = None, *,
               columns: Sequence[str] = MEASURE_COLUMNS, page_size: int = 20000) -> pd.DataFrame:
    """The values of one run (all organisations, or ``orgnrs``), sorted by orgnr.

    Only organisations that have ``columns[0]`` are returned (``degree`` is set for every
    node of the interlock projection, ``brokerage_coordinator`` for every node of the helix one).
    """
    rows: list[dict[str, Any]] = []
    measure = columns[0] if columns else None
    if orgnrs is not None:
        keys = [str(o) for o in orgnrs]
        for i in range(0, len(keys), page_size):
            rows += store.read(VALUES_OF, {"run_id": run_id, "orgnrs": keys[i:i + page_size], "measure": measure},
                               timeout_s=READ_TIMEOUT_S)
    else:
        after = ""
        while True:
            page = store.read(VALUES_PAGE, {"run_id": run_id, "after": after, "page": page_size,
                                            "measure": measure},
                              timeout_s=READ_TIMEOUT_S)
            rows += page
            if len(page) < page_size:
                break
            after = page[-1]["orgnr"]
    return _frame(unpack(rows, columns), columns)


def current_measures(store: Any, orgnrs: Sequence[str] | None = None, *,
                     include_brokerage: bool = False) -> pd.DataFrame:
    """The current measures: one row per organisation of the current run.

    Parameters
    ----------
    store : the graph store.
    orgnrs : only these organisations (default: all of the current run).
    include_brokerage : add the brokerage columns of the current brokerage run.

    Returns
    -------
    pandas.DataFrame
        Columns ``orgnr`` and the 14 measures of :func:`gds_jobs.measures.compute_all`
        (NaN where undefined), sorted by orgnr; ``frame.attrs["run_id"]`` names the run
        (None and no rows before the first successful run).
    """
    ptr = pointers(store)
    run_id = ptr["measures"]
    if run_id is None:
        frame = _frame([], MEASURE_COLUMNS)
    else:
        frame = run_values(store, run_id, orgnrs)
    if include_brokerage:
        b_run = ptr["brokerage"]
        if b_run is None:
            brok = _frame([], BROKERAGE_COLUMNS)
        else:
            brok = run_values(store, b_run, orgnrs, columns=BROKERAGE_COLUMNS)
        frame = frame.merge(brok, on="orgnr", how="outer" if run_id is None else "left")
    frame.attrs["run_id"] = run_id
    frame.attrs["brokerage_run_id"] = ptr["brokerage"]
    return frame


def measure_history(store: Any, orgnr: str) -> pd.DataFrame:
    """An organisation's measures in every retained succeeded run, oldest first (for trends)."""
    rows = store.read(HISTORY_OF, {"orgnr": str(orgnr)})
    cols = ["run_id", "finished", *MEASURE_COLUMNS, *BROKERAGE_COLUMNS]
    return pd.DataFrame([{k: r.get(k) for k in cols} for r in rows], columns=cols)


def history(store: Any, limit: int = 1000) -> list[dict[str, Any]]:
    """Recorded runs, newest first, with the JSON properties decoded."""
    out = []
    for r in store.read(RUN_HISTORY, {"limit": limit}):
        row = dict(r)
        for k in ("counts", "steps", "params", "versions", "sync"):
            if isinstance(row.get(k), str):
                try:
                    row[k] = json.loads(row[k])
                except ValueError:
                    pass
        out.append(row)
    return out
