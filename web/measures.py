"""Network measures of an organisation, with percentiles and one plain-language sentence each.

Values come from ``gds_jobs.current_measures(store, orgnrs)`` (found at run time;
without it, or before the first measures run, the card says "not computed yet"). Percentiles
compare the organisation with every organisation of the same helix sector and
with every organisation in the same county.

All current values and the distributions are read once per process (as float
arrays: one row per organisation, one sorted array per sector or county and measure)
and kept while the published runs stay the same: the values of a run never change, so the
cache is keyed by the run ids of the Meta pointer (``measures/current_run``).
The pointer is read again at most every ``KLYNGE_MEASURES_CHECK_S`` seconds
(default 5), so a page costs no measure reads and a newly published run shows up
within that time; the whole snapshot is re-read after ``KLYNGE_MEASURES_CACHE_S``
seconds at the latest (default 3600; it also carries the organisations' sector
and county, which loads can change). Ego networks need no percentiles: until a
snapshot of the published run is loaded, they read only their own nodes' values.
"""

from __future__ import annotations

import bisect
import importlib
import logging
import math
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cypher import library

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Measure:
    name: str
    title: str
    meaning: str          # what a high value means, in business terms
    high_is: str          # "more" phrase for the percentile sentence
    decimals: int = 3


MEASURES: tuple[Measure, ...] = (
    Measure("degree", "Interlocks", "how many other organisations share at least one board member with it",
            "more board links", 0),
    Measure("weighted_degree", "Shared board members",
            "how many board-member links it has in total, counting each shared person", "more shared members", 0),
    Measure("betweenness", "Betweenness", "how often it lies on the shortest board-member route between two "
            "other organisations (a gatekeeper position)", "more often in between", 2),
    Measure("pagerank", "PageRank", "how well connected it is to organisations that are themselves well connected",
            "better connected"),
    Measure("eigenvector", "Eigenvector centrality", "how close it sits to the core of the interlock network",
            "closer to the core"),
    Measure("closeness", "Closeness", "how few board-member steps it takes to reach the other organisations",
            "closer to everyone"),
    Measure("clustering", "Clustering", "how many of its interlocked organisations are also interlocked with "
            "each other", "more clustered"),
    Measure("constraint", "Constraint (Burt)", "how much its board contacts know each other; low constraint "
            "means it bridges groups that are otherwise apart (structural holes)", "more constrained"),
    Measure("effective_size", "Effective size (Burt)", "how many non-redundant contacts it has: contacts that do "
            "not already know each other", "more non-redundant contacts", 2),
    Measure("efficiency", "Efficiency (Burt)", "the share of its contacts that are non-redundant",
            "more efficient"),
    Measure("hierarchy", "Hierarchy (Burt)", "how much of its constraint comes from a single contact",
            "more concentrated"),
    Measure("brokerage_total", "Brokerage", "how often it links two organisations that are not linked "
            "themselves, across industry, academia and government", "more brokerage", 0),
)
BY_NAME = {m.name: m for m in MEASURES}
HELIX_NAMES = {"industry": "industry", "academia": "academia", "government": "government",
               "intermediary": "intermediary", "other": "other"}

_cache_lock = threading.RLock()
_cache: dict[tuple[str, ...], Any] = {}  # by store.graph_key


def _number(v: Any) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f


def _gds() -> Any | None:
    """``gds_jobs`` when installed (it owns the measure values), else None."""
    try:
        mod = importlib.import_module("gds_jobs")
        getattr(mod, "current_measures")
    except (ImportError, AttributeError):
        return None
    return mod


def _current(gds: Any, store: Any) -> Any | None:
    """``gds_jobs.current_measures`` of every organisation, or None when it fails (logged)."""
    try:
        return gds.current_measures(store, None, include_brokerage=True)
    except Exception:  # the measures package must not take the page down; the error is logged
        log.exception("gds_jobs.current_measures failed")
        return None


