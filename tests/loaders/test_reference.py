"""Reference data: organisation numbers, municipalities, NACE tables, value areas and the helix rules.

Expected values come from the sources named in klynge/reference/data/SOURCES.md and from
shared/docs/data-sources.md sections 6-8 unless a test says otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cypher.schema.model import EXTRA_ORG_LABELS
from klynge.errors import ConfigError
from klynge import reference as ref


@pytest.fixture(autouse=True, scope="module")
def _fresh_caches() -> Iterator[None]:
    """Read the packaged files once for this module (caches of user files are keyed by their path)."""
    ref.clear_caches()
    try:
        yield
    finally:
        ref.clear_caches()


@pytest.fixture(autouse=True)
def _no_user_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KLYNGE_REGIONS_FILE", raising=False)
    monkeypatch.delenv("KLYNGE_HELIX_OVERRIDES_FILE", raising=False)


# --------------------------------------------------------------------------- organisation numbers

@pytest.mark.parametrize("orgnr", ["923609016", "984851006", "974760673"])
def test_real_orgnrs_pass_the_mod11_check(orgnr: str) -> None:
    """Equinor ASA, DNB Bank ASA and Brønnøysundregistrene (data-sources.md sections 8.1 and 10)."""
    assert ref.is_valid_orgnr(orgnr)


@pytest.mark.parametrize("orgnr", ["923609017", "984851000", "974760670"])
def test_orgnr_with_wrong_check_digit_is_invalid(orgnr: str) -> None:
    assert not ref.is_valid_orgnr(orgnr)


def test_orgnr_whose_remainder_is_one_has_no_valid_check_digit() -> None:
    """9,0,0,0,0,0,0,9 weighted 3,2,7,6,5,4,3,2 sums to 45; 45 mod 11 = 1, so no last digit is valid."""
    assert ref.orgnr_check_digit("90000009") is None
    assert not any(ref.is_valid_orgnr(f"90000009{d}") for d in range(10))


def test_orgnr_remainder_zero_gives_check_digit_zero() -> None:
    """1,1,0,0,0,0,0,0 weighted gives 3 + 2 = 5 ... search a prefix whose sum is a multiple of 11."""
    prefix = next(f"{n:08d}" for n in range(10_000_000, 10_001_000)
                  if sum(int(d) * w for d, w in zip(f"{n:08d}", (3, 2, 7, 6, 5, 4, 3, 2))) % 11 == 0)
    assert ref.orgnr_check_digit(prefix) == 0
    assert ref.is_valid_orgnr(prefix + "0")


@pytest.mark.parametrize("value", ["92360901A", "923-609-16", "923 609 016", "", "9236090160", "92360901",
                                   "９２３６０９０１６", None, 923609016.0, True])
def test_malformed_orgnr_is_invalid(value: object) -> None:
    """Non-digits, separators, wrong length, full-width digits, floats and bools are rejected."""
    assert not ref.is_valid_orgnr(value)


def test_orgnr_accepts_int_and_surrounding_whitespace() -> None:
    assert ref.is_valid_orgnr(923609016)
    assert ref.is_valid_orgnr(" 923609016\n")


@given(st.integers(min_value=0, max_value=99_999_999), st.integers(min_value=0, max_value=9))
def test_orgnr_is_valid_exactly_when_last_digit_is_the_check_digit(first8: int, last: int) -> None:
    prefix = f"{first8:08d}"
    check = ref.orgnr_check_digit(prefix)
    assert ref.is_valid_orgnr(prefix + str(last)) == (check is not None and check == last)


# --------------------------------------------------------------------------- municipalities and counties

def test_there_are_357_municipalities_valid_from_2024() -> None:
    """SSB KLASS 131 at 2026-01-01 has 357 municipalities (plus 9999, left out)."""
    m = ref.municipalities()
    current = m[(m["valid_to"] == "") & (m["code"] == m["current_code"])]
    assert len(current) == 357
    assert current["code"].is_unique
    assert set(current["code"].str[:2]) == {"03", "11", "15", "18", "31", "32", "33", "34", "39", "40", "42", "46",
                                           "50", "55", "56"}


@pytest.mark.parametrize("code", ["0605", "3007", "3305", "605", 3007])
def test_ringerike_numbers_map_to_3305(code: object) -> None:
    """Ringerike: 0605 until 2019, 3007 in 2020-2023 (Viken), 3305 from 2024 (data-sources.md section 7)."""
    assert ref.current_municipality(code) == "3305"


def test_jevnaker_2020_number_maps_to_3236_in_akershus() -> None:
    """Jevnaker: 3053 (2020-2023) -> 3236, county 32 Akershus since 2024-01-01."""
    assert ref.current_municipality("3053") == "3236"
    assert ref.current_municipality("0532") == "3236"
    assert ref.county_of("3053") == "32"
    counties = ref.counties().set_index("code")["name"]
    assert counties["32"] == "Akershus"
    m = ref.municipalities().set_index("code")
    assert m.loc["3236", "county_code"] == "32"
    assert m.loc["3053", "county_code"] == "30"
    assert counties["30"] == "Viken"


def test_every_2020_2023_number_renumbered_in_2024_has_a_current_successor() -> None:
    changes = ref.municipality_changes()
    assert len(changes) == 115
    assert set(changes["date"]) == {"2024-01-01"}
    assert all(ref.current_municipality(c) for c in changes["old_code"])


def test_split_aalesund_maps_to_larger_successor_and_lists_both() -> None:
    """1507 Ålesund (2020-2023) split into 1508 Ålesund and 1580 Haram on 2024-01-01."""
    assert ref.current_municipality("1507") == "1508"
    assert ref.municipality_successors("1507") == ("1508", "1580")
    assert ref.municipality_successors("3305") == ("3305",)


def test_region_municipality_names_keep_norwegian_letters() -> None:
    names = {c: ref.municipality_name(c) for c in ("3305", "3310", "3236", "3316", "3318")}
    assert names == {"3305": "Ringerike", "3310": "Hole", "3236": "Jevnaker", "3316": "Modum",
                     "3318": "Krødsherad"}


@pytest.mark.parametrize("code", ["9999", "2199", "33055", "abcd", "", None, "33.05"])
def test_unknown_or_malformed_municipality_maps_to_none(code: object) -> None:
    assert ref.current_municipality(code) is None


def test_every_municipality_county_is_in_the_county_table() -> None:
    counties = set(ref.counties()["code"])
    assert set(ref.municipalities()["county_code"]) <= counties


# --------------------------------------------------------------------------- regions

def test_ringeriksregionen_has_the_five_study_municipalities() -> None:
    region = ref.regions()["ringeriksregionen"]
    assert region.name == "Ringeriksregionen"
    assert region.municipalities == ("3305", "3310", "3236", "3316", "3318")


def test_user_regions_are_merged_and_old_numbers_mapped(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = tmp_path / "regions.yaml"
    extra.write_text("regions:\n  - id: hallingdal_kant\n    name: Kant\n    municipalities: ['3007', 3038, '3007']\n",
                     encoding="utf-8")
    monkeypatch.setenv("KLYNGE_REGIONS_FILE", str(extra))
    regions = ref.regions()
    assert regions["hallingdal_kant"].municipalities == ("3305", "3310")
    assert "ringeriksregionen" in regions


def test_user_region_with_unknown_municipality_names_file_and_region(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = tmp_path / "bad.yaml"
    extra.write_text("regions:\n  - id: nowhere\n    name: Nowhere\n    municipalities: ['9998']\n", encoding="utf-8")
    monkeypatch.setenv("KLYNGE_REGIONS_FILE", str(extra))
    with pytest.raises(ConfigError, match=r"bad\.yaml.*'nowhere'.*'9998'"):
        ref.regions()


# --------------------------------------------------------------------------- NACE tables

def test_nace_tables_have_every_level_and_section() -> None:
    """SN2025: 22 sections (A-V), 87 divisions, 287 groups, 651 classes (NACE Rev. 2.1) and 738 subclasses;
    SN2007: 21 sections, 87 divisions, 270 groups, 613 classes (NACE Rev. 2's 88/272/615 without division 98,
    which SN2007 leaves out) and 820 subclasses."""
    n25 = ref.nace("SN2025")
    n07 = ref.nace("SN2007")
    assert n25["level"].value_counts().to_dict() == {1: 22, 2: 87, 3: 287, 4: 651, 5: 738}
    assert n07["level"].value_counts().to_dict() == {1: 21, 2: 87, 3: 270, 4: 613, 5: 820}
    assert len(n25) == 1785
    for df in (n25, n07):
        assert df["code"].is_unique
        assert (df["name"].str.len() > 0).all()
        assert set(df.loc[df["level"] > 1, "parent_code"]) <= set(df["code"])
        assert df["section"].str.fullmatch(r"[A-V]").all()


def test_sn2025_ancestry_of_programming_runs_to_section_k() -> None:
    """SN2025 (NACE Rev. 2.1) moved computer programming to section K."""
    assert ref.nace_ancestors("62.100", "SN2025") == ["62.10", "62.1", "62", "K"]
    assert ref.nace_section("62.100", "SN2025") == "K"
    assert ref.nace_name("K", "SN2025").startswith("Telecommunication, computer programming")


def test_sn2007_ancestry_of_programming_runs_to_section_j() -> None:
    assert ref.nace_ancestors("62.010", "SN2007") == ["62.01", "62.0", "62", "J"]
    assert ref.nace_name("62.010", "SN2007") == "Programmeringstjenester"


def test_every_subclass_has_four_ancestors_ending_in_its_section() -> None:
    for version in ("SN2025", "SN2007"):
        df = ref.nace(version)
        for row in df[df["level"] == 5].itertuples():
            chain = ref.nace_ancestors(row.code, version)
            assert len(chain) == 4 and chain[-1] == row.section, (version, row.code, chain)


def test_sn2025_subclasses_have_norwegian_names_except_three_new_codes() -> None:
    """Norwegian SN2025 names: table 2919 successor names (62.100 "Dataprogrammeringstjenester", 85.401
    "Undervisning ved universiteter") or the unchanged SN2007 name (84.110); 46.890, 98.100 and 98.200 have
    no SN2007 predecessor and keep only the English name."""
    assert ref.nace_name("62.100") == "Dataprogrammeringstjenester"
    assert ref.nace_name("62.100", lang="en") == "Computer programming activities"
    assert ref.nace_name("85.401") == "Undervisning ved universiteter"
    assert ref.nace_name("84.110") == "Generell offentlig administrasjon"
    assert ref.nace_name("62.010", "SN2007", lang="en") is None
    df = ref.nace("SN2025")
    sub = df[df["level"] == 5]
    assert sorted(sub.loc[sub["name_nb"] == "", "code"]) == ["46.890", "98.100", "98.200"]
    assert set(df["name_nb_source"]) == {"", "klass2919", "sn2007_unchanged", "same_as_single_child"}


def test_code_missing_from_table_gets_structural_ancestors() -> None:
    """43.220 is in SSB's first English SN2025 export but not in the later code list."""
    assert ref.nace_entry("43.220") is None
    assert ref.nace_ancestors("43.220", "SN2025") == ["43.22", "43.2", "43", "F"]


