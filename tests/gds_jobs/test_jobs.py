"""Projections, run recording, publishing, failure and kill safety, lock, export and retention.

Runs on the embedded FalkorDB store with the local engine; the hand-built board graph
below has its expected interlock ties worked out by hand in its docstring.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import gds_jobs
from cypher import library
from cypher.schema.measures import MEASURE_NAMES
from gds_jobs import export, projection, runs
from gds_jobs.jobs import ProgressEvent, run_jobs
from gds_jobs.lock import JobLock, JobLocked, read_lock
from gds_jobs.measures import compute_all
from klynge.errors import ConfigError, JobFailed, StoreUnavailable

ROOT = Path(__file__).resolve().parents[2]

A, B, C, D, E, F = "100000001", "100000002", "100000003", "100000004", "100000005", "100000006"

BOARDS = f"""
CREATE (a:Organization:Firm {{orgnr: '{A}', name: 'Alfa AS', helix: 'industry'}})
CREATE (b:Organization:Firm {{orgnr: '{B}', name: 'Beta AS', helix: 'industry'}})
CREATE (c:Organization:University {{orgnr: '{C}', name: 'Gamma universitet', helix: 'academia'}})
CREATE (d:Organization:Firm {{orgnr: '{D}', name: 'Delta AS', helix: 'industry'}})
CREATE (e:Organization:PublicBody {{orgnr: '{E}', name: 'Epsilon kommune', helix: 'government'}})
CREATE (f:Organization:Firm {{orgnr: '{F}', name: 'Zeta AS', helix: 'industry'}})
CREATE (p1:Person {{person_key: 'p1'}}), (p2:Person {{person_key: 'p2'}}), (p3:Person {{person_key: 'p3'}}),
       (p4:Person {{person_key: 'p4'}}), (p5:Person {{person_key: 'p5'}}), (p6:Person {{person_key: 'p6'}}),
       (p7:Person {{person_key: 'p7'}})
