"""The Neo4j 5 store (production), through the official driver."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from cypher.registry import is_own, record
from cypher.storebase import (
    CONSOLE_GRACE_S,
    NEO4J_PING,
    NEO4J_VERSION,
    NEO4J_WIPE,
    BoundedRows,
    Row,
    bound_rows,
    chunks,
    clean_param,
    counts_from,
    health_of,
    query_params,
    timeout_message,
)
from klynge.config import Settings, load_settings
from klynge.errors import (
    QueryError,
    QueryTimeout,
    ReadOnlyViolation,
    StoreUnavailable,
)

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
                raise QueryTimeout(timeout_message(timeout_s or 0)) from exc
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
            summary = s.run("EXPLAIN " + query, query_params(params)).consume()
        return str(summary.query_type)

    def run(self, query: str, params: Mapping[str, Any] | None = None, *,
            timeout_s: float | None = None) -> list[Row]:
        return self._tx(query, query_params(params), timeout_s, read=False)

    def read(self, query: str, params: Mapping[str, Any] | None = None, *,
             timeout_s: float | None = None) -> list[Row]:
        """Run a query in a READ transaction, which the server refuses to let write.

        Any text that is not Klynge's own statement (the console's, ad-hoc ``klynge query --cypher``) is
        first classified with ``EXPLAIN`` and runs only when Neo4j calls it read-only (``r``): a second
        wall, which also refuses DBMS procedures. Klynge's own statements (registered or query files)
        skip that round trip.
        """
        p = query_params(params)
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
        p = query_params(params)
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
            raise QueryTimeout(timeout_message(timeout_s))
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


