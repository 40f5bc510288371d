"""What both graph stores share: the :class:`GraphStore` protocol (whose results are plain Python values, see
:mod:`cypher.store`), parameter checks and literals, counts, health and bounded console rows."""

from __future__ import annotations

import datetime as _dt
import math
import re
import time
from dataclasses import dataclass
from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from typing import Any, Protocol

import orjson

from cypher.registry import register
from klynge.config import Settings
from klynge.errors import (
    ParameterError,
    ResultTooLarge,
)

Row = dict[str, Any]

COUNT_NODES = register("cypher.store.count_nodes", "MATCH (n) RETURN count(n) AS c")
COUNT_RELS = register("cypher.store.count_rels", "MATCH ()-[r]->() RETURN count(r) AS c")
def _count_queries() -> tuple[dict[str, str], dict[str, str]]:
    from cypher.schema.model import all_labels, all_rel_types

    labels = {lab: register(f"cypher.store.count.{lab}", f"MATCH (n:{lab}) RETURN count(n) AS c")
              for lab in all_labels()}
    types = {t: register(f"cypher.store.count.{t}", f"MATCH ()-[r:{t}]->() RETURN count(r) AS c")
             for t in all_rel_types()}
    return labels, types


# one query per label and type of the model: both stores answer these from their counts, without a scan
LABEL_COUNT_QUERIES, TYPE_COUNT_QUERIES = _count_queries()


def counts_from(store: Any) -> dict[str, dict[str, int]]:
    """Nodes per label and relationships per type of the model (only those with data)."""
    labels = {lab: int(store.read(q)[0]["c"]) for lab, q in LABEL_COUNT_QUERIES.items()}
    types = {t: int(store.read(q)[0]["c"]) for t, q in TYPE_COUNT_QUERIES.items()}
    return {"labels": {k: v for k, v in sorted(labels.items()) if v},
            "relationships": {k: v for k, v in sorted(types.items()) if v}}


CREATE_EMPTY_GRAPH = register("cypher.store.create_empty_graph", "RETURN 0 AS created", dialect="falkordb")
NEO4J_VERSION = register(
    "cypher.store.neo4j_version",
    "CALL dbms.components() YIELD name, versions, edition RETURN name, versions, edition",
    dialect="neo4j",
)
NEO4J_PING = register("cypher.store.neo4j_ping", "RETURN 1 AS ok", dialect="neo4j")
NEO4J_WIPE = register(
    "cypher.store.neo4j_wipe",
    "MATCH (n) WITH n LIMIT $batch DETACH DELETE n RETURN count(*) AS deleted",
    dialect="neo4j",
)


def health_of(store: Any, **details: Any) -> dict[str, Any]:
    """Backend, version, node and relationship totals and the round-trip time, plus backend details."""
    t0 = time.perf_counter()
    nodes = store.read(COUNT_NODES)[0]["c"]
    rels = store.read(COUNT_RELS)[0]["c"]
    return {"ok": True, "backend": store.backend, "version": store.version(), **details,
            "nodes": nodes, "relationships": rels, "latency_ms": round((time.perf_counter() - t0) * 1000, 2)}


class GraphStore(Protocol):
    """The API every backend offers."""

    backend: str
    settings: Settings
    graph_key: tuple[str, ...]
    """Which graph the store reaches, the same for every store opened on it (a cache key that,
    unlike ``id(store)``, is never reused by a later store on another graph)."""

    def run(self, query: str, params: Mapping[str, Any] | None = None, *,
            timeout_s: float | None = None) -> list[Row]: ...

    def read(self, query: str, params: Mapping[str, Any] | None = None, *,
             timeout_s: float | None = None) -> list[Row]: ...

    def write_batches(self, query: str, rows: Iterable[Mapping[str, Any]], *,
                      batch_size: int | None = None) -> int: ...

    def console_read(self, query: str, params: Mapping[str, Any] | None = None, *, timeout_s: float,
                     max_rows: int, max_bytes: int) -> BoundedRows:
        """An analyst's read-only query, bounded in time, rows, bytes and memory (the console's path)."""
        ...

    def init_schema(self) -> list[str]: ...

    def health(self) -> dict[str, Any]: ...

    def counts(self) -> dict[str, dict[str, int]]: ...

    def wipe(self) -> None: ...

    def version(self) -> str: ...

    def close(self) -> None: ...


