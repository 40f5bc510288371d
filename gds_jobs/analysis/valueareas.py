"""The study's value-creation areas (a grouping of NACE codes) and the critical-mass exclusions.

The rules come from the reference data file ``value_areas.yaml`` (written with the
reference data, read through :mod:`loaders.reference`); tests build them by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from klynge.errors import ConfigError

OTHER_ID = "annet"
OTHER_NAME = "Annet"


@dataclass(frozen=True)
class ValueArea:
    id: str
    name: str
    prefixes: tuple[str, ...]
    name_en: str = ""


@dataclass(frozen=True)
class ValueAreaRules:
    """Value areas (first matching longest NACE prefix wins) and the exclusion lists.

    Attributes
    ----------
    areas : the value areas with their SN2025 code prefixes ("41", "71.1", ...).
    resale_prefixes : NACE prefixes of resale (motor-vehicle trade, wholesale, retail: 45, 46, 47).
    savings_bank_codes : NACE prefixes of savings banks (excluded with ``savings_bank_org_forms``).
    savings_bank_org_forms : organisational forms of savings banks (``SPA``).
    other_id, other_name : the area of codes no prefix matches.
    """

    areas: tuple[ValueArea, ...]
    resale_prefixes: tuple[str, ...] = ("45", "46", "47")
    savings_bank_codes: tuple[str, ...] = ()
    savings_bank_org_forms: tuple[str, ...] = ("SPA",)
    other_id: str = OTHER_ID
    other_name: str = OTHER_NAME

    def area_of(self, code: str | None) -> str:
        """The id of the area whose longest prefix matches ``code``; ``other_id`` otherwise."""
        if not code:
            return self.other_id
        best, best_len = self.other_id, -1
        for area in self.areas:
            for p in area.prefixes:
                if code.startswith(p) and len(p) > best_len:
                    best, best_len = area.id, len(p)
        return best

    def names(self) -> dict[str, str]:
        out = {a.id: a.name for a in self.areas}
        out.setdefault(self.other_id, self.other_name)
        return out

    def is_resale(self, code: str | None) -> bool:
        return bool(code) and any(str(code).startswith(p) for p in self.resale_prefixes)

    def is_savings_bank(self, code: str | None, org_form: str | None) -> bool:
        if org_form and org_form.upper() in {f.upper() for f in self.savings_bank_org_forms}:
            return True
        return bool(code) and any(str(code).startswith(p) for p in self.savings_bank_codes)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str = "value_areas.yaml") -> ValueAreaRules:
        """Rules from the parsed YAML: a list of ``{id, name, name_en, nace_prefixes}`` plus
        ``excluded_resale_prefixes`` and ``excluded_savings_banks`` (a list of codes/org forms
        or a mapping with code and org-form lists).

        Raises
        ------
        ConfigError
            When no list of areas with ``nace_prefixes`` is found.
        """
        area_list = None
        for value in data.values():
            if isinstance(value, list) and value and all(isinstance(x, Mapping) for x in value) \
                    and any("nace_prefixes" in x or "prefixes" in x for x in value):
                area_list = value
                break
        if area_list is None:
            raise ConfigError(f"{source}: no list of value areas with nace_prefixes found; "
                              "expected e.g. areas: [{id, name, nace_prefixes: [...]}]")
        areas, other_id, other_name = [], OTHER_ID, OTHER_NAME
        for i, a in enumerate(area_list):
            if "id" not in a:
                raise ConfigError(f"{source}: value area #{i + 1} has no id")
            prefixes = tuple(str(p) for p in (a.get("nace_prefixes") or a.get("prefixes") or ()))
            if not prefixes:
                other_id, other_name = str(a["id"]), str(a.get("name") or a["id"])
                continue
            areas.append(ValueArea(str(a["id"]), str(a.get("name") or a["id"]), prefixes, str(a.get("name_en") or "")))
        resale = tuple(str(p) for p in (data.get("excluded_resale_prefixes") or ("45", "46", "47")))
        codes, forms = _savings(data.get("excluded_savings_banks"))
        return cls(tuple(areas), resale, codes, forms or ("SPA",), other_id, other_name)

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
        for base in getattr(ref, "__path__", []):
            f = Path(base) / "data" / "value_areas.yaml"
            if f.exists():
                return cls.from_yaml(f)
        raise ConfigError("loaders/reference/data/value_areas.yaml is missing; rebuild the reference data")


def _savings(spec: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    codes: list[str] = []
    forms: list[str] = []

    def add(item: Any) -> None:
        s = str(item).strip()
        (codes if any(ch.isdigit() for ch in s) else forms).append(s)

    if isinstance(spec, Mapping):
        for k, v in spec.items():
            items = v if isinstance(v, (list, tuple)) else [v]
            for item in items:
                if "form" in str(k).lower():
                    forms.append(str(item))
                elif isinstance(item, (str, int, float)):
                    add(item)
    elif isinstance(spec, (list, tuple)):
        for item in spec:
            if isinstance(item, Mapping):
                c, f = _savings(item)
                codes += c
                forms += f
            else:
                add(item)
    elif spec:
        add(spec)
    return tuple(codes), tuple(forms)


def harmonise_codes(codes: Iterable[str | None], versions: Iterable[str | None],
                    convert: Callable[[str], list[str]] | None = None) -> list[str | None]:
    """SN2025 codes: SN2007 codes converted with ``convert`` (first successor), others as given."""
    out: list[str | None] = []
    for code, version in zip(codes, versions, strict=True):
        if code and convert is not None and str(version or "").upper() == "SN2007":
            succ = convert(code)
            out.append(succ[0] if succ else code)
        else:
            out.append(code)
    return out


def reference_converter() -> Callable[[str], list[str]] | None:
    """``loaders.reference.sn2007_to_sn2025`` when the reference data is installed."""
    try:
        import loaders.reference as ref
    except ImportError:
        return None
    return getattr(ref, "sn2007_to_sn2025", None)
