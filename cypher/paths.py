"""Shortest connections between two organisations through roles and interlock ties.

A connection is a chain of ``HOLDS_ROLE`` and ``INTERLOCK`` relationships, followed in
either direction, of at most ``max_hops`` relationships. :func:`shortest_paths` returns
the shortest such chains, one row per chain of relationships, in the shape of the query
``network/shortest_paths``.

* **Neo4j** runs that query: its ``allShortestPaths`` is a bidirectional breadth-first
  search inside the server.
* **FalkorDB** enumerates ``allShortestPaths`` far more slowly (about a second per pair
  at 100 k organisations, measured by ``bench/bench_paths.py``), so on it the same
  answer is found by a bidirectional breadth-first search driven from here: one
  neighbour query per level, always expanding the smaller frontier, then one query for
  the relationships along the paths found and one for their nodes. The tests pin its
  answer to FalkorDB's own ``allShortestPaths``.

Why the search stops at the first meeting: when a node found at depth ``d`` from one
end is already known to the other end, every node within the other end's finished depth
has been seen, so any shorter chain would have met at an earlier level. The nodes met
are therefore all on shortest chains, at the other end's newest level, and every
shortest chain passes through one of them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from itertools import islice, pairwise, product
from typing import Any

from cypher import library
from cypher.registry import register
from klynge.errors import QueryTimeout

#: Longest connection searched, in relationships (the path finder's bound).
MAX_HOPS = 6

START = register("cypher.paths.start", """
UNWIND $orgnrs AS orgnr
MATCH (o:Organization {orgnr: orgnr})
RETURN orgnr, id(o) AS id
""", dialect="falkordb")

NEIGHBOURS = register("cypher.paths.neighbours", """
UNWIND $ids AS i
MATCH (n) WHERE id(n) = i
MATCH (n)-[r:HOLDS_ROLE|INTERLOCK]-(m)
WHERE $role_groups IS NULL OR type(r) = 'INTERLOCK' OR r.role_group IN $role_groups
RETURN i AS id, collect(DISTINCT id(m)) AS neighbours
""", dialect="falkordb")

# ids are bound by WITH first: FalkorDB seeks a node by id only when compared with a plain variable
# (``id(x) = pair[0]`` scans every node)
LINKS = register("cypher.paths.links", """
UNWIND $pairs AS pair
WITH pair[0] AS xi, pair[1] AS yi
MATCH (x) WHERE id(x) = xi
MATCH (y) WHERE id(y) = yi
MATCH (x)-[r:HOLDS_ROLE|INTERLOCK]-(y)
WHERE $role_groups IS NULL OR type(r) = 'INTERLOCK' OR r.role_group IN $role_groups
RETURN xi AS x, yi AS y, id(r) AS rel, type(r) AS via, coalesce(r.role, '') AS role,
       coalesce(r.active, true) AS active, id(startNode(r)) AS source
""", dialect="falkordb")

NODES = register("cypher.paths.nodes", """
UNWIND $ids AS i
MATCH (n) WHERE id(n) = i
RETURN i AS id, coalesce(n.person_key, n.orgnr) AS key,
       CASE WHEN n.person_key IS NULL THEN 'organization' ELSE 'person' END AS kind,
       n.name AS name, n.helix AS helix
