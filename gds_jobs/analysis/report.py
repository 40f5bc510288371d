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
import html
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gds_jobs.analysis import charts
from gds_jobs.analysis.compare import (
    METRICS,
    adjust_family,
    compare,
    hypotheses,
    network_structure,
    population_label,
    projection_label,
)
from gds_jobs.analysis.absorptive import CONFIDENTIAL_NOTE, SCORES, region_section
from gds_jobs.analysis.critical import critical_mass
from gds_jobs.analysis.data import AnalysisData, load_data, location_data
from gds_jobs.analysis.data import assessments as load_assessments
from gds_jobs.analysis.fit import build_model, cluster_table, finish_table, synthetic_notes
from gds_jobs.analysis.fiteval import evaluate as evaluate_fit
from gds_jobs.analysis.frame import (
    base_frame,
    fixed_revenue_year,
    with_population,
)
from gds_jobs.analysis.location import location_quotients, shift_share
from gds_jobs.analysis.models import count_models
from gds_jobs.analysis.options import AnalysisOptions
from gds_jobs.analysis.sensitivity import sensitivity, sensitivity_matrix
from gds_jobs.analysis.valueareas import ValueAreaRules
from klynge.errors import ConfigError, KlyngeError

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


def analyse_region(store: Any, region: str, *, data: AnalysisData | None = None, **opts: Any) -> RegionAnalysis:
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
            rules = ValueAreaRules.from_reference()
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


