"""Group comparisons, spill-over, profitability and growth on a hand-built graph.

The world (all units active; population = at least 5 employees):

========  ======  =========  =====  ===============================================
unit      orgnr   employees  where  notes
========  ======  =========  =====  ===============================================
A         111..   50         Oslo   IN member (Arena cluster K1)
B         222..   10         Oslo   IN member (K1)
C         333..   8          Oslo   SIVA member (programme SIVA, cluster S1)
D         444..   20         3305   region; board member p1 also sits in A
E         555..   6          3007   region through the old number 3007 → 3305
F         666..   30         Oslo   no ties
G         777..   12         Oslo   sub-unit in 3305 (region only "by sub-unit")
H         888..   3          3305   region, below the population's 5 employees
========  ======  =========  =====  ===============================================

Board seats: p1 in A and D, p2 in A and B, p4 in B and C, p5 in E and F (F and E are
not linked to an IN member). Spill-over linked non-members: C (via p4 with B) and D.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from gds_jobs.analysis import AnalysisOptions, build_frame, compare, hypotheses, load_data
from gds_jobs.analysis.frame import growth_rates, profitability

A, B, C, D, E, F, G, H = (str(d) * 9 for d in range(1, 9))

NODES = """
UNWIND $rows AS row
MERGE (o:Organization {orgnr: row.orgnr})
SET o.name = row.name, o.helix = 'industry', o.active = true, o.employees = row.employees,
    o.nace1 = row.nace, o.nace_version = 'SN2025', o.org_form = 'AS', o.municipality_code = row.muni,
    o.synthetic = false, o.as_of = '2025-01-01'
"""
PLACES = """
MERGE (r:Region {region_id: 'testregion'}) SET r.name = 'Testregionen'
MERGE (m:Municipality {code: '3305'}) SET m.name = 'Ringerike'
MERGE (old:Municipality {code: '3007'}) SET old.name = 'Ringerike (2020-23)'
MERGE (osl:Municipality {code: '0301'}) SET osl.name = 'Oslo'
MERGE (m)-[:IN_REGION]->(r)
MERGE (old)-[:SUCCEEDED_BY]->(m)
"""
LOCATED = """
UNWIND $rows AS row
MATCH (o:Organization {orgnr: row.orgnr})
MATCH (m:Municipality {code: row.muni})
MERGE (o)-[:LOCATED_IN]->(m)
"""
SUBUNIT = """
MATCH (o:Organization {orgnr: $orgnr})
MATCH (m:Municipality {code: '3305'})
MERGE (s:SubUnit {orgnr: $sub})
SET s.active = true, s.employees = 4
MERGE (s)-[:PART_OF]->(o)
MERGE (s)-[:LOCATED_IN]->(m)
"""
CLUSTERS = """
UNWIND $rows AS row
MERGE (c:Cluster {cluster_id: row.cluster_id})
SET c.name = row.name, c.level = row.level, c.programme = row.programme, c.host_county = '03'
"""
MEMBERS = """
UNWIND $rows AS row
MATCH (o:Organization {orgnr: row.orgnr})
MATCH (c:Cluster {cluster_id: row.cluster_id})
MERGE (o)-[:MEMBER_OF]->(c)
"""
SEATS = """
UNWIND $rows AS row
MERGE (p:Person {person_key: row.person})
WITH p, row
MATCH (o:Organization {orgnr: row.orgnr})
MERGE (p)-[r:HOLDS_ROLE {role: 'MEDL'}]->(o)
SET r.role_group = 'STYR', r.active = true
"""
GRANTS = """
UNWIND $rows AS row
MATCH (o:Organization {orgnr: row.orgnr})
MERGE (g:Grant {grant_id: row.grant_id})
SET g.source = row.source, g.year = row.year, g.granted = row.granted, g.amount_granted = row.amount
MERGE (o)-[:RECEIVED]->(g)
"""
PATENTS = """
UNWIND $rows AS row
MATCH (o:Organization {orgnr: row.orgnr})
MERGE (p:Patent {patent_id: row.patent_id})
SET p.year = row.year
MERGE (o)-[:APPLIED_FOR]->(p)
"""
ACCOUNTS = """
UNWIND $rows AS row
MATCH (o:Organization {orgnr: row.orgnr})
MERGE (a:Accounts {accounts_id: row.orgnr + ':' + toString(row.year) + ':' + row.type})
SET a.orgnr = row.orgnr, a.year = row.year, a.accounts_type = row.type, a.currency = 'NOK',
    a.revenue = row.revenue, a.operating_result = row.op, a.ordinary_result_before_tax = row.ord,
    a.total_assets = row.ta, a.ebitda = row.ebitda
