"""Ego networks and paths as plain node/edge lists for the explorer.

Keys are business keys (orgnr, person_key), never internal ids. Every
expansion is capped per node; a node whose neighbours were cut carries
``more`` (how many were left out) so the browser can show "+N more". Person
names are masked for users who may not see them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cypher import library
from cypher.paths import shortest_paths
from web import measures

if TYPE_CHECKING:
    from cypher.store import GraphStore

KINDS = ("person", "organization")
ROLE_GROUPS = ("STYR", "DAGL", "REVI", "REGN", "EIKM", "KOMP", "DTPR", "DTSO", "INNH", "OTHER")
HELIX = ("industry", "academia", "government", "intermediary", "other")
MAX_NODES = 2000


@dataclass(frozen=True)
class Filters:
    """What to show: neighbour kinds, role groups (None = all), active roles only, helix sectors (None = all)."""

    kinds: tuple[str, ...] = KINDS
    role_groups: tuple[str, ...] | None = None
    active_only: bool = True
    helix: tuple[str, ...] | None = None

    def as_params(self) -> dict[str, Any]:
        return {"role_groups": list(self.role_groups) if self.role_groups else None,
                "active_only": self.active_only, "helix": list(self.helix) if self.helix else None}


class _Graph:
    def __init__(self, label: Callable[[str | None, str | None], str]) -> None:
        self.nodes: dict[str, dict] = {}
        self.edges: dict[str, dict] = {}
        self.label = label

    def add_node(self, key: str, kind: str, name: str | None, depth: int, **extra: Any) -> bool:
        if key in self.nodes:
            return False
        label = self.label(key, name) if kind == "person" else (name or key)
        self.nodes[key] = {"key": key, "kind": kind, "label": label, "depth": depth, "more": 0,
                           "expanded": False, **extra}
        return True

    def add_edge(self, source: str, target: str, type_: str, **data: Any) -> None:
        role = data.get("role") or ""
        eid = f"{source}|{type_}:{role}|{target}"
        if type_ == "INTERLOCK":
            a, b = sorted((source, target))
            eid = f"{a}|INTERLOCK|{b}"
        if eid not in self.edges:
            self.edges[eid] = {"id": eid, "source": source, "target": target, "type": type_, **data}


def _expand(store: GraphStore, g: _Graph, orgs: list[str], persons: list[str], depth: int, f: Filters, cap: int,
            ) -> tuple[list[str], list[str]]:
    """Add the capped neighbours of ``orgs`` and ``persons``; return the newly added (orgs, persons)."""
    new_orgs: list[str] = []
    new_persons: list[str] = []
    want_p = "person" in f.kinds
    want_o = "organization" in f.kinds
    rows: list[tuple[str, dict]] = []
    if orgs:
        for row in library.run(store, "network/org_neighbours",
                               {"orgnrs": orgs, "persons": want_p, "organizations": want_o, "cap": cap,
                                **f.as_params()}):
            rows.append(("HOLDS_ROLE", row))
        if want_o and not want_p:
            for row in library.run(store, "network/interlock_neighbours",
                                   {"orgnrs": orgs, "helix": f.as_params()["helix"], "cap": cap}):
                rows.append(("INTERLOCK", row))
    if persons and want_o:
        for row in library.run(store, "network/person_neighbours", {"person_keys": persons, "cap": cap,
                                                                     **f.as_params()}):
            rows.append(("HOLDS_ROLE", row))
    shown: dict[str, int] = {}
    total: dict[str, int] = {}
    for type_, row in rows:
        key = row["key"]
        total[key] = total.get(key, 0) + int(row["total"])
        shown[key] = shown.get(key, 0) + len(row["neighbours"])
        if key in g.nodes:
            g.nodes[key]["expanded"] = True
        for n in row["neighbours"]:
            added = g.add_node(n["key"], n["kind"], n.get("name"), depth, helix=n.get("helix"),
                               active=n.get("node_active"))
            if added:
                (new_persons if n["kind"] == "person" else new_orgs).append(n["key"])
            if type_ == "INTERLOCK":
                g.add_edge(key, n["key"], "INTERLOCK", weight=n.get("weight"))
            elif n.get("outgoing"):
                g.add_edge(key, n["key"], "HOLDS_ROLE", role=n.get("role"), role_group=n.get("role_group"),
                           active=n.get("active"))
            else:
                g.add_edge(n["key"], key, "HOLDS_ROLE", role=n.get("role"), role_group=n.get("role_group"),
                           active=n.get("active"))
    for key, t in total.items():
        if key in g.nodes:
            g.nodes[key]["more"] = max(0, t - shown[key])
            g.nodes[key]["degree_shown"] = shown[key]
            g.nodes[key]["degree_total"] = t
    return new_orgs, new_persons


def _ties_and_measures(store: GraphStore, g: _Graph, f: Filters) -> None:
    orgs = [k for k, n in g.nodes.items() if n["kind"] == "organization"]
    persons = [k for k, n in g.nodes.items() if n["kind"] == "person"]
    if orgs:
        for t in library.run(store, "network/ties_among", {"orgnrs": orgs, "person_keys": persons,
                                                           "role_groups": f.as_params()["role_groups"],
                                                           "active_only": f.active_only}):
            g.add_edge(t["source"], t["target"], "HOLDS_ROLE", role=t["role"], role_group=t["role_group"],
                       active=t["active"])
        if "person" not in f.kinds:
            for t in library.run(store, "network/interlock_ties_among", {"orgnrs": orgs}):
                g.add_edge(t["source"], t["target"], "INTERLOCK", weight=t["weight"])
    # Every node already carries its name, helix sector and activity: the root from the caller's lookup,
    # the others from the neighbour rows that added them (no second read of the same facts).
    values, _run = measures.values_for(store, orgs)
    for key, node in g.nodes.items():
        node["measures"] = values.get(key, {})


def _result(g: _Graph, root: str, truncated: bool, extra: dict) -> dict:
    nodes = sorted(g.nodes.values(), key=lambda n: (n["depth"], n["kind"], n["label"] or "", n["key"]))
    edges = sorted(g.edges.values(), key=lambda e: e["id"])
    return {"root": root, "nodes": nodes, "edges": edges, "truncated": truncated,
            "counts": {"nodes": len(nodes), "edges": len(edges),
                       "more": sum(n["more"] for n in nodes)}, **extra}


def ego_network(store: GraphStore, orgnr: str, root: dict, *, depth: int, cap: int, filters: Filters,
                label: Callable[[str | None, str | None], str]) -> dict:
    """The ego network of organisation ``orgnr`` to ``depth`` hops, at most ``cap`` neighbours per node."""
    g = _Graph(label)
    g.add_node(orgnr, "organization", root.get("name"), 0, helix=root.get("helix"), active=root.get("active"))
    orgs, persons = [orgnr], []
    truncated = False
    for d in range(1, depth + 1):
        if not orgs and not persons:
            break
        orgs, persons = _expand(store, g, orgs, persons, d, filters, cap)
        if len(g.nodes) > MAX_NODES:
            truncated = True
            break
    _ties_and_measures(store, g, filters)
    return _result(g, orgnr, truncated, {"depth": depth, "cap": cap, "filters": {
        "kinds": list(filters.kinds), "roles": list(filters.role_groups or []),
        "active_only": filters.active_only, "helix": list(filters.helix or [])}})


def expand_node(store: GraphStore, key: str, kind: str, *, cap: int, filters: Filters,
                label: Callable[[str | None, str | None], str]) -> dict:
    """One node's capped neighbours and the ties among them (for "expand" in the explorer)."""
    g = _Graph(label)
    details = library.run(store, "network/node_details",
                          {"orgnrs": [key] if kind == "organization" else None,
                           "person_keys": [key] if kind == "person" else None})
    if not details:
        return {}
    d = details[0]
    g.add_node(key, kind, d.get("name"), 0, helix=d.get("helix"), active=d.get("active"))
    _expand(store, g, [key] if kind == "organization" else [], [key] if kind == "person" else [], 1, filters, cap)
    _ties_and_measures(store, g, filters)
    return _result(g, key, False, {"cap": cap})


