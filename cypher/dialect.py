"""The few places where Neo4j 5 Cypher and FalkorDB Cypher differ.

Everything else in Klynge is one Cypher text for both stores. The portable subset
(see ``docs/cypher-subset.md``): no ``EXISTS {}``/``COUNT {}``/``COLLECT {}``
subqueries (use pattern comprehensions with ``size()`` or ``OPTIONAL MATCH`` +
``count``), no ``=~``, no ``date()``/``datetime()``/``duration`` (ISO strings),
no label expressions (``:A|B``), no ``elementId()``, no ``CALL {} IN TRANSACTIONS``
or ``LOAD CSV``, ``DETACH DELETE`` only, ``toInteger(sum(x))`` for integer sums,
a ``WITH`` between ``OPTIONAL MATCH`` and ``MATCH``, and shortest paths only as
``WITH a, b MATCH p = allShortestPaths((a)-[:R*..k]-(b)) RETURN p LIMIT 1``.

This module owns: index and constraint DDL, fulltext search, and the store's
own procedures.
"""

from __future__ import annotations

import re

from cypher.registry import register
from cypher.schema.model import NODES, NodeType


def _snake(label: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", label).lower()


def constraint_name(n: NodeType) -> str:
    return f"{_snake(n.label)}_{n.key}_unique"


def fulltext_index_name(label: str) -> str:
    return f"{_snake(label)}_fulltext"


def neo4j_schema_statements() -> list[tuple[str, str]]:
    """Idempotent Neo4j 5 DDL for every MERGE key, secondary index and fulltext index, as
    ``(name, statement)``: the name is the constraint's or index's own, as SHOW lists it."""
    out: list[tuple[str, str]] = []
    for n in NODES:
        name = constraint_name(n)
        out.append((name, f"CREATE CONSTRAINT {name} IF NOT EXISTS FOR (n:{n.label}) REQUIRE n.{n.key} IS UNIQUE"))
        for p in n.indexed:
            name = f"{_snake(n.label)}_{p}"
            out.append((name, f"CREATE INDEX {name} IF NOT EXISTS FOR (n:{n.label}) ON (n.{p})"))
        if n.fulltext:
            props = ", ".join(f"n.{p}" for p in n.fulltext)
            name = fulltext_index_name(n.label)
            out.append((name, f"CREATE FULLTEXT INDEX {name} IF NOT EXISTS FOR (n:{n.label}) ON EACH [{props}]"))
    return out


def falkordb_range_index(label: str, prop: str) -> str:
    return f"CREATE INDEX FOR (n:{label}) ON (n.{prop})"


def falkordb_fulltext_index(label: str, props: tuple[str, ...]) -> str:
    args = ", ".join(f"'{p}'" for p in props)
    return f"CALL db.idx.fulltext.createNodeIndex('{label}', {args})"


def falkordb_index_statements() -> list[tuple[str, str, tuple[str, ...]]]:
    """(kind, label, properties) for FalkorDB: ``range`` indexes and ``fulltext`` indexes."""
    out: list[tuple[str, str, tuple[str, ...]]] = []
    for n in NODES:
        out.append(("range", n.label, (n.key,)))
        for p in n.indexed:
            out.append(("range", n.label, (p,)))
        if n.fulltext:
            out.append(("fulltext", n.label, n.fulltext))
    return out


NEO4J_FULLTEXT_INDEXES = register(
    "cypher.schema.neo4j_fulltext_indexes",
    "SHOW FULLTEXT INDEXES YIELD name, labelsOrTypes, properties RETURN name, labelsOrTypes, properties",
    dialect="neo4j",
)


def neo4j_drop_index(name: str) -> str:
    """DDL dropping a (fulltext) index of ours whose properties changed; it is created again afterwards."""
    return f"DROP INDEX {name} IF EXISTS"


def neo4j_stale_fulltext(existing: list[dict]) -> list[str]:
    """Names of our fulltext indexes on Neo4j whose property list differs from the model's."""
    want = {fulltext_index_name(n.label): list(n.fulltext) for n in NODES if n.fulltext}
    return [r["name"] for r in existing if r["name"] in want and list(r.get("properties") or []) != want[r["name"]]]


FALKORDB_INDEXES = register(
    "cypher.schema.falkordb_indexes",
    "CALL db.indexes() YIELD label, properties, types RETURN label, properties, types",
    dialect="falkordb",
)
FALKORDB_CONSTRAINTS = register(
    "cypher.schema.falkordb_constraints",
    "CALL db.constraints() YIELD type, label, properties RETURN type, label, properties",
    dialect="falkordb",
)

NEO4J_CONSTRAINTS = register("cypher.schema.neo4j_constraints", "SHOW CONSTRAINTS YIELD name RETURN name",
                             dialect="neo4j")
NEO4J_INDEXES = register("cypher.schema.neo4j_indexes", "SHOW INDEXES YIELD name RETURN name", dialect="neo4j")

for _n in NODES:
    if _n.fulltext:
        register(f"cypher.schema.neo4j_drop.{fulltext_index_name(_n.label)}",
                 neo4j_drop_index(fulltext_index_name(_n.label)), dialect="neo4j")
for _i, (_name, _stmt) in enumerate(neo4j_schema_statements()):
    register(f"cypher.schema.ddl.{_i:03d}", _stmt, dialect="neo4j")
for _kind, _label, _props in falkordb_index_statements():
    if _kind == "range":
        register(f"cypher.schema.falkordb.{_label}.{_props[0]}", falkordb_range_index(_label, _props[0]),
                 dialect="falkordb")
    else:
        register(f"cypher.schema.falkordb.{_label}.fulltext", falkordb_fulltext_index(_label, _props),
                 dialect="falkordb")


# -------------------------------------------------------------------- fulltext search

FULLTEXT_NEO4J = register(
    "cypher.dialect.fulltext_nodes",
    "CALL db.index.fulltext.queryNodes($index, $q) YIELD node, score "
    "RETURN node, score ORDER BY score DESC LIMIT $limit",
    dialect="neo4j",
)
FULLTEXT_FALKORDB = register(
    "cypher.dialect.fulltext_nodes",
    "CALL db.idx.fulltext.queryNodes($index, $q) YIELD node, score "
    "RETURN node, score ORDER BY score DESC LIMIT $limit",
    dialect="falkordb",
)

_TOKEN = re.compile(r"[\w]+", re.UNICODE)


def fulltext_terms(text: str) -> list[str]:
    """Split user text into safe search tokens (letters and digits only)."""
    return _TOKEN.findall(text.lower())


def fulltext_query(backend: str, text: str) -> str | None:
    """A prefix query for the store's fulltext engine (Lucene on Neo4j, RediSearch on FalkorDB).

    Every token must match as a prefix; punctuation and operators are dropped, so
    user text can never change the query's syntax. Returns None for empty input.
    """
    terms = fulltext_terms(text)
    if not terms:
        return None
    if backend == "neo4j":
        return " AND ".join(f"{t}*" for t in terms)
    return " ".join(f"{t}*" if len(t) >= 2 else t for t in terms)


def fulltext_fuzzy_query(backend: str, text: str) -> str | None:
    """A query for near spellings: every word of 4–6 letters within edit distance 1, longer words within 2,
    shorter ones as prefixes (Lucene ``word~1`` on Neo4j, RediSearch ``%word%`` on FalkorDB).

    Returns None for empty input; like :func:`fulltext_query`, user text cannot change the syntax.
    """
    terms = fulltext_terms(text)
    if not terms:
        return None
    out = []
    for t in terms:
        d = 0 if len(t) < 4 or t.isdigit() else (1 if len(t) < 7 else 2)
        if backend == "neo4j":
            out.append(f"{t}~{d}" if d else f"{t}*")
        else:
            out.append(("%" * d + t + "%" * d) if d else (f"{t}*" if len(t) >= 2 else t))
    return (" AND " if backend == "neo4j" else " ").join(out)


def fulltext_statement(backend: str) -> str:
    return FULLTEXT_NEO4J if backend == "neo4j" else FULLTEXT_FALKORDB


def fulltext_index(backend: str, label: str) -> str:
    """The index argument: Neo4j names an index, FalkorDB names the label."""
    return fulltext_index_name(label) if backend == "neo4j" else label
