"""A deterministic content hash of a graph, for crash, rerun and bad-input checks (read-only).

:func:`snapshot` reads every node (labels and properties) and every relationship (type,
properties and both endpoints named by their labels and business key, see :data:`KEY_ORDER`) through the store API and hashes them in a canonical order, so
two graphs with the same content give the same digest whatever their internal ids, creation
order or backend. Bookkeeping that differs between two otherwise identical loads is left
out by default (``LoadRun``); pass :data:`JOB_BOOKKEEPING` or :data:`MEASURE_STATE` to leave
out the jobs' run records, lock and results as well.

Example::

    from cypher.snapshot import snapshot
    before = snapshot(store)
    ...
    after = snapshot(store)
    assert after == before, before.diff(after)
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from cypher.registry import register
from cypher.schema.model import NODES

LOAD_BOOKKEEPING: tuple[str, ...] = ("LoadRun", "SyncState", "AssessmentRevision")
"""Labels left out by default: one node per load, with timestamps and an id; the syncs' cursors; one node
per change of an assessment (its edit history, with the time of each change)."""
JOB_BOOKKEEPING: tuple[str, ...] = (*LOAD_BOOKKEEPING, "JobRun", "Lock")
"""Also the jobs' run records and lock."""
MEASURE_STATE: tuple[str, ...] = (*JOB_BOOKKEEPING, "MeasureValue", "Meta")
"""Everything the measures jobs write as nodes (pair with ``exclude_types=("INTERLOCK",)``)."""

# Business keys, most specific first: a node carrying several of them (Industry has industry_id and
# code, Accounts and Grant also orgnr, MeasureValue and Lock also run_id) is named by its own key.
KEY_ORDER: tuple[str, ...] = ("accounts_id", "grant_id", "industry_id", "cluster_id", "patent_id", "programme_id",
                              "area_id", "region_id", "revision_id", "assessment_id", "person_key", "load_id", "feed",
                              "key", "run_id", "orgnr", "code")
_missing = {n.key for n in NODES} - set(KEY_ORDER)
if _missing:  # pragma: no cover - guards a model change
    raise RuntimeError(f"cypher.snapshot.KEY_ORDER lacks the model keys {sorted(_missing)}")
_KEY = "coalesce(" + ", ".join("{v}." + k for k in KEY_ORDER) + ")"

SNAPSHOT_NODES = register("cypher.snapshot.nodes", """
MATCH (n)
WHERE none(l IN labels(n) WHERE l IN $exclude)
RETURN labels(n) AS labels, properties(n) AS props
""")

SNAPSHOT_RELS = register("cypher.snapshot.rels", f"""
MATCH (a)-[r]->(b)
WHERE NOT type(r) IN $types
  AND none(l IN labels(a) WHERE l IN $exclude)
  AND none(l IN labels(b) WHERE l IN $exclude)
RETURN labels(a) AS a_labels, {_KEY.format(v="a")} AS a_key, type(r) AS type, properties(r) AS props,
       labels(b) AS b_labels, {_KEY.format(v="b")} AS b_key
""")

_DUMP = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


@dataclass(frozen=True)
class GraphSnapshot:
    """Counts and digests of a graph's content.

    Attributes
    ----------
    digest : sha256 over every group's count and digest.
    nodes, relationships : totals (after exclusions).
    groups : ``{"N:Label1:Label2" | "R:TYPE": (count, sha256)}``, one per label set and type.
    excluded : the labels and relationship types left out.
    """

    digest: str
    nodes: int
    relationships: int
    groups: dict[str, tuple[int, str]] = field(default_factory=dict)
    excluded: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        return {"nodes": self.nodes, "relationships": self.relationships}

    def diff(self, other: GraphSnapshot) -> list[str]:
        """Human-readable differences per label set and relationship type (empty when equal)."""
        out = []
        for g in sorted(set(self.groups) | set(other.groups)):
            a, b = self.groups.get(g), other.groups.get(g)
            if a == b:
                continue
            if a is None or b is None or a[0] != b[0]:
                out.append(f"{g}: {a[0] if a else 0} vs {b[0] if b else 0} items")
            else:
                out.append(f"{g}: same count {a[0]}, different content")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"digest": self.digest, "nodes": self.nodes, "relationships": self.relationships,
                "groups": {k: {"count": c, "sha256": d} for k, (c, d) in self.groups.items()},
                "excluded": list(self.excluded)}


def _digest(items: list[bytes]) -> str:
    items.sort()
    h = hashlib.sha256()
    for it in items:
        h.update(it)
        h.update(b"\n")
    return h.hexdigest()


def snapshot(store: Any, *, exclude_labels: Iterable[str] = LOAD_BOOKKEEPING,
             exclude_types: Iterable[str] = (), ignore_properties: Iterable[str] = (),
             timeout_s: float | None = 600.0) -> GraphSnapshot:
    """Hash every node, relationship and property of the store's graph.

    Parameters
    ----------
    store : a GraphStore (only ``store.read`` is used).
    exclude_labels : nodes with any of these labels, and their relationships, are left out.
    exclude_types : relationship types left out.
    ignore_properties : property names left out of nodes and relationships, e.g. ``("as_of", "_hash")``
        to compare the content of graphs written from data of different dates (``_hash`` covers ``as_of``).
    timeout_s : read timeout per query (large graphs take a while to read).

    Returns
    -------
    GraphSnapshot
        Equal for graphs with equal content; any changed, added or removed label, property
        value or relationship changes ``digest``.
    """
    ex_labels = sorted(set(exclude_labels))
    ex_types = sorted(set(exclude_types))
    drop = set(ignore_properties)

    def props(p: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in p.items() if k not in drop} if drop else p

    groups: dict[str, list[bytes]] = defaultdict(list)
    n_nodes = n_rels = 0
    for r in store.read(SNAPSHOT_NODES, {"exclude": ex_labels}, timeout_s=timeout_s):
        labs = sorted(r["labels"])
        groups["N:" + ":".join(labs)].append(orjson.dumps([labs, props(r["props"])], option=_DUMP))
        n_nodes += 1
    for r in store.read(SNAPSHOT_RELS, {"exclude": ex_labels, "types": ex_types}, timeout_s=timeout_s):
        item = [sorted(r["a_labels"]), r["a_key"], r["type"], props(r["props"]), sorted(r["b_labels"]), r["b_key"]]
        groups["R:" + r["type"]].append(orjson.dumps(item, option=_DUMP))
        n_rels += 1
    summary = {g: (len(items), _digest(items)) for g, items in groups.items()}
    top = hashlib.sha256(orjson.dumps(sorted([g, c, d] for g, (c, d) in summary.items()))).hexdigest()
    return GraphSnapshot(top, n_nodes, n_rels, dict(sorted(summary.items())), tuple(ex_labels + ex_types))
