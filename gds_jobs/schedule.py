"""The nightly schedule: a foreground loop over the cron parser in :mod:`klynge.cron`.

``klynge jobs schedule`` (the compose ``scheduler`` service runs exactly that command)
calls :func:`schedule_forever`: compute the next run time in the configured time zone,
sleep until then, run the jobs, repeat. A failed run is logged and the loop goes on;
a run refused because another holds the lock is skipped.

The cron fields and the rules for days and daylight-saving changes are in :mod:`klynge.cron`.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from klynge.cron import DEFAULT_CRON, DEFAULT_TZ, Cron, _zone, next_run
from klynge.errors import KlyngeError

if TYPE_CHECKING:
    from cypher.store import GraphStore

__all__ = ["Cron", "next_run", "schedule_forever"]

log = logging.getLogger(__name__)


def schedule_forever(store: GraphStore, cron: str = DEFAULT_CRON, tz: str = DEFAULT_TZ, *,
                     run: Callable[..., Any] | None = None,
                     clock: Callable[[], dt.datetime] | None = None,
                     sleep: Callable[[float], None] = time.sleep,
                     max_runs: int | None = None,
                     echo: Callable[[str], None] = print,
                     **run_kwargs: Any) -> int:
    """Run the jobs on ``cron`` in the foreground until stopped (or ``max_runs`` runs).

    Parameters
    ----------
    store : the graph store.
    cron : five-field cron expression (default 02:30 every day).
    tz : IANA time zone of the expression (default Europe/Oslo).
    run : the function to call (default :func:`gds_jobs.jobs.run_jobs`); tests pass a fake.
    clock, sleep : time source and sleep (tests pass fakes).
    max_runs : stop after this many runs (None: never).
    echo : where to print one line per scheduled time and result.
    run_kwargs : passed to ``run`` (``engine``, ``include_ceo``, …).

    Returns
    -------
    int
        The number of runs attempted.

    Raises
    ------
    ConfigError
        For a bad cron expression or time zone (checked before the first wait).
    """
    spec = Cron.parse(cron)
    zone = _zone(tz)
    if run is None:
        from gds_jobs.jobs import run_jobs as run
    clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
    attempted = 0
    while max_runs is None or attempted < max_runs:
        now = clock()
        at = spec.next_after(now, zone)
        echo(f"next measures run at {at.isoformat()} ({cron} {tz})")
        while (wait := (at - clock()).total_seconds()) > 0:
            sleep(min(wait, 3600.0))
        attempted += 1
        try:
            summary = run(store, **run_kwargs)
            echo(summary.describe() if hasattr(summary, "describe") else str(summary))
        except KlyngeError as exc:
            log.error("scheduled measures run failed: %s", exc)
            echo(f"scheduled run failed: {exc}")
    return attempted
