"""Options of the study's analyses: one frozen dataclass, documented defaults.

The defaults reproduce the USN study (see ``docs`` and the seed digest): the
population is every active unit with at least five employees; firm groups are
IN member, SIVA member, Region and neither IN nor SIVA; grants and patents are
counted over the last five years; critical mass looks at the region's 200
largest units by operating revenue.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from klynge.errors import ConfigError

#: Cluster levels of Innovasjon Norge's programme (Norwegian Innovation Clusters).
IN_LEVELS: tuple[str, ...] = ("Arena", "Arena Pro", "GCE", "NCE")
#: Cluster programmes run by SIVA (incubators, business gardens).
SIVA_PROGRAMMES: tuple[str, ...] = ("SIVA",)
#: Board roles that make an interlock (the measures job's default: chair, deputy chair, member).
BOARD_SEATS: tuple[str, ...] = ("LEDE", "NEST", "MEDL")
#: Group keys and their default labels; ``region`` gets the region's name appended.
GROUPS: dict[str, str] = {
    "in_member": "IN member",
    "siva_member": "SIVA member",
    "region": "Region",
    "neither": "Neither IN nor SIVA",
}
REGION_BY = ("address", "subunit", "either")


@dataclass(frozen=True)
class AnalysisOptions:
    """Everything a region analysis can be configured with.

    Attributes
    ----------
    min_employees : population: units with at least this many registered employees (study: 5).
    active_only : population: active units only (study: yes).
    helix : population: only these helix sectors (None: all, as "active units" in the study).
    region_by : ``address`` (business address, the study), ``subunit`` (an active
        workplace in the region) or ``either``.
    in_levels : cluster levels that make an "IN member" (matched case-insensitively).
    siva_programmes : cluster programmes that make a "SIVA member".
    groups : the group keys compared, in chart order.
    reference_group : the group every other group is tested against (Mann–Whitney U).
    years : grants and patents are counted over this many years up to ``as_of_year``.
    as_of_year : last year of the grant/patent window (None: the newest year in the data).
    accounts_type : ``SELSKAP`` (company accounts; never mixed with ``KONSERN``).
    growth_min_base : year pairs whose earlier ordinary result has an absolute value
        below this are left out of the growth rate (0: only a zero base is left out).
    winsorize : for the ratio outcomes (profitability, growth), means and their intervals use
        values clipped to the population's ``winsorize`` and ``1 − winsorize`` quantiles
        (0 turns this off); medians and Mann–Whitney tests always use the raw values.
    bootstrap : resamples of the bootstrap confidence interval.
    confidence : level of the confidence interval.
    seed : seed of the bootstrap (results are reproducible).
    board_roles : board roles that make an interlock tie (spill-over, cluster fit).
    top_n : critical mass: the region's largest units by operating revenue.
    revenue_year : critical mass: the accounts year (None: each unit's newest year).
    larger_firm_employees : critical mass: a "larger" firm has more than this many employees.
    critical_mass_range : the study's "more than 20–30 larger complementary firms".
    core_firms : Innovasjon Norge's "8–10 core firms" (the lower bound is the flag).
    anchor_employees : an anchor firm has more than this many employees.
    """

    min_employees: int = 5
    active_only: bool = True
    helix: tuple[str, ...] | None = None
    region_by: str = "address"
    in_levels: tuple[str, ...] = IN_LEVELS
    siva_programmes: tuple[str, ...] = SIVA_PROGRAMMES
    groups: tuple[str, ...] = ("in_member", "siva_member", "region", "neither")
    reference_group: str = "neither"
    years: int = 5
    as_of_year: int | None = None
    accounts_type: str = "SELSKAP"
    growth_min_base: float = 0.0
    winsorize: float = 0.05
    bootstrap: int = 1000
    confidence: float = 0.95
    seed: int = 20211
    board_roles: tuple[str, ...] = BOARD_SEATS
    top_n: int = 200
    revenue_year: int | None = None
    larger_firm_employees: int = 20
    critical_mass_range: tuple[int, int] = (20, 30)
    core_firms: tuple[int, int] = (8, 10)
    anchor_employees: int = 100
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.min_employees < 0:
            raise ConfigError(f"analysis option min_employees={self.min_employees} must be 0 or more")
        if self.region_by not in REGION_BY:
            raise ConfigError(f"analysis option region_by={self.region_by!r} must be one of {', '.join(REGION_BY)}")
        unknown = [g for g in (*self.groups, self.reference_group) if g not in GROUPS]
        if unknown:
            raise ConfigError(f"unknown analysis group(s) {', '.join(unknown)}; known groups: {', '.join(GROUPS)}")
        if self.years < 1:
            raise ConfigError(f"analysis option years={self.years} must be at least 1")
        if self.bootstrap < 100:
            raise ConfigError(f"analysis option bootstrap={self.bootstrap} must be at least 100 resamples")
        if not 0.5 < self.confidence < 1.0:
            raise ConfigError(f"analysis option confidence={self.confidence} must lie between 0.5 and 1")
        if self.top_n < 1:
            raise ConfigError(f"analysis option top_n={self.top_n} must be at least 1")
        if not 0.0 <= self.winsorize < 0.5:
            raise ConfigError(f"analysis option winsorize={self.winsorize} must lie in [0, 0.5)")
        if self.growth_min_base < 0:
            raise ConfigError(f"analysis option growth_min_base={self.growth_min_base} must be 0 or more")

    @classmethod
    def from_mapping(cls, values: dict[str, Any] | None = None, **more: Any) -> AnalysisOptions:
        """Options from keyword values (CLI/web), refusing unknown names; lists become tuples."""
        vals = {**(values or {}), **more}
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(vals) - known)
        if unknown:
            raise ConfigError(f"unknown analysis option(s) {', '.join(unknown)}; "
                              f"known options: {', '.join(sorted(known))}")
        for k, v in list(vals.items()):
            if isinstance(v, list):
                vals[k] = tuple(v)
        return cls(**vals)

    def with_(self, **changes: Any) -> AnalysisOptions:
        return replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else v)
                for f in fields(self) if f.name != "extra"}
