"""The region report on the hand-built graph of test_analysis_groups: files, tables, caveats."""

from __future__ import annotations

import json

import pytest

from gds_jobs.analysis import AnalysisOptions, region_tables
from gds_jobs.analysis.fit import fit_for_cluster, fit_for_firm
from gds_jobs.analysis.report_html import write_region_report
from klynge.reference.valueareas import ValueArea, ValueAreaRules
from klynge.errors import ConfigError
from tests.gds_jobs.test_analysis_groups import MEASURES, A, B, D, E, build_world

RULES = ValueAreaRules(areas=(ValueArea("bygg", "Bygg og anlegg", ("41", "42", "43")),
                              ValueArea("mat", "Produksjon-Mat", ("10",))))
MARK_SYNTHETIC = "MATCH (o:Organization {orgnr: $orgnr}) SET o.synthetic = true"


def test_report_writes_html_csv_and_json_for_every_table(store, tmp_path):
    """Region units by address (active): D, E, H; only D files a revenue (5,000,000 NOK), so Table 5 has
    Bygg og anlegg, 1 firm, 5000 (NOK 1000), 20 employees, and lists the other areas with 0 ("Annet" last)."""
    build_world(store)
    page = write_region_report(store, "Testregionen", tmp_path, measures=MEASURES, rules=RULES, as_of_year=2024,
                               bootstrap=200)
    assert page == tmp_path / "index.html"
    text = page.read_text(encoding="utf-8")
    assert "<svg" in text and "Fig. 8" in text and "Fig. 15" in text and "Table 6" in text
    assert "<script" not in text and "<link" not in text and 'src="' not in text  # self-contained
    assert "SYNTHETIC DATA" not in text
    doc = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    for name in doc["tables"]:
        assert (tmp_path / "tables" / f"{name}.csv").exists()
        assert (tmp_path / "tables" / f"{name}.json").exists()
    t5 = doc["tables"]["critical_table5"]["rows"]
    assert [(r["area_name"], r["firms"], r["revenue_nok_1000"], r["employees"]) for r in t5] == [
        ("Bygg og anlegg", 1, 5000, 20), ("Produksjon-Mat", 0, 0, 0), ("Annet", 0, 0, 0)]
    support = {r["group"]: r for r in doc["tables"]["compare_support"]["rows"]}
    assert support["in_member"]["mean"] == pytest.approx(1.0)
    assert doc["meta"]["window"] == [2020, 2024]
    cands = doc["tables"]["fit_candidates"]["rows"]
    assert cands[0]["orgnr"] == D and cands[0]["reach"] == 1 and "board member 1" in cands[0]["explanation"]
    assert "Nothing to evaluate" in text  # one Innovasjon Norge cluster with two members: the report says why


def test_report_says_when_the_data_is_synthetic(store, tmp_path):
    build_world(store)
    store.run(MARK_SYNTHETIC, {"orgnr": A})
    page = write_region_report(store, "testregion", tmp_path, measures=MEASURES, rules=RULES, as_of_year=2024,
                               bootstrap=200, holdout=False)
    assert "SYNTHETIC DATA: 1 of 8 organisations" in page.read_text(encoding="utf-8")


def test_unknown_region_names_the_known_ones(store, tmp_path):
    build_world(store)
    with pytest.raises(ConfigError, match="testregion \\(Testregionen\\)"):
        write_region_report(store, "Atlantis", tmp_path)


def test_region_tables_for_the_web_are_keyed_by_title(store):
    build_world(store)
    tables = region_tables(store, "testregion", measures=MEASURES, rules=RULES, as_of_year=2024, bootstrap=200)
    assert any(k.startswith("Fig. 10") for k in tables)
    assert any(k.startswith("Table 5") for k in tables)


def test_fit_entry_points_read_the_store(store):
    """fit_for_cluster: region firms D (1 step from member A through p1) first. fit_for_firm(D): the SIVA
    cluster S1 (member C has D's NACE 41.000) ranks above K1 (no NACE overlap)."""
    from gds_jobs.analysis import fit

    build_world(store)
    fit.clear_cache()
    opts = AnalysisOptions(as_of_year=2024)
    cands = fit_for_cluster(store, "Klynge En", "testregion", top=5, options=opts)
    assert list(cands["orgnr"]) == [D, E]
    assert cands.iloc[0]["details"]["chains"][0][0]["to"] == A
    clusters = fit_for_firm(store, D, options=opts)
    assert list(clusters["cluster_id"]) == ["S1", "K1"]
    assert clusters.iloc[0]["nace"] == pytest.approx(1.0) and clusters.iloc[1]["nace"] == 0
    with pytest.raises(ConfigError, match="no cluster with id or name"):
        fit_for_cluster(store, "Nope", "testregion", options=opts)
    assert B not in set(cands["orgnr"])


def test_figures_16_17_show_the_studys_areas_or_else_the_largest_non_other_areas():
    import pandas as pd

    from gds_jobs.analysis.report_html import _breakdown_areas

    t5 = pd.DataFrame({"area": ["ikt", "bygg_anlegg", "annet"], "area_name": ["IKT", "Bygg og anlegg", "Annet"]})
    t5.attrs["other_id"] = "annet"
    assert _breakdown_areas(t5) == ["Bygg og anlegg", "IKT"]
    t5 = pd.DataFrame({"area": ["annet", "mat"], "area_name": ["Annet", "Mat"]})
    t5.attrs["other_id"] = "annet"
    assert _breakdown_areas(t5) == ["Mat"]


def test_csv_and_json_carry_the_same_plainly_documented_columns(store, tmp_path):
    """Every comparison table: the CSV header, the JSON row keys and SUMMARY_COLUMNS agree, and each column
    is explained in the report's method notes; report.json has the structured figure data."""
    import csv

    from gds_jobs.analysis.stats import SUMMARY_COLUMNS

    build_world(store)
    page = write_region_report(store, "testregion", tmp_path, measures=MEASURES, rules=RULES, as_of_year=2024,
                               bootstrap=200, holdout=False)
    doc = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    glossary = " ".join(doc["columns"])
    for name, entry in doc["tables"].items():
        with open(tmp_path / "tables" / f"{name}.csv", encoding="utf-8") as fh:
            header = next(csv.reader(fh))
        if entry["rows"]:
            assert header == list(entry["rows"][0]), name
        if name.startswith("compare_"):
            assert header == SUMMARY_COLUMNS and entry["population"] and entry["projection"]
    for col in SUMMARY_COLUMNS[1:]:
        assert col.split("_ci_")[0] in glossary or col in glossary, col
    fig = {f["key"]: f for f in doc["figures"]}["support"]
    assert {"title", "population", "projection", "family", "groups"} <= set(fig)
    g = {x["group"]: x for x in fig["groups"]}["in_member"]
    assert {"raw", "holm", "bh"} == set(g["p"]) and len(g["cliffs_delta"]["ci"]) == 2 and g["n"] == 2
    text = page.read_text(encoding="utf-8")
    for words in ("p Holm", "p BH", "Cliff's delta", "Hodges–Lehmann", "class='small'", "Sensitivity",
                  "Location quotients", "Table 5a", "Method notes", "Columns of the tables"):
        assert words in text, words
    assert "<pre" not in text  # method notes are prose, not docstrings
