"""`klynge load assessments`: advisors' spreadsheets (CSV and XLSX) into the graph, bad rows rejected with file,
row and field, reruns unchanged, corrections as new revisions, web edits kept, every import audited."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest

import loaders
from cypher import assessments as store_assessments
from klynge import assessments, audit
from loaders.sources.assessments import columns, export_rows, write_file

EQUINOR, DNB, UNKNOWN = "923609016", "984851006", "974760673"  # the last is valid but not in the graph
ITEMS = assessments.instrument().item_ids


@pytest.fixture
def orgs(store):
    store.run("UNWIND $o AS o CREATE (:Organization:Firm {orgnr: o[0], name: o[1], helix: 'industry'})",
              {"o": [[EQUINOR, "EQUINOR ASA"], [DNB, "DNB BANK ASA"]]})
    return store


def row(orgnr=EQUINOR, date="2026-03-04", advisor="Kari Rådgiver", value=5, **over):
    r = {"orgnr": orgnr, "interview_date": date, "advisor": advisor, **{i: value for i in ITEMS},
         "plans": "Export to Sweden", **over}
    return {k: ("" if v is None else v) for k, v in r.items()}


def write_csv(path: Path, rows: list[dict], delimiter: str = ",") -> Path:
    cols = columns()
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, delimiter=delimiter, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow(r)
    return path


def rejects(summary) -> list[dict]:
    if not summary.reject_file:
        return []
    return [json.loads(x) for x in Path(summary.reject_file).read_text(encoding="utf-8").splitlines()]


def load(store, path, tmp_path, **kw):
    return loaders.load("assessments", path, store, progress=False, reject_dir=tmp_path / "rejects", **kw)


def audit_entries(store, path) -> list[dict]:
    return [e for e in audit.read_entries(store.settings.state_dir, limit=10000)
            if e.get("kind") == "assessment" and e.get("subject") == f"file:{path}"]


def test_a_csv_loads_rows_rejects_bad_ones_with_file_row_and_field_and_reruns_unchanged(orgs, tmp_path):
    good = row()
    draft = row(DNB, status="draft", acq1="", asm2=None, notes="Call back in May")
    bad_rows = [
        row(UNKNOWN),                                   # line 4: not in the graph
        row(acq2=8, date="2026-01-02"),                 # line 5: off the scale
        row(advisor="Ola", trf3="", date="2026-01-03"),  # line 6: final with an open item
        row(orgnr="923609017"),                         # line 7: bad check digit
        row(date="2040-01-01"),                         # line 8: future date
        row(),                                          # line 9: the same interview as line 2
        row(exp1="4,5", date="2026-01-05"),             # line 10: not a whole number
    ]
    path = write_csv(tmp_path / "intervjuer.csv", [good, draft, *bad_rows])
    s = load(orgs, path, tmp_path)
    assert (s.read, s.created, s.updated, s.unchanged, s.rejected) == (9, 2, 0, 0, 7) and s.exit_code == 3
    got = {(r["line"], r["field"]): r for r in rejects(s)}
    assert set(got) == {(4, "orgnr"), (5, "acq2"), (6, "trf3"), (7, "orgnr"), (8, "interview_date"),
                        (9, "orgnr"), (10, "exp1")}
    assert all(r["file"] == str(path) for r in got.values())
    assert "no organisation with orgnr 974760673" in got[(4, "orgnr")]["reason"]
    assert "outside the scale" in got[(5, "acq2")]["reason"] and got[(5, "acq2")]["value"] == "8"
    assert "not answered" in got[(6, "trf3")]["reason"] and "mod-11" in got[(7, "orgnr")]["reason"]
    assert "future" in got[(8, "interview_date")]["reason"] and "line 2" in got[(9, "orgnr")]["reason"]
    eq = store_assessments.for_organization(orgs, EQUINOR)
    assert len(eq) == 1 and eq[0]["acap"] == 5.0 and eq[0]["plans"] == "Export to Sweden"
    assert eq[0]["assessment_id"] == assessments.import_id(EQUINOR, "2026-03-04", "Kari Rådgiver")
    dnb = store_assessments.for_organization(orgs, DNB)[0]
    assert dnb["status"] == "draft" and dnb["answers_by_item"]["acq1"] is None and dnb["acquisition"] is None
    hist = store_assessments.history(orgs, eq[0]["assessment_id"])
    assert [(h["action"], h["role"], h["source"]) for h in hist] == [("import", "cli", "assessments:intervjuer.csv")]
    before = store_assessments.count(orgs)
    again = load(orgs, path, tmp_path)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 2, 7)
    assert store_assessments.count(orgs) == before
    assert len(store_assessments.history(orgs, eq[0]["assessment_id"])) == 1
    entries = audit_entries(orgs, path)
    assert [e["action"] for e in entries] == ["import", "import"]
    assert entries[1]["rows"] == 2 and entries[0]["rows"] == 0 and "7 rejected" in entries[0]["query"]


def test_a_corrected_row_updates_its_assessment_as_a_new_revision(orgs, tmp_path):
    path = write_csv(tmp_path / "a.csv", [row()])
    load(orgs, path, tmp_path)
    write_csv(path, [row(acq1=7, plans="Export to Denmark")])
    s = load(orgs, path, tmp_path)
    assert (s.created, s.updated, s.unchanged) == (0, 1, 0)
    (a,) = store_assessments.for_organization(orgs, EQUINOR)
    assert a["revision"] == 2 and a["answers_by_item"]["acq1"] == 7 and a["plans"] == "Export to Denmark"
    hist = store_assessments.history(orgs, a["assessment_id"])
    assert hist[0]["changes"]["acq1"] == [5, 7] and hist[0]["changes"]["plans"] == ["Export to Sweden",
                                                                                   "Export to Denmark"]


def test_a_web_edit_is_kept_when_the_unchanged_spreadsheet_is_imported_again(orgs, tmp_path):
    path = write_csv(tmp_path / "a.csv", [row()])
    load(orgs, path, tmp_path)
    (a,) = store_assessments.for_organization(orgs, EQUINOR)
    edited = assessments.validate({**row(), "acq3": 1}, today=dt.date.today())
    store_assessments.edit(orgs, a["assessment_id"], edited, revision=1, username="kari", role="advisor")
    s = load(orgs, path, tmp_path)
    assert (s.updated, s.unchanged) == (0, 1)
    assert store_assessments.get(orgs, a["assessment_id"])["answers_by_item"]["acq3"] == 1


def test_an_assessment_id_cannot_move_to_another_organisation(orgs, tmp_path):
    path = write_csv(tmp_path / "a.csv", [row(assessment_id="int-2026-01")])
    load(orgs, path, tmp_path)
    write_csv(path, [row(DNB, assessment_id="int-2026-01"), row(assessment_id="bad id!")])
    s = load(orgs, path, tmp_path)
    got = {r["line"]: r for r in rejects(s)}
    assert got[2]["field"] == "orgnr" and "is of organisation 923609016" in got[2]["reason"]
    assert got[3]["field"] == "assessment_id"
    assert store_assessments.get(orgs, "int-2026-01")["orgnr"] == EQUINOR


def test_an_xlsx_loads_like_the_csv_with_row_numbers_of_the_sheet(orgs, tmp_path):
    path = tmp_path / "intervjuer.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Intervjuer 2026"])  # a title row above the header is skipped
    ws.append([])
    cols = columns()
    ws.append(cols)
    ok = row(date=None) | {"interview_date": dt.datetime(2026, 3, 4), "orgnr": int(EQUINOR), "acq1": 6.0}
    ws.append([ok.get(c) if ok.get(c) != "" else None for c in cols])
    bad = row(DNB) | {"asm3": 0}
    ws.append([bad.get(c) for c in cols])
    wb.save(path)
    s = load(orgs, path, tmp_path)
    assert (s.read, s.created, s.rejected) == (2, 1, 1)
    (r,) = rejects(s)
    assert (r["file"], r["line"], r["field"]) == (str(path), 5, "asm3")
    (a,) = store_assessments.for_organization(orgs, EQUINOR)
    assert a["interview_date"] == "2026-03-04" and a["answers_by_item"]["acq1"] == 6


def test_files_that_are_not_assessments_are_refused_naming_the_file(orgs, tmp_path):
    from klynge.errors import LoadError

    other = tmp_path / "patents.csv"
    other.write_text("applicant_orgnr,title\n923609016,x\n", encoding="utf-8")
    with pytest.raises(LoadError, match="patents.csv is not an assessments file: the column"):
        load(orgs, other, tmp_path)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(LoadError, match="broken.xlsx as an .xlsx workbook"):
        load(orgs, broken, tmp_path)
    assert store_assessments.count(orgs) == 0


def test_a_dry_run_writes_nothing_and_audits_nothing(orgs, tmp_path):
    path = write_csv(tmp_path / "a.csv", [row(), row(acq1=9, date="2026-01-01")])
    s = loaders.load("assessments", path, orgs, dry_run=True, progress=False, reject_dir=tmp_path)
    assert s.rejected == 1 and store_assessments.count(orgs) == 0 and audit_entries(orgs, path) == []


def test_export_writes_the_import_layout_and_reads_back_unchanged(orgs, tmp_path):
    load(orgs, write_csv(tmp_path / "a.csv", [row(), row(DNB, status="draft", acq1="", notes="Ring i mai")]),
         tmp_path)
    for suffix in (".xlsx", ".csv"):
        out = write_file(tmp_path / f"backup{suffix}", export_rows(orgs))
        s = load(orgs, out, tmp_path)
        assert (s.read, s.created, s.updated, s.unchanged, s.rejected) == (2, 0, 0, 2, 0), suffix
    # into an empty graph the backup recreates the same assessments
    ids = sorted(r["assessment_id"] for r in export_rows(orgs))
    orgs.run("MATCH (n) WHERE n:Assessment OR n:AssessmentRevision DETACH DELETE n")
    s = load(orgs, tmp_path / "backup.xlsx", tmp_path)
    assert s.created == 2 and sorted(r["assessment_id"] for r in export_rows(orgs)) == ids
    assert store_assessments.for_organization(orgs, DNB)[0]["notes"] == "Ring i mai"
