"""The nightly schedule: a small five-field cron parser and a foreground loop.

``klynge jobs schedule`` (the compose ``scheduler`` service runs exactly that command)
calls :func:`schedule_forever`: compute the next run time in the configured time zone,
sleep until then, run the jobs, repeat. A failed run is logged and the loop goes on;
a run refused because another holds the lock is skipped.

Cron fields: minute (0-59), hour (0-23), day of month (1-31), month (1-12), day of
week (0-7, 0 and 7 = Sunday); each ``*``, a number, a range ``a-b``, a list ``a,b``,
and a step ``*/n`` or ``a-b/n``. As in Vixie cron, when both day fields are restricted
a day matches if either does. Times are wall-clock times in ``tz``: a time skipped by
the spring DST change runs at the first minute after the gap; a time repeated in
autumn runs once (its first occurrence).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from klynge.errors import ConfigError, KlyngeError

log = logging.getLogger(__name__)

_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 7))


def _parse_field(text: str, name: str, low: int, high: int, expr: str) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        rng, _, step_s = part.partition("/")
        try:
            step = int(step_s) if step_s else 1
            if rng == "*":
                a, b = low, high
            elif "-" in rng:
                a_s, b_s = rng.split("-", 1)
                a, b = int(a_s), int(b_s)
            else:
                a = b = int(rng)
                if step_s:
                    b = high
        except ValueError as exc:
            raise ConfigError(f"cron expression {expr!r}: {name} field {text!r} is not a number, range, "
                              "list or step (e.g. '30', '1-5', '0,30', '*/15')") from exc
        if step < 1 or a < low or b > high or a > b:
            raise ConfigError(f"cron expression {expr!r}: {name} field {text!r} is outside {low}-{high} "
                              "or has a step below 1")
        values.update(range(a, b + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class Cron:
    """A parsed five-field cron expression."""

    expr: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday … 6 = Saturday
    dom_any: bool
    dow_any: bool

    @classmethod
    def parse(cls, expr: str) -> Cron:
        """Parse ``expr``.

        Raises
        ------
        ConfigError
            When it does not have five valid fields; the message names the field.
        """
        parts = expr.split()
        if len(parts) != 5:
            raise ConfigError(f"cron expression {expr!r} has {len(parts)} fields; expected 5 "
                              "(minute hour day-of-month month day-of-week), e.g. '30 2 * * *'")
        sets = [_parse_field(p, n, lo, hi, expr) for p, (n, lo, hi) in zip(parts, _FIELDS)]
        weekdays = frozenset(d % 7 for d in sets[4])
        return cls(expr, sets[0], sets[1], sets[2], sets[3], weekdays, parts[2] == "*", parts[4] == "*")

    def day_matches(self, day: dt.date) -> bool:
        if day.month not in self.months:
            return False
        dom = day.day in self.days
        dow = (day.isoweekday() % 7) in self.weekdays
        if self.dom_any or self.dow_any:
            return dom and dow
        return dom or dow

    def next_after(self, now: dt.datetime, tz: str | dt.tzinfo = "Europe/Oslo") -> dt.datetime:
        """The first scheduled instant strictly after ``now`` (aware), as an aware datetime in ``tz``.

        Raises
        ------
        ConfigError
            For an unknown time zone or an expression that never matches (e.g. 31 February).
        """
        zone = _zone(tz)
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        local_now = now.astimezone(zone)
        day = local_now.date()
        for _ in range(366 * 5):
            if self.day_matches(day):
                for h in sorted(self.hours):
                    for m in sorted(self.minutes):
                        wall = dt.datetime(day.year, day.month, day.day, h, m, tzinfo=zone)
                        real = _resolve(wall, zone)
                        if real > now:
                            return real
            day += dt.timedelta(days=1)
        raise ConfigError(f"cron expression {self.expr!r} never matches a real date; fix the day fields")


def _zone(tz: str | dt.tzinfo) -> dt.tzinfo:
    if isinstance(tz, dt.tzinfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"time zone {tz!r} is unknown; use an IANA name such as 'Europe/Oslo'") from exc


def _resolve(wall: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """A wall-clock time as a real instant: first occurrence if repeated, shifted past a DST gap."""
    first = wall.replace(fold=0)
    round_trip = first.astimezone(dt.timezone.utc).astimezone(zone)
    if round_trip.replace(tzinfo=None) != first.replace(tzinfo=None):
        # skipped by a spring-forward gap: run at the instant the gap ends
        return round_trip
    return first


def next_run(cron: str, now: dt.datetime | None = None, tz: str = "Europe/Oslo") -> dt.datetime:
    """The next run time of ``cron`` after ``now`` (default: the current time)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    return Cron.parse(cron).next_after(now, tz)


def schedule_forever(store: Any, cron: str = "30 2 * * *", tz: str = "Europe/Oslo", *,
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
