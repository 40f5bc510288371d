"""The region report: one self-contained HTML file plus CSV and JSON of every table.

``write_region_report(store, region, out_dir)`` reads the graph once
(:func:`gds_jobs.analysis.data.load_data`), computes the group comparisons, the
hypotheses, critical mass and the cluster-fit candidates with their hold-out
evaluation, and writes::

    out_dir/index.html        charts (inline SVG), tables, method notes, freshness, caveats
    out_dir/report.json       every table and the metadata
    out_dir/tables/<name>.csv one CSV per table
    out_dir/tables/<name>.json
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
from gds_jobs.analysis.compare import METRICS, compare_all, hypotheses
from gds_jobs.analysis.critical import critical_mass
from gds_jobs.analysis.data import AnalysisData, load_data
from gds_jobs.analysis.fit import (
    FitOptions,
    cluster_candidates,
    evaluate_holdout,
    for_fit,
    path_org_names,
)
from gds_jobs.analysis.frame import build_frame, cluster_kinds, current_memberships
from gds_jobs.analysis.network import InterlockGraph
from gds_jobs.analysis.options import AnalysisOptions
from gds_jobs.analysis.valueareas import ValueAreaRules
from klynge.errors import ConfigError, KlyngeError

REPORT_KEYS = ("measures", "rules", "fit_clusters", "fit_top", "holdout")


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
        ``measures`` (frame or provider), ``rules`` (:class:`ValueAreaRules`),
        ``fit_clusters`` (clusters shown with candidates, default 5), ``fit_top`` (10),
        ``holdout`` (run the hold-out evaluation, default True).
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
    frame = build_frame(data, options)
    timings["frame"] = time.perf_counter() - t
    res = RegionAnalysis(reg.region_id, reg.name, options, freshness=data.freshness, timings=timings)

    t = time.perf_counter()
    population = frame[frame["in_population"].astype(bool)]
    summary = pd.DataFrame([{
        "region": reg.name, "region_id": reg.region_id, "municipalities": ", ".join(reg.municipalities),
        "population": len(population), "population_in_region": int(population["region"].sum()),
        "in_members": int(population["in_member"].sum()), "siva_members": int(population["siva_member"].sum()),
        "neither": int(population["neither"].sum()), "spill_linked": int((population["spill_linked"]
                                                                          & ~population["in_member"]).sum()),
        "region_units_all_sizes": int(frame["region"].sum()), "window": f"{frame.attrs['window'][0]}–"
                                                                          f"{frame.attrs['window'][1]}",
        "measures_run": data.measures_run,
    }])
    summary.attrs["title"] = "Population and groups"
    res.tables["summary"] = summary
    for key, table in compare_all(frame, options, reg.name).items():
        res.tables[f"compare_{key}"] = table
    res.tables["hypotheses"] = hypotheses(frame)
    timings["comparisons"] = time.perf_counter() - t

    t = time.perf_counter()
    rules = extra.get("rules")
    if rules is None:
        try:
            rules = ValueAreaRules.from_reference()
        except ConfigError as exc:
            res.caveats.append(f"Critical mass not computed: {exc}")
    if rules is not None:
        for k, v in critical_mass(frame, rules, options).items():
            res.tables[f"critical_{k}"] = v
    timings["critical_mass"] = time.perf_counter() - t

    t = time.perf_counter()
    _fit_section(store, res, frame, data, options, int(extra.get("fit_clusters", 5)),
                 int(extra.get("fit_top", 10)), bool(extra.get("holdout", True)))
    timings["fit"] = time.perf_counter() - t
    res.caveats += _caveats(data, frame)
    res.meta = {"generated": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
                "options": options.as_dict(), "as_of_year": frame.attrs["as_of_year"],
                "window": list(frame.attrs["window"]), "measures_run": data.measures_run,
                "backend": getattr(store, "backend", None)}
    return res


def _fit_section(store: Any, res: RegionAnalysis, frame: pd.DataFrame, data: AnalysisData,
                 options: AnalysisOptions, n_clusters: int, top: int, holdout: bool) -> None:
    mem = current_memberships(data, options)
    kinds = cluster_kinds(data.clusters, options)
    in_ids = sorted(set(mem["cluster_id"]) & set(kinds.loc[kinds["is_in"], "cluster_id"]))
    if not in_ids:
        res.caveats.append("Cluster fit not computed: no Innovasjon Norge cluster has members in the graph.")
        return
    frame = for_fit(frame)
    graph = InterlockGraph(data.seats, extra_orgnrs=frame["orgnr"])
    fopts = FitOptions()
    members = {cid: sorted(set(mem.loc[mem["cluster_id"] == cid, "orgnr"].astype(str))) for cid in in_ids}
    pprs = graph.ppr([members[cid] for cid in in_ids], fopts.damping, fopts.iterations)
    ppr_of = {cid: pprs[:, j] for j, cid in enumerate(in_ids)}
    ranked = []
    for cid in in_ids:
        cand = cluster_candidates(frame, data, graph, cid, options, fopts, top, ppr=ppr_of[cid],
                                  member_ids=members[cid])
        if len(cand):
            ranked.append((float(cand["score"].mean()), cid, cand))
    ranked.sort(key=lambda x: (-x[0], x[1]))
    if ranked:
        best = ranked[:n_clusters]
        extra_names: dict[str, str] = {}
        for _, _, c in best:
            extra_names.update(path_org_names(store, c, frame))
        if extra_names:
            best = [(s, cid, cluster_candidates(frame, data, graph, cid, options, fopts, top, None, extra_names,
                                                ppr=ppr_of[cid], member_ids=members[cid])) for s, cid, _ in best]
        chosen = pd.concat([c for _, _, c in best], ignore_index=True)
        names = data.clusters.set_index("cluster_id")["name"]
        chosen.insert(2, "cluster", chosen["cluster_id"].map(names))
        chosen.attrs.update({"title": f"Candidate firms in the region for the {min(n_clusters, len(ranked))} "
                                      "best-fitting Innovasjon Norge clusters",
                             "notes": [("Score = 0.4 industry + 0.3 network + 0.1 helix + 0.2 geography; "
                                       "contrib_* columns show each part. Persons appear by pseudonymous key.")]})
        res.tables["fit_candidates"] = chosen
    if holdout:
        per, summary = evaluate_holdout(frame, data, graph, options, fopts, clusters=in_ids)
        res.tables["fit_holdout_summary"] = summary
        res.tables["fit_holdout_clusters"] = per


def _caveats(data: AnalysisData, frame: pd.DataFrame) -> list[str]:
    out = []
    fr = data.freshness.set_index("label") if len(data.freshness) else pd.DataFrame()

    def n(label: str, col: str = "n") -> int:
        return int(fr.loc[label, col]) if label in fr.index and pd.notna(fr.loc[label, col]) else 0

    if n("Organization", "synthetic") > 0:
        out.append(f"SYNTHETIC DATA: {n('Organization', 'synthetic')} of {n('Organization')} organisations in this "
                   "graph are synthetic (generated), not Norway's registers. The numbers illustrate the method only.")
    if frame["constraint"].notna().sum() == 0:
        out.append("No network measures: run the measures job (`klynge jobs run`) before comparing constraint and "
                   "eigenvector centrality; both comparisons show only missing values.")
    for label, what in (("Grant", "grants and applications"), ("Patent", "patent applications"),
                        ("Accounts", "accounts (profitability, growth, revenue)"), ("Cluster", "clusters")):
        if n(label) == 0:
            out.append(f"No {what} are loaded; the related tables show zeros or missing values.")
    out.append("Profitability uses operating result / total assets wherever EBITDA is missing (the open accounts "
               "data carries no depreciation); the basis counts are in the Fig. 14 notes.")
    out.append("Groups overlap (a region firm can be an IN member); comparisons are cross-sectional associations, "
               "not effects of membership.")
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


CSS = """body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:70rem;color:#222;line-height:1.4}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2.2rem;border-bottom:1px solid #ccc}h3{font-size:1.05rem}
table{border-collapse:collapse;font-size:.82rem;margin:.5rem 0}th,td{border:1px solid #ddd;padding:.2rem .45rem;
text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.caveat{background:#fff4e0;
border-left:4px solid #d9822b;padding:.4rem .8rem;margin:.3rem 0}.synthetic{background:#fde2e2;border-color:#b00}
.note{color:#555;font-size:.85rem}.chart svg{max-width:100%;height:auto}.more{font-size:.8rem;color:#777}"""


def _section(title: str, body: str) -> str:
    return f"<h2>{html.escape(title)}</h2>\n{body}"


def _notes(df: pd.DataFrame) -> str:
    notes = df.attrs.get("notes") or []
    return "".join(f"<p class='note'>{html.escape(str(n))}</p>" for n in notes)


def render_html(res: RegionAnalysis) -> str:
    """The report as one HTML document (inline CSS and SVG; no external resources)."""
    t = res.tables
    parts = [(f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Cluster potential: "
             f"{html.escape(res.region_name)}</title><style>{CSS}</style></head><body>"),
             f"<h1>Cluster potential in {html.escape(res.region_name)}</h1>",
             (f"<p class='note'>Generated {html.escape(str(res.meta.get('generated')))} · grants and patents "
             f"{html.escape(str(t['summary']['window'].iloc[0]))} · measures run "
             f"{html.escape(str(res.meta.get('measures_run') or 'none'))}</p>")]
    for c in res.caveats:
        cls = "caveat synthetic" if c.startswith("SYNTHETIC") else "caveat"
        parts.append(f"<div class='{cls}'>{html.escape(c)}</div>")
    parts.append(_section("Population and groups", html_table(t["summary"].T.reset_index().set_axis(
        ["", "value"], axis=1))))
    parts.append("<p class='note'>Population: active units with at least "
                 f"{res.options.min_employees} employees. IN member: member of a cluster at level "
                 f"{', '.join(res.options.in_levels)}; SIVA member: programme {', '.join(res.options.siva_programmes)};"
                 f" Region: located in the region by {res.options.region_by}; reference group for the Mann–Whitney "
                 f"U tests: {html.escape(res.options.reference_group)}. Means carry a {res.options.confidence:.0%} "
                 f"percentile bootstrap interval ({res.options.bootstrap} resamples, seed {res.options.seed}).</p>")
    for m in METRICS:
        df = t.get(f"compare_{m.key}")
        if df is None:
            continue
        parts.append(_section(f"{m.figure}: {m.title}", f"<div class='chart'>{charts.comparison_chart(df)}</div>"
                              + html_table(df.drop(columns=["group"])) + _notes(df)))
    parts.append(_section("Hypotheses as rank correlations", html_table(t["hypotheses"]) + _notes(t["hypotheses"])))
    if "critical_table5" in t:
        t5 = t["critical_table5"]
        chart = charts.bar_chart(list(t5["area_name"]), list(t5["firms"]), title="Firms per value-creation area",
                                 ylabel="firms")
        parts.append(_section("Critical mass (Table 5)", f"<div class='chart'>{chart}</div>" + html_table(t5)
                              + html_table(t["critical_steps"])))
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
    if "fit_holdout_summary" in t:
        parts.append(_section("How well the fit score finds known members (hold-out)",
                              html_table(t["fit_holdout_summary"]) + _notes(t["fit_holdout_summary"])
                              + html_table(t["fit_holdout_clusters"], 60)))
    fresh = res.freshness if len(res.freshness) else pd.DataFrame(columns=["label", "n", "as_of", "synthetic"])
    parts.append(_section("Data freshness", html_table(fresh)))
    parts.append(_section("Method notes", _method_notes(res)))
    parts.append("<p class='note'>Tables as CSV and JSON: <code>tables/</code> beside this file and "
                 "<code>report.json</code>.</p></body></html>")
    return "\n".join(parts)


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


def _method_notes(res: RegionAnalysis) -> str:
    from gds_jobs.analysis import critical, fit, frame

    blocks = [("Groups and outcomes", frame.__doc__), ("Critical mass", critical.__doc__),
              ("Cluster fit", fit.__doc__)]
    return "".join(f"<h3>{html.escape(t)}</h3><pre class='note' style='white-space:pre-wrap'>"
                   f"{html.escape((d or '').strip())}</pre>" for t, d in blocks)


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
                               "caveats": res.caveats, "freshness": table_records(res.freshness), "tables": {}}
        for name, df in res.tables.items():
            df.to_csv(out / "tables" / f"{name}.csv", index=False)
            records = table_records(df)
            entry = {"title": df.attrs.get("title"), "figure": df.attrs.get("figure"),
                     "notes": df.attrs.get("notes"), "rows": records}
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
