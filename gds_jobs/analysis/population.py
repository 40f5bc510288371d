"""The population a figure speaks of and the interlock network its measures come from.

Population
----------
``all``
    Every active organisation with at least ``min_employees`` registered employees.
``firms`` (the study's "firms", the default)
    Of those, the organisations of the industry helix that file annual accounts: helix
    ``industry``, an organisational form that is not a housing co-operative, condominium,
    co-ownership, association, foundation, public body or other non-business form
    (:data:`NON_FIRM_FORMS`), and either a form that must always file accounts with
    Regnskapsregisteret (:data:`FILING_FORMS`: AS, ASA, SA, SE, NUF, SF, sparebank, mutual
    insurer) or at least one filing in the graph (sole proprietors and partnerships file only
    above a size). Universities and research institutes are in the academia helix, public
    bodies in the government helix, so both are left out by the helix.

Network (one per option set)
----------------------------
The active organisations of the population's kind — of any size, since a small holding firm
can tie two large ones — that have filled one of the counted seats (``roles``: board = chair,
deputy chair and member; deputies and observers; the CEO), tied when one person holds a counted
seat in both; weight = number of such persons. Organisations of the compared population that
share no person are isolates (smaller ones that share nobody are left out: they would only be
more isolates); those without any counted seat are not nodes. So the network a figure's measures
come from holds the kind of organisations the figure compares, and no other.

Measures on it (:func:`network_measures`)
-----------------------------------------
* ``constraint`` / ``constraint_weighted``: Burt's constraint on 0/1 ties / on tie weights
  (:func:`gds_jobs.measures.constraint`); missing for isolates.
* ``eigenvector``: eigenvector centrality computed *within the largest connected component*
  (unit length there); missing outside it. On the whole graph every organisation outside the
  largest component scores exactly 0 (the leading eigenvector of a disconnected graph lives on
  one component), so a group comparison of raw scores measures component membership, not
  influence.
* ``harmonic``: harmonic centrality, the mean of 1/distance to every other node (1/∞ = 0), defined
  for every node, isolates included (0) — the network position measure that stays meaningful on a
  fragmented graph (Marchiori and Latora 2000; Boldi and Vigna 2014).
* ``degree``, ``component_size``, ``isolated`` (no tie), ``in_lcc`` (in the largest component).

Networks are cached per read and across reads by their parameters and a fingerprint of the
seats they are built from (:func:`network_for`).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import connected_components

from gds_jobs.analysis.options import ROLE_SETS, AnalysisOptions
from gds_jobs.measures import WeightedGraph, constraint, eigenvector, harmonic

#: Forms that must always file annual accounts with Regnskapsregisteret (regnskapsloven § 1-2).
FILING_FORMS: frozenset[str] = frozenset({"AS", "ASA", "SA", "SE", "NUF", "SF", "SPA", "GFS", "BA"})
#: Forms that are never "firms": housing, co-ownership, associations, foundations, public bodies, estates.
NON_FIRM_FORMS: frozenset[str] = frozenset({
    "BRL", "BBL", "ESEK", "SAM", "FLI", "STI", "STAT", "ORGL", "ADOS", "KOMM", "FYLK", "KIRK", "PK",
    "VPFO", "OPMV", "SÆR", "KBO", "BO", "ANNA", "EOFG", "KTRF", "PERS", "IKJP", "UTLA", "TVAM"})
POPULATION_LABELS = {
    "firms": "industry firms that file accounts",
    "all": "all organisations",
}
ROLE_LABELS = {
    "board": "board seats (chair, deputy chair, member)",
    "board+deputies": "board seats, deputies and observers",
    "board+ceo": "board seats and the CEO",
    "all": "board seats, deputies, observers and the CEO",
}
NETWORK_COLUMNS = ["orgnr", "degree", "constraint", "constraint_weighted", "eigenvector", "harmonic",
                   "component_size", "isolated", "in_lcc", "in_network"]


def is_firm(orgs: pd.DataFrame, filed: Iterable[str] = ()) -> pd.Series:
    """Whether each organisation of ``orgs`` is a firm (see the module docstring).

    Parameters
    ----------
    orgs : needs ``orgnr``, ``helix`` and ``org_form``; ``last_accounts_year`` (the register's year
        of the last annual accounts) counts as a filing where present.
    filed : orgnrs with at least one accounts filing in the graph.
    """
    form = orgs["org_form"].fillna("").astype(str).str.strip().str.upper()
    industry = orgs["helix"].fillna("").astype(str) == "industry"
    files = form.isin(FILING_FORMS) | orgs["orgnr"].astype(str).isin(set(map(str, filed)))
    if "last_accounts_year" in orgs:
        files |= orgs["last_accounts_year"].notna()
    return (industry & ~form.isin(NON_FIRM_FORMS) & files).astype(bool)


def filers(accounts: pd.DataFrame) -> set[str]:
    """Orgnrs with at least one accounts filing in ``accounts``."""
    return set(accounts["orgnr"].astype(str)) if len(accounts) else set()


@dataclass(frozen=True)
class NetworkKey:
    """What a network depends on: the population's kind, the counted seats and the read."""

    population: str
    active_only: bool
    roles: str
    population_hash: str
    seats_hash: str

    @property
    def label(self) -> str:
        active = "active " if self.active_only else ""
        return f"{active}{POPULATION_LABELS.get(self.population, self.population)} of any size, tied by " \
               f"{ROLE_LABELS[self.roles]}"


