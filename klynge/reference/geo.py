"""Municipalities, counties and regions (kommunenummer, fylkesnummer, user regions)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from klynge.config import read_setting
from klynge.errors import ConfigError
from klynge.reference._files import data_path, read_table, read_yaml

MUNICIPALITY_COLUMNS = ("code", "name", "county_code", "valid_from", "valid_to", "current_code")
COUNTY_COLUMNS = ("code", "name", "valid_from", "valid_to")
CHANGE_COLUMNS = ("old_code", "new_code", "date")


@dataclass(frozen=True)
class Region:
    """A named group of municipalities.

    Attributes
    ----------
    id : the region key (``Region.region_id`` in the graph).
    name : display name.
    municipalities : 2024 municipality numbers, in file order, without duplicates.
    description : free text.
    source : the YAML file the region came from.
    """

    id: str
    name: str
    municipalities: tuple[str, ...]
    description: str = ""
    source: str = ""


def normalize_municipality_code(code: object) -> str | None:
    """``"0605"`` for ``"605"``, ``605`` or ``" 0605 "``; None when it is not 1-4 digits."""
    if isinstance(code, bool) or code is None:
        return None
    text = str(code).strip()
    if not text or len(text) > 4 or not text.isascii() or not text.isdigit():
        return None
    return text.zfill(4)


@lru_cache(maxsize=1)
def _municipalities() -> pd.DataFrame:
    path = data_path("municipalities.csv")
    df = read_table(path, MUNICIPALITY_COLUMNS)
    bad = df[~df["code"].str.fullmatch(r"\d{4}") | ~df["current_code"].str.fullmatch(r"\d{4}")]
    if not bad.empty:
        line = int(bad.index[0]) + 2
        raise ConfigError(f"{path} line {line}: code/current_code must be 4 digits, found "
                          f"{bad.iloc[0]['code']!r}/{bad.iloc[0]['current_code']!r}; fix the file")
    dup = df[df["code"].duplicated()]
    if not dup.empty:
        raise ConfigError(f"{path} line {int(dup.index[0]) + 2}: municipality {dup.iloc[0]['code']} appears twice; "
                          "each number has one row")
    current = set(df.loc[df["valid_to"] == "", "code"])
    dangling = df[~df["current_code"].isin(current)]
    if not dangling.empty:
        raise ConfigError(f"{path} line {int(dangling.index[0]) + 2}: current_code {dangling.iloc[0]['current_code']} "
                          "is not a current municipality (a row with empty valid_to); fix the file")
    return df


@lru_cache(maxsize=1)
def _counties() -> pd.DataFrame:
    return read_table(data_path("counties.csv"), COUNTY_COLUMNS)


@lru_cache(maxsize=1)
def _changes() -> pd.DataFrame:
    return read_table(data_path("municipality_changes.csv"), CHANGE_COLUMNS)


@lru_cache(maxsize=1)
def _current_map() -> dict[str, str]:
    df = _municipalities()
    return dict(zip(df["code"], df["current_code"]))


def municipalities() -> pd.DataFrame:
    """All municipality numbers: the 357 valid from 2024 plus earlier numbers.

    Returns
    -------
    pandas.DataFrame
        Columns ``code, name, county_code, valid_from, valid_to, current_code`` as strings; empty strings
        (not NaN) for open dates. Current numbers have ``valid_to == ""`` and ``current_code == code``.
        A fresh copy on each call.

    Notes
    -----
    Earlier numbers: the 2020-2023 numbers renumbered on 2024-01-01 (valid_to 2023-12-31) and the
    numbers of the 2016 list that no longer existed in 2020 (valid_from empty, valid_to 2019-12-31 meaning
    "no later than"). See ``klynge/reference/data/SOURCES.md``.
    """
    return _municipalities().copy()


def counties() -> pd.DataFrame:
    """Counties (fylker): 2024 numbers, the 2020-2023 ones (30, 38, 54) and the pre-2020 ones.

    Returns
    -------
    pandas.DataFrame
        Columns ``code, name, valid_from, valid_to`` as strings; a fresh copy on each call.
    """
    return _counties().copy()


def municipality_changes() -> pd.DataFrame:
    """The 2024-01-01 renumbering: ``old_code, new_code, date`` (1507 Ålesund appears twice: 1508 and 1580)."""
    return _changes().copy()


def current_municipality(code: object) -> str | None:
    """The 2024 municipality number for a current or earlier number.

    Parameters
    ----------
    code : a municipality number as string or int; 3-digit forms are zero-padded (``605`` -> ``0605``).

    Returns
    -------
    str or None
        ``"3305"`` for ``"0605"``, ``"3007"`` and ``"3305"``; None when the number is unknown or malformed.

    Notes
    -----
    A number that was split (1507 Ålesund -> 1508 Ålesund and 1580 Haram) maps to the largest successor;
    :func:`municipality_successors` returns all of them.
    """
    norm = normalize_municipality_code(code)
    if norm is None:
        return None
    return _current_map().get(norm)


def municipality_successors(code: object) -> tuple[str, ...]:
    """All 2024 numbers a municipality number continues in (one for most, two for 1507); empty if unknown."""
    norm = normalize_municipality_code(code)
    cur = current_municipality(norm)
    if norm is None or cur is None:
        return ()
    ch = _changes()
    out = list(ch.loc[ch["old_code"] == norm, "new_code"])
    if cur not in out:
        out.insert(0, cur)
    return tuple(dict.fromkeys(out))


def municipality_name(code: object) -> str | None:
    """The name of a municipality number (earlier numbers carry their successor's or their own name)."""
    norm = normalize_municipality_code(code)
    if norm is None:
        return None
    df = _municipalities()
    hit = df.loc[df["code"] == norm, "name"]
    return str(hit.iloc[0]) if not hit.empty else None


def county_of(code: object) -> str | None:
    """The 2024 county number of a municipality number (via its current number): ``"32"`` for Jevnaker."""
    cur = current_municipality(code)
    return cur[:2] if cur else None


def _parse_regions(path: Path, known: dict[str, str]) -> dict[str, Region]:
    doc = read_yaml(path)
    items = doc.get("regions")
    if not isinstance(items, list):
        raise ConfigError(f"{path}: expected a top-level list `regions:`; see klynge/reference/data/regions.yaml")
    out: dict[str, Region] = {}
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise ConfigError(f"{path}: region #{i} must be a mapping with id, name and municipalities")
        rid = str(item.get("id") or "").strip()
        name = str(item.get("name") or "").strip()
        if not rid or not name:
            raise ConfigError(f"{path}: region #{i} needs a non-empty `id` and `name`")
        raw = item.get("municipalities")
        if not isinstance(raw, list) or not raw:
            raise ConfigError(f"{path}: region {rid!r} needs a non-empty list `municipalities` of municipality numbers")
        codes: list[str] = []
        for m in raw:
            norm = normalize_municipality_code(m)
            cur = known.get(norm) if norm else None
            if cur is None:
                raise ConfigError(f"{path}: region {rid!r} lists municipality {m!r}, which is not a known "
                                  "municipality number; use a 4-digit number such as 3305")
            codes.append(cur)
        if rid in out:
            raise ConfigError(f"{path}: region id {rid!r} appears twice; ids must be unique")
        source = "klynge/reference/data/regions.yaml" if path == data_path("regions.yaml") else str(path)
        out[rid] = Region(rid, name, tuple(dict.fromkeys(codes)), str(item.get("description") or "").strip(),
                          source)
    return out


@lru_cache(maxsize=8)
def _regions(extra: str | None) -> dict[str, Region]:
    known = _current_map()
    out = _parse_regions(data_path("regions.yaml"), known)
    if extra:
        out.update(_parse_regions(Path(extra), known))
    return out


def regions() -> dict[str, Region]:
    """The packaged regions merged with the user's (file named by ``KLYNGE_REGIONS_FILE``).

    Returns
    -------
    dict[str, Region]
        Keyed by region id; a user region with the same id replaces the packaged one. Municipality numbers
        are mapped to 2024 numbers.

    Raises
    ------
    ConfigError
        When a regions file is missing or malformed, or names an unknown municipality.
    """
    extra = read_setting("regions_file")
    extra = str(extra) if extra else None
    return dict(_regions(extra))


def clear_caches() -> None:
    """Forget the cached tables (tests, or after editing the data files)."""
    for f in (_municipalities, _counties, _changes, _current_map, _regions):
        f.cache_clear()
