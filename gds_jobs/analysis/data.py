"""Thin data access for the analyses: library queries (``cypher/queries/analysis``) into frames.

Everything the analyses compute works on an :class:`AnalysisData`; building one is
the only place that reads the store, so the pure functions can be tested on hand-made
frames and the web app, the CLI and the report share one read.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from cypher import library
from cypher.statements.analysis import SYNTHETIC_MEMBER_RULE, VERSION_QUERIES
from gds_jobs.analysis.options import AnalysisOptions
from klynge.errors import ConfigError

if TYPE_CHECKING:
    from cypher.store import GraphStore

ORG_COLUMNS = ["orgnr", "name", "helix", "org_form", "nace", "nace_version", "sector_code", "employees",
               "has_employee_count", "municipality_code", "active", "founded", "last_accounts_year", "synthetic", "as_of"]
ACCOUNT_COLUMNS = ["orgnr", "year", "currency", "revenue", "operating_result", "ordinary_result_before_tax",
                   "total_assets", "ebitda", "as_of"]
GRANT_COLUMNS = ["orgnr", "source", "year", "applications", "granted", "amount_granted", "as_of"]
PATENT_COLUMNS = ["orgnr", "year", "patents", "as_of"]
CLUSTER_COLUMNS = ["cluster_id", "name", "level", "programme", "host_county", "host_orgnr", "since", "until",
                   "synthetic", "as_of"]
MEMBER_COLUMNS = ["orgnr", "cluster_id", "since", "until", "role"]
SEAT_COLUMNS = ["person_key", "orgnr"]
REGION_UNIT_COLUMNS = ["orgnr", "via", "subunits"]
INTERLOCK_SEAT_COLUMNS = ["person_key", "orgnr", "role"]
HOLDER_COLUMNS = ["orgnr", "role"]
NETWORK_ORG_COLUMNS = ["orgnr", "helix", "org_form", "active", "last_accounts_year"]

MeasuresProvider = Callable[..., pd.DataFrame]


@dataclass(frozen=True)
class Region:
    region_id: str
    name: str
    municipalities: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnalysisData:
    """The raw frames of one analysis (one store read).

    Attributes
    ----------
    region : the region analysed (None for national-only analyses).
    orgs : facts of the population, the region's units and every cluster member;
        ``in_population`` marks the comparison population.
    region_units : ``orgnr``, ``via`` (address/subunit) and sub-unit counts of the region's units.
    clusters, memberships : the clusters and who is a member of which.
    grants : per orgnr, source and year: applications, granted, amount_granted.
    patents : per orgnr and year: patents.
    accounts : filings of ``options.accounts_type``.
    seats : active board seats (person_key, orgnr) of ``options.board_roles``, of persons on 2+ boards.
    measures : network measures per orgnr (constraint, eigenvector, ...).
    freshness : per label: n, newest as_of, synthetic count.
    measures_run : id of the measures run (None when no run).
    interlock_seats : ``person_key``, ``orgnr``, ``role`` — every active board seat and CEO post of
        persons in two or more organisations (the networks of every option set are built from it).
    seat_holders : ``orgnr``, ``role`` — the roles each population organisation has filled (isolates).
    network_orgs : ``orgnr``, ``helix``, ``org_form``, ``active``, ``last_accounts_year`` of every
        organisation in ``orgs`` or ``interlock_seats`` (any size): who belongs to which network.
    cache : networks built from this read, keyed by their parameters (see ``population.network_for``).
    """

    region: Region | None
    orgs: pd.DataFrame
    region_units: pd.DataFrame
    clusters: pd.DataFrame
    memberships: pd.DataFrame
    grants: pd.DataFrame
    patents: pd.DataFrame
    accounts: pd.DataFrame
    seats: pd.DataFrame
    measures: pd.DataFrame
    freshness: pd.DataFrame = field(default_factory=pd.DataFrame)
    measures_run: str | None = None
    interlock_seats: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=INTERLOCK_SEAT_COLUMNS))
    seat_holders: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=HOLDER_COLUMNS))
    network_orgs: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=NETWORK_ORG_COLUMNS))
    cache: dict = field(default_factory=dict, compare=False, repr=False)

    def as_of_year(self, options: AnalysisOptions) -> int:
        """Last year of the grant/patent window: the option, else the newest year in the data."""
        if options.as_of_year is not None:
            return int(options.as_of_year)
        years = [pd.to_numeric(f["year"], errors="coerce").max()
                 for f in (self.grants, self.patents, self.accounts) if "year" in f and len(f)]
        years = [int(y) for y in years if pd.notna(y)]
        return max(years) if years else _dt.date.today().year


def frame(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """Rows as a DataFrame with exactly ``columns`` (missing keys become None)."""
    return pd.DataFrame([{c: r.get(c) for c in columns} for r in rows], columns=list(columns))


def resolve_region(store: GraphStore, region: str) -> Region:
    """The region whose id or name is ``region`` (case-insensitive).

    Raises
    ------
    ConfigError
        When no region matches; the message lists the known regions.
    """
    rows = library.run(store, "analysis/region", {"region": str(region)})
    if not rows:
        known = [f"{r['region_id']} ({r['name']})" for r in library.run(store, "region/list")]
        raise ConfigError(f"no region with id or name {region!r} in the graph; known regions: "
                          f"{', '.join(known) or 'none — load the reference data first (`klynge load reference`)'}")
    r = rows[0]
    return Region(str(r["region_id"]), str(r.get("name") or r["region_id"]),
                  tuple(str(c) for c in (r.get("municipalities") or []) if c))


def region_units(store: GraphStore, region_id: str, region_by: str = "address") -> pd.DataFrame:
    """Units located in the region by business address, by an active sub-unit, or either."""
    parts = []
    if region_by in ("address", "either"):
        a = frame(library.run(store, "analysis/region_by_address", {"region_id": region_id}), ["orgnr"])
        a["via"] = "address"
        a["subunits"] = 0
        parts.append(a)
    if region_by in ("subunit", "either"):
        s = frame(library.run(store, "analysis/region_by_subunit", {"region_id": region_id}),
                  ["orgnr", "subunits"])
        s["via"] = "subunit"
        parts.append(s)
    out = pd.concat(parts, ignore_index=True) if parts else frame([], REGION_UNIT_COLUMNS)
    out = out.drop_duplicates("orgnr", keep="first")[REGION_UNIT_COLUMNS].reset_index(drop=True)
    return out


def default_measures_provider() -> MeasuresProvider | None:
    """``gds_jobs.current_measures`` (or ``gds_jobs.runs.current_measures``) when installed."""
    import gds_jobs

    fn = getattr(gds_jobs, "current_measures", None)
    if fn is None:
        try:
            from gds_jobs import runs
        except ImportError:
            return None
        fn = getattr(runs, "current_measures", None)
    return fn


def load_data(store: GraphStore, region: str | Region | None, options: AnalysisOptions | None = None, *,
              measures: pd.DataFrame | MeasuresProvider | None = None,
              extra_orgnrs: Sequence[str] = ()) -> AnalysisData:
    """Read everything an analysis of ``region`` needs from the store.

    Parameters
    ----------
    store : a GraphStore.
    region : region id or name (resolved with :func:`resolve_region`), a Region, or None.
    options : the analysis options (population, region rule, board roles, accounts type).
    measures : a measures frame (``orgnr`` + measure columns) or a provider
        ``f(store, orgnrs=None) -> DataFrame`` whose columns replace those the analysis computes on
        the population's own network (e.g. the nightly run's values: :func:`default_measures_provider`);
        None (the default): no replacement.
    extra_orgnrs : organisations to include whatever their size (e.g. the firm a fit is asked for).

    Returns
    -------
    AnalysisData
    """
    opts = options or AnalysisOptions()
    reg = resolve_region(store, region) if isinstance(region, str) else region
    pop = frame(library.run(store, "analysis/organizations", {
        "min_employees": opts.min_employees, "active_only": opts.active_only,
        "helix": list(opts.helix) if opts.helix else None}), ORG_COLUMNS)
    pop["in_population"] = True
    units = region_units(store, reg.region_id, opts.region_by) if reg else frame([], REGION_UNIT_COLUMNS)
    memberships = frame(library.run(store, "analysis/memberships"), MEMBER_COLUMNS)
    extra = sorted((set(units["orgnr"]) | set(memberships["orgnr"]) | {str(o) for o in extra_orgnrs})
                   - set(pop["orgnr"]))
    more = frame(library.run(store, "analysis/organizations_by_orgnr", {"orgnrs": extra}), ORG_COLUMNS) \
        if extra else frame([], ORG_COLUMNS)
    more["in_population"] = False
    orgs = pd.concat([pop, more], ignore_index=True) if len(more) else pop
    orgs = orgs.drop_duplicates("orgnr").reset_index(drop=True)

    if callable(measures):
        mframe = measures(store, orgnrs=list(orgs["orgnr"]))
    elif isinstance(measures, pd.DataFrame):
        mframe = measures
    else:
        mframe = pd.DataFrame({"orgnr": pd.Series([], dtype=object)})
    run_id = mframe.attrs.get("run_id") if hasattr(mframe, "attrs") else None
    fresh = frame(library.run(store, "analysis/freshness"), ["label", "n", "as_of", "synthetic"])
    inter = interlock_seats(store)
    return AnalysisData(
        region=reg,
        orgs=orgs,
        region_units=units,
        clusters=frame(library.run(store, "analysis/clusters"), CLUSTER_COLUMNS),
        memberships=memberships,
        grants=frame(library.run(store, "analysis/grants"), GRANT_COLUMNS),
        patents=frame(library.run(store, "analysis/patents"), PATENT_COLUMNS),
        accounts=frame(library.run(store, "analysis/accounts_by_orgnr", {
            "orgnrs": list(orgs["orgnr"]), "accounts_type": opts.accounts_type}), ACCOUNT_COLUMNS),
        seats=seats_of(inter, opts.board_roles),
        measures=mframe,
        freshness=fresh,
        measures_run=run_id,
        interlock_seats=inter,
        seat_holders=seat_holders(store, list(pop["orgnr"])),
        network_orgs=network_organizations(store, orgs, inter),
    )


def interlock_seats(store: GraphStore) -> pd.DataFrame:
    """Every active board seat and CEO post (``person_key``, ``orgnr``, ``role``) of persons in two or
    more organisations (:data:`INTERLOCK_SEAT_COLUMNS`); one read serves every network option."""
    rows = library.run(store, "analysis/interlock_seats")
    out = [(r["person_key"], str(o), str(role)) for r in rows
           for o, role in zip(r.get("orgnrs") or [], r.get("roles") or [], strict=True)]
    return pd.DataFrame(out, columns=INTERLOCK_SEAT_COLUMNS).drop_duplicates().reset_index(drop=True)


def seats_of(interlocks: pd.DataFrame, roles: Sequence[str]) -> pd.DataFrame:
    """Board seats (``person_key``, ``orgnr``) of ``roles`` of persons in two or more organisations by
    those roles (the library query ``analysis/board_seats`` gives the same), taken from an
    :func:`interlock_seats` frame."""
    s = interlocks[interlocks["role"].isin(list(roles))][SEAT_COLUMNS].drop_duplicates()
    many = s.groupby("person_key")["orgnr"].transform("size") > 1
    return s[many].reset_index(drop=True)


def network_organizations(store: GraphStore, orgs: pd.DataFrame, interlocks: pd.DataFrame, chunk: int = 20000
                          ) -> pd.DataFrame:
    """:data:`NETWORK_ORG_COLUMNS` of ``orgs`` and of every other organisation in ``interlocks``."""
    known = orgs[[c for c in NETWORK_ORG_COLUMNS if c in orgs.columns]].copy()
    known["orgnr"] = known["orgnr"].astype(str)
    rest = sorted(set(interlocks["orgnr"].astype(str)) - set(known["orgnr"]))
    rows: list[dict[str, Any]] = []
    for i in range(0, len(rest), chunk):
        rows += library.run(store, "analysis/network_organizations", {"orgnrs": rest[i:i + chunk]})
    more = frame(rows, NETWORK_ORG_COLUMNS)
    parts = [p for p in (known.reindex(columns=NETWORK_ORG_COLUMNS), more) if len(p)]
    out = pd.concat(parts, ignore_index=True) if parts else frame([], NETWORK_ORG_COLUMNS)
    out["orgnr"] = out["orgnr"].astype(str)
    return out.drop_duplicates("orgnr").reset_index(drop=True)


def seat_holders(store: GraphStore, orgnrs: Sequence[str], chunk: int = 20000) -> pd.DataFrame:
    """Per organisation of ``orgnrs``: each role (board seat or CEO) it has filled (:data:`HOLDER_COLUMNS`)."""
    out = []
    for i in range(0, len(orgnrs), chunk):
        for r in library.run(store, "analysis/seat_holders", {"orgnrs": list(orgnrs[i:i + chunk])}):
            out += [(str(r["orgnr"]), str(role)) for role in (r.get("roles") or [])]
    return pd.DataFrame(out, columns=HOLDER_COLUMNS)


@dataclass(frozen=True)
class LocationData:
    """What the location quotients and the shift-share read: Norway's employment by municipality and NACE
    code, the municipality numbers of the analysed and the benchmark regions, and a revenue panel."""

    employment: pd.DataFrame
    regions: dict[str, tuple[str, ...]]
    panel: pd.DataFrame
    base_year: int | None
    end_year: int | None
    missing_regions: tuple[str, ...] = ()


def location_data(store: GraphStore, region: Region, benchmarks: Sequence[str], end_year: int | None, years: int,
                  accounts_type: str = "SELSKAP") -> LocationData:
    """Read :class:`LocationData` (regions that are not in the graph are listed in ``missing_regions``)."""
    emp = frame(library.run(store, "analysis/employment"),
                ["municipality_code", "nace", "nace_version", "employees", "units"])
    regions: dict[str, tuple[str, ...]] = {}
    missing = []
    for r in [region.region_id, *[b for b in benchmarks if b.casefold() != region.region_id.casefold()]]:
        try:
            reg = region if r == region.region_id else resolve_region(store, r)
        except ConfigError:
            missing.append(r)
            continue
        codes = library.run(store, "analysis/region_municipality_codes", {"region_id": reg.region_id})
        regions[reg.name] = tuple(str(c["code"]) for c in codes if c.get("code"))
    cols = ["municipality_code", "nace", "nace_version", "base_revenue", "end_revenue", "firms"]
    panel, base = frame([], cols), None
    # the earliest base year of the window with firms filing in both years (the register may hold fewer years)
    for year in (range(end_year - years + 1, end_year) if end_year is not None else ()):
        rows = library.run(store, "analysis/revenue_panel", {"base_year": year, "end_year": end_year,
                                                             "accounts_type": accounts_type})
        if rows:
            panel, base = frame(rows, cols), year
            break
    return LocationData(emp, regions, panel, base, end_year, tuple(missing))


def person_names(store: GraphStore, keys: Sequence[str]) -> dict[str, str]:
    """Stored names of pseudonymous person keys (only for callers allowed to see names; keys
    without a stored name are left out)."""
    if not keys:
        return {}
    rows = library.run(store, "analysis/person_names", {"person_keys": list(keys)})
    return {str(r["person_key"]): str(r["name"]) for r in rows if r.get("name")}


def data_version(store: GraphStore) -> tuple:
    """The current measures run, the newest data load and the numbers of organisations, cluster
    memberships and role holdings, as ``((name, value), ...)``: an analysis computed from the graph and
    kept in memory (the cluster-fit model) is reused only while this stays the same."""
    out = []
    for name, text in VERSION_QUERIES:
        rows = store.read(text)
        out.append((name, rows[0]["v"] if rows else None))
    return tuple(out)


def assessments(store: GraphStore) -> pd.DataFrame:
    """Every final absorptive-capacity assessment (confidential: callers show it to advisors and above only;
    see :mod:`gds_jobs.analysis.absorptive`)."""
    from gds_jobs.analysis.absorptive import as_frame

    return as_frame(library.run(store, "analysis/assessments"))


def synthetic_member_rule(store: GraphStore) -> str | None:
    """How the synthetic generator chose cluster members (recorded by ``klynge load synthetic``), or None."""
    rows = store.read(SYNTHETIC_MEMBER_RULE)
    return str(rows[0]["rule"]) if rows and rows[0].get("rule") else None