@dataclass(frozen=True)
class Network:
    """An interlock network of one option set and its measures (one row per population organisation)."""

    key: NetworkKey
    graph: WeightedGraph = field(repr=False)
    measures: pd.DataFrame = field(repr=False)

    def counts(self) -> dict[str, int]:
        """Nodes, ties, isolates and the size of the largest component."""
        m = self.measures
        return {"population": int(len(m)), "nodes": int(self.graph.n), "ties": int(self.graph.m),
                "isolates": int((m["in_network"] & m["isolated"]).sum()),
                "without_counted_seat": int((~m["in_network"]).sum()),
                "largest_component": int(m["in_lcc"].sum())}

    def describe(self, weighted: bool | None = None) -> str:
        """One line for a caption: what the network is and how big."""
        c = self.counts()
        w = "" if weighted is None else (", constraint on tie weights" if weighted else ", constraint on 0/1 ties")
        return (f"network of {self.key.label}: {c['nodes']:,} nodes, {c['ties']:,} ties, {c['isolates']:,} "
                f"isolates, largest component {c['largest_component']:,}{w}")


def _hash(*frames: pd.DataFrame | pd.Series) -> str:
    h = hashlib.sha256()
    for f in frames:
        h.update(pd.util.hash_pandas_object(f, index=False).to_numpy().tobytes())
        h.update(b"|")
    return h.hexdigest()[:16]


def network_measures(g: WeightedGraph, population: Iterable[str], *, harmonic_exact_max: int = 20_000,
                     harmonic_samples: int = 1000, seed: int = 0) -> pd.DataFrame:
    """The measures of the module docstring for every organisation of ``population``.

    Organisations of the population that are not nodes of ``g`` get ``in_network`` False,
    ``isolated`` True, ``in_lcc`` False, ``degree`` 0, ``harmonic`` 0 and missing constraint
    and eigenvector. Harmonic centrality is exact on components up to ``harmonic_exact_max``
    nodes and estimated from ``harmonic_samples`` pivots above (see
    :func:`gds_jobs.measures.harmonic`).
    """
    pop = pd.Index(sorted({str(o) for o in population}), dtype=object)
    n = g.n
    out = pd.DataFrame({"orgnr": list(g.nodes)})
    deg = g.degree.astype(float) if n else np.zeros(0)
    out["degree"] = deg
    out["constraint"] = constraint(g) if n else np.zeros(0)
    out["constraint_weighted"] = constraint(g, weighted=True) if n else np.zeros(0)
    eig = np.full(n, np.nan)
    in_lcc = np.zeros(n, dtype=bool)
    sizes = np.zeros(n)
    if n:
        _, labels = connected_components(g.adj, directed=False)
        counts = np.bincount(labels)
        sizes = counts[labels].astype(float)
        # the largest component; ties go to the one holding the smallest orgnr (nodes are sorted)
        big = int(np.flatnonzero(counts == counts.max())[0]) if n else 0
        members = np.flatnonzero(labels == big)
        if members.size > 1:
            in_lcc[members] = True
            sub = WeightedGraph(tuple(g.nodes[i] for i in members), g.adj[members][:, members])
            eig[members] = eigenvector(sub)
    out["eigenvector"] = eig
    out["harmonic"] = harmonic(g, exact_max=harmonic_exact_max, samples=harmonic_samples, seed=seed) if n \
        else np.zeros(0)
    out["component_size"] = sizes
    out["isolated"] = deg == 0
    out["in_lcc"] = in_lcc
    out["in_network"] = True
    out = out[out["orgnr"].isin(pop)]
    missing = pop.difference(pd.Index(out["orgnr"], dtype=object))
    if len(missing):
        rest = pd.DataFrame({"orgnr": list(missing), "degree": 0.0, "constraint": np.nan,
                             "constraint_weighted": np.nan, "eigenvector": np.nan, "harmonic": 0.0,
                             "component_size": 0.0, "isolated": True, "in_lcc": False, "in_network": False})
        out = pd.concat([out, rest], ignore_index=True)
    for c in ("isolated", "in_lcc", "in_network"):
        out[c] = out[c].astype(bool)
    return out[NETWORK_COLUMNS].sort_values("orgnr").reset_index(drop=True)