def absorptive_section(res: RegionAnalysis, store: Any = None, assessments: pd.DataFrame | None = None
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


def _location_section(store: Any, res: RegionAnalysis, reg: Any, options: AnalysisOptions,
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


def _fit_section(store: Any, res: RegionAnalysis, data: AnalysisData, options: AnalysisOptions,
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
        ev.notes += synthetic_notes(ctx)
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


# --- writing --------------------------------------------------------------------------------------

def _plain(v: Any) -> Any:
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


def table_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _plain(v) for k, v in r.items()} for r in df.to_dict("records")]


def _fmt(v: Any) -> str:
    v = _plain(v)
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if v != 0 and (abs(v) < 0.001 or abs(v) >= 1e6):
            return f"{v:.3g}"
        return f"{v:,.3f}".rstrip("0").rstrip(".") if abs(v) < 1000 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def html_table(df: pd.DataFrame, max_rows: int = 200) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for r in df.head(max_rows).itertuples(index=False):
        body.append("<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in r) + "</tr>")
    more = f"<p class='more'>{len(df) - max_rows} more rows in the CSV.</p>" if len(df) > max_rows else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


CSS = """body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:76rem;color:#222;line-height:1.4}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2.2rem;border-bottom:1px solid #ccc}h3{font-size:1.05rem}
table{border-collapse:collapse;font-size:.8rem;margin:.5rem 0}th,td{border:1px solid #ddd;padding:.2rem .45rem;
text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.caveat{background:#fff4e0;
border-left:4px solid #d9822b;padding:.4rem .8rem;margin:.3rem 0}.synthetic{background:#fde2e2;border-color:#b00}
.note{color:#555;font-size:.85rem}.chart svg{max-width:100%;height:auto}.more{font-size:.8rem;color:#777}
tr.small td{color:#9a9a9a;background:#fafafa}.caption{font-size:.85rem;background:#f6f8fa;padding:.35rem .6rem;
border-left:3px solid #8aa}td.changed{background:#fde2e2}td.sig{font-weight:600}dt{font-weight:600}dd{margin:0 0 .4rem 1rem}"""


def _section(title: str, body: str) -> str:
    return f"<h2>{html.escape(title)}</h2>\n{body}"


def _notes(df: pd.DataFrame) -> str:
    notes = df.attrs.get("notes") or []
    return "".join(f"<p class='note'>{html.escape(str(n))}</p>" for n in notes)


def _titled(df: pd.DataFrame) -> str:
    fig, title = df.attrs.get("figure"), df.attrs.get("title", "")
    return f"<h3>{html.escape(f'{fig}: {title}' if fig else title)}</h3>"


def _caption(df: pd.DataFrame) -> str:
    """Population, network, n per group and the test family of a figure."""
    parts = []
    if df.attrs.get("population"):
        parts.append(f"<b>Population:</b> {html.escape(df.attrs['population'])}")
    if df.attrs.get("projection"):
        parts.append(f"<b>Network:</b> {html.escape(df.attrs['projection'])}")
    if "n" in df and "label" in df:
        parts.append("<b>n:</b> " + html.escape("; ".join(f"{lbl} {int(n):,}" for lbl, n in
                                                            zip(df["label"], df["n"], strict=True))))
    if df.attrs.get("family"):
        parts.append(f"<b>Adjusted over:</b> {html.escape(df.attrs['family'])}")
    return f"<p class='caption'>{' · '.join(parts)}</p>" if parts else ""


def _interval(lo: Any, hi: Any) -> str:
    a, b = _plain(lo), _plain(hi)
    return "–" if a is None or b is None else f"{_fmt(a)} to {_fmt(b)}"


def _p(v: Any) -> str:
    v = _plain(v)
    if v is None:
        return "–"
    return "< 0.0001" if v < 0.0001 else f"{v:.4f}"


COMPARISON_HEAD = ("group", "members", "n", "missing", "mean", "95 % CI of mean", "median", "compared with", "test",
                   "p raw", "p Holm", "p BH", "Cliff's delta", "95 % CI", "Hodges–Lehmann shift", "95 % CI")


def comparison_html(df: pd.DataFrame) -> str:
    """A comparison table: small groups greyed (no test), p raw/Holm/BH, effect sizes with intervals."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in COMPARISON_HEAD)
    body = []
    for r in df.to_dict("records"):
        cls = " class='small'" if r.get("small_group") else ""
        cells = [r["label"], _fmt(r["members"]), _fmt(r["n"]), _fmt(r["missing"]), _fmt(r["mean"]),
                 _interval(r["ci_low"], r["ci_high"]), _fmt(r["median"]), _text(r.get("compared_with")) or "–",
                 _text(r.get("test")) or "–", _p(r["p_raw"]), _p(r["p_holm"]), _p(r["p_bh"]), _fmt(r["cliffs_delta"]),
                 _interval(r["cliffs_delta_ci_low"], r["cliffs_delta_ci_high"]), _fmt(r["hl_shift"]),
                 _interval(r["hl_ci_low"], r["hl_ci_high"])]
        body.append(f"<tr{cls}>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def sensitivity_html(panel: pd.DataFrame) -> str:
    """The sensitivity matrix: one row per finding, one column per option set; changed cells marked."""
    m = sensitivity_matrix(panel)
    if m.empty:
        return "<p class='note'>No tests to compare.</p>"
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in m.columns)
    body = []
    for r in m.itertuples(index=False):
        cells = []
        for i, v in enumerate(r):
            text = "–" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
            cls = " class='changed'" if i >= 2 and text.endswith("!") else \
                " class='sig'" if i >= 2 and text.endswith("*") else ""
            cells.append(f"<td{cls}>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<div style='overflow-x:auto'><table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody>"
            "</table></div>")


def render_html(res: RegionAnalysis) -> str:
    """The report as one HTML document (inline CSS and SVG; no external resources)."""
    t = res.tables
    o = res.options
    parts = [(f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Cluster potential: "
             f"{html.escape(res.region_name)}</title><style>{CSS}</style></head><body>"),
             f"<h1>Cluster potential in {html.escape(res.region_name)}</h1>",
             (f"<p class='note'>Generated {html.escape(str(res.meta.get('generated')))} · grants and patents "
             f"{html.escape(str(t['summary']['window'].iloc[0]))} · revenue year "
             f"{html.escape(str(res.meta.get('revenue_year') or '–'))} · population: "
             f"{html.escape(o.population)}, at least {o.min_employees} employees · seats: {html.escape(o.roles)} · "
             f"constraint on {'tie weights' if o.weighted else '0/1 ties'}</p>")]
    for c in res.caveats:
        cls = "caveat synthetic" if c.startswith(("SYNTHETIC", "CONFIDENTIAL")) else "caveat"
        parts.append(f"<div class='{cls}'>{html.escape(c)}</div>")
    parts.append(_section("Population, groups and network", html_table(t["summary"].T.reset_index().set_axis(
        ["", "value"], axis=1))))
    parts.append(f"<p class='note'>Every p-value is shown raw and adjusted (Holm; Benjamini–Hochberg) over the "
                 f"report's family: {html.escape(str(res.meta.get('family', '')))}. Groups with fewer than "
                 f"{o.min_group_n} values are greyed and not tested. Effect sizes: Cliff's delta (−1 to 1) and the "
                 "Hodges–Lehmann shift (in the figure's unit), each with a 95 % interval.</p>")
    for m in METRICS:
        df = t.get(f"compare_{m.key}")
        if df is None:
            continue
        parts.append(_section(f"{m.figure}: {df.attrs.get('title', m.title)}",
                              _caption(df) + f"<div class='chart'>{charts.comparison_chart(df)}</div>"
                              + comparison_html(df) + _notes(df)))
        if m.key == "eigenvector" and "network_structure" in t:
            ns = t["network_structure"]
            parts.append(_section(f"{ns.attrs['figure']}: {ns.attrs['title']}", _caption(ns) + html_table(
                ns.drop(columns=["group"])) + _notes(ns) + EIGENVECTOR_NOTE))
    hyp = t["hypotheses"]
    parts.append(_section("Hypotheses as rank correlations", _caption(hyp) + html_table(hyp) + _notes(hyp)))
    if "absorptive_groups" in t:
        parts.append(absorptive_html(t))
    if "count_models" in t:
        cm = t["count_models"]
        parts.append(_section(f"{cm.attrs['figure']}: {cm.attrs['title']}",
                              f"<p class='caption'><b>Population:</b> {html.escape(str(res.meta.get('population')))}"
                              "</p>" + html_table(cm) + _notes(cm)))
    if "sensitivity" in t:
        sp = t["sensitivity"]
        parts.append(_section(sp.attrs.get("title", "Sensitivity"),
                              "<p class='note'>Each cell: Cliff's delta (Spearman's rho for the hypotheses) and the "
                              "Holm-adjusted p of that option set; <b>*</b> significant after Holm; <b>!</b> and "
                              "red: the direction or the significance differs from the report's choice (first "
                              "column). Columns: population · seats · constraint weighting.</p>"
                              + sensitivity_html(sp) + _notes(sp)))
    for key in ("lq_division", "lq_value_area", "shift_share_division", "shift_share_value_area"):
        if key in t:
            df = t[key]
            parts.append(_section(f"{df.attrs['figure']}: {df.attrs['title']}", html_table(df, 400) + _notes(df)))
    if "critical_table5" in t:
        t5 = t["critical_table5"]
        chart = charts.bar_chart(list(t5["area_name"]), list(t5["firms"]), title="Firms per value-creation area",
                                 ylabel="firms")
        parts.append(_section(f"Critical mass (Table 5, revenue year {res.meta.get('revenue_year') or '–'})",
                              f"<div class='chart'>{chart}</div>" + html_table(t5) + html_table(t["critical_steps"])
                              + _titled(t["critical_value_areas"]) + html_table(t["critical_value_areas"])
                              + _notes(t["critical_value_areas"])))
        parts.append(_section("Employee bands (Table 6)", html_table(t["critical_table6"])))
        parts.append(_section("Critical-mass flags", html_table(t["critical_flags"]) + _notes(t["critical_flags"])))
        nb = t["critical_nace_breakdown"]
        figs = []
        for i, area in enumerate(_breakdown_areas(t5)):
            part = nb[nb["area_name"] == area]
            figs.append(f"<h3>Fig. {16 + i}: {html.escape(str(area))} by NACE code</h3><div class='chart'>"
                        + charts.bar_chart(list(part["code"].astype(str)), list(part["firms"]),
                                           title=f"{area}: firms per NACE code", ylabel="firms")
                        + charts.bar_chart(list(part["code"].astype(str)), list(part["revenue_nok_1000"]),
                                           title=f"{area}: operating revenue per NACE code",
                                           ylabel="NOK 1000") + "</div>")
        parts.append(_section("Inside the largest areas (Figs. 16–17)", "".join(figs) + html_table(nb)))
        parts.append(_section("The region's largest units", html_table(t["critical_top_firms"], 50)))
    if "fit_candidates" in t:
        parts.append(_section("Which firms fit which clusters", html_table(t["fit_candidates"].drop(
            columns=["path"], errors="ignore"), 60) + _notes(t["fit_candidates"])))
    if "fit_evaluation" in t:
        parts.append(_section("How well the fit score finds known members (leave members out)",
                              html_table(t["fit_evaluation"]) + html_table(t["fit_evaluation_differences"])
                              + _notes(t["fit_evaluation"]) + html_table(t["fit_evaluation_clusters"], 60)))
    fresh = res.freshness if len(res.freshness) else pd.DataFrame(columns=["label", "n", "as_of", "synthetic"])
    parts.append(_section("Data freshness", html_table(fresh)))
    parts.append(_section("Method notes", method_notes_html(res)))
    parts.append("<p class='note'>Tables as CSV and JSON: <code>tables/</code> beside this file and "
                 "<code>report.json</code>.</p></body></html>")
    return "\n".join(parts)


def absorptive_html(t: dict[str, pd.DataFrame]) -> str:
    """The confidential section: group scores, correlations with the network, the interviewed firms."""
    g, c, f = t["absorptive_groups"], t["absorptive_correlations"], t["absorptive_firms"]
    body = [f"<div class='caveat synthetic'>{html.escape(CONFIDENTIAL_NOTE)}</div>", _titled(g), _caption(g)]
    for score, title in SCORES.items():
        part = g[g["score"] == score]
        body.append(f"<h4>{html.escape(title)}</h4>" + _small_rows(part.drop(columns=["score", "score_title", "group"])))
    body += [_notes(g), _titled(c), html_table(c), _notes(c), _titled(f), html_table(f, 500)]
    return _section("Absorptive capacity: what advisors' interviews found (confidential)", "".join(body))


def _small_rows(df: pd.DataFrame) -> str:
    """A table whose small-n rows are greyed."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for r in df.to_dict("records"):
        cls = " class='small'" if r.get("small_n") else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in r.values()) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


EIGENVECTOR_NOTE = ("<p class='note'>Why eigenvector centrality alone misleads on interlock graphs: board interlock "
                    "networks fall apart into one large component and many small ones. The leading eigenvector of such "
                    "a graph lives on the largest component only, so every firm outside it scores exactly 0 however "
                    "well it is tied locally, and inside it a few dozen densely tied firms carry almost all the weight. "
                    "Group medians are then 0 and a test of raw scores compares how many firms each group has in the "
                    "largest component. Klynge computes eigenvector centrality within that component (others are "
                    "missing), shows the shares of isolated firms and of firms in the component here, and adds "
                    "harmonic centrality (Fig. 9b), which is defined for every firm.</p>")


STUDY_BREAKDOWN = ("bygg_anlegg", "energi_miljo")  # the study's Figs. 16 and 17


def _breakdown_areas(t5: pd.DataFrame) -> list[str]:
    """The study's two areas when present, otherwise the two areas with most firms (never "other")."""
    by_id = dict(zip(t5["area"], t5["area_name"], strict=True))
    chosen = [by_id[a] for a in STUDY_BREAKDOWN if a in by_id]
    other = t5.attrs.get("other_id")
    for name in t5.loc[t5["area"] != other, "area_name"]:
        if len(chosen) >= 2:
            break
        if name not in chosen:
            chosen.append(name)
    return chosen[:2]


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


def method_notes_html(res: RegionAnalysis) -> str:
    notes = "".join(f"<h3>{html.escape(h)}</h3><p class='note'>{html.escape(text)}</p>"
                    for h, text in method_notes(res))
    glossary = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in COLUMN_NOTES.items())
    return notes + f"<h3>Columns of the tables (CSV and JSON)</h3><dl class='note'>{glossary}</dl>"


