"""Fulltext search over organisations, persons and clusters on either store.

Fulltext differs per store (Lucene indexes on Neo4j, RediSearch on FalkorDB);
:mod:`cypher.dialect` owns the statement and the query syntax, this module turns
user text into ranked business keys. User text never reaches the query syntax:
it is reduced to letters-and-digits prefix tokens first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cypher import dialect

#: Organisation numbers are nine digits; a query of only digits searches orgnr prefixes too.
ORGNR_DIGITS = 9


@dataclass(frozen=True)
class Hit:
    """One fulltext hit: the node's business key, its display name, score and properties."""

    kind: str
    key: str
    name: str | None
    score: float
    props: dict[str, Any]


_KINDS = {"organization": ("Organization", "orgnr"), "person": ("Person", "person_key"),
          "cluster": ("Cluster", "cluster_id")}


def fulltext(store: Any, kind: str, text: str, *, limit: int = 20, timeout_s: float | None = 5.0) -> list[Hit]:
    """Rank nodes of ``kind`` ("organization", "person" or "cluster") whose indexed text matches ``text``.

    Every token of ``text`` must match as a prefix of a word of the name (or, for
    organisations, of the organisation number).

    Parameters
    ----------
    store
        A :class:`cypher.store.GraphStore`.
    kind
        Which node type to search.
    text
        What the user typed; punctuation and operators are dropped.
    limit
        Most hits returned (1–1000).

    Returns
    -------
    list[Hit]
        Best first; empty when ``text`` has no letters or digits.

    Raises
    ------
    ValueError
        For an unknown ``kind`` or a ``limit`` outside 1–1000.
    """
    if kind not in _KINDS:
        raise ValueError(f"search kind {kind!r} is unknown; use one of {sorted(_KINDS)}")
    if not 1 <= limit <= 1000:
        raise ValueError(f"search limit {limit} is outside 1-1000")
    q = dialect.fulltext_query(store.backend, text)
    if q is None:
        return []
    label, key = _KINDS[kind]
    rows = store.read(
        dialect.fulltext_statement(store.backend),
        {"index": dialect.fulltext_index(store.backend, label), "q": q, "limit": limit},
        timeout_s=timeout_s,
    )
    hits = []
    for row in rows:
        node = row.get("node") or {}
        props = {k: v for k, v in node.items() if not k.startswith("_")}
        if props.get(key) is None:
            continue
        hits.append(Hit(kind, str(props[key]), props.get("name"), float(row.get("score") or 0.0), props))
    return hits


def is_orgnr_prefix(text: str) -> bool:
    """True when ``text`` (spaces removed) is 1–9 digits, i.e. could be the start of an orgnr."""
    t = text.replace(" ", "")
    return t.isdigit() and 0 < len(t) <= ORGNR_DIGITS


def normalise_orgnr(text: str) -> str:
    """An organisation number as typed ("923 609 016") in its stored form ("923609016")."""
    return text.replace(" ", "").strip()
