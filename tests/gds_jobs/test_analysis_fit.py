"""Cluster fit on hand-made data: every part, the weights, the splits, the metrics and the evaluation,
against oracles computed independently here (networkx PageRank, pandas correlation, scipy Mann–Whitney
and a direct maximum-likelihood fit with scipy.optimize).

Hand world (all AS firms with 10 employees, filing; board seats are MEDL):

* cluster K, host county 03: members M1 62.100 (0301), M2 62.200 (0301), M3 58.210 (3305);
* cluster L, host county 46: members N1 41.000 (4601), N2 43.210 (4601), N3 62.100 (4601);
* X 62.100 (0301) shares p1 with M1 · Y 62.900 (3305) shares p2 with X · Z 41.000 (3305) · W 61.100 (4601);
* p3 sits in M1 and M2; an association FLI (94.990) shares p4 with X and M3 and is no firm.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from gds_jobs.analysis import AnalysisOptions
from gds_jobs.analysis.data import AnalysisData
from gds_jobs.analysis.fitscore import build_model
from gds_jobs.analysis.fittables import cluster_table, firm_table, label_persons
from gds_jobs.analysis.fiteval import cluster_folds, evaluate, rank_metrics
from gds_jobs.analysis.fitmodel import (
    PRIOR_WEIGHTS,
    context,
    fit_weights,
    make_splits,
)
from gds_jobs.analysis.fitparts import PART_NAMES, parts, percentile_among, relatedness
from klynge.reference.valueareas import ValueArea, ValueAreaRules

RULES = ValueAreaRules(areas=(ValueArea("ikt", "IKT", ("58.2", "61", "62", "63")),
                              ValueArea("bygg", "Bygg og anlegg", ("41", "42", "43"))))
OPTS = AnalysisOptions(as_of_year=2024, min_employees=5)
ORGS = [  # orgnr, nace, municipality, form
    ("M1", "62.100", "0301", "AS"), ("M2", "62.200", "0301", "AS"), ("M3", "58.210", "3305", "AS"),
    ("N1", "41.000", "4601", "AS"), ("N2", "43.210", "4601", "AS"), ("N3", "62.100", "4601", "AS"),
    ("X", "62.100", "0301", "AS"), ("Y", "62.900", "3305", "AS"), ("Z", "41.000", "3305", "AS"),
    ("W", "61.100", "4601", "AS"), ("FLI1", "94.990", "0301", "FLI"),
]
SEATS = [("p1", "M1"), ("p1", "X"), ("p2", "X"), ("p2", "Y"), ("p3", "M1"), ("p3", "M2"), ("p4", "X"),
         ("p4", "M3"), ("p4", "FLI1")]
MEMBERS = {"K": ["M1", "M2", "M3"], "L": ["N1", "N2", "N3"]}
HOSTS = {"K": "03", "L": "46"}


def make_data(orgs=ORGS, seats=SEATS, members=MEMBERS, hosts=HOSTS, levels=None) -> AnalysisData:
    o = pd.DataFrame([{"orgnr": n, "name": f"Firm {n}", "helix": "industry" if f != "FLI" else "other",
                       "org_form": f, "nace": c, "nace_version": "SN2025", "sector_code": None, "employees": 10,
                       "has_employee_count": True, "municipality_code": m, "active": True, "founded": None,
                       "last_accounts_year": 2024, "synthetic": False, "as_of": None, "in_population": True}
                      for n, c, m, f in orgs])
    ms = pd.DataFrame([{"orgnr": m, "cluster_id": c, "since": None, "until": None, "role": None}
                       for c, ids in members.items() for m in ids])
    cl = pd.DataFrame([{"cluster_id": c, "name": f"Cluster {c}", "level": (levels or {}).get(c, "Arena"),
                        "programme": None, "host_county": hosts.get(c), "host_orgnr": None, "since": None,
                        "until": None, "synthetic": False, "as_of": None} for c in members])
    inter = pd.DataFrame([{"person_key": p, "orgnr": org, "role": "MEDL"} for p, org in seats],
                         columns=["person_key", "orgnr", "role"])
    empty = pd.DataFrame
    return AnalysisData(
        region=None, orgs=o, region_units=empty(columns=["orgnr", "via", "subunits"]), clusters=cl, memberships=ms,
        grants=empty(columns=["orgnr", "source", "year", "applications", "granted", "amount_granted", "as_of"]),
        patents=empty(columns=["orgnr", "year", "patents", "as_of"]),
        accounts=empty(columns=["orgnr", "year", "currency", "revenue", "operating_result",
                                "ordinary_result_before_tax", "total_assets", "ebitda", "as_of"]),
        seats=inter[["person_key", "orgnr"]], measures=empty({"orgnr": []}), interlock_seats=inter,
        seat_holders=inter[["orgnr", "role"]], network_orgs=o[["orgnr", "helix", "org_form", "nace", "active",
                                                               "last_accounts_year"]])


def k_parts(cands=("X", "Y", "Z", "W")):
    ctx = context(make_data(), OPTS, RULES)
    u = ctx.universe
    members = ctx.members["K"]
    from gds_jobs.analysis.fitmodel import split_state

    state = split_state(ctx, [members])
    rows = u.rows(list(cands))
    rel = relatedness(u, [ctx.members["K"], ctx.members["L"]])
    vals = parts(u, members, u.take(rows), ctx.host("K"), state, 0, rel)
    return ctx, pd.DataFrame(vals, index=list(cands))


def test_candidates_are_the_firms_and_never_the_association():
    ctx = context(make_data(), OPTS, RULES)
    assert sorted(ctx.universe.orgnr[ctx.candidates]) == sorted(o for o, *_ in ORGS if o != "FLI1")


def test_industry_parts_nace_levels_and_value_chains():
    """X 62.100 against M1 62.100, M2 62.200, M3 58.210: division 62 (2/3) * 0.4 + group 62.1, class 62.10 and
    subclass 62.100 (1/3 each) * 0.2 = 0.4667. Y 62.900: division only, 0.2667. Value chain IKT (58.2, 61, 62,
    63): X, Y and W (61.100) share it with all three members; Z (41, building) with none."""
    _, v = k_parts()
    assert v.loc["X", "nace"] == pytest.approx(0.4 * 2 / 3 + 0.2 / 3 * 3)
    assert v.loc["Y", "nace"] == pytest.approx(0.4 * 2 / 3)
    assert v.loc["Z", "nace"] == 0 and v.loc["W", "nace"] == 0
    assert list(v["value_chain"]) == pytest.approx([1.0, 1.0, 0.0, 1.0])


def test_related_industries_are_the_clipped_correlation_of_member_shares():
    """Oracle: pandas' Pearson correlation of the division columns of the cluster × division share matrix.
    K: 62 2/3, 58 1/3; L: 41 1/3, 43 1/3, 62 1/3. With two clusters 62 and 58 move together (+1), 62 and 41
    against each other (−1 → 0). related(Z 41) = mean over K's members of R(41, ·) = 0."""
    ctx, v = k_parts()
    shares = pd.DataFrame({"62": [2 / 3, 1 / 3], "58": [1 / 3, 0], "41": [0, 1 / 3], "43": [0, 1 / 3],
                           "61": [0, 0]})
    corr = shares.corr().fillna(0).clip(lower=0)
    for d in corr.index:
        corr.loc[d, d] = 1.0
    R = relatedness(ctx.universe, [ctx.members["K"], ctx.members["L"]])
    cats = list(ctx.universe.categories["nace2"])
    for a in ("62", "58", "41", "43"):
        for b in ("62", "58", "41", "43"):
            assert R[cats.index(a), cats.index(b)] == pytest.approx(corr.loc[a, b], abs=1e-12)
    k_share = {"62": 2 / 3, "58": 1 / 3}
    for cand, div in (("X", "62"), ("Z", "41"), ("W", "61")):
        expect = sum(s * corr.loc[div, d] for d, s in k_share.items()) if div in corr.index else 0.0
        assert v.loc[cand, "related"] == pytest.approx(expect)


