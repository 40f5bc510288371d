"""Municipalities, counties and population weights for the synthetic Norway.

Municipality and county codes and names come from the reference data
(:mod:`klynge.reference`); only the population weights live here: rounded
2024 populations for the larger municipalities and the focus region, and a fixed
log-normal draw (median about 5 000) for every other municipality.  "Real-ish" is
all the generator needs: Oslo is big, small inland municipalities are small.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from klynge.errors import ConfigError

#: Rounded population (thousands) of larger 2024 municipalities and of Ringeriksregionen.
POPULATION_K: dict[str, float] = {
    "0301": 717, "4601": 291, "5001": 214, "1103": 149, "3201": 130, "4204": 116, "3301": 104,
    "3203": 98, "3205": 92, "3107": 84, "1108": 84, "5501": 78, "1508": 57, "3907": 65, "3207": 62,
    "3105": 58, "3905": 58, "4003": 55, "1804": 53, "3103": 51, "3909": 48, "4203": 46, "1149": 43,
    "3209": 41, "4626": 39, "1106": 38, "4001": 37, "3407": 31, "3403": 32, "3411": 35, "3405": 29,
    "3303": 28, "1124": 28, "3901": 27, "3240": 27, "1833": 26, "5503": 25, "5006": 24, "1505": 24,
    "4627": 30, "3212": 20, "5601": 21, "1806": 21, "3218": 21, "3230": 7,
    # Ringeriksregionen (study region): Ringerike, Hole, Jevnaker, Modum, Krødsherad
    "3305": 31.5, "3310": 7.0, "3236": 7.1, "3316": 14.6, "3318": 2.3,
}

#: Landsdel (part of the country) by 2024 county code, as Forskningsrådet labels it.
LANDSDEL: dict[str, str] = {
    "03": "Oslo og Viken", "31": "Oslo og Viken", "32": "Oslo og Viken", "33": "Oslo og Viken", "30": "Oslo og Viken",
    "34": "Innlandet", "39": "Agder og Sør-Østlandet", "40": "Agder og Sør-Østlandet",
    "42": "Agder og Sør-Østlandet",
    "38": "Agder og Sør-Østlandet", "11": "Vestlandet", "46": "Vestlandet", "15": "Vestlandet", "50": "Trøndelag",
    "18": "Nord-Norge", "55": "Nord-Norge", "56": "Nord-Norge", "54": "Nord-Norge",
}

#: First digit ranges of postal codes by county (approximate, for plausible addresses only).
_POSTAL_BASE: dict[str, tuple[int, int]] = {
    "03": (150, 1295), "31": (1500, 1899), "32": (1300, 2099), "33": (3000, 3699), "34": (2200, 2999),
    "39": (3100, 3299), "40": (3700, 3999), "42": (4500, 4999), "11": (4000, 4399), "46": (5000, 5999),
    "15": (6000, 6699), "50": (7000, 7999), "18": (8000, 8999), "55": (9000, 9499), "56": (9500, 9999),
}


@dataclass(frozen=True)
class Geography:
    """The 2024 municipalities with their weights and lookups used by the generator."""

    codes: tuple[str, ...]
    names: tuple[str, ...]  # Norwegian name (first part of a multilingual name)
    county: tuple[str, ...]
    weights: np.ndarray  # population share, sums to 1
    county_names: dict[str, str]
    old_codes: dict[str, tuple[str, ...]]  # current code -> 2020-23 codes that became it
    old_county: dict[str, str]  # 2020-23 municipality code -> its county code then
    postal: tuple[str, ...]
    full_names: tuple[str, ...] = ()  # names as in the reference data, e.g. "Trondheim - Tråante"

    def index(self, code: str) -> int:
        try:
            return self.codes.index(code)
        except ValueError as exc:
            raise ConfigError(
                f"municipality {code} is not a 2024 municipality in klynge/reference/data/municipalities.csv; "
                "use a current 4-digit code such as 3305") from exc


@lru_cache(maxsize=2)
def load_geography() -> Geography:
    """Read municipalities and counties from the reference data and attach weights."""
    from klynge import reference

    m = reference.municipalities()
    cur = m[(m["valid_to"].fillna("") == "") & (m["code"] == m["current_code"])].sort_values("code")
    if cur.empty:
        raise ConfigError("klynge/reference/data/municipalities.csv has no current (2024) municipalities; "
                          "rebuild the reference data")
    codes = tuple(str(c) for c in cur["code"])
    names = tuple(str(n).split(" - ")[0] for n in cur["name"])  # "Oslo - Oslove" -> "Oslo"
    full_names = tuple(str(n) for n in cur["name"])
    county = tuple(str(k) for k in cur["county_code"])
    fill = np.random.Generator(np.random.PCG64(20240101))
    default = np.exp(fill.normal(np.log(5.0), 0.9, size=len(codes))).clip(0.2, 25.0)
    w = np.array([POPULATION_K.get(c, default[i]) for i, c in enumerate(codes)], dtype=float)
    w /= w.sum()
    c = reference.counties()
    county_names = {str(r.code): str(r.name) for r in c.itertuples()}
    old = m[(m["valid_to"].fillna("") == "2023-12-31") & (m["code"] != m["current_code"])]
    old_codes: dict[str, list[str]] = {}
    old_county: dict[str, str] = {}
    for r in old.itertuples():
        old_codes.setdefault(str(r.current_code), []).append(str(r.code))
        old_county[str(r.code)] = str(r.county_code)
    postal = []
    for i, code in enumerate(codes):
        lo, hi = _POSTAL_BASE.get(county[i], (1000, 9999))
        postal.append(f"{lo + (int(code) * 37) % max(1, hi - lo):04d}")
    return Geography(codes, names, county, w, county_names,
                     {k: tuple(v) for k, v in old_codes.items()}, old_county, tuple(postal), full_names)
