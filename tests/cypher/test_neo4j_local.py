"""The local Neo4j that Klynge starts itself: one shared server, `klynge neo4j start|stop|status`, clear errors."""

from __future__ import annotations

import os
import shlex
import socket
import stat
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from cypher import neo4j_local, open_store
from cypher.processes import port_open
from klynge.cli import main
from klynge.config import load_settings
from klynge.errors import StoreUnavailable

REPO = Path(__file__).resolve().parents[2]


def _exports(text: str) -> dict[str, str]:
    out = {}
    for line in text.strip().splitlines():
        word, assignment = line.split(" ", 1)
        assert word == "export"
        key, value = assignment.split("=", 1)
        out[key] = shlex.split(value)[0]
    return out


def _env_of(settings) -> dict[str, str]:
    return {"KLYNGE_NEO4J_HOME": str(settings.neo4j_home), "KLYNGE_STATE_DIR": str(settings.state_dir)}


@pytest.mark.neo4j
def test_a_second_process_finds_the_running_server_and_prints_settings_a_shell_can_eval(neo4j_settings):
    """`klynge neo4j start` in another process reuses the server (pid/port file), and `eval` of its
    output points a later klynge command at it."""
    if os.environ.get("NEO4J_URI"):
        pytest.skip("NEO4J_URI names an outside server; this checks the local one")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "PYTEST"))}
    env.update(_env_of(neo4j_settings))
    klynge = [sys.executable, "-m", "klynge.cli"]
    out = subprocess.run([*klynge, "neo4j", "start"], env=env, cwd=REPO, capture_output=True, text=True,
                         timeout=120, check=True)
    assert "already running" in out.stderr
    exports = _exports(out.stdout)
    assert exports == {"NEO4J_URI": neo4j_settings.neo4j_uri, "NEO4J_USERNAME": "neo4j",
                       "NEO4J_PASSWORD": neo4j_settings.neo4j_password}
    script = f'eval "$({shlex.join(klynge)} neo4j start 2>/dev/null)" && {shlex.join(klynge)} db status --format json'
    status = subprocess.run(["bash", "-c", script], env=env, cwd=REPO, capture_output=True, text=True,
                            timeout=120, check=True)
    assert '"backend": "neo4j"' in status.stdout and "5.26" in status.stdout


@pytest.mark.neo4j
def test_the_password_file_is_private_and_the_home_closed(neo4j_settings):
    if os.environ.get("NEO4J_URI"):
        pytest.skip("NEO4J_URI names an outside server; this checks the local one")
    pw = neo4j_local.password_path(neo4j_settings)
    assert stat.S_IMODE(pw.stat().st_mode) == 0o600
    assert pw.read_text().strip() == neo4j_settings.neo4j_password and len(neo4j_settings.neo4j_password) >= 24
    assert stat.S_IMODE(neo4j_settings.neo4j_home.stat().st_mode) == 0o700
    conf = (neo4j_settings.neo4j_home / neo4j_local.CONF_FILE).read_text()
    assert "server.bolt.listen_address=127.0.0.1:" in conf and "dbms.security.procedures.unrestricted=gds.*" in conf
    assert neo4j_settings.neo4j_password not in conf


@pytest.mark.neo4j
def test_a_wrong_password_fails_at_once_naming_the_settings(neo4j_settings):
    bad = replace(neo4j_settings, neo4j_password="not-the-password", neo4j_wait_s=30.0)
    with pytest.raises(StoreUnavailable, match="refused user neo4j's password.*NEO4J_PASSWORD"):
        open_store(bad)


def test_nothing_listening_is_waited_for_then_reported_with_the_setting(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    settings = load_settings({"neo4j_uri": f"bolt://127.0.0.1:{port}", "neo4j_password": "x" * 10,
                              "neo4j_wait_s": 1.0, "state_dir": tmp_path}, environ={})
    with pytest.raises(StoreUnavailable, match=r"(?s)did not answer within 1 s.*KLYNGE_NEO4J_WAIT_S"):
        open_store(settings)


def test_without_java_the_reason_and_the_fix_are_named(tmp_path, monkeypatch):
    monkeypatch.setattr(neo4j_local.shutil, "which", lambda name: None)
    reason = neo4j_local.unavailable_reason()
    assert "Java" in reason and "openjdk-17-jdk-headless" in reason and "make neo4j" in reason
    settings = load_settings({"neo4j_home": tmp_path / "home", "state_dir": tmp_path / "state"}, environ={})
    with pytest.raises(StoreUnavailable, match="needs Java"):
        neo4j_local.ensure_server(settings)
    result = CliRunner().invoke(main, ["neo4j", "start"], env=_env_of(settings))
    assert result.exit_code == 1 and "needs Java" in result.output


def test_an_unbuilt_server_names_make_neo4j(tmp_path, monkeypatch):
    monkeypatch.setattr(neo4j_local, "TARGET", tmp_path / "nothing")
    assert "make neo4j" in neo4j_local.unavailable_reason()


@pytest.mark.neo4j
def test_a_taken_port_is_refused_naming_the_setting(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        settings = load_settings({"neo4j_home": tmp_path / "home", "state_dir": tmp_path / "state",
                                  "neo4j_port": port}, environ={})
        with pytest.raises(StoreUnavailable, match=f"port {port} .* KLYNGE_NEO4J_PORT"):
            neo4j_local.ensure_server(settings)


@pytest.mark.neo4j
@pytest.mark.slow
def test_start_status_stop_of_a_second_server(tmp_path):
    """A server of its own: started by the command line, reported, stopped cleanly (and its Bolt port freed)."""
    settings = load_settings({"neo4j_home": tmp_path / "home", "state_dir": tmp_path / "state",
                              "neo4j_heap": "1g", "neo4j_pagecache": "64m"}, environ={})
    runner = CliRunner()
    env = _env_of(settings) | {"KLYNGE_NEO4J_HEAP": "1g", "KLYNGE_NEO4J_PAGECACHE": "64m"}
    try:
        started = runner.invoke(main, ["neo4j", "start"], env=env)
        assert started.exit_code == 0, started.output
        exports = _exports(started.stdout)
        status = runner.invoke(main, ["neo4j", "status"], env=env)
        assert "local Neo4j running" in status.output and exports["NEO4J_URI"] in status.output
        as_env = runner.invoke(main, ["neo4j", "status", "--env"], env=env)
        assert _exports(as_env.stdout) == exports
        store = open_store(replace(settings, neo4j_uri=exports["NEO4J_URI"], neo4j_password=exports["NEO4J_PASSWORD"]))
        try:
            assert store.read("RETURN gds.version() AS v")[0]["v"].startswith("2.13.")
        finally:
            store.close()
    finally:
        stopped = runner.invoke(main, ["neo4j", "stop"], env=env)
    assert stopped.exit_code == 0 and "stopped" in stopped.output
    port = int(exports["NEO4J_URI"].rsplit(":", 1)[1])
    assert not port_open(port)
    assert "not running" in runner.invoke(main, ["neo4j", "status"], env=env).output
    assert runner.invoke(main, ["neo4j", "status", "--env"], env=env).exit_code == 1
