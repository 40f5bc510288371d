"""Five-field cron expressions and their next run time, shared by the scheduler and the status page.

The nightly measures jobs run on ``KLYNGE_SCHEDULE`` (default ``30 2 * * *``, 02:30) in
``Europe/Oslo``. The scheduler loop lives in :mod:`gds_jobs.schedule`; this module holds
only the parser and :func:`next_run`, so the web status page can say when the next run
is due without importing the jobs package.

Cron fields: minute (0-59), hour (0-23), day of month (1-31), month (1-12), day of
week (0-7, 0 and 7 = Sunday); each ``*``, a number, a range ``a-b``, a list ``a,b``,
and a step ``*/n`` or ``a-b/n``. As in Vixie cron, when both day fields are restricted
a day matches if either does. Times are wall-clock times in ``tz``: a time skipped by
the spring DST change runs at the first minute after the gap; a time repeated in
autumn runs once (its first occurrence).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from klynge.config import SETTINGS_BY_NAME, read_setting
from klynge.errors import ConfigError

__all__ = ["DEFAULT_CRON", "DEFAULT_TZ", "Cron", "next_run", "schedule_of"]

DEFAULT_CRON = SETTINGS_BY_NAME["schedule"].default
DEFAULT_TZ = "Europe/Oslo"

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
    round_trip = first.astimezone(dt.UTC).astimezone(zone)
    if round_trip.replace(tzinfo=None) != first.replace(tzinfo=None):
        # skipped by a spring-forward gap: run at the instant the gap ends
        return round_trip
    return first


def next_run(cron: str, now: dt.datetime | None = None, tz: str = "Europe/Oslo") -> dt.datetime:
    """The next run time of ``cron`` after ``now`` (default: the current time)."""
    now = now or dt.datetime.now(dt.UTC)
    return Cron.parse(cron).next_after(now, tz)


def schedule_of(environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """The jobs' cron expression and time zone: ``KLYNGE_SCHEDULE`` (default ``30 2 * * *``) in Europe/Oslo.

    ``klynge jobs schedule`` reads the same variable (its ``--cron`` and ``--tz`` options override it).
    """
    return str(read_setting("schedule", environ)).strip() or DEFAULT_CRON, DEFAULT_TZ
