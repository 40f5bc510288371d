"""The study's value-creation areas (a grouping of NACE codes) and the critical-mass exclusions.

The rules come from the reference data file ``value_areas.yaml`` (read through
:mod:`loaders.reference`); tests build them by hand. Codes are matched against the
prefix list of their own NACE version (SN2025 or SN2007); the longest matching
prefix over all areas wins; no match gives the default area ("Annet").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from klynge.errors import ConfigError

OTHER_ID = "annet"
OTHER_NAME = "Annet"
VERSIONS = ("SN2025", "SN2007")


def _version(v: object) -> str:
    s = str(v or "SN2025").strip().upper().replace(" ", "")
    return "SN2007" if s in ("SN2007", "2007") else "SN2025"


@dataclass(frozen=True)
class ValueArea:
    id: str
    name: str
    prefixes: tuple[str, ...]
    name_en: str = ""
    prefixes_sn2007: tuple[str, ...] | None = None

    def for_version(self, version: str) -> tuple[str, ...]:
        if version == "SN2007" and self.prefixes_sn2007 is not None:
            return self.prefixes_sn2007
        return self.prefixes


@dataclass(frozen=True)
class ValueAreaRules:
    """Value areas (longest NACE prefix wins) and the exclusion lists, per NACE version.

    Attributes
    ----------
    areas : the value areas with their code prefixes ("41", "71.1", ...).
    resale_prefixes : resale (motor-vehicle trade, wholesale, retail); a tuple for every version or a
        mapping version -> tuple.
    savings_bank_codes : NACE codes of banking (64.190), a tuple or a mapping version -> tuple.
    savings_bank_org_forms : organisational forms that are savings banks (``SPA``).
    savings_bank_name_words : a unit with a ``savings_bank_codes`` code is a savings bank when its name
        contains one of these (empty: the code alone decides).
    other_id, other_name : the area of codes no prefix matches.
    """

    areas: tuple[ValueArea, ...]
    resale_prefixes: tuple[str, ...] | Mapping[str, tuple[str, ...]] = ("45", "46", "47")
    savings_bank_codes: tuple[str, ...] | Mapping[str, tuple[str, ...]] = ()
    savings_bank_org_forms: tuple[str, ...] = ("SPA",)
    savings_bank_name_words: tuple[str, ...] = ()
    other_id: str = OTHER_ID
    other_name: str = OTHER_NAME
    _tables: dict = field(default_factory=dict, compare=False, repr=False)

    def _prefixes(self, version: str) -> list[tuple[str, str]]:
        if version not in self._tables:
            pairs = [(p, a.id) for a in self.areas for p in a.for_version(version)]
            self._tables[version] = sorted(pairs, key=lambda t: -len(t[0]))
        return self._tables[version]

    @staticmethod
    def _per_version(spec: tuple[str, ...] | Mapping[str, tuple[str, ...]], version: str) -> tuple[str, ...]:
        if isinstance(spec, Mapping):
            return tuple(spec.get(version, ()))
        return tuple(spec)

    def area_of(self, code: str | None, version: str | None = "SN2025") -> str:
        """The id of the area whose longest prefix matches ``code``; ``other_id`` otherwise."""
        if not code:
            return self.other_id
        c = str(code)
        for p, aid in self._prefixes(_version(version)):
            if c.startswith(p):
                return aid
        return self.other_id

    def names(self) -> dict[str, str]:
        out = {a.id: a.name for a in self.areas}
        out.setdefault(self.other_id, self.other_name)
        return out

    def is_resale(self, code: str | None, version: str | None = "SN2025") -> bool:
        return bool(code) and any(str(code).startswith(p)
                                  for p in self._per_version(self.resale_prefixes, _version(version)))

    def is_savings_bank(self, code: str | None, org_form: str | None, version: str | None = "SN2025",
                        name: str | None = None) -> bool:
        if org_form and org_form.strip().upper() in {f.upper() for f in self.savings_bank_org_forms}:
            return True
        codes = self._per_version(self.savings_bank_codes, _version(version))
        if not (code and any(str(code).startswith(p) for p in codes)):
            return False
        if not self.savings_bank_name_words:
            return True
        return bool(name) and any(w.lower() in str(name).lower() for w in self.savings_bank_name_words)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str = "value_areas.yaml") -> ValueAreaRules:
        """Rules from the parsed ``value_areas.yaml``.

        Expected shape: ``areas: [{id, name, name_en, nace_prefixes, nace_prefixes_sn2007}]``,
        ``default_area``, ``excluded_resale_prefixes`` (a list, or ``{SN2025: [...], SN2007: [...]}``)
        and ``excluded_savings_banks: {org_forms: [...], nace: [...] or {SN2025: [...]}, name_contains: [...]}``.

        Raises
        ------
        ConfigError
            When the areas list is missing or an area has no id.
        """
        raw = data.get("areas")
        if not isinstance(raw, list) or not raw:
            raise ConfigError(f"{source}: expected a non-empty list `areas:` of {{id, name, nace_prefixes}}")
        default = str(data.get("default_area") or OTHER_ID)
        areas, other_name = [], OTHER_NAME
        for i, a in enumerate(raw, start=1):
            if not isinstance(a, Mapping) or not a.get("id"):
                raise ConfigError(f"{source}: value area #{i} has no id")
            aid = str(a["id"])
            p25 = tuple(str(p) for p in (a.get("nace_prefixes") or ()))
            p07 = a.get("nace_prefixes_sn2007")
            if aid == default or (not p25 and not p07):
                default, other_name = aid, str(a.get("name") or aid)
                continue
            areas.append(ValueArea(aid, str(a.get("name") or aid), p25, str(a.get("name_en") or ""),
                                   tuple(str(p) for p in p07) if p07 is not None else None))
        resale_raw = data.get("excluded_resale_prefixes") or ("45", "46", "47")
        resale: Any = ({_version(k): tuple(str(p) for p in v) for k, v in resale_raw.items()}
                       if isinstance(resale_raw, Mapping) else tuple(str(p) for p in resale_raw))
        banks = data.get("excluded_savings_banks") or {}
        forms: tuple[str, ...] = ("SPA",)
        codes: Any = ()
        words: tuple[str, ...] = ()
        if isinstance(banks, Mapping):
            forms = tuple(str(f) for f in (banks.get("org_forms") or ("SPA",)))
            nace = banks.get("nace") or ()
            codes = ({_version(k): tuple(str(p) for p in v) for k, v in nace.items()}
                     if isinstance(nace, Mapping) else tuple(str(p) for p in nace))
            words = tuple(str(w) for w in (banks.get("name_contains") or ()))
        elif isinstance(banks, (list, tuple)):
            codes = tuple(str(b) for b in banks if any(ch.isdigit() for ch in str(b)))
            forms = tuple(str(b) for b in banks if not any(ch.isdigit() for ch in str(b))) or forms
        return cls(tuple(areas), resale, codes, forms, words, default, other_name)

    @classmethod
    def from_yaml(cls, path: str | Path) -> ValueAreaRules:
        import yaml

        p = Path(path)
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"cannot read value areas from {p}: {exc}; check the reference data") from exc
        if not isinstance(data, Mapping):
            raise ConfigError(f"{p}: expected a mapping at the top level")
        return cls.from_mapping(data, str(p))

    @classmethod
    def from_reference(cls) -> ValueAreaRules:
        """The packaged rules of :mod:`loaders.reference` (``data/value_areas.yaml``)."""
        try:
            import loaders.reference as ref
        except ImportError as exc:
            raise ConfigError("the reference data (loaders.reference) is not installed; "
                              "pass value-area rules explicitly") from exc
        base = getattr(ref, "DATA_DIR", None)
        candidates = [Path(base)] if base else []
        candidates += [Path(p) / "data" for p in getattr(ref, "__path__", [])]
        for d in candidates:
            if (d / "value_areas.yaml").exists():
                return cls.from_yaml(d / "value_areas.yaml")
        raise ConfigError("loaders/reference/data/value_areas.yaml is missing; rebuild the reference data")
