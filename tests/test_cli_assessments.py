"""`klynge load assessments`, `klynge assessments template|export`, `klynge report region --[no-]assessments` and the
warning of `klynge db wipe` on the command line (the test's own store)."""

from __future__ import annotations

import csv
import datetime as dt
import json

import openpyxl
import pytest
from click.testing import CliRunner

from cypher import assessments as store_assessments
from klynge import assessments, audit
from klynge.cli import main
from tests.gds_jobs.test_analysis_groups import D, build_world

ITEMS = assessments.instrument().item_ids


@pytest.fixture
def cli(store_env):
    runner = CliRunner()
    return lambda *args, **kw: runner.invoke(main, list(args), catch_exceptions=False, **kw)


def _audited(settings, action: str) -> list[dict]:
    return [e for e in audit.read_entries(settings.state_dir, limit=10000)
            if e.get("kind") == "assessment" and e.get("action") == action]


def test_template_load_export_and_report(cli, store, settings, tmp_path):
    build_world(store)
    template = tmp_path / "template.xlsx"
    assert cli("assessments", "template", str(template)).exit_code == 0
    wb = openpyxl.load_workbook(template)
    assert [c.value for c in wb["assessments"][1]][:3] == ["orgnr", "interview_date", "advisor"]
    assert "acq1" in [c.value for c in wb["instrument"]["A"]]
    rows = tmp_path / "interviews.csv"
    with open(rows, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["orgnr", "interview_date", "advisor", *ITEMS])
        w.writerow([D, "2026-01-10", "Kari", *[5] * len(ITEMS)])
        w.writerow([D, "2026-01-11", "Kari", 9, *[5] * (len(ITEMS) - 1)])
    r = cli("load", "assessments", str(rows), "--reject-dir", str(tmp_path / "rejects"))
    assert r.exit_code == 3 and "created 1" in r.output and "rejected 1" in r.output
    assert any(str(rows) in e["subject"] for e in _audited(settings, "import"))
    backup = tmp_path / "backup.csv"
    r = cli("assessments", "export", str(backup))
    assert r.exit_code == 0 and "1 assessments written" in r.output
    assert any(e["subject"] == f"file:{backup}" and e["rows"] == 1 for e in _audited(settings, "export"))
    out = tmp_path / "report"
    r = cli("report", "region", "testregion", "--out", str(out), "--no-sensitivity", "--no-assessments")
    assert r.exit_code == 0 and "confidential" not in r.output
    assert "confidential" not in json.loads((out / "report.json").read_text(encoding="utf-8"))["meta"]
    r = cli("report", "region", "testregion", "--out", str(out), "--no-sensitivity")
    assert r.exit_code == 0 and "1 advisors' assessments" in r.output
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["meta"]["confidential"]["interviewed"] == 1
    assert any(e["subject"] == "region:testregion" for e in _audited(settings, "report"))


def test_db_wipe_warns_that_assessments_cannot_be_reloaded(cli, store):
    build_world(store)
    a = assessments.validate({"interview_date": "2026-01-10", "advisor": "Kari", **{i: 5 for i in ITEMS}},
                             today=dt.date.today())
    store_assessments.record(store, D, a, username="kari", role="advisor")
    r = cli("db", "wipe", input="n\n")
    assert r.exit_code == 1 and "holds 1 advisors' assessments" in r.output and "assessments export" in r.output
    assert store_assessments.count(store) == 1
