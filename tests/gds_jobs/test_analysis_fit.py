"""Cluster fit: components, contributions, explanation paths and hold-out evaluation on hand-made data.

Hand graph for cluster K (members M1 62.100 and M2 62.200, both industry, county 03, host county 03):

* X (62.100, county 03) shares board member p1 with M1 (1 step);
* Y (62.900, county 33) shares p2 with X (2 steps);
* Z (41.000, county 33) has no board ties;
* U (85.401, academia, county 33) has no board ties;
* p3 sits in M1 and M2.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from gds_jobs.analysis import AnalysisOptions
from gds_jobs.analysis.data import AnalysisData
from gds_jobs.analysis.fit import (
    FitOptions,
    _mid_ranks,
    cluster_candidates,
    clusters_for_firm,
    evaluate_holdout,
    score_candidates,
)
from gds_jobs.analysis.frame import build_frame
from gds_jobs.analysis.network import InterlockGraph

SEATS = pd.DataFrame({"person_key": ["p1", "p1", "p2", "p2", "p3", "p3"],
                      "orgnr": ["M1", "X", "X", "Y", "M1", "M2"]})
ORGS = pd.DataFrame({
    "orgnr": ["M1", "M2", "X", "Y", "Z", "U"],
    "nace": ["62.100", "62.200", "62.100", "62.900", "41.000", "85.401"],
    "helix": ["industry", "industry", "industry", "industry", "industry", "academia"],
    "county_code": ["03", "03", "03", "33", "33", "33"],
})


def scores() -> pd.DataFrame:
    g = InterlockGraph(SEATS, extra_orgnrs=ORGS["orgnr"])
    cands = ORGS[ORGS["orgnr"].isin(["X", "Y", "Z", "U"])].reset_index(drop=True)
    members = ORGS[ORGS["orgnr"].isin(["M1", "M2"])]
    return score_candidates(cands, members, g, host_county="03").set_index("orgnr")


def test_industry_component_shares_nace_levels_with_members():
    """X 62.100: division 62 (2/2) * 0.4 + group 62.1 (1/2) * 0.2 + class 62.10 (1/2) * 0.2
    + subclass 62.100 (1/2) * 0.2 = 0.7. Y 62.900: division only → 0.4. Z, U: 0."""
    s = scores()
    assert s.loc["X", "industry"] == pytest.approx(0.7)
    assert s.loc["Y", "industry"] == pytest.approx(0.4)
    assert s.loc["Z", "industry"] == 0 and s.loc["U", "industry"] == 0


def test_network_component_blends_hops_and_pagerank_percentile():
    """X: 1 step (1/1) and the highest PageRank of the 2 reached non-members (percentile 1) → 1.0.
    Y: 2 steps (1/2) and percentile 1/2 → 0.5. Z, U unreachable → 0."""
    s = scores()
    assert s.loc["X", "hops"] == 1 and s.loc["Y", "hops"] == 2 and math.isinf(s.loc["Z", "hops"])
    assert s.loc["X", "network"] == pytest.approx(1.0)
    assert s.loc["Y", "network"] == pytest.approx(0.5)
    assert s.loc["Z", "network"] == 0


def test_helix_and_geography_components():
    """Helix: members all industry → industry candidates 0, the academic U 1.
    Geography: X in host county 03 with 2/2 members there → 0.5 + 0.5 = 1; others 0."""
    s = scores()
    assert s.loc["X", "helix"] == 0 and s.loc["U", "helix"] == 1
    assert s.loc["X", "geography"] == pytest.approx(1.0) and s.loc["Y", "geography"] == 0


def test_score_is_the_weighted_sum_and_contributions_add_up():
    """X: 0.4*0.7 + 0.3*1.0 + 0.1*0 + 0.2*1.0 = 0.78. Y: 0.4*0.4 + 0.3*0.5 = 0.31. U: 0.1*1 = 0.1. Z: 0."""
    s = scores()
    assert s.loc["X", "score"] == pytest.approx(0.78)
    assert s.loc["Y", "score"] == pytest.approx(0.31)
    assert s.loc["U", "score"] == pytest.approx(0.1)
    assert s.loc["Z", "score"] == 0
    contrib = s[[c for c in s.columns if c.startswith("contrib_")]].sum(axis=1)
    assert np.allclose(contrib, s["score"])


def test_personalised_pagerank_matches_networkx():
    """Oracle: networkx pagerank with personalization and dangling mass on the seeds {M1, M2}."""
    g = InterlockGraph(SEATS, extra_orgnrs=ORGS["orgnr"])
    ours = dict(zip(g.orgs, g.ppr([["M1", "M2"]])[:, 0], strict=True))
    G = nx.Graph()
    G.add_nodes_from(g.orgs)
    for a, b, w in [("M1", "X", 1), ("X", "Y", 1), ("M1", "M2", 1)]:
        G.add_edge(a, b, weight=w)
    pers = {n: (0.5 if n in ("M1", "M2") else 0.0) for n in G}
    ref = nx.pagerank(G, alpha=0.85, personalization=pers, dangling=pers, weight="weight", tol=1e-12,
                      max_iter=1000)
    for n in G:
        assert ours[n] == pytest.approx(ref[n], abs=1e-8)


def test_interlock_weights_count_shared_persons():
    seats = pd.DataFrame({"person_key": ["a", "a", "b", "b"], "orgnr": ["1", "2", "1", "2"]})
    g = InterlockGraph(seats)
    assert g.A[g.position("1"), g.position("2")] == 2


def _data(members: dict[str, list[str]], orgs: pd.DataFrame, seats: pd.DataFrame, region: list[str],
          host: str | None = "03") -> AnalysisData:
    o = orgs.copy()
    o["name"] = "Firm " + o["orgnr"]
    o["municipality_code"] = o["county_code"] + "01"
    for c in ("org_form", "nace_version", "sector_code", "has_employee_count", "synthetic", "as_of"):
        o[c] = None
    o["employees"] = 10
    o["active"] = True
    o["in_population"] = True
    ms = pd.DataFrame([{"orgnr": m, "cluster_id": c, "since": None, "until": None, "role": None}
                       for c, ids in members.items() for m in ids])
    cl = pd.DataFrame([{"cluster_id": c, "name": f"Cluster {c}", "level": "Arena", "programme": None,
                        "host_county": host, "host_orgnr": None, "since": None, "until": None,
                        "synthetic": None, "as_of": None} for c in members])
    empty = pd.DataFrame
    return AnalysisData(
        region=None, orgs=o, region_units=pd.DataFrame({"orgnr": region, "via": "address", "subunits": 0}),
        clusters=cl, memberships=ms,
        grants=empty(columns=["orgnr", "source", "year", "applications", "granted", "amount_granted", "as_of"]),
        patents=empty(columns=["orgnr", "year", "patents", "as_of"]),
        accounts=empty(columns=["orgnr", "year", "currency", "revenue", "operating_result",
                                "ordinary_result_before_tax", "total_assets", "ebitda", "as_of"]),
        seats=seats, measures=empty({"orgnr": []}))


def test_cluster_candidates_rank_region_firms_and_explain_the_board_path():
    """Region firms X, Y, Z, U are ranked X (0.78), Y (0.31), U (0.1), Z (0). Y's path runs through X:
    Y shares p2 with X, which shares p1 with member M1."""
    opts = AnalysisOptions(as_of_year=2024, min_employees=0, population="all")  # the fit ranks every helix
    data = _data({"K": ["M1", "M2"]}, ORGS, SEATS, ["X", "Y", "Z", "U"])
    frame = build_frame(data, opts)
    g = InterlockGraph(SEATS, extra_orgnrs=frame["orgnr"])
    out = cluster_candidates(frame, data, g, "K", opts, top=10)
    assert list(out["orgnr"]) == ["X", "Y", "U", "Z"]
    assert list(out["rank"]) == [1, 2, 3, 4]
    assert out["score"].tolist() == pytest.approx([0.78, 0.31, 0.1, 0.0])
    y = out.set_index("orgnr").loc["Y"]
    assert y["explanation"].startswith("shares board member P:p2 with Firm X (X), which shares board member "
                                       "P:p1 with member Firm M1 (M1)")
    assert y["path"] == "Y > p2 > X > p1 > M1"
    z = out.set_index("orgnr").loc["Z"]
    assert z["explanation"].startswith("no board link to a member within 3 steps")
    named = cluster_candidates(frame, data, g, "K", opts, top=10, person_label={"p1": "Kari Nordmann"})
    assert "shares board member Kari Nordmann with member Firm M1" in named.set_index("orgnr").loc["X", "explanation"]


def test_clusters_for_firm_ranks_the_cluster_whose_members_it_resembles_first():
    """X against K (members M1, M2: score 0.78 as above) and L (member Z only, 41.000, no ties,
    host 03): industry 0, network 0, helix 1 - 1 = 0, geography 0.5 * [03 = 03] + 0.5 * 0 = 0.5 → 0.1."""
    opts = AnalysisOptions(as_of_year=2024, min_employees=0, population="all")  # the fit ranks every helix
    data = _data({"K": ["M1", "M2"], "L": ["Z"]}, ORGS, SEATS, [])
    frame = build_frame(data, opts)
    g = InterlockGraph(SEATS, extra_orgnrs=frame["orgnr"])
    out = clusters_for_firm(frame, data, g, "X", opts, top=5)
    assert list(out["cluster_id"]) == ["K", "L"]
    assert out["score"].tolist() == pytest.approx([0.78, 0.1])
    assert not out["member"].any()


def test_mid_ranks_count_ties_as_half():
    """Values 5, 3, 3, 1: the first 3 has one better and one equal → rank 1 + 1 + 0.5 = 2.5."""
    r = _mid_ranks(np.array([5.0, 3.0, 3.0, 1.0]), np.array([False, True, False, True]))
    assert r.tolist() == [2.5, 4.0]


def test_holdout_finds_a_hidden_member_that_resembles_the_rest_at_rank_one():
    """Cluster of 5 members (62.100, county 03, all on one board p0) and 10 unrelated firms (41.000, county 33,
    no ties). Whichever member is hidden (20 % of 5 = 1) has industry 1, network 1 and geography 1, the
    others 0: rank 1, so hit@10 = 1 and MRR = 1; a random ranking would hit 10 of 11 candidates."""
    members = [f"m{i}" for i in range(5)]
    others = [f"o{i:02d}" for i in range(10)]
    orgs = pd.DataFrame({"orgnr": members + others, "nace": ["62.100"] * 5 + ["41.000"] * 10,
                         "helix": "industry", "county_code": ["03"] * 5 + ["33"] * 10})
    seats = pd.DataFrame({"person_key": ["p0"] * 5, "orgnr": members})
    opts = AnalysisOptions(as_of_year=2024, min_employees=0, population="all")  # the fit ranks every helix
    data = _data({"K": members}, orgs, seats, [], host=None)
    frame = build_frame(data, opts)
    g = InterlockGraph(seats, extra_orgnrs=frame["orgnr"])
    per, summary = evaluate_holdout(frame, data, g, opts, FitOptions(), ks=(1, 10))
    row = per.iloc[0]
    assert (row["members"], row["held_out"], row["candidates"]) == (5, 1, 11)
    assert row["hit@1"] == 1.0 and row["mrr"] == 1.0
    assert row["random_hit@10"] == pytest.approx(10 / 11)
    full = summary.set_index("variant").loc["full"]
    assert full["hit@1"] == 1.0 and full["held_out"] == 1
    helix_only = summary.set_index("variant").loc["helix"]
    assert helix_only["median_rank"] == pytest.approx(6.0)  # all 11 tie at 0: 1 + 10 / 2