MERGE (o)-[:FILED]->(a)
"""

ORGS = [
    (A, "Alfa", 50, "62.100", "0301"), (B, "Beta", 10, "62.200", "0301"), (C, "Gamma", 8, "41.000", "0301"),
    (D, "Delta", 20, "41.000", "3305"), (E, "Epsilon", 6, "43.210", "3007"), (F, "Zeta", 30, "62.100", "0301"),
    (G, "Eta", 12, "10.110", "0301"), (H, "Theta", 3, "10.110", "3305"),
]


def acc(orgnr, year, ord_, ta=None, op=None, ebitda=None, revenue=None, type_="SELSKAP"):
    return {"orgnr": orgnr, "year": year, "type": type_, "ord": ord_, "ta": ta, "op": op, "ebitda": ebitda,
            "revenue": revenue}


ACCOUNT_ROWS = [
    acc(A, 2023, 100, 1000, 150, 200), acc(A, 2024, 150, 1000, 120, None),
    acc(A, 2024, -9999, 1, -9999, None, type_="KONSERN"),
    acc(B, 2022, -100), acc(B, 2023, -50), acc(B, 2024, 50, 500, 50),
    acc(D, 2023, 0), acc(D, 2024, 10, 200, 20, 30, revenue=5_000_000),
    acc(E, 2022, 100, 100, 10), acc(E, 2024, 50, 0, 5),
    acc(F, 2023, 200), acc(F, 2024, 100, 1000, -100),
]


def build_world(store) -> None:
    store.run(PLACES)
    rows = [{"orgnr": o, "name": n, "employees": e, "nace": c, "muni": m} for o, n, e, c, m in ORGS]
    store.write_batches(NODES, rows)
    store.write_batches(LOCATED, rows)
    store.run(SUBUNIT, {"orgnr": G, "sub": "999999999"})
    store.write_batches(CLUSTERS, [{"cluster_id": "K1", "name": "Klynge En", "level": "Arena", "programme": "NIC"},
                                   {"cluster_id": "S1", "name": "Hage", "level": None, "programme": "SIVA"}])
    store.write_batches(MEMBERS, [{"orgnr": A, "cluster_id": "K1"}, {"orgnr": B, "cluster_id": "K1"},
                                  {"orgnr": C, "cluster_id": "S1"}])
    store.write_batches(SEATS, [{"person": p, "orgnr": o} for p, o in [
        ("p1", A), ("p1", D), ("p2", A), ("p2", B), ("p4", B), ("p4", C), ("p5", E), ("p5", F)]])
    store.write_batches(GRANTS, [
        {"orgnr": A, "grant_id": "fr1", "source": "forskningsradet", "year": 2023, "granted": True, "amount": 1e6},
        {"orgnr": A, "grant_id": "in1", "source": "innovasjon_norge", "year": 2022, "granted": True, "amount": 2e5},
        {"orgnr": B, "grant_id": "fr2", "source": "forskningsradet", "year": 2021, "granted": False, "amount": 0},
        {"orgnr": D, "grant_id": "fr3", "source": "forskningsradet", "year": 2024, "granted": True, "amount": 5e5},
        {"orgnr": F, "grant_id": "fr4", "source": "forskningsradet", "year": 2015, "granted": True, "amount": 9e5},
    ])
    store.write_batches(PATENTS, [{"orgnr": A, "patent_id": "pa1", "year": 2022},
                                  {"orgnr": A, "patent_id": "pa2", "year": 2023},
                                  {"orgnr": D, "patent_id": "pa3", "year": 2021}])
    store.write_batches(ACCOUNTS, ACCOUNT_ROWS)


MEASURES = pd.DataFrame({
    "orgnr": [A, B, C, D, E, F, G],
    "constraint": [0.5, 1.0, 1.0, 1.0, math.nan, math.nan, math.nan],
    "eigenvector": [0.7, 0.5, 0.3, 0.4, 0.0, 0.0, 0.0],
})

OPTS = AnalysisOptions(bootstrap=200, as_of_year=2024, winsorize=0.0)  # raw means: hand-checkable


@pytest.fixture
def world(store):
    build_world(store)
    data = load_data(store, "Testregionen", OPTS, measures=MEASURES)
    return data, build_frame(data, OPTS)


def row(table: pd.DataFrame, group: str) -> pd.Series:
    return table.set_index("group").loc[group]


def test_groups_follow_membership_region_and_population(world):
    """IN: A, B; SIVA: C; region by address: D, E (E via 3007 → 3305; H is below 5 employees);
    neither: D, E, F, G; H is a region unit outside the population."""
    _, f = world
    pop = f[f["in_population"]].set_index("orgnr")
    assert sorted(pop.index[pop["in_member"]]) == [A, B]
    assert sorted(pop.index[pop["siva_member"]]) == [C]
    assert sorted(pop.index[pop["region"]]) == [D, E]
    assert sorted(pop.index[pop["neither"]]) == [D, E, F, G]
    assert f.set_index("orgnr").loc[H, "region"] and not f.set_index("orgnr").loc[H, "in_population"]


def test_region_by_subunit_adds_the_unit_with_a_workplace_there(store):
    build_world(store)
    data = load_data(store, "testregion", OPTS.with_(region_by="either"), measures=MEASURES)
    f = build_frame(data, OPTS)
    assert sorted(f.loc[f["region"] & f["in_population"], "orgnr"]) == [D, E, G]
    only_sub = load_data(store, "testregion", OPTS.with_(region_by="subunit"), measures=MEASURES)
    assert list(only_sub.region_units["orgnr"]) == [G]


def test_support_per_firm_counts_granted_awards_in_the_window(world):
    """Window 2020-2024. A: FR granted 2023 + IN award 2022 = 2; B: rejected = 0; D: 1;
    F's 2015 grant is outside. IN mean (2+0)/2 = 1; region (D 1, E 0) 0.5; neither
    (D 1, E 0, F 0, G 0) 0.25, median 0; SIVA (C) 0."""
    _, f = world
    t = compare(f, "support", OPTS, "Testregionen")
    assert row(t, "in_member")["mean"] == pytest.approx(1.0)
    assert row(t, "region")["mean"] == pytest.approx(0.5)
    assert row(t, "neither")["mean"] == pytest.approx(0.25)
    assert row(t, "neither")["median"] == 0
    assert row(t, "siva_member")["mean"] == 0
    assert row(t, "region")["label"] == "Region (Testregionen)"
    assert (row(t, "neither")["members"], row(t, "neither")["missing"]) == (4, 0)


def test_patents_per_firm(world):
    """A has 2 applications, D 1: IN mean 1.0, region 0.5, neither 0.25."""
    _, f = world
    t = compare(f, "patents", OPTS)
    assert [row(t, g)["mean"] for g in ("in_member", "region", "neither")] == pytest.approx([1.0, 0.5, 0.25])


def test_spillover_compares_linked_non_members_with_the_rest(world):
    """Linked non-members: C (p4 with B) and D (p1 with A); others: E, F, G.
    FR applications: C 0, D 1 → 0.5 vs 0; patents: D 1 → 0.5 vs 0."""
    _, f = world
    apps = compare(f, "spillover_applications", OPTS)
    pats = compare(f, "spillover_patents", OPTS)
    assert (row(apps, "linked")["n"], row(apps, "other")["n"]) == (2, 3)
    assert row(apps, "linked")["mean"] == pytest.approx(0.5) and row(apps, "other")["mean"] == 0
    assert row(pats, "linked")["mean"] == pytest.approx(0.5) and row(pats, "other")["mean"] == 0
    assert row(apps, "linked")["compared_with"] == "No board link to an IN member"


def test_profitability_uses_ebitda_where_it_exists_and_operating_result_otherwise(world):
    """Newest filing with total assets > 0: A 2024 op 120/1000 = 0.12 (no EBITDA); B 50/500 = 0.1;
    D 2024 EBITDA 30/200 = 0.15; E 2022 (2024 has no assets) 10/100 = 0.1; F -100/1000 = -0.1.
    IN mean 0.11; neither (D, E, F; G missing) mean 0.05, median 0.1, missing 1.
    Basis in the population: EBITDA for D only; operating result for A, B, E, F."""
    _, f = world
    by = f.set_index("orgnr")
    assert by.loc[A, "profitability_basis"] == "operating_result"
    assert by.loc[D, "profitability_basis"] == "ebitda"
    assert by.loc[E, "profitability_year"] == 2022
    t = compare(f, "profitability", OPTS)
    assert row(t, "in_member")["mean"] == pytest.approx(0.11)
    n = row(t, "neither")
    assert (n["n"], n["missing"]) == (3, 1)
    assert n["mean"] == pytest.approx(0.05) and n["median"] == pytest.approx(0.1)
    assert any("EBITDA: 1 firms; operating result: 4 firms" in x for x in t.attrs["notes"])


def test_growth_is_the_mean_year_on_year_rate_over_an_absolute_base(world):
    """A: (150-100)/100 = 0.5. B: (-50+100)/100 = 0.5 and (50+50)/50 = 2.0 → 1.25. D: zero base → none.
    E: 2022 and 2024 are not consecutive → none. F: (100-200)/200 = -0.5. The KONSERN row is ignored.
    IN mean 0.875; neither n=1 (F) mean -0.5, missing 3; region n=0."""
    _, f = world
    by = f.set_index("orgnr")
    assert by.loc[A, "growth"] == pytest.approx(0.5)
    assert by.loc[B, "growth"] == pytest.approx(1.25) and by.loc[B, "growth_pairs"] == 2
    assert math.isnan(by.loc[D, "growth"]) and math.isnan(by.loc[E, "growth"])
    t = compare(f, "growth", OPTS)
    assert row(t, "in_member")["mean"] == pytest.approx(0.875)
    assert (row(t, "neither")["n"], row(t, "neither")["missing"]) == (1, 3)
    assert row(t, "neither")["mean"] == pytest.approx(-0.5)
    assert row(t, "region")["n"] == 0 and math.isnan(row(t, "region")["mean"])


def test_constraint_and_eigenvector_come_from_the_injected_measures(world):
    """Constraint: IN (0.5, 1.0) mean 0.75; neither: only D has a value (1.0), 3 missing.
    Eigenvector: IN (0.7, 0.5) mean 0.6, region (0.4, 0.0) mean 0.2."""
    _, f = world
    c = compare(f, "constraint", OPTS)
    assert row(c, "in_member")["mean"] == pytest.approx(0.75)
    assert (row(c, "neither")["n"], row(c, "neither")["missing"]) == (1, 3)
    e = compare(f, "eigenvector", OPTS)
    assert row(e, "in_member")["mean"] == pytest.approx(0.6)
    assert row(e, "region")["mean"] == pytest.approx(0.2)


def test_hypotheses_report_n_and_rho_over_complete_pairs(world):
    """Constraint is known for A, B, C, D (0.5, 1, 1, 1) with patents (2, 0, 0, 1): ranks of constraint
    (1, 3, 3, 3) and patents (4, 1.5, 1.5, 3); deviations from the mean rank 2.5 are (-1.5, .5, .5, .5)
    and (1.5, -1, -1, .5); rho = -3 / sqrt(3 * 4.5) = -0.816497."""
    _, f = world
    h = hypotheses(f).set_index(["x", "y"])
    assert h.loc[("constraint", "patents"), "n"] == 4
    assert h.loc[("constraint", "patents"), "rho"] == pytest.approx(-0.816497, abs=1e-6)
    assert h.loc[("eigenvector", "patents"), "n"] == 7


def test_winsorised_means_clip_ratio_outcomes_at_population_quantiles(world):
    """Growth in the population: A 0.5, B 1.25, F -0.5. With winsorize 0.25 the clip bounds are the 25 % and
    75 % quantiles (linear): -0.5 + 0.5 * 1.0 = 0.0 and 0.5 + 0.5 * 0.75 = 0.875. IN mean of (0.5, 0.875) =
    0.6875 while the median stays the raw 0.875; neither (F) mean 0.0."""
    _, f = world
    t = compare(f, "growth", OPTS.with_(winsorize=0.25))
    assert row(t, "in_member")["mean"] == pytest.approx(0.6875)
    assert row(t, "in_member")["median"] == pytest.approx(0.875)
    assert row(t, "neither")["mean"] == pytest.approx(0.0)
    assert any("winsorised" in n for n in t.attrs["notes"])


def test_growth_rates_skip_bases_below_the_floor():
    """Base 10 is below a floor of 50: the pair is left out; base 100 → (120-100)/100 = 0.2."""
    acc_ = pd.DataFrame({"orgnr": ["x", "x", "x"], "year": [2021, 2022, 2023],
                         "ordinary_result_before_tax": [10, 100, 120]})
    g = growth_rates(acc_, min_base=50).set_index("orgnr")
    assert g.loc["x", "growth"] == pytest.approx(0.2) and g.loc["x", "growth_pairs"] == 1


def test_profitability_of_a_firm_without_assets_is_missing():
    acc_ = pd.DataFrame({"orgnr": ["x"], "year": [2024], "total_assets": [0], "ebitda": [5],
                         "operating_result": [5]})
    assert profitability(acc_).empty
