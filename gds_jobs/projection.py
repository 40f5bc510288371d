"""The two projections the jobs run on, defined once and used by both engines.

``interlock``
    Organisations are linked when at least one person holds an active board seat
    (role group ``STYR``) in both; undirected; weight = number of shared persons.
    By default the seats counted are ``LEDE``, ``NEST`` and ``MEDL``; deputies
    (``VARA``) and observers (``OBS``) count with ``include_deputies=True``; CEOs
    (``DAGL``) count with ``include_ceo=True``. Organisations holding a counted seat
    but sharing no person are isolates and stay in the node set; organisations
    with no counted seat at all are not nodes.
``helix``
    The Triple Helix network: the interlock ties plus co-membership of an active
    cluster (``MEMBER_OF`` with no ``until`` or one not yet passed) plus grants
    received jointly (one ``Grant`` with two or more organisations); weight = number
    of shared persons + shared clusters + shared grants; each node carries its helix
    sector (``Organization.helix``; missing = ``"other"``) for brokerage.

Both are read with portable queries, persons streamed in pages ordered by
``person_key`` (key ranges, not SKIP), and built with
:meth:`gds_jobs.measures.WeightedGraph.from_bipartite`. The GDS engine projects the
same interlock definition server-side with :data:`cypher.statements.projection.GDS_INTERLOCK_PROJECTION`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cypher.statements.projection import (
    CLUSTER_MEMBERS,
    JOINT_GRANTS,
    ORG_SECTORS,
    PERSON_ID_BOUNDS,
    PERSON_ID_PAGE,
    PERSON_PAGE,
)
from cypher.schema.model import BOARD_GROUP, BOARD_ROLES, CEO_ROLE

if TYPE_CHECKING:
    from cypher.store import GraphStore

REGULAR_SEATS: tuple[str, ...] = ("LEDE", "NEST", "MEDL")
DEPUTY_SEATS: tuple[str, ...] = tuple(r for r in BOARD_ROLES if r not in REGULAR_SEATS)  # VARA, OBS
#: Reads of the nightly jobs scan large parts of the graph: allow more than the interactive default.
READ_TIMEOUT_S = 900.0


@dataclass(frozen=True)
class ProjectionParams:
    """What counts as a tie.

    Attributes
    ----------
    include_ceo : count the CEO (``DAGL``) like a board seat.
    include_deputies : count deputies (``VARA``) and observers (``OBS``).
    page_size : persons per read page.
    today : ISO date for "active cluster membership" (default: today, UTC).
    """

    include_ceo: bool = False
    include_deputies: bool = False
    page_size: int = 20000
    today: str | None = None

    @property
    def roles(self) -> tuple[str, ...]:
        return REGULAR_SEATS + (DEPUTY_SEATS if self.include_deputies else ())

    def query_params(self) -> dict[str, Any]:
        """The parameters of the seat filter (shared by the local read and the GDS projection)."""
        return {"board_group": BOARD_GROUP, "roles": list(self.roles), "include_ceo": self.include_ceo,
                "ceo_role": CEO_ROLE}

    def as_dict(self) -> dict[str, Any]:
        return {"include_ceo": self.include_ceo, "include_deputies": self.include_deputies,
                "roles": list(self.roles)}


@dataclass(frozen=True)
class Projection:
    """A projected organisation network.

    Attributes
    ----------
    name : ``"interlock"`` or ``"helix"``.
    graph : the :class:`gds_jobs.measures.WeightedGraph` (nodes = orgnrs, sorted).
    sectors : orgnr → helix sector (helix projection; empty for interlock).
    """

    name: str
    graph: Any = field(repr=False)
    sectors: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def nodes(self) -> tuple[str, ...]:
        return tuple(self.graph.nodes)

    def edges(self) -> list[tuple[str, str, int]]:
        """``(a, b, weight)`` with ``a < b`` (orgnr order), sorted."""
        u, v, w = self.graph.edge_list()
        nodes = self.graph.nodes
        out = []
        for i, j, x in zip(u.tolist(), v.tolist(), w.tolist()):
            a, b = nodes[i], nodes[j]
            out.append((a, b, int(x)) if a < b else (b, a, int(x)))
        return sorted(out)

    def counts(self) -> dict[str, int]:
        g = self.graph
        isolates = int((g.degree == 0).sum()) if g.n else 0
        return {f"{self.name}_nodes": int(g.n), f"{self.name}_edges": int(g.m),
                f"{self.name}_isolates": isolates}


def from_groups(groups: Iterable[tuple[str, Sequence[str]]], name: str) -> Projection:
    from gds_jobs.measures import WeightedGraph

    memberships = [(member, str(o)) for member, orgnrs in groups for o in set(orgnrs)]
    return Projection(name, WeightedGraph.from_bipartite(memberships))


def read_person_groups(store: GraphStore, params: ProjectionParams,
                       on_page: Callable[[int], None] | None = None) -> list[tuple[str, list[str]]]:
    """Every person's counted organisations, read in pages of about ``params.page_size`` persons.

    Sorted by person key whichever way the store is paged (keyset pages on Neo4j, internal-id
    ranges on FalkorDB), so the projection is built in the same order on both.
    """
    groups: list[tuple[str, list[str]]] = []
    qp = params.query_params()
    if getattr(store, "backend", None) == "falkordb":
        bounds = store.read(PERSON_ID_BOUNDS, timeout_s=READ_TIMEOUT_S)
        b = bounds[0] if bounds else {}
        if not b.get("n"):
            return groups
        lo, hi, n = int(b["lo"]), int(b["hi"]), int(b["n"])
        # ids are shared by all labels: widen the window so a page holds about page_size persons
        window = max(params.page_size, -(-params.page_size * (hi - lo + 1) // n))
        while lo <= hi:
            rows = store.read(PERSON_ID_PAGE, {**qp, "lo": lo, "hi": lo + window}, timeout_s=READ_TIMEOUT_S)
            groups.extend((str(r["member"]), [str(o) for o in r["orgnrs"]]) for r in rows if r["orgnrs"])
            if on_page is not None:
                on_page(len(groups))
            lo += window
        groups.sort(key=lambda g: g[0])
        return groups
    after = ""
    while True:
        rows = store.read(PERSON_PAGE, {**qp, "after": after, "page": params.page_size},
                          timeout_s=READ_TIMEOUT_S)
        for r in rows:
            if r["orgnrs"]:
                groups.append((str(r["member"]), [str(o) for o in r["orgnrs"]]))
        if on_page is not None:
            on_page(len(groups))
        if len(rows) < params.page_size:
            return groups
        after = rows[-1]["member"]


def interlock(store: GraphStore, params: ProjectionParams | None = None,
              on_page: Callable[[int], None] | None = None) -> Projection:
    """Read the interlock projection from the store.

    Parameters
    ----------
    store : the graph store.
    params : which seats count (default: active LEDE/NEST/MEDL seats, no CEOs).
    on_page : called with the number of persons read so far after each page.

    Returns
    -------
    Projection
        Nodes = organisations with a counted seat; weight = shared persons.
    """
    params = params or ProjectionParams()
    return from_groups(read_person_groups(store, params, on_page), "interlock")


def helix(store: GraphStore, params: ProjectionParams | None = None,
          on_page: Callable[[int], None] | None = None,
          persons: list[tuple[str, list[str]]] | None = None) -> Projection:
    """Read the Triple Helix projection: interlocks + cluster co-membership + joint grants.

    Parameters
    ----------
    persons : person groups already read for the interlock projection (saves a second read).

    Returns
    -------
    Projection
        With ``sectors`` set for every node (``"other"`` when ``helix`` is missing).
    """
    params = params or ProjectionParams()
    today = params.today or dt.datetime.now(dt.timezone.utc).date().isoformat()
    if persons is None:
        persons = read_person_groups(store, params, on_page)
    groups: list[tuple[str, Sequence[str]]] = [(f"person:{m}", o) for m, o in persons]
    groups += [(f"cluster:{r['member']}", [str(o) for o in r["orgnrs"]])
               for r in store.read(CLUSTER_MEMBERS, {"today": today}, timeout_s=READ_TIMEOUT_S)]
    groups += [(f"grant:{r['member']}", [str(o) for o in r["orgnrs"]])
               for r in store.read(JOINT_GRANTS, timeout_s=READ_TIMEOUT_S)]
    proj = from_groups(groups, "helix")
    sectors = {n: "other" for n in proj.nodes}
    nodes = list(proj.nodes)
    for i in range(0, len(nodes), 5000):
        for r in store.read(ORG_SECTORS, {"orgnrs": nodes[i:i + 5000]}, timeout_s=READ_TIMEOUT_S):
            sectors[str(r["orgnr"])] = r["helix"] or "other"
    return Projection(proj.name, proj.graph, sectors)
