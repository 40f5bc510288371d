"""The region report: one self-contained HTML file plus CSV and JSON of every table.

``write_region_report(store, region, out_dir)`` reads the graph once
(:func:`gds_jobs.analysis.data.load_data`), computes the group comparisons, the
hypotheses, critical mass and the cluster-fit candidates with their hold-out
evaluation, and writes::

    out_dir/index.html        charts (inline SVG), tables, method notes, freshness, caveats
    out_dir/report.json       every table and the metadata
    out_dir/tables/<name>.csv one CSV per table
    out_dir/tables/<name>.json

With ``assessments=True`` it adds the absorptive-capacity section made of advisors' interview
assessments (:mod:`gds_jobs.analysis.absorptive`): confidential, said so on the report's first lines
and in ``report.json``'s ``meta.confidential``.
"""

from __future__ import annotations

import datetime as _dt
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gds_jobs.analysis.compare import (
    METRICS,
    adjust_family,
    compare,
    hypotheses,
    network_structure,
    population_label,
    projection_label,
)
from gds_jobs.analysis.absorptive import CONFIDENTIAL_NOTE, region_section
from gds_jobs.analysis.critical import critical_mass
from gds_jobs.analysis.data import AnalysisData, load_data, location_data
from gds_jobs.analysis.data import assessments as load_assessments
from gds_jobs.analysis.data import synthetic_member_rule
from gds_jobs.analysis.fit import synthetic_notes
from gds_jobs.analysis.fitscore import build_model
from gds_jobs.analysis.fittables import cluster_table, finish_table
from gds_jobs.analysis.fiteval import evaluate as evaluate_fit
from gds_jobs.analysis.frame import (
    base_frame,
    fixed_revenue_year,
    with_population,
)
from gds_jobs.analysis.location import location_quotients, shift_share
from gds_jobs.analysis.models import count_models
from gds_jobs.analysis.options import AnalysisOptions
from gds_jobs.analysis.sensitivity import sensitivity
from klynge.errors import ConfigError
from klynge.reference.valueareas import ValueAreaRules

if TYPE_CHECKING:
    from cypher.store import GraphStore

REPORT_KEYS = ("measures", "rules", "fit_clusters", "fit_top", "holdout", "fit_seeds", "location", "assessments")


@dataclass
class RegionAnalysis:
    """Everything a region report shows (tables keyed by file name, in report order)."""

    region_id: str
    region_name: str
    options: AnalysisOptions
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    caveats: list[str] = field(default_factory=list)
    freshness: pd.DataFrame = field(default_factory=pd.DataFrame)
    timings: dict[str, float] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    frame: pd.DataFrame | None = field(default=None, repr=False)
    """The analysis frame the tables come from (one row per organisation; for sections added later, such as
    :func:`absorptive_section`)."""


def _split_opts(opts: dict[str, Any]) -> tuple[AnalysisOptions, dict[str, Any]]:
    extra = {k: opts.pop(k) for k in list(opts) if k in REPORT_KEYS}
    options = opts.pop("options", None)
    if options is None:
        options = AnalysisOptions.from_mapping(opts)
    elif opts:
        options = options.with_(**opts)
    return options, extra


