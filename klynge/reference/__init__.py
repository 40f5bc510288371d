"""Reference data for Klynge: municipalities, counties, regions, NACE codes, value areas, Triple Helix rules.

Pure Python over the files in ``klynge/reference/data`` (sources and licences in ``data/SOURCES.md``); nothing
here touches the graph. Tables are read once and cached; functions that return DataFrames return copies.

Public API::

    from klynge import reference as ref
    ref.current_municipality("3007")          # "3305" (Ringerike)
    ref.nace_ancestors("62.100", "SN2025")     # ["62.10", "62.1", "62", "K"]
    ref.sn2007_to_sn2025("62.010")             # ["62.100"]
    ref.value_area("43.210")                   # "bygg_anlegg"
    ref.classify_helix("ORGL", "6100", "85.421", "SN2007")   # ("academia", "academia_university_nace")
    ref.helix_label("academia", "academia_research_nace")     # "ResearchInstitute"
    ref.is_valid_orgnr("923609016")            # True

Environment: ``KLYNGE_REGIONS_FILE`` (extra regions YAML) and ``KLYNGE_HELIX_OVERRIDES_FILE`` (extra
``orgnr,helix,reason[,label]`` CSV) are merged with the packaged files.
"""

from __future__ import annotations

from klynge.reference import geo as _geo
from klynge.reference import helix as _helix
from klynge.reference import nace as _nace
from klynge.reference._files import DATA_DIR
from klynge.reference.geo import (
    Region,
    counties,
    county_of,
    current_municipality,
    municipalities,
    municipality_changes,
    municipality_name,
    municipality_successors,
    normalize_municipality_code,
    regions,
)
from klynge.reference.helix import (
    HELICES,
    LABELS,
    HelixOverride,
    HelixRule,
    classify_helix,
    helix_label,
    helix_overrides,
    helix_rules,
)
from klynge.reference.nace import (
    VERSIONS,
    NaceEntry,
    critical_mass_exclusion,
    guess_nace_version,
    nace,
    nace_ancestors,
    nace_entry,
    nace_name,
    nace_section,
    normalize_nace,
    normalize_version,
    sn2007_to_sn2025,
    sn2025_to_sn2007,
    value_area,
    value_areas,
)
from klynge.reference.orgnr import is_valid_orgnr, orgnr_check_digit
from klynge.reference.valueareas import ValueArea, ValueAreaRules


def clear_caches() -> None:
    """Forget every cached table (after editing a data file, or between tests that change the environment)."""
    _geo.clear_caches()
    _nace.clear_caches()
    _helix.clear_caches()


__all__ = [
    "DATA_DIR", "HELICES", "LABELS", "VERSIONS", "HelixOverride", "HelixRule", "NaceEntry", "Region", "ValueArea",
    "ValueAreaRules", "classify_helix", "clear_caches", "counties", "county_of", "critical_mass_exclusion",
    "current_municipality", "guess_nace_version", "helix_label", "helix_overrides", "helix_rules", "is_valid_orgnr", "municipalities", "municipality_changes", "municipality_name", "municipality_successors",
    "nace", "nace_ancestors", "nace_entry", "nace_name", "nace_section", "normalize_municipality_code",
    "normalize_nace", "normalize_version", "orgnr_check_digit", "regions", "sn2007_to_sn2025", "sn2025_to_sn2007",
    "value_area", "value_areas",
]
