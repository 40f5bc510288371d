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

from cypher import embedded, open_store, redis_process
from cypher.processes import free_port
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


# ---------------------------------------------------------------- locked down (issue 16, finding 6)


def test_the_store_needs_its_password_and_refuses_destructive_commands_even_with_it(tmp_path):
    import redis

    info = embedded.ensure_server(tmp_path / "graph", state_dir=tmp_path / "state")
    try:
        pw_file = tmp_path / "state" / embedded.PASSWORD_FILE
        assert oct(pw_file.stat().st_mode & 0o777) == "0o600"
        assert info.password == pw_file.read_text().strip() and len(info.password) == 64
        assert info.password.encode() not in Path(f"/proc/{info.pid}/cmdline").read_bytes()
        anonymous = redis.Redis(host="127.0.0.1", port=info.port)
        for cmd in (("GRAPH.QUERY", "g", "CREATE (:X)"), ("FLUSHALL",), ("SHUTDOWN",), ("CONFIG", "GET", "dir")):
            with pytest.raises(redis.exceptions.AuthenticationError):
                anonymous.execute_command(*cmd)
        anonymous.close()
        app = redis.Redis(host="127.0.0.1", port=info.port, password=info.password)
        app.execute_command("GRAPH.QUERY", "g", "CREATE (:X)")
        for cmd in (("FLUSHALL",), ("FLUSHDB",), ("SHUTDOWN",), ("CONFIG", "SET", "dir", "/tmp"),
                    ("REPLICAOF", "127.0.0.1", "1"), ("ACL", "SETUSER", "x", "on")):
            with pytest.raises(redis.exceptions.NoPermissionError):
                app.execute_command(*cmd)
        assert app.execute_command("GRAPH.RO_QUERY", "g", "MATCH (x:X) RETURN count(x)")[1] == [[1]]
        app.close()
    finally:
        embedded.stop_server(tmp_path / "graph")


def test_data_directory_is_0700_and_its_files_0600(tmp_path):
    data = tmp_path / "graph"
    data.mkdir(mode=0o755)
    (data / "old-note.txt").write_text("left by an older start")
    (data / "old-note.txt").chmod(0o644)
    store = open_store(load_settings({"data_dir": data, "state_dir": tmp_path / "state"}, environ={}))
    try:
        store.run("CREATE (:Person {person_key: 'k', name: 'Kari Nordmann', birth_year: 1970})")
        from cypher.console import run_console

        run_console(store, "MATCH (p:Person) RETURN p.birth_year AS y")  # starts the console replica too
        store.command("BGREWRITEAOF")
        time.sleep(1)
    finally:
        store.close()
        embedded.stop_server(data)
    embedded.ensure_server(data, state_dir=tmp_path / "state")
    try:
        for root, dirs, files in os.walk(data):
            assert oct(Path(root).stat().st_mode & 0o777) == "0o700", root
            for f in files:
                assert oct((Path(root) / f).stat().st_mode & 0o777) == "0o600", f
    finally:
        embedded.stop_server(data)


def test_memory_limits_are_set_for_the_machine(tmp_path):
    import redis

    settings = load_settings({"data_dir": tmp_path / "graph", "state_dir": tmp_path / "state"}, environ={})
    limits = embedded.Limits.from_settings(settings)
    assert limits.maxmemory_mb == max(512, embedded.machine_memory_mb() // 2)
    assert limits.query_memory_mb == max(128, min(2048, limits.maxmemory_mb // 4))
    info = embedded.ensure_server(settings.data_dir, state_dir=settings.state_dir, limits=limits)
    try:
        r = redis.Redis(host="127.0.0.1", port=info.port, password=info.password)
        mem = r.info("memory")
        assert mem["maxmemory"] == limits.maxmemory_mb * 1024 * 1024 and mem["maxmemory_policy"] == "noeviction"
        got = r.execute_command("GRAPH.CONFIG", "GET", "QUERY_MEM_CAPACITY")
        assert int(got[1]) == limits.query_memory_mb * 1024 * 1024
        r.close()
    finally:
        embedded.stop_server(settings.data_dir)


def test_a_server_started_without_a_password_is_restarted_with_one(tmp_path):
    """A store started by an older Klynge (no password) is stopped and started again with a password."""
    import json
    import redis

    data = tmp_path / "graph"
    data.mkdir()
    redis_server, module = redis_process.binaries()
    port = free_port()
    config = "\n".join([*embedded._common_config(data, port), "appendonly yes", f"loadmodule {module}"]) + "\n"
    redis_process.launch([redis_server, "-"], config, data)
    for _ in range(100):
        if redis_process.ping(port):
            break
        time.sleep(0.05)
    old_pid = int((data / embedded.PID_FILE).read_text())
    (data / embedded.STATE_FILE).write_text(json.dumps({"pid": old_pid, "port": port}))
    redis.Redis(host="127.0.0.1", port=port).execute_command("GRAPH.QUERY", "g", "CREATE (:Kept)")
    try:
        info = embedded.ensure_server(data, state_dir=tmp_path / "state")
        assert info.pid != old_pid and info.password
        _wait_dead(old_pid)
        r = redis.Redis(host="127.0.0.1", port=info.port, password=info.password)
        assert r.execute_command("GRAPH.RO_QUERY", "g", "MATCH (k:Kept) RETURN count(k)")[1] == [[1]]
        r.close()
    finally:
        embedded.stop_server(data)
