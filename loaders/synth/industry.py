"""Industry (NACE SN2025) mix, its regional variation and the value-area pools.

Weights are given per 2-digit division (roughly the share of ER units in Norway);
a unit's 5-digit code is drawn uniformly among the reference table's level-5 codes
of its division, so the generator follows whatever SN2025 table the reference data
holds.  County multipliers give the regional variation (oil in Rogaland, fish in the
north, wood in Innlandet, ICT and finance in Oslo).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from klynge.errors import ConfigError
from loaders.synth.knobs import TABLE5

DIVISION_WEIGHTS: dict[str, float] = {
    "01": 4.0, "02": 1.0, "03": 1.0, "06": 0.05, "08": 0.1, "09": 0.1, "10": 0.6, "11": 0.1, "13": 0.1,
    "16": 0.4, "17": 0.05, "18": 0.2, "20": 0.05, "22": 0.1, "23": 0.15, "25": 0.4, "26": 0.1, "27": 0.08,
    "28": 0.2, "30": 0.1, "31": 0.2, "32": 0.2, "33": 0.4, "35": 0.4, "36": 0.05, "38": 0.2, "39": 0.05,
    "41": 4.0, "42": 0.8, "43": 7.0, "45": 1.5, "46": 3.0, "47": 5.0, "49": 2.5, "50": 0.4, "52": 0.5,
    "55": 0.6, "56": 1.5, "58": 0.3, "59": 0.4, "60": 0.1, "61": 0.1, "62": 3.5, "63": 0.4, "64": 1.0,
    "65": 0.05, "66": 0.5, "68": 12.0, "69": 1.2, "70": 5.0, "71": 2.5, "72": 0.2, "73": 0.8, "74": 2.0,
    "75": 0.1, "77": 0.5, "78": 0.2, "79": 0.3, "80": 0.1, "81": 0.8, "82": 1.0, "85": 1.5, "86": 3.0,
    "87": 0.3, "88": 0.6, "90": 3.0, "91": 0.2, "93": 1.5, "94": 4.0, "95": 0.3, "96": 3.0,
}

#: County code -> {division prefix: multiplier}.
COUNTY_MULTIPLIERS: dict[str, dict[str, float]] = {
    "03": {"62": 2.5, "63": 2.0, "70": 1.8, "69": 1.5, "71": 1.3, "58": 2.0, "59": 2.0, "64": 2.0, "66": 2.0,
           "01": 0.05, "02": 0.05, "03": 0.05, "16": 0.3, "10": 0.5},
    "11": {"06": 8.0, "09": 6.0, "28": 1.8, "33": 1.8, "03": 1.5, "10": 1.3},
    "46": {"03": 3.0, "10": 2.0, "09": 3.0, "50": 3.0, "30": 2.0},
    "15": {"30": 4.0, "28": 2.0, "03": 3.0, "10": 2.0, "50": 2.0},
    "18": {"03": 4.0, "10": 2.5, "55": 1.4, "50": 2.0},
    "55": {"03": 4.0, "10": 2.5, "55": 1.5, "50": 2.0},
    "56": {"03": 5.0, "10": 2.5, "55": 1.5},
    "34": {"01": 2.5, "02": 4.0, "16": 4.0, "31": 2.0, "55": 1.6, "35": 1.5},
    "50": {"01": 1.5, "02": 1.5, "62": 1.3, "72": 1.5, "10": 1.3},
    "33": {"41": 1.3, "43": 1.3, "16": 1.5, "35": 1.5},
    "32": {"41": 1.2, "43": 1.2, "70": 1.2, "62": 1.2},
    "42": {"25": 1.3, "24": 1.5, "55": 1.2},
    "39": {"25": 1.2, "55": 1.2},
    "40": {"20": 2.0, "24": 1.5, "35": 1.5},
}

#: Divisions clusters form around (theme id, name stem, divisions).
CLUSTER_THEMES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("ocean", "Ocean Technology", ("28", "30", "33", "71", "09")),
    ("aqua", "Havbruk", ("03", "10", "28")),
    ("energy", "Energi", ("35", "42", "71", "27")),
    ("wood", "Tre og Bygg", ("16", "31", "41", "43", "02")),
    ("food", "Mat", ("10", "11", "01")),
    ("ict", "Digital", ("62", "63", "26")),
    ("health", "Helseteknologi", ("21", "26", "32", "86", "72")),
    ("tourism", "Reiseliv", ("55", "56", "79", "93")),
    ("process", "Prosessindustri", ("20", "24", "22", "23")),
    ("build", "Smart Bygg", ("41", "42", "43", "71")),
    ("materials", "Materialer", ("22", "23", "24", "25")),
    ("mobility", "Mobilitet", ("29", "30", "49", "52")),
)

@dataclass(frozen=True)
class IndustryTable:
    codes: tuple[str, ...]  # level-5 SN2025 codes used
    names: dict[str, str]
    section: dict[str, str]
    division_codes: dict[str, tuple[str, ...]]
    divisions: tuple[str, ...]
    base_weights: np.ndarray  # per division
    area_of_code: dict[str, str]  # code -> value-area id (klynge.reference.value_area)
    area_pools: dict[str, tuple[str, ...]]  # value-area id -> codes a top firm may get (no resale, banks, 84)
    section_names: dict[str, str]

    def first(self, *prefixes: str) -> str:
        """The first level-5 code starting with one of ``prefixes`` (in the order given)."""
        for p in prefixes:
            for c in self.codes:
                if c.startswith(p):
                    return c
        raise ConfigError(f"the SN2025 table in klynge/reference/data has no level-5 code under {prefixes}; "
                          "rebuild the reference data")

    def county_weights(self, county: str) -> np.ndarray:
        mult = COUNTY_MULTIPLIERS.get(county, {})
        w = self.base_weights * np.array([mult.get(d, 1.0) for d in self.divisions])
        return w / w.sum()


@lru_cache(maxsize=2)
def load_industry() -> IndustryTable:
    from klynge import reference

    df = reference.nace("SN2025")
    lvl5 = df[df["level"].astype(int) == 5]
    codes = tuple(sorted(str(c) for c in lvl5["code"]))
    if not codes:
        raise ConfigError("the SN2025 table in klynge/reference/data has no level-5 codes; rebuild the reference data")
    names = {str(r.code): str(r.name) for r in lvl5.itertuples()}
    section = {str(r.code): str(r.section) for r in lvl5.itertuples()}
    by_div: dict[str, list[str]] = {}
    for c in codes:
        by_div.setdefault(c[:2], []).append(c)
    divisions = tuple(d for d in DIVISION_WEIGHTS if d in by_div)
    base = np.array([DIVISION_WEIGHTS[d] for d in divisions], dtype=float)
    area_of_code = {c: str(reference.value_area(c, "SN2025")) for c in codes}
    known = {a.id for a in reference.value_areas()}
    missing = sorted(set(TABLE5) - known)
    if missing:
        raise ConfigError(f"value areas {missing} of the study's Table 5 are not in "
                          "klynge/reference/data/value_areas.yaml; the ids must match")
    pools: dict[str, list[str]] = {}
    for c in codes:
        if reference.ValueAreaRules.packaged().is_resale(c, "SN2025") or c[:2] in ("64", "84", "97", "98", "99"):
            continue  # resale, finance (banks, holdings), public administration and households
        if c[:2] not in DIVISION_WEIGHTS:
            continue
        pools.setdefault(area_of_code[c], []).append(c)
    section_names = {str(r.code): str(r.name) for r in df[df["level"].astype(int) == 1].itertuples()}
    return IndustryTable(codes, names, section, {d: tuple(v) for d, v in by_div.items()}, divisions, base,
                         area_of_code, {k: tuple(v) for k, v in pools.items()}, section_names)