def test_network_parts_ties_steps_and_firm_to_firm_pagerank():
    """X shares p1 with M1 and p4 with M3 (the association FLI1 on p4 is no firm, so no node): 2 member ties,
    log2(1 + 2) = 1.585, 1 step. Y is 2 steps away (p2 via X). Z and W have no ties. PageRank: the percentile of
    networkx's personalised PageRank on the firm–firm network among its positive non-members."""
    ctx, v = k_parts()
    assert v.loc["X", "board_ties"] == pytest.approx(math.log2(3))
    assert list(v["reach"]) == pytest.approx([1.0, 0.5, 0.0, 0.0])
    assert "FLI1" not in set(ctx.universe.net.orgs)
    G = nx.Graph()
    G.add_nodes_from(["M1", "M2", "M3", "X", "Y"])
    G.add_edges_from([("M1", "X"), ("X", "Y"), ("M1", "M2"), ("X", "M3")])
    pers = {n: (1 / 3 if n in ("M1", "M2", "M3") else 0.0) for n in G}
    pr = nx.pagerank(G, alpha=0.85, personalization=pers, dangling=pers, tol=1e-12, max_iter=1000)
    pool = np.sort([pr["X"], pr["Y"]])
    assert v.loc["X", "pagerank"] == pytest.approx(percentile_among(np.array([pr["X"]]), pool)[0])
    assert v.loc["Y", "pagerank"] == pytest.approx(0.5) and v.loc["X", "pagerank"] == pytest.approx(1.0)
    assert v.loc["Z", "pagerank"] == 0