def analyse_region(store: GraphStore, region: str, *, data: AnalysisData | None = None, **opts: Any) -> RegionAnalysis:
    """Compute every table of the region report (no files written).

    Parameters
    ----------
    store : a GraphStore.
    region : region id or name.
    data : already-read data (tests, or several reports from one read).
    **opts : :class:`AnalysisOptions` fields, or ``options=AnalysisOptions(...)``, plus
        ``measures`` (frame or provider whose columns replace the computed network measures),
        ``rules`` (:class:`ValueAreaRules`), ``fit_clusters`` (clusters shown with candidates,
        default 5), ``fit_top`` (10), ``holdout`` (run the leave-members-out evaluation of the fit,
        default True) with ``fit_seeds`` seeds (3),
        ``location`` (location quotients and shift-share, default True), ``assessments`` (add the
        confidential absorptive-capacity section: True reads the advisors' assessments, a frame of
        ``analysis/assessments`` rows is used as given; default False).
    """
    options, extra = _split_opts(dict(opts))
    timings: dict[str, float] = {}
    t = time.perf_counter()
    if data is None:
        data = load_data(store, region, options, measures=extra.get("measures"))
    timings["read"] = time.perf_counter() - t
    reg = data.region
    if reg is None:
        raise ConfigError(f"region {region!r} did not resolve; pass a region id or name")
    t = time.perf_counter()
    options = options.with_(revenue_year=fixed_revenue_year(data, options))
    base = base_frame(data, options)
    frame, net = with_population(base, data, options)
    timings["frame_and_network"] = time.perf_counter() - t
    res = RegionAnalysis(reg.region_id, reg.name, options, freshness=data.freshness, timings=timings, frame=frame)

    t = time.perf_counter()
    population = frame[frame["in_population"].astype(bool)]
    summary = pd.DataFrame([{
        "region": reg.name, "region_id": reg.region_id, "municipalities": ", ".join(reg.municipalities),
        "population_rule": population_label(frame, options),
        "population": len(population), "population_all_kinds": int(frame["population_all"].sum()),
        "population_in_region": int(population["region"].sum()),
        "in_members": int(population["in_member"].sum()), "siva_members": int(population["siva_member"].sum()),
        "neither": int(population["neither"].sum()),
        "region_neither": int(population["region_neither"].sum()),
        "other_neither": int(population["other_neither"].sum()),
        "spill_linked": int(population["spill_linked"].sum()),
        "network": net.describe(options.weighted), "network_nodes": net.graph.n, "network_ties": net.graph.m,
        "network_isolates": net.counts()["isolates"], "network_largest_component": net.counts()["largest_component"],
        "region_units_all_sizes": int(frame["region"].sum()),
        "window": f"{frame.attrs['window'][0]}–{frame.attrs['window'][1]}",
        "revenue_year": str(options.revenue_year) if options.revenue_year is not None else None,
    }])
    summary.attrs["title"] = "Population, groups and network"
    res.tables["summary"] = summary
    hyp = hypotheses(frame, options)
    comps = {m.key: compare(frame, m, options, reg.name) for m in METRICS}
    family = adjust_family(comps, hyp)
    for key, table in comps.items():
        res.tables[f"compare_{key}"] = table
        if key == "eigenvector":
            res.tables["network_structure"] = network_structure(frame, options, reg.name)
    res.tables["hypotheses"] = hyp
    timings["comparisons"] = time.perf_counter() - t

    rules = extra.get("rules")
    if rules is None:
        try:
            rules = ValueAreaRules.packaged()
        except ConfigError as exc:
            res.caveats.append(f"Critical mass, count models and value-area quotients not computed: {exc}")
    t = time.perf_counter()
    if rules is not None:
        res.tables["count_models"] = count_models(frame, rules)
    timings["count_models"] = time.perf_counter() - t

    t = time.perf_counter()
    if rules is not None:
        for k, v in critical_mass(frame, rules, options).items():
            res.tables[f"critical_{k}"] = v
    timings["critical_mass"] = time.perf_counter() - t

    t = time.perf_counter()
    if extra.get("location", True):
        _location_section(store, res, reg, options, rules)
    timings["location"] = time.perf_counter() - t

    t = time.perf_counter()
    if options.sensitivity:
        panel = sensitivity(base, data, options, reg.name)
        res.tables["sensitivity"] = panel
    timings["sensitivity"] = time.perf_counter() - t

    t = time.perf_counter()
    _fit_section(store, res, data, options, rules, int(extra.get("fit_clusters", 5)), int(extra.get("fit_top", 10)),
                 bool(extra.get("holdout", True)), int(extra.get("fit_seeds", 3)))
    timings["fit"] = time.perf_counter() - t
    res.caveats += _caveats(data, frame)
    res.meta = {"generated": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
                "options": options.as_dict(), "as_of_year": frame.attrs["as_of_year"],
                "window": list(frame.attrs["window"]), "revenue_year": options.revenue_year,
                "population": population_label(frame, options), "projection": projection_label(frame, options),
                "network": {k: v for k, v in frame.attrs["network"].items() if k != "key"},
                "family": family, "measures_run": data.measures_run,
                "backend": getattr(store, "backend", None)}
    wanted = extra.get("assessments")
    if wanted is not None and wanted is not False:
        t = time.perf_counter()
        add_absorptive(res, absorptive_section(res, store, None if wanted is True else wanted))
        timings["absorptive"] = time.perf_counter() - t
    return res