CREATE (p1)-[:HOLDS_ROLE {{role: 'LEDE', role_group: 'STYR', active: true}}]->(a)
CREATE (p1)-[:HOLDS_ROLE {{role: 'MEDL', role_group: 'STYR', active: true}}]->(a)
CREATE (p1)-[:HOLDS_ROLE {{role: 'MEDL', role_group: 'STYR', active: true}}]->(b)
CREATE (p2)-[:HOLDS_ROLE {{role: 'MEDL', role_group: 'STYR', active: true}}]->(a)
CREATE (p2)-[:HOLDS_ROLE {{role: 'MEDL', role_group: 'STYR', active: true}}]->(b)
CREATE (p2)-[:HOLDS_ROLE {{role: 'NEST', role_group: 'STYR', active: true}}]->(c)
CREATE (p3)-[:HOLDS_ROLE {{role: 'MEDL', role_group: 'STYR', active: false}}]->(c)
CREATE (p3)-[:HOLDS_ROLE {{role: 'MEDL', role_group: 'STYR', active: true}}]->(d)
CREATE (p4)-[:HOLDS_ROLE {{role: 'VARA', role_group: 'STYR', active: true}}]->(d)
CREATE (p4)-[:HOLDS_ROLE {{role: 'MEDL', role_group: 'STYR', active: true}}]->(e)
CREATE (p5)-[:HOLDS_ROLE {{role: 'DAGL', role_group: 'DAGL', active: true}}]->(e)
CREATE (p5)-[:HOLDS_ROLE {{role: 'MEDL', role_group: 'STYR', active: true}}]->(f)
CREATE (p6)-[:HOLDS_ROLE {{role: 'REVI', role_group: 'REVI', active: true}}]->(a)
CREATE (p6)-[:HOLDS_ROLE {{role: 'REVI', role_group: 'REVI', active: true}}]->(f)
CREATE (p7)-[:HOLDS_ROLE {{role: 'LEDE', role_group: 'STYR', active: true}}]->(f)
"""
"""Expected by hand (default: active LEDE/NEST/MEDL seats):
A-B weight 2 (p1, counted once despite two seats in A, and p2); A-C and B-C weight 1 (p2).
C-D: none (p3's seat in C is inactive). D-E: none (p4 is a deputy in D) — 1 with deputies.
E-F: none (p5 is CEO of E) — 1 with include_ceo. A-F: none (p6 is the auditor, not STYR).
Nodes: A..F (each has a counted seat); D, E, F isolates."""

DEFAULT_EDGES = [(A, B, 2), (A, C, 1), (B, C, 1)]

# a new director on C and D: changes every run-2 measure of C and D
EXTRA_TIE = f"""
MATCH (c:Organization {{orgnr: '{C}'}})
MATCH (d:Organization {{orgnr: '{D}'}})
CREATE (p:Person {{person_key: 'p8'}})
CREATE (p)-[:HOLDS_ROLE {{role: 'MEDL', role_group: 'STYR', active: true}}]->(c)
CREATE (p)-[:HOLDS_ROLE {{role: 'MEDL', role_group: 'STYR', active: true}}]->(d)
"""


@pytest.fixture
def boards(store):
    store.run(BOARDS)
    return store


def same_store(settings) -> dict[str, str | None]:
    """The settings another process needs to open the same graph (either store)."""
    return {"data_dir": str(settings.data_dir), "graph_name": settings.graph_name,
            "neo4j_uri": settings.neo4j_uri, "neo4j_password": settings.neo4j_password}


def cfg(**kw) -> runs.RunConfig:
    return runs.RunConfig.from_env(environ={}, **kw)


def run_local(store, **kw):
    kw.setdefault("config", cfg())
    return run_jobs(store, engine="local", **kw)


def frames_equal(left: pd.DataFrame, right: pd.DataFrame) -> None:
    cols = ["orgnr", *MEASURE_NAMES]
    pd.testing.assert_frame_equal(left[cols].sort_values("orgnr").reset_index(drop=True),
                                  right[cols].sort_values("orgnr").reset_index(drop=True),
                                  check_dtype=False)


# ---------------------------------------------------------------- projection


def test_interlock_weights_count_shared_active_board_members(boards):
    """Weights and exclusions worked out by hand in BOARDS' docstring."""
    p = projection.interlock(boards)
    assert p.nodes == (A, B, C, D, E, F)
    assert p.edges() == DEFAULT_EDGES
    assert p.counts() == {"interlock_nodes": 6, "interlock_edges": 3, "interlock_isolates": 3}


@pytest.mark.parametrize("flags,extra", [
    ({"include_ceo": True}, [(E, F, 1)]),
    ({"include_deputies": True}, [(D, E, 1)]),
    ({"include_ceo": True, "include_deputies": True}, [(D, E, 1), (E, F, 1)]),
])
def test_ceo_and_deputy_flags_add_their_ties(boards, flags, extra):
    p = projection.interlock(boards, projection.ProjectionParams(**flags))
    assert p.edges() == sorted(DEFAULT_EDGES + extra)


def test_projection_read_in_small_pages_equals_one_page(boards):
    pages = []
    small = projection.interlock(boards, projection.ProjectionParams(page_size=2), on_page=pages.append)
    assert small.edges() == DEFAULT_EDGES and small.nodes == (A, B, C, D, E, F)
    assert len(pages) >= 4  # 7 persons in pages of 2


class _Portable:
    """The store seen as one without FalkorDB's id pages: the projection falls back to keyset pages."""

    backend = "portable"

    def __init__(self, store):
        self._store = store

    def read(self, *args, **kwargs):
        return self._store.read(*args, **kwargs)


def test_falkordb_id_range_pages_read_the_same_groups_as_keyset_pages(falkordb_store):
    """Both ways, in pages of 2 persons, give the same sorted groups (the fixture has 7 persons)."""
    boards = falkordb_store
    boards.run(BOARDS)
    by_id = projection.read_person_groups(boards, projection.ProjectionParams(page_size=2))
    by_key = projection.read_person_groups(_Portable(boards), projection.ProjectionParams(page_size=2))
    assert by_id == by_key and len(by_id) >= 4
    assert [g[0] for g in by_id] == sorted(g[0] for g in by_id)


def test_helix_projection_adds_cluster_and_joint_grant_ties_with_sectors(boards):
    boards.run(f"""
    MATCH (d:Organization {{orgnr: '{D}'}})
    MATCH (e:Organization {{orgnr: '{E}'}})
    MATCH (c:Organization {{orgnr: '{C}'}})
    CREATE (k:Cluster {{cluster_id: 'nce-x'}}), (g:Grant {{grant_id: 'g1'}}), (old:Cluster {{cluster_id: 'old'}})
    CREATE (d)-[:MEMBER_OF {{since: '2020-01-01'}}]->(k), (e)-[:MEMBER_OF]->(k)
    CREATE (c)-[:MEMBER_OF {{until: '2001-01-01'}}]->(old), (d)-[:MEMBER_OF {{until: '2001-01-01'}}]->(old)
    CREATE (c)-[:RECEIVED]->(g), (d)-[:RECEIVED]->(g), (e)-[:RECEIVED]->(g)
    """)
    h = projection.helix(boards)
    # D-E: cluster nce-x + grant g1 = 2; C-D, C-E: grant g1; the ended cluster 'old' adds nothing
    assert h.edges() == sorted(DEFAULT_EDGES + [(C, D, 1), (C, E, 1), (D, E, 2)])
    assert h.sectors == {A: "industry", B: "industry", C: "academia", D: "industry", E: "government",
                         F: "industry"}


# ---------------------------------------------------------------- runs


def test_successful_run_is_recorded_and_becomes_current(boards):
    events: list[ProgressEvent] = []
    summary = run_local(boards, progress=events.append)
    assert summary.status == "succeeded" and summary.engine == "local"
    assert summary.jobs == ("interlock", "measures", "brokerage")
    rec = runs.history(boards)[0]
    assert rec["run_id"] == summary.run_id and rec["status"] == "succeeded" and rec["current"] is True
    assert rec["engine"] == "local" and rec["error"] is None and rec["finished"] >= rec["started"]
    assert rec["params"]["roles"] == ["LEDE", "NEST", "MEDL"] and rec["params"]["include_ceo"] is False
    assert "numpy" in rec["versions"] and rec["versions"]["store"].startswith(boards.backend)
    assert rec["counts"]["interlock_edges"] == 3 and rec["counts"]["measure_rows"] == 6
    assert {"read board seats", "compute measures (local)", "write measures", "publish"} <= set(rec["steps"])
    assert [e.step for e in events if e.event == "done"][-1] == "prune history"

    current = gds_jobs.current_measures(boards)
    assert current.attrs["run_id"] == summary.run_id
    frames_equal(current, compute_all(projection.interlock(boards).graph, seed=42))
    ties = boards.read("MATCH (a:Organization)-[i:INTERLOCK]->(b:Organization) "
                       "RETURN a.orgnr AS a, b.orgnr AS b, i.weight AS w, i.run_id AS run ORDER BY a, b")
    assert ties == [{"a": a, "b": b, "w": w, "run": summary.run_id} for a, b, w in DEFAULT_EDGES]
    row = library.run(boards, "measures/current", {"orgnr": A})[0]
    assert row["run_id"] == summary.run_id and row["degree"] == 2 and row["weighted_degree"] == 3
    assert lock_free(boards)


def lock_free(store) -> bool:
    return read_lock(store) is None


def test_second_run_flips_current_and_keeps_the_first_in_history(boards):
    first = run_local(boards)
    before = gds_jobs.current_measures(boards)
    boards.run(EXTRA_TIE)
    second = run_local(boards)
    after = gds_jobs.current_measures(boards)
    assert after.attrs["run_id"] == second.run_id
    assert after.set_index("orgnr").loc[D, "degree"] == 1 and before.set_index("orgnr").loc[D, "degree"] == 0
    hist = gds_jobs.measure_history(boards, D)
    assert list(hist["run_id"]) == [first.run_id, second.run_id] and list(hist["degree"]) == [0, 1]
    status = {r["run_id"]: r for r in gds_jobs.job_status(boards, history=True)}
    assert status[first.run_id]["current"] is False and status[second.run_id]["current"] is True
    assert [r["run_id"] for r in gds_jobs.job_status(boards)] == [second.run_id]
    ties = boards.read("MATCH ()-[i:INTERLOCK]->() RETURN DISTINCT i.run_id AS run")
    assert ties == [{"run": second.run_id}]  # the first run's ties were deleted


@pytest.mark.parametrize("step", ["write measures", "write interlocks"])
def test_failure_mid_write_leaves_previous_values_and_records_failed_run(boards, step):
    first = run_local(boards)
    before = gds_jobs.current_measures(boards)
    boards.run(EXTRA_TIE)

    def fail_after_first_batch(e: ProgressEvent) -> None:
        if e.step == step and e.event == "advance":
            raise RuntimeError("disk full (injected)")

    with pytest.raises(JobFailed, match=f"failed in step '{step}'.*disk full.*previous results stay"):
        run_local(boards, progress=fail_after_first_batch, config=cfg(write_batch_size=2))
    after = gds_jobs.current_measures(boards)
    assert after.attrs["run_id"] == first.run_id
    frames_equal(after, before)
    failed = runs.history(boards)[0]
    assert failed["status"] == "failed" and failed["current"] is False
    assert step in failed["error"] and "disk full (injected)" in failed["error"]
    assert boards.read("MATCH (v:MeasureValue {run_id: $r}) RETURN count(v) AS n", {"r": failed["run_id"]}) \
        == [{"n": 0}]
    ties = boards.read("MATCH ()-[i:INTERLOCK]->() RETURN DISTINCT i.run_id AS run")
    assert ties == [{"run": first.run_id}]
    assert lock_free(boards)


CHILD = """
import json, sys, time
from cypher import open_store
from klynge.config import load_settings
from gds_jobs.jobs import run_jobs
from gds_jobs.runs import RunConfig
store = open_store(load_settings(json.loads(sys.argv[1]), environ={}), start=False)
def hook(e):
    if e.step == "write measures" and e.event == "advance":
        open(sys.argv[3], "w").write(e.run_id)
        time.sleep(300)
run_jobs(store, engine="local", progress=hook, config=RunConfig.from_env(environ={}, write_batch_size=2))
"""


def test_sigkill_mid_run_keeps_previous_values_and_next_run_takes_over(boards, tmp_path, caplog):
    first = run_local(boards)
    before = gds_jobs.current_measures(boards)
    boards.run(EXTRA_TIE)
    marker = tmp_path / "child-writing"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, json.dumps(same_store(boards.settings)), "-", str(marker)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                                             os.environ.get("PYTHONPATH")]))},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for _ in range(600):
            if marker.exists() or child.poll() is not None:
                break
            time.sleep(0.1)
        assert marker.exists(), child.communicate(timeout=5)[1].decode()[-2000:]
        child_run = marker.read_text()
        # the child holds the lock and is alive: a second run is refused with a clear message
        with pytest.raises(JobLocked, match=f"another measures run holds the lock: run {child_run} owned by "
                                            f".*:{child.pid}"):
            run_local(boards)
        latest = gds_jobs.job_status(boards)[0]
        assert (latest["run_id"], latest["status"]) == (child_run, "running")
        # half of the child's values are written, none visible
        assert boards.read("MATCH (v:MeasureValue {run_id: $r}) RETURN count(v) AS n", {"r": child_run})[0]["n"] > 0
        frames_equal(gds_jobs.current_measures(boards), before)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    frames_equal(gds_jobs.current_measures(boards), before)
    status = {r["run_id"]: r["status"] for r in gds_jobs.job_status(boards, history=True)}
    assert status[child_run] == "running (stale?)"

    with caplog.at_level(logging.WARNING, logger="gds_jobs"):
        third = run_local(boards)
    assert any(f"took over the lock of run {child_run}" in w and "no longer running" in w for w in third.warnings)
    assert any("took over the measures lock" in r.getMessage() for r in caplog.records)
    recs = {r["run_id"]: r for r in runs.history(boards)}
    assert recs[child_run]["status"] == "interrupted" and "interrupted" in recs[child_run]["error"]
    assert recs[third.run_id]["status"] == "succeeded" and recs[first.run_id]["status"] == "succeeded"
    assert boards.read("MATCH (v:MeasureValue {run_id: $r}) RETURN count(v) AS n", {"r": child_run})[0]["n"] == 0
    assert gds_jobs.current_measures(boards).set_index("orgnr").loc[D, "degree"] == 1


