"""One graph-store API over Neo4j 5 (production) and embedded FalkorDB (default, tests): :func:`open_store`.

The stores are :mod:`cypher.neo4j_store` and :mod:`cypher.falkor_store`; what they share (the
:class:`GraphStore` protocol, parameter checks, counts, bounded rows) is :mod:`cypher.storebase`.

Everything that crosses this boundary is a plain Python value: lists of dicts of
str, int, float, bool, None, lists and dicts. Nodes become
``{"_kind": "node", "_labels": [...], **properties}``, relationships
``{"_kind": "relationship", "_type": ..., **properties}`` and paths
``{"_kind": "path", "nodes": [...], "relationships": [...]}``. Internal ids are
never part of a result; use business keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cypher.falkor_store import FalkorStore
from cypher.neo4j_store import Neo4jStore
from cypher.storebase import (
    COUNT_NODES,
    COUNT_RELS,
    MAX_PARAM_DEPTH,
    BoundedRows,
    GraphStore,
    Row,
    bound_rows,
    chunks,
    clean_param,
    counts_from,
    cypher_literal,
    health_of,
    params_header,
)
from klynge.config import Settings, load_settings


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


__all__ = [
    "COUNT_NODES", "COUNT_RELS", "MAX_PARAM_DEPTH", "BoundedRows", "FalkorStore", "GraphStore", "Neo4jStore", "Row",
    "bound_rows", "chunks", "clean_param", "counts_from", "cypher_literal", "health_of", "open_store", "params_header",
]
