"""Optional analysis results from ``gds_jobs.analysis``, found at run time.

The analysis package is written separately and may not be installed; these
functions import it on demand and say plainly when it is absent, never
inventing results. Tables are returned as ``{"columns": [...], "rows": [[...]]}``
with plain values so both the HTML page and its JSON twin can show them.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from cypher import library
from gds_jobs.analysis import fit as analysis_fit
from gds_jobs.analysis import report as analysis_report
from gds_jobs.analysis.sensitivity import sensitivity_matrix
from klynge.errors import KlyngeError
from web import charts
from web.measures import finite_number

if TYPE_CHECKING:
    from cypher.store import GraphStore

log = logging.getLogger(__name__)


def _plain(v: Any) -> Any:
    if hasattr(v, "item") and callable(v.item) and not isinstance(v, (list, dict, str)):
        try:
            v = v.item()
        except (TypeError, ValueError):
            pass
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    if isinstance(v, Mapping):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return _plain(dataclasses.asdict(v))
    return str(v)


def to_table(obj: Any) -> dict:
    """A DataFrame, a list of dicts/dataclasses or a dict as ``{"columns", "rows"}``."""
    if hasattr(obj, "to_dict") and hasattr(obj, "columns"):
        records = obj.to_dict("records")
    elif isinstance(obj, Mapping):
        records = [obj]
    else:
        records = [dataclasses.asdict(x) if dataclasses.is_dataclass(x) and not isinstance(x, type) else x
                   for x in (obj or [])]
    columns: list[str] = []
    for r in records:
        for k in (r if isinstance(r, Mapping) else {}):
            if str(k) not in columns:
                columns.append(str(k))
    rows = [[_plain(r.get(c)) if isinstance(r, Mapping) else _plain(r) for c in columns] for r in records]
    return {"columns": columns, "rows": rows}


def _fit_table(fn: Any, call: Any, columns: tuple[str, ...], empty_note: str, what: str) -> dict:
    """A ``gds_jobs.analysis.fit`` table as ``{"status", "note", "columns", "rows", "details", "weights"}``.

    ``details`` holds, per row, the parts with weights and contributions, the most similar members and
    the board chains (persons already named or labelled by the analysis module, never by key for a caller
    without names); the shown ``columns`` are a subset, ``all_columns``/``all_rows`` carry every value.
    """
    try:
        result = call(fn)
    except KlyngeError as exc:
        return {"status": "not_available", "note": gettext("%(what)s not computed: %(reason)s", what=what,
                                                           reason=str(exc))}
    except Exception:  # an optional add-on must not take the page down; the error is logged
        log.exception("%s failed", fn.__name__)
        return {"status": "error", "note": gettext("%(what)s could not be computed; the error is in the server log.",
                                                   what=what)}
    details = []
    if hasattr(result, "columns") and "details" in result.columns:
        details = [_localised(_plain(d)) for d in result["details"]]
        result = result.drop(columns=["details"])
    attrs = dict(getattr(result, "attrs", None) or {})
    table = to_table(result)
    shown = [c for c in columns if c in table["columns"]]
    if shown:
        idx = [table["columns"].index(c) for c in shown]
        table = {"columns": shown, "rows": [[row[i] for i in idx] for row in table["rows"]],
                 "all_columns": table["columns"], "all_rows": table["rows"]}
    extra = {"details": details, "weights": attrs.get("weights"), "candidates": _plain(attrs.get("candidates")),
             "members": _plain(attrs.get("members"))}
    if not table["rows"]:
        return {"status": "empty", "note": empty_note, **table, **extra}
    return {"status": "ok", "note": None, **table, **extra}


def _reason(r: Mapping[str, Any]) -> str:
    kind = r.get("kind")
    if kind == "nace":
        level = {"division": _l("division"), "group": _l("group"), "class": _l("class"),
                 "subclass": _l("subclass")}.get(str(r.get("level")), r.get("level"))
        return gettext("same NACE %(level)s %(code)s", level=str(level), code=r.get("code"))
    if kind == "value_chain":
        return gettext("same value chain (%(area)s)", area=r.get("area"))
    if kind == "municipality":
        return gettext("same municipality (%(name)s)", name=r.get("name"))
    if kind == "county":
        return gettext("same county")
    return gettext("shares a board member")


def _localised(det: Any) -> Any:
    """An explanation with the page language's words beside the analysis module's values: ``label`` of each
    part, ``reason_texts`` of each similar member, ``person_label`` of each chain step (the person's name, or
    "board member N")."""
    if not isinstance(det, dict):
        return det
    for p in det.get("parts") or []:
        p["label"] = column_title(str(p.get("part")))
    for s in det.get("similar") or []:
        s["reason_texts"] = [_reason(r) if isinstance(r, Mapping) else str(r) for r in s.get("reasons") or []]
    for chain in det.get("chains") or []:
        for st in chain:
            st["person_label"] = st.get("person") if st.get("person_key") or not st.get("person_n") else \
                gettext("board member %(n)s", n=st["person_n"])
    return det


def cluster_fit(store: GraphStore, orgnr: str, *, show_names: bool = False) -> dict:
    """``gds_jobs.analysis.fit.fit_for_firm(store, orgnr)`` as a table, or a clear "not computed" note.

    ``show_names`` is passed on so explanation chains name persons only for users allowed to see them.
    """
    return _fit_table(analysis_fit.fit_for_firm, lambda fn: fn(store, orgnr, show_names=show_names), FIT_COLUMNS,
                      gettext("Cluster fit computed, but no cluster fits this organisation."), gettext("Cluster fit"))


def cluster_candidates(store: GraphStore, cluster_id: str, *, region: str | None = None, top: int = 20,
                       show_names: bool = False) -> dict:
    """``gds_jobs.analysis.fit.fit_for_cluster(store, cluster_id, region, top)``: the cluster's candidate
    firms with their explanations, or a clear note."""
    return _fit_table(analysis_fit.fit_for_cluster,
                      lambda fn: fn(store, cluster_id, region, top, show_names=show_names), CANDIDATE_COLUMNS,
                      gettext("No candidate firm for this cluster."), gettext("Candidate firms"))


FIT_COLUMNS = ("rank", "cluster_id", "name", "level", "member", "candidate_rank", "candidates", "score",
               "explanation")
CANDIDATE_COLUMNS = ("rank", "orgnr", "name", "place", "score", "explanation")


#: Plain names of the analysis tables' columns (others are shown with underscores as spaces).
COLUMN_TITLES = {
    "group": _l("Group"), "label": _l("Group"), "members": _l("Members"), "n": _l("n"), "missing": _l("Missing"),
    "mean": _l("Mean"), "median": _l("Median"), "ci_low": _l("95 % CI, low"), "ci_high": _l("95 % CI, high"),
    "p_mannwhitney": _l("p (Mann–Whitney U against the reference)"), "reference": _l("Reference group"),
    "x": _l("Measure"), "y": _l("Outcome"), "expected": _l("Expected sign"), "rho": _l("Spearman's rho"),
    "p": _l("p"), "agrees": _l("Agrees with the study"), "rank": _l("Rank"), "orgnr": _l("Organisation number"),
    "name": _l("Name"), "code": _l("NACE code"), "nace_version": _l("NACE version"), "org_form": _l("Form"),
    "area": _l("Area id"), "area_name": _l("Value-creation area"), "employees": _l("Employees"),
    "band": _l("Employee band"), "revenue": _l("Operating revenue (NOK)"), "revenue_year": _l("Revenue year"),
    "in_member": _l("IN member"), "step": _l("Step"), "units": _l("Units"), "firms": _l("Firms"),
    "revenue_nok_1000": _l("Operating revenue (NOK 1000)"), "larger_firms": _l("Firms with > 20 employees"),
    "largest_employees": _l("Most employees"), "anchor_firms": _l("Anchor firms (> 100 employees)"),
    "anchor": _l("Anchor"), "critical_mass": _l("Critical mass"), "in_core": _l("Innovasjon Norge core ready"),
    "cluster_id": _l("Cluster id"), "cluster": _l("Cluster"), "score": _l("Fit score"),
    "nace": _l("Same NACE codes"), "value_chain": _l("Same value chain"), "related": _l("Related industries"),
    "board_ties": _l("Board ties to members"), "reach": _l("Steps to a member (1/steps)"),
    "pagerank": _l("Personalised PageRank (percentile)"), "county": _l("Members in the county"),
    "municipality": _l("Members in the municipality"), "host_county": _l("In the host county"),
    "contrib_nace": _l("NACE part"), "contrib_value_chain": _l("Value-chain part"),
    "contrib_related": _l("Related-industries part"), "contrib_board_ties": _l("Board-ties part"),
    "contrib_reach": _l("Steps part"), "contrib_pagerank": _l("PageRank part"), "contrib_county": _l("County part"),
    "contrib_municipality": _l("Municipality part"), "contrib_host_county": _l("Host-county part"),
    "place": _l("Municipality"), "candidate_rank": _l("Rank among candidates"), "candidates": _l("Candidates"),
    "region": _l("Region"),
    "region_id": _l("Region id"), "municipalities": _l("Municipalities"), "population": _l("Population"),
    "population_in_region": _l("Population in the region"), "in_members": _l("IN members"),
    "siva_members": _l("SIVA members"), "neither": _l("Neither IN nor SIVA"),
    "spill_linked": _l("Non-members with a board link to an IN member"),
    "region_units_all_sizes": _l("Units in the region (all sizes)"), "window": _l("Window (years)"),
    "measures_run": _l("Measures run"), "lq": _l("Location quotient"), "explanation": _l("Why"),
    "level": _l("Level"), "member": _l("Member"),
    # the absorptive-capacity section (gds_jobs.analysis.absorptive)
    "score_title": _l("Score"), "median_ci_low": _l("Median, 95 % CI low"),
    "median_ci_high": _l("Median, 95 % CI high"), "mean_ci_low": _l("Mean, 95 % CI low"),
    "mean_ci_high": _l("Mean, 95 % CI high"), "small_n": _l("Few interviews"), "measure": _l("Measure"),
    "rho_ci_low": _l("rho, 95 % CI low"), "rho_ci_high": _l("rho, 95 % CI high"), "p_holm": _l("p (Holm)"),
    "p_bh": _l("p (Benjamini–Hochberg)"), "interview_date": _l("Interview date"), "advisor": _l("Advisor"),
    "acquisition": _l("Acquisition"), "assimilation": _l("Assimilation"), "transformation": _l("Transformation"),
    "exploitation": _l("Exploitation"), "acap": _l("Absorptive capacity"), "siva_member": _l("SIVA member"),
    "in_population": _l("In the population"), "constraint": _l("Constraint"),
    "eigenvector": _l("Eigenvector centrality"), "synthetic": _l("Synthetic"),
}
#: Columns left out of the page's tables (long internal text; the JSON twin keeps every column).
HIDDEN_COLUMNS = frozenset({"path", "group", "region_id"})


def column_title(col: str) -> str:
    t = COLUMN_TITLES.get(col)
    if t is not None:
        return str(t)
    text = str(col).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def figures(tables: Mapping[str, Any], region_name: str | None = None) -> list[charts.Figure]:
    """The one adapter from the analysis's figure data to the page's charts.

    Reads the tables of ``gds_jobs.analysis.report.analyse_region`` as they are: every table with the
    comparison columns (``label, mean, ci_low, ci_high, n``: Figs. 8–15 and any later comparison) gives a
    chart of means with their 95 % CI whiskers and n; Table 5 the firms per value-creation area; Table 6
    the firms per employee band; the NACE breakdown one chart per area for the two largest areas
    (Figs. 16–17); a table with an ``lq`` column (location quotients) a bar chart of the region's largest
    industries (n = their employees) with guides at 1 and 1.25.
    """
    out: list[charts.Figure] = []
    for key, df in tables.items():
        attrs = getattr(df, "attrs", {}) or {}
        cols = set(map(str, getattr(df, "columns", [])))
        number = str(attrs.get("figure") or "")
        title = str(attrs.get("title") or key)
        notes = tuple(str(n) for n in (attrs.get("notes") or []))
        if {"label", "mean", "ci_low", "ci_high", "n"} <= cols:
            out.append(charts.Figure(str(key), number, title, "ci", tuple(map(str, df["label"])),
                                     charts.numbers_of(df["mean"]), charts.numbers_of(df["ci_low"]),
                                     charts.numbers_of(df["ci_high"]), tuple(_int(v) for v in df["n"]),
                                     str(attrs.get("unit") or ""), notes))
        elif key == "critical_table5" and {"area_name", "firms"} <= cols:
            out.append(charts.Figure(str(key), number or "Table 5", title, "bars", tuple(map(str, df["area_name"])),
                                     charts.numbers_of(df["firms"]), unit="firms", notes=notes))
        elif key == "critical_table6" and "employees" in cols:
            areas = [c for c in df.columns if c != "employees"]
            totals = df[areas].apply(lambda r: sum(v for v in (charts.numbers_of(r)) if v is not None), axis=1)
            out.append(charts.Figure(str(key), number or "Table 6", title, "bars",
                                     tuple(map(str, df["employees"])), charts.numbers_of(totals),
                                     unit="firms", notes=notes))
        elif key == "critical_nace_breakdown" and {"area_name", "code", "firms"} <= cols:
            t5 = tables.get("critical_table5")
            order = list(t5.sort_values("firms", ascending=False)["area_name"]) if t5 is not None else []
            other = (getattr(t5, "attrs", {}) or {}).get("other_id") if t5 is not None else None
            if other is not None and t5 is not None:
                order = [a for a, i in zip(t5.sort_values("firms", ascending=False)["area_name"],
                                           t5.sort_values("firms", ascending=False)["area"], strict=True) if i != other]
            for i, area in enumerate([a for a in order if a in set(df["area_name"])][:2]):
                part = df[df["area_name"] == area]
                out.append(charts.Figure(f"{key}_{i + 1}", f"Fig. {16 + i}", f"{area}: firms per NACE code", "bars",
                                         tuple(map(str, part["code"])), charts.numbers_of(part["firms"]),
                                         unit="firms"))
        elif "lq" in cols:
            label = next((c for c in ("label", "name", "area_name", "division", "code") if c in cols), None)
            if label is None:
                continue
            part = df
            if "region" in cols and len(df):  # the region's own quotients (benchmark regions are in the table)
                mine = region_name if region_name in set(df["region"]) else df["region"].iloc[0]
                part = df[df["region"] == mine]
            if "employment" in cols:  # the largest industries of the region, at most LQ_BARS of them
                part = part[part["employment"].fillna(0) > 0].sort_values("employment", ascending=False)
            part = part.head(LQ_BARS)
            out.append(charts.Figure(str(key), number or "LQ", title, "bars", tuple(map(str, part[label])),
                                     charts.numbers_of(part["lq"]), unit="location quotient",
                                     n=tuple(_int(v) for v in part["employment"]) if "employment" in cols else (),
                                     notes=notes, reference=(1.0, 1.25)))
    return out


#: Bars of a location-quotient chart: the region's largest industries by employment.
LQ_BARS = 20


def _int(v: Any) -> int | None:
    f = finite_number(v)
    return None if f is None else int(f)


#: Region analyses kept per process, by graph, region, published measures runs and the newest load.
_region_cache: OrderedDict[tuple, dict] = OrderedDict()
_region_lock = threading.Lock()
REGION_CACHE_SIZE = 16
REGION_CACHE_S = 3600.0


def _data_version(store: GraphStore) -> tuple:
    """What the analysis depends on that can change: the published measures runs and the newest data load."""
    runs = library.run(store, "measures/current_run")
    loads = library.run(store, "status/load_runs", {"limit": 1})
    r = runs[0] if runs else {}
    return (r.get("run_id"), r.get("brokerage_run_id"), loads[0].get("load_id") if loads else None)


def region_analysis(store: GraphStore, region_id: str, options: Mapping[str, Any] | None = None) -> dict:
    """The region's analysis (tables, figure data and charts) for ``options``, computed once per data version.

    The analysis reads the region's organisations, their accounts, grants and the network and takes
    seconds; its result changes only when a measures run is published or data are loaded, so it is
    kept per (graph, region, options, measures run, brokerage run, newest load) — for at most an hour —
    and a page view costs two small reads. Returns the cache entry: ``result`` and the drawn ``svg``.
    """
    options = dict(options or {})
    key = (store.graph_key, region_id, tuple(sorted(options.items())), *_data_version(store))
    now = time.monotonic()
    with _region_lock:
        hit = _region_cache.get(key)
        if hit is not None and now - hit["at"] < REGION_CACHE_S:
            _region_cache.move_to_end(key)
            return hit
        result = _compute_region(store, region_id, options)
        entry = {"at": now, "result": result, "svg": {}, "key": key}
        if result["status"] in ("ok", "empty"):
            _region_cache[key] = entry
            while len(_region_cache) > REGION_CACHE_SIZE:
                _region_cache.popitem(last=False)
        return entry


def clear_region_cache() -> None:
    with _region_lock:
        _region_cache.clear()


def _compute_region(store: GraphStore, region_id: str, options: Mapping[str, Any]) -> dict:
    """The region analysis of ``gds_jobs.analysis`` as tables, or "analysis not available".

    Uses ``gds_jobs.analysis.report.analyse_region(store, region_id, holdout=False, **options)``,
    whose ``tables`` maps a key to a DataFrame (``attrs`` name its title, figure, population, network and
    notes), ``caveats`` are shown as notes and ``meta`` carries the options and the network. When
    ``figure_data``, ``method_notes`` and ``sensitivity_matrix`` come along (structured figure data;
    the sensitivity panel as one table). ``_figures`` are the charts (:func:`figures`).
    """
    try:
        res = analysis_report.analyse_region(store, region_id, holdout=False, **dict(options))
    except KlyngeError as exc:
        return {"status": "not_available", "note": f"{_l('Analysis not available')}: {exc}", "tables": [],
                "caveats": []}
    except Exception:  # an optional add-on must not take the page down; the error is logged
        log.exception("region analysis failed for %s", region_id)
        return {"status": "error", "note": str(_l("Analysis could not be computed; the error is in the server log.")),
                "tables": [], "caveats": []}
    frames = dict(getattr(res, "tables", None) or {})
    tables = []
    for key, frame in frames.items():
        attrs = getattr(frame, "attrs", None) or {}
        title = attrs.get("title") or str(key).replace("_", " ").capitalize()
        fig = attrs.get("figure")
        tables.append({"key": str(key), "title": f"{fig}: {title}" if fig and not str(title).startswith(fig)
                       else str(title), "figure": fig, "population": attrs.get("population"),
                       "projection": attrs.get("projection"),
                       "family": attrs.get("family"), "notes": [str(n) for n in attrs.get("notes") or []],
                       **to_table(frame)})
    caveats = [str(c) for c in (getattr(res, "caveats", None) or [])]
    out = {"status": "ok" if tables else "empty",
           "note": None if tables else str(_l("No analysis tables for this region.")),
           "tables": tables, "caveats": caveats, "meta": _plain(getattr(res, "meta", None) or {})}
    out["figures"] = _plain(analysis_report.figure_data(res))
    out["method_notes"] = _plain([{"heading": h, "text": t} for h, t in analysis_report.method_notes(res)])
    panel = frames.get("sensitivity")
    if panel is not None:
        out["sensitivity"] = to_table(sensitivity_matrix(panel))
    out["_figures"] = figures(frames, getattr(res, "region_name", None))
    # what a later section needs of this analysis (a few columns; nothing confidential)
    out["_sections"] = analysis_report.section_source(res)
    return out


def absorptive(store: GraphStore, entry: dict) -> dict:
    """The confidential absorptive-capacity section of a (cached) region analysis, or a note saying why not.

    Computed per request from the advisors' assessments and the analysis's frame
    (``gds_jobs.analysis.report.absorptive_section``), never cached and apart from the public tables, which
    never depend on it. Callers check that the user may see it (:func:`web.confidential.visible`).
    """
    src = entry.get("result", {}).get("_sections")
    if src is None:
        return {"status": "not_available", "note": gettext("The absorptive-capacity section is not available."),
                "tables": [], "interviewed": 0}
    try:
        section = analysis_report.absorptive_section(src, store)
    except KlyngeError as exc:
        return {"status": "not_available", "note": gettext("Absorptive capacity not computed: %(error)s",
                                                           error=str(exc)), "tables": [], "interviewed": 0}
    tables = []
    for key, frame in section.items():
        attrs = getattr(frame, "attrs", None) or {}
        fig, title = attrs.get("figure"), attrs.get("title") or key
        tables.append({"key": key, "title": f"{fig}: {title}" if fig else str(title),
                       "notes": [str(n) for n in attrs.get("notes") or []], **to_table(frame)})
    n = int(section["absorptive_groups"].attrs.get("interviewed", 0)) if "absorptive_groups" in section else 0
    return {"status": "ok" if n else "empty", "interviewed": n, "tables": tables,
            "note": None if n else gettext("No final assessment is recorded yet: record interviews on the firms' "
                                           "profiles.")}


def analysis_text(value: str) -> str:
    """A text of the analysis (a label, a title, a note) in the page's language when the catalogue has it;
    "Region (<name>)" with the name kept."""
    if value.startswith("Region (") and value.endswith(")"):
        return gettext("Region (%(name)s)", name=value[len("Region ("):-1])
    return gettext(value) if value else value


def localised(f: charts.Figure) -> charts.Figure:
    """A figure with its words in the page's language (the analysis writes English; known texts are in
    the catalogue, others stay as written)."""
    tr = analysis_text
    title = tr(f.title)
    if f.key.startswith("critical_nace_breakdown_") and f.title.endswith(": firms per NACE code"):
        title = gettext("%(area)s: firms per NACE code", area=f.title[: -len(": firms per NACE code")])
    return dataclasses.replace(f, title=title, labels=tuple(tr(x) for x in f.labels), unit=tr(f.unit),
                               notes=tuple(tr(x) for x in f.notes))


def figure_json(f: charts.Figure) -> dict[str, Any]:
    """A figure's data for the JSON twin (plain values)."""
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in dataclasses.asdict(f).items()}


