"""Status pages: the measures jobs (recent runs, next scheduled run) and the data (last load per source,
last sync per feed with its cursor).

Who sees what: the pages are open to every visitor, viewers included — when the
data was loaded and whether the nightly jobs ran is what anyone reading a
measure needs to judge it. The details that can expose the server — the
``error`` text of a failed load or run (it may hold file paths and database
messages), the loaded ``file`` path and a run's ``owner`` (host:pid) — are shown
only to analysts and admins; others see that a detail exists
(``details_hidden: true``) and whom to ask.

The next run comes from the cron expression of ``klynge jobs schedule``:
``KLYNGE_SCHEDULE`` (default ``30 2 * * *``) in Europe/Oslo, computed with
:mod:`klynge.cron` (the web app does not import the jobs package). The app
config key ``KLYNGE_SCHEDULE`` overrides the environment (tests).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

from flask import Blueprint, current_app

from cypher import library
from klynge import cron
from klynge.errors import ConfigError
from web import auth, confidential, params
from web.routes import Param, page, respond
from web.stores import get_store

bp = Blueprint("status", __name__)

DETAIL_FIELDS = ("error", "file", "owner")
DETAILS_ROLE = "analyst"


def _details_visible() -> bool:
    return auth.has_role(DETAILS_ROLE)


def _hide_details(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if _details_visible():
        return [{**r, "details_hidden": False} for r in rows]
    out = []
    for r in rows:
        hidden = any(r.get(f) not in (None, "") for f in DETAIL_FIELDS)
        out.append({**{k: v for k, v in r.items() if k not in DETAIL_FIELDS},
                    **{f: None for f in DETAIL_FIELDS if f in r}, "details_hidden": hidden})
    return out


def _seconds_between(start: Any, end: Any) -> float | None:
    try:
        a = dt.datetime.fromisoformat(str(start))
        b = dt.datetime.fromisoformat(str(end))
    except (TypeError, ValueError):
        return None
    return round((b - a).total_seconds(), 3)


def next_run_info(now: dt.datetime | None = None) -> dict[str, Any]:
    """The schedule of the measures jobs: cron expression, time zone and the next run (ISO, local and UTC)."""
    expr, tz = cron.schedule_of()
    expr = current_app.config.get("KLYNGE_SCHEDULE") or expr
    try:
        at = cron.next_run(expr, now, tz)
    except ConfigError as exc:
        return {"cron": expr, "tz": tz, "next_run": None, "next_run_utc": None,
                "error": f"{exc} (set KLYNGE_SCHEDULE)"}
    return {"cron": expr, "tz": tz, "next_run": at.isoformat(),
            "next_run_utc": at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"), "error": None}


def job_runs(limit: int, now: float | None = None) -> list[dict[str, Any]]:
    """Recent runs; a ``running`` run that does not hold a live lock is shown as ``running (stale?)``.

    The jobs keep their lock alive while they run (``gds_jobs.lock``: the expiry is extended every third
    of its time-to-live), so a running run without the lock, or with an expired one, was killed; the
    next run marks it interrupted.
    """
    now = time.time() if now is None else now
    rows = library.run(get_store(), "status/job_runs", {"limit": limit})
    for r in rows:
        live = bool(r.pop("holds_lock", False)) and (r.get("lock_expires") or 0) >= now
        r.pop("lock_expires", None)
        if r.get("status") == "running" and not live:
            r["status"] = "running (stale?)"
        r["sync"] = _sync_summary(r.get("sync"))
    return _hide_details(rows)


def _sync_summary(raw: Any) -> dict[str, Any] | None:
    """The run record's sync summary: status, changes applied, rejects, duration (feed errors left out)."""
    try:
        data = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    return {k: data.get(k) for k in ("status", "applied", "rejected", "duration_s")}


def sync_feeds() -> list[dict[str, Any]]:
    """Each feed's and file's last sync and cursor (errors for analysts and admins)."""
    return _hide_details(library.run(get_store(), "status/sync_feeds"))


def last_loads() -> list[dict[str, Any]]:
    rows = confidential.public_loads(library.run(get_store(), "status/last_loads"))
    for r in rows:
        r["duration_s"] = _seconds_between(r.get("started"), r.get("finished"))
    return _hide_details(rows)


def load_runs(limit: int) -> list[dict[str, Any]]:
    rows = confidential.public_loads(library.run(get_store(), "status/load_runs", {"limit": limit}))
    for r in rows:
        r["duration_s"] = _seconds_between(r.get("started"), r.get("finished"))
    return _hide_details(rows)


def _common() -> dict[str, Any]:
    return {"details_visible": _details_visible(), "details_role": DETAILS_ROLE}


@page(bp, "/status", summary="Status of the measures jobs and the data loads", tag="status",
      errors=(503,),
      result={"latest_run": "the newest JobRun (or null), with the summary of the sync before it",
              "schedule": "cron, tz, next_run (local ISO), next_run_utc",
              "sources": "per source its last LoadRun with row counts",
              "syncs": "per feed or file its last sync: feed, cursor, cursor_time, status, started, finished, "
                       "events, applied, rejected, error"})
def status_page():
    """One view of the platform's state: the latest measures job run (and the sync before it), when
    the next one is due, for each data source its last load with rows read, created, updated and
    rejected, and for each update feed its last sync and cursor. Error texts, file paths and run
    owners are shown to analysts and admins only."""
    runs = job_runs(1)
    return respond("status.html", {**_common(), "latest_run": runs[0] if runs else None,
                                   "schedule": next_run_info(), "sources": last_loads(), "syncs": sync_feeds()})


@page(bp, "/status/jobs", summary="Recent runs of the measures jobs and the next scheduled run", tag="status",
      params=(Param("limit", "integer", "Most runs listed, newest first", 20, minimum=1, maximum=200),),
      errors=(400, 503),
      result={"runs": "run_id, job, status, engine, started, finished, duration_s, current, owner, error",
              "schedule": "cron, tz, next_run, next_run_utc"})
def status_jobs():
    """The latest runs of the nightly measures jobs, newest first: status, start, duration and error
    (errors and owners for analysts and admins), and the next scheduled run."""
    limit = params.int_arg("limit", 20, 1, 200)
    return respond("status_jobs.html", {**_common(), "runs": job_runs(limit), "limit": limit,
                                        "schedule": next_run_info()})


@page(bp, "/status/data", summary="The last load of each data source, and recent loads", tag="status",
      params=(Param("limit", "integer", "Most recent loads listed", 20, minimum=1, maximum=200),),
      errors=(400, 503),
      result={"sources": "per source: loads, load_id, file, status, started, finished, duration_s, read, "
                         "created, updated, unchanged, rejected, error",
              "recent": "the latest loads of any source, same fields"})
def status_data():
    """For each data source its last load (when, rows read, created, updated, unchanged and rejected,
    status and error) and the latest loads of any source. File paths and errors are shown to analysts
    and admins only."""
    limit = params.int_arg("limit", 20, 1, 200)
    return respond("status_data.html", {**_common(), "sources": last_loads(), "recent": load_runs(limit),
                                        "limit": limit})
