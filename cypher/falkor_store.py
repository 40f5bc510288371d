"""The embedded FalkorDB store (the default; started by Klynge on loopback)."""

from __future__ import annotations

import contextlib
import datetime as _dt
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from cypher.registry import record
from cypher.storebase import (
    CONSOLE_GRACE_S,
    CREATE_EMPTY_GRAPH,
    BoundedRows,
    Row,
    bound_rows,
    chunks,
    counts_from,
    health_of,
    params_header,
    timeout_message,
)
from klynge.config import ENV, Settings, load_settings
from klynge.errors import (
    QueryError,
    QueryTimeout,
    ReadOnlyViolation,
    ResultTooLarge,
    StoreBusy,
    StoreUnavailable,
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
            raise _falkor_error(msg, timeout_s, ENV["store_query_memory_mb"]) from exc
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
def _auth_failed(port: int, exc: Exception) -> StoreUnavailable:
    return StoreUnavailable(
        f"the embedded graph store on port {port} refused Klynge's password ({exc}); it was started with "
        "another password file: stop it (`klynge db stop`) and run the command again")


def _falkor_error(msg: str, timeout_s: float | None, memory_setting: str) -> QueryError:
    """The Klynge error for a FalkorDB error reply."""
    low = msg.lower()
    if "timed out" in low or "timeout" in low:
        return QueryTimeout(timeout_message(timeout_s or 0))
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
        from cypher import redis_process

        if not self.replica:
            return True
        return redis_process.pid_is_our_server(self.info.pid, self.info.data_dir)

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
            raise QueryTimeout(timeout_message(limit_s)) from exc
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
            raise _falkor_error(msg, limit_s, ENV["console_memory_mb"]) from exc
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