@pytest.mark.parametrize(("raw", "norm"), [("62100", "62.100"), ("6210", "62.10"), ("621", "62.1"), ("62", "62"),
                                           (" 62.100 ", "62.100"), ("j", "J"), ("00.000", None), ("6", None),
                                           ("62.1000", None), ("x1.100", None), (None, None)])
def test_nace_codes_are_normalised_to_dotted_form(raw: object, norm: str | None) -> None:
    assert ref.normalize_nace(raw) == norm


def test_unknown_nace_version_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="SN2025 or SN2007"):
        ref.nace("SN2002")


# --------------------------------------------------------------------------- correspondence

@pytest.mark.parametrize(("sn2007", "expected"), [
    ("41.200", ["41.000", "43.990", "91.300"]),
    ("85.421", ["85.401"]),
    ("85.423", ["85.403"]),
    ("85.410", ["85.330", "85.404"]),
    ("62.010", ["62.100"]),
    ("72.190", ["72.100"]),
    ("70.220", ["70.200"]),
    ("70.210", ["73.300"]),
    ("84.110", ["84.110"]),
    ("56.101", ["56.110"]),
])
def test_sn2007_codes_map_to_table_2919_successors(sn2007: str, expected: list[str]) -> None:
    """Renumberings listed in data-sources.md section 6 (from KLASS table 2919); 84.110 is unchanged."""
    assert ref.sn2007_to_sn2025(sn2007) == expected