def _matrix(frame: Any) -> tuple[dict[str, int], np.ndarray]:
    """The organisations with at least one defined measure (orgnr → row) and their values, one column per
    entry of ``MEASURES`` (NaN where a value is missing, not a number, infinite, or the column is boolean):
    the values ``_number`` accepts, held as one float array instead of a dict per organisation."""
    n = 0 if frame is None else len(frame)
    if not n:
        return {}, np.empty((0, len(MEASURES)))
    cols = []
    for m in MEASURES:
        col = frame[m.name] if m.name in frame.columns else None
        if col is None or pd.api.types.is_bool_dtype(col):
            cols.append(np.full(n, np.nan))
        elif pd.api.types.is_numeric_dtype(col):  # the measures jobs' columns: no per-value work
            cols.append(col.to_numpy(dtype=float, na_value=np.nan))
        else:  # text or mixed objects: exactly what _number accepts
            cols.append(np.array([np.nan if (v := _number(x)) is None else v for x in col], dtype=float))
    matrix = np.column_stack(cols)
    matrix[~np.isfinite(matrix)] = np.nan
    keep = ~np.isnan(matrix).all(axis=1)
    orgnrs = frame["orgnr"].astype(str).to_numpy()[keep]
    return {o: i for i, o in enumerate(orgnrs)}, matrix[keep]


def _distributions(orgnrs: list[str], matrix: np.ndarray,
                   groups: dict[str, dict]) -> dict[tuple[str, str, str], np.ndarray]:
    """Sorted values of each measure per helix sector and per county: ``(measure, scope, group)`` → array."""
    dist: dict[tuple[str, str, str], np.ndarray] = {}
    for scope in ("helix", "county_code"):
        labels = [(groups.get(o) or {}).get(scope) for o in orgnrs]
        codes, names = pd.factorize(pd.Series([None if g is None else str(g) for g in labels], dtype=object))
        for j, m in enumerate(MEASURES):
            col = matrix[:, j]
            ok = (codes >= 0) & ~np.isnan(col)
            if not ok.any():
                continue
            c, v = codes[ok], col[ok]
            order = np.lexsort((v, c))  # by group, then by value
            c, v = c[order], v[order]
            cuts = np.flatnonzero(np.diff(c)) + 1
            for cc, vv in zip(np.split(c, cuts), np.split(v, cuts), strict=True):
                dist[(m.name, scope, str(names[cc[0]]))] = vv
    return dist


def _values_of(snap: dict[str, Any], orgnr: str) -> dict[str, float]:
    """The defined measure values of ``orgnr`` in a snapshot ({} when it has none)."""
    i = snap["index"].get(orgnr)
    if i is None:
        return {}
    return {m.name: float(v) for m, v in zip(MEASURES, snap["matrix"][i], strict=True) if not math.isnan(v)}


def _published_runs(store: Any) -> tuple[Any, ...]:
    """The run ids the Meta pointer names as current (measures, brokerage); Nones before any run."""
    rows = library.run(store, "measures/current_run")
    if not rows:
        return (None, None)
    return (rows[0].get("run_id"), rows[0].get("brokerage_run_id"))


def _snapshot(store: Any) -> dict[str, Any]:
    """Current values of every organisation and the percentile distributions, cached per published run.

    Reused while the Meta pointer names the same runs (checked at most every ``check_seconds()``)
    and for at most ``cache_seconds()``; rebuilt under a lock, so concurrent requests read it once.
    """
    key = store.graph_key
    with _cache_lock:
        now = time.monotonic()
        snap = _cache.get(key)
        if snap is not None and now - snap["at"] < cache_seconds():
            if now - snap["checked"] < check_seconds():
                return snap
            runs = _published_runs(store)
            snap["checked"] = now
            if runs == snap["runs"]:
                return snap
        else:
            runs = _published_runs(store)
        gds = _gds()
        frame = _current(gds, store) if gds else None
        index, matrix = _matrix(frame)
        dist: dict[tuple[str, str, str], Any] = {}
        if index:
            groups = {r["orgnr"]: r for r in library.run(store, "organization/groups", timeout_s=120)}
            dist = _distributions(list(index), matrix, groups)
        # a failed read (frame None while gds_jobs exists) is not kept: the next check reads again
        snap = {"at": now, "checked": now, "runs": runs if (frame is not None or gds is None) else ("failed",),
                "run_id": frame.attrs.get("run_id") if frame is not None else None,
                "index": index, "matrix": matrix, "dist": dist, "available": gds is not None}
        _cache[key] = snap
        return snap


def cache_seconds() -> float:
    """Longest life of a measures snapshot (``KLYNGE_MEASURES_CACHE_S``, default 3600)."""
    return _env_seconds("KLYNGE_MEASURES_CACHE_S", 3600.0)


def check_seconds() -> float:
    """How often the Meta pointer is read to see a newly published run (``KLYNGE_MEASURES_CHECK_S``, default 5)."""
    return _env_seconds("KLYNGE_MEASURES_CHECK_S", 5.0)


