"""Shared fixtures: one embedded FalkorDB server per test session, a fresh empty graph per test."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

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


def pytest_report_header(config: pytest.Config) -> list[str]:
    if os.environ.get("NEO4J_URI"):
        return [f"Neo4j tests: on, against {os.environ['NEO4J_URI']}"]
    return ["Neo4j tests: skipped (NEO4J_URI is not set); every other test runs on the embedded FalkorDB store"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("NEO4J_URI"):
        return
    skip = pytest.mark.skip(reason="needs a Neo4j 5 server with GDS: set NEO4J_URI (and NEO4J_PASSWORD) to run")
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


@pytest.fixture
def settings(falkor_dir: Path) -> Settings:
    """Settings pointing at the session server and a graph name no other test uses."""
    return load_settings({"data_dir": falkor_dir, "graph_name": f"test{next(_graph_ids)}"},
                         environ={})


@pytest.fixture
def store(settings: Settings):
    """A GraphStore on a fresh, empty graph with the schema applied; deleted afterwards."""
    s = open_store(settings)
    s.init_schema()
    try:
        yield s
    finally:
        s.wipe()
        s.close()


@pytest.fixture(params=["falkordb", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def any_store(request: pytest.FixtureRequest):
    """The same test on the embedded store and, when NEO4J_URI is set, on Neo4j (wiped before and after)."""
    if request.param == "falkordb":
        yield request.getfixturevalue("store")
        return
    s = open_store(load_settings())
    s.wipe()
    s.init_schema()
    try:
        yield s
    finally:
        s.wipe()
        s.close()
