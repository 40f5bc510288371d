"""Population, per-option networks, count models and location quotients, against independent oracles
(networkx, scipy, numpy written out here) and on a hand-built graph in the embedded store."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from gds_jobs.analysis import AnalysisOptions
from gds_jobs.analysis.data import load_data
from gds_jobs.analysis.frame import base_frame, build_frame, with_population
from gds_jobs.analysis.location import location_quotients, shift_share
from gds_jobs.analysis.models import negative_binomial
from gds_jobs.analysis.population import build_network, cache_clear, is_firm, network_for, network_measures
from gds_jobs.analysis.report import analyse_region
from klynge.reference.valueareas import ValueArea, ValueAreaRules
from gds_jobs.measures import WeightedGraph
from tests.gds_jobs.test_analysis_groups import MEMBERS, NODES, PLACES, SEATS, A, E, F, build_world

RULES = ValueAreaRules(areas=(ValueArea("bygg", "Bygg og anlegg", ("41", "42", "43")),
                              ValueArea("ikt", "IKT", ("62",))))

# Beyond the world of test_analysis_groups: a housing co-op J (BRL, helix other, 40 employees) and a university U
# (academia, 200 employees, IN member) share board member p1 with A and D; V (20 employees, AS) holds only a
# deputy seat shared with F (q1); W's CEO (q2) sits on E's board.
J, U, V, W = "101010101", "121212121", "131313131", "141414141"
EXTRA_ORGS = [
    {"orgnr": J, "name": "Borettslaget", "employees": 40, "nace": "68.201", "muni": "3305"},
    {"orgnr": U, "name": "Universitetet", "employees": 200, "nace": "85.401", "muni": "0301"},
    {"orgnr": V, "name": "Vara AS", "employees": 20, "nace": "62.100", "muni": "0301"},
    {"orgnr": W, "name": "Daglig AS", "employees": 9, "nace": "41.000", "muni": "3305"},
]
ROLE_SEAT = """
UNWIND $rows AS row
MERGE (p:Person {person_key: row.person})
WITH p, row
MATCH (o:Organization {orgnr: row.orgnr})
MERGE (p)-[r:HOLDS_ROLE {role: row.role}]->(o)
SET r.role_group = row.group, r.active = true
"""


def build_bigger_world(store) -> None:
    build_world(store)
    store.write_batches(NODES, EXTRA_ORGS)
    store.run("MATCH (o:Organization {orgnr: $j}) SET o.org_form = 'BRL', o.helix = 'other'", {"j": J})
    store.run("MATCH (o:Organization {orgnr: $u}) SET o.org_form = 'ORGL', o.helix = 'academia'", {"u": U})
    store.write_batches(SEATS, [{"person": "p1", "orgnr": J}, {"person": "p1", "orgnr": U}])
    store.write_batches(MEMBERS, [{"orgnr": U, "cluster_id": "K1"}])
    store.write_batches(ROLE_SEAT, [
        {"person": "q1", "orgnr": V, "role": "VARA", "group": "STYR"},
        {"person": "q1", "orgnr": F, "role": "VARA", "group": "STYR"},
        {"person": "q2", "orgnr": W, "role": "DAGL", "group": "DAGL"},
        {"person": "q2", "orgnr": E, "role": "MEDL", "group": "STYR"}])
    store.run(PLACES)


OPTS = AnalysisOptions(bootstrap=200, as_of_year=2024, winsorize=0.0, sensitivity=False)


def test_firm_rule_leaves_out_housing_coops_universities_and_non_filers():
    orgs = pd.DataFrame({"orgnr": ["1", "2", "3", "4", "5", "6"],
                         "helix": ["industry", "industry", "other", "academia", "industry", "industry"],
                         "org_form": ["AS", "ENK", "BRL", "ORGL", "ENK", "BRL"]})
    assert list(is_firm(orgs, filed={"5", "6"})) == [True, False, False, False, True, False]


def test_population_and_roles_change_the_network_the_measures_come_from(store, capsys):
    """firms·board: A, B, C, D, E, F hold board seats (G none, V only a deputy seat, W only a CEO); ties p1 A–D,
    p2 A–B, p4 B–C, p5 E–F: 6 nodes, 4 ties. all·board adds J and U (p1 ties A, D, J, U: a 4-clique): 8 nodes,
    9 ties. firms·board+deputies adds V–F (q1): 7 nodes, 5 ties. firms·board+ceo adds W–E (q2): 7 nodes, 5 ties."""
    build_bigger_world(store)
    cache_clear()
    data = load_data(store, "testregion", OPTS)
    base = base_frame(data, OPTS)
    counts = {}
    for pop, roles in (("firms", "board"), ("all", "board"), ("firms", "board+deputies"), ("firms", "board+ceo")):
        _, net = with_population(base, data, OPTS, pop, roles)
        counts[(pop, roles)] = (net.graph.n, net.graph.m)
        print(f"{pop} · {roles}: {net.describe()}")
    assert counts == {("firms", "board"): (6, 4), ("all", "board"): (8, 9), ("firms", "board+deputies"): (7, 5),
                      ("firms", "board+ceo"): (7, 5)}
    out = capsys.readouterr().out
    assert "6 nodes, 4 ties" in out and "8 nodes, 9 ties" in out
    f = build_frame(data, OPTS).set_index("orgnr")
    # the housing co-op and the university are outside the firm population; A's constraint comes from the
    # firm network (partners D and B, not tied to each other: 2 * 0.5^2 = 0.5)
    assert not f.loc[J, "in_population"] and not f.loc[U, "in_population"]
    assert f.loc[A, "constraint"] == pytest.approx(0.5)
    fa = build_frame(data, OPTS.with_(population="all")).set_index("orgnr")
    assert fa.loc[U, "in_population"] and fa.loc[A, "constraint"] != pytest.approx(0.5)


def test_networks_are_cached_by_their_parameters(store):
    build_bigger_world(store)
    cache_clear()
    data = load_data(store, "testregion", OPTS)
    pop = base_frame(data, OPTS)["orgnr"]
    a = network_for(data, pop, OPTS, "firms", "board")
    assert network_for(data, pop, OPTS, "firms", "board") is a
    assert network_for(data, pop, OPTS, "firms", "board+ceo") is not a
    again = load_data(store, "testregion", OPTS)  # a new read of the same graph hits the same entry
    assert network_for(again, pop, OPTS, "firms", "board") is a
    store.run("MATCH (p:Person {person_key: 'p5'})-[r:HOLDS_ROLE]->() SET r.active = false")
    changed = load_data(store, "testregion", OPTS)
    assert network_for(changed, pop, OPTS, "firms", "board") is not a


def test_eigenvector_within_the_largest_component_and_harmonic_match_networkx():
    """Two components: a 5-node one (a path plus a chord) and a pair; the pair's eigenvector is missing, not 0."""
    g_nx = nx.Graph([("a", "b"), ("b", "c"), ("c", "d"), ("d", "e"), ("b", "d"), ("x", "y")])
    g_nx.add_node("z")
    g = WeightedGraph.from_networkx(g_nx)
    m = network_measures(g, ["a", "b", "c", "d", "e", "x", "y", "z", "outside"]).set_index("orgnr")
    lcc = g_nx.subgraph(["a", "b", "c", "d", "e"])
    ev = nx.eigenvector_centrality_numpy(lcc)
    for n in "abcde":
        assert m.loc[n, "eigenvector"] == pytest.approx(ev[n], abs=1e-9)
        assert m.loc[n, "in_lcc"]
    assert math.isnan(m.loc["x", "eigenvector"]) and not m.loc["x", "in_lcc"]
    hc = nx.harmonic_centrality(g_nx)
    for n in g_nx.nodes:
        assert m.loc[n, "harmonic"] == pytest.approx(hc[n] / (g_nx.number_of_nodes() - 1), abs=1e-12)
    assert m.loc["z", "isolated"] and math.isnan(m.loc["z", "constraint"])
    assert not m.loc["outside", "in_network"] and m.loc["outside", "harmonic"] == 0