def absorptive_section(res: RegionAnalysis, store: GraphStore | None = None, assessments: pd.DataFrame | None = None
                       ) -> dict[str, pd.DataFrame]:
    """The confidential absorptive-capacity tables of an analysed region (:mod:`gds_jobs.analysis.absorptive`),
    from ``assessments`` or, when None, from the store's final assessments. ``res`` is left unchanged."""
    if res.frame is None:
        raise ConfigError("the analysis keeps no frame; run analyse_region again")
    rows = assessments if assessments is not None else load_assessments(store)
    return region_section(res.frame, rows, res.options, res.region_name,
                          population=population_label(res.frame, res.options),
                          projection=projection_label(res.frame, res.options))


#: Columns of the analysis frame that sections computed after the analysis read (:func:`section_source`).
SECTION_COLUMNS = ("orgnr", "name", "in_member", "siva_member", "region", "neither", "in_population",
                   "constraint", "constraint_weighted", "eigenvector")


def section_source(res: RegionAnalysis) -> RegionAnalysis:
    """A light copy of an analysed region for :func:`absorptive_section` later: the options, the region and
    only :data:`SECTION_COLUMNS` of the frame (with its attrs) — what a web app keeps with a cached analysis."""
    frame = None
    if res.frame is not None:
        frame = res.frame[[c for c in SECTION_COLUMNS if c in res.frame.columns]].copy()
        frame.attrs = dict(res.frame.attrs)
    return RegionAnalysis(res.region_id, res.region_name, res.options, frame=frame)


def add_absorptive(res: RegionAnalysis, tables: dict[str, pd.DataFrame]) -> None:
    """Put the absorptive-capacity tables into the report and mark the whole report confidential."""
    res.tables.update(tables)
    n = int(tables["absorptive_groups"].attrs.get("interviewed", 0))
    res.meta["confidential"] = {"reason": "advisors' absorptive-capacity assessments", "interviewed": n,
                                "tables": sorted(tables)}
    res.caveats.insert(0, f"{CONFIDENTIAL_NOTE} This report includes the absorptive-capacity section built from "
                          f"{n} interviewed organisation(s); write it without that section with --no-assessments.")


def _location_section(store: GraphStore, res: RegionAnalysis, reg: Any, options: AnalysisOptions,
                      rules: ValueAreaRules | None) -> None:
    loc = location_data(store, reg, options.benchmark_regions, options.revenue_year, options.years,
                        options.accounts_type)
    if loc.missing_regions:
        res.caveats.append(f"Benchmark regions not in the graph (location quotients without them): "
                           f"{', '.join(loc.missing_regions)}. Load the reference data (`klynge load reference`).")
    if loc.employment.empty:
        res.caveats.append("Location quotients not computed: no active unit with registered employees.")
        return
    note = (f"LQ = (region's employees in the industry / region's employees) / (Norway's employees in the industry "
            f"/ Norway's employees), from the register's employee counts of active units by business address. "
            f"strong: LQ ≥ {options.lq_threshold:g} and at least {options.lq_min_employment:,} employees in the "
            "region (the screening rule of cluster mapping, Miller et al. 2001). Benchmark regions: "
            f"{', '.join(n for n in loc.regions if n != reg.name) or 'none'}.")
    for level in ("division", "value_area"):
        if level == "value_area" and rules is None:
            continue
        lq = location_quotients(loc.employment, loc.regions, level=level, rules=rules,
                                threshold=options.lq_threshold, min_employment=options.lq_min_employment)
        lq.attrs.update({"key": f"lq_{level}", "figure": "Table 8" if level == "division" else "Table 8b",
                         "title": ("Location quotients by NACE division" if level == "division" else
                                   "Location quotients by value-creation area") + f": {reg.name} and benchmarks",
                         "notes": [note]})
        res.tables[f"lq_{level}"] = lq
    if loc.end_year is None or loc.panel.empty:
        res.caveats.append("Shift-share not computed: no firm filed accounts in both years of the window.")
        return
    codes = loc.regions.get(reg.name, ())
    for level in ("division", "value_area"):
        if level == "value_area" and rules is None:
            continue
        ss = shift_share(loc.panel, reg.name, codes, level=level, rules=rules)
        ss.attrs.update({"key": f"shift_share_{level}", "figure": "Table 9" if level == "division" else "Table 9b",
                         "title": f"Shift-share of operating revenue {loc.base_year}–{loc.end_year} by "
                                  + ("NACE division" if level == "division" else "value-creation area"),
                         "notes": [(f"Firms that filed company accounts in both {loc.base_year} and {loc.end_year} "
                                    "(NOK). change = national_share + industry_mix + regional_shift: the growth the "
                                    "region would have had at Norway's overall rate, the extra from its industry "
                                    "mix, and the rest — its own performance against the same industry in Norway. "
                                    "Revenue, not employment: the register keeps only today's employee count.")]})
        res.tables[f"shift_share_{level}"] = ss


