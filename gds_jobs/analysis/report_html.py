"""The region report as files: one HTML page (inline CSS and SVG charts) with CSV and JSON tables beside it,
from a :class:`~gds_jobs.analysis.report.RegionAnalysis`."""

from __future__ import annotations

import html
import json
import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from gds_jobs.analysis import charts
from gds_jobs.analysis.absorptive import CONFIDENTIAL_NOTE, SCORES
from gds_jobs.analysis.compare import METRICS
from gds_jobs.analysis.report import (
    COLUMN_NOTES,
    RegionAnalysis,
    text_value,
    analyse_region,
    figure_data,
    method_notes,
    plain_value,
)
from gds_jobs.analysis.sensitivity import sensitivity_matrix
from klynge.errors import KlyngeError

if TYPE_CHECKING:
    from cypher.store import GraphStore


def table_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): plain_value(v) for k, v in r.items()} for r in df.to_dict("records")]


def _fmt(v: Any) -> str:
    v = plain_value(v)
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
    a, b = plain_value(lo), plain_value(hi)
    return "–" if a is None or b is None else f"{_fmt(a)} to {_fmt(b)}"


def _p(v: Any) -> str:
    v = plain_value(v)
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
                 _interval(r["ci_low"], r["ci_high"]), _fmt(r["median"]), text_value(r.get("compared_with")) or "–",
                 text_value(r.get("test")) or "–", _p(r["p_raw"]), _p(r["p_holm"]), _p(r["p_bh"]), _fmt(r["cliffs_delta"]),
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


def method_notes_html(res: RegionAnalysis) -> str:
    notes = "".join(f"<h3>{html.escape(h)}</h3><p class='note'>{html.escape(text)}</p>"
                    for h, text in method_notes(res))
    glossary = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in COLUMN_NOTES.items())
    return notes + f"<h3>Columns of the tables (CSV and JSON)</h3><dl class='note'>{glossary}</dl>"


def write_region_report(store: GraphStore, region_id: str, out_dir: str | Path, **opts: Any) -> Path:
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