def _text(v: Any) -> str | None:
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
                "group": r["group"], "label": r["label"], "members": _plain(r["members"]), "n": _plain(r["n"]),
                "missing": _plain(r["missing"]), "small_group": bool(r["small_group"]),
                "mean": _plain(r["mean"]), "mean_ci": [_plain(r["ci_low"]), _plain(r["ci_high"])],
                "median": _plain(r["median"]), "compared_with": _text(r["compared_with"]), "test": _text(r["test"]),
                "p": {"raw": _plain(r["p_raw"]), "holm": _plain(r["p_holm"]), "bh": _plain(r["p_bh"])},
                "cliffs_delta": {"estimate": _plain(r["cliffs_delta"]),
                                 "ci": [_plain(r["cliffs_delta_ci_low"]), _plain(r["cliffs_delta_ci_high"])]},
                "hodges_lehmann": {"estimate": _plain(r["hl_shift"]),
                                   "ci": [_plain(r["hl_ci_low"]), _plain(r["hl_ci_high"])]}})
        out.append({"key": m.key, "figure": m.figure, "title": df.attrs.get("title"), "unit": m.unit,
                    "population": df.attrs.get("population"), "projection": df.attrs.get("projection"),
                    "family": df.attrs.get("family"), "notes": df.attrs.get("notes"), "groups": groups})
    return out


