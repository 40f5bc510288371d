"""One graph-store API over Neo4j 5 (production) and embedded FalkorDB (default, tests).

Everything that crosses this boundary is a plain Python value: lists of dicts of
str, int, float, bool, None, lists and dicts. Nodes become
``{"_kind": "node", "_labels": [...], **properties}``, relationships
``{"_kind": "relationship", "_type": ..., **properties}`` and paths
``{"_kind": "path", "nodes": [...], "relationships": [...]}``. Internal ids are
never part of a result; use business keys.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import math
import re
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from typing import Any, Protocol

import orjson

from cypher.registry import is_own, record, register
from klynge.config import Settings, load_settings
from klynge.errors import (
    ParameterError,
    QueryError,
    QueryTimeout,
    ReadOnlyViolation,
    ResultTooLarge,
    StoreBusy,
    StoreUnavailable,
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


def _params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    out = {}
    for k, v in (params or {}).items():
        if not isinstance(k, str) or not _NAME.fullmatch(k):
            raise ParameterError(
                f"parameter name {k!r} cannot be sent to the graph store: use ASCII letters, digits and "
                "'_', not starting with a digit")
        out[k] = clean_param(v, 0, f"parameter ${k}")
    return out


def _timeout_message(timeout_s: float) -> str:
    return (
        f"query ran longer than {timeout_s:g} s and was stopped; the limit is "
        "KLYNGE_QUERY_TIMEOUT_S (or the timeout passed by the caller)"
    )


# --------------------------------------------------------------------------- FalkorDB


class FalkorStore:
    """The embedded store: a FalkorDB server started by Klynge on 127.0.0.1.

    Parameters
    ----------
    settings : Klynge settings; ``data_dir``, ``graph_name`` and ``falkordb_port`` are used.
    start : start the server when it is not running (default True).

    Notes
    -----
    Read-only runs use ``GRAPH.RO_QUERY``, which the server refuses for any write.
    FalkorDB applies timeouts to read queries only.
    """

    backend = "falkordb"

    def __init__(self, settings: Settings | None = None, *, start: bool = True) -> None:
        from falkordb import FalkorDB

        from cypher import embedded

        self.settings = settings or load_settings()
        self.graph_key = ("falkordb", str(self.settings.data_dir.resolve()), self.settings.graph_name)
        self.query_stats: dict[str, float] = {"queries": 0, "serialize_s": 0.0, "query_s": 0.0, "sent_bytes": 0}
        """Totals for benchmarks: queries sent, seconds serialising parameters, seconds waiting for
        the server (round trip: its parse and execution plus the transfer), characters sent."""
        if start:
            self.server = embedded.ensure_server(self.settings.data_dir, self.settings.falkordb_port,
                                                 state_dir=self.settings.state_dir,
                                                 limits=embedded.Limits.from_settings(self.settings))
        else:
            info = embedded.read_state(self.settings.data_dir.resolve())
            if info is None:
                raise StoreUnavailable(
                    f"no embedded graph store is running for {self.settings.data_dir}; "
                    "start it with `klynge db start`"
                )
            self.server = info
        try:
            self._db = FalkorDB(host="127.0.0.1", port=self.server.port, password=self.server.password)
            self._graph = self._db.select_graph(self.settings.graph_name)
        except Exception as exc:  # noqa: BLE001 - client raises redis errors of many kinds
            raise StoreUnavailable(f"cannot connect to the embedded graph store on port {self.server.port}: {exc}") from exc
        self._console: _FalkorConsole | None = None
        self._console_lock = threading.Lock()

    # -- queries
    def _exec(self, query: str, params: Mapping[str, Any] | None, timeout_s: float | None,
              read_only: bool) -> list[Row]:
        import redis

        timeout_ms = None if timeout_s is None else max(1, int(timeout_s * 1000))
        record(query)
        t0 = time.perf_counter()
        text = params_header(params) + query
        t1 = time.perf_counter()
        try:
            fn = self._graph.ro_query if read_only else self._graph.query
            result = fn(text, None, timeout=timeout_ms)
        except redis.exceptions.AuthenticationError as exc:
            raise _auth_failed(self.server.port, exc) from exc
        except redis.exceptions.ConnectionError as exc:
            raise StoreUnavailable(
                f"the embedded graph store on port {self.server.port} stopped answering ({exc}); "
                "run the command again to restart it"
            ) from exc
        except redis.exceptions.ResponseError as exc:
            msg = str(exc)
            if read_only and "empty key" in msg.lower() and not getattr(self, "_created", False):
                # a graph that was never written does not exist yet; create it (empty) and read again
                self._graph.query(CREATE_EMPTY_GRAPH)
                self._created = True
                return self._exec(query, params, timeout_s, read_only)
            raise _falkor_error(msg, timeout_s, "KLYNGE_STORE_QUERY_MEMORY_MB") from exc
        st = self.query_stats
        st["queries"] += 1
        st["serialize_s"] += t1 - t0
        st["query_s"] += time.perf_counter() - t1
        st["sent_bytes"] += len(text)
        header = [h[1] if isinstance(h, (list, tuple)) else h for h in (result.header or [])]
        header = [h.decode() if isinstance(h, bytes) else str(h) for h in header]
        return [{k: _falkor_value(v) for k, v in zip(header, row)} for row in result.result_set]

    def run(self, query: str, params: Mapping[str, Any] | None = None, *,
            timeout_s: float | None = None) -> list[Row]:
        """Run a query that may write; returns plain rows."""
        return self._exec(query, params, timeout_s, read_only=False)

    def read(self, query: str, params: Mapping[str, Any] | None = None, *,
             timeout_s: float | None = None) -> list[Row]:
        """Run a query the server guarantees not to write (``GRAPH.RO_QUERY``)."""
        t = self.settings.query_timeout_s if timeout_s is None else timeout_s
        return self._exec(query, params, t, read_only=True)

    def write_batches(self, query: str, rows: Iterable[Mapping[str, Any]], *,
                      batch_size: int | None = None) -> int:
        """Run ``query`` once per batch with ``$rows`` bound to the batch; returns rows sent."""
        n = 0
        for batch in chunks(rows, batch_size or self.settings.write_batch_size):
            self.run(query, {"rows": batch})
            n += len(batch)
        return n

    def console_read(self, query: str, params: Mapping[str, Any] | None = None, *, timeout_s: float,
                     max_rows: int, max_bytes: int) -> BoundedRows:
        """Run an analyst's read-only query with every bound the console needs (see :class:`BoundedRows`).

        On the console's replica of the store (``KLYNGE_CONSOLE_REPLICA``, default; see
        :func:`cypher.embedded.ensure_console_replica`) when there is one, else on this server. The
        replica is first let catch up with every write this server acknowledged before the call, so the
        console sees what the app sees. The query runs as ``GRAPH.RO_QUERY`` with the server-side
        timeout; the server returns at most its ``RESULTSET_SIZE`` rows; the reply is waited for at most
        ``timeout_s`` + :data:`CONSOLE_GRACE_S` seconds, after which the connection is closed and never
        reused (a late reply must not reach the next query); rows are converted until ``max_rows`` or
        ``max_bytes`` is reached.

        Raises
        ------
        ParameterError
            When a parameter cannot be sent (before anything is sent).
        QueryTimeout
            When the server stops the query at its limit, or no reply came in time.
        ResultTooLarge
            When the reply, or its first row alone, is larger than the byte cap.
        QueryError, ReadOnlyViolation, StoreUnavailable
            As :meth:`read`; ``StoreBusy`` when the replica's queue of waiting queries is full.
        """
        record(query)
        deadline = time.monotonic() + max(0.001, float(timeout_s))
        text = params_header(params) + query
        console = self._console_target()
        return console.read(text, deadline, max_rows=max_rows, max_bytes=max_bytes)

    def _console_target(self) -> _FalkorConsole:
        with self._console_lock:
            if self._console is None or not self._console.alive():
                from cypher import embedded

                if self._console is not None:
                    self._console.close()
                if self.settings.console_replica:
                    info = embedded.ensure_console_replica(self.server, embedded.Limits.from_settings(self.settings))
                else:
                    info = self.server
                self._console = _FalkorConsole(self, info, replica=bool(self.settings.console_replica))
            return self._console

    def command(self, *args: Any) -> Any:
        """A raw server command (schema DDL and status only)."""
        import redis

        try:
            return self._db.connection.execute_command(*args)
        except redis.exceptions.ResponseError as exc:
            raise QueryError(f"{args[0]} failed on FalkorDB: {exc}") from exc

    # -- schema, status
    def init_schema(self) -> list[str]:
        from cypher import schema

        return schema.apply(self)

    def version(self) -> str:
        mods = self.command("MODULE", "LIST")
        for m in mods:
            d = {(k.decode() if isinstance(k, bytes) else k): v for k, v in zip(m[::2], m[1::2])}
            name = d.get("name")
            name = name.decode() if isinstance(name, bytes) else name
            if name and name.lower() in ("graph", "falkordb"):
                ver = int(d.get("ver", 0))
                return f"{ver // 10000}.{ver // 100 % 100}.{ver % 100}"
        return "unknown"

    def counts(self) -> dict[str, dict[str, int]]:
        return counts_from(self)

    def health(self) -> dict[str, Any]:
        return health_of(self, graph=self.settings.graph_name, port=self.server.port,
                         data_dir=str(self.settings.data_dir))

    def wipe(self) -> None:
        """Delete the whole graph with its indexes and constraints."""
        import redis

        try:
            self._graph.delete()
        except redis.exceptions.ResponseError as exc:
            if "empty key" not in str(exc).lower() and "invalid graph" not in str(exc).lower():
                raise QueryError(f"wiping graph {self.settings.graph_name} failed: {exc}") from exc
        self._graph = self._db.select_graph(self.settings.graph_name)

    def close(self) -> None:
        if self._console is not None:
            self._console.close()
        try:
            self._db.connection.close()
        except Exception:  # noqa: BLE001 - closing a dead connection is fine
            pass


#: Seconds a console query's reply is waited for beyond its limit before its connection is closed
#: (FalkorDB checks its timeout between rows, so one long expression can outlive the limit).
CONSOLE_GRACE_S = 1.0


def _auth_failed(port: int, exc: Exception) -> StoreUnavailable:
    return StoreUnavailable(
        f"the embedded graph store on port {port} refused Klynge's password ({exc}); it was started with "
        "another password file: stop it (`klynge db stop`) and run the command again")


def _falkor_error(msg: str, timeout_s: float | None, memory_setting: str) -> QueryError:
    """The Klynge error for a FalkorDB error reply."""
    low = msg.lower()
    if "timed out" in low or "timeout" in low:
        return QueryTimeout(_timeout_message(timeout_s or 0))
    if "read-only" in low or "read only" in low:
        return ReadOnlyViolation(f"the query writes to the graph, but this run is read-only (the store refused it: {msg})")
    if "mem consumption exceeded" in low:
        return QueryError(f"the query needed more memory than one query may take ({memory_setting}) and was "
                          f"stopped; narrow it or return less ({msg})")
    if "maxmemory" in low or low.startswith("oom"):
        return QueryError(f"the graph store is full: it holds KLYNGE_STORE_MEMORY_MB of data and refuses to grow "
                          f"({msg}); raise the setting and restart the store (`klynge db stop`)")
    if "max pending queries" in low:
        return StoreBusy(f"the graph store has too many queries waiting ({msg}); try again shortly")
    return QueryError(f"query failed on FalkorDB: {msg}")


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


class _FalkorConsole:
    """Connections for console reads: to the console's replica (or the main server), each read with a deadline."""

    def __init__(self, store: FalkorStore, info: Any, *, replica: bool) -> None:
        import redis
        from falkordb import FalkorDB

        self.store, self.info, self.replica = store, info, replica
        self.limits = dict(getattr(info, "limits", None) or {})
        self.pool = redis.ConnectionPool(host="127.0.0.1", port=info.port, password=info.password,
                                         decode_responses=True, socket_connect_timeout=5)
        self._db = FalkorDB(connection_pool=self.pool)
        self.graph = self._db.select_graph(store.settings.graph_name)

    def alive(self) -> bool:
        from cypher import embedded

        if not self.replica:
            return True
        return embedded._pid_is_our_server(self.info.pid, self.info.data_dir)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.pool.disconnect()

    def _rows_at_least(self, rows: int) -> None:
        """Raise the replica's RESULTSET_SIZE when this process's row cap needs more (it was started by a
        process with a smaller one); it only ever grows, and every process cuts at its own cap."""
        have = int(self.limits.get("rows") or 0)
        if not self.replica or have >= rows:
            return
        with contextlib.suppress(Exception):
            current = int(self._db.connection.execute_command("GRAPH.CONFIG", "GET", "RESULTSET_SIZE")[1])
            if current < rows:
                self._db.connection.execute_command("GRAPH.CONFIG", "SET", "RESULTSET_SIZE", rows)
            self.limits["rows"] = max(rows, current)

    def _caught_up(self, deadline: float) -> None:
        """Wait (at most until ``deadline``, and 2 s) until the replica has every write the server acknowledged."""
        if not self.replica:
            return
        try:
            target = int(self.store._db.connection.execute_command("ROLE")[1])
        except Exception:  # noqa: BLE001 - an old server without ROLE rights: read what the replica has
            return
        until = min(deadline, time.monotonic() + 2.0)
        conn = self.pool.get_connection()
        try:
            while True:
                conn.send_command("ROLE")
                role = conn.read_response(timeout=max(0.05, until - time.monotonic()))
                if str(role[3]) == "connected" and int(role[4]) >= target:
                    return
                if time.monotonic() >= until:
                    return  # it lags (a big load under way): read what it has
                time.sleep(0.01)
        except BaseException:
            conn.disconnect()
            raise
        finally:
            self.pool.release(conn)

    def read(self, text: str, deadline: float, *, max_rows: int, max_bytes: int) -> BoundedRows:
        import redis
        from falkordb.query_result import QueryResult

        limit_s = max(0.001, deadline - time.monotonic())
        try:
            self._caught_up(deadline)
        except redis.exceptions.RedisError:
            pass  # the read below reports a replica that is gone
        remaining = max(0.001, deadline - time.monotonic())
        ms = max(1, int(remaining * 1000))
        self._rows_at_least(max_rows + 1)
        conn = self.pool.get_connection()
        try:
            conn.send_command("GRAPH.RO_QUERY", self.store.settings.graph_name, text, "--compact", "timeout", ms)
            # past the deadline the reply is no longer waited for: the connection is closed (redis-py
            # disconnects on a read timeout) so a late reply can never be read by another query
            raw = conn.read_response(timeout=remaining + CONSOLE_GRACE_S)
        except redis.exceptions.TimeoutError as exc:
            conn.disconnect()
            raise QueryTimeout(_timeout_message(limit_s)) from exc
        except redis.exceptions.AuthenticationError as exc:
            conn.disconnect()
            raise _auth_failed(self.info.port, exc) from exc
        except redis.exceptions.ConnectionError as exc:
            conn.disconnect()
            if self.replica and self.alive():
                raise ResultTooLarge(
                    f"the result is larger than the console's store sends in one answer "
                    f"({self.limits.get('reply_mb', '?')} MB, from KLYNGE_CONSOLE_MAX_BYTES); return fewer or "
                    "smaller values") from exc
            raise StoreUnavailable(f"the console's graph store on port {self.info.port} stopped answering ({exc}); "
                                   "run the query again to restart it") from exc
        except redis.exceptions.ResponseError as exc:
            msg = str(exc)
            if "empty key" in msg.lower() or "invalid graph" in msg.lower():
                return BoundedRows([], False, None, 0)  # a graph that was never written reads as empty
            raise _falkor_error(msg, limit_s, "KLYNGE_CONSOLE_MEMORY_MB") from exc
        except BaseException:
            conn.disconnect()  # whatever interrupted the read, the reply may still come: never reuse it
            raise
        finally:
            self.pool.release(conn)
        result = QueryResult(self.graph, raw)
        header = [h[1] if isinstance(h, (list, tuple)) else h for h in (result.header or [])]
        header = [h.decode() if isinstance(h, bytes) else str(h) for h in header]
        rows = ({k: _falkor_value(v) for k, v in zip(header, row)} for row in result.result_set)
        return bound_rows(rows, max_rows, max_bytes)


