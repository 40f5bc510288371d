"""Burt's structural-hole measures: published values, closed forms and networkx as oracle."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from gds_jobs.measures import (
    WeightedGraph,
    constraint,
    constraint_weighted,
    effective_size,
    efficiency,
    hierarchy,
    local_constraint,
)
from gds_jobs.measures.synthetic import random_components_graph, synthetic_interlock

TOL = 1e-6

# Borgatti (1997), "Structural holes: unpacking Burt's redundancy measures", Connections 20(1): the example
# graph and weights as used by networkx's tests (algorithms/tests/test_structuralholes.py).
BORGATTI_WEIGHTS = {
    ("A", "B"): 2, ("A", "F"): 3, ("A", "G"): 5, ("A", "E"): 2, ("E", "G"): 8,
    ("F", "G"): 3, ("B", "G"): 4, ("B", "D"): 1, ("D", "G"): 3, ("G", "C"): 10,
}


def _borgatti(weighted: bool) -> WeightedGraph:
    edges = [(u, v, w if weighted else 1) for (u, v), w in BORGATTI_WEIGHTS.items()]
    return WeightedGraph.from_edges(list("ABCDEFG"), edges)


def _value(g: WeightedGraph, values: np.ndarray, node: str) -> float:
    return float(values[g.index[node]])


@pytest.mark.parametrize("node,expected", [("A", 0.595486), ("G", 0.400270), ("C", 1.0)], ids=["A", "G", "C"])
def test_constraint_matches_borgatti_example(node, expected):
    """Unweighted constraint, UCINET whole-network values quoted in graph-measures.md."""
    g = _borgatti(weighted=False)
    assert _value(g, constraint(g), node) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("node,expected", [("A", 0.794955), ("G", 0.298852), ("C", 1.0)], ids=["A", "G", "C"])
def test_weighted_constraint_matches_borgatti_example(node, expected):
    g = _borgatti(weighted=True)
    assert _value(g, constraint_weighted(g), node) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("node,expected", [("G", 4.6667), ("A", 2.5), ("C", 1.0)], ids=["G", "A", "C"])
def test_effective_size_matches_borgatti_example(node, expected):
    g = _borgatti(weighted=False)
    assert _value(g, effective_size(g), node) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize("node,expected", [("G", 5.4717), ("A", 2.475), ("C", 1.0)], ids=["G", "A", "C"])
def test_weighted_effective_size_matches_borgatti_example(node, expected):
    g = _borgatti(weighted=True)
    assert _value(g, effective_size(g, weighted=True), node) == pytest.approx(expected, abs=1e-4)


def test_star_centre_constraint_is_one_over_leaves_and_leaves_are_one():
    g = WeightedGraph.from_networkx(nx.star_graph(5))  # centre "0" with 5 leaves
    c = constraint(g)
    assert _value(g, c, "0") == pytest.approx(1 / 5)
    np.testing.assert_allclose(c[1:], 1.0)


def test_cycle_constraint_is_one_half():
    g = WeightedGraph.from_networkx(nx.cycle_graph(7))
    np.testing.assert_allclose(constraint(g), 0.5)


@pytest.mark.parametrize("n", [3, 4, 6], ids=["K3", "K4", "K6"])
def test_complete_graph_constraint_closed_form(n):
    """K_n: (2n-3)^2 / (n-1)^3; K4 = 0.925926."""
    g = WeightedGraph.from_networkx(nx.complete_graph(n))
    np.testing.assert_allclose(constraint(g), (2 * n - 3) ** 2 / (n - 1) ** 3)
    if n == 4:
        assert constraint(g)[0] == pytest.approx(0.925926, abs=1e-6)


@pytest.mark.parametrize("n", [3, 5], ids=["K3", "K5"])
def test_complete_graph_effective_size_is_one(n):
    """Borgatti's n - 2t/n with n-1 contacts all tied: (n-1) - (n-2) = 1; efficiency 1/(n-1)."""
    g = WeightedGraph.from_networkx(nx.complete_graph(n))
    np.testing.assert_allclose(effective_size(g), 1.0)
    np.testing.assert_allclose(efficiency(g), 1 / (n - 1))


def test_isolates_are_nan_for_every_burt_measure():
    g = WeightedGraph.from_edges(["a", "b", "iso"], [("a", "b", 2)])
    for f in (constraint, constraint_weighted, effective_size, efficiency, hierarchy):
        assert math.isnan(f(g)[2]), f.__name__