def _env_seconds(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def _current_snapshot(store: Any) -> dict[str, Any] | None:
    """The cached snapshot if it is still that of the published runs (same checks as ``_snapshot``), else None."""
    with _cache_lock:
        now = time.monotonic()
        snap = _cache.get(store.graph_key)
        if snap is None or now - snap["at"] >= cache_seconds():
            return None
        if now - snap["checked"] < check_seconds():
            return snap
        runs = _published_runs(store)
        if runs != snap["runs"]:
            return None
        snap["checked"] = now
        return snap


def values_for(store: Any, orgnrs: list[str]) -> tuple[dict[str, dict[str, float]], str | None]:
    """Current measure values of ``orgnrs`` (defined values only) and the run id; ({}, None) before any run.

    From the cached snapshot when it holds the published run; otherwise only these organisations' values
    are read (one small read instead of every organisation's, which takes seconds at 100 k organisations),
    and the snapshot is left to the next page that needs percentiles.
    """
    if not orgnrs:
        return {}, None
    gds = _gds()
    if gds is None:
        return {}, None
    snap = _current_snapshot(store)
    if snap is not None:
        return {o: _values_of(snap, o) for o in orgnrs if o in snap["index"]}, snap["run_id"]
    try:
        frame = gds.current_measures(store, orgnrs, include_brokerage=True)
    except Exception:  # the measures package must not take the page down; the error is logged
        log.exception("gds_jobs.current_measures failed for %d organisations", len(orgnrs))
        return {}, None
    index, matrix = _matrix(frame)
    part = {"index": index, "matrix": matrix}
    return {o: _values_of(part, o) for o in index}, frame.attrs.get("run_id")


def percentile(sorted_values: list[float], v: float) -> float | None:
    """Mid-rank percentile (0-100) of ``v`` among ``sorted_values``; None for fewer than 2 values."""
    n = len(sorted_values)
    if n < 2:
        return None
    below = bisect.bisect_left(sorted_values, v)
    equal = bisect.bisect_right(sorted_values, v) - below
    return round(100.0 * (below + 0.5 * equal) / n, 1)


def _fmt(m: Measure, v: float) -> str:
    return f"{v:,.0f}" if m.decimals == 0 else f"{v:.{m.decimals}f}"


def sentence(m: Measure, v: float, p_group: float | None, group: str | None,
             p_region: float | None, region: str | None) -> str:
    """One plain-language sentence on what the value means for this organisation."""
    s = f"{m.title} {_fmt(m, v)} measures {m.meaning}."
    parts = []
    if p_group is not None and group:
        parts.append(f"{m.high_is} than {p_group:.0f}% of {group} organisations")
    if p_region is not None and region:
        parts.append(f"{p_region:.0f}% of organisations in {region}")
    if parts:
        s += " It has " + ", and than ".join(parts) + "."
    return s


def for_organization(store: Any, profile: dict) -> dict:
    """The measure card of one organisation.

    Returns ``{"status": "ok"|"not_computed", "run_id": ..., "source": ..., "measures": [...]}``
    where each measure has its value, its percentile among organisations of the same helix
    sector and of the same county, and a plain-language sentence.
    """
    orgnr = profile["orgnr"]
    if _gds() is None:
        return {"status": "not_computed", "run_id": None, "source": "gds_jobs is not installed", "measures": []}
    snap = _snapshot(store)
    mine = _values_of(snap, orgnr)
    if not mine:
        return {"status": "not_computed", "run_id": snap["run_id"], "source": "gds_jobs.current_measures",
                "measures": []}
    dist = snap["dist"]
    helix = profile.get("helix")
    county = profile.get("county_code")
    out = []
    for m in MEASURES:
        if m.name not in mine:
            continue
        v = mine[m.name]
        pg = percentile(dist.get((m.name, "helix", str(helix)), []), v) if helix else None
        pr = percentile(dist.get((m.name, "county_code", str(county)), []), v) if county else None
        out.append({"name": m.name, "title": m.title, "value": v, "display": _fmt(m, v),
                    "percentile_group": pg, "group": helix, "percentile_region": pr,
                    "region": profile.get("county"),
                    "sentence": sentence(m, v, pg, HELIX_NAMES.get(helix or "", helix), pr, profile.get("county"))})
    return {"status": "ok", "run_id": snap["run_id"], "source": "gds_jobs.current_measures", "measures": out}


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
