"""Assessments in the graph on both stores: record, edit with history, conflicts, reads, instrument checks."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest

from cypher import assessments as store_assessments
from cypher.assessments import AssessmentConflict, AssessmentNotFound
from cypher.snapshot import snapshot
from klynge import assessments
from klynge.assessments import AssessmentInvalid

ORGNR = "923609016"


def answers(status="final", value=5, **over):
    inst = assessments.instrument()
    values = {"interview_date": "2026-03-04", "advisor": "Kari Rådgiver", "status": status,
              **{i: value for i in inst.item_ids}, "plans": "Grow abroad", **over}
    return assessments.validate(values, today=dt.date(2026, 12, 1))


@pytest.fixture
def org(any_store):
    any_store.run("CREATE (:Organization:Firm {orgnr: $o, name: 'EQUINOR ASA', helix: 'industry'})", {"o": ORGNR})
    return any_store


def test_record_stores_answers_scores_themes_and_the_first_revision(org):
    a = answers(acq1=7, acq2=6, acq3=2)
    got = store_assessments.record(org, ORGNR, a, username="kari", role="advisor")
    assert got["orgnr"] == ORGNR and got["organization_name"] == "EQUINOR ASA"
    assert got["revision"] == 1 and got["status"] == "final" and got["advisor"] == "Kari Rådgiver"
    assert got["instrument"] == "acap" and got["instrument_version"] == 1
    assert got["answers_by_item"]["acq1"] == 7 and got["answers_by_item"]["exp3"] == 5
    assert got["acquisition"] == pytest.approx(5.0) and got["assimilation"] == pytest.approx(5.0)
    assert got["acap"] == pytest.approx(5.0) and got["plans"] == "Grow abroad" and got["notes"] is None
    assert got["source"] == "web" and got["as_of"] == "2026-03-04"
    rel = org.read("MATCH (a:Assessment)-[:ASSESSES]->(o:Organization) RETURN a.assessment_id AS a, o.orgnr AS o")
    assert rel == [{"a": got["assessment_id"], "o": ORGNR}]
    hist = store_assessments.history(org, got["assessment_id"])
    assert [(h["revision"], h["action"], h["username"], h["role"]) for h in hist] == [(1, "create", "kari", "advisor")]
    assert hist[0]["changes"]["acq1"] == [None, 7] and hist[0]["changes"]["status"] == [None, "final"]
    assert dt.datetime.fromisoformat(hist[0]["at"].replace("Z", "+00:00")).tzinfo is not None


def test_record_for_an_unknown_organisation_writes_nothing(org):
    with pytest.raises(AssessmentNotFound, match="999999999"):
        store_assessments.record(org, "999999999", answers(), username="kari", role="advisor")
    assert store_assessments.count(org) == 0
    assert org.read("MATCH (r:AssessmentRevision) RETURN count(r) AS n") == [{"n": 0}]


def test_a_draft_keeps_open_items_as_zero_and_has_no_score_for_them(org):
    a = answers(status="draft", acq1="", trf2=None)
    got = store_assessments.record(org, ORGNR, a, username="kari", role="advisor")
    stored = org.read("MATCH (a:Assessment) RETURN a.items AS items, a.answers AS answers")[0]
    assert stored["answers"][stored["items"].index("acq1")] == 0
    assert got["answers_by_item"]["acq1"] is None and got["answers_by_item"]["acq2"] == 5
    assert got["acquisition"] is None and got["transformation"] is None and got["acap"] is None
    assert got["assimilation"] == 5.0 and got["status"] == "draft"


def test_edit_changes_fields_and_adds_a_revision_with_before_and_after(org):
    first = store_assessments.record(org, ORGNR, answers(status="draft", acq1=None), username="kari",
                                     role="advisor")
    aid = first["assessment_id"]
    second = store_assessments.edit(org, aid, answers(acq1=3, plans=None, notes="Met the CEO"), revision=1,
                                    username="ola", role="analyst")
    assert second["revision"] == 2 and second["status"] == "final"
    assert second["plans"] is None and second["notes"] == "Met the CEO"
    assert second["acquisition"] == pytest.approx((3 + 5 + 5) / 3)
    hist = store_assessments.history(org, aid)
    assert [(h["revision"], h["action"], h["username"]) for h in hist] == [(2, "update", "ola"), (1, "create", "kari")]
    assert hist[0]["changes"] == {"acq1": [None, 3], "status": ["draft", "final"], "plans": ["Grow abroad", None],
                                  "notes": [None, "Met the CEO"], "acquisition": [None, pytest.approx(13 / 3)],
                                  "acap": [None, pytest.approx((13 / 3 + 15) / 4)]}
    # an edit that changes nothing adds no revision
    same = store_assessments.edit(org, aid, answers(acq1=3, plans=None, notes="Met the CEO"), revision=2,
                                  username="ola", role="analyst")
    assert same["revision"] == 2 and len(store_assessments.history(org, aid)) == 2


def test_an_edit_of_an_old_revision_is_refused_and_changes_nothing(org):
    aid = store_assessments.record(org, ORGNR, answers(), username="kari", role="advisor")["assessment_id"]
    store_assessments.edit(org, aid, answers(value=6), revision=1, username="ola", role="advisor")
    with pytest.raises(AssessmentConflict, match="revision 1; it is now at revision 2") as exc:
        store_assessments.edit(org, aid, answers(value=2), revision=1, username="per", role="advisor")
    assert exc.value.current["acap"] == 6.0
    got = store_assessments.get(org, aid)
    assert got["acap"] == 6.0 and got["revision"] == 2 and len(store_assessments.history(org, aid)) == 2
    with pytest.raises(AssessmentNotFound):
        store_assessments.edit(org, "a-missing", answers(), revision=1, username="per", role="advisor")


def test_two_edits_of_the_same_revision_at_once_leave_one_winner(org):
    """Both edits read revision 1; the unique revision_id (and the revision check) let only one through."""
    aid = store_assessments.record(org, ORGNR, answers(), username="kari", role="advisor")["assessment_id"]
    results: list[str] = []

    def edit(value: int) -> None:
        try:
            store_assessments.edit(org, aid, answers(value=value), revision=1, username=f"u{value}", role="advisor")
            results.append("ok")
        except AssessmentConflict:
            results.append("conflict")

    threads = [threading.Thread(target=edit, args=(v,)) for v in (2, 6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict", "ok"]
    got = store_assessments.get(org, aid)
    assert got["revision"] == 2 and got["acap"] in (2.0, 6.0)
    assert [h["revision"] for h in store_assessments.history(org, aid)] == [2, 1]


def test_for_organization_lists_newest_interview_first_and_latest_final_skips_drafts(org):
    store_assessments.record(org, ORGNR, answers(interview_date="2025-01-10", value=3), username="k", role="advisor")
    store_assessments.record(org, ORGNR, answers(interview_date="2026-02-01", value=6), username="k", role="advisor")
    store_assessments.record(org, ORGNR, answers(interview_date="2026-05-01", status="draft", value=4),
                             username="k", role="advisor")
    rows = store_assessments.for_organization(org, ORGNR)
    assert [r["interview_date"] for r in rows] == ["2026-05-01", "2026-02-01", "2025-01-10"]
    latest = store_assessments.latest_final(rows)
    assert latest["interview_date"] == "2026-02-01" and latest["acap"] == 6.0
    assert store_assessments.for_organization(org, "984851006") == []


def test_the_history_is_bookkeeping_for_snapshots_but_the_assessment_is_content(org):
    aid = store_assessments.record(org, ORGNR, answers(), username="kari", role="advisor")["assessment_id"]
    before = snapshot(org)
    org.run("MATCH (r:AssessmentRevision) SET r.at = '2000-01-01T00:00:00Z'")
    assert snapshot(org) == before
    store_assessments.edit(org, aid, answers(value=4), revision=1, username="ola", role="advisor")
    assert snapshot(org).digest != before.digest


def test_the_revision_id_is_unique_in_the_schema(org):
    aid = store_assessments.record(org, ORGNR, answers(), username="kari", role="advisor")["assessment_id"]
    from klynge.errors import QueryError

    with pytest.raises(QueryError):
        org.run("CREATE (:AssessmentRevision {revision_id: $r})", {"r": f"{aid}:1"})


# ----------------------------------------------------------------------------------------- the instrument


def test_the_instrument_has_four_dimensions_of_seven_point_items_and_the_study_themes():
    inst = assessments.instrument()
    assert [d.id for d in inst.dimensions] == ["acquisition", "assimilation", "transformation", "exploitation"]
    assert [len(d.items) for d in inst.dimensions] == [3, 4, 4, 3]
    assert (inst.scale_min, inst.scale_max) == (1, 7)
    assert [t.id for t in inst.themes] == ["rd_competence", "external_collaboration", "network_experience",
                                           "plans", "notes"]
    assert "Flatten" in inst.reference and "Management Journal" in inst.reference
    assert inst.version == max(assessments.versions())
    # the wording is not invented: until it is filled in from the paper, the form shows the labels and says so
    assert inst.wording_complete is False and all(i.wording is None for i in inst.items)
    assert json.loads(json.dumps(inst.as_dict()))["dimensions"][0]["items"][0]["id"] == "acq1"


def test_validation_names_every_bad_field():
    inst = assessments.instrument()
    values = {i: 4 for i in inst.item_ids}
    values.update({"interview_date": "2031-01-01", "advisor": " ", "acq1": 8, "acq2": "4.5", "asm1": True,
                   "trf1": "x", "exp3": None, "plans": "y" * 4001})
    with pytest.raises(AssessmentInvalid) as exc:
        assessments.validate(values, today=dt.date(2026, 12, 1))
    e = exc.value.errors
    assert set(e) == {"interview_date", "advisor", "acq1", "acq2", "asm1", "trf1", "exp3", "plans"}
    assert "future" in e["interview_date"] and "outside the scale" in e["acq1"] and "4.5" in e["acq2"]
    assert "not answered" in e["exp3"] and "4000" in e["plans"]
    with pytest.raises(AssessmentInvalid, match="status"):
        assessments.validate({**values, "status": "done"}, today=dt.date(2026, 12, 1))
    with pytest.raises(AssessmentInvalid, match="instrument_version"):
        assessments.validate({"instrument_version": 99})


def test_validation_accepts_the_forms_a_spreadsheet_gives():
    inst = assessments.instrument()
    values = {i: "6" for i in inst.item_ids}
    values.update({"interview_date": dt.datetime(2026, 3, 4, 10, 30), "advisor": "Ola", "acq1": 7.0, "acq2": " 3 ",
                   "status": "FINAL"})
    got = assessments.validate(values, today=dt.date(2026, 12, 1))
    assert got.interview_date == "2026-03-04" and got.status == "final"
    assert got.answers["acq1"] == 7 and got.answers["acq2"] == 3 and got.answers["exp1"] == 6
    assert assessments.validate({**values, "interview_date": "04.03.2026"},
                                today=dt.date(2026, 12, 1)).interview_date == "2026-03-04"


def test_scores_are_item_means_per_dimension_and_the_mean_of_the_four():
    inst = assessments.instrument()
    rng = __import__("random").Random(5)
    ans = {i: rng.randint(1, 7) for i in inst.item_ids}
    got = assessments.scores(ans, inst)
    import statistics

    dims = {d.id: statistics.fmean(ans[i.id] for i in d.items) for d in inst.dimensions}
    for d, v in dims.items():
        assert got[d] == pytest.approx(v)
    assert got["acap"] == pytest.approx(statistics.fmean(dims.values()))
    ans["trf3"] = None
    assert assessments.scores(ans, inst)["transformation"] is None and assessments.scores(ans, inst)["acap"] is None


def test_scores_come_back_from_either_store_exactly_as_computed(org):
    """Thirds are rounded to six decimals before they are stored: the embedded store returns 15 significant
    digits, so an unrounded 13/3 would read back different from Neo4j's (and the two-store hash would differ)."""
    a = answers(acq1=3, acq2=5, acq3=5, asm1=1, asm2=2, asm3=2, asm4=2)
    got = store_assessments.record(org, ORGNR, a, username="kari", role="advisor")
    expected = a.scores()
    assert expected["acquisition"] == 4.333333 and expected["assimilation"] == 1.75
    assert {k: got[k] for k in expected} == expected