def test_build_network_counts_only_the_chosen_seats_inside_the_population():
    seats = pd.DataFrame({"person_key": ["p", "p", "q", "q", "r", "r"], "orgnr": ["1", "2", "2", "3", "3", "9"],
                          "role": ["MEDL", "LEDE", "VARA", "MEDL", "DAGL", "MEDL"]})
    holders = pd.DataFrame({"orgnr": ["1", "2", "2", "3", "3", "9", "4"],
                            "role": ["MEDL", "LEDE", "VARA", "MEDL", "DAGL", "MEDL", "DAGL"]})
    board = build_network(seats, holders, ["1", "2", "3", "4"], "board")
    assert board.graph.nodes == ("1", "2", "3") and board.graph.m == 1  # 9 is outside; 4 has only a CEO
    full = build_network(seats, holders, ["1", "2", "3", "4"], "all")
    assert full.graph.nodes == ("1", "2", "3", "4") and full.graph.m == 2


def _nb2_direct(y, x):
    """NB2 maximum likelihood written out (Cameron and Trivedi eq. 3.26), optimised with scipy."""
    from scipy import optimize, special

    def nll(theta):
        b, log_a = theta[:-1], theta[-1]
        a = math.exp(log_a)
        mu = np.exp(x @ b)
        r = 1.0 / a
        return -np.sum(special.gammaln(y + r) - special.gammaln(r) - special.gammaln(y + 1)
                       + r * np.log(r / (r + mu)) + y * np.log(mu / (r + mu)))

    res = optimize.minimize(nll, np.zeros(x.shape[1] + 1), method="BFGS", options={"gtol": 1e-8, "maxiter": 5000})
    return res.x[:-1], math.exp(res.x[-1])