def test_interlock_pagerank_and_steps_match_networkx():
    """Oracles: networkx pagerank with personalization and dangling mass on the seeds {M1, M2}, and networkx's
    shortest-path lengths from the nearest seed (inf beyond 3 steps), on the person-projected graph."""
    from gds_jobs.analysis.network import InterlockGraph

    seats = pd.DataFrame(SEATS, columns=["person_key", "orgnr"])
    g = InterlockGraph(seats, extra_orgnrs=["Z"])
    G = nx.Graph()
    G.add_nodes_from(g.orgs)
    for p, grp in seats.groupby("person_key"):
        orgs = sorted(grp["orgnr"])
        for i, a in enumerate(orgs):
            for b in orgs[i + 1:]:
                w = G.get_edge_data(a, b, {"weight": 0})["weight"]
                G.add_edge(a, b, weight=w + 1)
    pers = {n: (0.5 if n in ("M1", "M2") else 0.0) for n in G}
    ref = nx.pagerank(G, alpha=0.85, personalization=pers, dangling=pers, weight="weight", tol=1e-12, max_iter=1000)
    ours = dict(zip(g.orgs, g.ppr([["M1", "M2"]])[:, 0], strict=True))
    assert all(ours[n] == pytest.approx(ref[n], abs=1e-8) for n in G)
    lengths = nx.multi_source_dijkstra_path_length(G, {"M1", "M2"}, weight=lambda a, b, d: 1)
    steps = dict(zip(g.orgs, g.hops(["M1", "M2"], 3), strict=True))
    assert all(steps[n] == (lengths[n] if n in lengths and lengths[n] <= 3 else math.inf) for n in G)


def test_geography_parts():
    """Members of K: two in Oslo (0301, county 03), one in Ringerike (3305, county 33); host county 03."""
    _, v = k_parts()
    assert list(v["county"]) == pytest.approx([2 / 3, 1 / 3, 1 / 3, 0.0])
    assert list(v["municipality"]) == pytest.approx([2 / 3, 1 / 3, 1 / 3, 0.0])
    assert list(v["host_county"]) == [1.0, 0.0, 0.0, 0.0]


def test_rank_metrics_against_scipy_and_hand_ranks():
    """Scores: hidden members at 0.9 and 0.5 among non-members 1.0, 0.7, 0.5, 0.1. Ranks among non-members only,
    ties half: 0.9 → 2, 0.5 → 1 + 2 + 0.5 = 3.5. AUC = Mann–Whitney U / (n₁ n₀) from scipy."""
    scores = np.array([0.9, 1.0, 0.5, 0.7, 0.5, 0.1])
    pos = np.array([True, False, True, False, False, False])
    m = rank_metrics(scores, pos, ks=(1, 2, 3))
    assert (m["hit@1"], m["hit@2"], m["hit@3"]) == (0.0, 0.5, 0.5)
    assert m["mrr"] == pytest.approx((1 / 2 + 1 / 3.5) / 2)
    u = stats.mannwhitneyu(scores[pos], scores[~pos]).statistic
    assert m["auc"] == pytest.approx(u / (2 * 4))


