"""The cron parser, next-run times across DST changes, and the foreground schedule loop."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from gds_jobs.schedule import Cron, next_run, schedule_forever
from klynge.errors import ConfigError, JobFailed

OSLO = ZoneInfo("Europe/Oslo")
UTC = dt.timezone.utc


def at(y, mo, d, h, mi, tz=OSLO):
    return dt.datetime(y, mo, d, h, mi, tzinfo=tz)


def test_nightly_default_runs_at_0230_oslo_time():
    """Winter: Oslo is UTC+1, so 02:30 local is 01:30 UTC."""
    nxt = next_run("30 2 * * *", at(2026, 1, 10, 12, 0).astimezone(UTC))
    assert nxt == at(2026, 1, 11, 2, 30) and nxt.astimezone(UTC) == dt.datetime(2026, 1, 11, 1, 30, tzinfo=UTC)
    assert next_run("30 2 * * *", at(2026, 1, 10, 2, 29)) == at(2026, 1, 10, 2, 30)
    assert next_run("30 2 * * *", at(2026, 1, 10, 2, 30)) == at(2026, 1, 11, 2, 30)  # strictly after


def test_spring_forward_gap_runs_right_after_the_gap():
    """Europe/Oslo skips 02:00-03:00 on 2026-03-29 (last Sunday of March): 02:30 runs at 03:30 CEST = 01:30 UTC."""
    nxt = next_run("30 2 * * *", at(2026, 3, 28, 12, 0))
    assert nxt.astimezone(UTC) == dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert next_run("30 2 * * *", nxt) == at(2026, 3, 30, 2, 30)


def test_autumn_repeated_hour_runs_once():
    """2026-10-25 repeats 02:00-03:00 in Oslo; 02:30 runs at its first occurrence (00:30 UTC) only."""
    first = next_run("30 2 * * *", at(2026, 10, 24, 12, 0))
    assert first.astimezone(UTC) == dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    second = next_run("30 2 * * *", first)
    assert second == at(2026, 10, 26, 2, 30)


def test_fields_ranges_steps_lists_and_weekdays():
    c = Cron.parse("*/15 8-10 * * 1-5")
    assert c.minutes == frozenset({0, 15, 30, 45}) and c.hours == frozenset({8, 9, 10})
    # Saturday 2026-01-10 → Monday 2026-01-12 08:00
    assert c.next_after(at(2026, 1, 10, 9, 0), OSLO) == at(2026, 1, 12, 8, 0)
    assert Cron.parse("0 0 * * 7").weekdays == frozenset({0})  # 7 = Sunday
    # day of month OR day of week when both are restricted (Vixie cron)
    either = Cron.parse("0 3 1 * 0")
    assert either.next_after(at(2026, 1, 2, 0, 0), OSLO) == at(2026, 1, 4, 3, 0)  # Sunday 4 Jan
    assert Cron.parse("0 3 1,15 * *").next_after(at(2026, 1, 2, 0, 0), OSLO) == at(2026, 1, 15, 3, 0)


@pytest.mark.parametrize("expr,message", [
    ("30 2 * *", "has 4 fields; expected 5"),
    ("61 2 * * *", "minute field '61' is outside 0-59"),
    ("30 x * * *", "hour field 'x' is not a number"),
    ("0 0 31 2 *", "never matches a real date"),
])
def test_bad_cron_expressions_are_explained(expr, message):
    with pytest.raises(ConfigError, match=message):
        next_run(expr, at(2026, 1, 1, 0, 0))


def test_unknown_time_zone_is_explained():
    with pytest.raises(ConfigError, match="time zone 'Europe/Atlantis' is unknown"):
        next_run("30 2 * * *", at(2026, 1, 1, 0, 0), tz="Europe/Atlantis")


class FakeClock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> dt.datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += dt.timedelta(seconds=seconds)


def test_schedule_sleeps_until_each_run_and_survives_a_failed_run():
    clock = FakeClock(at(2026, 1, 10, 23, 0).astimezone(UTC))
    calls: list[dt.datetime] = []
    lines: list[str] = []

    def fake_run(store, **kw):
        calls.append(clock.now)
        assert kw == {"engine": "local"}
        if len(calls) == 1:
            raise JobFailed("injected failure")
        return "ok"

    n = schedule_forever("store", "30 2 * * *", "Europe/Oslo", run=fake_run, clock=clock, sleep=clock.sleep,
                         max_runs=2, echo=lines.append, engine="local")
    assert n == 2
    assert calls == [at(2026, 1, 11, 2, 30), at(2026, 1, 12, 2, 30)]
    assert all(s <= 3600 for s in clock.slept)
    assert lines[0].startswith("next measures run at 2026-01-11T02:30:00+01:00")
    assert "scheduled run failed: injected failure" in lines
