"""Apply the schema (uniqueness for every MERGE key, secondary and fulltext indexes) idempotently."""

from __future__ import annotations

from typing import Any

from cypher import dialect
from klynge.errors import QueryError


def apply(store: Any) -> list[str]:
    """Create what is missing; return a line per object created (empty when all existed).

    Neo4j: ``CREATE CONSTRAINT … IF NOT EXISTS`` for every key, indexes, fulltext
    indexes, each only when SHOW CONSTRAINTS / SHOW INDEXES does not list its name (a fulltext index whose
    property list changed is dropped and made again). FalkorDB: an exact-match (range) index on every key, then a
    ``GRAPH.CONSTRAINT CREATE … UNIQUE`` on it, secondary indexes and fulltext
    indexes; existing ones are read from ``db.indexes()``/``db.constraints()``.
    Then missing or stale name keys are written (a graph loaded before them).
    """
    created: list[str] = []
    if store.backend == "neo4j":
        for name in dialect.neo4j_stale_fulltext(store.run(dialect.NEO4J_FULLTEXT_INDEXES)):
            store.run(dialect.neo4j_drop_index(name))  # its property list changed: made again below
            created.append(f"dropped {name}")
        have = {r["name"] for q in (dialect.NEO4J_CONSTRAINTS, dialect.NEO4J_INDEXES) for r in store.run(q)}
        for name, stmt in dialect.neo4j_schema_statements():
            if name not in have:
                store.run(stmt)
                created.append(stmt)
        return created + _migrate(store)
    indexes = store.run(dialect.FALKORDB_INDEXES)
    have: set[tuple[str, str, str]] = set()
    for r in indexes:
        for prop, kinds in (r.get("types") or {}).items():
            for k in kinds:
                have.add((r["label"], prop, k.lower()))
    for kind, label, props in dialect.falkordb_index_statements():
        if kind == "range":
            if (label, props[0], "range") not in have:
                store.run(dialect.falkordb_range_index(label, props[0]))
                have.add((label, props[0], "range"))
                created.append(f"index {label}.{props[0]}")
        else:
            missing = tuple(p for p in props if (label, p, "fulltext") not in have)
            if missing:
                store.run(dialect.falkordb_fulltext_index(label, missing))
                created.append(f"fulltext {label}({', '.join(missing)})")
    existing = {
        (r["label"], tuple(r["properties"]))
        for r in store.run(dialect.FALKORDB_CONSTRAINTS)
        if r["type"] == "UNIQUE"
    }
    from cypher.schema.model import NODES

    for n in NODES:
        if (n.label, (n.key,)) in existing:
            continue
        try:
            store.command("GRAPH.CONSTRAINT", "CREATE", store.settings.graph_name, "UNIQUE", "NODE",
                          n.label, "PROPERTIES", "1", n.key)
            created.append(f"unique {n.label}.{n.key}")
        except QueryError as exc:
            if "already exists" not in str(exc):
                raise
    return created + _migrate(store)


def _migrate(store: Any) -> list[str]:
    """Data the schema expects on graphs written before it: the search's ``name_key``
    (:func:`cypher.search.backfill_name_keys`)."""
    from cypher import search

    return [f"name_key on {n} {label}" for label, n in search.backfill_name_keys(store).items() if n]
