"""The named parts of the cluster-fit score: how much a candidate resembles a cluster's members.

Every part is a number computed for a candidate organisation ``c`` against a member set ``M``
of a cluster ``K`` (all current members when ranking; the members left visible when the
evaluation hides some). The score is ``Σ_p w_p · part_p`` with the weights of
:mod:`gds_jobs.analysis.fit`; every part is shown with its weight and contribution.

Industry
--------
``nace``
    Same industry: ``Σ_l w_l · |{m ∈ M : prefix_l(m) = prefix_l(c)}| / |M|`` over the NACE
    levels division (2 digits, ``w`` = 0.4), group (``NN.N``, 0.2), class (``NN.NN``, 0.2) and
    subclass (``NN.NNN``, 0.2); in [0, 1]. A member without a code matches nothing.
``value_chain``
    Same value chain: the share of members in ``c``'s value-creation area
    (``klynge/reference/data/value_areas.yaml``: the longest NACE prefix of the code's version
    wins). The areas group NACE neighbours along a value chain — building and construction
    holds 41–43 with building-project development, architects and technical consultants
    (71.1) and construction-machine rental; wood holds forestry, sawmills and pulp and paper —
    so a sawmill fits a forestry cluster although they share no division. 0 when ``c``'s code
    is in no area (the default area "annet" is a remainder, not a chain). The shipped
    reference data hold no input–output table, so adjacency between areas is not used.

Network
-------
On the interlock network of the candidates' kind (:func:`gds_jobs.analysis.population.tie_seats`:
organisations of the population's kind, of any size, tied when one person holds a counted
seat — board by default — in both). With the default population the ties are firm–firm only:
a municipality or a school on a board chain neither links two firms nor collects PageRank.

``board_ties``
    ``log2(1 + t)`` with ``t`` the number of members sharing at least one counted seat holder
    with ``c`` (1 for one member, 2 for three).
``reach``
    ``1/d`` with ``d`` the number of ties from ``c`` to the nearest member (1, 2 or 3); 0 when
    no member is within ``max_hops`` (3) ties.
``pagerank``
    The percentile of ``c``'s personalised PageRank from ``M`` among the network's
    non-members with a positive value (share at or below it); 0 when the walk never reaches
    ``c``. The walk restarts at a uniformly chosen member with probability ``1 − damping``
    (0.15) and follows ties in proportion to their weight (Jeh and Widom 2003; see
    :meth:`gds_jobs.analysis.network.InterlockGraph.ppr`).

Geography
---------
``county``       share of members in ``c``'s county.
``municipality`` share of members in ``c``'s municipality (business address).
``host_county``  1 when ``c`` is in the county that hosts the cluster (0 when unknown).

Edge cases: an empty member set gives every part 0; a candidate outside the network has the
network parts 0; missing codes match nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gds_jobs.analysis.network import InterlockGraph
from klynge.reference.valueareas import ValueAreaRules

#: NACE levels of the ``nace`` part: (name, prefix length, weight).
NACE_LEVELS: tuple[tuple[str, int, float], ...] = (("division", 2, 0.4), ("group", 4, 0.2), ("class", 5, 0.2),
                                                   ("subclass", 6, 0.2))


@dataclass(frozen=True)
class Part:
    name: str
    group: str
    title: str


#: Every part, in display order.
PARTS: tuple[Part, ...] = (
    Part("nace", "industry", "same NACE codes as members"),
    Part("value_chain", "industry", "same value chain (value-creation area) as members"),
    Part("related", "industry", "industries that go together with the members' industries in clusters"),
    Part("board_ties", "network", "members sharing a board member"),
    Part("reach", "network", "board ties to the nearest member (1/steps)"),
    Part("pagerank", "network", "personalised PageRank from the members (percentile)"),
    Part("county", "geography", "members in the same county"),
    Part("municipality", "geography", "members in the same municipality"),
    Part("host_county", "geography", "in the cluster's host county"),
)
PART_NAMES: tuple[str, ...] = tuple(p.name for p in PARTS)
GROUPS: tuple[str, ...] = ("industry", "network", "geography")
PARTS_OF: dict[str, tuple[str, ...]] = {g: tuple(p.name for p in PARTS if p.group == g) for g in GROUPS}
TITLES: dict[str, str] = {p.name: p.title for p in PARTS}


def _texts(values: Sequence[object]) -> list[str | None]:
    return [v if isinstance(v, str) and v else None for v in values]


def _prefixes(codes: Sequence[object], length: int) -> list[str | None]:
    return [c[:length] if isinstance(c, str) and len(c) >= length else None for c in codes]


@dataclass(frozen=True)
class Coded:
    """Organisations as integer codes in a universe's categories (−1: missing or never seen there)."""

    nace: dict[int, np.ndarray]  # prefix length -> codes
    area: np.ndarray
    county: np.ndarray
    municipality: np.ndarray
    net_pos: np.ndarray  # node position in the network, −1 outside it

    def __len__(self) -> int:
        return int(self.county.size)


