"""Check Cypher with Neo4j's own linter, offline (no Neo4j server needed).

The checker is the npm package ``@neo4j-cypher/language-support`` (pinned in
``tools/cypher-lint/package-lock.json``, installed by ``make setup``), driven by
``tools/cypher-lint/lint.mjs`` in one Node process per batch. It reports Neo4j's
syntax and semantic errors for Cypher 5 (undefined variables, removed syntax such
as ``exists(n.prop)``, aggregation mistakes, unknown ``YIELD`` columns ...).

Schema given to the checker
---------------------------
* labels, relationship types and property keys from :mod:`cypher.schema.model`
  (plus any extra property keys the caller passes); unknown ones are *warnings*;
* the relationship endpoints of the model as the graph schema (impossible
  ``(a:X)-[:R]->(b:Y)`` segments are *warnings*);
* the procedure and function signatures of the Neo4j 5 + GDS + APOC dump that
  ships inside the npm package, without ``apoc.*`` because Klynge's Neo4j runs
  with the GDS plugin only (``docker-compose.yml``). An unknown procedure or
  function is an *error*, so ``CALL gds.eigenvector.wrte(...)`` fails, and so do
  FalkorDB-only calls such as ``db.idx.fulltext.queryNodes`` or ``algo.pageRank``:
  such statements belong in :mod:`cypher.dialect`, registered with
  ``dialect="falkordb"``, and are not linted.

"Parameter $x is not defined" is ignored: parameters come from the driver.

Command line: ``python -m cypher.lint`` lints every ``cypher/queries/**/*.cypher``
file whose front-matter dialect is not ``falkordb`` and every query registered with
:func:`cypher.registry.register` (after :func:`cypher.registry.load_all`), prints
a report and exits 1 when any statement has an error (warnings are printed only).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from cypher.schema import model
from klynge.errors import ConfigError, KlyngeError

REPO_ROOT = Path(__file__).resolve().parents[1]
LINT_DIR = REPO_ROOT / "tools" / "cypher-lint"
LINT_SCRIPT = LINT_DIR / "lint.mjs"
PACKAGE_MARKER = LINT_DIR / "node_modules" / "@neo4j-cypher" / "language-support" / "package.json"
QUERY_DIR = REPO_ROOT / "cypher" / "queries"

#: Plugin namespaces present in the bundled signature dump but absent from Klynge's Neo4j.
EXCLUDED_NAMESPACES: tuple[str, ...] = ("apoc",)
#: Dialects written in Neo4j Cypher (``falkordb`` statements are never sent to Neo4j).
LINTED_DIALECTS: tuple[str, ...] = ("portable", "neo4j")
#: Seconds a whole batch may take before the checker is stopped.
BATCH_TIMEOUT_S = 900


@dataclass(frozen=True)
class Diagnostic:
    """One finding of the checker; ``line`` and ``column`` are 1-based in the query text."""

    message: str
    line: int
    column: int
    severity: str
    end_line: int
    end_column: int


@dataclass(frozen=True)
class LintResult:
    """The checker's verdict on one statement.

    Attributes
    ----------
    id : str
        The identifier the caller gave (file path or registered name).
    errors : tuple of Diagnostic
        Findings of severity ``Error``; any error fails CI.
    warnings : tuple of Diagnostic
        Everything else (unknown labels or property keys, deprecations ...).
    skipped : bool
        True for statements of dialect ``falkordb`` (not Neo4j Cypher).
    ms : int
        Milliseconds the checker spent on this statement.
    """

    id: str
    errors: tuple[Diagnostic, ...]
    warnings: tuple[Diagnostic, ...]
    skipped: bool = False
    ms: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def schema_for_linter(extra_property_keys: Iterable[str] = ()) -> dict:
    """The database schema handed to the checker, built from :mod:`cypher.schema.model`."""
    graph_schema: list[dict[str, str]] = []
    seen: set[tuple[str, str, str]] = set()

    def labels_of(spec: str) -> list[str]:
        out: list[str] = []
        for label in spec.split("|"):
            out.append(label)
            if label == "Organization":
                out.extend(model.EXTRA_ORG_LABELS)
        return out

    for rel in model.RELS:
        for src in labels_of(rel.source):
            for dst in labels_of(rel.target):
                key = (src, dst, rel.type)
                if key not in seen:
                    seen.add(key)
                    graph_schema.append({"from": src, "to": dst, "relType": rel.type})
    keys = sorted(set(model.all_property_keys()) | {str(k) for k in extra_property_keys})
    return {
        "labels": sorted(set(model.all_labels())),
        "relationshipTypes": sorted(set(model.all_rel_types())),
        "propertyKeys": keys,
        "graphSchema": graph_schema,
    }


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _node_command() -> list[str]:
    node = shutil.which("node")
    if node is None:
        raise ConfigError(
            "Cypher lint: the `node` executable was not found on PATH; "
            "Node.js 20 or newer is needed: install it, then run `make setup`"
        )
    if not PACKAGE_MARKER.is_file():
        raise ConfigError(
            f"Cypher lint: {_rel(PACKAGE_MARKER)} is missing "
            f"(the npm packages of {_rel(LINT_DIR)} are not installed): run `make setup`"
        )
    return [node, str(LINT_SCRIPT)]


def _diagnostics(items: Sequence[dict]) -> tuple[Diagnostic, ...]:
    return tuple(
        Diagnostic(
            message=d["message"], line=d["line"], column=d["column"], severity=d["severity"],
            end_line=d["endLine"], end_column=d["endColumn"],
        )
        for d in items
    )


def lint_queries(
    queries: Sequence[tuple[str, str] | tuple[str, str, str]],
    *,
    extra_property_keys: Iterable[str] = (),
    exclude_namespaces: Sequence[str] = EXCLUDED_NAMESPACES,
) -> list[LintResult]:
    """Lint every statement in one run of the Node checker.

    Parameters
    ----------
    queries : sequence of tuple
        ``(id, text)`` pairs, or ``(id, text, dialect)`` triples with dialect
        ``portable``, ``neo4j`` or ``falkordb`` (``falkordb`` ones come back ``skipped``).
        Ids must be unique.
    extra_property_keys : iterable of str
        Property keys beyond :func:`cypher.schema.model.all_property_keys`
        (measure properties written by the jobs, for example).
    exclude_namespaces : sequence of str
        Plugin namespaces whose procedures and functions count as unknown.

    Returns
    -------
    list[LintResult]
        One result per statement, in input order.

    Raises
    ------
    ConfigError
        When ``node`` or the npm packages are missing (run ``make setup``).
    KlyngeError
        When the checker rejects its input or crashes.
    """
    if not queries:
        return []
    items = []
    for q in queries:
        if len(q) == 2:
            qid, text = q  # type: ignore[misc]
            dialect = "portable"
        else:
            qid, text, dialect = q  # type: ignore[misc]
        items.append({"id": qid, "query": text, "dialect": dialect})
    payload = {
        "schema": schema_for_linter(extra_property_keys),
        "options": {"bundledSignatures": True, "excludeNamespaces": list(exclude_namespaces)},
        "queries": items,
    }
    command = _node_command()
    try:
        proc = subprocess.run(
            command, input=json.dumps(payload), capture_output=True, text=True,
            encoding="utf-8", cwd=LINT_DIR, timeout=BATCH_TIMEOUT_S, check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise KlyngeError(
            f"Cypher lint: {len(items)} statements took longer than {BATCH_TIMEOUT_S} s in "
            f"{LINT_SCRIPT.name}; lint fewer statements per batch or raise BATCH_TIMEOUT_S"
        ) from exc
    if proc.returncode not in (0, 1):
        raise KlyngeError(
            f"Cypher lint: {_rel(LINT_SCRIPT)} exited with status {proc.returncode} "
            f"(expected 0 or 1): {proc.stderr.strip() or 'no message'}; "
            "if node_modules is damaged run `make setup` again"
        )
    try:
        raw = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise KlyngeError(
            f"Cypher lint: {LINT_SCRIPT.name} wrote output that is not JSON ({exc}); stderr: {proc.stderr.strip()}"
        ) from exc
    return [
        LintResult(
            id=r["id"], errors=_diagnostics(r["errors"]), warnings=_diagnostics(r["warnings"]),
            skipped=bool(r["skipped"]), ms=int(r["ms"]),
        )
        for r in raw
    ]


# ----------------------------------------------------------------------------- collection


def file_dialect(text: str) -> str:
    """The ``// dialect:`` value of a query file's leading comment block (``portable`` if absent)."""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("//"):
            break
        key, sep, value = stripped[2:].strip().partition(":")
        if sep and key.strip() == "dialect":
            return value.strip()
    return "portable"


