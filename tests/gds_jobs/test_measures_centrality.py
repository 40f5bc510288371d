"""Centrality measures of the local engine against networkx (the oracle) and closed forms.

Every oracle comparison runs on random graphs of several sizes and seeds,
weighted and unweighted, with isolates and several components, and on
networkx's Florentine families graph and Davis Southern Women events
projection.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from gds_jobs.measures import (
    ConvergenceError,
    GraphInputError,
    WeightedGraph,
    betweenness,
    closeness,
    degree,
    eigenvector,
    harmonic,
    pagerank,
    weighted_degree,
)
from gds_jobs.measures.synthetic import random_components_graph, synthetic_interlock

TOL = 1e-6


def _florentine() -> WeightedGraph:
    return WeightedGraph.from_networkx(nx.florentine_families_graph())


def _davis_events() -> WeightedGraph:
    davis = nx.davis_southern_women_graph()
    women = {v for v, d in davis.nodes(data=True) if d["bipartite"] == 0}
    return WeightedGraph.from_bipartite((u, v) if u in women else (v, u) for u, v in davis.edges())


GRAPHS = {
    "florentine": _florentine,
    "davis-events-weighted": _davis_events,
    "random-40-unweighted-iso": lambda: random_components_graph((25, 10, 3), p=0.15, isolates=2, seed=1),
    "random-120-weighted-iso": lambda: random_components_graph((80, 30, 6, 2), p=0.06, isolates=5, max_weight=4,
                                                               seed=2),
    "random-300-weighted": lambda: random_components_graph((200, 60, 40), p=0.02, max_weight=3, seed=3),
    "random-300-unweighted-seed7": lambda: random_components_graph((150, 150), p=0.03, isolates=10, seed=7),
    "interlock-1000": lambda: synthetic_interlock(1000, seed=5),
}


@pytest.fixture(params=list(GRAPHS), ids=list(GRAPHS))
def case(request):
    g = GRAPHS[request.param]()
    return g, g.to_networkx()


def _aligned(g: WeightedGraph, values: dict) -> np.ndarray:
    return np.array([values[v] for v in g.nodes], dtype=float)


def test_random_cases_have_isolates_and_several_components():
    """Guard that the oracle cases exercise what they claim to."""
    g = GRAPHS["random-120-weighted-iso"]()
    G = g.to_networkx()
    assert nx.number_connected_components(G) >= 4
    assert any(d == 0 for _, d in G.degree())
    assert g.adj.data.max() > 1


def test_degree_equals_networkx(case):
    g, G = case
    np.testing.assert_array_equal(degree(g), _aligned(g, dict(G.degree())))


def test_weighted_degree_equals_networkx(case):
    g, G = case
    np.testing.assert_allclose(weighted_degree(g), _aligned(g, dict(G.degree(weight="weight"))), atol=TOL)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_eigenvector_equals_converged_networkx(case, weighted):
    g, G = case
    expected = nx.eigenvector_centrality(G, max_iter=100_000, tol=1e-13, weight="weight" if weighted else None)
    np.testing.assert_allclose(eigenvector(g, weighted=weighted), _aligned(g, expected), atol=TOL)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_pagerank_divided_by_its_sum_equals_networkx(case, weighted):
    """networkx.pagerank = GDS-scaled scores / their sum (exact on undirected graphs)."""
    g, G = case
    gds = pagerank(g, weighted=weighted)
    expected = nx.pagerank(G, alpha=0.85, weight="weight" if weighted else None, tol=1e-14, max_iter=10_000)
    np.testing.assert_allclose(gds / gds.sum(), _aligned(g, expected), atol=TOL)
    np.testing.assert_allclose(pagerank(g, weighted=weighted, scale="probability"), _aligned(g, expected), atol=TOL)


def test_betweenness_exact_equals_networkx_unnormalised(case):
    g, G = case
    expected = nx.betweenness_centrality(G, normalized=False)
    np.testing.assert_allclose(betweenness(g), _aligned(g, expected), atol=TOL)


def test_closeness_equals_networkx_wasserman_faust(case):
    g, G = case
    np.testing.assert_allclose(closeness(g), _aligned(g, nx.closeness_centrality(G)), atol=TOL)


def test_harmonic_equals_networkx_divided_by_n_minus_one(case):
    g, G = case
    expected = _aligned(g, nx.harmonic_centrality(G)) / (g.n - 1)
    np.testing.assert_allclose(harmonic(g), expected, atol=TOL)


# ---------------------------------------------------------------- GDS semantics and edge cases


def test_pagerank_gds_scores_sum_to_node_count_without_isolates():
    """GDS form x = (1-d) + d W x: W column-stochastic, so sum(x) = |V| when nobody is isolated."""
    g = WeightedGraph.from_networkx(nx.path_graph(7))
    assert pagerank(g).sum() == pytest.approx(7.0, abs=1e-8)


def test_pagerank_of_isolate_is_one_minus_damping():
    g = WeightedGraph.from_edges(["a", "b", "iso"], [("a", "b")])
    scores = pagerank(g)
    assert scores[2] == pytest.approx(0.15, abs=1e-12)
    assert scores[0] == pytest.approx(1.0, abs=1e-9)  # a pair: x = 0.15 + 0.85 x


def test_pagerank_rejects_damping_of_one():
    with pytest.raises(GraphInputError, match="damping"):
        pagerank(_florentine(), damping=1.0)


def test_pagerank_reports_non_convergence():
    with pytest.raises(ConvergenceError, match="within 2 iterations"):
        pagerank(_florentine(), max_iter=2, tol=1e-15)


def test_weighted_pagerank_differs_from_unweighted_on_davis():
    g = _davis_events()
    assert np.abs(pagerank(g, weighted=True) - pagerank(g)).max() > 1e-3


def test_eigenvector_is_zero_outside_the_leading_component():
    """Power iteration from 1/|V| converges to the Perron vector of the component with the largest
    eigenvalue: a K4 (λ=3) beats a path of 3 (λ=√2), and the isolate gets 0."""
    edges = [(a, b) for a in "abcd" for b in "abcd" if a < b] + [("x", "y"), ("y", "z")]
    g = WeightedGraph.from_edges(list("abcdxyz") + ["iso"], edges)
    scores = eigenvector(g)
    np.testing.assert_allclose(scores[:4], 0.5, atol=1e-12)
    np.testing.assert_allclose(scores[4:], 0.0, atol=1e-12)


def test_eigenvector_shares_mass_between_tied_components():
    """Two disjoint triangles tie on λ=2: the iteration's limit keeps them equal (1/√6 each)."""
    g = WeightedGraph.from_edges(list("abcdef"), [("a", "b"), ("b", "c"), ("a", "c"),
                                                  ("d", "e"), ("e", "f"), ("d", "f")])
    np.testing.assert_allclose(eigenvector(g), 1 / np.sqrt(6), atol=1e-12)