def _direct_logit(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    Xc = np.column_stack([np.ones(len(y)), X])

    def nll(b):
        z = Xc @ b
        return float(np.sum(np.logaddexp(0, z) - y * z))

    return optimize.minimize(nll, np.zeros(Xc.shape[1]), method="BFGS", options={"gtol": 1e-9}).x


def test_weights_are_a_maximum_likelihood_logistic_regression_without_negative_parts():
    """Oracle: minimise the logistic negative log-likelihood directly (scipy BFGS). A part that lowers the odds
    (here 'county') is left out and the others refitted; so every weight is ≥ 0."""
    rng = np.random.default_rng(3)
    n = 4000
    X = pd.DataFrame({p: rng.random(n) for p in ("nace", "host_county", "county")})
    z = -3 + 2.0 * X["nace"] + 1.0 * X["host_county"] - 1.5 * X["county"]
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(float)
    w = fit_weights(X, y, clusters=10, names=("nace", "host_county", "county"))
    b = _direct_logit(X[["nace", "host_county"]].to_numpy(), y)
    assert w.fitted and w.method == "maximum likelihood"
    assert w.weights["nace"] == pytest.approx(b[1], rel=1e-4)
    assert w.weights["host_county"] == pytest.approx(b[2], rel=1e-4)
    assert w.weights["county"] == 0.0 and all(v >= 0 for v in w.weights.values())
    assert set(w.weights) == set(PART_NAMES)


def test_too_few_examples_give_the_prior_weights():
    X = pd.DataFrame({p: [0.1, 0.9, 0.2] for p in PART_NAMES})
    w = fit_weights(X, np.array([0.0, 1.0, 0.0]), clusters=1)
    assert not w.fitted and w.weights == PRIOR_WEIGHTS and "prior weights" in w.describe()


def test_splits_hide_candidate_members_keep_two_and_repeat_by_seed():
    data = make_data(members={"K": ["M1", "M2", "M3"], "L": ["N1", "N2", "N3", "X", "Y"]}, hosts=HOSTS)
    ctx = context(data, OPTS, RULES)
    a = make_splits(ctx, ["K", "L"], np.random.default_rng(1), fraction=0.5)
    b = make_splits(ctx, ["K", "L"], np.random.default_rng(1), fraction=0.5)
    assert [(s.cluster_id, list(s.hidden)) for s in a] == [(s.cluster_id, list(s.hidden)) for s in b]
    k, l_ = a
    assert k.hidden.size == 1 and k.kept.size == 2  # 0.5 × 3 rounds to 2, but two members must stay visible
    assert l_.hidden.size == 2 and l_.kept.size == 3  # round(0.5 × 5) = 2 (banker's rounding of 2.5)
    for s in a:
        assert ctx.is_candidate[s.hidden].all()
        assert not set(s.hidden) & set(s.kept)
        assert set(s.hidden) | set(s.kept) == set(ctx.members[s.cluster_id])


def test_cluster_folds_never_score_a_cluster_with_weights_fitted_on_it():
    folds = cluster_folds(13, 5, np.random.default_rng(0))
    tested = [i for _, test in folds for i in test]
    assert sorted(tested) == list(range(13))
    for train, test in folds:
        assert not set(train) & set(test) and set(train) | set(test) == set(range(13))
    assert len(cluster_folds(1, 5, np.random.default_rng(0))) == 2


def planted(n_clusters: int = 12, per: int = 10, others: int = 300, seed: int = 0) -> AnalysisData:
    """Clusters whose members share a division and a county (the host county); unrelated other firms."""
    rng = np.random.default_rng(seed)
    divisions = ["10", "16", "25", "28", "41", "62", "71", "55", "35", "03", "20", "30"]
    counties = ["03", "11", "15", "18", "32", "33", "34", "39", "40", "42", "46", "50"]
    orgs, members, hosts = [], {}, {}
    for k in range(n_clusters):
        cid = f"C{k:02d}"
        hosts[cid] = counties[k]
        members[cid] = []
        for i in range(per):
            o = f"{cid}m{i:02d}"
            orgs.append((o, f"{divisions[k]}.{rng.integers(1, 4)}00", f"{counties[k]}{rng.integers(1, 4):02d}", "AS"))
            members[cid].append(o)
    for i in range(others):
        orgs.append((f"o{i:04d}", f"{rng.choice(divisions)}.{rng.integers(1, 4)}00",
                     f"{rng.choice(counties)}{rng.integers(1, 4):02d}", "AS"))
    return make_data(orgs=orgs, seats=[], members=members, hosts=hosts)


def test_evaluation_finds_planted_members_and_reports_intervals_and_baselines():
    ctx = context(planted(), OPTS, RULES)
    ev = evaluate(ctx, seeds=3, bootstrap=200)
    s = ev.summary.set_index("variant")
    assert set(s.index) == {"full", "industry only", "NACE overlap only", "network only", "geography only",
                            "earlier fixed score", "random"}
    assert s.loc["full", "clusters"] == 12 and s.loc["full", "hidden"] == 12 * 2 * 3
    assert s.loc["full", "hit@10"] > 0.5 > s.loc["random", "hit@10"]
    assert s.loc["full", "auc"] > 0.9
    for m in ("hit@10", "hit@50", "mrr", "auc"):
        assert (s[f"{m}_ci_low"] <= s[m] + 1e-12).all() and (s[m] <= s[f"{m}_ci_high"] + 1e-12).all()
    assert "full − industry only" in set(ev.differences["comparison"])
    assert ev.verdict.startswith("The full score")
    assert ev.weights is not None and ev.weights.fitted
    assert any("cross-fitted" in n for n in ev.notes)


def test_evaluation_of_nothing_says_why():
    data = make_data(members={"K": ["M1", "M2"]}, hosts={"K": "03"})
    ev = evaluate(context(data, OPTS, RULES), seeds=2)
    assert ev.summary.empty and ev.verdict.startswith("Not evaluated")
    assert "Cluster K: 2 members in the graph, 2 of them candidates" in ev.notes[0]


def test_cluster_and_firm_tables_add_up_and_explain():
    """K's candidates X (1 step from M1, sharing p1) first; the parts' contributions add up to the score; the
    firm table scores a member (M1) against the other members only."""
    model = build_model(make_data(), OPTS, RULES)
    t = cluster_table(model, "K", top=10)
    assert list(t["orgnr"])[0] == "X" and "M1" not in set(t["orgnr"])
    contrib = t[[f"contrib_{p}" for p in PART_NAMES]].sum(axis=1)
    assert np.allclose(contrib, t["score"])
    x = t.iloc[0]["details"]
    assert x["similar"][0]["orgnr"] == "M1"
    assert {"kind": "nace", "level": "subclass", "code": "62.100"} in x["similar"][0]["reasons"]
    assert [st["person"] for ch in x["chains"] for st in ch] == ["p1", "p4"]
    assert sum(p["contribution"] for p in x["parts"]) == pytest.approx(t.iloc[0]["score"])
    f = firm_table(model, "M1").set_index("cluster_id")
    assert bool(f.loc["K", "member"]) and f.loc["K", "nace"] == pytest.approx(0.4 * 1 / 2)  # M2 62.200, M3 58
    assert not f.loc["L", "member"]


def test_persons_are_named_only_with_names_and_never_shown_by_key():
    model = build_model(make_data(), OPTS, RULES)
    t = cluster_table(model, "K", top=1)
    viewer = label_persons(t, None).iloc[0]["details"]["chains"]
    assert [st["person"] for ch in viewer for st in ch] == ["board member 1", "board member 2"]
    assert all(st["person_key"] is None for ch in viewer for st in ch)
    assert [st["person_n"] for ch in viewer for st in ch] == [1, 2]
    advisor = label_persons(t, {"p1": "Kari Nordmann"}).iloc[0]["details"]["chains"]
    assert advisor[0][0] == {"from": "X", "to": "M1", "person": "Kari Nordmann", "person_key": "p1", "person_n": None}
    assert advisor[1][0]["person"] == "board member 1" and advisor[1][0]["person_key"] is None  # unnamed ones counted
