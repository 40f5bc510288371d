"""The study's value-creation areas (a grouping of NACE codes) and its critical-mass exclusions.

One definition for the graph (``IN_VALUE_AREA`` links, :mod:`loaders.sources.reference`), the
synthetic generator and the region analyses (Table 5): :class:`ValueAreaRules`, read from
``data/value_areas.yaml`` by :meth:`ValueAreaRules.packaged` or built by hand in tests.

Matching rule: the code is normalised (``62100`` -> ``62.100``, :func:`~klynge.reference.nace.normalize_nace`),
the prefix list of its own NACE version is taken (``nace_prefixes`` for SN2025,
``nace_prefixes_sn2007`` for SN2007), and the longest matching prefix over all areas wins; no
match (or no code, or a section letter) gives the default area ("annet").

Exclusions (the study leaves these firms out of the critical-mass table): resale (wholesale,
retail and motor-vehicle trade, per-version prefixes) and savings banks (organisational form SPA,
or a banking code with one of the configured words in the name; with no words configured the
code alone decides).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from klynge.errors import ConfigError
from klynge.reference.nace import normalize_nace, normalize_version

OTHER_ID = "annet"
OTHER_NAME = "Annet"


@dataclass(frozen=True)
class ValueArea:
    """A value-creation area: a named set of NACE code prefixes per version.

    ``nace_prefixes_sn2007`` None means the SN2025 prefixes serve both versions.
    """

    id: str
    name: str
    nace_prefixes: tuple[str, ...] = ()
    name_en: str = ""
    nace_prefixes_sn2007: tuple[str, ...] | None = None
    why: str = ""

    def for_version(self, version: str) -> tuple[str, ...]:
        """The prefixes of ``version`` ("SN2025" or "SN2007")."""
        if version == "SN2007" and self.nace_prefixes_sn2007 is not None:
            return self.nace_prefixes_sn2007
        return self.nace_prefixes


PerVersion = tuple[str, ...] | Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class ValueAreaRules:
    """Value areas (longest NACE prefix wins) and the exclusion lists, per NACE version.

    Attributes
    ----------
    areas : the value areas with their code prefixes ("41", "71.1", ...), in file order.
    resale_prefixes : resale (motor-vehicle trade, wholesale, retail); a tuple for every version or a
        mapping version -> tuple.
    savings_bank_codes : NACE codes (prefixes) of banking (64.190), a tuple or a mapping version -> tuple.
    savings_bank_org_forms : organisational forms that are savings banks (``SPA``).
    savings_bank_name_words : a unit with a ``savings_bank_codes`` code is a savings bank when its name
        contains one of these, case-insensitively (empty: the code alone decides).
    other : the area of codes no prefix matches.
    """

    areas: tuple[ValueArea, ...]
    resale_prefixes: PerVersion = ("45", "46", "47")
    savings_bank_codes: PerVersion = ()
    savings_bank_org_forms: tuple[str, ...] = ("SPA",)
    savings_bank_name_words: tuple[str, ...] = ()
    other: ValueArea = ValueArea(OTHER_ID, OTHER_NAME)
    _prefix_tables: dict = field(default_factory=dict, compare=False, repr=False, hash=False)
    _areas: dict = field(default_factory=dict, compare=False, repr=False, hash=False)

    @property
    def other_id(self) -> str:
        return self.other.id

    @property
    def other_name(self) -> str:
        return self.other.name

    def listed(self) -> tuple[ValueArea, ...]:
        """Every area in file order, the default area last."""
        return (*self.areas, self.other)

    def _prefixes(self, version: str) -> list[tuple[str, str]]:
        if version not in self._prefix_tables:
            pairs = [(p, a.id) for a in self.areas for p in a.for_version(version)]
            self._prefix_tables[version] = sorted(pairs, key=lambda t: -len(t[0]))
        return self._prefix_tables[version]

    @staticmethod
    def _per_version(spec: PerVersion, version: str) -> tuple[str, ...]:
        if isinstance(spec, Mapping):
            return tuple(spec.get(version, ()))
        return tuple(spec)

    def area_of(self, code: object, version: object = "SN2025") -> str:
        """The id of the area whose longest prefix matches ``code``; the default area's id otherwise.

        Raises
        ------
        ConfigError
            For a version that is neither SN2025 nor SN2007 (:func:`normalize_version`).
        """
        key = (code if isinstance(code, str) or code is None else str(code), version)
        hit = self._areas.get(key)
        if hit is None:
            norm = normalize_nace(code)
            hit = self.other_id
            if norm is not None and not norm.isalpha():
                for p, aid in self._prefixes(normalize_version(version)):
                    if norm.startswith(p):
                        hit = aid
                        break
            self._areas[key] = hit
        return hit

    def names(self) -> dict[str, str]:
        """Area id -> name, the default area included."""
        return {a.id: a.name for a in self.listed()}

    def is_resale(self, code: object, version: object = "SN2025") -> bool:
        """True for wholesale, retail and motor-vehicle trade (left out of the critical-mass analysis)."""
        norm = normalize_nace(code)
        if norm is None or norm.isalpha():
            return False
        return any(norm.startswith(p) for p in self._per_version(self.resale_prefixes, normalize_version(version)))

    def is_savings_bank(self, code: object, org_form: str | None, version: object = "SN2025",
                        name: str | None = None) -> bool:
        """True for a savings bank: a savings-bank organisational form, or a banking code and (when words
        are configured) one of them in ``name``.

        Notes
        -----
        An equity-converted savings bank (ASA) is caught only when ``name`` is given.
        """
        if org_form and org_form.strip().upper() in {f.upper() for f in self.savings_bank_org_forms}:
            return True
        norm = normalize_nace(code)
        codes = self._per_version(self.savings_bank_codes, normalize_version(version))
        if not (norm and any(norm.startswith(p) for p in codes)):
            return False
        if not self.savings_bank_name_words:
            return True
        return bool(name) and any(w.lower() in str(name).lower() for w in self.savings_bank_name_words)

    def critical_mass_exclusion(self, code: object, version: object = "SN2025", org_form: str | None = None,
                                name: str | None = None) -> str | None:
        """Why the study would leave a firm out of Table 5: ``"resale"``, ``"savings_bank"`` or None."""
        if self.is_resale(code, version):
            return "resale"
        if self.is_savings_bank(code, org_form, version, name):
            return "savings_bank"
        return None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str = "value_areas.yaml",
                     known_codes: Mapping[str, Iterable[str]] | None = None) -> ValueAreaRules:
        """Rules from the parsed ``value_areas.yaml``.

        Expected shape: ``default_area``; ``areas: [{id, name, name_en, nace_prefixes, nace_prefixes_sn2007,
        why}]``; ``excluded_resale_prefixes`` (a list, or ``{SN2025: [...], SN2007: [...]}``);
        ``excluded_savings_banks: {org_forms: [...], nace: [...] or {SN2025: [...]}, name_contains: [...]}``.

        Parameters
        ----------
        known_codes : version -> the codes of that version's NACE table; when given, every prefix must be
            one of them.

        Raises
        ------
        ConfigError
            Naming ``source`` and the area: a missing areas list, an area without id or name, an id twice,
            a prefix that is not a code of its version, a default area that is not one of the ids, or an
            unknown NACE version.
        """
        raw = data.get("areas")
        if not isinstance(raw, list) or not raw:
            raise ConfigError(f"{source}: expected a non-empty list `areas:` of {{id, name, nace_prefixes}}")
        default = str(data.get("default_area") or OTHER_ID)
        known = {normalize_version(k): set(v) for k, v in (known_codes or {}).items()}
        areas: list[ValueArea] = []
        other: ValueArea | None = None
        seen: set[str] = set()
        for i, a in enumerate(raw, start=1):
            if not isinstance(a, Mapping) or not a.get("id") or not a.get("name"):
                raise ConfigError(f"{source}: area #{i} needs `id` and `name`")
            aid = str(a["id"])
            if aid in seen:
                raise ConfigError(f"{source}: area id {aid!r} appears twice")
            seen.add(aid)
            p25 = tuple(str(p) for p in (a.get("nace_prefixes") or ()))
            raw07 = a.get("nace_prefixes_sn2007")
            p07 = tuple(str(p) for p in raw07) if raw07 is not None else None
            for version, prefixes in (("SN2025", p25), ("SN2007", p07 or ())):
                for p in prefixes:
                    if version in known and p not in known[version]:
                        raise ConfigError(f"{source}: area {aid!r} has prefix {p!r}, which is not a {version} code; "
                                          f"use a code of the {version} table")
            area = ValueArea(aid, str(a["name"]), p25, str(a.get("name_en") or ""), p07, str(a.get("why") or "").strip())
            if aid == default:
                other = area
            else:
                areas.append(area)
        if other is None:
            raise ConfigError(f"{source}: default_area {default!r} is not one of the area ids")
        resale_raw = data.get("excluded_resale_prefixes") or ("45", "46", "47")
        resale: PerVersion = ({normalize_version(k): tuple(str(p) for p in v) for k, v in resale_raw.items()}
                              if isinstance(resale_raw, Mapping) else tuple(str(p) for p in resale_raw))
        banks = data.get("excluded_savings_banks") or {}
        if not isinstance(banks, Mapping):
            raise ConfigError(f"{source}: excluded_savings_banks must be a mapping of org_forms, nace, name_contains")
        nace = banks.get("nace") or ()
        codes: PerVersion = ({normalize_version(k): tuple(str(p) for p in v) for k, v in nace.items()}
                             if isinstance(nace, Mapping) else tuple(str(p) for p in nace))
        return cls(tuple(areas), resale, codes, tuple(str(f) for f in (banks.get("org_forms") or ("SPA",))),
                   tuple(str(w) for w in (banks.get("name_contains") or ())), other)

    @classmethod
    def from_yaml(cls, path: str | Path, known_codes: Mapping[str, Iterable[str]] | None = None) -> ValueAreaRules:
        """Rules from a YAML file (see :meth:`from_mapping`); a file that cannot be read is a ConfigError."""
        from klynge.reference._files import read_yaml

        p = Path(path)
        return cls.from_mapping(read_yaml(p), str(p), known_codes)

    @staticmethod
    def packaged() -> ValueAreaRules:
        """The packaged rules (``klynge/reference/data/value_areas.yaml``), every prefix checked against
        the NACE tables; read once."""
        return _packaged()


@lru_cache(maxsize=1)
def _packaged() -> ValueAreaRules:
    from klynge.reference._files import data_path
    from klynge.reference.nace import nace

    known = {v: set(nace(v)["code"]) for v in ("SN2025", "SN2007")}
    return ValueAreaRules.from_yaml(data_path("value_areas.yaml"), known)


def clear_caches() -> None:
    """Forget the packaged rules (tests, or after editing the data file)."""
    _packaged.cache_clear()