def query_files(root: Path | None = None) -> list[tuple[str, str, str]]:
    """``(id, text, dialect)`` of every ``*.cypher`` file under ``root`` (default the query library).

    The id is the path from the repository root, so a report line reads ``path:line:column``.
    """
    root = QUERY_DIR if root is None else root
    out = []
    for path in sorted(root.rglob("*.cypher")):
        text = path.read_text(encoding="utf-8")
        out.append((_rel(path), text, file_dialect(text)))
    return out


def registered_queries() -> list[tuple[str, str, str]]:
    """``(id, text, dialect)`` of every registered query, after importing all modules that register."""
    from cypher import registry

    registry.load_all()
    out = []
    for name, text, dialect in registry.all_queries():
        out.append((name if dialect == "portable" else f"{name}@{dialect}", text, dialect))
    return out


def registered_property_keys() -> list[str]:
    """Extra property keys declared by loaded modules as ``LINT_PROPERTY_KEYS`` (e.g. measures)."""
    keys: set[str] = set()
    for name, mod in list(sys.modules.items()):
        if name.split(".")[0] not in ("cypher", "loaders", "gds_jobs"):
            continue
        declared = getattr(mod, "LINT_PROPERTY_KEYS", None)
        if declared:
            keys.update(str(k) for k in declared)
    return sorted(keys)


