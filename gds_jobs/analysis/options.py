"""Options of the study's analyses: one frozen dataclass, documented defaults.

The defaults reproduce the USN study (see ``docs`` and the seed digest): the
population is the active firms (industry organisations that file accounts) with at
least five employees; the network they are compared on links those firms through
shared board members (chair, deputy chair, member); firm groups are IN member, SIVA
member, Region and neither IN nor SIVA, with the region's non-members compared with
non-members elsewhere; grants and patents are counted over the last five years;
critical mass looks at the region's 200 largest units by operating revenue.
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
    "region_neither": "Region, neither IN nor SIVA",
    "other_neither": "Elsewhere, neither IN nor SIVA",
}
#: Which group each group is tested against (disjoint pairs only); groups not listed are described, not tested.
COMPARED_WITH: dict[str, str] = {
    "in_member": "neither",
    "siva_member": "neither",
    "region_neither": "other_neither",
}
REGION_BY = ("address", "subunit", "either")
#: ``firms``: industry organisations that file accounts; ``all``: every organisation (see population.py).
POPULATIONS: tuple[str, ...] = ("firms", "all")
#: Seats that make an interlock tie, per ``roles`` option (board = chair, deputy chair, member).
ROLE_SETS: dict[str, tuple[str, ...]] = {
    "board": ("LEDE", "NEST", "MEDL"),
    "board+deputies": ("LEDE", "NEST", "MEDL", "VARA", "OBS"),
    "board+ceo": ("LEDE", "NEST", "MEDL", "DAGL"),
    "all": ("LEDE", "NEST", "MEDL", "VARA", "OBS", "DAGL"),
}


@dataclass(frozen=True)
class AnalysisOptions:
    """Everything a region analysis can be configured with.

    Attributes
    ----------
    population : ``firms`` (the study: industry organisations that file accounts — no housing
        co-operatives, condominiums, associations, foundations, public bodies, universities or
        research institutes) or ``all`` (every organisation with a board).
    min_employees : population: units with at least this many registered employees (study: 5).
    roles : the seats that tie two organisations of the network: ``board`` (chair, deputy chair,
        member; the study), ``board+deputies`` (and deputies, observers), ``board+ceo`` (and the
        CEO) or ``all``. The network is the population's own: its organisations, tied by persons
        holding such seats in two of them.
    weighted : Burt's constraint on tie weights (shared persons) instead of 0/1 ties. Default
        False: 0/1 ties, the usual reading of the study's figure (it states no weights).
    active_only : population: active units only (study: yes).
    helix : population: only these helix sectors (None: all, as "active units" in the study).
    region_by : ``address`` (business address, the study), ``subunit`` (an active
        workplace in the region) or ``either``.
    in_levels : cluster levels that make an "IN member" (matched case-insensitively).
    siva_programmes : cluster programmes that make a "SIVA member".
    groups : the group keys shown, in chart order.
    reference_group : the group IN and SIVA members are tested against (:data:`COMPARED_WITH`).
    min_group_n : groups with fewer values are shown greyed, without a test or effect size.
    exact_below : a test whose smaller group has fewer values is a permutation test (exact when the
        arrangements are few enough to enumerate), else the Mann–Whitney normal approximation.
    permutations : Monte Carlo resamples of a permutation test.
    alpha : significance level of the adjusted p-values (sensitivity marks, "agrees").
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
    board_roles : board roles that make an interlock tie for the cluster fit (the comparisons use ``roles``).
    top_n : critical mass: the region's largest units by operating revenue.
    revenue_year : critical mass and shift-share: the accounts year (None: the newest year in
        which the region's units filed at least 90 % as many accounts as in their best year).
    lq_min_employment : location quotients: a "strong" specialisation needs LQ ≥ ``lq_threshold``
        and at least this many employees in the region.
    lq_threshold : location quotients: the strong-cluster threshold (1.25).
    benchmark_regions : regions shown beside the analysed one in the location quotients.
    sensitivity : compute the sensitivity panel (every population × roles × weighting).
    larger_firm_employees : critical mass: a "larger" firm has more than this many employees.
    critical_mass_range : the study's "more than 20–30 larger complementary firms".
    core_firms : Innovasjon Norge's "8–10 core firms" (the lower bound is the flag).
    anchor_employees : an anchor firm has more than this many employees.
    """

    population: str = "firms"
    min_employees: int = 5
    roles: str = "board"
    weighted: bool = False
    active_only: bool = True
    helix: tuple[str, ...] | None = None
    region_by: str = "address"
    in_levels: tuple[str, ...] = IN_LEVELS
    siva_programmes: tuple[str, ...] = SIVA_PROGRAMMES
    groups: tuple[str, ...] = ("in_member", "siva_member", "region", "neither", "region_neither", "other_neither")
    reference_group: str = "neither"
    min_group_n: int = 10
    exact_below: int = 20
    permutations: int = 9999
    alpha: float = 0.05
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
    lq_min_employment: int = 100
    lq_threshold: float = 1.25
    benchmark_regions: tuple[str, ...] = ("kongsbergregionen", "hallingdal", "gjovikregionen")
    sensitivity: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.min_employees < 0:
            raise ConfigError(f"analysis option min_employees={self.min_employees} must be 0 or more")
        if self.population not in POPULATIONS:
            raise ConfigError(f"analysis option population={self.population!r} must be one of "
                              f"{', '.join(POPULATIONS)}")
        if self.roles not in ROLE_SETS:
            raise ConfigError(f"analysis option roles={self.roles!r} must be one of {', '.join(ROLE_SETS)}")
        if self.min_group_n < 2:
            raise ConfigError(f"analysis option min_group_n={self.min_group_n} must be at least 2")
        if self.permutations < 999:
            raise ConfigError(f"analysis option permutations={self.permutations} must be at least 999")
        if not 0.0 < self.alpha < 0.5:
            raise ConfigError(f"analysis option alpha={self.alpha} must lie between 0 and 0.5")
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

    @property
    def seat_roles(self) -> tuple[str, ...]:
        """The role codes of :attr:`roles`."""
        return ROLE_SETS[self.roles]

    def with_(self, **changes: Any) -> AnalysisOptions:
        return replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else v)
                for f in fields(self) if f.name != "extra"}
