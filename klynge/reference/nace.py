"""Industry codes (SN2025 and SN2007), their hierarchy, the SN2025-SN2007 correspondence and value areas."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import pandas as pd

from klynge.errors import ConfigError
from klynge.reference._files import data_path, read_table

if TYPE_CHECKING:
    from klynge.reference.valueareas import ValueArea, ValueAreaRules

VERSIONS: tuple[str, ...] = ("SN2025", "SN2007")
NACE_COLUMNS = ("code", "parent_code", "level", "name", "section")
_FILES = {"SN2025": "nace_sn2025.csv", "SN2007": "nace_sn2007.csv"}
_DOTTED = re.compile(r"^\d{2}(\.\d{1,3})?$")

# Published section ranges of SN2007 (NACE Rev. 2) by division, used only when a division is not in the table.
SN2007_SECTION_RANGES: tuple[tuple[str, int, int], ...] = (
    ("A", 1, 3), ("B", 5, 9), ("C", 10, 33), ("D", 35, 35), ("E", 36, 39), ("F", 41, 43), ("G", 45, 47),
    ("H", 49, 53), ("I", 55, 56), ("J", 58, 63), ("K", 64, 66), ("L", 68, 68), ("M", 69, 75), ("N", 77, 82),
    ("O", 84, 84), ("P", 85, 85), ("Q", 86, 88), ("R", 90, 93), ("S", 94, 96), ("T", 97, 98), ("U", 99, 99),
)


@dataclass(frozen=True)
class NaceEntry:
    """One row of a NACE table (``name_nb`` is the Norwegian name where known; SN2007 ``name`` is Norwegian)."""

    code: str
    parent_code: str
    level: int
    name: str
    section: str
    name_nb: str = ""


def normalize_version(version: object) -> str:
    """``"SN2025"`` or ``"SN2007"`` for case variants and bare years; a missing value (None, NaN, "")
    means SN2025. The one NACE-version normaliser of the project.

    Raises
    ------
    ConfigError
        For any other value.
    """
    if version is None or version != version:  # None or NaN: no version given
        return "SN2025"
    v = str(version).strip().upper().replace(" ", "")
    if v == "":
        return "SN2025"
    if v in ("2025", "SN2025"):
        return "SN2025"
    if v in ("2007", "SN2007"):
        return "SN2007"
    raise ConfigError(f"unknown NACE version {version!r}; expected SN2025 or SN2007")


def normalize_nace(code: object) -> str | None:
    """A NACE code in dotted form, or None when it is not one.

    ``"62100"`` -> ``"62.100"``, ``"6210"`` -> ``"62.10"``, ``" 62.1 "`` -> ``"62.1"``, ``"j"`` -> ``"J"``,
    ``"00.000"`` (Enhetsregisteret's "unknown") -> None.
    """
    if code is None or isinstance(code, bool):
        return None
    text = str(code).strip().replace(" ", "")
    if len(text) == 1 and text.isascii() and text.isalpha():
        return text.upper()
    if text.isascii() and text.isdigit() and 2 <= len(text) <= 5:
        text = text[:2] + ("." + text[2:] if len(text) > 2 else "")
    if not _DOTTED.match(text) or text.startswith("00"):
        return None
    return text


def structural_parent(code: str) -> str | None:
    """The parent by code shape alone: ``62.100`` -> ``62.10`` -> ``62.1`` -> ``62``; None above a division."""
    if len(code) == 6:
        return code[:5]
    if len(code) == 5:
        return code[:4]
    if len(code) == 4:
        return code[:2]
    return None


@lru_cache(maxsize=2)
def _table(version: str) -> pd.DataFrame:
    path = data_path(_FILES[version])
    df = read_table(path, NACE_COLUMNS)
    try:
        df["level"] = df["level"].astype(int)
    except ValueError as exc:
        raise ConfigError(f"{path}: column level must hold integers 1-5 ({exc}); fix the file") from exc
    dup = df[df["code"].duplicated()]
    if not dup.empty:
        raise ConfigError(f"{path} line {int(dup.index[0]) + 2}: code {dup.iloc[0]['code']} appears twice")
    codes = set(df["code"])
    orphan = df[(df["parent_code"] != "") & ~df["parent_code"].isin(codes)]
    if not orphan.empty:
        raise ConfigError(f"{path} line {int(orphan.index[0]) + 2}: parent_code {orphan.iloc[0]['parent_code']} "
                          f"of {orphan.iloc[0]['code']} is not in the table; fix the file")
    return df


@lru_cache(maxsize=2)
def _index(version: str) -> dict[str, NaceEntry]:
    df = _table(version)
    nb = df["name_nb"] if "name_nb" in df.columns else (df["name"] if version == "SN2007" else None)
    names_nb = list(nb) if nb is not None else [""] * len(df)
    return {r.code: NaceEntry(r.code, r.parent_code, int(r.level), r.name, r.section, n)
            for r, n in zip(df.itertuples(index=False), names_nb)}


@lru_cache(maxsize=2)
def _division_sections(version: str) -> dict[str, str]:
    return {c: e.section for c, e in _index(version).items() if e.level == 2}


def nace(version: str | None = "SN2025") -> pd.DataFrame:
    """The NACE table of one version: every level with names.

    Parameters
    ----------
    version : ``"SN2025"`` (default) or ``"SN2007"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``code, parent_code, level, name, section``; ``level`` is int (1 section letter ... 5 NN.NNN),
        ``parent_code`` is ``""`` for sections. A fresh copy on each call. SN2025 ``name`` is SSB's English
        name and the extra columns ``name_nb, name_nb_source`` hold the Norwegian name where one is known
        (every subclass but three, and single-child classes/groups); SN2007 names are Norwegian
        (see SOURCES.md).

    Raises
    ------
    ConfigError
        For an unknown version or a broken data file.
    """
    return _table(normalize_version(version)).copy()


def nace_entry(code: object, version: str | None = "SN2025") -> NaceEntry | None:
    """The table row of a code, or None when the code is not in that version's table."""
    norm = normalize_nace(code)
    return _index(normalize_version(version)).get(norm) if norm else None


def nace_name(code: object, version: str | None = "SN2025", lang: str = "nb") -> str | None:
    """The name of a code in one version, or None when it is not in the table.

    Parameters
    ----------
    code : any form accepted by :func:`normalize_nace`.
    version : ``"SN2025"`` or ``"SN2007"``.
    lang : ``"nb"`` (default) gives the Norwegian name where one is known and falls back to the English
        SN2025 name; ``"en"`` gives the English SN2025 name (None for SN2007, which has Norwegian names only).
    """
    entry = nace_entry(code, version)
    if entry is None:
        return None
    v = normalize_version(version)
    if lang == "en":
        return entry.name if v == "SN2025" else None
    if lang != "nb":
        raise ValueError(f"unknown language {lang!r}; expected 'nb' or 'en'")
    return entry.name_nb or entry.name


def guess_nace_version(code: object) -> str:
    """``"SN2007"`` for a 5-digit code that exists only in SN2007 (e.g. 85.421); otherwise ``"SN2025"``."""
    norm = normalize_nace(code)
    if norm and norm not in _index("SN2025") and norm in _index("SN2007"):
        return "SN2007"
    return "SN2025"


def _section_of_division(division: str, version: str) -> str | None:
    sec = _division_sections(version).get(division)
    if sec is None and version == "SN2007" and division.isdigit():
        d = int(division)
        sec = next((s for s, lo, hi in SN2007_SECTION_RANGES if lo <= d <= hi), None)
    return sec


def nace_ancestors(code: object, version: str | None = "SN2025") -> list[str]:
    """The parents of a code up to its section letter, nearest first.

    Parameters
    ----------
    code : any form accepted by :func:`normalize_nace`.
    version : ``"SN2025"`` or ``"SN2007"``.

    Returns
    -------
    list[str]
        ``["62.10", "62.1", "62", "K"]`` for SN2025 ``62.100`` (the code itself is not included); ``[]`` for a
        section letter or a malformed code.

    Notes
    -----
    A well-formed code missing from the table (an old or mistyped subclass) still gets its parents by code
    shape, and the section of its division; the section is left out when the division is unknown.
    """
    v = normalize_version(version)
    norm = normalize_nace(code)
    if norm is None or norm.isalpha():
        return []
    index = _index(v)
    out: list[str] = []
    cur: str | None = norm
    while cur:
        entry = index.get(cur)
        if entry is not None:
            parent = entry.parent_code or None
        elif len(cur) == 2:
            parent = _section_of_division(cur, v)
        else:
            parent = structural_parent(cur)
        if parent:
            out.append(parent)
        cur = parent if parent and not parent.isalpha() else None
    return out


def nace_section(code: object, version: str | None = "SN2025") -> str | None:
    """The section letter of a code (``"K"`` for SN2025 62.100, ``"J"`` for SN2007 62.010), or None."""
    norm = normalize_nace(code)
    if norm is None:
        return None
    v = normalize_version(version)
    if norm.isalpha():
        return norm if norm in _index(v) else None
    return _section_of_division(norm[:2], v)


@lru_cache(maxsize=1)
def _correspondence() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    path = data_path("nace_sn2025_to_sn2007.csv")
    df = read_table(path, ("sn2025", "sn2007"))
    to25: dict[str, list[str]] = {}
    to07: dict[str, list[str]] = {}
    for a, b in zip(df["sn2025"], df["sn2007"]):
        to25.setdefault(b, []).append(a)
        to07.setdefault(a, []).append(b)
    return ({k: tuple(sorted(set(v))) for k, v in to25.items()},
            {k: tuple(sorted(set(v))) for k, v in to07.items()})


def _map(code: object, table: dict[str, tuple[str, ...]]) -> list[str]:
    norm = normalize_nace(code)
    if norm is None or norm.isalpha():
        return []
    if norm in table:
        return list(table[norm])
    if len(norm) < 6:  # an aggregate: the union over its 5-digit codes
        hits = {t for k, v in table.items() if k.startswith(norm) for t in v}
        return sorted(hits)
    return []


def sn2007_to_sn2025(code: object) -> list[str]:
    """SN2025 successor(s) of an SN2007 code (table 2919 plus unchanged codes).

    Parameters
    ----------
    code : an SN2007 code; 5-digit codes map directly, shorter codes to the union over their subclasses.

    Returns
    -------
    list[str]
        Sorted SN2025 5-digit codes: ``["62.100"]`` for 62.010, ``["41.000", "43.990", "91.300"]`` for 41.200,
        ``["85.401"]`` for 85.421; ``[]`` when unknown.
    """
    return _map(code, _correspondence()[0])


def sn2025_to_sn2007(code: object) -> list[str]:
    """SN2007 predecessor(s) of an SN2025 code (the reverse of :func:`sn2007_to_sn2025`); ``[]`` when unknown."""
    return _map(code, _correspondence()[1])


# --------------------------------------------------------------------------- value areas
# One definition: klynge.reference.valueareas.ValueAreaRules; these read the packaged rules.

def value_areas() -> tuple[ValueArea, ...]:
    """The study's value-creation areas in file order, the default area (``annet``, no prefixes) last."""
    return _rules().listed()


def value_area(nace_code: object, version: str | None = "SN2025") -> str:
    """The value-creation area id of a NACE code (longest matching prefix; ``"annet"`` when none matches).

    Parameters
    ----------
    nace_code : any form accepted by :func:`normalize_nace`.
    version : the code's version; SN2007 codes are matched against the SN2007 prefixes.

    Returns
    -------
    str
        e.g. ``"bygg_anlegg"`` for 43.210, ``"energi_miljo"`` for 35.121 and 42.221, ``"ikt"`` for 62.100.
    """
    return _rules().area_of(nace_code, version)


def critical_mass_exclusion(nace_code: object, version: str | None = "SN2025", org_form: str | None = None,
                            name: str | None = None) -> str | None:
    """Why the study would leave a firm out of Table 5: ``"resale"``, ``"savings_bank"`` or None
    (:meth:`ValueAreaRules.critical_mass_exclusion` of the packaged rules)."""
    return _rules().critical_mass_exclusion(nace_code, version, org_form, name)


def _rules() -> ValueAreaRules:  # imported late: valueareas imports this module
    from klynge.reference.valueareas import ValueAreaRules

    return ValueAreaRules.packaged()


def clear_caches() -> None:
    """Forget the cached tables (tests, or after editing the data files)."""
    from klynge.reference import valueareas

    for f in (_table, _index, _division_sections, _correspondence):
        f.cache_clear()
    valueareas.clear_caches()
