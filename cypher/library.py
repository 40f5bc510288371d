"""The analysts' query library: ``cypher/queries/**/*.cypher``, each file with comment front-matter.

Front-matter is a block of ``//`` comment lines at the top of the file::

    // name: firm/ego_network
    // title: A firm's ego network through shared board members
    // description: People holding active board seats in the firm, and the
    //   other organisations where they hold seats.
    // params: orgnr: str, per_person: int = 25
    // example: orgnr=923609016
    // mode: read
    // dialect: portable

``name``, ``title``, ``description`` and ``mode`` (``read`` or ``write``) are
required; ``params`` lists ``name: type [= default]`` with types ``str``, ``int``,
``float``, ``bool``, ``list[str]``; ``example`` gives values for parameters
without defaults (used by the tests); ``dialect`` is ``portable`` (default),
``neo4j`` or ``falkordb`` — a name may have one file per store-specific dialect.
Because the front-matter is a comment, every file still runs in Neo4j Browser.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from cypher.registry import own
from klynge.errors import ConfigError, QueryError

QUERY_DIR = Path(__file__).resolve().parent / "queries"
TYPES = ("str", "int", "float", "bool", "list[str]", "list[int]")
REQUIRED = ("name", "title", "description", "mode")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: Any = None
    has_default: bool = False

    def coerce(self, value: Any) -> Any:
        """Convert a CLI/form string (or a JSON value) to this parameter's type."""
        if not isinstance(value, str):
            return value
        try:
            if self.type == "int":
                return int(value)
            if self.type == "float":
                return float(value)
            if self.type == "bool":
                if value.lower() in ("1", "true", "yes", "on"):
                    return True
                if value.lower() in ("0", "false", "no", "off"):
                    return False
                raise ValueError(value)
            if self.type.startswith("list["):
                items = [v.strip() for v in value.split(",") if v.strip()]
                return [int(v) for v in items] if self.type == "list[int]" else items
        except ValueError as exc:
            raise QueryError(f"parameter {self.name} must be {self.type}, got {value!r}") from exc
        return value


@dataclass(frozen=True)
class LibraryQuery:
    name: str
    title: str
    description: str
    mode: str
    dialect: str
    params: tuple[Param, ...]
    example: Mapping[str, Any]
    text: str
    path: Path

    def bind(self, values: Mapping[str, Any] | None = None, *, use_example: bool = False) -> dict[str, Any]:
        """Parameters for a run: given values, else defaults (and examples when asked).

        Raises
        ------
        QueryError
            When a value is missing or of the wrong type, or an unknown parameter is given.
        """
        values = dict(values or {})
        known = {p.name for p in self.params}
        unknown = sorted(set(values) - known)
        if unknown:
            raise QueryError(
                f"query {self.name} has no parameter {', '.join(unknown)}; "
                f"its parameters are: {', '.join(sorted(known)) or 'none'}"
            )
        out: dict[str, Any] = {}
        for p in self.params:
            if p.name in values:
                out[p.name] = p.coerce(values[p.name])
            elif use_example and p.name in self.example:
                out[p.name] = p.coerce(self.example[p.name])
            elif p.has_default:
                out[p.name] = p.default
            else:
                raise QueryError(f"query {self.name} needs parameter {p.name} ({p.type})")
        return out


def _parse_default(type_: str, raw: str) -> Any:
    raw = raw.strip()
    if raw.lower() == "null":
        return None
    return Param("default", type_).coerce(raw.strip("'\""))


def parse_params(spec: str, path: Path) -> tuple[Param, ...]:
    params: list[Param] = []
    depth = 0
    parts, cur = [], ""
    for ch in spec:  # split on commas outside brackets (list[str])
        depth += ch == "["
        depth -= ch == "]"
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    for part in (p.strip() for p in parts):
        if not part:
            continue
        decl, _, default = part.partition("=")
        name, _, type_ = decl.partition(":")
        name, type_ = name.strip(), (type_.strip() or "str")
        if type_ not in TYPES:
            raise ConfigError(f"{path}: parameter {name} has unknown type {type_!r}; use one of {TYPES}")
        if default.strip():
            params.append(Param(name, type_, _parse_default(type_, default), True))
        else:
            params.append(Param(name, type_))
    return tuple(params)