def _fit_section(store: GraphStore, res: RegionAnalysis, data: AnalysisData, options: AnalysisOptions,
                 rules: ValueAreaRules | None, n_clusters: int, top: int, holdout: bool, seeds: int) -> None:
    """Candidate firms in the region for the best-fitting Innovasjon Norge clusters, and the evaluation."""
    model = build_model(data, options, rules)
    ctx = model.ctx
    in_ids = [c for c in ctx.cluster_ids("in") if c in model.ranked]
    if not in_ids:
        res.caveats.append("Cluster fit not computed: no Innovasjon Norge cluster has members in the graph.")
        return
    region = ctx.universe.rows(data.region_units["orgnr"].astype(str).tolist())
    ranked = []
    for cid in in_ids:
        rows, scores = model.candidate_rows(cid, top, region)
        if len(rows):
            ranked.append((float(scores.mean()), cid))
    ranked.sort(key=lambda x: (-x[0], x[1]))
    if ranked:
        tables = [cluster_table(model, cid, top, region) for _, cid in ranked[:n_clusters]]
        chosen = finish_table(store, model, pd.concat(tables, ignore_index=True), show_names=False)
        chosen = chosen.drop(columns=["details"])
        chosen.attrs.update({"title": f"Candidate firms in the region for the {min(n_clusters, len(ranked))} "
                                      "best-fitting Innovasjon Norge clusters",
                             "notes": [("Score = the sum of the parts' contributions (contrib_* columns): "
                                        + model.weights.describe() + ". Rank among every candidate firm in "
                                        "Norway. Persons appear as 'board member N'; names are shown to advisors "
                                        "in the web app.")]})
        res.tables["fit_candidates"] = chosen
    if holdout:
        ev = evaluate_fit(ctx, seeds=seeds, seed=options.seed, bootstrap=options.bootstrap,
                          confidence=options.confidence)
        ev.notes += synthetic_notes(ctx, synthetic_member_rule(store))
        for key, frame in (("fit_evaluation", ev.summary), ("fit_evaluation_differences", ev.differences),
                           ("fit_evaluation_clusters", ev.clusters)):
            frame.attrs["title"] = {"fit_evaluation": "How well the fit score finds hidden members, against "
                                                      "its baselines",
                                    "fit_evaluation_differences": "Full score minus each baseline, per cluster",
                                    "fit_evaluation_clusters": "Per cluster and variant"}[key]
            res.tables[key] = frame
        ev.summary.attrs["notes"] = [ev.verdict, *ev.notes]