def test_every_sn2007_subclass_has_a_current_sn2025_successor() -> None:
    n25 = set(ref.nace("SN2025")["code"])
    n07 = ref.nace("SN2007")
    for code in n07.loc[n07["level"] == 5, "code"]:
        succ = ref.sn2007_to_sn2025(code)
        assert succ and set(succ) <= n25, code


def test_reverse_correspondence_and_aggregates() -> None:
    assert ref.sn2025_to_sn2007("62.200") == ["62.020", "62.030"]
    assert "41.200" in ref.sn2025_to_sn2007("41.000")
    assert ref.sn2007_to_sn2025("62.0") == ["62.100", "62.200", "62.900"]
    assert ref.sn2007_to_sn2025("99.999") == []


# --------------------------------------------------------------------------- value areas

@pytest.mark.parametrize(("code", "version", "area"), [
    ("41.000", "SN2025", "bygg_anlegg"),
    ("43.210", "SN2025", "bygg_anlegg"),
    ("71.121", "SN2007", "bygg_anlegg"),
    ("35.121", "SN2025", "energi_miljo"),
    ("35.111", "SN2007", "energi_miljo"),
    ("42.221", "SN2025", "energi_miljo"),
    ("42.110", "SN2025", "bygg_anlegg"),
    ("55.100", "SN2025", "reiseliv"),
    ("96.230", "SN2025", "reiseliv"),
    ("96.210", "SN2025", "annet"),
    ("28.110", "SN2025", "industri"),
    ("10.110", "SN2025", "produksjon_mat"),
    ("16.100", "SN2007", "treverk"),
    ("17.120", "SN2025", "treverk"),
    ("62.100", "SN2025", "ikt"),
    ("63.910", "SN2007", "annet"),
    ("47.110", "SN2025", "annet"),
    ("85.401", "SN2025", "annet"),
    ("not a code", "SN2025", "annet"),
])
def test_value_area_takes_longest_matching_prefix(code: str, version: str, area: str) -> None:
    """Prefixes from value_areas.yaml: 42.22 (grid construction) beats 42 (civil engineering); hairdressing
    (96.21) is not wellness; SN2007 63.91 news agencies are not ICT."""
    assert ref.value_area(code, version) == area