@dataclass(eq=False)
class Universe:
    """The organisations a fit speaks of, integer-coded (one row per organisation, sorted by orgnr).

    Built once per read (:meth:`build`); the parts of any member set and candidates are then
    vector operations. ``net`` is the interlock network.
    """

    orgnr: np.ndarray
    index: pd.Index
    categories: dict[str, pd.Index]  # "nace2", "nace4", "nace5", "nace6", "area", "county", "municipality"
    coded: Coded
    net: InterlockGraph
    rules: ValueAreaRules | None = None

    @classmethod
    def build(cls, frame: pd.DataFrame, net: InterlockGraph, rules: ValueAreaRules | None) -> Universe:
        """From a frame with ``orgnr``, ``nace``, ``nace_version``, ``municipality_code`` and ``county_code``."""
        orgnr = np.asarray([str(o) for o in frame["orgnr"].tolist()], dtype=object)
        cats: dict[str, pd.Index] = {}
        for key, values in _columns(frame, rules).items():
            _, uniq = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
            cats[key] = pd.Index(uniq, dtype=object)
        u = cls(orgnr, pd.Index(orgnr, dtype=object), cats, Coded({}, *(np.zeros(0, dtype=np.int64),) * 4), net, rules)
        u.coded = u.encode(frame)
        return u

    def encode(self, frame: pd.DataFrame) -> Coded:
        """The rows of ``frame`` (same columns as :meth:`build`) in this universe's categories."""
        cols = _columns(frame, self.rules)

        def code(key: str) -> np.ndarray:
            return self.categories[key].get_indexer(pd.Index(cols[key], dtype=object)).astype(np.int64)

        orgnrs = pd.Index([str(o) for o in frame["orgnr"].tolist()], dtype=object)
        return Coded({length: code(f"nace{length}") for _, length, _ in NACE_LEVELS}, code("area"), code("county"),
                     code("municipality"), self.net.orgs.get_indexer(orgnrs).astype(np.int64))

    def take(self, rows: np.ndarray) -> Coded:
        c = self.coded
        return Coded({k: v[rows] for k, v in c.nace.items()}, c.area[rows], c.county[rows], c.municipality[rows],
                     c.net_pos[rows])

    def __len__(self) -> int:
        return int(self.orgnr.size)

    def rows(self, orgnrs: Sequence[str]) -> np.ndarray:
        """Row positions of the given orgnrs that are in the universe (others are dropped)."""
        pos = self.index.get_indexer(pd.Index([str(o) for o in orgnrs], dtype=object))
        return pos[pos >= 0].astype(np.int64)

    def county_code(self, county: object) -> int:
        """The integer code of a county number (−1 when no organisation is in it)."""
        if county is None or (isinstance(county, float) and np.isnan(county)) or str(county) == "":
            return -1
        return int(self.categories["county"].get_indexer(pd.Index([str(county).zfill(2)], dtype=object))[0])

    def area_of(self, code: object, version: object = None) -> str | None:
        """The value-creation area id of a NACE code (None for none, or without rules)."""
        if self.rules is None or not isinstance(code, str) or not code:
            return None
        a = self.rules.area_of(code, version)
        return None if a == self.rules.other_id else a