def test_live_lock_of_another_host_is_refused_and_expired_one_taken_over(boards):
    now = time.time()
    boards.run("CREATE (:Lock {key: 'measures', owner: 'elsewhere:1', host: 'elsewhere', pid: 1, "
               "run_id: 'r-other', expires: $exp})", {"exp": now + 600})
    with pytest.raises(JobLocked, match="run r-other owned by elsewhere:1, lock valid until 20"):
        run_local(boards)
    assert read_lock(boards)["owner"] == "elsewhere:1"
    boards.run("MATCH (l:Lock) SET l.expires = $exp", {"exp": now - 1})
    summary = run_local(boards)
    assert summary.warnings[0].startswith("took over the lock of run r-other (elsewhere:1): its lock expired at")
    assert lock_free(boards)


def test_waiting_run_gives_up_after_wait_s(boards):
    lock = JobLock(boards, "holder")
    lock.acquire()
    try:
        now = [time.time()]
        sleeps: list[float] = []

        def fake_sleep(seconds: float) -> None:
            sleeps.append(seconds)
            now[0] += seconds

        other = JobLock(boards, "waiter", clock=lambda: now[0])
        other.owner = "otherhost:2"
        other.host = "otherhost"
        with pytest.raises(JobLocked, match="run holder"):
            other.acquire(wait_s=5, poll_s=1, sleep=fake_sleep)
    finally:
        lock.release()
    assert sleeps == [1, 1, 1, 1, 1]
    assert lock_free(boards)


