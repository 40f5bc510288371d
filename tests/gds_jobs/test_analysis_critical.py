"""Critical mass (Tables 5-6, flags) on a hand-made frame, and the value-area rules."""

from __future__ import annotations

import pandas as pd
import pytest

from gds_jobs.analysis import AnalysisOptions
from gds_jobs.analysis.critical import critical_mass, employee_band
from klynge.reference.valueareas import ValueArea, ValueAreaRules

RULES = ValueAreaRules(
    areas=(ValueArea("bygg", "Bygg og anlegg", ("41", "42", "43")), ValueArea("energi", "Energi / Miljø", ("35",)),
           ValueArea("mat", "Produksjon-Mat", ("10",)), ValueArea("konsulent", "Rådgivning", ("71.1",))),
    resale_prefixes=("45", "46", "47"), savings_bank_codes=("64.190",), savings_bank_org_forms=("SPA",))


def unit(orgnr, nace, employees, revenue, org_form="AS", region=True, active=True, has_count=True):
    return {"orgnr": orgnr, "name": f"u{orgnr}", "nace": nace, "nace_version": "SN2025", "org_form": org_form,
            "employees": employees, "has_employee_count": has_count, "revenue": revenue, "revenue_year": 2024,
            "region": region, "active": active, "in_member": False}


FRAME = pd.DataFrame([
    unit("1", "35.110", 150, 9_000_000),      # energy, anchor-sized
    unit("2", "41.000", 20, 5_000_000),       # building
    unit("3", "43.210", 6, 2_000_000),        # building
    unit("4", "10.110", None, 1_000_000),     # food, 1-4 employees (count hidden)
    unit("5", "47.110", 80, 50_000_000),      # retail: resale, left out
    unit("6", "64.190", 40, 20_000_000),      # savings bank by NACE
    unit("7", "68.100", 5, 30_000_000, org_form="SPA"),  # savings bank by org form
    unit("8", "41.000", 9, None),             # no revenue: cannot be ranked
    unit("9", "41.000", 99, 99_000_000, region=False),   # outside the region
    unit("10", "41.000", 99, 99_000_000, active=False),  # deleted
    unit("11", "71.110", 12, 700_000),        # longest prefix 71.1 → Rådgivning
    unit("12", "62.100", 25, 600_000),        # no area → Annet
])


def test_top_n_leaves_out_resale_savings_banks_and_units_without_revenue():
    """Region, active: units 1-8, 11, 12 (10). Resale (5) and savings banks (6 by code, 7 by SPA) out → 7;
    without revenue (8) out → 6. Top 3 by revenue: 1 (9.0 M), 2 (5.0 M), 3 (2.0 M)."""
    cm = critical_mass(FRAME, RULES, AnalysisOptions(top_n=3))
    assert list(cm["top_firms"]["orgnr"]) == ["1", "2", "3"]
    assert list(cm["steps"]["units"]) == [11, 10, 7, 6, 3]


def test_table5_counts_revenue_in_thousands_and_employees_per_area():
    """Top 3: Bygg og anlegg = units 2, 3: 2 firms, (5.0 M + 2.0 M)/1000 = 7000, 20 + 6 = 26 employees;
    Energi / Miljø = unit 1: 1 firm, 9000, 150 employees. Most firms first; the areas without a firm in the
    top 3 follow with zeros (by id), Annet last."""
    t5 = critical_mass(FRAME, RULES, AnalysisOptions(top_n=3))["table5"]
    rows = t5[["area_name", "firms", "revenue_nok_1000", "employees"]].values.tolist()
    assert rows[:2] == [["Bygg og anlegg", 2, 7000, 26], ["Energi / Miljø", 1, 9000, 150]]
    assert all(r[1:] == [0, 0, 0] for r in rows[2:]) and rows[-1][0] == "Annet"
    assert {r[0] for r in rows} == set(RULES.names().values())


def test_all_areas_with_longest_prefix_and_other_last():
    """All six ranked units: Annet (62.100) comes last although it ties on firms; 71.110 → Rådgivning."""
    t5 = critical_mass(FRAME, RULES, AnalysisOptions(top_n=200))["table5"]
    assert list(t5["area_name"]) == ["Bygg og anlegg", "Energi / Miljø", "Produksjon-Mat", "Rådgivning", "Annet"]
    assert t5.set_index("area_name").loc["Produksjon-Mat", "employees"] == 0


def test_table6_bands_employees_per_area():
    """Unit 2 (20) → 16–20, unit 3 (6) → 6–10, unit 1 (150) → >100, unit 4 (hidden 1-4) → 1–5."""
    t6 = critical_mass(FRAME, RULES, AnalysisOptions(top_n=4))["table6"].set_index("employees")
    assert t6.loc["16–20", "Bygg og anlegg"] == 1 and t6.loc["6–10", "Bygg og anlegg"] == 1
    assert t6.loc[">100", "Energi / Miljø"] == 1
    assert t6.loc["1–5", "Produksjon-Mat"] == 1
    assert int(t6.values.sum()) == 4


