"""The local Neo4j SIGKILLed during a load: restarted (it recovers from its transaction log), the rerun
load ends with the same graph as an uninterrupted load."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from cypher import neo4j_local, open_store
from cypher.processes import free_port
from klynge.config import load_settings
from tests.loaders.test_kill_rerun import (BATCH, N_UNITS, _write_units, kill_when_loaded,
                                           rerun_equals_a_clean_load)

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.neo4j
@pytest.mark.slow
def test_neo4j_killed_during_a_load_then_rerun_equals_an_uninterrupted_load(tmp_path):
    if os.environ.get("NEO4J_URI"):
        pytest.skip("NEO4J_URI names an outside server; this kills the local one")
    port = free_port()
    local = load_settings({"neo4j_home": tmp_path / "neo4j", "state_dir": tmp_path / "state", "neo4j_port": port,
                           "neo4j_heap": "1g", "neo4j_pagecache": "128m", "data_dir": tmp_path / "graph"},
                          environ={})
    server = neo4j_local.ensure_server(local)
    settings = replace(local, neo4j_uri=server.uri, neo4j_password=server.password)
    src = tmp_path / "enheter_alle.json.gz"
    _write_units(src)
    try:
        store = open_store(settings)
        store.init_schema()
        store.close()
        same = {"neo4j_uri": server.uri, "neo4j_password": server.password, "data_dir": str(local.data_dir),
                "neo4j_wait_s": 5}
        code = ("import loaders\nfrom cypher import open_store\nfrom klynge.config import load_settings\n"
                f"s = open_store(load_settings({same!r}, environ={{}}))\n"
                f"loaders.load('units', {str(src)!r}, s, batch_size={BATCH}, progress=False, "
                f"reject_dir={str(tmp_path)!r})\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "NEO4J_"))}
        proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        watcher = open_store(settings)
        try:
            killed_at = kill_when_loaded(watcher, proc, server.pid)
        finally:
            watcher.close()
            _, err = proc.communicate(timeout=300)
        assert killed_at >= 2 * BATCH, "the load finished before the server could be killed"
        assert proc.returncode != 0 and "StoreUnavailable" in err and "stopped answering" in err, err[-2000:]

        restarted = neo4j_local.ensure_server(local)  # same home and port: recovers from its log
        assert restarted.pid != server.pid and restarted.port == port
        store = open_store(settings)
        try:
            partial = store.read("MATCH (o:Organization) RETURN count(o) AS c")[0]["c"]
            assert killed_at <= partial < N_UNITS  # what was committed before the kill survived, no more
            rerun_equals_a_clean_load(store, src, tmp_path)
        finally:
            store.close()
    finally:
        neo4j_local.stop_server(local)