def _caveats(data: AnalysisData, frame: pd.DataFrame) -> list[str]:
    out = []
    fr = data.freshness.set_index("label") if len(data.freshness) else pd.DataFrame()

    def n(label: str, col: str = "n") -> int:
        return int(fr.loc[label, col]) if label in fr.index and pd.notna(fr.loc[label, col]) else 0

    if n("Organization", "synthetic") > 0:
        out.append(f"SYNTHETIC DATA: {n('Organization', 'synthetic')} of {n('Organization')} organisations in this "
                   "graph are synthetic (generated), not Norway's registers. The numbers illustrate the method only.")
    if frame["constraint"].notna().sum() == 0:
        out.append("No network measures: no two organisations of the population share a person in the counted "
                   "seats (are the roles loaded: `klynge load roles`?); constraint and eigenvector show only missing "
                   "values.")
    for label, what in (("Grant", "grants and applications"), ("Patent", "patent applications"),
                        ("Accounts", "accounts (profitability, growth, revenue)"), ("Cluster", "clusters")):
        if n(label) == 0:
            out.append(f"No {what} are loaded; the related tables show zeros or missing values.")
    out.append("Comparisons are cross-sectional associations, not effects of membership; the count models hold "
               "size, value area and age fixed but not what made firms join a cluster.")
    out.append("Cluster member lists are curated by hand from the clusters' web pages and may be incomplete.")
    return out


# --- values for the report's files and the web app's JSON ------------------------------------------


def plain_value(v: Any) -> Any:
    """A numpy or pandas scalar as a plain Python value (NaN, infinities and missing values as None)."""
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if v is pd.NA or v is pd.NaT:
        return None
    return v


