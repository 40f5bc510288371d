"""Gould–Fernandez brokerage counts: a hand-worked example and a brute-force oracle."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

from gds_jobs.measures import BROKERAGE_ROLES, GraphInputError, WeightedGraph, brokerage
from gds_jobs.measures.synthetic import random_components_graph, synthetic_interlock


def _brute_force(G: nx.Graph, sector: dict[str, str]) -> dict[str, dict[str, int]]:
    """Per broker b, every unordered pair {a, c} of non-adjacent neighbours, classified by sector."""
    out = {v: dict.fromkeys(BROKERAGE_ROLES, 0) for v in G}
    for b in G:
        for a, c in itertools.combinations(G[b], 2):
            if G.has_edge(a, c):
                continue
            sa, sb, sc = sector[a], sector[b], sector[c]
            if sa == sb == sc:
                role = "coordinator"
            elif sa == sc:
                role = "itinerant"
            elif sb in (sa, sc):
                role = "representative_gatekeeper"
            else:
                role = "liaison"
            out[b][role] += 1
    return out


def test_hand_worked_star_with_three_sectors():
    """Broker b (industry) with neighbours: two firms (i1, i2), a university u, a ministry m; i1-u tied.
    Non-adjacent pairs: i1-i2 coordinator; i1-m, i2-u, i2-m representative/gatekeeper; u-m liaison."""
    sector = {"b": "industry", "i1": "industry", "i2": "industry", "u": "academia", "m": "government"}
    g = WeightedGraph.from_edges(list(sector), [("b", "i1"), ("b", "i2"), ("b", "u"), ("b", "m"), ("i1", "u")])
    row = brokerage(g, sector).set_index("orgnr").loc["b"]
    assert row.to_dict() == {"coordinator": 1, "itinerant": 0, "representative_gatekeeper": 3, "liaison": 1,
                             "total": 5}


def test_itinerant_broker_between_two_firms():
    g = WeightedGraph.from_edges(["f1", "uni", "f2"], [("f1", "uni"), ("uni", "f2")])
    frame = brokerage(g, ["industry", "academia", "industry"])
    assert frame.loc[1, "itinerant"] == 1 and frame.loc[1, "total"] == 1
    assert frame.loc[0, "total"] == 0


CASES = {
    "random-80-3-sectors": (lambda: random_components_graph((50, 25, 5), p=0.12, isolates=2, seed=1), 3),
    "random-150-5-sectors": (lambda: random_components_graph((150,), p=0.06, max_weight=3, seed=2), 5),
    "interlock-600-4-sectors": (lambda: synthetic_interlock(600, seed=3), 4),
}


@pytest.mark.parametrize("name", list(CASES), ids=list(CASES))
def test_brokerage_equals_brute_force(name):
    build, k = CASES[name]
    g = build()
    rng = np.random.default_rng(0)
    names = ["industry", "academia", "government", "intermediary", "other"][:k]
    sector = {v: names[i] for v, i in zip(g.nodes, rng.integers(0, k, size=g.n).tolist())}
    frame = brokerage(g, sector).set_index("orgnr")
    expected = _brute_force(g.to_networkx(), sector)
    for v in g.nodes:
        assert frame.loc[v, list(BROKERAGE_ROLES)].to_dict() == expected[v], v
    assert (frame["total"] == frame[list(BROKERAGE_ROLES)].sum(axis=1)).all()
    assert frame["total"].sum() > 0


def test_brokerage_names_the_node_without_sector():
    g = WeightedGraph.from_edges(["a", "b"], [("a", "b")])
    with pytest.raises(GraphInputError, match="'b'"):
        brokerage(g, {"a": "industry"})


def test_brokerage_rejects_a_sector_list_of_the_wrong_length():
    g = WeightedGraph.from_edges(["a", "b"], [("a", "b")])
    with pytest.raises(GraphInputError, match="2 nodes"):
        brokerage(g, ["industry"])