def _columns(frame: pd.DataFrame, rules: ValueAreaRules | None) -> dict[str, list[str | None]]:
    codes = _texts(frame["nace"].tolist())
    out: dict[str, list[str | None]] = {f"nace{length}": _prefixes(codes, length) for _, length, _ in NACE_LEVELS}
    versions = frame["nace_version"].tolist() if "nace_version" in frame else [None] * len(codes)
    areas: list[str | None] = [None] * len(codes)
    if rules is not None:
        memo: dict[tuple[object, object], str | None] = {}
        for i, (code, ver) in enumerate(zip(codes, versions, strict=True)):
            if (code, ver) not in memo:
                a = rules.area_of(code, ver) if code else rules.other_id
                memo[(code, ver)] = None if a == rules.other_id else a
            areas[i] = memo[(code, ver)]
    out["area"] = areas
    out["county"] = [str(c).zfill(2) if c else None for c in frame["county_code"].tolist()]
    out["municipality"] = _texts([str(c) if c else None for c in frame["municipality_code"].tolist()])
    return out


def _share(member_codes: np.ndarray, ncat: int, cand_codes: np.ndarray, n_members: int) -> np.ndarray:
    """For each candidate code: the share of the ``n_members`` members with that code (0 for −1)."""
    if n_members == 0:
        return np.zeros(cand_codes.size)
    m = member_codes[member_codes >= 0]
    counts = np.append(np.bincount(m, minlength=ncat).astype(float), 0.0)  # code −1 → the appended 0
    return counts[cand_codes] / n_members


@dataclass(frozen=True)
class NetworkState:
    """Per member set (columns): tie counts, steps to the nearest member, PageRank and its sorted
    pool of non-member values — over every node of the network."""

    ties: np.ndarray  # n × k, members sharing a seat holder with the node
    dist: np.ndarray  # n × k, ties to the nearest member (inf beyond max_hops; 0 for members)
    ppr: np.ndarray  # n × k
    pools: list[np.ndarray]  # per column: sorted positive PageRank of the non-members


def network_state(net: InterlockGraph, member_nodes: Sequence[np.ndarray], *, max_hops: int = 3,
                  damping: float = 0.85, iterations: int = 40) -> NetworkState:
    """:class:`NetworkState` of several member sets at once (node positions in ``net``)."""
    n, k = len(net), len(member_nodes)
    seeds = np.zeros((n, k), dtype=np.float32)
    for j, idx in enumerate(member_nodes):
        if len(idx):
            seeds[np.asarray(idx, dtype=np.int64), j] = 1.0
    binary = net.A.copy()
    binary.data[:] = 1.0
    ties = np.asarray(binary.astype(np.float32) @ seeds) if n else np.zeros((0, k))
    dist = net.hops_matrix(seeds, max_hops)
    ppr = net.ppr_matrix(seeds, damping, iterations) if n else np.zeros((0, k))
    pools = []
    for j in range(k):
        col = ppr[:, j].copy()
        col[seeds[:, j] > 0] = 0.0
        pools.append(np.sort(col[col > 0]))
    return NetworkState(ties, dist, ppr, pools)