def all_statements() -> list[tuple[str, str, str]]:
    """Every statement Klynge can send: query files first, then registered queries."""
    return query_files() + registered_queries()


# ----------------------------------------------------------------------------- report


def format_report(results: Sequence[LintResult], *, seconds: float | None = None) -> str:
    lines: list[str] = []
    for r in results:
        for d in r.errors:
            lines.append(f"{r.id}:{d.line}:{d.column}: error: {d.message}")
        for d in r.warnings:
            lines.append(f"{r.id}:{d.line}:{d.column}: warning: {d.message}")
    linted = [r for r in results if not r.skipped]
    n_err = sum(len(r.errors) for r in results)
    n_warn = sum(len(r.warnings) for r in results)
    failed = sum(1 for r in results if r.errors)
    summary = (
        f"Neo4j Cypher 5 lint: {len(linted)} statements checked, "
        f"{len(results) - len(linted)} FalkorDB-only skipped; "
        f"{n_err} errors in {failed} statements, {n_warn} warnings"
    )
    if seconds is not None:
        summary += f" ({seconds:.1f} s)"
    lines.append(summary)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cypher.lint",
        description="Lint every Cypher statement Klynge can send to Neo4j with Neo4j's own checker (offline).",
    )
    parser.add_argument("files", nargs="*", type=Path,
                        help="lint only these .cypher files (default: the query library and all registered queries)")
    parser.add_argument("--property-key", action="append", default=[], metavar="KEY",
                        help="an extra property key to accept (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)

    if args.files:
        statements = []
        for path in args.files:
            if not path.is_file():
                print(f"cypher.lint: {path}: no such file", file=sys.stderr)
                return 2
            text = path.read_text(encoding="utf-8")
            statements.append((str(path), text, file_dialect(text)))
    else:
        statements = all_statements()
    extra = list(args.property_key) + registered_property_keys()
    start = time.perf_counter()
    try:
        results = lint_queries(statements, extra_property_keys=extra)
    except KlyngeError as exc:
        print(f"cypher.lint: {exc}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - start
    if args.json:
        print(json.dumps([
            {"id": r.id, "skipped": r.skipped, "ms": r.ms,
             "errors": [asdict(d) for d in r.errors], "warnings": [asdict(d) for d in r.warnings]}
            for r in results
        ], indent=1))
    else:
        print(format_report(results, seconds=seconds))
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
