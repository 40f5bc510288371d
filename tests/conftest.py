"""Shared fixtures: one embedded FalkorDB server and one Neo4j with GDS per test session, a fresh empty graph per test."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from cypher import embedded, open_store, registry
from klynge.config import Settings, load_settings

_graph_ids = itertools.count()


def pytest_configure(config: pytest.Config) -> None:
    registry.start_recording()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Lint with Neo4j's checker every statement the product sent during the run that is not
    already a query file or a registered constant (those are linted by tests/cypher/test_lint_all.py)."""
    if exitstatus not in (0, 1) or getattr(session.config, "workerinput", None) is not None:
        return
    from cypher import lint

    from cypher import library

    known = {text for _, text, _ in lint.all_statements()}
    known |= {q.text for q in library.load_library()}  # the library sends a file's body, linted with its file
    new = [t for t in registry.recorded() if t not in known]
    if not new:
        return
    results = lint.lint_queries([(f"sent-during-tests-{i}", t) for i, t in enumerate(new)])
    bad = [r for r in results if r.errors]
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_sep("=", f"Neo4j lint of {len(new)} statements sent during the run: {len(bad)} with errors")
        for r in bad:
            text = new[int(r.id.rsplit("-", 1)[1])]
            reporter.write_line(f"{text}\n  -> " + "; ".join(f"{d.line}:{d.column} {d.message}" for d in r.errors))
    if bad:
        session.exitstatus = 1


def _neo4j_skip_reason() -> str | None:
    """Why the ``neo4j`` tests cannot run here (None: NEO4J_URI is set, or the local Neo4j can start)."""
    if os.environ.get("NEO4J_URI"):
        return None
    from cypher import neo4j_local

    reason = neo4j_local.unavailable_reason()
    return None if reason is None else f"needs Neo4j 5 with GDS: {reason} (or set NEO4J_URI)"


def pytest_report_header(config: pytest.Config) -> list[str]:
    if os.environ.get("NEO4J_URI"):
        return [f"Neo4j tests: on, against {os.environ['NEO4J_URI']}"]
    reason = _neo4j_skip_reason()
    if reason:
        return [f"Neo4j tests: skipped ({reason}); every other test runs on the embedded FalkorDB store"]
    return ["Neo4j tests: on, against the local Neo4j with GDS that the tests start (tools/neo4j)"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _neo4j_skip_reason()
    if reason is None:
        return
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if "neo4j" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def falkor_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Data directory of the session's embedded server; the server is stopped at the end."""
    d = tmp_path_factory.mktemp("graph")
    embedded.ensure_server(d)
    try:
        yield d
    finally:
        embedded.stop_server(d)


@pytest.fixture(scope="session")
def neo4j_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings of the session's Neo4j: NEO4J_URI's server when set, else a local Neo4j with GDS
    (tools/neo4j) started once for the session in a temporary home and stopped at the end."""
    if os.environ.get("NEO4J_URI"):
        yield load_settings()
        return
    from cypher import neo4j_local

    home = tmp_path_factory.mktemp("neo4j")
    local = load_settings({"neo4j_home": home, "state_dir": home / "state", "neo4j_heap": "2g",
                           "neo4j_pagecache": "512m"}, environ={})
    server = neo4j_local.ensure_server(local)
    try:
        yield replace(local, neo4j_uri=server.uri, neo4j_password=server.password)
    finally:
        neo4j_local.stop_server(local)


#: The two stores: a test parametrised over them runs on the embedded FalkorDB and on Neo4j.
BACKENDS = ["falkordb", pytest.param("neo4j", marks=pytest.mark.neo4j)]


def settings_for(request: pytest.FixtureRequest, backend: str) -> Settings:
    """Settings for one test on ``backend``: a graph no other test uses (FalkorDB; the session's state
    folder, never the checkout's), or the session's Neo4j (one database, wiped by the store fixtures), with
    data and state folders of the test's own."""
    if backend == "neo4j":
        base = request.getfixturevalue("neo4j_settings")
        tmp = request.getfixturevalue("tmp_path_factory").mktemp("neo4j-test")  # any fixture scope
        return replace(base, data_dir=tmp / "graph", state_dir=tmp / "state")
    falkor_dir = request.getfixturevalue("falkor_dir")
    return load_settings({"data_dir": falkor_dir, "graph_name": f"test{next(_graph_ids)}",
                          "state_dir": falkor_dir.parent / "state"}, environ={})


@pytest.fixture
def settings(request: pytest.FixtureRequest) -> Settings:
    """Settings pointing at the session's embedded server and a graph name no other test uses."""
    return settings_for(request, "falkordb")


@pytest.fixture(params=BACKENDS)
def any_settings(request: pytest.FixtureRequest) -> Settings:
    """Settings for the same test on each store (a folder's conftest may make them its ``settings``)."""
    return settings_for(request, request.param)


@contextmanager
def fresh_store(settings: Settings) -> Iterator[Any]:
    """A GraphStore on an empty graph with the schema applied, wiped and closed afterwards."""
    s = open_store(settings)
    try:
        if s.backend == "neo4j":
            s.wipe()  # one database for the session: empty it for this test
        s.init_schema()
        yield s
    finally:
        try:
            s.wipe()
        finally:
            s.close()


def env_for(settings: Settings) -> dict[str, str]:
    """Environment variables that point a ``klynge`` command (or another process) at ``settings``' store."""
    env = {"KLYNGE_DATA_DIR": str(settings.data_dir), "KLYNGE_GRAPH": settings.graph_name,
           "KLYNGE_STATE_DIR": str(settings.state_dir)}
    if settings.neo4j_uri:
        env |= {"NEO4J_URI": settings.neo4j_uri, "NEO4J_USERNAME": settings.neo4j_username,
                "NEO4J_PASSWORD": settings.neo4j_password or "", "NEO4J_DATABASE": settings.neo4j_database}
    return env


@pytest.fixture
def store_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """This test's ``klynge`` commands use its store (``settings``), whichever it is."""
    for k in ("NEO4J_URI", "NEO4J_USERNAME", "NEO4J_PASSWORD", "NEO4J_DATABASE"):
        monkeypatch.delenv(k, raising=False)
    env = env_for(settings)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


@pytest.fixture
def store(settings: Settings):
    """A GraphStore on a fresh, empty graph with the schema applied; deleted afterwards."""
    with fresh_store(settings) as s:
        yield s


@pytest.fixture
def falkordb_store(request: pytest.FixtureRequest):
    """The embedded store only, for what is FalkorDB's own (its paging, its server, its errors), also in
    folders whose ``store`` runs on both."""
    with fresh_store(settings_for(request, "falkordb")) as s:
        yield s


@pytest.fixture
def any_store(any_settings: Settings):
    """The same test on the embedded store and on Neo4j (wiped before and after)."""
    with fresh_store(any_settings) as s:
        yield s