def parse_file(path: Path) -> LibraryQuery:
    """Parse one ``.cypher`` file; raise ConfigError naming the file and line when malformed."""
    lines = path.read_text(encoding="utf-8").splitlines()
    meta: dict[str, str] = {}
    key = None
    body_start = 0
    for i, line in enumerate(lines):
        s = line.strip()
        if not s.startswith("//"):
            body_start = i
            break
        content = s[2:]
        if content.startswith("   ") or content.startswith("\t"):  # continuation line
            if key is None:
                raise ConfigError(f"{path}:{i + 1}: continuation line before any front-matter key")
            meta[key] += " " + content.strip()
            continue
        k, sep, v = content.strip().partition(":")
        if not sep:
            raise ConfigError(f"{path}:{i + 1}: front-matter line must be '// key: value'")
        key = k.strip().lower()
        meta[key] = v.strip()
    else:
        body_start = len(lines)
    missing = [k for k in REQUIRED if not meta.get(k)]
    if missing:
        raise ConfigError(f"{path}: front-matter lacks {', '.join(missing)}")
    if meta["mode"] not in ("read", "write"):
        raise ConfigError(f"{path}: mode must be read or write, got {meta['mode']!r}")
    dialect = meta.get("dialect", "portable")
    if dialect not in ("portable", "neo4j", "falkordb"):
        raise ConfigError(f"{path}: dialect must be portable, neo4j or falkordb")
    example: dict[str, Any] = {}
    for item in (meta.get("example") or "").split(";"):
        if "=" in item:
            k, _, v = item.partition("=")
            example[k.strip()] = v.strip()
    text = "\n".join(lines[body_start:]).strip()
    if not text:
        raise ConfigError(f"{path}: the query body is empty")
    return LibraryQuery(
        name=meta["name"], title=meta["title"], description=meta["description"], mode=meta["mode"],
        dialect=dialect, params=parse_params(meta.get("params", ""), path), example=example,
        text=text, path=path,
    )


@lru_cache(maxsize=4)
def load_library(root: Path = QUERY_DIR) -> tuple[LibraryQuery, ...]:
    """Every query file under ``root``, sorted by name then dialect.

    Raises
    ------
    ConfigError
        When a file is malformed or a (name, dialect) pair appears twice.
    """
    seen: dict[tuple[str, str], Path] = {}
    out = []
    for path in sorted(root.rglob("*.cypher")):
        q = parse_file(path)
        if (q.name, q.dialect) in seen:
            raise ConfigError(f"query name {q.name} ({q.dialect}) is used by {seen[(q.name, q.dialect)]} and {path}")
        seen[(q.name, q.dialect)] = path
        out.append(q)
    return tuple(sorted(out, key=lambda q: (q.name, q.dialect)))


@lru_cache(maxsize=8)
def _by_name(root: Path, backend: str) -> dict[str, LibraryQuery]:
    """Each query name's text for ``backend``: its own dialect first, then the portable text."""
    out: dict[str, LibraryQuery] = {}
    for q in load_library(root):
        if q.dialect == backend or (q.dialect == "portable" and q.name not in out):
            out[q.name] = q
            own(q.text)
    return out


def get(name: str, backend: str, root: Path = QUERY_DIR) -> LibraryQuery:
    """The query ``name`` for ``backend`` (its own dialect first, then the portable text)."""
    q = _by_name(root, backend).get(name)
    if q is None:
        names = sorted({q.name for q in load_library(root)})
        raise QueryError(f"no query named {name!r} for {backend}; `klynge query --list` shows the {len(names)} queries")
    return q


def names(backend: str | None = None, root: Path = QUERY_DIR) -> list[LibraryQuery]:
    """One entry per query name (the store's dialect when given, else portable/first)."""
    by_name: dict[str, LibraryQuery] = {}
    for q in load_library(root):
        cur = by_name.get(q.name)
        if cur is None or (backend and q.dialect == backend):
            by_name[q.name] = q
    return [by_name[k] for k in sorted(by_name)]


def run(store: Any, name: str, values: Mapping[str, Any] | None = None, *, timeout_s: float | None = None) -> list[dict]:
    """Run library query ``name`` on ``store`` (read-only for ``mode: read``)."""
    q = get(name, store.backend)
    params = q.bind(values)
    if q.mode == "read":
        return store.read(q.text, params, timeout_s=timeout_s)
    return store.run(q.text, params, timeout_s=timeout_s)


def to_json(rows: list[dict]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2, default=str)