def paths_between(store: GraphStore, a: str, b: str, *, limit: int,
                  label: Callable[[str | None, str | None], str],
                  role_groups: tuple[str, ...] | None = None) -> dict:
    """Shortest connections from organisation ``a`` to ``b`` as a graph and as a list of steps
    (only roles of ``role_groups`` followed, when given)."""
    rows = shortest_paths(store, a, b, limit=limit, timeout_s=20, role_groups=role_groups)
    g = _Graph(label)
    paths = []
    for row in rows:
        steps = []
        for i, (key, kind, name, helix) in enumerate(zip(row["keys"], row["kinds"], row["names"], row["helix"])):
            g.add_node(key, kind, name, i, helix=helix)
            steps.append({"key": key, "kind": kind, "label": g.nodes[key]["label"]})
        links = []
        for i, (via, role, active, src) in enumerate(zip(row["via"], row["roles"], row["active"], row["sources"])):
            x, y = row["keys"][i], row["keys"][i + 1]
            s, t = (x, y) if src == x else (y, x)
            if via == "INTERLOCK":
                g.add_edge(s, t, "INTERLOCK")
            else:
                g.add_edge(s, t, via, role=role, active=active)
            links.append({"type": via, "role": role or None, "active": active})
        paths.append({"hops": row["hops"], "steps": steps, "links": links})
    _name_shared_members(store, paths, label)
    out = _result(g, a, False, {"paths": paths, "from": a, "to": b})
    return out


def _name_shared_members(store: GraphStore, paths: list[dict], label: Callable[[str | None, str | None], str]) -> None:
    """An interlock step says who links the two organisations: the board members they share (names for
    advisors, pseudonymous labels for others) and their roles, in ``link["persons"]`` (and ``shared``: how many)."""
    pairs = sorted({(p["steps"][i]["key"], p["steps"][i + 1]["key"]) for p in paths
                    for i, link in enumerate(p["links"]) if link["type"] == "INTERLOCK"})
    if not pairs:
        return
    rows = library.run(store, "network/shared_board_members",
                       {"from_orgnrs": [x for x, _ in pairs], "to_orgnrs": [y for _, y in pairs]})
    shared = {(r["a"], r["b"]): r for r in rows}
    for p in paths:
        for i, link in enumerate(p["links"]):
            if link["type"] != "INTERLOCK":
                continue
            r = shared.get((p["steps"][i]["key"], p["steps"][i + 1]["key"]))
            link["shared"] = int(r["total"]) if r else 0
            link["persons"] = [{"key": m["key"], "label": label(m["key"], m.get("name")), "role_from": m["role_a"],
                                "role_to": m["role_b"]} for m in (r["persons"] if r else [])]


def keys_of(nodes: Iterable[dict], kind: str) -> list[str]:
    return [n["key"] for n in nodes if n["kind"] == kind]
