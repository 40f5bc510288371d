"""Absorptive-capacity assessments in the web app: recording and editing through the form (validation of
every item, drafts, edit history, CSRF, conflicts), the profile card and the region analysis for advisors,
nothing at all for viewers and anonymous visitors, and the audit trail of every view and change."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from cypher import assessments as store_assessments
from klynge import assessments, audit
from tests.web.conftest import _client, csrf_token_of

ORGNR = "923609016"  # EQUINOR ASA, in Ringerike (the region of the small graph)
ITEMS = assessments.instrument().item_ids
SECRET_PLAN = "Plans a confidential takeover of DNB"
ADVISOR_NAME = "Synnøve Rådgiver"


def form(csrf: str, status: str = "final", value: int = 5, **over) -> dict:
    data = {"csrf_token": csrf, "interview_date": "2026-03-04", "advisor": ADVISOR_NAME, "status": status,
            **{i: str(value) for i in ITEMS}, "plans": SECRET_PLAN, "notes": ""}
    data.update({k: ("" if v is None else v) for k, v in over.items()})
    return data


@pytest.fixture
def small(graph):
    return graph.small()


@pytest.fixture
def make(settings, store):
    return lambda role: _client(settings, role)


@pytest.fixture
def recorded(small, store):
    """One final assessment of Equinor, recorded straight in the store."""
    a = assessments.validate({"interview_date": "2026-02-01", "advisor": ADVISOR_NAME,
                              **{i: 6 for i in ITEMS}, "plans": SECRET_PLAN}, today=dt.date.today())
    return store_assessments.record(store, ORGNR, a, username="kari", role="advisor")


def entries(state_dir, **kw) -> list[dict]:
    return [e for e in audit.read_entries(state_dir, limit=1000) if e.get("kind") == "assessment"
            and all(e.get(k) == v for k, v in kw.items())]


# ------------------------------------------------------------------------------------ recording and editing


def test_an_advisor_records_an_assessment_and_finds_it_on_the_profile(small, advisor, store, state_dir):
    page = advisor.get(f"/org/{ORGNR}/assessments/new")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and all(f'name="{i}"' in html for i in ITEMS)
    assert 'value="7"' in html and "Save as draft" in html and "R&amp;D and competence" in html
    assert "read the exact question from the instrument" in html  # the wording is not invented
    r = advisor.post(f"/org/{ORGNR}/assessments", data=form(csrf_token_of(advisor), acq1=7, acq2=7, acq3=7))
    assert r.status_code == 303
    aid = r.headers["Location"].rsplit("/", 1)[1]
    got = store_assessments.get(store, aid)
    assert got["orgnr"] == ORGNR and got["acquisition"] == 7.0 and got["status"] == "final"
    assert got["acap"] == pytest.approx((7 + 5 + 5 + 5) / 4) and got["plans"] == SECRET_PLAN
    detail = advisor.get(f"/assessment/{aid}").get_data(as_text=True)
    assert "5.50" in detail and SECRET_PLAN in detail and "test-advisor" in detail  # history: who recorded it
    profile = advisor.get(f"/org/{ORGNR}").get_data(as_text=True)
    assert 'id="absorptive-capacity"' in profile and ADVISOR_NAME in profile and "4 Mar 2026" in profile
    card = advisor.get(f"/org/{ORGNR}.json").get_json()["absorptive"]
    assert card["latest"]["assessment_id"] == aid and card["latest"]["acquisition"] == 7.0
    assert card["latest"]["interview_date"] == "2026-03-04" and card["latest"]["advisor"] == ADVISOR_NAME
    assert card["count"] == 1 and card["drafts"] == 0
    listing = advisor.get(f"/org/{ORGNR}/assessments.json").get_json()
    assert [a["assessment_id"] for a in listing["assessments"]] == [aid]


def test_every_item_is_validated_and_each_bad_field_named(small, advisor, store):
    csrf = csrf_token_of(advisor)
    bad = form(csrf, acq1="8", asm2="", trf1="x", interview_date="2099-01-01", advisor="")
    r = advisor.post(f"/org/{ORGNR}/assessments", data=bad)
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and 'id="form-errors"' in html
    for field in ("acq1", "asm2", "trf1", "interview_date", "advisor"):
        assert f'href="#field-{field}"' in html
    assert "outside the scale" in html and "not answered" in html and "in the future" in html
    assert SECRET_PLAN in html  # what the advisor typed is kept in the form
    r = advisor.post(f"/org/{ORGNR}/assessments", json={**bad, "csrf_token": None},
                     headers={"X-CSRFToken": csrf, "Accept": "application/json"})
    body = r.get_json()
    assert r.status_code == 400 and body["ok"] is False
    assert set(body["fields"]) == {"acq1", "asm2", "trf1", "interview_date", "advisor"}
    assert store_assessments.count(store) == 0


def test_a_draft_is_finished_later_and_every_edit_is_in_the_history(small, advisor, store):
    csrf = csrf_token_of(advisor)
    r = advisor.post(f"/org/{ORGNR}/assessments", data=form(csrf, status="draft", exp1="", exp2="", exp3=""))
    aid = r.headers["Location"].rsplit("/", 1)[1]
    draft = store_assessments.get(store, aid)
    assert draft["status"] == "draft" and draft["exploitation"] is None and draft["acap"] is None
    edit_page = advisor.get(f"/assessment/{aid}/edit").get_data(as_text=True)
    assert 'name="revision" value="1"' in edit_page and 'name="exp1" value="" checked' in edit_page
    assert 'name="acq1" value="5" checked' in edit_page
    # finishing it as final without the open items is refused, naming them
    r = advisor.post(f"/assessment/{aid}", data={**form(csrf, exp1="", exp2="", exp3=""), "revision": "1"})
    assert r.status_code == 400 and all(f'href="#field-exp{i}"' in r.get_data(as_text=True) for i in (1, 2, 3))
    r = advisor.post(f"/assessment/{aid}", data={**form(csrf, exp1=3, exp2=3, exp3=3), "revision": "1"})
    assert r.status_code == 303
    final = store_assessments.get(store, aid)
    assert final["status"] == "final" and final["exploitation"] == 3.0 and final["revision"] == 2
    hist = advisor.get(f"/assessment/{aid}.json").get_json()["history"]
    assert [(h["revision"], h["action"], h["username"]) for h in hist] == [(2, "update", "test-advisor"),
                                                                          (1, "create", "test-advisor")]
    assert hist[0]["changes"]["status"] == ["draft", "final"] and hist[0]["changes"]["exp1"] == [None, 3]
    # a second edit made on the old revision is refused, the first stays
    r = advisor.post(f"/assessment/{aid}", data={**form(csrf, value=1), "revision": "1"})
    assert r.status_code == 409 and "changed by someone else" in r.get_data(as_text=True)
    assert store_assessments.get(store, aid)["revision"] == 2 and store_assessments.get(store, aid)["acap"] != 1.0
    r = advisor.post(f"/assessment/{aid}", json={**form(None, value=2), "revision": 2},
                     headers={"X-CSRFToken": csrf})
    assert r.status_code == 200 and r.get_json()["assessment"]["acap"] == 2.0


def test_a_post_without_the_csrf_token_is_refused_and_stores_nothing(small, advisor, store, recorded):
    r = advisor.post(f"/org/{ORGNR}/assessments", data={k: v for k, v in form("x").items() if k != "csrf_token"})
    assert r.status_code == 400 and "CSRF" in r.get_data(as_text=True)
    r = advisor.post(f"/assessment/{recorded['assessment_id']}", json={**form(None, value=1), "revision": 1})
    assert r.status_code == 400
    assert store_assessments.count(store) == 1 and store_assessments.get(store, recorded["assessment_id"])["acap"] == 6


# ------------------------------------------------------------------------------------------- who sees what


def _leaks(body: str, recorded: dict) -> list[str]:
    return [s for s in (recorded["assessment_id"], ADVISOR_NAME, SECRET_PLAN, "absorptive", "Absorptive",
                        "Assessment") if s in body]


@pytest.mark.parametrize("role", [None, "viewer"])
def test_viewers_and_anonymous_visitors_see_nothing_of_assessments(small, make, store, state_dir, recorded, role):
    c = make(role)
    aid = recorded["assessment_id"]
    for path in (f"/org/{ORGNR}", f"/org/{ORGNR}.json", "/", "/index.json", "/healthz",
                 "/region/ringeriksregionen/analysis", "/region/ringeriksregionen/analysis.json",
                 "/status", "/status.json", "/status/data.json", "/search.json?q=equinor", "/openapi.json",
                 f"/org/{ORGNR}/explore", f"/org/{ORGNR}/network.json?roles=all&depth=2",
                 f"/network/expand.json?kind=organization&key={ORGNR}&roles=all", "/suggest.json?q=equ",
                 f"/path.json?from={ORGNR}&to=984851006"):
        r = c.get(path)
        assert r.status_code == 200, path
        leaks = _leaks(r.get_data(as_text=True), recorded)
        if path == "/openapi.json":  # the API document names the endpoints, never the data
            leaks = [x for x in leaks if x not in ("Assessment", "absorptive", "Absorptive")]
        assert leaks == [], (path, leaks)
    assert "absorptive" not in c.get(f"/org/{ORGNR}.json").get_json()
    assert "absorptive" not in c.get("/region/ringeriksregionen/analysis.json").get_json()["analysis"]
    for path in (f"/org/{ORGNR}/assessments", f"/org/{ORGNR}/assessments/new", f"/assessment/{aid}",
                 f"/assessment/{aid}/edit", f"/org/{ORGNR}/assessments.json", f"/assessment/{aid}.json",
                 "/assessment/a-doesnotexist.json"):
        r = c.get(path)
        expected = (302,) if role is None and not path.endswith(".json") else (401,) if role is None else (403,)
        assert r.status_code in expected, (path, r.status_code)
        body = r.get_data(as_text=True).replace(aid, "")  # a redirect to the login names the page asked for
        assert [x for x in _leaks(body, recorded) if x not in ("Assessment",)] == [], path
    csrf = csrf_token_of(c)
    assert c.post(f"/org/{ORGNR}/assessments", data=form(csrf)).status_code in (302, 401, 403)
    assert c.post(f"/assessment/{aid}", data={**form(csrf, value=1), "revision": "1"}).status_code in (302, 401, 403)
    assert store_assessments.count(store) == 1 and store_assessments.get(store, aid)["acap"] == 6.0
    refused = entries(state_dir, outcome="refused")
    assert len(refused) == 9 and {e["role"] for e in refused} == {"viewer"}
    assert {e["user"] for e in refused} == {None if role is None else "test-viewer"}
    # the console, where analysts can read assessments, is out of their reach
    q = "/console.json?q=MATCH+(a:Assessment)+RETURN+a.plans"
    assert c.get(q).status_code in (401, 403)


def test_advisors_and_above_see_them_and_counts_include_them(small, make, recorded):
    for role in ("advisor", "analyst", "admin"):
        c = make(role)
        assert c.get(f"/assessment/{recorded['assessment_id']}.json").status_code == 200
        assert c.get("/index.json").get_json()["counts"]["labels"]["Assessment"] == 1
        assert "absorptive" in c.get(f"/org/{ORGNR}.json").get_json()


def test_loads_of_assessments_show_on_the_status_pages_for_advisors_only(small, make, store, tmp_path):
    import loaders
    from loaders.sources.assessments import write_file

    path = write_file(tmp_path / "interviews.csv", [{"orgnr": ORGNR, "interview_date": "2026-01-05",
                                                       "advisor": "Kari", **{i: 4 for i in ITEMS}}])
    assert loaders.load("assessments", path, store, progress=False, reject_dir=tmp_path).created == 1
    assert "assessments" not in {s["source"] for s in make("viewer").get("/status/data.json").get_json()["sources"]}
    assert "assessments" not in {s["source"] for s in make(None).get("/status.json").get_json()["sources"]}
    assert "assessments" in {s["source"] for s in make("advisor").get("/status/data.json").get_json()["sources"]}


def test_analysts_can_query_assessments_in_the_console_and_each_run_is_audited(small, make, recorded, state_dir):
    c = make("analyst")
    r = c.get("/console.json?q=MATCH+(a:Assessment)+RETURN+a.plans+AS+plans")
    assert r.status_code == 200 and r.get_json()["rows"] == [[SECRET_PLAN]]
    runs = [e for e in audit.read_entries(state_dir, limit=50) if "Assessment" in (e.get("query") or "")]
    assert runs and runs[0]["user"] == "test-analyst" and runs[0]["outcome"] == "ok"


# ---------------------------------------------------------------------------------------------- the audit


def test_every_view_and_change_is_in_the_audit_log(small, advisor, store, state_dir):
    csrf = csrf_token_of(advisor)
    aid = advisor.post(f"/org/{ORGNR}/assessments", data=form(csrf)).headers["Location"].rsplit("/", 1)[1]
    advisor.get(f"/assessment/{aid}")
    advisor.get(f"/assessment/{aid}.json")
    advisor.get(f"/assessment/{aid}/edit")
    advisor.post(f"/assessment/{aid}", data={**form(csrf, value=3), "revision": "1"})
    advisor.post(f"/assessment/{aid}", data={**form(csrf, acq1="9"), "revision": "2"})
    advisor.get(f"/org/{ORGNR}/assessments")
    advisor.get(f"/org/{ORGNR}")
    advisor.get("/region/ringeriksregionen/analysis.json")
    got = [(e["action"], e["subject"], e["outcome"]) for e in reversed(entries(state_dir))]
    assert got == [("create", f"assessment:{aid}", "ok"), ("view", f"assessment:{aid}", "ok"),
                   ("view", f"assessment:{aid}", "ok"), ("view", f"assessment:{aid}", "ok"),
                   ("update", f"assessment:{aid}", "ok"), ("update", f"assessment:{aid}", "error"),
                   ("view", f"org:{ORGNR}", "ok"), ("view", f"org:{ORGNR}", "ok"),
                   ("view", "region:ringeriksregionen", "ok")]
    for e in entries(state_dir):
        assert e["user"] == "test-advisor" and e["role"] == "advisor" and e["ip"] == "127.0.0.1"
        assert re.match(r"\d{4}-\d\d-\d\dT", e["at"]) and e["endpoint"].startswith(("assessments.", "org.", "places."))
    assert entries(state_dir, action="update", outcome="error")[0]["message"] == "acq1"
    page = _client_admin(advisor).get("/admin/audit").get_data(as_text=True)
    assert f"assessment of {ORGNR} recorded" in page


def _client_admin(advisor):
    app = advisor.application
    app.config["KLYNGE_TEST_ROLE"] = "admin"
    return app.test_client()


# ------------------------------------------------------------------------------------ the region analysis


def test_the_region_analysis_adds_the_section_for_advisors_without_changing_the_public_tables(small, make,
                                                                                              recorded):
    public = make(None).get("/region/ringeriksregionen/analysis.json").get_json()["analysis"]
    mine = make("advisor").get("/region/ringeriksregionen/analysis.json").get_json()["analysis"]
    ab = mine.pop("absorptive")
    assert ab["status"] == "ok" and ab["interviewed"] == 1
    tables = {t["key"]: t for t in ab["tables"]}
    assert set(tables) == {"absorptive_groups", "absorptive_correlations", "absorptive_firms"}
    firms = tables["absorptive_firms"]
    row = dict(zip(firms["columns"], firms["rows"][0], strict=True))
    assert row["orgnr"] == ORGNR and row["acap"] == 6.0 and row["advisor"] == ADVISOR_NAME and row["region"] is True
    groups = tables["absorptive_groups"]
    region_acap = [dict(zip(groups["columns"], r, strict=True)) for r in groups["rows"]]
    region_acap = next(r for r in region_acap if r["score"] == "acap" and r["group"] == "region")
    assert region_acap["n"] == 1 and region_acap["median"] == 6.0 and region_acap["small_n"] is True
    for key in ("tables", "figures", "caveats"):
        assert mine[key] == public[key], key
    html = make("advisor").get("/region/ringeriksregionen/analysis").get_data(as_text=True)
    assert 'id="absorptive-section"' in html and f'href="/org/{ORGNR}/assessments"' in html


# ------------------------------------------------------------------------------------------------ Bokmål

NB = {"Accept-Language": "nb"}


def test_the_form_and_its_errors_are_in_bokmal(small, advisor, store):
    """The form's words, the instrument's labels (the published wording is not translated: there is none yet)
    and every validation message in Bokmål; the English page stays English."""
    from web import i18n

    page = advisor.get(f"/org/{ORGNR}/assessments/new", headers=NB).get_data(as_text=True)
    assert "Lagre som utkast" in page and "Tilegnelse" in page and "FoU og kompetanse" in page
    assert "Å søke etter relevant informasjon om bransjen er en del av hverdagen" in page
    assert "helt uenig" in page and "Save as draft" not in page and "R&amp;D and competence" not in page
    csrf = csrf_token_of(advisor)
    bad = form(csrf, acq1="8", asm2="", trf1="x", interview_date="2099-01-01", advisor="")
    html = advisor.post(f"/org/{ORGNR}/assessments", data=bad, headers=NB).get_data(as_text=True)
    assert "Noen svar må rettes (5):" in html
    assert "8 er utenfor skalaen; forventet et heltall fra 1 (helt uenig) til 7 (helt enig)" in html
    assert "forventet et heltall fra 1 (helt uenig) til 7 (helt enig), fikk &#39;x&#39;" in html
    assert "ikke besvart; en endelig vurdering" in html and "2099-01-01 er fram i tid" in html
    assert "rådgiveren som holdt intervjuet, mangler" in html and "outside the scale" not in html
    body = advisor.post(f"/org/{ORGNR}/assessments", json={**bad, "csrf_token": None},
                        headers={"X-CSRFToken": csrf, "Accept": "application/json", **NB}).get_json()
    assert body["fields"]["acq1"].startswith("8 er utenfor skalaen")
    english = advisor.post(f"/org/{ORGNR}/assessments", data=bad, headers={"Accept-Language": "en"})
    assert "8 is outside the scale; expected a whole number from 1 (strongly disagree) to 7 (strongly agree)" \
        in english.get_data(as_text=True)
    # the message the loaders print is the plain English text
    with pytest.raises(assessments.AssessmentInvalid) as exc:
        assessments.validate({"interview_date": "2026-01-05", "advisor": "Kari", "acq1": 9})
    assert str(exc.value.errors["acq1"]).startswith("9 is outside the scale")
    assert i18n.say(None) == "" and i18n.say("as is") == "as is"
    assert store_assessments.count(store) == 0


def test_the_assessment_pages_and_the_region_section_are_in_bokmal(small, make, recorded):
    advisor = make("advisor")
    detail = advisor.get(f"/assessment/{recorded['assessment_id']}", headers=NB).get_data(as_text=True)
    assert "Endringshistorikk" in detail and "Intervjutemaer" in detail and "registrert" in detail
    assert "1. feb. 2026" in detail and "Edit history" not in detail
    listing = advisor.get(f"/org/{ORGNR}/assessments", headers=NB).get_data(as_text=True)
    assert "Vurderinger av" in listing and "endelig" in listing
    profile = advisor.get(f"/org/{ORGNR}", headers=NB).get_data(as_text=True)
    assert "Siste endelige vurdering: intervju" in profile and "Registrer et intervju" in profile
    region = advisor.get("/region/ringeriksregionen/analysis", headers=NB).get_data(as_text=True)
    section = region[region.index('id="absorptive-section"'):]
    assert "Absorpsjonsevne etter gruppe" in section and "Alle intervjuede" in section
    assert "Regionen (" in section and "Median, 95 % KI nedre" in section and "Få intervjuer" in section
    assert "FORTROLIG" in section and "Intervjuede organisasjoner (bare for rådgivere)" in section
    assert "All interviewed" not in section and "median ci low" not in section.lower()
    corr = section[section.index('id="table-absorptive_correlations"'):section.index('id="absorptive-absorptive_firms"')]
    assert "Tilegnelse" in corr and "Egenvektorsentralitet" in corr and "Begrensning" in corr
    assert ">acquisition<" not in corr and ">eigenvector<" not in corr and "negativt" in corr


def test_the_region_section_is_computed_per_request_beside_the_kept_analysis(small, make, store):
    """The public analysis is kept per data version; an assessment recorded after it shows at once, and the kept
    result holds nothing of it."""
    from web import analysis

    analysis.clear_region_cache()
    advisor = make("advisor")
    before = advisor.get("/region/ringeriksregionen/analysis.json").get_json()["analysis"]["absorptive"]
    assert before["status"] == "empty" and before["interviewed"] == 0
    a = assessments.validate({"interview_date": "2026-02-01", "advisor": ADVISOR_NAME, **{i: 2 for i in ITEMS}})
    store_assessments.record(store, ORGNR, a, username="kari", role="advisor")
    after = advisor.get("/region/ringeriksregionen/analysis.json").get_json()["analysis"]["absorptive"]
    assert after["status"] == "ok" and after["interviewed"] == 1
    (entry,) = list(analysis._region_cache.values())  # the same kept analysis served both views
    assert "absorptive" not in entry["result"] and ADVISOR_NAME not in repr(entry["result"])
