"""A sync killed (SIGKILL) at any write and rerun ends with the graph and cursors of an uninterrupted sync.

Kill points are fixed: the sync runs in a child process that kills itself right after its k-th write
statement returns, for k spread over every write of an uninterrupted sync and at both sides of the
first cursor write (the cursor is stored only after the page's changes). Each killed run is followed
by a plain rerun, which must finish what was left and apply nothing twice in effect.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bench.brreg_mirror import MirrorServer, Register
from cypher.snapshot import snapshot
from loaders.sync import sync_brreg
from loaders.sync.brreg import FEEDS
from loaders.sync.http import Http
from loaders.sync.state import WRITE_STATE, all_states, write_state

from test_sync import T1, bulk_load  # noqa: E402 - the sibling test module (pytest puts tests/loaders on the path)

REPO = Path(__file__).resolve().parents[2]
AS_OF = "2026-11-03"
PAGE = 25

CHILD = """
import json, os, signal, sys
from cypher import open_store
from klynge.config import load_settings
from loaders.sync import sync_brreg
from loaders.sync.http import Http
overrides, base_url, kill_at, reject_dir = json.loads(sys.argv[1])
store = open_store(load_settings(overrides, environ={}))
real_run, calls = store.run, [0]
def run(query, params=None, **kw):
    out = real_run(query, params, **kw)
    calls[0] += 1
    if calls[0] == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)
    return out
store.run = run
sync_brreg(store, base_url=base_url, as_of=%r, page_size=%d, progress=False,
           http=Http(timeout_s=10, retries=2, backoff=0.01), reject_dir=reject_dir)
print("finished without being killed")
""" % (AS_OF, PAGE)


def start_state(store) -> None:
    """As after `klynge sync brreg --since T1` found nothing yet: each feed starts at T1."""
    for f in FEEDS:
        write_state(store, f.state_key, {"cursor_time": f"{T1}T00:00:00.000Z"})


def cursors(store) -> dict:
    return {s["feed"]: (s.get("cursor"), s.get("cursor_time")) for s in all_states(store)}


@pytest.mark.slow
def test_a_sync_killed_at_any_write_and_rerun_equals_an_uninterrupted_sync(any_store, tmp_path):
    from loaders.synth import generate

    generate(tmp_path / "synth", units=500, seed=4)
    reg = Register.from_synth(tmp_path / "synth")
    keep = set(sorted(reg.units)[:120])
    reg.units = {k: v for k, v in reg.units.items() if k in keep}
    reg.roles = {k: v for k, v in reg.roles.items() if k in keep}
    reg.subunits = {k: v for k, v in reg.subunits.items() if v.get("overordnetEnhet") in keep}
    t1 = reg.write_bulk(tmp_path / "t1")
    reg.evolve(random.Random(9), 80)

    def fresh() -> None:
        any_store.wipe()
        any_store.init_schema()
        bulk_load(any_store, t1, tmp_path, T1, reference=False)
        start_state(any_store)

    with MirrorServer(reg) as srv:
        # the uninterrupted sync, counting its writes and where the cursors are written
        fresh()
        real_run, log = any_store.run, []

        def counting(query, params=None, **kw):
            log.append((query, params or {}))
            return real_run(query, params, **kw)

        any_store.run = counting
        try:
            done = sync_brreg(any_store, base_url=srv.base_url, as_of=AS_OF, page_size=PAGE, progress=False,
                              http=Http(timeout_s=10, retries=2, backoff=0.01), reject_dir=tmp_path / "rejects")
        finally:
            del any_store.run
        assert done.status == "ok" and sum(f.events for f in done.feeds) == len(
            reg.unit_feed) + len(reg.subunit_feed) + len(reg.role_feed)
        expected, expected_cursors = snapshot(any_store), cursors(any_store)
        writes = len(log)
        cursor_writes = [i + 1 for i, (q, p) in enumerate(log) if q == WRITE_STATE and "cursor" in p["props"]]
        first = cursor_writes[0]
        points = sorted({2, first - 1, first, first + 1, *(writes * j // 6 for j in range(1, 6)), writes - 1})
        assert len(cursor_writes) >= 4 and len(points) >= 8

        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        env["PYTHONPATH"] = str(REPO)
        st = any_store.settings
        env = {k: v for k, v in env.items() if not k.startswith("NEO4J_")}
        if st.backend == "falkordb":
            overrides = {"graph_name": st.graph_name, "data_dir": str(st.data_dir)}
        else:
            overrides = {"neo4j_uri": st.neo4j_uri, "neo4j_username": st.neo4j_username,
                         "neo4j_password": st.neo4j_password, "neo4j_database": st.neo4j_database}
        for k in points:
            fresh()
            child = subprocess.run([sys.executable, "-c", CHILD, json.dumps(
                [overrides, srv.base_url, k, str(tmp_path / "rejects")])], cwd=REPO, env=env,
                capture_output=True, text=True, timeout=300)
            assert child.returncode == -signal.SIGKILL, (k, child.stdout, child.stderr[-2000:])
            rerun = sync_brreg(any_store, base_url=srv.base_url, as_of=AS_OF, page_size=PAGE, progress=False,
                               http=Http(timeout_s=10, retries=2, backoff=0.01), reject_dir=tmp_path / "rejects")
            assert rerun.status == "ok", (k, rerun.describe())
            got = snapshot(any_store)
            assert got.diff(expected) == [], f"killed after write {k} of {writes}"
            assert got.digest == expected.digest
            assert cursors(any_store) == expected_cursors