def method_notes(res: RegionAnalysis) -> list[tuple[str, str]]:
    """The method notes as (heading, plain text) pairs, written for analysts (the HTML and the JSON share them)."""
    o = res.options
    w0, w1 = res.meta.get("window", ["?", "?"])
    return [
        ("Population", f"Active organisations with at least {o.min_employees} registered employees. With population "
         "'firms' (the default, as the study's 'firms'), only organisations of the industry helix that file annual "
         "accounts: housing co-operatives, condominiums, co-ownerships, associations, foundations, public bodies, "
         "universities and research institutes are left out; sole proprietors and partnerships count when they have "
         "filed accounts. With 'all', every such organisation with a board. Every figure states its population and n."),
        ("Network", "Organisations of the population are tied when one person holds a counted seat in both: board "
         "seats (chair, deputy chair, member) by default; deputies and observers and/or the CEO with the roles "
         "option. The network is built for each choice of population and seats, so a figure's measures always come "
         "from the network of the firms it compares; its size is printed in each caption. Organisations without a "
         "counted seat are not nodes (their constraint is missing, harmonic centrality 0)."),
        ("Measures", "Burt's constraint: how much a firm's ties are to partners that are tied to each other (high = "
         "closed, cohesive network); on 0/1 ties by default (the study states no weights), on the number of shared "
         "persons with the weighted option; missing for isolates. Eigenvector centrality: computed within the "
         "largest connected component, missing elsewhere (see Fig. 9a). Harmonic centrality: mean of 1/distance to "
         "every other firm (0 when unreachable), defined for all."),
        ("Groups", "IN member: member of an Innovasjon Norge cluster (Arena, Arena Pro, GCE, NCE). SIVA member: member "
         "of a SIVA programme. Region: located in the region (by business address unless chosen otherwise). Neither: "
         "neither IN nor SIVA member. The Region row is descriptive; the region is tested with disjoint groups: its "
         "firms that are neither IN nor SIVA members against such firms elsewhere. IN and SIVA members are tested "
         "against 'neither'. Spill-over (Figs. 12–13): non-members tied in the network to an IN member against the "
         "other non-members."),
        ("Outcomes", f"Grants and awards (Forskningsrådet, Innovasjon Norge) granted and patent applications in "
         f"{w0}–{w1}, per firm and per employee. Profitability: newest filing with total assets > 0, EBITDA / total "
         "assets where EBITDA exists, operating result / total assets otherwise (the title says which). Growth: mean "
         "yearly change of ordinary result before tax over an absolute base. Ratio means are winsorised at the "
         f"population's {o.winsorize:.0%}/{1 - o.winsorize:.0%} quantiles; medians and tests use raw values. Revenue "
         f"year (critical mass, shift-share): {res.meta.get('revenue_year') or 'none'}."),
        ("Tests", f"Two-sided Mann–Whitney U (rank) tests. When the smaller group has fewer than {o.exact_below} values "
         f"the p-value comes from the permutation distribution ({o.permutations:,} random rearrangements, or all of "
         "them when they are few: an exact test), valid with ties. Groups with fewer than "
         f"{o.min_group_n} values are greyed and not tested. Every p-value is shown raw, Holm-adjusted (family-wise "
         "error) and Benjamini–Hochberg-adjusted (false discovery rate) over the report's family: "
         f"{res.meta.get('family', '')}. Read the Holm column for a claim that must hold as a whole."),
        ("Effect sizes", "Cliff's delta: the probability that a firm of the group scores higher than one of the "
         "comparison group minus the reverse (−1 to 1; about 0.15 small, 0.33 medium, 0.47 large), with Cliff's "
         "asymmetric 95 % interval. Hodges–Lehmann shift: the median of all differences between a firm of the group "
         "and one of the comparison group, in the figure's unit, with its distribution-free 95 % interval. Means "
         f"carry a {o.confidence:.0%} percentile bootstrap interval ({o.bootstrap} resamples, seed {o.seed})."),
        ("Count models", "Negative-binomial regressions of grants and of patents on IN, SIVA and Region membership "
         "with log(employees), value area and firm age as controls (statsmodels). Coefficients are incidence-rate "
         "ratios with 95 % intervals; a fit that does not converge is reported as such, without numbers."),
        ("Sensitivity", "Every test is run again for each population (firms, all) × seats (board, with deputies, "
         "with the CEO, all) × constraint weighting, on that option set's own network, and adjusted with Holm. "
         "Cells whose direction or significance differs from the report's choice are marked."),
        ("Location quotients and shift-share", f"LQ = region's share of employment in an industry / Norway's share, "
         "from the register's employee counts of active units by business address, by NACE division and value area. "
         f"Strong: LQ ≥ {o.lq_threshold:g} and at least {o.lq_min_employment} employees in the region (the screening "
         "rule of cluster mapping, Miller et al. 2001). The benchmark regions give 'weak' and 'strong' a yardstick. "
         "Shift-share splits the change of operating revenue of firms filing in both years into national share, "
         "industry mix and regional shift (Dunn 1960)."),
        ("Critical mass", f"The region's {o.top_n} largest units by operating revenue in the revenue year, leaving out "
         "resale and savings banks, grouped by value-creation area (longest NACE prefix; the mapping is printed under "
         "Table 5 and is Klynge's own reading of the study). Every area is listed, also those without a firm."),
        ("Cluster fit", "Candidates are the population's firms, never a cluster's members. Score = Σ weight × part "
         "over named parts: industry (shares of members with the same NACE codes, the same value chain — the value "
         "areas of Table 5 — and related industries learnt from which divisions go together in clusters), network "
         "(members sharing a board member, 1/steps to the nearest member, personalised PageRank from the members on "
         "the firm–firm interlock network) and geography (members in the same county and municipality, the host "
         "county). Weights: a logistic regression of 'hidden member' on the parts, fitted on Innovasjon Norge "
         "clusters with a fifth of their candidate members hidden; parts that would get a negative weight are left "
         "out. Evaluation: hidden members ranked among every candidate, weights cross-fitted over folds of "
         "clusters, hit@10, hit@50, mean reciprocal rank and AUC with 95 % bootstrap intervals over clusters, "
         "against random, industry-only, NACE-overlap-only, network-only, geography-only and the earlier fixed "
         "score."),
    ] + ([ABSORPTIVE_NOTE] if "absorptive_groups" in res.tables else [])


ABSORPTIVE_NOTE = (
    "Absorptive capacity (confidential)",
    "Advisors' interview assessments on the scale of Flatten, Engelen, Zahra and Brettel (2011): 7-point items in "
    "four dimensions (acquisition, assimilation, transformation, exploitation); a dimension's score is the mean of "
    "its items, the overall score the mean of the four. Each organisation counts with its latest final "
    "assessment. Groups as in the figures above, over every interviewed organisation of this analysis; medians and "
    "means with percentile bootstrap intervals; fewer interviews than the minimum group size are marked small_n. "
    "Spearman correlations with constraint and eigenvector centrality over interviewed firms of the population, "
    "with Fisher-z intervals and Holm / Benjamini-Hochberg p over those ten correlations only. Interviews are few "
    "and chosen by advisors, not sampled: read the section as a description of those firms.")


