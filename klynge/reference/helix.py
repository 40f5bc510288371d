"""Triple Helix classification of organisations (data-sources.md section 8.3) and the helix labels."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from klynge.config import read_setting
from klynge.errors import ConfigError
from klynge.reference._files import data_path, iter_csv_rows, read_yaml
from klynge.reference.nace import guess_nace_version, normalize_nace, normalize_version
from klynge.reference.orgnr import is_valid_orgnr

HELICES: tuple[str, ...] = ("industry", "academia", "government", "intermediary", "other")
LABELS: tuple[str, ...] = ("Firm", "University", "ResearchInstitute", "PublicBody", "Intermediary",
                           "OtherOrganization")
DEFAULT_LABEL: dict[str, str] = {"industry": "Firm", "academia": "University", "government": "PublicBody",
                                 "intermediary": "Intermediary", "other": "OtherOrganization"}
LABEL_HELIX: dict[str, str] = {"Firm": "industry", "University": "academia", "ResearchInstitute": "academia",
                               "PublicBody": "government", "Intermediary": "intermediary",
                               "OtherOrganization": "other"}
_LABEL_SLUG: dict[str, str] = {"Firm": "firm", "University": "university", "ResearchInstitute": "research_institute",
                               "PublicBody": "public_body", "Intermediary": "intermediary",
                               "OtherOrganization": "other_organization"}
_SLUG_LABEL = {v: k for k, v in _LABEL_SLUG.items()}
OVERRIDE_PREFIX = "override_"
_WHEN_KEYS = frozenset({"nace", "sector", "sector_prefix", "org_form", "fr_sector", "always"})


@dataclass(frozen=True)
class HelixRule:
    """One ordered rule of ``helix_rules.yaml``."""

    id: str
    helix: str
    label: str
    nace: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sector: tuple[str, ...] = ()
    sector_prefix: tuple[str, ...] = ()
    org_form: tuple[str, ...] = ()
    fr_sector: tuple[str, ...] = ()
    always: bool = False
    why: str = ""

    def matches(self, org_form: str, sector: str, nace: str | None, version: str, fr_sector: str) -> bool:
        """True when every condition of the rule holds for the normalised inputs."""
        if self.always:
            return True
        if self.nace:
            prefixes = self.nace.get(version, ())
            if not nace or not any(nace.startswith(p) for p in prefixes):
                return False
        if self.sector and sector not in self.sector:
            return False
        if self.sector_prefix and not (sector and any(sector.startswith(p) for p in self.sector_prefix)):
            return False
        if self.org_form and org_form not in self.org_form:
            return False
        if self.fr_sector and fr_sector not in self.fr_sector:
            return False
        return True


@dataclass(frozen=True)
class HelixOverride:
    """A hand-set classification for one orgnr (cluster organisations, business gardens, corrections)."""

    orgnr: str
    helix: str
    label: str
    reason: str
    source: str

    @property
    def rule_id(self) -> str:
        """``override_<label>``, e.g. ``override_intermediary``."""
        return OVERRIDE_PREFIX + _LABEL_SLUG[self.label]


def _strs(value: Any, path: Path, rule: str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise ConfigError(f"{path}: rule {rule!r} `{key}` must be a list of strings")
    return tuple(str(v).strip() for v in value)


@lru_cache(maxsize=1)
def _rules() -> tuple[HelixRule, ...]:
    path = data_path("helix_rules.yaml")
    doc = read_yaml(path)
    raw = doc.get("rules")
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"{path}: expected a non-empty list `rules:`")
    rules: list[HelixRule] = []
    seen: set[str] = set()
    for i, r in enumerate(raw, start=1):
        if not isinstance(r, dict):
            raise ConfigError(f"{path}: rule #{i} must be a mapping with id, helix, label and when")
        rid = str(r.get("id") or "")
        helix = str(r.get("helix") or "")
        label = str(r.get("label") or DEFAULT_LABEL.get(helix, ""))
        when = r.get("when")
        if not rid or rid in seen or rid.startswith(OVERRIDE_PREFIX):
            raise ConfigError(f"{path}: rule #{i} needs a unique `id` not starting with {OVERRIDE_PREFIX!r}")
        seen.add(rid)
        if helix not in HELICES:
            raise ConfigError(f"{path}: rule {rid!r} has helix {helix!r}; expected one of {', '.join(HELICES)}")
        if LABEL_HELIX.get(label) != helix:
            raise ConfigError(f"{path}: rule {rid!r} has label {label!r}, which does not belong to helix {helix!r}")
        if not isinstance(when, dict) or not when or set(when) - _WHEN_KEYS:
            raise ConfigError(f"{path}: rule {rid!r} needs a `when` mapping with keys from "
                              f"{', '.join(sorted(_WHEN_KEYS))}")
        nace: dict[str, tuple[str, ...]] = {}
        if "nace" in when:
            if not isinstance(when["nace"], dict):
                raise ConfigError(f"{path}: rule {rid!r} `nace` must map SN2025/SN2007 to prefix lists")
            for v, prefixes in when["nace"].items():
                nace[normalize_version(v)] = _strs(prefixes, path, rid, "nace")
        rules.append(HelixRule(
            rid, helix, label, nace,
            _strs(when["sector"], path, rid, "sector") if "sector" in when else (),
            _strs(when["sector_prefix"], path, rid, "sector_prefix") if "sector_prefix" in when else (),
            tuple(s.upper() for s in _strs(when["org_form"], path, rid, "org_form")) if "org_form" in when else (),
            tuple(s.casefold() for s in _strs(when["fr_sector"], path, rid, "fr_sector")) if "fr_sector" in when
            else (),
            bool(when.get("always")), str(r.get("why") or "").strip()))
    if not rules[-1].always:
        raise ConfigError(f"{path}: the last rule must have `when: {{always: true}}` so every unit gets a helix")
    return tuple(rules)


def helix_rules() -> tuple[HelixRule, ...]:
    """The ordered rules of ``helix_rules.yaml`` (for documentation pages and tests)."""
    return _rules()


def _parse_overrides(path: Path) -> dict[str, HelixOverride]:
    out: dict[str, HelixOverride] = {}
    for line, row in iter_csv_rows(path, ("orgnr", "helix", "reason")):
        orgnr, helix, label = row.get("orgnr", ""), row.get("helix", ""), row.get("label", "")
        if not is_valid_orgnr(orgnr):
            raise ConfigError(f"{path} line {line}: orgnr {orgnr!r} is not a valid 9-digit organisation number "
                              "(mod-11 check digit); fix the row")
        if helix not in HELICES:
            raise ConfigError(f"{path} line {line}: helix {helix!r} for {orgnr}; expected one of {', '.join(HELICES)}")
        label = label or DEFAULT_LABEL[helix]
        if LABEL_HELIX.get(label) != helix:
            raise ConfigError(f"{path} line {line}: label {label!r} for {orgnr} does not belong to helix {helix!r}; "
                              f"use one of {', '.join(k for k, v in LABEL_HELIX.items() if v == helix)}")
        if not row.get("reason"):
            raise ConfigError(f"{path} line {line}: orgnr {orgnr} needs a `reason` (what the unit is, and the source)")
        out[orgnr] = HelixOverride(orgnr, helix, label, row["reason"], str(path))
    return out


@lru_cache(maxsize=8)
def _overrides(extra: str | None) -> dict[str, HelixOverride]:
    out = _parse_overrides(data_path("helix_overrides.csv"))
    if extra:
        out.update(_parse_overrides(Path(extra)))
    return out


def helix_overrides() -> dict[str, HelixOverride]:
    """Packaged overrides merged with the file named by ``KLYNGE_HELIX_OVERRIDES_FILE`` (which wins).

    Raises
    ------
    ConfigError
        When an overrides file is unreadable or a row has a bad orgnr, helix, label or no reason.
    """
    extra = read_setting("helix_overrides_file")
    extra = str(extra) if extra else None
    return dict(_overrides(extra))


def classify_helix(org_form: str | None, sector_code: str | int | None, nace_code: object,
                   nace_version: str | None = None, orgnr: str | None = None,
                   fr_sector: str | None = None) -> tuple[str, str]:
    """The Triple Helix sector of an organisation and the rule that decided it.

    Parameters
    ----------
    org_form : ``organisasjonsform.kode`` (AS, ORGL, KOMM, FLI, ...).
    sector_code : ``institusjonellSektorkode.kode`` (2100, 6100, 7000, ...).
    nace_code : ``naeringskode1.kode`` in any form accepted by ``normalize_nace``.
    nace_version : ``"SN2025"`` or ``"SN2007"``; None guesses from the code (85.421 exists only in SN2007).
    orgnr : checked against the overrides first.
    fr_sector : Forskningsrådet ``sektor`` (``UoH-sektor``, ``Instituttsektor``, ...), when known.

    Returns
    -------
    tuple[str, str]
        ``(helix, rule_id)``; helix is one of ``industry, academia, government, intermediary, other``.
        :func:`helix_label` turns the pair into the node label.

    Notes
    -----
    Rules are tried in file order and the first match wins; the last rule always matches. Examples from
    data-sources.md 8.3: USN (ORGL, 6100, SN2007 85.421) -> ``("academia", "academia_university_nace")``;
    SINTEF AS (AS, 2100, 72.190) -> ``("academia", "academia_research_nace")``; Ringerike kommune (KOMM,
    6500, 84.110) -> ``("government", "government_sector")``.
    """
    if orgnr:
        hit = helix_overrides().get(str(orgnr).strip())
        if hit is not None:
            return hit.helix, hit.rule_id
    nace = normalize_nace(nace_code)
    version = normalize_version(nace_version) if nace_version else guess_nace_version(nace)
    form = (org_form or "").strip().upper()
    sector = str(sector_code).strip() if sector_code is not None else ""
    fr = (fr_sector or "").strip().casefold()
    for rule in _rules():
        if rule.matches(form, sector, nace, version, fr):
            return rule.helix, rule.id
    raise AssertionError("unreachable: the last helix rule always matches")  # pragma: no cover


@lru_cache(maxsize=1)
def _rule_labels() -> dict[str, tuple[str, str]]:
    return {r.id: (r.helix, r.label) for r in _rules()}


def helix_label(helix: str, rule_id: str | None) -> str:
    """The graph label for a ``(helix, rule_id)`` pair.

    Returns
    -------
    str
        One of ``Firm, University, ResearchInstitute, PublicBody, Intermediary, OtherOrganization``: the
        rule's label when the rule belongs to ``helix``, the override's label for ``override_<label>``, and
        otherwise the default label of the helix (academia -> University).

    Raises
    ------
    ValueError
        When ``helix`` is not one of the five helices.
    """
    if helix not in HELICES:
        raise ValueError(f"unknown helix {helix!r}; expected one of {', '.join(HELICES)}")
    rid = rule_id or ""
    if rid.startswith(OVERRIDE_PREFIX):
        label = _SLUG_LABEL.get(rid[len(OVERRIDE_PREFIX):])
        if label and LABEL_HELIX[label] == helix:
            return label
    known = _rule_labels().get(rid)
    if known and known[0] == helix:
        return known[1]
    return DEFAULT_LABEL[helix]


def clear_caches() -> None:
    """Forget the cached rules and overrides."""
    for f in (_rules, _overrides, _rule_labels):
        f.cache_clear()


__all__ = ["HELICES", "LABELS", "HelixOverride", "HelixRule", "classify_helix", "helix_label", "helix_overrides",
           "helix_rules"]