# ---------------------------------------------------------------- export, retention, errors


def test_export_csv_and_json_have_exactly_the_documented_columns(boards):
    run_local(boards)
    expected = ["orgnr", "name", "helix", "degree", "weighted_degree", "eigenvector", "pagerank", "betweenness",
                "closeness", "community", "component", "clustering", "constraint", "constraint_weighted",
                "effective_size", "efficiency", "hierarchy"]
    text = export.export_text(boards, "csv")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == expected and len(table) == 7
    row = dict(zip(table[0], next(r for r in table[1:] if r[0] == F)))
    assert row["name"] == "Zeta AS" and row["helix"] == "industry" and row["degree"] == "0"
    assert row["constraint"] == ""  # undefined for an isolate: empty cell
    data = json.loads(export.export_text(boards, "json"))
    assert [list(r) for r in data] == [expected] * 6
    a = next(r for r in data if r["orgnr"] == A)
    assert a["degree"] == 2 and a["weighted_degree"] == 3 and a["name"] == "Alfa AS"
    assert next(r for r in data if r["orgnr"] == F)["constraint"] is None


def test_export_to_a_file_before_any_run_writes_the_header_only(boards, tmp_path):
    out = tmp_path / "m.csv"
    assert gds_jobs.export_measures(boards, "csv", out) == 0
    assert out.read_text().splitlines() == [",".join(export.EXPORT_COLUMNS)]
    with pytest.raises(ConfigError, match="export format 'xlsx'"):
        gds_jobs.export_measures(boards, "xlsx", tmp_path / "m.xlsx")


