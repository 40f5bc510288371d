"""The region report's absorptive-capacity section, recomputed independently (numpy, scipy, statsmodels), and
its place in the report: confidential, only when asked, never changing a public figure."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from cypher import assessments as store_assessments
from gds_jobs.analysis import AnalysisOptions
from gds_jobs.analysis.absorptive import (
    GROUP_KEYS,
    SCORES,
    correlations,
    group_scores,
    interviewed_frame,
    region_section,
)
from gds_jobs.analysis.report import analyse_region
from gds_jobs.analysis.report_html import write_analysis
from klynge import assessments
from tests.gds_jobs.test_analysis_groups import MEASURES, A, D, E, H, build_world
from tests.gds_jobs.test_analysis_report import RULES

OPTS = AnalysisOptions(bootstrap=2000, min_group_n=5, seed=7)


def firms(n: int = 30, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A hand-made analysis frame and assessments: scores that fall with constraint, random groups."""
    rng = np.random.default_rng(seed)
    constraint = rng.uniform(0.1, 1.0, n)
    eigen = rng.uniform(0, 0.5, n)
    eigen[rng.random(n) < 0.2] = np.nan  # outside the largest component
    orgnrs = [f"9{i:08d}" for i in range(n)]
    frame = pd.DataFrame({"orgnr": orgnrs, "name": [f"Firm {i}" for i in range(n)],
                          "in_member": rng.random(n) < 0.3, "siva_member": rng.random(n) < 0.2,
                          "region": rng.random(n) < 0.5, "in_population": rng.random(n) < 0.85,
                          "constraint": constraint, "constraint_weighted": constraint / 2, "eigenvector": eigen})
    frame["neither"] = ~(frame["in_member"] | frame["siva_member"])
    rows = []
    for i, o in enumerate(orgnrs):
        base = 6.0 - 3.0 * constraint[i] + rng.normal(0, 0.5)
        s = {d: float(np.clip(base + rng.normal(0, 0.4), 1, 7)) for d in list(SCORES)[:4]}
        s["acap"] = float(np.mean(list(s.values())))
        rows.append({"assessment_id": f"a-{i}", "orgnr": o, "interview_date": "2026-02-01", "advisor": "K",
                     "status": "final", "synthetic": None, **s})
    # an older final and a newer draft of firm 0 are not used
    rows.append({**rows[0], "assessment_id": "a-old", "interview_date": "2025-01-01", "acap": 1.0})
    rows.append({**rows[0], "assessment_id": "a-draft", "interview_date": "2026-06-01", "status": "draft",
                 "acap": 7.0})
    return frame, pd.DataFrame(rows)


def test_group_medians_means_and_intervals_match_numpy_and_scipy():
    frame, rows = firms()
    got = group_scores(interviewed_frame(frame, rows, OPTS)[0], OPTS)
    latest = rows[rows["assessment_id"].str.match(r"a-\d+$")].set_index("orgnr")
    f = frame.set_index("orgnr")
    for score in SCORES:
        for g in (*GROUP_KEYS, "all"):
            members = f.index if g == "all" else f.index[f[g]]
            v = latest.loc[members, score].to_numpy(float)
            r = got[(got["score"] == score) & (got["group"] == g)].iloc[0]
            assert r["n"] == v.size and r["small_n"] == (v.size < OPTS.min_group_n)
            assert r["median"] == pytest.approx(np.median(v)) and r["mean"] == pytest.approx(v.mean())
            if v.size >= 5:
                ref = sps.bootstrap((v,), np.median, n_resamples=20000, method="percentile",
                                    confidence_level=0.95, rng=np.random.default_rng(1)).confidence_interval
                spread = v.max() - v.min()
                assert r["median_ci_low"] == pytest.approx(ref.low, abs=0.12 * spread)
                assert r["median_ci_high"] == pytest.approx(ref.high, abs=0.12 * spread)
                ref_m = sps.bootstrap((v,), np.mean, n_resamples=20000, method="percentile",
                                      confidence_level=0.95, rng=np.random.default_rng(2)).confidence_interval
                assert r["mean_ci_low"] == pytest.approx(ref_m.low, abs=0.05 * spread)
                assert r["mean_ci_high"] == pytest.approx(ref_m.high, abs=0.05 * spread)
            assert r["median_ci_low"] <= r["median"] <= r["median_ci_high"]


def test_correlations_with_constraint_and_eigenvector_match_scipy_and_statsmodels():
    frame, rows = firms()
    got = correlations(interviewed_frame(frame, rows, OPTS)[0], OPTS)
    latest = rows[rows["assessment_id"].str.match(r"a-\d+$")].set_index("orgnr")
    pop = frame[frame["in_population"]].set_index("orgnr")
    ps = []
    for score in SCORES:
        for measure in ("constraint", "eigenvector"):
            x = latest.loc[pop.index, score].to_numpy(float)
            y = pop[measure].to_numpy(float)
            ok = np.isfinite(x) & np.isfinite(y)
            ref = sps.spearmanr(x[ok], y[ok])
            r = got[(got["score"] == score) & (got["measure"] == measure)].iloc[0]
            assert r["n"] == ok.sum() and r["rho"] == pytest.approx(ref.statistic)
            assert r["p"] == pytest.approx(ref.pvalue)
            se = math.sqrt((1 + ref.statistic**2 / 2) / (ok.sum() - 3))  # Bonett & Wright (2000)
            q = sps.norm.ppf(0.975)
            assert r["rho_ci_low"] == pytest.approx(math.tanh(math.atanh(ref.statistic) - q * se))
            assert r["rho_ci_high"] == pytest.approx(math.tanh(math.atanh(ref.statistic) + q * se))
            ps.append(ref.pvalue)
    assert list(got["p_holm"]) == pytest.approx(list(multipletests(ps, method="holm")[1]))
    assert list(got["p_bh"]) == pytest.approx(list(multipletests(ps, method="fdr_bh")[1]))
    # the scores were made to fall with constraint: the section finds it
    row = got[(got["score"] == "acap") & (got["measure"] == "constraint")].iloc[0]
    assert row["rho"] < -0.5 and row["expected"] == "negative" and bool(row["agrees"])


