"""The measures jobs and one run of them: lock, record, compute, write, publish, prune.

A run
-----
1. takes the lock (:mod:`gds_jobs.lock`; a dead or expired holder is taken over with a
   warning and its run is marked ``interrupted``);
2. records ``(:JobRun {status: 'running'})`` with engine, versions and parameters;
3. reads the projections, writes the run's INTERLOCK ties and MeasureValue nodes
   (invisible to readers: they go through the ``Meta`` pointer);
4. publishes — flips the pointers and marks the run ``succeeded`` in one write;
5. deletes stale interlocks, precomputes the cluster fit of the new run
   (:func:`gds_jobs.analysis.fit.precompute`: saved in the state folder for the web app) and prunes
   history beyond ``KLYNGE_MEASURE_HISTORY_RUNS``; a failure here is a warning, the run stands.

Any error before 4 records the run ``failed`` with the error text, deletes what it
wrote, and raises :class:`~klynge.errors.JobFailed`; the previous values stay current.
When the store itself went away (the embedded server was killed), the run opens it again
(which restarts the embedded server) to record the failure and free the lock.
A killed run leaves a ``running`` record and a lock whose process is gone; the next
run marks it ``interrupted`` and takes over.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from gds_jobs import projection as proj
from cypher.schema.measures import MEASURE_NAMES
from cypher.schema.model import BROKERAGE_PROPERTIES
from gds_jobs import runs
from gds_jobs.engines import EngineParams, choose
from gds_jobs.lock import JobLock
from klynge.errors import ConfigError, JobFailed, StoreUnavailable

if TYPE_CHECKING:
    from cypher.store import GraphStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """One job: its projection, its outputs, the engines that can run it, and its steps.

    ``values`` computes the job's per-organisation values (a frame with ``orgnr`` and ``outputs``),
    written with every other job's values as the run's MeasureValue rows; ``finish`` writes what the
    job produces besides them, last, just before the run is published; ``tidy(store, run_id, steps,
    counts)`` removes what the published run replaced (a failure there is only a warning).
    """

    name: str
    projection: str
    outputs: tuple[str, ...]
    engines: tuple[str, ...]
    description: str
    values: Callable[[_RunContext], pd.DataFrame] | None = None
    finish: Callable[[_RunContext], None] | None = None
    tidy: Callable[[Any, str, _Steps, dict[str, Any]], None] | None = None


def list_jobs() -> list[dict[str, Any]]:
    """The jobs a run can do, as rows for a table."""
    return [{"name": j.name, "projection": j.projection, "engines": ",".join(j.engines),
             "outputs": ", ".join(j.outputs), "description": j.description} for j in JOBS]


def select_jobs(only: Sequence[str] | None) -> tuple[str, ...]:
    """The job names to run, in run order.

    Raises
    ------
    ConfigError
        When a name is unknown; the message lists the known jobs.
    """
    if not only:
        return JOB_NAMES
    unknown = [n for n in only if n not in JOB_NAMES]
    if unknown:
        raise ConfigError(f"unknown job {', '.join(map(repr, unknown))}; the jobs are: {', '.join(JOB_NAMES)} "
                          "(`klynge jobs list`)")
    return tuple(n for n in JOB_NAMES if n in only)


@dataclass(frozen=True)
class ProgressEvent:
    """A progress report: a step started, advanced or finished."""

    run_id: str
    step: str
    event: str  # "start" | "advance" | "done"
    done: int | None = None
    seconds: float | None = None
    message: str = ""

    def __str__(self) -> str:
        if self.event == "start":
            return f"[{self.run_id}] {self.step} …"
        if self.event == "advance":
            return f"[{self.run_id}] {self.step}: {self.done}"
        extra = f" — {self.message}" if self.message else ""
        return f"[{self.run_id}] {self.step} done in {self.seconds:.2f} s{extra}"


@dataclass(frozen=True)
class RunSummary:
    """What a run did."""

    run_id: str
    status: str
    engine: str
    jobs: tuple[str, ...]
    counts: dict[str, Any] = field(default_factory=dict)
    steps: dict[str, float] = field(default_factory=dict)
    duration_s: float = 0.0
    warnings: tuple[str, ...] = ()
    error: str | None = None
    sync: Mapping[str, Any] | None = None

    def describe(self) -> str:
        """A few lines for the terminal."""
        lines = [f"run {self.run_id}: {self.status} with the {self.engine} engine in {self.duration_s:.1f} s "
                 f"(jobs: {', '.join(self.jobs)})"]
        if self.sync is not None:
            lines.append(f"  after a sync: {self.sync.get('status')}, {self.sync.get('applied', 0)} changes applied, "
                         f"{self.sync.get('rejected', 0)} rejected")
        lines += [f"  {step:<28} {sec:8.2f} s" for step, sec in self.steps.items()]
        lines += [f"  {k:<28} {v}" for k, v in self.counts.items()]
        lines += [f"  warning: {w}" for w in self.warnings]
        if self.error:
            lines.append(f"  error: {self.error}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.describe()


def new_run_id() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


class _Steps:
    """Times steps and reports progress; an exception raised by ``progress`` fails the run."""

    def __init__(self, run_id: str, progress: Callable[[ProgressEvent], None] | None) -> None:
        self.run_id = run_id
        self.progress = progress
        self.seconds: dict[str, float] = {}
        self.current: str | None = None

    def emit(self, event: ProgressEvent) -> None:
        if self.progress is not None:
            self.progress(event)

    def run(self, step: str, fn: Callable[[Callable[[int], None]], Any], message: Callable[[Any], str] | None = None
            ) -> Any:
        self.current = step
        self.emit(ProgressEvent(self.run_id, step, "start"))
        t0 = time.perf_counter()

        def advance(done: int) -> None:
            self.emit(ProgressEvent(self.run_id, step, "advance", done=done))

        result = fn(advance)
        sec = time.perf_counter() - t0
        self.seconds[step] = round(sec, 3)
        self.emit(ProgressEvent(self.run_id, step, "done", seconds=sec,
                                message=message(result) if message else ""))
        self.current = None
        return result


def _brokerage_frame(helix: proj.Projection) -> pd.DataFrame:
    """Brokerage counts per organisation with the MeasureValue column names."""
    from gds_jobs.measures import brokerage

    if helix.graph.n == 0:
        return pd.DataFrame({c: pd.Series([], dtype=object if c == "orgnr" else "int64")
                             for c in ("orgnr", *BROKERAGE_PROPERTIES)})
    raw = brokerage(helix.graph, helix.sectors)
    frame = raw.reset_index() if "orgnr" not in raw.columns else raw.copy()
    rename = {}
    for col in frame.columns:
        key = str(col).lower()
        if key == "orgnr":
            continue
        target = "brokerage_" + key if not key.startswith("brokerage_") else key
        if "representative" in key or "gatekeeper" in key:
            target = "brokerage_representative_gatekeeper"
        rename[col] = target
    frame = frame.rename(columns=rename)
    frame["orgnr"] = frame["orgnr"].astype(str)
    keep = ["orgnr", *[c for c in BROKERAGE_PROPERTIES if c in frame.columns]]
    return frame[keep]


@dataclass
class _RunContext:
    """What a run's job steps share: the store, the engine, the timed steps, the projections built so far
    (each once), counts and notes."""

    store: GraphStore
    run_id: str
    eng: Any
    seat: proj.ProjectionParams
    eparams: EngineParams
    steps: _Steps
    persons: Any
    batch: int
    counts: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)
    projections: dict[str, proj.Projection] = field(default_factory=dict)

    def projection(self, name: str) -> proj.Projection:
        """The named projection, built (as a timed step) the first time a job asks for it."""
        if name not in self.projections:
            build = {"interlock": lambda adv: proj.from_groups(self.persons, "interlock"),
                     "helix": lambda adv: proj.helix(self.store, self.seat, persons=self.persons)}[name]
            p = self.steps.run(f"build {name} projection", build,
                               lambda p: f"{p.graph.n} organisations, {p.graph.m} ties")
            self.counts.update(p.counts())
            self.projections[name] = p
        return self.projections[name]


def _measure_values(ctx: _RunContext) -> pd.DataFrame:
    result = ctx.steps.run(f"compute measures ({ctx.eng.name})",
                           lambda adv: ctx.eng.measures(ctx.projection("interlock"), ctx.eparams,
                                                        ctx.seat.query_params()))
    ctx.notes.update(result.notes)
    return result.frame[["orgnr", *MEASURE_NAMES]]


def _brokerage_values(ctx: _RunContext) -> pd.DataFrame:
    helix = ctx.projection("helix")
    return ctx.steps.run("compute brokerage", lambda adv: _brokerage_frame(helix))


def _write_interlocks(ctx: _RunContext) -> None:
    # written last, just before publishing: readers that do not yet filter INTERLOCK by the
    # current run (Meta.interlock_run) see the old and new ties together only briefly
    edges = ctx.projection("interlock").edges()
    ctx.counts["interlocks_written"] = ctx.steps.run(
        "write interlocks", lambda adv: runs.write_interlocks(ctx.store, ctx.run_id, edges, ctx.batch, adv),
        lambda n: f"{n} INTERLOCK relationships")


def _delete_stale_interlocks(store: GraphStore, run_id: str, steps: _Steps, counts: dict[str, Any]) -> None:
    counts["interlocks_deleted"] = steps.run("delete old interlocks",
                                             lambda adv: runs.delete_stale_interlocks(store, run_id))


JOBS: tuple[Job, ...] = (
    Job("interlock", "interlock", ("INTERLOCK.weight",), ("local",),
        "Materialise the interlock ties as INTERLOCK relationships (weight = shared persons).",
        finish=_write_interlocks, tidy=_delete_stale_interlocks),
    Job("measures", "interlock", MEASURE_NAMES, ("gds", "local"),
        "Centrality, communities, components, clustering and Burt's structural holes per organisation.",
        values=_measure_values),
    Job("brokerage", "helix", BROKERAGE_PROPERTIES, ("local",),
        "Gould-Fernandez brokerage roles across helix sectors on the Triple Helix network.",
        values=_brokerage_values),
)
JOB_NAMES: tuple[str, ...] = tuple(j.name for j in JOBS)
#: The MeasureValue columns a run writes: the outputs of every job with values, in job order.
VALUE_COLUMNS: tuple[str, ...] = tuple(c for j in JOBS if j.values for c in j.outputs)


def run_jobs(store: GraphStore, *, only: Sequence[str] | None = None, engine: str = "auto", include_ceo: bool = False,
             include_deputies: bool = False, progress: Callable[[ProgressEvent], None] | None = None,
             wait_s: float = 0.0, config: runs.RunConfig | None = None,
             sync: Mapping[str, Any] | None = None) -> RunSummary:
    """Run the measures jobs once; their results become current only if the whole run succeeds.

    Parameters
    ----------
    store : the graph store.
    only : job names to run (default all: ``interlock``, ``measures``, ``brokerage``).
    engine : ``auto`` (GDS when Neo4j with GDS is reachable, else local), ``gds`` or ``local``.
    include_ceo : count CEOs (``DAGL``) as seats in the projections.
    include_deputies : count deputies (``VARA``) and observers (``OBS``).
    progress : called with a :class:`ProgressEvent` at each step start, advance and end;
        an exception it raises fails the run like any other.
    wait_s : how long to wait for a running run to finish (default: refuse at once).
    config : run settings (default :meth:`RunConfig.from_env`).
    sync : the summary of the data sync that ran just before (the nightly schedule: changes
        applied per feed, rejects, duration, errors); kept in the run record as JSON.

    Returns
    -------
    RunSummary
        ``status == "succeeded"``.

    Raises
    ------
    ConfigError
        For an unknown job or engine, or a bad setting.
    JobLocked
        When another live run holds the lock (message names it).
    StoreUnavailable
        For ``engine="gds"`` without Neo4j/GDS.
    JobFailed
        When a step fails; the run is recorded ``failed`` with the error and the
        previous results stay current. ``exc.summary`` holds the :class:`RunSummary`.
    """
    selected = select_jobs(only)
    cfg = config or runs.RunConfig.from_env()
    run_id = new_run_id()
    seat = proj.ProjectionParams(include_ceo=include_ceo, include_deputies=include_deputies,
                                 page_size=cfg.page_size)
    warnings: list[str] = []
    lock = JobLock(store, run_id, ttl_s=cfg.lock_ttl_s)
    takeover = lock.acquire(wait_s=wait_s)
    try:
        if takeover is not None:
            warnings.append(f"took over the lock of run {takeover.run_id} ({takeover.owner}): {takeover.reason}")
        stale = runs.mark_interrupted(store, run_id, _now(),
                                      "interrupted: the run's process stopped (killed or lost) before it finished; "
                                      f"found by run {run_id}")
        for rid in stale:
            msg = f"run {rid} was still recorded as running; marked interrupted (its values never became current)"
            log.warning(msg)
            warnings.append(msg)
        any_gds = any("gds" in j.engines for j in JOBS if j.name in selected)
        eng = choose(store, engine) if any_gds else choose(store, "local")
        return _run(store, run_id, selected, eng, seat, cfg, progress, warnings, lock, sync)
    finally:
        lock.release()
        if lock.store is not store:  # a connection opened to record a failure after the store went away
            lock.store.close()


def _run(store: GraphStore, run_id: str, selected: tuple[str, ...], eng: Any, seat: proj.ProjectionParams,
         cfg: runs.RunConfig, progress: Callable[[ProgressEvent], None] | None, warnings: list[str],
         lock: JobLock, sync: Mapping[str, Any] | None = None) -> RunSummary:
    t0 = time.perf_counter()
    started = _now()
    eparams = EngineParams(cfg.betweenness_exact_max, cfg.betweenness_samples, cfg.seed, run_id)
    versions = {"store": f"{store.backend} {store.version()}",
                **eng.versions()}
    try:
        from importlib import metadata

        versions["klynge"] = metadata.version("klynge")
    except Exception:  # noqa: BLE001 - not installed as a package (source checkout)
        versions["klynge"] = "source"
    params = {**seat.as_dict(), "jobs": list(selected), "betweenness_exact_max": cfg.betweenness_exact_max,
              "betweenness_samples": cfg.betweenness_samples, "seed": cfg.seed,
              "history_runs": cfg.history_runs}
    runs.create_run(store, run_id, {
        "job": ",".join(selected), "status": "running", "engine": eng.name, "started": started,
        "owner": lock.owner, "params": runs.dumps(params), "versions": runs.dumps(versions), "current": False,
        **({"sync": runs.dumps(dict(sync))} if sync is not None else {}),
    })
    steps = _Steps(run_id, progress)
    published: list[str] = []
    counts: dict[str, Any] = {}
    notes: dict[str, Any] = {}
    batch = cfg.write_batch_size or store.settings.write_batch_size
    try:
        persons = steps.run("read board seats", lambda adv: proj.read_person_groups(store, seat, adv),
                            lambda g: f"{len(g)} persons with counted seats")
        ctx = _RunContext(store, run_id, eng, seat, eparams, steps, persons, batch, counts, notes)
        jobs = [j for j in JOBS if j.name in selected]
        frames: list[pd.DataFrame] = []
        for job in jobs:
            ctx.projection(job.projection)
            if job.values is not None:
                frames.append(job.values(ctx))
        if frames:
            merged = frames[0]
            for f in frames[1:]:
                merged = merged.merge(f, on="orgnr", how="outer")
            counts["measure_rows"] = steps.run(
                "write measures",
                lambda adv: runs.write_values(store, run_id, merged, VALUE_COLUMNS, batch, adv),
                lambda n: f"{n} organisations")
        for job in jobs:
            if job.finish is not None:
                job.finish(ctx)
        if notes:
            counts["notes"] = notes

        def publish(adv: Callable[[int], None]) -> None:
            ok = runs.publish(store, run_id, selected, _now(), {
                "status": "succeeded", "finished": _now(),
                "duration_s": round(time.perf_counter() - t0, 3),
                "counts": runs.dumps(counts), "steps": runs.dumps(steps.seconds), "error": None,
            }, lock_key=lock.key, owner=lock.owner)
            if not ok:
                raise JobFailed(f"run {run_id} lost the measures lock to another run before publishing; "
                                "its results were not published")
            published.append(run_id)

        steps.run("publish", publish)
    except BaseException as exc:
        if published and not isinstance(exc, Exception):
            raise  # interrupted after publishing: the run stands as succeeded
        if published:
            # the results are current already (e.g. a progress callback failed afterwards): keep them
            msg = f"after run {run_id} was published: {type(exc).__name__}: {exc}"
            log.warning(msg)
            warnings.append(msg)
            return replace(_housekeeping(store, run_id, selected, eng, cfg, steps, counts, warnings, t0), sync=sync)
        status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        where = f" in step '{steps.current}'" if steps.current else ""
        error = f"{type(exc).__name__}{where}: {exc}"
        record = {
            "status": status, "finished": _now(), "duration_s": round(time.perf_counter() - t0, 3),
            "error": error, "counts": runs.dumps(counts), "steps": runs.dumps(steps.seconds),
            "current": False,
        }
        try:
            _record_failure(store, run_id, record)
        except StoreUnavailable as lost:
            # the store went away under the run (e.g. the embedded server was killed): open it
            # again (which restarts the embedded server) so the run is recorded and its lock freed
            fresh = _reopen(store)
            if fresh is None:
                log.error("run %s failed and could not be recorded (the store is unavailable: %s); "
                          "the next run marks it interrupted", run_id, lost)
            else:
                lock.store = fresh  # frees the lock through it, then closes it (run_jobs)
                try:
                    _record_failure(fresh, run_id, record)
                except Exception as cleanup_exc:  # noqa: BLE001 - keep the original error
                    log.error("run %s failed and could not be recorded: %s", run_id, cleanup_exc)
        except Exception as cleanup_exc:  # noqa: BLE001 - keep the original error
            log.error("run %s failed and could not be recorded: %s", run_id, cleanup_exc)
        log.debug("run %s failed:\n%s", run_id, traceback.format_exc())
        if not isinstance(exc, Exception):
            raise
        summary = RunSummary(run_id, status, eng.name, selected, counts, dict(steps.seconds),
                             round(time.perf_counter() - t0, 3), tuple(warnings), error, sync)
        failure = JobFailed(f"measures run {run_id} failed{where}: {exc}; the previous results stay current "
                            "(`klynge jobs status --history` shows the run)")
        failure.summary = summary  # type: ignore[attr-defined]
        raise failure from exc
    finally:
        eng.close()
    return replace(_housekeeping(store, run_id, selected, eng, cfg, steps, counts, warnings, t0), sync=sync)


def _record_failure(store: GraphStore, run_id: str, record: dict[str, Any]) -> None:
    """Record a failed or interrupted run and delete the values it wrote."""
    runs.update_run(store, run_id, record)
    runs.delete_run_values(store, run_id)
    runs.update_run(store, run_id, {"pruned": True})


def _reopen(store: GraphStore) -> Any | None:
    """A new connection to the same store (restarting the embedded server), or None if it cannot be had."""
    from cypher import open_store

    try:
        return open_store(store.settings)
    except Exception as exc:  # noqa: BLE001 - the caller logs that the run could not be recorded
        log.error("cannot reopen the graph store to record a failed run: %s", exc)
        return None


def _housekeeping(store: GraphStore, run_id: str, selected: tuple[str, ...], eng: Any, cfg: runs.RunConfig,
                  steps: _Steps, counts: dict[str, Any], warnings: list[str], t0: float) -> RunSummary:
    """After publishing: delete stale interlocks, precompute the cluster fit, prune history; failures here are
    warnings only."""
    try:
        for job in JOBS:
            if job.name in selected and job.tidy is not None:
                job.tidy(store, run_id, steps, counts)
        try:
            steps.run("precompute cluster fit", lambda adv: _precompute_fit(store),
                      lambda r: f"{r['candidates']} candidate firms x {r['clusters']} clusters")
        except Exception as exc:  # noqa: BLE001 - the fit is then computed on its first request
            msg = f"cluster fit of run {run_id} not precomputed: {exc}; it is computed on its first request"
            log.warning(msg)
            warnings.append(msg)
        pruned = steps.run("prune history", lambda adv: runs.prune(store, cfg.history_runs, running=run_id),
                           lambda p: f"{len(p)} runs pruned")
        counts["runs_pruned"] = len(pruned)
        runs.update_run(store, run_id, {"steps": runs.dumps(steps.seconds), "counts": runs.dumps(counts)})
    except Exception as exc:  # noqa: BLE001 - the results are published already
        msg = f"housekeeping after run {run_id} failed: {exc}; the next run retries it"
        log.warning(msg)
        warnings.append(msg)
    return RunSummary(run_id, "succeeded", eng.name, selected, counts, dict(steps.seconds),
                      round(time.perf_counter() - t0, 3), tuple(warnings))


def _precompute_fit(store: GraphStore) -> dict[str, Any]:
    from gds_jobs.analysis.fit import precompute

    return precompute(store)


def job_status(store: GraphStore, history: bool = False) -> list[dict[str, Any]]:
    """The latest run (or every recorded run, newest first) as table rows.

    Columns: run_id, job, status, engine, started, finished, duration_s, current,
    nodes, edges, error. A ``running`` run that does not hold the lock, or whose process
    on this host is gone, is shown as ``running (stale?)``: the next run marks it interrupted.
    """
    import socket

    from gds_jobs.lock import pid_alive, read_lock

    rows = runs.history(store, limit=100000 if history else 1)
    holder = read_lock(store)
    holder_dead = bool(holder and holder.get("host") == socket.gethostname() and holder.get("pid") is not None
                       and not pid_alive(int(holder["pid"])))
    out = []
    for r in rows:
        counts = r.get("counts") if isinstance(r.get("counts"), dict) else {}
        status = r["status"]
        if status == "running" and (holder is None or holder.get("run_id") != r["run_id"] or holder_dead):
            status = "running (stale?)"
        out.append({
            "run_id": r["run_id"], "job": r.get("job"), "status": status, "engine": r.get("engine"),
            "started": r.get("started"), "finished": r.get("finished"), "duration_s": r.get("duration_s"),
            "current": bool(r.get("current")), "nodes": counts.get("interlock_nodes", counts.get("helix_nodes")),
            "edges": counts.get("interlock_edges", counts.get("helix_edges")), "error": r.get("error"),
            "sync": _sync_note(r.get("sync")),
        })
    return out


def _sync_note(sync: Any) -> str | None:
    """The run record's sync summary in a few words (``ok: 812 applied, 3 rejected``)."""
    if not isinstance(sync, dict):
        return None
    return f"{sync.get('status')}: {sync.get('applied', 0)} applied, {sync.get('rejected', 0)} rejected"