def test_negative_binomial_matches_a_direct_maximum_likelihood_fit():
    rng = np.random.default_rng(12)
    n = 600
    in_m = rng.random(n) < 0.2
    region = rng.random(n) < 0.3
    emp = rng.integers(5, 300, n).astype(float)
    age = rng.integers(1, 40, n).astype(float)
    nace = np.where(rng.random(n) < 0.5, "41.000", "62.100")
    mu = np.exp(-2.0 + 0.8 * in_m - 0.4 * region + 0.5 * np.log(emp) + 0.01 * age + 0.3 * (nace == "62.100"))
    y = rng.negative_binomial(2.0, 2.0 / (2.0 + mu))
    frame = pd.DataFrame({"orgnr": [str(i) for i in range(n)], "in_population": True, "employees": emp,
                          "age": age, "nace": nace, "nace_version": "SN2025", "in_member": in_m,
                          "siva_member": False, "region": region, "support": y})
    t = negative_binomial(frame, RULES, "support", min_area_firms=30).set_index("term")
    x = np.column_stack([np.ones(n), in_m, region, np.log(emp), age, nace == "62.100"]).astype(float)
    b, alpha = _nb2_direct(y.astype(float), x)
    assert t.loc["IN member", "coef"] == pytest.approx(b[1], abs=2e-4)
    assert t.loc["Region", "coef"] == pytest.approx(b[2], abs=2e-4)
    assert t.loc["log(employees)", "coef"] == pytest.approx(b[3], abs=2e-4)
    assert t.loc["value area IKT (vs Bygg og anlegg)", "coef"] == pytest.approx(b[5], abs=2e-4)
    assert t["alpha"].iloc[0] == pytest.approx(alpha, rel=1e-3)
    assert t.loc["IN member", "irr"] == pytest.approx(math.exp(b[1]), rel=1e-3)
    assert "SIVA member" in t["note"].iloc[0]  # no SIVA firm: left out, and said so


