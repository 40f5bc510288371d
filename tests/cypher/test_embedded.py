"""The embedded FalkorDB server: sharing, restart after SIGKILL without losing acknowledged writes, clear errors."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cypher import embedded, open_store
from klynge.config import load_settings
from klynge.errors import StoreUnavailable

ROOT = Path(__file__).resolve().parents[2]


def _wait_dead(pid: int) -> None:
    for _ in range(200):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.02)


def test_two_stores_share_one_server(tmp_path):
    s1 = open_store(load_settings({"data_dir": tmp_path}, environ={}))
    s2 = open_store(load_settings({"data_dir": tmp_path}, environ={}))
    try:
        assert s1.server.pid == s2.server.pid and s1.server.port == s2.server.port
        s1.run("CREATE (:Organization {orgnr: '1'})")
        assert s2.read("MATCH (n:Organization) RETURN n.orgnr AS o") == [{"o": "1"}]
    finally:
        embedded.stop_server(tmp_path)


def test_sigkill_then_any_klynge_command_restarts_and_keeps_acknowledged_writes(tmp_path):
    """Writes acknowledged before a SIGKILL of the server are there after the CLI restarts it."""
    settings = load_settings({"data_dir": tmp_path}, environ={})
    store = open_store(settings)
    try:
        store.init_schema()
        rows = [{"orgnr": f"{i:09d}"} for i in range(3000)]
        store.write_batches("UNWIND $rows AS row CREATE (:Organization {orgnr: row.orgnr})", rows, batch_size=500)
        old_pid = store.server.pid
        os.kill(old_pid, signal.SIGKILL)
        _wait_dead(old_pid)
        env = {**os.environ, "KLYNGE_DATA_DIR": str(tmp_path)}
        env.pop("NEO4J_URI", None)
        out = subprocess.run([sys.executable, "-m", "klynge.cli", "db", "status", "--format", "json"],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        assert '"Organization": 3000' in out.stdout
        info = embedded.read_state(tmp_path.resolve())
        assert info is not None and info.pid != old_pid
    finally:
        embedded.stop_server(tmp_path)


def test_stop_is_clean_and_data_survives_a_restart(tmp_path):
    store = open_store(load_settings({"data_dir": tmp_path}, environ={}))
    store.run("CREATE (:Person {person_key: 'k', birth_year: 1970})")
    assert embedded.stop_server(tmp_path) is True
    assert embedded.read_state(tmp_path) is None
    store = open_store(load_settings({"data_dir": tmp_path}, environ={}))
    try:
        assert store.read("MATCH (p:Person) RETURN p.birth_year AS y") == [{"y": 1970}]
    finally:
        embedded.stop_server(tmp_path)


def test_port_in_use_gives_a_clear_error(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        with pytest.raises(StoreUnavailable, match=f"port {port} .* already in use.*KLYNGE_FALKORDB_PORT"):
            embedded.ensure_server(tmp_path, port)


def test_unwritable_data_dir_gives_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreUnavailable, match="cannot use data directory .*KLYNGE_DATA_DIR"):
        embedded.ensure_server(blocker / "graph")


def test_server_listens_on_loopback_only(tmp_path):
    info = embedded.ensure_server(tmp_path)
    try:
        conf = subprocess.run(["ss", "-ltnp"], capture_output=True, text=True).stdout if os.path.exists("/usr/bin/ss") else ""
        lines = [line for line in conf.splitlines() if f":{info.port} " in line]
        for line in lines:
            assert "127.0.0.1:" in line
        cmdline = Path(f"/proc/{info.pid}/cmdline").read_bytes()
        assert b"127.0.0.1" in cmdline
    finally:
        embedded.stop_server(tmp_path)
