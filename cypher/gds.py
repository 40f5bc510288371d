"""The Neo4j Graph Data Science client: the only module that imports ``graphdatascience``.

:func:`connect` builds a :class:`GdsClient` from a :class:`~cypher.store.Neo4jStore`'s
driver and checks the GDS plugin version once, with a message that says what to do.
:meth:`GdsClient.projection` is a context manager that always drops the in-memory
graph in ``finally``. Results cross this boundary as lists of plain dicts, like
every other store call.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from cypher.registry import register
from klynge.errors import QueryError, StoreUnavailable

#: The oldest GDS line Klynge's jobs are written for (Cypher-aggregation projection with
#: ``undirectedRelationshipTypes``, ``gds.closeness.harmonic``, ``gds.leiden`` with ``randomSeed``).
MIN_GDS = (2, 6)

GDS_VERSION = register("cypher.gds.version", "RETURN gds.version() AS version", dialect="neo4j")
GDS_DROP = register(
    "cypher.gds.drop",
    "CALL gds.graph.drop($name, false) YIELD graphName RETURN graphName",
    dialect="neo4j",
)
GDS_EXISTS = register(
    "cypher.gds.exists",
    "CALL gds.graph.exists($name) YIELD exists RETURN exists",
    dialect="neo4j",
)


def parse_version(text: str) -> tuple[int, ...]:
    """``"2.13.4"`` → ``(2, 13, 4)``; calendar versions (``"2026.03.0"``) compare as newer."""
    return tuple(int(x) for x in re.findall(r"\d+", str(text))[:3])


def check_version(version: str, minimum: tuple[int, int] = MIN_GDS) -> None:
    """Raise StoreUnavailable with an actionable message when GDS is older than ``minimum``."""
    parsed = parse_version(version)
    if not parsed or parsed[:2] < minimum:
        raise StoreUnavailable(
            f"GDS {version} is older than the {minimum[0]}.{minimum[1]} the measures jobs need; "
            "upgrade the graph-data-science plugin of the neo4j service in docker-compose.yml "
            "(Neo4j 5.26 pairs with GDS 2.13), or run with --engine local"
        )


def _plain(value: Any) -> Any:
    if hasattr(value, "item") and callable(value.item) and not isinstance(value, (list, dict)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


@dataclass
class GdsClient:
    """A GraphDataScience client on a Neo4j store's driver, with the server's GDS version.

    Use :func:`connect` to build one.
    """

    gds: Any
    version: str
    client_version: str
    database: str | None

    def run(self, query: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run Cypher (typically a GDS procedure call) through the client; plain rows back."""
        try:
            frame = self.gds.run_cypher(query, dict(params or {}), database=self.database)
        except Exception as exc:  # noqa: BLE001 - the client raises driver errors of many kinds
            raise QueryError(f"GDS query failed on Neo4j: {exc}") from exc
        return [{str(k): _plain(v) for k, v in rec.items()} for rec in frame.to_dict("records")]

    @contextmanager
    def projection(self, name: str, query: str, params: Mapping[str, Any] | None = None
                   ) -> Iterator[dict[str, Any]]:
        """Project an in-memory graph with ``query`` (a Cypher-aggregation projection) and drop it after.

        Parameters
        ----------
        name : the in-memory graph name, bound as ``$name`` in ``query``.
        query : Cypher ending in ``RETURN gds.graph.project($name, …)`` with its result as ``g``.
        params : further parameters of ``query``.

        Yields
        ------
        dict
            The projection's result row (``graphName``, ``nodeCount``, ``relationshipCount``).
        """
        self.drop(name)  # a graph left by a killed run
        rows = self.run(query, {**dict(params or {}), "name": name})
        try:
            yield (rows[0] if rows else {})
        finally:
            self.drop(name)

    def drop(self, name: str) -> None:
        """Drop the in-memory graph ``name`` if it exists."""
        self.run(GDS_DROP, {"name": name})

    def close(self) -> None:
        """Release the client (the store's driver stays open)."""
        try:
            self.gds.close()
        except Exception:  # noqa: BLE001 - closing is best effort
            pass


def connect(store: Any, *, minimum: tuple[int, int] = MIN_GDS) -> GdsClient:
    """A :class:`GdsClient` for a Neo4j store, with the GDS version checked once.

    Parameters
    ----------
    store : a :class:`~cypher.store.Neo4jStore` (anything else raises StoreUnavailable).
    minimum : the oldest GDS ``(major, minor)`` accepted.

    Raises
    ------
    StoreUnavailable
        When the store is not Neo4j, the GDS plugin is missing, or it is too old;
        the message says what to change.
    """
    if getattr(store, "backend", None) != "neo4j" or not hasattr(store, "driver"):
        raise StoreUnavailable(
            f"the GDS engine needs Neo4j, but the store is {getattr(store, 'backend', store)!r}; "
            "set NEO4J_URI or run with --engine local"
        )
    try:
        import graphdatascience
        from graphdatascience import GraphDataScience
    except ImportError as exc:
        raise StoreUnavailable(
            "the graphdatascience package is not installed; pip install -r requirements.txt "
            "or run with --engine local"
        ) from exc
    # probe with the plain driver first: the client retries a missing plugin for a long time
    try:
        rows = store.run(GDS_VERSION)
        version = str(rows[0]["version"])
    except QueryError as exc:
        raise StoreUnavailable(
            f"the Neo4j server at {store.settings.neo4j_uri} has no Graph Data Science plugin ({exc}); "
            "add NEO4J_PLUGINS='[\"graph-data-science\"]' (or mount the GDS jar into /plugins) "
            "in docker-compose.yml, or run with --engine local"
        ) from exc
    check_version(version, minimum)
    database = store.settings.neo4j_database
    try:
        gds = GraphDataScience(store.driver, database=database, arrow=False, show_progress=False)
    except Exception as exc:  # noqa: BLE001 - the client raises many kinds
        raise StoreUnavailable(
            f"cannot start the GDS client (graphdatascience {graphdatascience.__version__}) "
            f"against GDS {version}: {exc}; pin a client compatible with the server's GDS line"
        ) from exc
    return GdsClient(gds=gds, version=version, client_version=graphdatascience.__version__,
                     database=database)


def available(store: Any) -> str | None:
    """The GDS version when ``store`` is Neo4j with a usable GDS plugin, else None (never raises)."""
    if getattr(store, "backend", None) != "neo4j":
        return None
    try:
        version = str(store.run(GDS_VERSION)[0]["version"])
        check_version(version)
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return None
    return version
