"""The only package that talks to a graph store.

Public API: :func:`open_store`, :class:`GraphStore` (protocol), :func:`register`
(the registry of every Cypher text Klynge can send) and the query library.
"""

from __future__ import annotations

from cypher.registry import register
from cypher.store import FalkorStore, GraphStore, Neo4jStore, chunks, open_store

__all__ = ["FalkorStore", "GraphStore", "Neo4jStore", "chunks", "open_store", "register"]