def test_eigenvector_without_edges_is_uniform():
    g = WeightedGraph.from_edges(["a", "b", "c", "d"], [])
    np.testing.assert_allclose(eigenvector(g), 0.5)


def test_eigenvector_equals_networkx_on_a_component_solved_by_lanczos():
    """Components above 400 nodes go through ARPACK instead of a dense solver."""
    g = random_components_graph((700, 20), p=0.01, isolates=3, seed=11)
    G = g.to_networkx()
    expected = nx.eigenvector_centrality(G, max_iter=100_000, tol=1e-13)
    np.testing.assert_allclose(eigenvector(g), _aligned(g, expected), atol=TOL)


def test_empty_graph_gives_empty_arrays():
    g = WeightedGraph.from_edges([], [])
    for f in (degree, weighted_degree, eigenvector, pagerank, betweenness, closeness, harmonic):
        assert f(g).shape == (0,)


def test_closeness_and_harmonic_of_isolates_are_zero():
    g = WeightedGraph.from_edges(["a", "b", "iso"], [("a", "b")])
    assert closeness(g)[2] == 0.0 and harmonic(g)[2] == 0.0
    # a pair in a graph of 3: r = 1, S = 1 -> (1/1) * (1/2)
    assert closeness(g)[0] == pytest.approx(0.5)


# ---------------------------------------------------------------- sampled estimates


@pytest.fixture(scope="module")
def interlock_3k():
    g = synthetic_interlock(3000, seed=1)
    return g, betweenness(g), closeness(g), harmonic(g)


def test_sampled_betweenness_is_within_stated_tolerance_of_exact(interlock_3k):
    """Stated tolerance (synthetic interlock, 3 k firms, 1 500 uniform source draws in the giant component,
    seed 0): relative L1 error below 0.15, and the 10 most central firms' error below 25 % of their
    exact value; the top-10 sets overlap in at least 7."""
    g, exact, _, _ = interlock_3k
    est = betweenness(g, exact_max=100, samples=1500, seed=0)
    assert np.abs(est - exact).sum() / exact.sum() < 0.15
    top = np.argsort(-exact)[:10]
    assert np.max(np.abs(est[top] - exact[top]) / exact[top]) < 0.25
    assert len(set(top) & set(np.argsort(-est)[:10])) >= 7


def test_sampled_betweenness_by_degree_is_within_a_wider_tolerance(interlock_3k):
    g, exact, _, _ = interlock_3k
    est = betweenness(g, exact_max=100, samples=1500, seed=0, sampling="degree")
    assert np.abs(est - exact).sum() / exact.sum() < 0.25


def test_sampled_betweenness_is_deterministic_for_a_seed(interlock_3k):
    g, _, _, _ = interlock_3k
    a = betweenness(g, exact_max=100, samples=200, seed=3)
    b = betweenness(g, exact_max=100, samples=200, seed=3)
    c = betweenness(g, exact_max=100, samples=200, seed=4)
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).max() > 0


def test_sampled_betweenness_keeps_small_components_exact(interlock_3k):
    """Only components larger than exact_max are estimated; nodes elsewhere keep exact values."""
    g, exact, _, _ = interlock_3k
    from scipy.sparse.csgraph import connected_components

    _, labels = connected_components(g.adj, directed=False)
    sizes = np.bincount(labels)
    small = sizes[labels] <= 100
    est = betweenness(g, exact_max=100, samples=50, seed=0)
    np.testing.assert_allclose(est[small], exact[small], atol=1e-9)


def test_sampled_closeness_and_harmonic_are_within_stated_tolerance(interlock_3k):
    """Stated tolerance: 300 BFS pivots give every node within 5 % of its exact closeness / harmonic."""
    g, _, exact_c, exact_h = interlock_3k
    est_c = closeness(g, exact_max=100, samples=300, seed=0)
    est_h = harmonic(g, exact_max=100, samples=300, seed=0)
    pos = exact_c > 0
    assert np.max(np.abs(est_c[pos] - exact_c[pos]) / exact_c[pos]) < 0.05
    assert np.max(np.abs(est_h[pos] - exact_h[pos]) / exact_h[pos]) < 0.10
    np.testing.assert_array_equal(est_c[~pos], 0.0)


def test_closeness_with_all_pivots_is_exact(interlock_3k):
    g, _, exact_c, _ = interlock_3k
    np.testing.assert_allclose(closeness(g, exact_max=100, samples=10_000), exact_c, atol=1e-12)


def test_betweenness_rejects_unknown_sampling():
    with pytest.raises(GraphInputError, match="sampling"):
        betweenness(_florentine(), sampling="random")
