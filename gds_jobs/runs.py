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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
import pandas as pd

from cypher.statements.runs import (
    CREATE_RUN,
    DELETE_INTERLOCKS_EXCEPT,
    DELETE_INTERLOCKS_OF,
    DELETE_VALUES,
    HISTORY_OF,
    MARK_INTERRUPTED,
    PUBLISH,
    READ_POINTERS,
    RUN_HISTORY,
    UNPRUNED_RUNS,
    UPDATE_RUN,
    VALUES_OF,
    VALUES_PAGE,
    WRITE_INTERLOCKS,
    WRITE_VALUES,
)
from cypher.schema.measures import MEASURE_NAMES
from cypher.schema.model import BROKERAGE_PROPERTIES
from gds_jobs.projection import READ_TIMEOUT_S
from klynge.config import check_setting, load_settings

if TYPE_CHECKING:
    from cypher.store import GraphStore

META_KEY = "measures"
POINTERS: tuple[str, ...] = ("interlock", "measures", "brokerage")
STATUSES: tuple[str, ...] = ("running", "succeeded", "failed", "interrupted")
DELETE_BATCH = 10000


#: RunConfig field -> the setting (klynge.config.SETTINGS) it comes from.
RUN_SETTINGS: dict[str, str] = {
    "history_runs": "measure_history_runs",
    "lock_ttl_s": "job_lock_ttl_s",
    "betweenness_exact_max": "betweenness_exact_max",
    "betweenness_samples": "betweenness_samples",
    "seed": "job_seed",
    "page_size": "job_page_size",
    "write_batch_size": "write_batch_size",
}


@dataclass(frozen=True)
class RunConfig:
    """Settings of the measures runs (see ``RUN_SETTINGS`` for the setting and variable of each field).

    ``write_batch_size`` None means the store's own batch size (``KLYNGE_WRITE_BATCH_SIZE``).
    """

    history_runs: int
    lock_ttl_s: float
    betweenness_exact_max: int
    betweenness_samples: int
    seed: int
    page_size: int
    write_batch_size: int | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> RunConfig:
        """The settings' values (defaults, then the environment), then ``overrides``.

        Raises
        ------
        ConfigError
            When a variable is not a number or breaks its bounds, naming the variable.
        """
        settings = load_settings(environ=environ)
        values = {f: getattr(settings, name) for f, name in RUN_SETTINGS.items() if f != "write_batch_size"}
        values.update({k: v for k, v in overrides.items() if v is not None})
        for f, value in values.items():
            check_setting(RUN_SETTINGS[f], value)
        return cls(**values)


def dumps(value: Any) -> str:
    """JSON for the map-valued JobRun properties (stores cannot hold maps)."""
    return json.dumps(value, sort_keys=True, default=str)


def create_run(store: GraphStore, run_id: str, props: Mapping[str, Any]) -> None:
    store.run(CREATE_RUN, {"run_id": run_id, "props": dict(props)})


def update_run(store: GraphStore, run_id: str, props: Mapping[str, Any]) -> None:
    store.run(UPDATE_RUN, {"run_id": run_id, "props": dict(props)})


def mark_interrupted(store: GraphStore, run_id: str, now: str, reason: str) -> list[str]:
    """Mark every other ``running`` run interrupted (call only while holding the lock)."""
    rows = store.run(MARK_INTERRUPTED, {"run_id": run_id, "now": now, "error": reason})
    return [r["run_id"] for r in rows]


def pointers(store: GraphStore) -> dict[str, str | None]:
    """The current run per job (``interlock``, ``measures``, ``brokerage``); None where none succeeded."""
    rows = store.read(READ_POINTERS, {"meta": META_KEY})
    if not rows:
        return {p: None for p in POINTERS}
    return {p: rows[0][p] for p in POINTERS}


def write_interlocks(store: GraphStore, run_id: str, edges: Iterable[tuple[str, str, int]],
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


def write_values(store: GraphStore, run_id: str, frame: pd.DataFrame, columns: Sequence[str],
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


def publish(store: GraphStore, run_id: str, jobs: Iterable[str], now: str, props: Mapping[str, Any], *,
            lock_key: str, owner: str) -> bool:
    """Make the run's results current and record it succeeded — one write query.

    The query does nothing unless ``owner`` still holds the lock ``lock_key``, so a run
    that lost its lock can never publish. Returns whether it published.
    """
    done = set(jobs)
    rows = store.run(PUBLISH, {"run_id": run_id, "meta": META_KEY, "now": now, "props": dict(props),
                               "lock_key": lock_key, "owner": owner, **{p: p in done for p in POINTERS}})
    return bool(rows and rows[0]["runs"])


def _delete_loop(store: GraphStore, query: str, params: Mapping[str, Any]) -> int:
    total = 0
    while True:
        n = int(store.run(query, {**params, "limit": DELETE_BATCH})[0]["n"])
        total += n
        if n < DELETE_BATCH:
            return total


def delete_run_values(store: GraphStore, run_id: str) -> int:
    """Delete a run's MeasureValue nodes and INTERLOCK relationships; returns items deleted."""
    return (_delete_loop(store, DELETE_VALUES, {"run_id": run_id})
            + _delete_loop(store, DELETE_INTERLOCKS_OF, {"run_id": run_id}))


def delete_stale_interlocks(store: GraphStore, keep: str | None) -> int:
    """Delete INTERLOCK relationships of every run but ``keep`` (the current interlock run)."""
    return _delete_loop(store, DELETE_INTERLOCKS_EXCEPT, {"keep": keep})


def prune(store: GraphStore, history_runs: int, *, running: str | None = None) -> list[str]:
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


def run_values(store: GraphStore, run_id: str, orgnrs: Sequence[str] | None = None, *,
               columns: Sequence[str] = MEASURE_NAMES, page_size: int = 20000) -> pd.DataFrame:
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


def current_measures(store: GraphStore, orgnrs: Sequence[str] | None = None, *,
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
        frame = _frame([], MEASURE_NAMES)
    else:
        frame = run_values(store, run_id, orgnrs)
    if include_brokerage:
        b_run = ptr["brokerage"]
        if b_run is None:
            brok = _frame([], BROKERAGE_PROPERTIES)
        else:
            brok = run_values(store, b_run, orgnrs, columns=BROKERAGE_PROPERTIES)
        frame = frame.merge(brok, on="orgnr", how="outer" if run_id is None else "left")
    frame.attrs["run_id"] = run_id
    frame.attrs["brokerage_run_id"] = ptr["brokerage"]
    return frame


def measure_history(store: GraphStore, orgnr: str) -> pd.DataFrame:
    """An organisation's measures in every retained succeeded run, oldest first (for trends)."""
    rows = store.read(HISTORY_OF, {"orgnr": str(orgnr)})
    cols = ["run_id", "finished", *MEASURE_NAMES, *BROKERAGE_PROPERTIES]
    return pd.DataFrame([{k: r.get(k) for k in cols} for r in rows], columns=cols)


def history(store: GraphStore, limit: int = 1000) -> list[dict[str, Any]]:
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
