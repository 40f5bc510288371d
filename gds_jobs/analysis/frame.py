"""The analysis frame: one row per organisation with its groups, outcomes and network measures.

Definitions (the report's method notes say the same for analysts)
--------------------------------------------------------------------
Population
    Active units with at least ``min_employees`` employees; with ``population="firms"`` only the
    industry firms that file accounts (:mod:`gds_jobs.analysis.population`). ``population_all``
    keeps the wider set, ``is_firm`` the firm rule.
Network measures
    Computed on the population's own interlock network for the chosen ``roles``
    (:func:`gds_jobs.analysis.population.network_for`): constraint, eigenvector centrality within
    the largest component, harmonic centrality, degree, isolated, in the largest component.
IN member
    Member of at least one cluster whose ``level`` is one of ``options.in_levels``
    (Arena, Arena Pro, GCE, NCE; case-insensitive). Memberships that ended
    (``until``) before the first year of the analysis window are ignored.
SIVA member
    Member of a cluster whose ``programme`` is one of ``options.siva_programmes``.
Region
    Located in the region by business address, by an active sub-unit, or either
    (``options.region_by``).
Neither IN nor SIVA
    Neither an IN member nor a SIVA member (region firms included, as in the study).
    ``region_neither`` and ``other_neither`` split it by the region: the disjoint groups the
    region is tested with.
Spill-over link
    Not an IN member, and tied in the population's network to an IN member (a person holds a
    counted seat in both).
Support
    Grants and awards from Forskningsrådet and Innovasjon Norge granted in the window
    (``as_of_year - years + 1`` .. ``as_of_year``; rows without a year count).
Research-council applications
    Forskningsrådet applications in the window, granted or not.
Patents
    Patent applications in the window.
Per employee
    ``support_per_employee`` and ``patents_per_employee``: the counts divided by the registered
    employees (missing when the count is missing).
Firm age
    ``age``: the window's last year minus the founding year (missing without a founding date).
Profitability
    Newest filing with total assets > 0: EBITDA / total assets where EBITDA exists,
    otherwise operating result / total assets (``profitability_basis`` says which).
Growth
    Annual growth rate of the ordinary result before tax R: for each pair of
    consecutive years, ``g = (R_t - R_{t-1}) / |R_{t-1}|``; a firm's rate is the mean of
    its pairs. The absolute value in the denominator keeps the sign of g equal to the
    direction of change when the base is a loss (−100 → −50 is +0.5; −100 → +50 is
    +1.5). Pairs with ``|R_{t-1}| <= growth_min_base`` (always a zero base) are left out;
    a firm needs two consecutive years; years with a gap are not paired.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gds_jobs.analysis.data import AnalysisData
from gds_jobs.analysis.options import AnalysisOptions
from gds_jobs.analysis.population import NETWORK_COLUMNS, Network, filers, is_firm, network_for, network_population

FR_SOURCES = ("forskningsradet", "forskningsrådet", "nfr", "rcn")
IN_SOURCES = ("innovasjon_norge", "innovasjonnorge", "in")


def _year(v: object) -> float:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return np.nan
    s = str(v)[:4]
    return float(s) if s.isdigit() else np.nan


def _source_kind(source: object) -> str:
    s = str(source or "").strip().lower().replace(" ", "_").replace("-", "_")
    if s in FR_SOURCES or s.startswith("forskning"):
        return "fr"
    if s in IN_SOURCES or s.startswith("innovasjon"):
        return "in"
    return "other"


def cluster_kinds(clusters: pd.DataFrame, options: AnalysisOptions) -> pd.DataFrame:
    """``cluster_id`` with boolean ``is_in`` and ``is_siva`` by level and programme."""
    levels = {s.casefold() for s in options.in_levels}
    progs = {s.casefold() for s in options.siva_programmes}
    out = clusters[["cluster_id"]].copy()
    out["is_in"] = clusters["level"].map(lambda v: str(v or "").strip().casefold() in levels).astype(bool)
    out["is_siva"] = clusters["programme"].map(lambda v: str(v or "").strip().casefold() in progs).astype(bool)
    return out


def current_memberships(data: AnalysisData, options: AnalysisOptions) -> pd.DataFrame:
    """Memberships not ended before the window, joined with the cluster kinds."""
    first = data.as_of_year(options) - options.years + 1
    m = data.memberships.copy()
    until = m["until"].map(_year) if len(m) else pd.Series([], dtype=float)
    m = m[~(until < first)] if len(m) else m
    return m.merge(cluster_kinds(data.clusters, options), on="cluster_id", how="left").fillna(
        {"is_in": False, "is_siva": False})


def growth_rates(accounts: pd.DataFrame, min_base: float = 0.0) -> pd.DataFrame:
    """Per orgnr: ``growth`` (mean year-on-year rate, see module notes) and ``growth_pairs``."""
    a = accounts[["orgnr", "year", "ordinary_result_before_tax"]].copy()
    a["year"] = pd.to_numeric(a["year"], errors="coerce")
    a["r"] = pd.to_numeric(a["ordinary_result_before_tax"], errors="coerce")
    a = a.dropna(subset=["year", "r"]).drop_duplicates(["orgnr", "year"]).sort_values(["orgnr", "year"])
    prev_year = a.groupby("orgnr")["year"].shift(1)
    prev_r = a.groupby("orgnr")["r"].shift(1)
    ok = (a["year"] - prev_year == 1) & (prev_r.abs() > min_base) & (prev_r != 0)
    g = ((a["r"] - prev_r) / prev_r.abs())[ok]
    pairs = pd.DataFrame({"orgnr": a.loc[ok, "orgnr"], "g": g})
    out = pairs.groupby("orgnr")["g"].agg(["mean", "size"]).rename(columns={"mean": "growth", "size": "growth_pairs"})
    return out.reset_index()


def profitability(accounts: pd.DataFrame) -> pd.DataFrame:
    """Per orgnr: ``profitability``, ``profitability_basis`` (ebitda/operating_result), ``profitability_year``."""
    a = accounts.copy()
    for c in ("year", "total_assets", "ebitda", "operating_result"):
        a[c] = pd.to_numeric(a[c], errors="coerce")
    a = a[(a["total_assets"] > 0) & (a["ebitda"].notna() | a["operating_result"].notna())]
    a = a.sort_values(["orgnr", "year"]).drop_duplicates("orgnr", keep="last")
    basis = np.where(a["ebitda"].notna(), "ebitda", "operating_result")
    num = a["ebitda"].where(a["ebitda"].notna(), a["operating_result"])
    return pd.DataFrame({"orgnr": a["orgnr"].to_numpy(), "profitability": (num / a["total_assets"]).to_numpy(),
                         "profitability_basis": basis, "profitability_year": a["year"].to_numpy()})


def revenue(accounts: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """Per orgnr: ``revenue`` (NOK) and ``revenue_year`` — the given year or the newest filing.

    Filings in another currency than NOK are left out (a missing currency counts as NOK).
    """
    a = accounts.copy()
    a["year"] = pd.to_numeric(a["year"], errors="coerce")
    a["revenue"] = pd.to_numeric(a["revenue"], errors="coerce")
    cur = a["currency"].fillna("NOK").astype(str).str.upper()
    a = a[(cur == "NOK") & a["revenue"].notna()]
    if year is not None:
        a = a[a["year"] == year]
    a = a.sort_values(["orgnr", "year"]).drop_duplicates("orgnr", keep="last")
    return a[["orgnr", "revenue", "year"]].rename(columns={"year": "revenue_year"}).reset_index(drop=True)


def fixed_revenue_year(data: AnalysisData, options: AnalysisOptions) -> int | None:
    """The accounts year of the revenue figures: ``options.revenue_year``, else the newest year in which the
    region's units (all units when the region has none) filed at least 90 % as many NOK revenues as in their
    best year — the newest year that is nearly complete. None without any filing."""
    if options.revenue_year is not None:
        return int(options.revenue_year)
    a = data.accounts
    if a.empty:
        return None
    a = a[pd.to_numeric(a["revenue"], errors="coerce").notna()
          & (a["currency"].fillna("NOK").astype(str).str.upper() == "NOK")]
    units = set(data.region_units["orgnr"].astype(str))
    part = a[a["orgnr"].astype(str).isin(units)]
    part = part if len(part) else a
    counts = pd.to_numeric(part["year"], errors="coerce").dropna().astype(int).value_counts()
    if counts.empty:
        return None
    return int(max(y for y, c in counts.items() if c >= 0.9 * counts.max()))


def build_frame(data: AnalysisData, options: AnalysisOptions | None = None, *, network: bool = True
                ) -> pd.DataFrame:
    """One row per organisation of ``data.orgs`` with groups, outcomes and network measures.

    Returns
    -------
    pandas.DataFrame
        The columns of ``data.orgs`` plus ``county_code``, ``population_all``, ``is_firm``,
        ``in_population``, ``in_member``, ``siva_member``, ``region``, ``neither``,
        ``region_neither``, ``other_neither``, ``spill_linked``, ``support``, ``fr_applications``,
        ``in_awards``, ``amount_granted``, ``patents``, the per-employee rates, ``age``,
        ``profitability``, ``profitability_basis``, ``growth``, ``growth_pairs``, ``revenue``,
        ``revenue_year``, the network columns (:data:`~gds_jobs.analysis.population.NETWORK_COLUMNS`)
        and every other column of ``data.measures``. ``attrs`` carries ``as_of_year``, ``window``,
        ``measures_run``, ``population`` and ``network`` (a description and its counts).
        With ``network=False`` the network is not built: its columns are missing and nobody is
        spill-over linked (for callers that need neither, e.g. the cluster fit).
    """
    opts = options or AnalysisOptions()
    if not network:
        f = base_frame(data, opts)
        f["in_population"] = population_mask(f, opts.population)
        for c in NETWORK_COLUMNS[1:]:
            f[c] = False if c in ("isolated", "in_lcc", "in_network") else np.nan
        f["spill_linked"] = False
        f.attrs.update({"population": opts.population, "roles": opts.roles, "network": {}})
        return f
    return with_population(base_frame(data, opts), data, opts)[0]


def base_frame(data: AnalysisData, options: AnalysisOptions | None = None) -> pd.DataFrame:
    """:func:`build_frame` without the population choice and the network (shared by every option set)."""
    opts = options or AnalysisOptions()
    f = data.orgs.copy().reset_index(drop=True)
    f["orgnr"] = f["orgnr"].astype(str)
    f["county_code"] = f["municipality_code"].map(lambda c: str(c)[:2] if c else None)
    f["employees"] = pd.to_numeric(f["employees"], errors="coerce")

    mem = current_memberships(data, opts)
    in_set = set(mem.loc[mem["is_in"].astype(bool), "orgnr"].astype(str))
    siva_set = set(mem.loc[mem["is_siva"].astype(bool), "orgnr"].astype(str))
    f["in_member"] = f["orgnr"].isin(in_set)
    f["siva_member"] = f["orgnr"].isin(siva_set)
    f["region"] = f["orgnr"].isin(set(data.region_units["orgnr"].astype(str)))
    f["neither"] = ~(f["in_member"] | f["siva_member"])
    f["region_neither"] = f["region"] & f["neither"]
    f["other_neither"] = ~f["region"] & f["neither"]

    last = data.as_of_year(opts)
    first = last - opts.years + 1
    g = data.grants.copy()
    if len(g):
        yr = pd.to_numeric(g["year"], errors="coerce")
        g = g[yr.isna() | ((yr >= first) & (yr <= last))]
        g["kind"] = g["source"].map(_source_kind)
        for c in ("applications", "granted", "amount_granted"):
            g[c] = pd.to_numeric(g[c], errors="coerce").fillna(0)
        agg = pd.DataFrame({
            "support": g[g["kind"].isin(["fr", "in"])].groupby("orgnr")["granted"].sum(),
            "fr_applications": g[g["kind"] == "fr"].groupby("orgnr")["applications"].sum(),
            "in_awards": g[g["kind"] == "in"].groupby("orgnr")["granted"].sum(),
            "amount_granted": g[g["kind"].isin(["fr", "in"])].groupby("orgnr")["amount_granted"].sum(),
        })
        f = f.merge(agg, left_on="orgnr", right_index=True, how="left")
    for c in ("support", "fr_applications", "in_awards", "amount_granted"):
        f[c] = pd.to_numeric(f[c], errors="coerce").fillna(0.0) if c in f else 0.0

    p = data.patents.copy()
    if len(p):
        yr = pd.to_numeric(p["year"], errors="coerce")
        p = p[yr.isna() | ((yr >= first) & (yr <= last))]
        p["patents"] = pd.to_numeric(p["patents"], errors="coerce").fillna(0)
        f = f.merge(p.groupby("orgnr")["patents"].sum().rename("patents"), left_on="orgnr", right_index=True,
                    how="left")
    f["patents"] = pd.to_numeric(f["patents"], errors="coerce").fillna(0.0) if "patents" in f else 0.0

    acc = data.accounts
    f = f.merge(profitability(acc), on="orgnr", how="left")
    f = f.merge(growth_rates(acc, opts.growth_min_base), on="orgnr", how="left")
    f["growth_pairs"] = f["growth_pairs"].fillna(0).astype(int)
    f = f.merge(revenue(acc, opts.revenue_year), on="orgnr", how="left")
    emp = f["employees"].where(f["employees"] > 0)
    f["support_per_employee"] = f["support"] / emp
    f["patents_per_employee"] = f["patents"] / emp
    founded = f["founded"].map(_year) if "founded" in f else pd.Series(np.nan, index=f.index)
    f["age"] = (last - founded).where(lambda a: a >= 0)
    f["population_all"] = f["in_population"].fillna(False).astype(bool)
    f["is_firm"] = is_firm(f, filers(acc))
    f.attrs.update({"as_of_year": last, "window": (first, last), "measures_run": data.measures_run})
    return f


def population_mask(f: pd.DataFrame, kind: str) -> pd.Series:
    """The population of ``kind`` (``firms``/``all``) in a :func:`base_frame`."""
    return (f["population_all"] & f["is_firm"]) if kind == "firms" else f["population_all"].copy()


def with_population(base: pd.DataFrame, data: AnalysisData, options: AnalysisOptions,
                    population: str | None = None, roles: str | None = None) -> tuple[pd.DataFrame, Network]:
    """The frame for one population and choice of seats: ``in_population``, the network columns of
    that option set's network, and ``spill_linked`` (a tie in it to an IN member).

    Measures columns given in ``data.measures`` (a frame or provider passed to ``load_data``)
    replace the computed ones of the same name; the caption then says so.
    """
    kind = population or options.population
    roles = roles or options.roles
    f = base.drop(columns=[c for c in NETWORK_COLUMNS if c != "orgnr" and c in base.columns])
    f = f.drop(columns=[c for c in ("spill_linked",) if c in f.columns])
    f["in_population"] = population_mask(f, kind)
    pop = network_population(data, kind, options.active_only, filers(data.accounts))
    net = network_for(data, pop, options, kind, roles)
    f = f.merge(net.measures, on="orgnr", how="left")
    outside = ~f["in_population"]  # measures are shown for the compared population only
    for c in NETWORK_COLUMNS[1:]:
        if c in ("isolated", "in_lcc", "in_network"):
            f[c] = f[c].astype("boolean").fillna(False).astype(bool) & ~outside
        else:
            f[c] = pd.to_numeric(f[c], errors="coerce").where(~outside)
    replaced: list[str] = []
    m = data.measures
    if m is not None and len(m.columns) > 1:
        m = m.copy()
        m["orgnr"] = m["orgnr"].astype(str)
        cols = [c for c in m.columns if c != "orgnr" and c not in base.columns]
        replaced = [c for c in cols if c in f.columns]
        f = f.drop(columns=replaced).merge(m[["orgnr", *cols]], on="orgnr", how="left")
    for c in ("constraint", "constraint_weighted", "eigenvector", "harmonic"):
        f[c] = pd.to_numeric(f[c], errors="coerce")
    g = net.graph
    members = set(f.loc[f["in_member"], "orgnr"])  # IN members of the network's kind, whatever their size
    in_idx = [i for i, o in enumerate(g.nodes) if o in members]
    linked: set[str] = set()
    if in_idx and g.m:
        reach = np.asarray(g.binary[in_idx].sum(axis=0)).ravel() > 0
        linked = {g.nodes[i] for i in np.flatnonzero(reach)}
    f["spill_linked"] = f["orgnr"].isin(linked) & ~f["in_member"] & f["in_population"]
    f.attrs.update(base.attrs)
    f.attrs.update({"population": kind, "roles": roles,
                    "network": {"description": net.describe(), **net.counts(), "replaced_measures": replaced,
                                "key": {"population": net.key.population, "roles": net.key.roles}}})
    return f, net
