"""WeightedGraph: construction from edges and from person–organisation memberships."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from networkx.algorithms import bipartite

from gds_jobs.measures import GraphInputError, WeightedGraph
from gds_jobs.measures.synthetic import synthetic_interlock, synthetic_memberships
from klynge.errors import KlyngeError


def test_from_edges_sums_duplicates_in_both_directions():
    g = WeightedGraph.from_edges(["a", "b", "c"], [("a", "b", 1), ("b", "a", 2), ("b", "c")])
    assert g.adj[0, 1] == 3.0 and g.adj[1, 0] == 3.0
    assert g.adj[1, 2] == 1.0
    assert g.m == 2


def test_from_edges_drops_self_loops_and_keeps_isolates():
    g = WeightedGraph.from_edges(["a", "b", "iso"], [("a", "a", 5), ("a", "b", 1)])
    assert g.adj.diagonal().sum() == 0
    assert g.nodes == ("a", "b", "iso")
    assert g.degree.tolist() == [1, 1, 0]


def test_from_edges_names_the_record_with_an_unknown_node():
    with pytest.raises(GraphInputError, match=r"Edge record 1 names node 'zz'"):
        WeightedGraph.from_edges(["a", "b"], [("a", "b"), ("a", "zz", 1)])


@pytest.mark.parametrize("weight", [0, -1, float("nan"), "x"], ids=["zero", "negative", "nan", "text"])
def test_from_edges_rejects_bad_weights(weight):
    with pytest.raises(GraphInputError, match="Edge record 0 has weight"):
        WeightedGraph.from_edges(["a", "b"], [("a", "b", weight)])


def test_graph_input_error_is_a_klynge_error():
    with pytest.raises(KlyngeError):
        WeightedGraph.from_edges(["a", "a"], [])


def test_constructor_rejects_asymmetric_matrix():
    adj = sp.csr_matrix(np.array([[0.0, 1.0], [0.0, 0.0]]))
    with pytest.raises(GraphInputError, match="not symmetric"):
        WeightedGraph(("a", "b"), adj)


def test_constructor_rejects_wrong_shape():
    with pytest.raises(GraphInputError, match=r"expected \(3, 3\)"):
        WeightedGraph(("a", "b", "c"), sp.csr_matrix((2, 2)))


def test_from_bipartite_counts_a_person_once_per_organisation():
    memberships = [("p1", "A"), ("p1", "A"), ("p1", "B"), ("p2", "A"), ("p2", "B"), ("p3", "C")]
    g = WeightedGraph.from_bipartite(memberships)
    assert g.nodes == ("A", "B", "C")
    assert g.adj[0, 1] == 2.0  # p1 and p2 sit on both A and B
    assert g.degree.tolist() == [1, 1, 0]  # C shares nobody: isolate


def test_from_bipartite_keeps_listed_organisations_without_members():
    g = WeightedGraph.from_bipartite([("p", "A"), ("p", "B")], nodes=["B", "A", "Z"])
    assert g.nodes == ("B", "A", "Z")
    assert g.adj[0, 1] == 1.0 and g.degree[2] == 0


def test_from_bipartite_names_the_record_outside_the_node_list():
    with pytest.raises(GraphInputError, match=r"Membership record 1 names organisation 'B'"):
        WeightedGraph.from_bipartite([("p", "A"), ("p", "B")], nodes=["A"])


def test_from_bipartite_rejects_a_record_without_person():
    with pytest.raises(GraphInputError, match="Membership record 0"):
        WeightedGraph.from_bipartite([(None, "A")])


def test_davis_events_projection_matches_networkx_weighted_projection():
    """Davis Southern Women (18 women x 14 events): the events projection weighted by shared women
    equals networkx bipartite.weighted_projected_graph."""
    davis = nx.davis_southern_women_graph()
    women = [v for v, d in davis.nodes(data=True) if d["bipartite"] == 0]
    events = [v for v, d in davis.nodes(data=True) if d["bipartite"] == 1]
    memberships = [(u, v) if u in women else (v, u) for u, v in davis.edges()]
    g = WeightedGraph.from_bipartite(memberships)
    expected = bipartite.weighted_projected_graph(davis, events)
    assert set(g.nodes) == set(events)
    got = g.to_networkx()
    assert {frozenset(e) for e in got.edges()} == {frozenset(e) for e in expected.edges()}
    for u, v, d in expected.edges(data=True):
        assert got[u][v]["weight"] == d["weight"]


def test_to_networkx_round_trips_nodes_edges_and_weights():
    g = WeightedGraph.from_edges(["x", "y", "z", "w"], [("x", "y", 2), ("y", "z", 1)])
    back = WeightedGraph.from_networkx(g.to_networkx())
    assert back.nodes == g.nodes
    assert (back.adj != g.adj).nnz == 0


def test_synthetic_interlock_has_the_documented_shape():
    """graph-measures.md: per 10 k firms ~20 k persons, ~29 k seats, ~19 k ties, ~24 % isolates."""
    person, _ = synthetic_memberships(10_000, seed=0)
    g = synthetic_interlock(10_000, seed=0)
    assert 27_000 <= person.size <= 33_000
    assert 15_000 <= g.m <= 23_000
    assert 0.18 <= float(np.mean(g.degree == 0)) <= 0.30
    assert g.degree.max() <= 60
