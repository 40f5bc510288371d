"""Knobs of the synthetic Norway and the manifest written beside its files."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from klynge.errors import ConfigError

#: The study's Table 5: firms per value area among Ringeriksregionen's 200 largest firms
#: (revenue 2020, resale and savings banks excluded), with revenue (NOK 1000) and employees,
#: keyed by the value-area ids of klynge/reference/data/value_areas.yaml (the rest is "annet").
#: Source: seed digest, "Table 5".
TABLE5: dict[str, tuple[int, int, int]] = {
    "bygg_anlegg": (34, 8_286_696, 2286),
    "energi_miljo": (17, 2_200_713, 738),
    "reiseliv": (15, 1_218_298, 1620),
    "industri": (14, 2_310_745, 911),
    "produksjon_mat": (4, 913_168, 267),
    "treverk": (3, 2_166_710, 246),
    "ikt": (2, 64_902, 925),
}


@dataclass(frozen=True)
class Knobs:
    """Every tunable of the generator; defaults give the documented structure.

    All probabilities are per unit (or per seat) and are applied with noise from the
    seeded generator, never by assigning an answer.  See ``loaders/synth/README.md``.
    """

    # --- units -------------------------------------------------------------------
    deleted_share: float = 0.03
    """Share of main units written as deleted (reduced payload with ``slettedato``)."""
    bankrupt_share: float = 0.01
    """Share of remaining units with ``konkurs: true``."""
    liquidation_share: float = 0.01
    """Share with ``underAvvikling: true``."""
    employee_tail: float = 1.05
    """Pareto exponent of employee counts among units with employees (smaller = heavier tail)."""
    max_employees: int = 25_000
    # --- roles ---------------------------------------------------------------------
    seat_exponent: float = 3.0
    """P(person holds k seats) proportional to k**-seat_exponent (k = 1..max_seats)."""
    max_seats: int = 40
    local_seat_share: float = 0.82
    """Share of an ordinary unit's seats filled from its own municipality's person pool."""
    region_local_seat_share: float = 0.95
    """Same share for units in the focus region (Ringeriksregionen is inward-looking)."""
    member_local_seat_share: float = 0.45
    """Same share for cluster members (more cross-regional ties)."""
    public_local_seat_share: float = 0.55
    """Same share for universities, research institutes and public bodies."""
    extra_slot_local_share: float = 0.75
    """A person's second and later seats stay in the home municipality with this probability."""
    resigned_share: float = 0.04
    """Share of person seats written with ``fratraadt: true``."""
    ceo_is_chair_share: float = 0.55
    """Small AS whose CEO (DAGL) is also the board chair."""
    # --- clusters ------------------------------------------------------------------
    n_clusters: int = 40
    cluster_min_members: int = 10
    cluster_max_members: int = 80
    cluster_member_cap: float = 0.12
    """At most this share of eligible firms are members of some cluster."""
    n_siva: int = 74
    """SIVA business gardens + incubators at Norway scale (39 + 35 in 2023), scaled down below 200 000 units."""
    region_member_weight: float = 0.2
    """Relative chance that a focus-region firm is picked as a cluster member."""
    # --- outcomes ------------------------------------------------------------------
    member_margin_bonus: float = 0.03
    """Added to the mean operating margin of cluster members."""
    member_growth_bonus: float = 0.04
    region_growth_penalty: float = 0.06
    grant_rate: float = 0.012
    """Base yearly chance that a firm with employees applies to Forskningsrådet."""
    in_grant_rate: float = 0.02
    """Base chance that a firm with employees has an Innovasjon Norge award."""
    patent_rate: float = 0.006
    member_grant_factor: float = 3.0
    member_patent_factor: float = 4.0
    spillover_factor: float = 1.8
    """Grant/patent factor for non-members that share a board member with a member."""
    region_grant_factor: float = 0.3
    # --- focus region --------------------------------------------------------------
    region_id: str = "ringeriksregionen"
    region_municipalities: tuple[str, ...] = ("3305", "3310", "3236", "3316", "3318")
    region_top_n: int = 200
    """Largest non-resale firms whose value areas follow Table 5 (scaled down below 8k units)."""
    region_min_units_share: float = 0.04
    """Below Norway scale the focus region gets at least this share of units (capped at 4 x region_top_n)."""
    # --- output --------------------------------------------------------------------
    accounts_last_year: int = 2025
    accounts_years: int = 3
    konsern_share: float = 0.06
    """Share of account filers in a group (``erIKonsern``) that also file KONSERN rows."""
    holding_share: float = 0.08
    per_unit_accounts_max_units: int = 5000
    """Write ``accounts/<orgnr>.json`` files too when ``units`` is at most this."""
    chunk_units: int = 20_000
    in_encoding: str = "utf-8"
    """Encoding of ``Tildelinger.csv`` (the live file was read as ISO-8859-1 by one script)."""
    extra: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        """Raise :class:`ConfigError` naming the first knob outside its range."""
        shares = ("deleted_share", "bankrupt_share", "liquidation_share", "local_seat_share",
                  "region_local_seat_share", "member_local_seat_share", "public_local_seat_share",
                  "extra_slot_local_share", "resigned_share", "ceo_is_chair_share", "cluster_member_cap",
                  "konsern_share", "holding_share")
        for name in shares:
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ConfigError(f"synth knob {name}={v} is outside [0, 1]; pass a share between 0 and 1")
        if self.seat_exponent <= 1.0:
            raise ConfigError(f"synth knob seat_exponent={self.seat_exponent} must be > 1 for a proper tail")
        if not 1 <= self.cluster_min_members <= self.cluster_max_members:
            raise ConfigError("synth knobs cluster_min_members..cluster_max_members must satisfy 1 <= min <= max")
        if self.accounts_years < 1 or self.accounts_years > 5:
            raise ConfigError(f"synth knob accounts_years={self.accounts_years} must be 1..5")
        for name in ("n_clusters", "n_siva", "region_top_n", "max_employees", "max_seats"):
            if getattr(self, name) < 0:
                raise ConfigError(f"synth knob {name}={getattr(self, name)} must not be negative")
        if self.chunk_units < 100:
            raise ConfigError(f"synth knob chunk_units={self.chunk_units} must be at least 100")

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> Knobs:
        """Build knobs from keyword arguments, refusing unknown names."""
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"unknown synth knob(s) {', '.join(unknown)}; known knobs: {', '.join(sorted(known))}")
        vals = dict(values)
        if "region_municipalities" in vals:
            vals["region_municipalities"] = tuple(str(c) for c in vals["region_municipalities"])
        k = cls(**vals)
        k.validate()
        return k

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["region_municipalities"] = list(self.region_municipalities)
        return d


@dataclass(frozen=True)
class Manifest:
    """What :func:`loaders.synth.generate` wrote: written as ``manifest.json`` beside the data."""

    out_dir: str
    seed: int
    units: int
    counts: dict[str, int]
    files: dict[str, str]
    knobs: dict[str, Any]
    synthetic: bool = True
    generator: str = "loaders.synth"
    format_version: int = 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "synthetic": self.synthetic,
            "generator": self.generator,
            "format_version": self.format_version,
            "seed": self.seed,
            "units": self.units,
            "counts": dict(self.counts),
            "files": dict(self.files),
            "knobs": dict(self.knobs),
        }