def test_retention_prunes_values_of_runs_beyond_the_limit(boards):
    ids = [run_local(boards, config=cfg(history_runs=2)).run_id for _ in range(3)]
    counts = {r: boards.read("MATCH (v:MeasureValue {run_id: $r}) RETURN count(v) AS n", {"r": r})[0]["n"]
              for r in ids}
    assert counts == {ids[0]: 0, ids[1]: 6, ids[2]: 6}
    recs = {r["run_id"]: r for r in runs.history(boards)}
    assert recs[ids[0]]["pruned"] is True and recs[ids[0]]["status"] == "succeeded"
    assert list(gds_jobs.measure_history(boards, A)["run_id"]) == ids[1:]


def test_history_setting_is_read_from_the_environment_and_checked():
    assert runs.RunConfig.from_env(environ={"KLYNGE_MEASURE_HISTORY_RUNS": "7"}).history_runs == 7
    assert runs.RunConfig.from_env(environ={}).history_runs == 30
    with pytest.raises(ConfigError, match=r"KLYNGE_MEASURE_HISTORY_RUNS\) must be at least 1, got 0"):
        runs.RunConfig.from_env(environ={"KLYNGE_MEASURE_HISTORY_RUNS": "0"})
    with pytest.raises(ConfigError, match=r"KLYNGE_MEASURE_HISTORY_RUNS\) must be int, got 'x'"):
        runs.RunConfig.from_env(environ={"KLYNGE_MEASURE_HISTORY_RUNS": "x"})