def write_region_report(store: Any, region_id: str, out_dir: str | Path, **opts: Any) -> Path:
    """Write the region report to ``out_dir`` and return the path of ``index.html``.

    Parameters
    ----------
    store : a GraphStore.
    region_id : region id or name.
    out_dir : created if missing; files in it are overwritten.
    **opts : see :func:`analyse_region`.

    Raises
    ------
    ConfigError
        When the region is unknown or an option is invalid.
    KlyngeError
        When the output directory cannot be written.
    """
    res = analyse_region(store, region_id, **opts)
    return write_analysis(res, out_dir)


def write_analysis(res: RegionAnalysis, out_dir: str | Path) -> Path:
    """Write an analysed region (HTML, report.json, tables/*.csv|json); returns the HTML path."""
    out = Path(out_dir)
    t = time.perf_counter()
    try:
        (out / "tables").mkdir(parents=True, exist_ok=True)
        doc: dict[str, Any] = {"region_id": res.region_id, "region": res.region_name, "meta": res.meta,
                               "caveats": res.caveats, "freshness": table_records(res.freshness),
                               "figures": figure_data(res),
                               "method_notes": [{"heading": h, "text": x} for h, x in method_notes(res)],
                               "columns": COLUMN_NOTES, "tables": {}}
        for name, df in res.tables.items():
            df.to_csv(out / "tables" / f"{name}.csv", index=False)
            records = table_records(df)
            entry = {"title": df.attrs.get("title"), "figure": df.attrs.get("figure"),
                     "population": df.attrs.get("population"), "projection": df.attrs.get("projection"),
                     "family": df.attrs.get("family"), "notes": df.attrs.get("notes"), "rows": records}
            (out / "tables" / f"{name}.json").write_text(json.dumps(entry, ensure_ascii=False, indent=1, default=str),
                                                        encoding="utf-8")
            doc["tables"][name] = entry
        res.timings["write"] = time.perf_counter() - t
        doc["meta"]["timings_s"] = {k: round(v, 3) for k, v in res.timings.items()}
        (out / "report.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        page = out / "index.html"
        page.write_text(render_html(res), encoding="utf-8")
    except OSError as exc:
        raise KlyngeError(f"cannot write the region report to {out}: {exc}; choose a writable --out directory") from exc
    return page


def region_tables(store: Any, region_id: str, **opts: Any) -> dict[str, pd.DataFrame]:
    """The report's tables keyed by title (for the web app's region page); no hold-out evaluation."""
    opts.setdefault("holdout", False)
    res = analyse_region(store, region_id, **opts)
    out = {}
    for name, df in res.tables.items():
        title = df.attrs.get("title") or name
        fig = df.attrs.get("figure")
        out[f"{fig}: {title}" if fig and not str(title).startswith(fig) else str(title)] = df
    return out