def test_the_weighted_option_correlates_with_constraint_on_tie_weights():
    frame, rows = firms()
    frame["constraint_weighted"] = frame["constraint"].to_numpy()[::-1]
    w = region_section(frame, rows, AnalysisOptions(weighted=True, bootstrap=200))["absorptive_correlations"]
    u = region_section(frame, rows, AnalysisOptions(bootstrap=200))["absorptive_correlations"]
    pick = (w["measure"] == "constraint") & (w["score"] == "acap")
    assert w.loc[pick, "rho"].iloc[0] != pytest.approx(u.loc[pick, "rho"].iloc[0])


def answers(value, date="2026-03-01", status="final", **over):
    inst = assessments.instrument()
    return assessments.validate({"interview_date": date, "advisor": "Kari", "status": status,
                                 **{i: value for i in inst.item_ids}, **over}, today=dt.date(2026, 12, 1))


def test_the_report_adds_the_section_only_when_asked_and_marks_itself_confidential(store, tmp_path):
    """D and E (region, population) and A (IN member) are interviewed; H (region, 3 employees) too but it is not
    in the population; an older assessment of D and a newer draft of it are not used."""
    build_world(store)
    rec = lambda o, a: store_assessments.record(store, o, a, username="kari", role="advisor")  # noqa: E731
    rec(D, answers(2, date="2025-01-01"))
    rec(D, answers(6))
    rec(D, answers(1, date="2026-06-01", status="draft"))
    rec(E, answers(4))
    rec(A, answers(5))
    rec(H, answers(3))
    store.run("CREATE (:Organization:Firm {orgnr: '974760673', name: 'Small AS', helix: 'industry', active: true, "
              "employees: 2, municipality_code: '0301'})")
    rec("974760673", answers(7))  # neither in the region, nor a member, nor in the population: outside
    kw = dict(measures=MEASURES, rules=RULES, as_of_year=2024, bootstrap=200, holdout=False, location=False)
    public = analyse_region(store, "testregion", **kw)
    assert not any(k.startswith("absorptive") for k in public.tables) and "confidential" not in public.meta
    res = analyse_region(store, "testregion", assessments=True, **kw)
    assert res.meta["confidential"]["interviewed"] == 5 and res.caveats[0].startswith("CONFIDENTIAL")
    assert any("4 interviewed organisation(s)" in n and "1 more are outside it" in n
               for n in res.tables["absorptive_groups"].attrs["notes"])
    g = res.tables["absorptive_groups"].set_index(["score", "group"])
    assert g.loc[("acap", "all"), "n"] == 4 and g.loc[("acap", "region"), "n"] == 3
    assert g.loc[("acap", "region"), "median"] == 4.0 and g.loc[("acap", "in_member"), "median"] == 5.0
    assert bool(g.loc[("acap", "all"), "small_n"])  # four interviews are fewer than the minimum group size
    firms_t = res.tables["absorptive_firms"].set_index("orgnr")
    assert set(firms_t.index) == {A, D, E, H} and firms_t.loc[D, "acap"] == 6.0
    assert not firms_t.loc[H, "in_population"] and math.isnan(firms_t.loc[H, "constraint"])
    corr = res.tables["absorptive_correlations"].set_index(["score", "measure"])
    # of the population's interviewed firms A, D, E: constraint for A and D (too few for rho), eigenvector for all
    assert corr.loc[("acap", "constraint"), "n"] == 2 and math.isnan(corr.loc[("acap", "constraint"), "rho"])
    assert corr.loc[("acap", "eigenvector"), "n"] == 3
    oracle = sps.spearmanr([5, 6, 4], [0.7, 0.4, 0.0]).statistic  # acap of A, D, E against their eigenvector
    assert corr.loc[("acap", "eigenvector"), "rho"] == pytest.approx(oracle)
    # no public figure changed: the same tables and p-values with and without the section
    for key, table in public.tables.items():
        pd.testing.assert_frame_equal(table, res.tables[key])
    page = write_analysis(res, tmp_path)
    text = page.read_text(encoding="utf-8")
    assert "Absorptive capacity: what advisors" in text and text.count("CONFIDENTIAL") >= 2
    doc = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert doc["meta"]["confidential"]["tables"] == ["absorptive_correlations", "absorptive_firms",
                                                      "absorptive_groups"]
    assert any(n["heading"].startswith("Absorptive capacity") for n in doc["method_notes"])
    assert (tmp_path / "tables" / "absorptive_firms.csv").exists()
