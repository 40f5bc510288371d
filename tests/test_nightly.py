"""The nightly schedule: sync every configured source, then the measures jobs; /status shows both.

The register is served on 127.0.0.1 by bench.brreg_mirror (shapes of data-sources.md §1–2); the
schedule runs with a fake clock, the sync and the jobs for real.
"""

from __future__ import annotations

import datetime as dt
import socket
import sys
from pathlib import Path

import pytest

from bench.brreg_mirror import MirrorServer, Register
from gds_jobs import runs as job_runs
from gds_jobs.schedule import schedule_forever
from klynge.nightly import nightly_run
from loaders.sync import all_states, sync_brreg
from loaders.sync.http import Http
from web import create_app

sys.path.insert(0, str(Path(__file__).resolve().parent / "loaders"))
from test_sync import OLA, T1, A, B, _board, _unit, bulk_load  # noqa: E402

CONFIG = job_runs.RunConfig.from_env(environ={})


class FakeClock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 2, 22, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def fast_http() -> Http:
    return Http(timeout_s=5, retries=2, backoff=0.01)


def web_client(store, tmp_path):
    """The web app on the test's own graph (either store)."""
    st = store.settings
    cfg = {"data_dir": st.data_dir, "graph_name": st.graph_name, "neo4j_uri": st.neo4j_uri,
           "neo4j_username": st.neo4j_username, "neo4j_password": st.neo4j_password,
           "neo4j_database": st.neo4j_database}
    return create_app({**{k: v for k, v in cfg.items() if v is not None}, "state_dir": tmp_path / "state",
                       "TESTING": True}).test_client()


@pytest.fixture
def synced_graph(any_store, tmp_path):
    """A graph bulk-loaded on T1 whose feeds were started at T1; then the register changes."""
    reg = Register()
    for o, name in ((A, "HØNEFOSS TRELAST AS"), (B, "SAGBRUKET AS")):
        reg.units[o] = _unit(o, name)
    reg.roles[A] = {"rollegrupper": _board(OLA)}
    reg.roles[B] = {"rollegrupper": _board(OLA, ("MEDL", "Kari", "Styremedlem", "1975-01-01"))}
    bulk_load(any_store, reg.write_bulk(tmp_path / "t1"), tmp_path, T1, reference=False)
    with MirrorServer(reg) as srv:
        assert sync_brreg(any_store, base_url=srv.base_url, since=T1, http=fast_http()).status == "ok"
    reg.put_unit(_unit(A, "HØNEFOSS TRELAST AS", employees=80))
    reg.put_roles(A, _board(OLA, ("MEDL", "Kari", "Styremedlem", "1975-01-01")))
    return reg


def test_the_nightly_run_syncs_then_computes_and_status_shows_the_sync_and_the_cursor(
        any_store, synced_graph, tmp_path):
    clock, lines = FakeClock(), []
    with MirrorServer(synced_graph) as srv:
        n = schedule_forever(any_store, run=nightly_run, clock=clock, sleep=clock.sleep, max_runs=1, echo=lines.append,
                             engine="local", config=CONFIG, sync_options={"base_url": srv.base_url, "http": fast_http()})
    assert n == 1
    run = job_runs.history(any_store, limit=1)[0]
    assert run["status"] == "succeeded"
    sync = run["sync"]
    assert sync["status"] == "ok" and sync["feeds"]["brreg:units"]["by_type"] == {"Endring": 1}
    assert sync["feeds"]["brreg:roles"]["created"] == 1 and sync["applied"] >= 2
    # the jobs ran on the synced graph: Kari now sits on both boards, so A and B interlock
    assert any_store.read("MATCH (:Organization)-[i:INTERLOCK]->(:Organization) RETURN count(i) AS n") == [{"n": 1}]
    states = {s["feed"]: s for s in all_states(any_store)}
    assert states["brreg:units"]["cursor"] == synced_graph.unit_feed[-1]["oppdateringsid"]

    c = web_client(any_store, tmp_path)
    body = c.get("/status.json").get_json()
    assert body["latest_run"]["sync"] == {"status": "ok", "applied": sync["applied"], "rejected": 0,
                                          "duration_s": sync["duration_s"]}
    feeds = {f["feed"]: f for f in body["syncs"]}
    assert feeds["brreg:units"]["cursor"] == states["brreg:units"]["cursor"]
    assert feeds["brreg:roles"]["status"] == "ok"
    html = c.get("/status").get_data(as_text=True)
    assert 'id="sync-table"' in html and f'>{states["brreg:units"]["cursor"]}<' in html


def test_a_failed_sync_keeps_the_graph_and_the_jobs_still_run(any_store, synced_graph, tmp_path):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/enhetsregisteret/api"
    before = any_store.read("MATCH (o:Organization {orgnr: $a}) RETURN o.employees AS e", {"a": A})
    lines: list[str] = []
    summary = nightly_run(any_store, echo=lines.append, engine="local", config=CONFIG,
                          sync_options={"base_url": dead, "http": Http(timeout_s=2, retries=1, backoff=0.01)})
    assert summary.status == "succeeded"
    assert summary.sync["status"] == "failed" and "cannot reach" in summary.sync["feeds"]["brreg:units"]["error"]
    assert any_store.read("MATCH (o:Organization {orgnr: $a}) RETURN o.employees AS e", {"a": A}) == before
    states = {s["feed"]: s for s in all_states(any_store)}
    assert states["brreg:units"]["status"] == "failed" and states["brreg:units"]["cursor_time"] == f"{T1}T00:00:00.000Z"
    assert job_runs.history(any_store, limit=1)[0]["sync"]["status"] == "failed"
    row = {f["feed"]: f for f in web_client(any_store, tmp_path).get("/status.json").get_json()["syncs"]}["brreg:units"]
    assert row["status"] == "failed" and row["error"] is None and row["details_hidden"] is True