def test_location_quotient_matches_numpy():
    """Region (codes 3305, 3007): 62 → 30 of 50 employees; Norway 62 → 130 of 1050. LQ = (30/50)/(130/1050)."""
    emp = pd.DataFrame({"municipality_code": ["3305", "3007", "3305", "0301", "0301", "4601"],
                        "nace": ["62.100", "62.200", "41.000", "62.100", "41.000", "10.110"],
                        "nace_version": "SN2025", "employees": [20, 10, 20, 100, 400, 500], "units": [2, 1, 3, 5, 9, 4]})
    t = location_quotients(emp, {"R": ("3305", "3007")}, min_employment=25).set_index("industry")
    region_share = np.array([30.0, 20.0, 0.0]) / 50.0
    norway_share = np.array([130.0, 420.0, 500.0]) / 1050.0
    assert t.loc[["62", "41", "10"], "lq"].to_numpy() == pytest.approx(region_share / norway_share, rel=1e-12)
    assert t.loc["62", "strong"] and not t.loc["41", "strong"]  # 41: LQ 0.5; 62: LQ 4.85 and 30 >= 25 employees
    va = location_quotients(emp, {"R": ("3305", "3007")}, level="value_area", rules=RULES).set_index("industry")
    assert set(va.index) == {"bygg", "ikt", "annet"} and va.loc["ikt", "employment"] == 30


def test_shift_share_parts_add_up_to_the_change():
    panel = pd.DataFrame({"municipality_code": ["3305", "3305", "0301", "0301"], "nace": ["62.1", "41.0", "62.1", "41.0"],
                          "nace_version": "SN2025", "base_revenue": [100.0, 200.0, 1000.0, 1000.0],
                          "end_revenue": [150.0, 180.0, 1300.0, 1100.0], "firms": [1, 2, 3, 4]})
    t = shift_share(panel, "R", ["3305"]).set_index("industry")
    g = (150 + 180 + 1300 + 1100) / (100 + 200 + 1000 + 1000) - 1
    assert t.loc["62", "national_share"] == pytest.approx(100 * g)
    assert t.loc["62", "industry_mix"] == pytest.approx(100 * ((1450 / 1100 - 1) - g))
    assert (t["national_share"] + t["industry_mix"] + t["regional_shift"]).to_numpy() == pytest.approx(
        t["change"].to_numpy())


def test_report_states_population_network_adjusted_p_and_sensitivity(store):
    build_bigger_world(store)
    res = analyse_region(store, "testregion", rules=RULES, as_of_year=2024, bootstrap=200, holdout=False,
                         min_group_n=2)
    c = res.tables["compare_constraint"]
    assert "industry firms that file accounts" in c.attrs["population"] and "6 nodes, 4 ties" in c.attrs["projection"]
    assert {"p_raw", "p_holm", "p_bh", "cliffs_delta", "hl_shift"} <= set(c.columns)
    tested = [t for k, t in res.tables.items() if k.startswith("compare_")]
    hyp = res.tables["hypotheses"]
    p = np.concatenate([t["p_raw"].dropna().to_numpy() for t in tested] + [hyp["p"].dropna().to_numpy()])
    assert f"{p.size} tests" in res.meta["family"]
    # the smallest p of the family, adjusted by Holm by hand: m * p
    rows = [(r["p_raw"], r["p_holm"]) for t in tested for _, r in t.iterrows() if np.isfinite(r["p_raw"])]
    rows += [(r["p"], r["p_holm"]) for _, r in hyp.iterrows() if np.isfinite(r["p"])]
    smallest = min(rows)
    assert smallest[1] == pytest.approx(min(1.0, p.size * smallest[0]))
    panel = res.tables["sensitivity"]
    assert set(panel["population"]) == {"firms", "all"} and len(set(panel["roles"])) == 4
    assert panel.loc[panel["is_report_choice"], "nodes"].eq(6).all()
    assert panel.loc[(panel["population"] == "all") & (panel["roles"] == "board"), "nodes"].eq(8).all()
    assert {"lq_division", "lq_value_area"} <= set(res.tables)


def test_report_command_prints_the_network_of_its_options(store, store_env, tmp_path):
    from klynge.cli import main

    build_bigger_world(store)
    out = {}
    for pop, roles in (("firms", "board"), ("all", "board+deputies")):
        r = CliRunner().invoke(main, ["report", "region", "testregion", "--out", str(tmp_path / pop), "--population",
                                      pop, "--roles", roles, "--no-sensitivity"], catch_exceptions=False)
        assert r.exit_code == 0, r.output
        out[pop] = next(line for line in r.output.splitlines() if line.startswith("network:"))
        print(out[pop])
    assert out["firms"].startswith("network: 6 nodes, 4 ties")
    assert out["all"].startswith("network: 9 nodes, 10 ties")