def test_flags_compare_larger_firms_with_the_study_thresholds():
    """Energy has one firm of 150 employees (> 20 and > 100): 1 larger firm → not met; 1 firm < 8 core firms."""
    fl = critical_mass(FRAME, RULES, AnalysisOptions(top_n=3))["flags"].set_index("area_name")
    assert fl.loc["Energi / Miljø", "larger_firms"] == 1
    assert fl.loc["Energi / Miljø", "anchor"] == "u1"
    assert fl.loc["Energi / Miljø", "critical_mass"] == "not met"
    assert fl.loc["Energi / Miljø", "in_core"] == "too few core firms"


def test_flags_say_met_with_more_than_thirty_larger_firms_and_ready_with_an_anchor():
    """31 building firms of 25 employees plus one of 150: 32 larger firms > 30 → met; ≥ 8 firms and an
    anchor → ready. With 21 larger firms: borderline."""
    many = pd.DataFrame([unit(str(i), "41.000", 25, 1_000_000 + i) for i in range(31)]
                        + [unit("big", "41.000", 150, 10**9)])
    fl = critical_mass(many, RULES, AnalysisOptions())["flags"].set_index("area_name")
    assert fl.loc["Bygg og anlegg", "critical_mass"] == "met" and fl.loc["Bygg og anlegg", "in_core"] == "ready"
    fewer = critical_mass(many.head(21), RULES, AnalysisOptions())["flags"].set_index("area_name")
    assert fewer.loc["Bygg og anlegg", "critical_mass"] == "borderline"
    assert fewer.loc["Bygg og anlegg", "in_core"] == "no anchor firm"


def test_nace_breakdown_splits_an_area_by_code():
    nb = critical_mass(FRAME, RULES, AnalysisOptions(top_n=3))["nace_breakdown"]
    bygg = nb[nb["area_name"] == "Bygg og anlegg"].set_index("code")
    assert bygg.loc["41.000", "firms"] == 1 and bygg.loc["43.210", "revenue_nok_1000"] == 2000


@pytest.mark.parametrize("employees,has_count,band", [
    (1, True, "1–5"), (5, True, "1–5"), (11, True, "11–15"), (100, True, "51–100"), (101, True, ">100"),
    (None, True, "1–5"), (None, False, "0 / not registered"), (0, True, "0 / not registered"),
])
def test_employee_bands_match_the_study(employees, has_count, band):
    assert employee_band(employees, has_count) == band


def test_rules_parse_the_reference_yaml_shape_with_versions():
    """The shape of klynge/reference/data/value_areas.yaml: per-version prefixes and exclusions;
    a 64.190 unit is a savings bank only with "sparebank" in its name (or org form SPA)."""
    data = {"default_area": "annet",
            "areas": [{"id": "bygg", "name": "Bygg og anlegg", "nace_prefixes": ["41", "43", "68.12"],
                       "nace_prefixes_sn2007": ["41", "43"]},
                      {"id": "annet", "name": "Annet", "nace_prefixes": [], "nace_prefixes_sn2007": []}],
            "excluded_resale_prefixes": {"SN2025": ["46", "47"], "SN2007": ["45", "46", "47"]},
            "excluded_savings_banks": {"org_forms": ["SPA"], "nace": {"SN2025": ["64.190"], "SN2007": ["64.190"]},
                                       "name_contains": ["sparebank"]}}
    r = ValueAreaRules.from_mapping(data)
    assert r.area_of("43.210") == "bygg" and r.area_of("62.100") == "annet"
    assert r.area_of("68.120", "SN2025") == "bygg" and r.area_of("68.120", "SN2007") == "annet"
    assert r.is_savings_bank("64.190", "ASA", "SN2025", "Sparebank 1 Ringerike") and r.is_savings_bank("68.100", "SPA")
    assert not r.is_savings_bank("64.190", "AS", "SN2025", "Handelsbanken")
    assert r.is_resale("45.110", "SN2007") and not r.is_resale("45.110", "SN2025")
    assert r.other_name == "Annet"


def test_packaged_reference_rules_place_the_study_examples():
    """value_areas.yaml: 43.210 building, 35.121 and 42.221 energy (longest prefix 42.22), 62.100 ICT."""
    r = ValueAreaRules.packaged()
    names = r.names()
    assert names[r.area_of("43.210")] == "Bygg og anlegg"
    assert names[r.area_of("42.221")] == names[r.area_of("35.121")] == "Energi / Miljø"
    assert r.area_of("62.100") == "ikt" and r.area_of("99.000") == r.other_id


def test_nace_breakdown_follows_table5_order_with_other_last():
    """Table 5 order for all six ranked units: Bygg og anlegg (2), Energi, Mat, Rådgivning, Annet."""
    nb = critical_mass(FRAME, RULES, AnalysisOptions(top_n=200))["nace_breakdown"]
    assert list(dict.fromkeys(nb["area_name"])) == ["Bygg og anlegg", "Energi / Miljø", "Produksjon-Mat",
                                                    "Rådgivning", "Annet"]
    assert nb.attrs["figure"] == "Figs. 16–17"