def test_value_areas_cover_the_study_areas_and_prefixes_exist() -> None:
    areas = ref.value_areas()
    assert [a.name for a in areas] == ["Bygg og anlegg", "Energi / Miljø", "Reiseliv, Hotel, Velvære", "Industri",
                                       "Produksjon-Mat", "Treverk", "IKT", "Annet"]
    n25, n07 = set(ref.nace("SN2025")["code"]), set(ref.nace("SN2007")["code"])
    for a in areas:
        assert set(a.nace_prefixes) <= n25 and set(a.nace_prefixes_sn2007) <= n07, a.id


def test_every_manufacturing_subclass_has_a_study_area() -> None:
    df = ref.nace("SN2025")
    c = df[(df["section"] == "C") & (df["level"] == 5)]
    assert {ref.value_area(code) for code in c["code"]} <= {"industri", "produksjon_mat", "treverk"}


def test_resale_and_savings_banks_are_excluded_from_critical_mass() -> None:
    """Section 4.2 of the study leaves out resale (retail, wholesale, motor-vehicle trade) and savings banks."""
    assert ref.critical_mass_exclusion("47.110", "SN2025") == "resale"
    assert ref.critical_mass_exclusion("45.200", "SN2007") == "resale"
    assert ref.critical_mass_exclusion("46.710", "SN2025") == "resale"
    assert ref.critical_mass_exclusion("64.190", "SN2025", "SPA") == "savings_bank"
    assert ref.critical_mass_exclusion("64.190", "SN2025", "ASA", "SpareBank 1 Østlandet") == "savings_bank"
    assert ref.critical_mass_exclusion("64.190", "SN2025", "ASA", "DNB Bank ASA") is None
    assert ref.critical_mass_exclusion("43.210", "SN2025", "AS") is None