_PLAIN = (str, int, float, bool, type(None))


def _falkor_value(v: Any) -> Any:
    if isinstance(v, _PLAIN):  # the common case, first
        return v
    from falkordb import Edge, Node, Path

    if isinstance(v, Node):
        return {"_kind": "node", "_labels": list(v.labels or []),
                **{k: _falkor_value(x) for k, x in v.properties.items()}}
    if isinstance(v, Edge):
        return {"_kind": "relationship", "_type": v.relation,
                **{k: _falkor_value(x) for k, x in v.properties.items()}}
    if isinstance(v, Path):
        return {"_kind": "path", "nodes": [_falkor_value(n) for n in v.nodes()],
                "relationships": [_falkor_value(e) for e in v.edges()]}
    if isinstance(v, Mapping):
        return {str(k): _falkor_value(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_falkor_value(x) for x in v]
    if isinstance(v, (_dt.date, _dt.datetime, _dt.time)):
        return v.isoformat()
    if isinstance(v, bytes):
        return v.decode("utf-8", errors="replace")
    return v


# --------------------------------------------------------------------------- Neo4j


class Neo4jStore:
    """Neo4j 5 through the official driver, with managed transactions (retried on transient errors).

    Read-only runs (:meth:`read`) run in READ transactions; a text that is not Klynge's own is first
    classified with ``EXPLAIN`` and runs only when its plan is read-only (query type ``r``).
    """

    backend = "neo4j"

    def __init__(self, settings: Settings | None = None) -> None:
        import neo4j

        self.settings = settings or load_settings()
        if not self.settings.neo4j_uri:
            raise StoreUnavailable("NEO4J_URI is not set")
        self.graph_key = ("neo4j", self.settings.neo4j_uri, self.settings.neo4j_database)
        self._neo4j = neo4j
        self._driver = self._connect()

    def _connect(self) -> Any:
        """A driver that has reached the database, waiting up to ``KLYNGE_NEO4J_WAIT_S`` for a server
        that is starting (or recovering); a refused password fails at once."""
        neo4j = self._neo4j
        st = self.settings
        quiet = [neo4j.NotificationDisabledClassification.UNRECOGNIZED,  # optional properties not yet in the graph
                 neo4j.NotificationDisabledClassification.HINT, neo4j.NotificationDisabledClassification.PERFORMANCE]
        try:
            driver = neo4j.GraphDatabase.driver(st.neo4j_uri, auth=(st.neo4j_username, st.neo4j_password or ""),
                                                user_agent="klynge", connection_timeout=5.0,
                                                notifications_disabled_classifications=quiet)
        except Exception as exc:  # noqa: BLE001 - a malformed URI and the like
            raise StoreUnavailable(f"cannot use NEO4J_URI={st.neo4j_uri!r}: {exc}") from exc
        deadline = time.monotonic() + st.neo4j_wait_s
        told = False
        while True:
            try:
                with driver.session(database=st.neo4j_database, default_access_mode=neo4j.READ_ACCESS) as s:
                    s.run(NEO4J_PING).consume()
                return driver
            except neo4j.exceptions.AuthError as exc:
                driver.close()
                raise StoreUnavailable(
                    f"Neo4j at {st.neo4j_uri} refused user {st.neo4j_username}'s password ({exc.message}); "
                    "check NEO4J_USERNAME and NEO4J_PASSWORD (for the local Neo4j: "
                    'eval "$(klynge neo4j start)" sets them)') from exc
            except (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.SessionExpired,
                    neo4j.exceptions.TransientError, OSError) as exc:
                if time.monotonic() >= deadline:
                    driver.close()
                    raise StoreUnavailable(
                        f"Neo4j at {st.neo4j_uri} did not answer within {st.neo4j_wait_s:g} s ({exc}); is it "
                        "running? (the local one: `klynge neo4j start`; the limit is KLYNGE_NEO4J_WAIT_S)") from exc
                if not told:
                    print(f"klynge: waiting for Neo4j at {st.neo4j_uri} to answer", file=sys.stderr)
                    told = True
                time.sleep(0.5)
            except Exception as exc:  # noqa: BLE001 - the driver raises many kinds
                driver.close()
                raise StoreUnavailable(
                    f"cannot use Neo4j at {st.neo4j_uri} (database {st.neo4j_database}): {exc}; "
                    "check NEO4J_URI and NEO4J_DATABASE") from exc

    @property
    def driver(self) -> Any:
        """The driver, for the GDS client in :mod:`cypher.gds` only."""
        return self._driver

    def _session(self, read: bool) -> Any:
        mode = self._neo4j.READ_ACCESS if read else self._neo4j.WRITE_ACCESS
        return self._driver.session(database=self.settings.neo4j_database, default_access_mode=mode)

    @contextmanager
    def _errors(self, timeout_s: float | None = None) -> Iterator[None]:
        """Every driver call runs inside this: the driver's errors become Klynge's, with their cause named."""
        exceptions = self._neo4j.exceptions
        try:
            yield
        except exceptions.ClientError as exc:
            code = exc.code or ""
            if "TransactionTimedOut" in code or "Timeout" in code:
                raise QueryTimeout(_timeout_message(timeout_s or 0)) from exc
            if "ForbiddenDueToTransactionType" in code or "AccessMode" in code:
                raise ReadOnlyViolation(f"the query writes, but this run is read-only: {exc.message}") from exc
            if "ConstraintValidationFailed" in code:
                raise QueryError(f"unique constraint violated on Neo4j: {exc.message}") from exc
            raise QueryError(f"query failed on Neo4j ({code}): {exc.message}") from exc
        except (exceptions.ServiceUnavailable, exceptions.SessionExpired) as exc:
            raise StoreUnavailable(
                f"Neo4j at {self.settings.neo4j_uri} stopped answering ({exc}); run the command again once it "
                "is back (the local one: `klynge neo4j start`)") from exc

    def _tx(self, query: str, params: dict[str, Any], timeout_s: float | None, read: bool) -> list[Row]:
        record(query)

        @self._neo4j.unit_of_work(timeout=timeout_s)
        def work(tx: Any) -> list[Row]:
            result = tx.run(query, params)
            return [{k: _neo4j_value(v) for k, v in rec.items()} for rec in result]

        with self._errors(timeout_s), self._session(read) as s:
            return s.execute_read(work) if read else s.execute_write(work)

    def query_type(self, query: str, params: Mapping[str, Any] | None = None) -> str:
        """Neo4j's own classification of a query: ``r``, ``rw``, ``w`` or ``s`` (schema)."""
        with self._errors(), self._session(True) as s:
            summary = s.run("EXPLAIN " + query, _params(params)).consume()
        return str(summary.query_type)

    def run(self, query: str, params: Mapping[str, Any] | None = None, *,
            timeout_s: float | None = None) -> list[Row]:
        return self._tx(query, _params(params), timeout_s, read=False)

    def read(self, query: str, params: Mapping[str, Any] | None = None, *,
             timeout_s: float | None = None) -> list[Row]:
        """Run a query in a READ transaction, which the server refuses to let write.

        Any text that is not Klynge's own statement (the console's, ad-hoc ``klynge query --cypher``) is
        first classified with ``EXPLAIN`` and runs only when Neo4j calls it read-only (``r``): a second
        wall, which also refuses DBMS procedures. Klynge's own statements (registered or query files)
        skip that round trip.
        """
        p = _params(params)
        if not is_own(query):
            qt = self.query_type(query, p)
            if qt != "r":
                raise ReadOnlyViolation(
                    f"Neo4j classifies this query as '{qt}' (not read-only), so it was not run"
                )
        t = self.settings.query_timeout_s if timeout_s is None else timeout_s
        return self._tx(query, p, t, read=True)

    def write_batches(self, query: str, rows: Iterable[Mapping[str, Any]], *,
                      batch_size: int | None = None) -> int:
        n = 0
        for batch in chunks(rows, batch_size or self.settings.write_batch_size):
            self._tx(query, {"rows": [clean_param(r) for r in batch]}, None, read=False)
            n += len(batch)
        return n

    def init_schema(self) -> list[str]:
        from cypher import schema

        return schema.apply(self)

    def version(self) -> str:
        # a DBMS procedure (EXPLAIN classifies it 's'), read in a READ transaction without the check
        rows = self._tx(NEO4J_VERSION, {}, self.settings.query_timeout_s, read=True)
        return " ".join(f"{r['name']} {r['versions'][0]} {r['edition']}" for r in rows)

    def counts(self) -> dict[str, dict[str, int]]:
        return counts_from(self)

    def health(self) -> dict[str, Any]:
        return health_of(self, database=self.settings.neo4j_database)

    def wipe(self) -> None:
        """Delete every node and relationship, 10,000 nodes per transaction (constraints and indexes stay)."""
        while self._tx(NEO4J_WIPE, {"batch": 10_000}, None, read=False)[0]["deleted"]:
            pass

    def close(self) -> None:
        self._driver.close()

    # -- the analysts' console: its bounds on Neo4j (cypher.console.run_console) -----------------------
    def console_read(self, query: str, params: Mapping[str, Any] | None = None, *, timeout_s: float,
                     max_rows: int, max_bytes: int) -> BoundedRows:
        """An analyst's read-only query with the console's bounds (see :meth:`FalkorStore.console_read`).

        Classified read-only with ``EXPLAIN`` first, then run in a READ transaction whose timeout is
        ``timeout_s`` (Neo4j's ``db.transaction.timeout`` for this transaction), fetched
        ``max_rows`` + 1 records at a time and read no further than that (the transaction is then
        rolled back, so Neo4j stops producing rows), rows kept up to ``max_bytes``. The memory a
        transaction may take is the server's ``db.memory.transaction.max``.
        """
        neo4j = self._neo4j
        p = _params(params)
        qt = self.query_type(query, p)
        if qt != "r":
            raise ReadOnlyViolation(f"Neo4j classifies this query as '{qt}' (not read-only), so it was not run")
        record(query)
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                with self._errors(timeout_s), self._driver.session(
                        database=self.settings.neo4j_database, default_access_mode=neo4j.READ_ACCESS,
                        fetch_size=max(1, min(max_rows + 1, 1000))) as session:
                    tx = session.begin_transaction(timeout=max(0.001, float(timeout_s)))
                    try:
                        result = tx.run(query, p)
                        outcome["rows"] = bound_rows(({k: _neo4j_value(v) for k, v in rec.items()} for rec in result),
                                                     max_rows, max_bytes)
                    finally:
                        tx.close()  # rolls back: the server stops producing the rest
            except neo4j.exceptions.TransientError as exc:
                if "MemoryPoolOutOfMemory" in (exc.code or ""):
                    outcome["error"] = QueryError(f"the query needed more memory than one transaction may take "
                                                  f"(db.memory.transaction.max) and was stopped: {exc.message}")
                else:
                    outcome["error"] = QueryError(f"query failed on Neo4j ({exc.code}): {exc.message}")
            except BaseException as exc:  # noqa: BLE001 - handed to the caller below
                outcome["error"] = exc

        # Neo4j, like FalkorDB, checks the transaction's time limit between steps, not inside one long
        # expression: the caller stops waiting at the limit plus CONSOLE_GRACE_S; the thread closes its own
        # session when the server is done.
        worker = threading.Thread(target=work, name="klynge-console-neo4j", daemon=True)
        worker.start()
        worker.join(max(0.001, float(timeout_s)) + CONSOLE_GRACE_S)
        if worker.is_alive():
            raise QueryTimeout(_timeout_message(timeout_s))
        if "error" in outcome:
            raise outcome["error"]
        return outcome["rows"]

def _neo4j_value(v: Any) -> Any:
    import neo4j.graph as g
    import neo4j.time as nt

    if isinstance(v, g.Node):
        return {"_kind": "node", "_labels": sorted(v.labels), **{k: _neo4j_value(x) for k, x in v.items()}}
    if isinstance(v, g.Relationship):
        return {"_kind": "relationship", "_type": v.type, **{k: _neo4j_value(x) for k, x in v.items()}}
    if isinstance(v, g.Path):
        return {"_kind": "path", "nodes": [_neo4j_value(n) for n in v.nodes],
                "relationships": [_neo4j_value(r) for r in v.relationships]}
    if isinstance(v, (nt.Date, nt.DateTime, nt.Time, nt.Duration)):
        return v.iso_format()
    if isinstance(v, Mapping):
        return {str(k): _neo4j_value(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_neo4j_value(x) for x in v]
    return v


# --------------------------------------------------------------------------- factory


def open_store(config: Mapping[str, Any] | Settings | None = None, *, start: bool = True) -> GraphStore:
    """Open the configured store: Neo4j when ``NEO4J_URI`` is set, else the embedded FalkorDB.

    Parameters
    ----------
    config : a :class:`Settings`, or a mapping of overrides for :func:`klynge.config.load_settings`.
    start : for the embedded store, start its server when needed.

    Raises
    ------
    StoreUnavailable
        When the store cannot be reached or started; the message says what to set.
    """
    settings = config if isinstance(config, Settings) else load_settings(config)
    if settings.backend == "neo4j":
        return Neo4jStore(settings)
    return FalkorStore(settings, start=start)