def chunks(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Split an iterable into lists of at most ``size`` items."""
    it = iter(rows)
    while True:
        batch = list(islice(it, size))
        if not batch:
            return
        yield batch


#: Deepest nesting of lists and maps in one parameter value; deeper values are refused (ParameterError).
MAX_PARAM_DEPTH = 32
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _refuse(what: str, why: str) -> ParameterError:
    return ParameterError(f"{what} cannot be sent to the graph store: {why}")


def _check_text(v: str, where: str) -> str:
    if "\0" in v:
        raise _refuse(where, "it contains a NUL character (\\u0000), which the stores cannot keep in a text; "
                             "remove it")
    return v


def _check_int(v: int, where: str) -> int:
    if not INT64_MIN <= v <= INT64_MAX:
        raise _refuse(where, f"the integer {v} is outside the 64-bit range the stores hold "
                             f"({INT64_MIN} to {INT64_MAX})")
    return v


def _check_key(k: Any, where: str) -> str:
    k = str(k)
    if not k or "`" in k or "\0" in k:
        raise _refuse(where, f"map key {k!r} is empty or holds a backtick or NUL character, "
                             "which FalkorDB cannot read")
    return k


def clean_param(value: Any, _depth: int = 0, _where: str = "a parameter value") -> Any:
    """Make a parameter portable: dates become ISO strings, NaN/inf become None, tuples lists,
    numpy scalars and subclasses of str/int/float plain values.

    Raises
    ------
    ParameterError
        For a text with a NUL character, an integer outside 64 bits, a map key that is empty or
        holds a backtick, nesting deeper than :data:`MAX_PARAM_DEPTH`, or a value of another type.
    """
    if _depth > MAX_PARAM_DEPTH:
        raise _refuse(_where, f"lists and maps are nested deeper than {MAX_PARAM_DEPTH} levels")
    if isinstance(value, bool) or value is None:
        return value if value is None or type(value) is bool else bool(value)
    if isinstance(value, str):
        return _check_text(str(value), _where)
    if isinstance(value, int):
        return _check_int(int(value), _where)
    if isinstance(value, float):
        v = float(value)
        return None if (math.isnan(v) or math.isinf(v)) else v
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {_check_key(k, _where): clean_param(v, _depth + 1, _where) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [clean_param(v, _depth + 1, _where) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        try:
            plain = value.item()
        except (TypeError, ValueError) as exc:  # a numpy array of several values
            raise _refuse(_where, f"a {type(value).__name__} is not a single value ({exc}); pass a list") from exc
        if plain is not value and type(plain) in (bool, int, float, str, type(None)):
            return clean_param(plain, _depth, _where)
    if isinstance(value, bytes):
        raise _refuse(_where, "bytes are not a graph value; decode them to text first")
    raise _refuse(_where, f"a value of type {type(value).__name__} is not a graph value "
                          "(use text, numbers, booleans, null, dates, lists and maps)")


_INF = float("inf")


def cypher_literal(v: Any, _depth: int = 0) -> str:
    """A parameter value as FalkorDB's ``CYPHER name=value`` header text, in one pass.

    Strings are double-quoted with backslash and quote escaped (as the falkordb
    client does); map keys are back-quoted; NaN and infinities become null; dates
    become ISO strings. This is the loaders' hot path, so plain types come first.
    What FalkorDB's header reader would misread is refused (:class:`ParameterError`,
    see :func:`clean_param`) instead of being sent: the server would otherwise drop every
    parameter of the query and answer "Missing parameters", or clamp a big integer.
    """
    t = type(v)
    if t is str:
        if "\0" in v:
            _check_text(v, "a parameter value")
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if v is None:
        return "null"
    if t is bool:
        return "true" if v else "false"
    if t is int:
        if not INT64_MIN <= v <= INT64_MAX:
            _check_int(v, "a parameter value")
        return str(v)
    if t is float:
        return "null" if (v != v or v == _INF or v == -_INF) else repr(v)
    if _depth >= MAX_PARAM_DEPTH:
        clean_param(v, MAX_PARAM_DEPTH + 1)  # raises
    if t is dict:
        parts = []
        for k, x in v.items():
            k = _check_key(k, "a parameter value")
            parts.append(f"`{k}`:{cypher_literal(x, _depth + 1)}")
        return "{" + ",".join(parts) + "}"
    if t is list or t is tuple:
        return "[" + ",".join([cypher_literal(x, _depth + 1) for x in v]) + "]"
    return cypher_literal(clean_param(v, _depth), _depth)


#: 19 or more digits in a row: perhaps an integer beyond 64 bits, which orjson writes and FalkorDB would
#: clamp; such a batch takes the value-by-value path, which checks each integer
_LONG_DIGITS = re.compile(rb"\d{19,}")
_ORJSON_OPTS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS


def _list_literal(v: list[Any] | tuple[Any, ...]) -> str:
    """A list parameter (a load batch) as Cypher literal text.

    A list of lists, strings, numbers, booleans and nulls is written by ``orjson``
    in C: its JSON is the Cypher literal FalkorDB reads (``\\n``, ``\\t``, ``\\"``,
    ``\\\\`` escapes are understood, non-ASCII is sent as UTF-8, NaN becomes null).
    Anything else falls back to :func:`cypher_literal`: maps (JSON quotes keys, Cypher
    back-quotes them), ``\\u`` escapes (FalkorDB does not decode them; they stand for
    control characters, and NUL is refused there), integers beyond 64 bits, deep nesting,
    dates and other types orjson would not write the same way.
    """
    try:
        b = orjson.dumps(v, option=_ORJSON_OPTS)
    except TypeError:  # orjson.JSONEncodeError: a date, set, big int, numpy value, deep nesting …
        return cypher_literal(list(v))
    if b"{" in b or b"\\u" in b or _LONG_DIGITS.search(b):
        return cypher_literal(list(v))
    return b.decode()


def params_header(params: Mapping[str, Any] | None) -> str:
    """The ``CYPHER a=… b=… `` prefix FalkorDB reads parameters from.

    Raises
    ------
    ParameterError
        When a name is not a plain ASCII identifier (FalkorDB's header reader stops at the first
        other character and drops every parameter) or a value cannot be sent (:func:`clean_param`).
    """
    if not params:
        return ""
    parts = []
    for k, v in params.items():
        if not isinstance(k, str) or not _NAME.fullmatch(k):
            raise ParameterError(
                f"parameter name {k!r} cannot be sent to the graph store: use ASCII letters, digits and "
                "'_', not starting with a digit")
        t = type(v)
        try:
            parts.append(f"{k}={_list_literal(v) if t is list or t is tuple else cypher_literal(v)}")
        except ParameterError as exc:
            raise ParameterError(f"parameter ${k}: {exc}") from exc
        except RecursionError as exc:  # pragma: no cover - MAX_PARAM_DEPTH stops nesting long before
            raise ParameterError(f"parameter ${k} is nested too deeply to send") from exc
    return "CYPHER " + " ".join(parts) + " "


def query_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    out = {}
    for k, v in (params or {}).items():
        if not isinstance(k, str) or not _NAME.fullmatch(k):
            raise ParameterError(
                f"parameter name {k!r} cannot be sent to the graph store: use ASCII letters, digits and "
                "'_', not starting with a digit")
        out[k] = clean_param(v, 0, f"parameter ${k}")
    return out


def timeout_message(timeout_s: float) -> str:
    return (
        f"query ran longer than {timeout_s:g} s and was stopped; the limit is "
        "KLYNGE_QUERY_TIMEOUT_S (or the timeout passed by the caller)"
    )


CONSOLE_GRACE_S = 1.0


@dataclass(frozen=True)
class BoundedRows:
    """A console read's rows with what cut them.

    Attributes
    ----------
    rows : at most ``max_rows`` rows of at most ``max_bytes`` bytes (as compact JSON) in all.
    truncated : whether the query returned more than was kept.
    cut : ``"rows"`` (the row cap), ``"bytes"`` (the byte cap) or None.
    size : the bytes of the kept rows, as compact JSON.
    """

    rows: list[Row]
    truncated: bool
    cut: str | None
    size: int


def _row_size(row: Row) -> int:
    return len(orjson.dumps(row, default=str, option=orjson.OPT_NON_STR_KEYS))


def bound_rows(rows: Iterable[Row], max_rows: int, max_bytes: int) -> BoundedRows:
    """Keep rows until ``max_rows`` or ``max_bytes`` (compact JSON) is reached; see :class:`BoundedRows`.

    Raises
    ------
    ResultTooLarge
        When the first row alone is larger than ``max_bytes``.
    """
    kept: list[Row] = []
    size = 0
    for row in rows:
        if len(kept) >= max_rows:
            return BoundedRows(kept, True, "rows", size)
        n = _row_size(row)
        if size + n > max_bytes:
            if not kept:
                raise ResultTooLarge(
                    f"one row of the result is {n:,} bytes, more than a console answer may carry ({max_bytes:,} "
                    "bytes, KLYNGE_CONSOLE_MAX_BYTES); return smaller values (e.g. substring() or size())")
            return BoundedRows(kept, True, "bytes", size)
        kept.append(row)
        size += n
    return BoundedRows(kept, False, None, size)