def test_only_runs_the_named_job_and_leaves_other_pointers(boards):
    first = run_local(boards)
    boards.run(EXTRA_TIE)
    second = run_local(boards, only=["measures"])
    ptr = runs.pointers(boards)
    assert ptr == {"interlock": first.run_id, "measures": second.run_id, "brokerage": first.run_id}
    assert second.jobs == ("measures",)
    with pytest.raises(ConfigError, match="unknown job 'centrality'; the jobs are: interlock, measures, brokerage"):
        run_local(boards, only=["centrality"])


def test_gds_engine_on_the_embedded_store_says_what_to_do(falkordb_store):
    boards = falkordb_store
    boards.run(BOARDS)
    with pytest.raises(StoreUnavailable, match="needs Neo4j.*--engine local"):
        run_jobs(boards, engine="gds", config=cfg())
    assert lock_free(boards)
    assert run_jobs(boards, engine="auto", config=cfg()).engine == "local"


def test_current_measures_before_any_run_is_empty_with_the_columns(store):
    frame = gds_jobs.current_measures(store)
    assert list(frame.columns) == ["orgnr", *MEASURE_NAMES] and frame.empty
    assert frame.attrs["run_id"] is None


def test_list_jobs_names_projection_and_outputs():
    jobs = {j["name"]: j for j in gds_jobs.list_jobs()}
    assert list(jobs) == ["interlock", "measures", "brokerage"]
    assert jobs["measures"]["engines"] == "gds,local" and "constraint" in jobs["measures"]["outputs"]
    assert jobs["brokerage"]["projection"] == "helix"


def test_isolate_constraint_is_stored_as_missing(boards):
    run_local(boards)
    value = boards.read("MATCH (v:MeasureValue {orgnr: $o}) RETURN v.constraint AS c, v.degree AS d", {"o": F})[0]
    assert value["c"] is None and value["d"] == 0
    assert math.isnan(gds_jobs.current_measures(boards, [F]).loc[0, "constraint"])


def test_canonical_labels_number_groups_by_their_smallest_orgnr():
    """Same convention as the local engine's relabel_by_first_node on orgnr-sorted nodes."""
    from gds_jobs.engines.gds import canonical_labels

    labels = pd.Series({"3": 70, "1": 9, "2": 70, "4": 5, "5": 9, "6": 70})
    assert canonical_labels(labels).to_dict() == {"3": 1, "1": 0, "2": 1, "4": 2, "5": 0, "6": 1}


def test_run_that_lost_its_lock_does_not_publish(boards):
    first = run_local(boards)

    def stolen(e: ProgressEvent) -> None:
        if e.step == "write measures" and e.event == "done":  # another run took the expired lock meanwhile
            boards.run("MATCH (l:Lock {key: 'measures'}) SET l.owner = 'elsewhere:9', l.host = 'elsewhere'")

    with pytest.raises(JobFailed, match="lost the measures lock to another run before publishing"):
        run_local(boards, progress=stolen)
    assert runs.pointers(boards)["measures"] == first.run_id
    assert runs.history(boards)[0]["status"] == "failed"
    assert read_lock(boards)["owner"] == "elsewhere:9"  # the other run's lock is left alone