def test_pendant_node_constraint_one_efficiency_one_hierarchy_nan():
    g = WeightedGraph.from_networkx(nx.path_graph(4))
    assert constraint(g)[0] == 1.0
    assert efficiency(g)[0] == 1.0
    assert math.isnan(hierarchy(g)[0])  # single contact: documented choice
    assert not math.isnan(hierarchy(g)[1])


def test_hierarchy_is_zero_when_contacts_constrain_equally():
    g = WeightedGraph.from_networkx(nx.cycle_graph(6))
    np.testing.assert_allclose(hierarchy(g), 0.0, atol=1e-12)

def _davis_events() -> WeightedGraph:
    """Davis Southern Women projected on the 14 events; weight = women attending both."""
    davis = nx.davis_southern_women_graph()
    women = {v for v, d in davis.nodes(data=True) if d["bipartite"] == 0}
    return WeightedGraph.from_bipartite((u, v) if u in women else (v, u) for u, v in davis.edges())


ORACLE_GRAPHS = {
    "florentine": lambda: WeightedGraph.from_networkx(nx.florentine_families_graph()),
    "davis-events-weighted": _davis_events,
    "random-60-weighted-iso": lambda: random_components_graph((40, 12, 5), p=0.15, isolates=3, max_weight=4, seed=1),
    "random-160-unweighted-iso": lambda: random_components_graph((100, 45, 15), p=0.05, isolates=6, seed=2),
    "random-120-weighted-seed9": lambda: random_components_graph((120,), p=0.05, max_weight=3, seed=9),
    "interlock-300": lambda: synthetic_interlock(300, seed=4),
}


@pytest.fixture(params=list(ORACLE_GRAPHS), ids=list(ORACLE_GRAPHS))
def case(request):
    g = ORACLE_GRAPHS[request.param]()
    return g, g.to_networkx()


def _aligned(g: WeightedGraph, values: dict) -> np.ndarray:
    return np.array([values[v] for v in g.nodes], dtype=float)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_constraint_equals_networkx(case, weighted):
    g, G = case
    expected = _aligned(g, nx.constraint(G, weight="weight" if weighted else None))
    np.testing.assert_allclose(constraint(g, weighted=weighted), expected, atol=TOL, equal_nan=True)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_local_constraint_equals_networkx(case, weighted):
    g, G = case
    lc = local_constraint(g, weighted=weighted).tocoo()
    w = "weight" if weighted else None
    for i, j, value in list(zip(lc.row.tolist(), lc.col.tolist(), lc.data.tolist()))[:400]:
        assert value == pytest.approx(nx.local_constraint(G, g.nodes[i], g.nodes[j], weight=w), abs=TOL)


def test_effective_size_equals_networkx(case):
    g, G = case
    np.testing.assert_allclose(effective_size(g), _aligned(g, nx.effective_size(G)), atol=TOL, equal_nan=True)


def test_weighted_effective_size_equals_networkx_per_node_path(case):
    """networkx's weighted fast path (nodes=None) is wrong; its per-node path (nodes=list(G)) is the oracle."""
    g, G = case
    expected = _aligned(g, nx.effective_size(G, nodes=list(G), weight="weight"))
    np.testing.assert_allclose(effective_size(g, weighted=True), expected, atol=TOL, equal_nan=True)


def test_efficiency_is_effective_size_per_contact(case):
    g, G = case
    deg = _aligned(g, dict(G.degree()))
    expected = _aligned(g, nx.effective_size(G)) / np.where(deg > 0, deg, np.nan)
    np.testing.assert_allclose(efficiency(g), expected, atol=TOL, equal_nan=True)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_hierarchy_equals_formula_over_networkx_local_constraint(case, weighted):
    """H_i = Σ_j r_j ln r_j / (N ln N), r_j = ℓ_ij / (C_i / N), evaluated node by node with networkx."""
    g, G = case
    w = "weight" if weighted else None
    expected = []
    for v in g.nodes:
        nbrs = list(G[v])
        if len(nbrs) < 2:
            expected.append(np.nan)
            continue
        ells = np.array([nx.local_constraint(G, v, u, weight=w) for u in nbrs])
        r = ells / (ells.sum() / len(nbrs))
        expected.append(float(np.sum(r * np.log(r)) / (len(nbrs) * np.log(len(nbrs)))))
    np.testing.assert_allclose(hierarchy(g, weighted=weighted), expected, atol=TOL, equal_nan=True)