# --------------------------------------------------------------------------- Triple Helix

@pytest.mark.parametrize(("args", "expected", "label"), [
    (("ORGL", "6100", "85.421", "SN2007"), ("academia", "academia_university_nace"), "University"),
    (("ORGL", "6100", "85.401", "SN2025"), ("academia", "academia_university_nace"), "University"),
    (("ORGL", "6100", "85.421", None), ("academia", "academia_university_nace"), "University"),
    (("AS", "2100", "72.190", "SN2007"), ("academia", "academia_research_nace"), "ResearchInstitute"),
    (("STI", "7000", "72.100", "SN2025"), ("academia", "academia_research_nace"), "ResearchInstitute"),
    (("KOMM", "6500", "84.110", "SN2025"), ("government", "government_sector"), "PublicBody"),
    (("FYLK", None, None, "SN2025"), ("government", "government_org_form"), "PublicBody"),
    (("AS", "2100", "43.210", "SN2025"), ("industry", "industry_market_sector"), "Firm"),
    (("AS", "1520", "35.121", "SN2025"), ("industry", "industry_public_owned"), "Firm"),
    (("ENK", "8200", "62.100", "SN2025"), ("industry", "industry_sole_proprietor"), "Firm"),
    (("AS", None, "62.100", "SN2025"), ("industry", "industry_org_form"), "Firm"),
    (("FLI", "7000", "94.991", "SN2007"), ("other", "other_nonprofit"), "OtherOrganization"),
    (("FLI", "7000", "94.110", "SN2025"), ("intermediary", "intermediary_business_association"), "Intermediary"),
    (("BRL", "", "68.201", "SN2007"), ("other", "other_default"), "OtherOrganization"),
])
def test_helix_rules_classify_the_section_8_3_examples(args: tuple, expected: tuple[str, str], label: str) -> None:
    """USN is ORGL/6100 with NACE 85.421 (SN2007) or 85.401 (SN2025): NACE beats the government sector.
    SINTEF AS (919303808) is AS/2100 with 72.190. Ringerike kommune is KOMM/6500 (84.110). A plain FLI in
    sector 7000 is `other`; a business association (94.11) is an intermediary (documented choices)."""
    org_form, sector, nace_code, version = args
    got = ref.classify_helix(org_form, sector, nace_code, version)
    assert got == expected
    assert ref.helix_label(*got) == label