""", dialect="falkordb")


def shortest_paths(store: Any, from_orgnr: str, to_orgnr: str, *, limit: int = 10,
                   max_hops: int = MAX_HOPS, timeout_s: float | None = 20.0,
                   role_groups: tuple[str, ...] | list[str] | None = None) -> list[dict[str, Any]]:
    """The shortest chains of roles and interlock ties linking two organisations.

    Parameters
    ----------
    store : a :class:`cypher.store.GraphStore`.
    from_orgnr, to_orgnr : the two organisations (different; either may be missing from the graph).
    limit : most chains returned (each distinct sequence of relationships is one chain).
    max_hops : longest chain searched, in relationships (1 to :data:`MAX_HOPS`).
    timeout_s : time allowed for the whole search.
    role_groups : follow only roles of these groups (e.g. ``("STYR", "DAGL")``: board and CEO); interlock
        ties (shared board members) are always followed. None follows every role.

    Returns
    -------
    list[dict]
        Rows with ``keys``, ``kinds``, ``names``, ``helix`` (one entry per node along the
        chain), ``via``, ``roles``, ``active``, ``sources`` (one per relationship: its type,
        role or ``''``, whether active, and the key of its start node) and ``hops``. Empty
        when either organisation is missing or no chain is within ``max_hops``. On
        FalkorDB the rows are ordered by internal node ids, so the same graph gives the
        same ``limit`` chains every time.

    Raises
    ------
    ValueError
        When the two organisations are the same, or ``limit``/``max_hops`` is below 1.
    QueryTimeout
        When the search takes longer than ``timeout_s``.
    """
    if from_orgnr == to_orgnr:
        raise ValueError(f"from and to are the same organisation ({from_orgnr})")
    if limit < 1 or max_hops < 1:
        raise ValueError("limit and max_hops must be at least 1")
    if max_hops > MAX_HOPS:
        raise ValueError(f"max_hops is at most {MAX_HOPS}; got {max_hops}")
    if timeout_s is not None and timeout_s <= 0:
        raise QueryTimeout(_too_long(timeout_s))
    if store.backend != "falkordb":
        q = library.get("network/shortest_paths", store.backend)
        values = {"from_orgnr": from_orgnr, "to_orgnr": to_orgnr, "limit": limit,
                  "role_groups": list(role_groups) if role_groups else None}
        return store.read(BOUNDED[max_hops], q.bind(values), timeout_s=timeout_s)
    return _Search(store, timeout_s, role_groups).run(from_orgnr, to_orgnr, limit, max_hops)


def _too_long(timeout_s: float | None) -> str:
    return f"the path search took longer than {timeout_s:g} s; try two organisations closer together"


def _bounded_queries() -> dict[int, str]:
    """The library query ``network/shortest_paths`` once per bound 1 … :data:`MAX_HOPS` (a
    variable-length bound cannot be a parameter), each registered so the linter checks it."""
    text = library.get("network/shortest_paths", "neo4j").text
    bound = f"*..{MAX_HOPS}]"
    if text.count(bound) != 1:
        raise AssertionError(f"network/shortest_paths must search [{bound} exactly once")
    return {h: register(f"cypher.paths.shortest_{h}", text.replace(bound, f"*..{h}]"), dialect="neo4j")
            for h in range(1, MAX_HOPS + 1)}


BOUNDED = _bounded_queries()


class _Search:
    """One bidirectional breadth-first search on FalkorDB (see the module docstring)."""

    def __init__(self, store: Any, timeout_s: float | None,
                 role_groups: tuple[str, ...] | list[str] | None = None) -> None:
        self.store = store
        self.role_groups = list(role_groups) if role_groups else None
        self.timeout_s = timeout_s
        self.deadline = None if timeout_s is None else time.monotonic() + timeout_s

    def read(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        left = None
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise QueryTimeout(_too_long(self.timeout_s))
        return self.store.read(query, params, timeout_s=left)

    def run(self, a: str, b: str, limit: int, max_hops: int) -> list[dict[str, Any]]:
        ids = {r["orgnr"]: r["id"] for r in self.read(START, {"orgnrs": [a, b]})}
        if a not in ids or b not in ids:
            return []
        # parents[side][node] = the nodes one level nearer that side's end
        parents: tuple[dict[int, list[int]], dict[int, list[int]]] = ({ids[a]: []}, {ids[b]: []})
        frontier = [[ids[a]], [ids[b]]]
        hops = 0
        meet: list[int] = []
        while hops < max_hops and not meet:
            side = 0 if len(frontier[0]) <= len(frontier[1]) else 1
            seen, other = parents[side], parents[1 - side]
            found: dict[int, list[int]] = {}
            for row in self.read(NEIGHBOURS, {"ids": frontier[side], "role_groups": self.role_groups}):
                for m in row["neighbours"]:
                    if m not in seen:
                        found.setdefault(m, []).append(row["id"])
            if not found:
                return []
            seen.update(found)
            frontier[side] = sorted(found)
            hops += 1
            meet = [m for m in frontier[side] if m in other]
        if not meet:
            return []
        node_paths = list(islice((head[::-1] + tail[1:] for m in meet for head in _chains(parents[0], m)
                                  for tail in _chains(parents[1], m)), limit))
        return self.rows(node_paths, limit)

    def rows(self, node_paths: list[list[int]], limit: int) -> list[dict[str, Any]]:
        pairs = sorted({(min(x, y), max(x, y)) for p in node_paths for x, y in pairwise(p)})
        links: dict[tuple[int, int], list[dict[str, Any]]] = {}
        for r in self.read(LINKS, {"pairs": [list(pr) for pr in pairs], "role_groups": self.role_groups}):
            links.setdefault((r["x"], r["y"]), []).append(r)
        for lst in links.values():
            lst.sort(key=lambda r: r["rel"])
        nodes = {r["id"]: r for r in self.read(NODES, {"ids": sorted({n for p in node_paths for n in p})})}
        out: list[dict[str, Any]] = []
        for p in node_paths:
            steps = [links.get((min(x, y), max(x, y)), []) for x, y in pairwise(p)]
            for rels in product(*steps):  # one relationship per step; none when a step has none
                out.append({
                    "keys": [nodes[n]["key"] for n in p], "kinds": [nodes[n]["kind"] for n in p],
                    "names": [nodes[n]["name"] for n in p], "helix": [nodes[n]["helix"] for n in p],
                    "via": [r["via"] for r in rels], "roles": [r["role"] for r in rels],
                    "active": [r["active"] for r in rels],
                    "sources": [nodes[r["source"]]["key"] for r in rels], "hops": len(rels),
                })
                if len(out) >= limit:
                    return out
        return out


def _chains(parents: dict[int, list[int]], node: int) -> Iterator[list[int]]:
    """Every chain from ``node`` back to its search's end (the node without parents), lazily."""
    ups = parents[node]
    if not ups:
        yield [node]
        return
    for up in sorted(ups):
        for rest in _chains(parents, up):
            yield [node, *rest]