class FakeGds:
    """Stands in for cypher.gds.GdsClient: answers each stream query with the local function's values."""

    def __init__(self, g, *, eigen_broken=False, node_count=None):
        from gds_jobs.engines import gds as eng
        from gds_jobs import measures as m

        self.g, self.dropped, self.calls = g, [], []
        eig = m.eigenvector(g) * (0 if eigen_broken else 1)
        values = {
            "degree": m.degree(g), "weighted_degree": m.weighted_degree(g), "eigenvector": eig,
            "pagerank": m.pagerank(g), "betweenness": m.betweenness(g), "closeness": m.closeness(g),
            "community": m.community(g, seed=42) * 7 + 100,  # GDS ids are arbitrary
            "component": m.component(g) * 3 + 11, "clustering": m.clustering(g),
        }
        assert set(values) == set(eng.GDS_STREAMS)  # every measure GDS computes is answered
        self.answers = {eng.GDS_STREAMS[name][0]: v for name, v in values.items()}
        self.info = {"nodeCount": g.n if node_count is None else node_count, "relationshipCount": 2 * g.m}
        self.version, self.client_version = "2.13.2", "test"

    def run(self, query, params):
        self.calls.append(query)
        return [{"orgnrs": list(self.g.nodes), "values": [float(v) for v in self.answers[query]]}]

    def projection(self, name, query, params):
        from contextlib import contextmanager

        @contextmanager
        def cm():
            try:
                yield self.info
            finally:
                self.dropped.append(name)
        return cm()

    def close(self):
        pass


def gds_engine(fake):
    from gds_jobs.engines.gds import GdsEngine

    engine = GdsEngine.__new__(GdsEngine)
    engine.client = fake
    return engine


def test_gds_engine_merges_streams_with_local_burt_measures_and_drops_the_projection(boards):
    """With GDS answering exactly like the local functions, the merged frame equals compute_all."""
    from gds_jobs.engines import EngineParams

    p = projection.interlock(boards)
    fake = FakeGds(p.graph)
    result = gds_engine(fake).measures(p, EngineParams(seed=42, run_id="r1"), {})
    frames_equal(result.frame, compute_all(p.graph, seed=42))
    assert result.notes["eigenvector"].startswith("gds") and fake.dropped == ["klynge-interlock-r1"]


def test_gds_engine_falls_back_to_local_eigenvector_when_gds_disagrees(boards):
    """graph-measures.md: GDS eigenvector may collapse to zeros; the local value is kept then."""
    from gds_jobs.engines import EngineParams

    p = projection.interlock(boards)
    result = gds_engine(FakeGds(p.graph, eigen_broken=True)).measures(p, EngineParams(seed=42, run_id="r2"), {})
    assert result.notes["eigenvector"].startswith("local (GDS differed by")
    frames_equal(result.frame, compute_all(p.graph, seed=42))


def test_gds_engine_refuses_a_projection_with_other_nodes_and_still_drops_it(boards):
    from gds_jobs.engines import EngineParams

    p = projection.interlock(boards)
    fake = FakeGds(p.graph, node_count=p.graph.n + 1)
    with pytest.raises(JobFailed, match="has 7 nodes and 6 relationships, the local one 6 nodes and 3"):
        gds_engine(fake).measures(p, EngineParams(run_id="r3"), {})
    assert fake.dropped == ["klynge-interlock-r3"] and fake.calls == []


def test_run_on_an_empty_graph_succeeds_with_no_rows(store):
    summary = run_local(store)
    assert summary.status == "succeeded" and summary.counts["interlock_nodes"] == 0
    assert gds_jobs.current_measures(store).empty and export.export_text(store, "json") == "[]\n"