def test_forskningsradet_sector_marks_academia_when_nace_does_not() -> None:
    assert ref.classify_helix("AS", "2100", "71.129", "SN2007", fr_sector="Instituttsektor") == \
        ("academia", "academia_fr_institute")
    assert ref.classify_helix("STI", "7000", "94.991", "SN2007", fr_sector="uoh-sektor") == \
        ("academia", "academia_fr_uoh")
    assert ref.helix_label("academia", "academia_fr_institute") == "ResearchInstitute"


def test_every_rule_label_is_a_model_label_and_last_rule_always_matches() -> None:
    rules = ref.helix_rules()
    assert {r.label for r in rules} <= set(EXTRA_ORG_LABELS)
    assert rules[-1].always
    for r in rules:
        assert ref.helix_label(r.helix, r.id) == r.label


def test_helix_label_falls_back_to_the_helix_default() -> None:
    assert ref.helix_label("academia", "some_other_rule") == "University"
    assert ref.helix_label("industry", "academia_research_nace") == "Firm"
    with pytest.raises(ValueError, match="unknown helix"):
        ref.helix_label("business", "x")


def test_overrides_file_wins_over_the_rules(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """974760673 (Brønnøysundregistrene) is a real, valid orgnr used here only as a test key."""
    extra = tmp_path / "overrides.csv"
    extra.write_text("orgnr,helix,reason,label\n974760673,intermediary,test cluster host,\n"
                     "984851006,academia,test research unit,ResearchInstitute\n", encoding="utf-8")
    monkeypatch.setenv("KLYNGE_HELIX_OVERRIDES_FILE", str(extra))
    got = ref.classify_helix("ORGL", "6100", "84.130", "SN2025", orgnr="974760673")
    assert got == ("intermediary", "override_intermediary")
    assert ref.helix_label(*got) == "Intermediary"
    got = ref.classify_helix("ASA", "3200", "64.190", "SN2025", orgnr="984851006")
    assert ref.helix_label(*got) == "ResearchInstitute"
    assert ref.classify_helix("ASA", "3200", "64.190", "SN2025", orgnr="923609016")[0] == "industry"


@pytest.mark.parametrize(("row", "message"), [
    ("123456789,industry,x,", r"line 2: orgnr '123456789'"),
    ("974760673,business,x,", r"line 2: helix 'business'"),
    ("974760673,academia,x,Firm", r"line 2: label 'Firm'"),
    ("974760673,academia,,", r"line 2: orgnr 974760673 needs a `reason`"),
])
def test_bad_override_rows_name_file_line_and_field(tmp_path, monkeypatch: pytest.MonkeyPatch, row: str,
                                                    message: str) -> None:
    extra = tmp_path / "overrides.csv"
    extra.write_text("orgnr,helix,reason,label\n" + row + "\n", encoding="utf-8")
    monkeypatch.setenv("KLYNGE_HELIX_OVERRIDES_FILE", str(extra))
    with pytest.raises(ConfigError, match=re.escape(str(extra)) + ".*" + message):
        ref.classify_helix("AS", "2100", "43.210", "SN2025", orgnr="974760673")


def test_packaged_overrides_file_has_the_contract_header() -> None:
    header = (ref.DATA_DIR / "helix_overrides.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",")[:3] == ["orgnr", "helix", "reason"]
    assert all(ref.is_valid_orgnr(o) for o in ref.helix_overrides())


@given(st.one_of(st.text(max_size=12), st.integers(), st.none()))
def test_lookups_never_raise_on_arbitrary_input(value: object) -> None:
    """Bad codes degrade to None / [] / "annet" / "other" instead of raising."""
    assert ref.current_municipality(value) is None or re.fullmatch(r"\d{4}", ref.current_municipality(value) or "")
    assert isinstance(ref.nace_ancestors(value), list)
    assert ref.value_area(value) in {a.id for a in ref.value_areas()}
    assert isinstance(ref.sn2007_to_sn2025(value), list)
    assert ref.classify_helix(None, None, value, None)[0] in ref.HELICES
    assert isinstance(ref.is_valid_orgnr(value), bool)
