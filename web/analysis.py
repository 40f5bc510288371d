"""Optional analysis results from ``gds_jobs.analysis``, found at run time.

The analysis package is written separately and may not be installed; these
functions import it on demand and say plainly when it is absent, never
inventing results. Tables are returned as ``{"columns": [...], "rows": [[...]]}``
with plain values so both the HTML page and its JSON twin can show them.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
import math
from collections.abc import Mapping
from typing import Any

from klynge.errors import KlyngeError

log = logging.getLogger(__name__)


def _module(name: str) -> Any | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


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


def cluster_fit(store: Any, orgnr: str, *, show_names: bool = False) -> dict:
    """``gds_jobs.analysis.fit.fit_for_firm(store, orgnr)`` as a table, or a clear "not computed" note.

    ``show_names`` is passed on so explanation paths name persons only for users allowed to see them.
    """
    mod = _module("gds_jobs.analysis.fit")
    fn = getattr(mod, "fit_for_firm", None) if mod else None
    if fn is None:
        return {"status": "not_available",
                "note": "Cluster fit not computed: the analysis module (gds_jobs.analysis.fit) is not installed."}
    try:
        result = fn(store, orgnr, show_names=show_names)
    except KlyngeError as exc:
        return {"status": "not_available", "note": f"Cluster fit not computed: {exc}"}
    except Exception:  # an optional add-on must not take the profile down; the error is logged
        log.exception("cluster fit failed for %s", orgnr)
        return {"status": "error", "note": "Cluster fit could not be computed; the error is in the server log."}
    table = to_table(result)
    shown = [c for c in FIT_COLUMNS if c in table["columns"]]
    if shown:
        idx = [table["columns"].index(c) for c in shown]
        table = {"columns": shown, "rows": [[row[i] for i in idx] for row in table["rows"]],
                 "all_columns": table["columns"], "all_rows": table["rows"]}
    if not table["rows"]:
        return {"status": "empty", "note": "Cluster fit computed, but no cluster fits this organisation.",
                **table}
    return {"status": "ok", "note": None, **table}


FIT_COLUMNS = ("rank", "cluster_id", "name", "level", "member", "score", "explanation")
def region_tables(store: Any, region_id: str, options: Mapping[str, Any] | None = None, *,
                  assessments: bool = False) -> dict:
    """The region analysis of ``gds_jobs.analysis`` as tables, or "analysis not available".

    Uses ``gds_jobs.analysis.report.analyse_region(store, region_id, holdout=False, **options)``,
    whose ``tables`` maps a key to a DataFrame (``attrs`` name its title, population, network and
    notes), ``caveats`` are shown as notes and ``meta`` carries the options and the network. When
    the module offers ``figure_data``, ``method_notes`` and ``sensitivity_matrix`` their results
    come along (structured figure data for charts; the sensitivity panel as one table).

    With ``assessments`` (the caller checked the user may see them) ``absorptive`` holds the confidential
    absorptive-capacity tables (``gds_jobs.analysis.report.absorptive_section``), computed from the same
    analysis but apart from it: the public tables never depend on them. Without, there is no such key.
    """
    mod = _module("gds_jobs.analysis.report")
    fn = getattr(mod, "analyse_region", None) if mod else None
    if fn is None:
        return {"status": "not_available", "note": "Analysis not available: the analysis module "
                                                   "(gds_jobs.analysis) is not installed.", "tables": [],
                "caveats": []}
    try:
        res = fn(store, region_id, holdout=False, **dict(options or {}))
    except KlyngeError as exc:
        return {"status": "not_available", "note": f"Analysis not available: {exc}", "tables": [], "caveats": []}
    except Exception:  # an optional add-on must not take the page down; the error is logged
        log.exception("region analysis failed for %s", region_id)
        return {"status": "error", "note": "Analysis could not be computed; the error is in the server log.",
                "tables": [], "caveats": []}
    tables = []
    for key, frame in (getattr(res, "tables", None) or {}).items():
        attrs = getattr(frame, "attrs", None) or {}
        title = attrs.get("title") or str(key).replace("_", " ").capitalize()
        fig = attrs.get("figure")
        tables.append({"key": str(key), "title": f"{fig}: {title}" if fig and not str(title).startswith(fig)
                       else str(title), "population": attrs.get("population"), "projection": attrs.get("projection"),
                       "family": attrs.get("family"), "notes": [str(n) for n in attrs.get("notes") or []],
                       **to_table(frame)})
    caveats = [str(c) for c in (getattr(res, "caveats", None) or [])]
    out = {"status": "ok" if tables else "empty", "note": None if tables else "No analysis tables for this region.",
           "tables": tables, "caveats": caveats, "meta": _plain(getattr(res, "meta", None) or {})}
    for name, key in (("figure_data", "figures"), ("method_notes", "method_notes")):
        f = getattr(mod, name, None)
        if f is not None:
            value = f(res)
            out[key] = _plain([{"heading": h, "text": t} for h, t in value] if key == "method_notes" else value)
    matrix = getattr(mod, "sensitivity_matrix", None)
    panel = (getattr(res, "tables", None) or {}).get("sensitivity")
    if matrix is not None and panel is not None:
        out["sensitivity"] = to_table(matrix(panel))
    if assessments:
        out["absorptive"] = _absorptive(mod, store, res)
    return out


def _absorptive(mod: Any, store: Any, res: Any) -> dict:
    """The confidential section as tables, or a note saying why it is missing."""
    fn = getattr(mod, "absorptive_section", None)
    if fn is None:
        return {"status": "not_available", "note": "The absorptive-capacity section is not available.", "tables": []}
    try:
        section = fn(res, store)
    except KlyngeError as exc:
        return {"status": "not_available", "note": f"Absorptive capacity not computed: {exc}", "tables": []}
    tables = []
    for key, frame in section.items():
        attrs = getattr(frame, "attrs", None) or {}
        fig, title = attrs.get("figure"), attrs.get("title") or key
        tables.append({"key": key, "title": f"{fig}: {title}" if fig else str(title),
                       "notes": [str(n) for n in attrs.get("notes") or []], **to_table(frame)})
    n = int((section.get("absorptive_groups").attrs or {}).get("interviewed", 0)) if section else 0
    return {"status": "ok" if n else "empty", "interviewed": n, "tables": tables,
            "note": None if n else "No final assessment is recorded yet: record interviews on the firms' profiles."}