def test_brokerage_job_counts_roles_across_helix_sectors(boards):
    """An active cluster with C (academia), D and G (industry; G has no board seat): C now sits
    between A, B and D, G — four untied industry pairs, four itinerant (consultant) brokerages for C
    (Gould & Fernandez 1989). The stored columns are the brokerage function's output on the helix
    projection; G, outside the interlock network, has brokerage values but no measures row."""
    boards.run(f"""
    MATCH (c:Organization {{orgnr: '{C}'}})
    MATCH (d:Organization {{orgnr: '{D}'}})
    CREATE (k:Cluster {{cluster_id: 'arena-1'}})
    CREATE (g:Organization:Firm {{orgnr: '100000007', name: 'Eta AS', helix: 'industry'}})
    CREATE (c)-[:MEMBER_OF]->(k), (d)-[:MEMBER_OF]->(k), (g)-[:MEMBER_OF]->(k)
    """)
    run_local(boards)
    frame = gds_jobs.current_measures(boards, include_brokerage=True).set_index("orgnr")
    assert list(frame.index) == [A, B, C, D, E, F]
    assert len(list(csv.reader(io.StringIO(export.export_text(boards, "csv"))))) == 7
    assert frame.loc[C, "brokerage_itinerant"] == 4
    assert frame.loc[C, "degree"] == 2  # the measures job stays on the interlock network
    helix = projection.helix(boards)
    expected = gds_jobs.measures.brokerage(helix.graph, helix.sectors).set_index("orgnr")
    for role in ("coordinator", "itinerant", "representative_gatekeeper", "liaison", "total"):
        assert frame[f"brokerage_{role}"].to_dict() == expected[role].drop("100000007").to_dict()


def test_an_error_after_publishing_keeps_the_run_succeeded(boards):
    def fail_late(e: ProgressEvent) -> None:
        if e.step == "publish" and e.event == "done":
            raise RuntimeError("terminal closed (injected)")

    summary = run_local(boards, progress=fail_late)
    assert summary.status == "succeeded"
    assert any("after run" in w and "terminal closed" in w for w in summary.warnings)
    assert runs.pointers(boards)["measures"] == summary.run_id and len(gds_jobs.current_measures(boards)) == 6
    assert runs.history(boards)[0]["status"] == "succeeded" and lock_free(boards)


def test_library_interlocks_show_only_the_current_runs_ties(boards):
    """A run's INTERLOCK ties exist before it publishes; the library query filters them out."""
    first = run_local(boards)
    boards.run(f"MATCH (a:Organization {{orgnr: '{A}'}}) MATCH (d:Organization {{orgnr: '{D}'}}) "
               "CREATE (a)-[:INTERLOCK {weight: 9, run_id: 'unpublished'}]->(d)")
    rows = library.run(boards, "measures/interlocks", {"orgnr": A})
    assert [(r["orgnr"], r["shared_persons"]) for r in rows] == [(B, 2), (C, 1)]
    assert runs.pointers(boards)["interlock"] == first.run_id


def test_packed_values_round_trip_including_infinities_and_missing_values():
    """value_rows packs each organisation's values as JSON (NaN left out); unpack reads them back, with
    orjson, falling back to json for the ``Infinity`` that json.dumps writes and orjson refuses."""
    import pandas as pd

    from gds_jobs.runs import unpack, value_rows

    frame = pd.DataFrame({"orgnr": ["900000001", "900000002", "900000003"],
                          "degree": [3, 0, 7], "closeness": [0.25, float("nan"), float("inf")]})
    rows = list(value_rows("run-1", frame, ["degree", "closeness", "pagerank"]))
    assert [r["packed"] for r in rows] == ['{"degree":3,"closeness":0.25}', '{"degree":0}',
                                           '{"degree":7,"closeness":Infinity}']
    back = unpack(rows + [{"orgnr": "900000004", "packed": None}], ["degree", "closeness", "pagerank"])
    assert back[:2] == [{"orgnr": "900000001", "degree": 3, "closeness": 0.25, "pagerank": None},
                        {"orgnr": "900000002", "degree": 0, "closeness": None, "pagerank": None}]
    assert back[2]["degree"] == 7 and math.isinf(back[2]["closeness"])
    assert back[3] == {"orgnr": "900000004", "degree": None, "closeness": None, "pagerank": None}
