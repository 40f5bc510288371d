"""Network measures of an organisation, with percentiles and one plain-language sentence each.

Values come from ``gds_jobs.current_measures(store, orgnrs)`` (found at run time;
without it, or before the first measures run, the card says "not computed yet"). Percentiles
compare the organisation with every organisation of the same helix sector and
with every organisation in the same county: the share with a lower value, and the share with
the same value (ties are not counted as beaten, :func:`shares`).

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
import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from flask_babel import gettext, lazy_gettext

import gds_jobs
from cypher import library
from klynge.config import read_setting

if TYPE_CHECKING:
    from cypher.store import GraphStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Measure:
    name: str
    title: Any            # translatable (lazy) text
    meaning: Any          # what the value measures, in business terms (translatable)
    decimals: int = 3
    zero_note: Any = None  # what a value of 0 means, when it means something particular


MEASURES: tuple[Measure, ...] = (
    Measure("degree", lazy_gettext("Interlocks"),
            lazy_gettext("how many other organisations share at least one board member with it"), 0,
            lazy_gettext("0 means it shares no board member with another organisation.")),
    Measure("weighted_degree", lazy_gettext("Shared board members"),
            lazy_gettext("how many board-member links it has in total, counting each shared person"), 0),
    Measure("betweenness", lazy_gettext("Betweenness"),
            lazy_gettext("how often it lies on the shortest board-member route between two other organisations "
                         "(a gatekeeper position)"), 2),
    Measure("pagerank", lazy_gettext("PageRank"),
            lazy_gettext("how well connected it is to organisations that are themselves well connected")),
    Measure("eigenvector", lazy_gettext("Eigenvector centrality"),
            lazy_gettext("how close it sits to the core of the interlock network"), 3,
            lazy_gettext("0 — not in the connected core of the board network.")),
    Measure("closeness", lazy_gettext("Closeness"),
            lazy_gettext("how few board-member steps it takes to reach the other organisations")),
    Measure("clustering", lazy_gettext("Clustering"),
            lazy_gettext("how many of its interlocked organisations are also interlocked with each other")),
    Measure("constraint", lazy_gettext("Constraint (Burt)"),
            lazy_gettext("how much its board contacts know each other; low constraint means it bridges groups "
                         "that are otherwise apart (structural holes)")),
    Measure("effective_size", lazy_gettext("Effective size (Burt)"),
            lazy_gettext("how many non-redundant contacts it has: contacts that do not already know each other"), 2),
    Measure("efficiency", lazy_gettext("Efficiency (Burt)"),
            lazy_gettext("the share of its contacts that are non-redundant")),
    Measure("hierarchy", lazy_gettext("Hierarchy (Burt)"),
            lazy_gettext("how much of its constraint comes from a single contact")),
    Measure("brokerage_total", lazy_gettext("Brokerage"),
            lazy_gettext("how often it links two organisations that are not linked themselves, across industry, "
                         "academia and government"), 0),
)
BY_NAME = {m.name: m for m in MEASURES}
HELIX_NAMES = {"industry": lazy_gettext("industry"), "academia": lazy_gettext("academia"),
               "government": lazy_gettext("government"), "intermediary": lazy_gettext("intermediary"),
               "other": lazy_gettext("other")}

_cache_lock = threading.RLock()
_cache: dict[tuple[str, ...], Any] = {}  # by store.graph_key


def finite_number(v: Any) -> float | None:
    """``v`` as a float when it is a finite number (or numeric text), else None (booleans, text, NaN, ±inf)."""
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f


def _current(store: GraphStore) -> Any | None:
    """``gds_jobs.current_measures`` of every organisation, or None when it fails (logged)."""
    try:
        return gds_jobs.current_measures(store, None, include_brokerage=True)
    except Exception:  # the measures package must not take the page down; the error is logged
        log.exception("gds_jobs.current_measures failed")
        return None


def _matrix(frame: Any) -> tuple[dict[str, int], np.ndarray]:
    """The organisations with at least one defined measure (orgnr → row) and their values, one column per
    entry of ``MEASURES`` (NaN where a value is missing, not a number, infinite, or the column is boolean):
    the values ``finite_number`` accepts, held as one float array instead of a dict per organisation."""
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
            cols.append(np.array([np.nan if (v := finite_number(x)) is None else v for x in col], dtype=float))
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


def _published_runs(store: GraphStore) -> tuple[Any, ...]:
    """The run ids the Meta pointer names as current (measures, brokerage); Nones before any run."""
    rows = library.run(store, "measures/current_run")
    if not rows:
        return (None, None)
    return (rows[0].get("run_id"), rows[0].get("brokerage_run_id"))


def _snapshot(store: GraphStore) -> dict[str, Any]:
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
        frame = _current(store)
        index, matrix = _matrix(frame)
        dist: dict[tuple[str, str, str], Any] = {}
        if index:
            groups = {r["orgnr"]: r for r in library.run(store, "organization/groups", timeout_s=120)}
            dist = _distributions(list(index), matrix, groups)
        # a failed read (frame None) is not kept: the next check reads again
        snap = {"at": now, "checked": now, "runs": runs if frame is not None else ("failed",),
                "run_id": frame.attrs.get("run_id") if frame is not None else None,
                "index": index, "matrix": matrix, "dist": dist}
        _cache[key] = snap
        return snap


def cache_seconds() -> float:
    """Longest life of a measures snapshot (setting ``measures_cache_s``)."""
    return float(read_setting("measures_cache_s"))


def check_seconds() -> float:
    """How often the Meta pointer is read to see a newly published run (setting ``measures_check_s``)."""
    return float(read_setting("measures_check_s"))


def _current_snapshot(store: GraphStore) -> dict[str, Any] | None:
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


def values_for(store: GraphStore, orgnrs: list[str]) -> tuple[dict[str, dict[str, float]], str | None]:
    """Current measure values of ``orgnrs`` (defined values only) and the run id; ({}, None) before any run.

    From the cached snapshot when it holds the published run; otherwise only these organisations' values
    are read (one small read instead of every organisation's, which takes seconds at 100 k organisations),
    and the snapshot is left to the next page that needs percentiles.
    """
    if not orgnrs:
        return {}, None
    snap = _current_snapshot(store)
    if snap is not None:
        return {o: _values_of(snap, o) for o in orgnrs if o in snap["index"]}, snap["run_id"]
    try:
        frame = gds_jobs.current_measures(store, orgnrs, include_brokerage=True)
    except Exception:  # the measures package must not take the page down; the error is logged
        log.exception("gds_jobs.current_measures failed for %d organisations", len(orgnrs))
        return {}, None
    index, matrix = _matrix(frame)
    part = {"index": index, "matrix": matrix}
    return {o: _values_of(part, o) for o in index}, frame.attrs.get("run_id")


def shares(sorted_values: Any, v: float) -> tuple[float, float] | None:
    """(% of ``sorted_values`` strictly below ``v``, % equal to it), rounded to 0.1; None for fewer than 2 values.

    Ties are not counted as beaten: when 80 % of organisations have eigenvector 0, one of them is
    higher than 0 % (and level with 80 %), not "higher than 40 %" as a mid-rank percentile says.
    ``below`` is scipy's ``percentileofscore(kind="strict")``; ``below + same`` is ``kind="weak"``.
    """
    n = len(sorted_values)
    if n < 2:
        return None
    below = bisect.bisect_left(sorted_values, v)
    equal = bisect.bisect_right(sorted_values, v) - below
    return round(100.0 * below / n, 1), round(100.0 * equal / n, 1)


def _fmt(m: Measure, v: float) -> str:
    from web.i18n import number

    return number(v, m.decimals)


#: Ties worth saying: a share of organisations with the very same value from this percentage up.
SAME_NOTE = 5.0


def sentence(m: Measure, v: float, group_shares: tuple[float, float] | None, group: str | None,
             region_shares: tuple[float, float] | None, region: str | None) -> str:
    """Plain-language sentences for advisors: what the measure is, what 0 means when it means something, and
    how many organisations of the same sector and county have a lower (and the same) value."""
    from web.i18n import percent

    out = [gettext("%(title)s is %(value)s: it measures %(meaning)s.", title=m.title, value=_fmt(m, v),
                   meaning=m.meaning)]
    if v == 0 and m.zero_note is not None:
        out.append(str(m.zero_note))
    parts = []
    if group_shares is not None and group:
        below, same = group_shares
        text = gettext("%(share)s of %(group)s organisations have a lower value", share=percent(below), group=group)
        if same >= SAME_NOTE:
            text += gettext(" (%(share)s have the same)", share=percent(same))
        parts.append(text)
    if region_shares is not None and region:
        below, same = region_shares
        text = gettext("%(share)s of organisations in %(region)s", share=percent(below), region=region)
        if same >= SAME_NOTE:
            text += gettext(" (%(share)s the same)", share=percent(same))
        parts.append(text)
    if len(parts) == 1:
        out.append(parts[0] + ".")
    elif parts:
        out.append(gettext("%(first)s, and %(second)s.", first=parts[0], second=parts[1]))
    return " ".join(out)


def for_organization(store: GraphStore, profile: dict) -> dict:
    """The measure card of one organisation.

    Returns ``{"status": "ok"|"not_computed", "run_id": ..., "source": ..., "measures": [...]}``
    where each measure has its value, its percentile among organisations of the same helix
    sector and of the same county, and a plain-language sentence.
    """
    orgnr = profile["orgnr"]
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
        pg = shares(dist.get((m.name, "helix", str(helix)), []), v) if helix else None
        pr = shares(dist.get((m.name, "county_code", str(county)), []), v) if county else None
        group = HELIX_NAMES.get(helix or "", helix)
        out.append({"name": m.name, "title": str(m.title), "value": v, "display": _fmt(m, v),
                    "percentile_group": pg[0] if pg else None, "same_group": pg[1] if pg else None,
                    "group": helix, "percentile_region": pr[0] if pr else None,
                    "same_region": pr[1] if pr else None, "region": profile.get("county"),
                    "sentence": sentence(m, v, pg, str(group) if group else None, pr, profile.get("county"))})
    return {"status": "ok", "run_id": snap["run_id"], "source": "gds_jobs.current_measures", "measures": out}


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