def percentile_among(values: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """Share of the (sorted, positive) ``pool`` at or below each value; 0 for a value of 0."""
    if pool.size == 0:
        return np.zeros(len(values))
    out = np.searchsorted(pool, values, side="right") / pool.size
    return np.where(values > 0, out, 0.0)


def relatedness(u: Universe, member_sets: Sequence[np.ndarray]) -> np.ndarray:
    """Division × division relatedness from co-membership (the ``related`` part).

    ``X[K, d]`` is the share of cluster ``K``'s members in NACE division ``d``; two divisions are
    related when their shares rise and fall together across the clusters:
    ``R(d, e) = max(0, corr_K(X[K, d], X[K, e]))`` (Pearson correlation over the clusters), with
    ``R(d, d) = 1``. A division seen in no cluster, or in every cluster alike, is related to nothing
    but itself. Relatedness learnt from co-occurrence follows C. A. Hidalgo et al., "The product
    space conditions the development of nations", Science 317 (2007), and F. Neffke, M. Henning and
    R. Boschma, "How do regions diversify over time?", Economic Geography 87 (2011).
    """
    codes = u.coded.nace[2]
    ncat = len(u.categories["nace2"])
    X = np.zeros((len(member_sets), ncat))
    for k, m in enumerate(member_sets):
        c = codes[m]
        c = c[c >= 0]
        if c.size:
            X[k] = np.bincount(c, minlength=ncat) / c.size
    Xc = X - X.mean(axis=0) if len(member_sets) else X
    norm = np.sqrt((Xc * Xc).sum(axis=0))
    Y = Xc / np.where(norm > 0, norm, 1.0)
    R = np.clip(Y.T @ Y, 0.0, None)
    np.fill_diagonal(R, 1.0)
    return R


def parts(u: Universe, members: np.ndarray, cand: Coded, host_county: int, state: NetworkState, column: int,
          related: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Every part (module docstring) of the candidates ``cand`` against the member rows ``members`` of ``u``.

    Parameters
    ----------
    u : the universe.
    members : row positions of the member set in ``u``.
    cand : the candidates, coded in ``u``'s categories (:meth:`Universe.take` or :meth:`Universe.encode`).
    host_county : the cluster's host county code (:meth:`Universe.county_code`; −1 unknown).
    state, column : the member set's network state and its column in it.
    related : the division relatedness matrix (:func:`relatedness`); None gives ``related`` 0.
    """
    n = members.size
    mc = u.coded
    out: dict[str, np.ndarray] = {}
    nace = np.zeros(len(cand))
    for _, length, w in NACE_LEVELS:
        nace += w * _share(mc.nace[length][members], len(u.categories[f"nace{length}"]), cand.nace[length], n)
    out["nace"] = nace
    out["value_chain"] = _share(mc.area[members], len(u.categories["area"]), cand.area, n)
    out["related"] = np.zeros(len(cand))
    if related is not None and n:
        shares = _share(mc.nace[2][members], len(u.categories["nace2"]), np.arange(related.shape[0]), n)
        out["related"] = np.append(related @ shares, 0.0)[cand.nace[2]]
    pos = cand.net_pos
    inside = pos >= 0
    ties = np.zeros(len(cand))
    dist = np.full(len(cand), np.inf)
    ppr = np.zeros(len(cand))
    if inside.any():
        ties[inside] = state.ties[pos[inside], column]
        dist[inside] = state.dist[pos[inside], column]
        ppr[inside] = state.ppr[pos[inside], column]
    out["board_ties"] = np.log2(1.0 + ties)
    out["reach"] = np.where(np.isfinite(dist) & (dist > 0), 1.0 / np.where(dist > 0, dist, 1.0), 0.0)
    out["pagerank"] = percentile_among(ppr, state.pools[column])
    out["county"] = _share(mc.county[members], len(u.categories["county"]), cand.county, n)
    out["municipality"] = _share(mc.municipality[members], len(u.categories["municipality"]), cand.municipality, n)
    out["host_county"] = ((cand.county == host_county) & (host_county >= 0)).astype(float)
    return out


def member_nodes(u: Universe, members: np.ndarray) -> np.ndarray:
    """Network positions of the member rows that are in the network."""
    pos = u.coded.net_pos[members]
    return pos[pos >= 0]