def tie_seats(seats: pd.DataFrame, population: Iterable[str], roles: str) -> pd.DataFrame:
    """The seats that tie organisations of a network: ``person_key``, ``orgnr`` of the counted seats
    (``roles``, a key of :data:`~gds_jobs.analysis.options.ROLE_SETS`) in organisations of
    ``population``, one row per person and organisation, of persons with such a seat in two or more
    of them (a single seat ties nobody)."""
    counted = list(ROLE_SETS[roles])
    pop = population if isinstance(population, (set, frozenset)) else {str(o) for o in population}
    s = seats[seats["role"].isin(counted) & seats["orgnr"].astype(str).isin(pop)]
    s = s[["person_key", "orgnr"]].astype(str).drop_duplicates()
    return s[s.groupby("person_key")["orgnr"].transform("size") > 1].reset_index(drop=True)


def build_network(seats: pd.DataFrame, holders: pd.DataFrame, population: Iterable[str], roles: str,
                  key: NetworkKey | None = None) -> Network:
    """The network of ``population`` tied by the seats of ``roles`` (see the module docstring).

    Parameters
    ----------
    seats : ``person_key``, ``orgnr``, ``role`` of persons in two or more organisations.
    holders : ``orgnr``, ``role``: the roles each organisation has filled (for the isolates).
    population : the orgnrs of the population.
    roles : a key of :data:`gds_jobs.analysis.options.ROLE_SETS`.
    """
    counted = list(ROLE_SETS[roles])
    pop = {str(o) for o in population}
    nodes = sorted(set(holders.loc[holders["role"].isin(counted), "orgnr"].astype(str)) & pop)
    s = tie_seats(seats, pop, roles)
    nodes = sorted(set(nodes) | set(s["orgnr"]))
    g = WeightedGraph.from_bipartite(list(zip(s["person_key"], s["orgnr"], strict=True)), nodes=nodes)
    key = key or NetworkKey("custom", True, roles, "", "")
    return Network(key, g, network_measures(g, pop))


_CACHE: OrderedDict[NetworkKey, Network] = OrderedDict()
_CACHE_LOCK = threading.Lock()
CACHE_SIZE = 16


def network_population(data: object, kind: str, active_only: bool = True, filed: Iterable[str] = ()) -> pd.Series:
    """The orgnrs of a network's population: every organisation of ``data.network_orgs`` of ``kind``
    (``firms``: :func:`is_firm`; ``all``), active unless ``active_only`` is off, whatever its size."""
    orgs = data.network_orgs  # type: ignore[attr-defined]
    keep = pd.Series(True, index=orgs.index)
    if active_only:
        keep &= orgs["active"].astype("boolean").fillna(False).astype(bool)
    if kind == "firms":
        keep &= is_firm(orgs, filed)
    return orgs.loc[keep, "orgnr"].astype(str)


def network_for(data: object, population: pd.Series | Iterable[str], options: AnalysisOptions,
                population_kind: str | None = None, roles: str | None = None) -> Network:
    """The network of an option set, built once per parameters and seats.

    Parameters
    ----------
    data : the :class:`~gds_jobs.analysis.data.AnalysisData` with ``interlock_seats`` and ``seat_holders``.
    population : the orgnrs of the network's population (:func:`network_population`).
    options : ``active_only`` names the key; ``population``/``roles`` unless given.

    The key holds the option values and fingerprints of the population and of the seats, so a
    changed graph gives a new network while the same read and options reuse one (up to
    :data:`CACHE_SIZE` networks per process, least recently used dropped).
    """
    kind = population_kind or options.population
    roles = roles or options.roles
    orgnrs = pd.Series(sorted({str(o) for o in population}), dtype=object)
    seats = data.interlock_seats  # type: ignore[attr-defined]
    holders = pd.concat([data.seat_holders, seats[["orgnr", "role"]]],  # type: ignore[attr-defined]
                        ignore_index=True).astype(str).drop_duplicates()
    local = data.cache  # type: ignore[attr-defined]
    if "seats_hash" not in local:
        local["seats_hash"] = _hash(seats.astype(str), holders)
    key = NetworkKey(kind, options.active_only, roles, _hash(orgnrs), local["seats_hash"])
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    net = build_network(seats, holders, orgnrs, roles, key)
    with _CACHE_LOCK:
        _CACHE[key] = net
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return net


def cache_clear() -> None:
    """Forget every cached network (tests)."""
    with _CACHE_LOCK:
        _CACHE.clear()
