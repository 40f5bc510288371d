"""Status pages with real records: LoadRun nodes written by real loads, JobRun nodes by real measures runs.

Expected values come from what the loaders and the jobs returned (``LoadSummary``,
``RunSummary``), not from the page itself.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

import loaders
from gds_jobs import runs as job_runs
from gds_jobs.jobs import run_jobs
from klynge import cron
from klynge.errors import ConfigError, JobFailed, LoadError
from web import create_app

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "loaders"

BOARDS = """
CREATE (a:Organization:Firm {orgnr: '100000001', name: 'Alfa AS', helix: 'industry'})
CREATE (b:Organization:Firm {orgnr: '100000002', name: 'Beta AS', helix: 'industry'})
CREATE (c:Organization:Firm {orgnr: '100000003', name: 'Gamma AS', helix: 'industry'})
CREATE (p1:Person {person_key: 'p1'}), (p2:Person {person_key: 'p2'})
CREATE (p1)-[:HOLDS_ROLE {role: 'MEDL', role_group: 'STYR', active: true}]->(a)
CREATE (p1)-[:HOLDS_ROLE {role: 'MEDL', role_group: 'STYR', active: true}]->(b)
CREATE (p2)-[:HOLDS_ROLE {role: 'MEDL', role_group: 'STYR', active: true}]->(b)
CREATE (p2)-[:HOLDS_ROLE {role: 'LEDE', role_group: 'STYR', active: true}]->(c)
"""


class Boom(RuntimeError):
    pass


@pytest.fixture
def recorded(store, tmp_path):
    """One good units load, one failed load of a broken file, one succeeded and one failed measures run."""
    good = loaders.load("units", FIX / "units" / "enheter.json", store, progress=False, reject_dir=tmp_path / "rej")
    bad_file = tmp_path / "broken" / "bad.json"
    bad_file.parent.mkdir()
    bad_file.write_text('[{"organisasjonsnummer": "910000004", "navn": "A"}, {"organisasjonsnummer": "9100',
                        encoding="utf-8")
    with pytest.raises(LoadError):
        loaders.load("units", bad_file, store, progress=False, source="units_broken", reject_dir=tmp_path / "rej")
    store.run(BOARDS)
    ok_run = run_jobs(store, engine="local", config=job_runs.RunConfig.from_env(environ={}))

    def explode(event):
        if event.event == "start":
            raise Boom("disk full while computing measures")

    with pytest.raises((JobFailed, Boom)):
        run_jobs(store, engine="local", progress=explode, config=job_runs.RunConfig.from_env(environ={}))
    failed = store.read("MATCH (r:JobRun) WHERE r.status = 'failed' RETURN r.run_id AS run_id, r.error AS error")
    assert len(failed) == 1 and failed[0]["error"]
    return {"good": good, "bad_file": bad_file, "ok_run": ok_run, "failed": failed[0]}


def client_for(settings, tmp_path, role=None, **config):
    cfg = {"data_dir": settings.data_dir, "graph_name": settings.graph_name, "state_dir": tmp_path / "state",
           "TESTING": True, **config}
    if role:
        cfg["KLYNGE_TEST_ROLE"] = role
    return create_app(cfg).test_client()


def test_data_page_shows_each_sources_last_load_with_the_loaders_counts(settings, tmp_path, recorded):
    good = recorded["good"]
    body = client_for(settings, tmp_path, "analyst").get("/status/data.json").get_json()
    by_source = {s["source"]: s for s in body["sources"]}
    row = by_source[good.source]
    assert (row["status"], row["read"], row["created"], row["updated"], row["unchanged"], row["rejected"]) == (
        "ok", good.read, good.created, good.updated, good.unchanged, good.rejected)
    assert row["load_id"] == good.load_id and row["loads"] == 1 and row["error"] is None
    assert row["file"] == good.file and row["duration_s"] is not None and row["duration_s"] >= 0
    broken = by_source["units_broken"]
    assert broken["status"] == "failed" and "bad.json" in broken["error"] and broken["file"] == str(recorded["bad_file"])
    assert {r["load_id"] for r in body["recent"]} >= {good.load_id, broken["load_id"]}


def test_viewer_sees_data_and_job_status_but_not_errors_paths_or_owners(settings, tmp_path, recorded):
    """Decision (web/views/status.py): the pages are public; error texts, file paths and run owners are for
    analysts and admins, because they may name server paths."""
    viewer = client_for(settings, tmp_path)
    data = viewer.get("/status/data.json").get_json()
    broken = {s["source"]: s for s in data["sources"]}["units_broken"]
    assert broken["status"] == "failed" and broken["error"] is None and broken["file"] is None
    assert broken["details_hidden"] is True
    html = viewer.get("/status/data").get_data(as_text=True)
    assert str(recorded["bad_file"]) not in html and "bad.json" not in html
    assert "details shown to the analyst role" in html
    jobs = viewer.get("/status/jobs.json").get_json()
    assert all(r["error"] is None and r["owner"] is None for r in jobs["runs"])
    assert recorded["failed"]["error"] not in viewer.get("/status/jobs").get_data(as_text=True)


def test_jobs_page_lists_runs_newest_first_with_status_duration_and_error(settings, tmp_path, store, recorded):
    ok = recorded["ok_run"]
    stored = store.read("MATCH (r:JobRun {run_id: $id}) RETURN r.duration_s AS d, r.started AS s", {"id": ok.run_id})[0]
    body = client_for(settings, tmp_path, "admin").get("/status/jobs.json").get_json()
    runs = body["runs"]
    assert [r["status"] for r in runs] == ["failed", "succeeded"]
    assert runs[0]["run_id"] == recorded["failed"]["run_id"] and "disk full" in runs[0]["error"]
    assert runs[1]["run_id"] == ok.run_id and runs[1]["current"] is True and runs[1]["error"] is None
    assert (runs[1]["duration_s"], runs[1]["started"]) == (stored["d"], stored["s"])  # as the job recorded them
    assert runs[1]["owner"]  # host:pid, shown to admins
    html = client_for(settings, tmp_path, "admin").get("/status/jobs").get_data(as_text=True)
    assert ok.run_id in html and "disk full while computing measures" in html


def test_status_summary_names_the_latest_run_and_the_next_scheduled_run(settings, tmp_path, recorded):
    c = client_for(settings, tmp_path, "analyst", KLYNGE_SCHEDULE="15 4 * * 1")
    body = c.get("/status.json").get_json()
    assert body["latest_run"]["run_id"] == recorded["failed"]["run_id"]
    sched = body["schedule"]
    assert (sched["cron"], sched["tz"], sched["error"]) == ("15 4 * * 1", "Europe/Oslo", None)
    nxt = dt.datetime.fromisoformat(sched["next_run"])
    # 04:15 Oslo time on a Monday, within the coming week, after now
    assert (nxt.hour, nxt.minute, nxt.isoweekday()) == (4, 15, 1)
    assert dt.timedelta(0) < nxt - dt.datetime.now(dt.UTC) <= dt.timedelta(days=7)
    html = c.get("/status").get_data(as_text=True)
    assert "Next scheduled run" in html and sched["next_run"] in html


def test_bad_schedule_is_reported_on_the_page_not_as_a_crash(settings, tmp_path, store):
    body = client_for(settings, tmp_path, KLYNGE_SCHEDULE="61 2 * * *").get("/status/jobs.json").get_json()
    assert body["schedule"]["next_run"] is None and "minute field '61'" in body["schedule"]["error"]


def test_empty_graph_status_pages_say_nothing_ran_yet(settings, tmp_path, store):
    c = client_for(settings, tmp_path)
    assert c.get("/status.json").get_json()["latest_run"] is None
    assert "Nothing has been loaded yet" in c.get("/status/data").get_data(as_text=True)
    assert "No measures job has run yet" in c.get("/status/jobs").get_data(as_text=True)


def test_limit_is_checked(settings, tmp_path, store):
    r = client_for(settings, tmp_path).get("/status/jobs.json?limit=0")
    assert r.status_code == 400 and "limit" in r.get_json()["error"]


def test_shared_cron_reads_klynge_schedule_and_refuses_bad_fields():
    assert cron.schedule_of({}) == ("30 2 * * *", "Europe/Oslo")
    assert cron.schedule_of({"KLYNGE_SCHEDULE": " 0 5 * * * "}) == ("0 5 * * *", "Europe/Oslo")
    with pytest.raises(ConfigError, match=re.escape("has 4 fields; expected 5")):
        cron.next_run("0 5 * *")


def test_a_running_run_without_a_live_lock_is_flagged_stale(settings, tmp_path, store):
    """A run that holds the jobs' lock is 'running'; one whose process died (no lock) is 'running (stale?)'."""
    from gds_jobs.lock import JobLock

    for run_id, started in (("live-run", "2026-11-27T02:30:00.000+00:00"), ("dead-run", "2026-11-26T02:30:00.000+00:00")):
        store.run(job_runs.CREATE_RUN, {"run_id": run_id, "props": {"status": "running", "started": started,
                                                                    "job": "measures", "engine": "local"}})
    lock = JobLock(store, "live-run", ttl_s=600)
    lock.acquire()
    try:
        body = client_for(settings, tmp_path).get("/status/jobs.json").get_json()
    finally:
        lock.release()
    assert [(r["run_id"], r["status"]) for r in body["runs"]] == [("live-run", "running"),
                                                                  ("dead-run", "running (stale?)")]
    assert "holds_lock" not in body["runs"][0] and "lock_expires" not in body["runs"][0]
    body = client_for(settings, tmp_path).get("/status/jobs.json").get_json()  # the live run's lock is gone now
    assert body["runs"][0]["status"] == "running (stale?)"