#: Plain names of the columns of the CSV and JSON tables (the method notes print them).
COLUMN_NOTES: dict[str, str] = {
    "label": "the group", "members": "organisations of the population in the group",
    "n": "members with a value", "missing": "members without a value",
    "mean": "mean (winsorised for ratios)", "ci_low / ci_high": "95 % bootstrap interval of the mean",
    "median": "median of the raw values", "compared_with": "the group this group is tested against",
    "test": "which test gave p_raw (or why none)", "p_raw": "p-value of the test",
    "p_holm": "p adjusted by Holm over the report's family", "p_bh": "p adjusted by Benjamini–Hochberg",
    "cliffs_delta (_ci_low, _ci_high)": "Cliff's delta and its 95 % interval",
    "hl_shift (hl_ci_low, hl_ci_high)": "Hodges–Lehmann shift and its 95 % interval",
    "small_group": "fewer values than the minimum for a test (greyed)",
    "share_isolated / share_in_largest_component": "shares of the group's members",
    "irr (irr_ci_low, irr_ci_high)": "incidence-rate ratio of a count model term and its 95 % interval",
    "lq": "location quotient", "strong": "LQ at or above the threshold with the minimum employment",
    "national_share / industry_mix / regional_shift": "the parts of a shift-share change (NOK)",
    "sign_changed / significance_changed": "sensitivity cell differs from the report's choice",
}


def text_value(v: Any) -> str | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)


def figure_data(res: RegionAnalysis) -> list[dict[str, Any]]:
    """Per figure, what a chart needs: title, population, network, n per group, estimates with CIs, p raw /
    Holm / BH and effect sizes with CIs (the web page and report.json share it)."""
    out = []
    for m in METRICS:
        df = res.tables.get(f"compare_{m.key}")
        if df is None:
            continue
        groups = []
        for r in df.to_dict("records"):
            groups.append({
                "group": r["group"], "label": r["label"], "members": plain_value(r["members"]), "n": plain_value(r["n"]),
                "missing": plain_value(r["missing"]), "small_group": bool(r["small_group"]),
                "mean": plain_value(r["mean"]), "mean_ci": [plain_value(r["ci_low"]), plain_value(r["ci_high"])],
                "median": plain_value(r["median"]), "compared_with": text_value(r["compared_with"]), "test": text_value(r["test"]),
                "p": {"raw": plain_value(r["p_raw"]), "holm": plain_value(r["p_holm"]), "bh": plain_value(r["p_bh"])},
                "cliffs_delta": {"estimate": plain_value(r["cliffs_delta"]),
                                 "ci": [plain_value(r["cliffs_delta_ci_low"]), plain_value(r["cliffs_delta_ci_high"])]},
                "hodges_lehmann": {"estimate": plain_value(r["hl_shift"]),
                                   "ci": [plain_value(r["hl_ci_low"]), plain_value(r["hl_ci_high"])]}})
        out.append({"key": m.key, "figure": m.figure, "title": df.attrs.get("title"), "unit": m.unit,
                    "population": df.attrs.get("population"), "projection": df.attrs.get("projection"),
                    "family": df.attrs.get("family"), "notes": df.attrs.get("notes"), "groups": groups})
    return out


def region_tables(store: GraphStore, region_id: str, **opts: Any) -> dict[str, pd.DataFrame]:
    """The report's tables keyed by title (for the web app's region page); no hold-out evaluation."""
    opts.setdefault("holdout", False)
    res = analyse_region(store, region_id, **opts)
    out = {}
    for name, df in res.tables.items():
        title = df.attrs.get("title") or name
        fig = df.attrs.get("figure")
        out[f"{fig}: {title}" if fig and not str(title).startswith(fig) else str(title)] = df
    return out