def region_charts(entry: dict, locale: str, fmt: Any, n_label: Any, missing: str) -> dict[str, str]:
    """SVG of every figure of a cached analysis in one language (drawn once per language and kept)."""
    with _region_lock:
        done = entry["svg"].get(locale)
    if done is not None:
        return done
    drawn = {f.key: charts.svg(localised(f), fmt, n_label, missing) for f in entry["result"].get("_figures", [])}
    with _region_lock:
        entry["svg"][locale] = drawn
    return drawn


#: The analysis's own words the page translates (the texts of gds_jobs.analysis as they are now).
ANALYSIS_TEXTS = (
    _l("Burt's constraint by group"), _l("Eigenvector centrality by group"),
    _l("Grants and awards per firm from Forskningsrådet and Innovasjon Norge"), _l("Patent applications per firm"),
    _l("Spill-over: research-council applications of non-members with and without a board link to an IN member"),
    _l("Spill-over: patent applications of non-members with and without a board link to an IN member"),
    _l("Profitability: EBITDA / total assets (operating result / total assets where EBITDA is missing)"),
    _l("Annual growth rate of ordinary result before tax"), _l("constraint (0–1)"), _l("eigenvector centrality"),
    _l("grants per firm"), _l("applications per firm"), _l("ratio"), _l("rate per year"), _l("firms"),
    _l("location quotient"), _l("IN member"), _l("SIVA member"), _l("Neither IN nor SIVA"),
    _l("Board link to an IN member"), _l("No board link to an IN member"), _l("Population and groups"),
    _l("Hypotheses as rank correlations (Spearman's rho)"),
    _l("Table 5: firms, operating revenue (NOK 1000) and employees by value-creation area"),
    _l("Table 6: firms by number of employees and value-creation area"),
    _l("NACE breakdown inside each value-creation area"), _l("Critical-mass flags by value-creation area"),
    _l("Units considered for critical mass, step by step"),
)
#: The absorptive-capacity section's own words (gds_jobs.analysis.absorptive: titles, the confidentiality note,
#: group labels, score titles and expected signs as they are now; notes with counts stay as written; scores and
#: measures are shown by their column titles).
ABSORPTIVE_TEXTS = (
    _l("Absorptive capacity by group: medians and means with 95 % bootstrap intervals"),
    _l("Absorptive capacity and network position: Spearman correlations"),
    _l("Interviewed organisations (advisors only)"),
    _l("CONFIDENTIAL: advisors' interview assessments. For advisors and above only; do not publish or pass on."),
    _l("Region"), _l("All interviewed"), _l("Absorptive capacity (mean of the four)"), _l("negative"),
    _l("positive"),
)
