"""Person, cluster and region pages; JSON twins of every page; OpenAPI; XSS; roles; security headers."""

from __future__ import annotations

import re
import types

import pytest
from markupsafe import escape

from tests.web.conftest import XSS, fake_analysis
from web import create_app
from web.routes import ROUTES, json_rule

EXAMPLES = {"orgnr": "923609016", "person_key": "3f2a9c1e", "cluster_id": "ocean", "region_id": "ringeriksregionen",
            "group": "status", "name": "label_counts", "assessment_id": "a-small0001"}
QUERY = {"/network/expand.json": "?kind=person&key=3f2a9c1e", "/path": "?from=923609016&to=984851006",
         "/search": "?q=asa", "/suggest.json": "?q=eq", "/console": "?q=RETURN%201%20AS%20one"}


def small_with_assessment(graph) -> None:
    """The small graph and a draft assessment of Equinor with the id of EXAMPLES (for the assessment pages)."""
    from cypher import assessments as store_assessments
    from klynge import assessments

    graph.small()
    answers = assessments.validate({"interview_date": "2026-01-05", "advisor": "Kari", "status": "draft"})
    store_assessments.create_rows(graph.store, [store_assessments.row(
        EXAMPLES["assessment_id"], "923609016", answers.properties(), revision=1, username="kari", role="advisor",
        action="create", change={}, source="web", as_of="2026-01-05")])


def _fill(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: EXAMPLES[m.group(1)], rule)


def test_person_page_is_for_advisors_only(graph, client, advisor):
    graph.small()
    r = client.get("/person/3f2a9c1e")
    assert r.status_code == 403 and "advisors" in r.get_data(as_text=True) and "Kari" not in r.get_data(as_text=True)
    assert client.get("/person/3f2a9c1e.json").get_json()["status"] == 403
    body = advisor.get("/person/3f2a9c1e.json").get_json()
    assert body["person"]["name"] == "Kari Nordmann" and body["active_roles"] == 2
    assert sorted(r["orgnr"] for r in body["roles"]) == ["923609016", "984851006"]
    assert "Kari Nordmann" in advisor.get("/person/3f2a9c1e").get_data(as_text=True)
    assert advisor.get("/person/nobody.json").status_code == 404


def test_test_role_is_ignored_outside_testing(graph, settings):
    graph.small()
    app = create_app({"data_dir": settings.data_dir, "graph_name": settings.graph_name,
                      "KLYNGE_TEST_ROLE": "advisor"})
    assert app.test_client().get("/person/3f2a9c1e.json").status_code == 403


def test_cluster_page_shows_helix_mix_and_members(graph, client):
    """Ocean Tech Cluster has Equinor (industry) and UiO (academia) as members in the test graph."""
    graph.small()
    body = client.get("/cluster/ocean.json").get_json()
    assert body["cluster"]["name"] == "Ocean Tech Cluster" and body["member_count"] == 2 and body["helix_types"] == 2
    assert sorted((m["helix"], m["members"]) for m in body["mix"]) == [("academia", 1), ("industry", 1)]
    assert sorted(m["orgnr"] for m in body["members"]) == ["923609016", "971035854"]
    html = client.get("/cluster/ocean").get_data(as_text=True)
    assert "more than one sector" in html and "UNIVERSITETET I OSLO" in html
    assert client.get("/clusters.json").get_json()["clusters"][0]["members"] == 2
    assert client.get("/cluster/nope").status_code == 404


def test_region_page_shows_mix_clusters_and_links_the_analysis(graph, client):
    graph.small()
    body = client.get("/region/ringeriksregionen.json").get_json()
    assert body["region"]["municipalities"] == [{"code": "3305", "name": "Ringerike"}]
    assert sorted((m["helix"], m["organizations"], m["active"]) for m in body["mix"]) == [
        ("academia", 1, 0), ("industry", 1, 1)]
    assert [c["cluster_id"] for c in body["clusters"]] == ["ocean"]
    assert [o["orgnr"] for o in body["organizations"]] == ["923609016"]
    assert body["analysis_url"] == "/region/ringeriksregionen/analysis"
    assert client.get("/regions.json").get_json()["regions"] == [
        {"region_id": "ringeriksregionen", "name": "Ringeriksregionen", "municipalities": 1}]
    assert client.get("/region/atlantis.json").status_code == 404


def test_region_analysis_says_when_the_analysis_cannot_run(graph, client, monkeypatch):
    """An analysis that refuses (a KlyngeError: no members, no measures run) is a note on the page."""
    graph.small()
    fake_analysis(monkeypatch)
    body = client.get("/region/ringeriksregionen/analysis.json").get_json()["analysis"]
    assert body["status"] == "not_available" and body["tables"] == []
    assert "Analysis not available" in client.get("/region/ringeriksregionen/analysis").get_data(as_text=True)
    assert client.get("/region/atlantis/analysis.json").status_code == 404


def test_region_analysis_shows_the_tables_of_the_analysis_module(graph, client, monkeypatch):
    graph.small()
    import pandas as pd

    table = pd.DataFrame([{"group": "industry", "median": 0.5}])
    table.attrs["title"] = "Constraint by group"
    calls = []

    def analyse_region(store, region_id, **opts):
        calls.append((region_id, opts))
        return types.SimpleNamespace(tables={"compare_constraint": table}, caveats=["Few members."])

    fake_analysis(monkeypatch, analyse_region=analyse_region)
    body = client.get("/region/ringeriksregionen/analysis.json").get_json()["analysis"]
    defaults = {"population": "firms", "min_employees": 5, "roles": "board", "weighted": False, "sensitivity": False}
    assert calls == [("ringeriksregionen", {"holdout": False, **defaults})]
    assert body == {"status": "ok", "note": None, "caveats": ["Few members."], "meta": {}, "figures": [],
                    "method_notes": [], "tables": [
        {"key": "compare_constraint", "title": "Constraint by group", "figure": None, "population": None,
         "projection": None, "family": None, "notes": [], "columns": ["group", "median"], "rows": [["industry", 0.5]]}]}
    client.get("/region/ringeriksregionen/analysis.json?population=all&min_employees=0&roles=board%2Bceo"
               "&weighted=true&sensitivity=true")
    assert calls[-1][1] == {"holdout": False, "population": "all", "min_employees": 0, "roles": "board+ceo",
                            "weighted": True, "sensitivity": True}
    for bad in ("population=firm", "roles=ceo", "min_employees=-1", "weighted=maybe", "population="):
        resp = client.get(f"/region/ringeriksregionen/analysis.json?{bad}")
        assert resp.status_code == 400 and bad.split("=")[0] in resp.get_json()["error"], bad
    html = client.get("/region/ringeriksregionen/analysis").get_data(as_text=True)
    assert "Constraint by group" in html and "Few members." in html
    assert len(calls) == 2  # the page with the default options came from the cache (same run, same loads)


def _comparison(figure: str, title: str, means: list[float]):
    import pandas as pd

    rows = [{"group": g, "label": label, "members": 30, "n": n, "missing": 1, "mean": m, "median": m,
             "ci_low": m - 0.1, "ci_high": m + 0.1, "p_mannwhitney": 0.0123, "reference": "neither"}
            for (g, label, n), m in zip([("in_member", "IN member", 28), ("neither", "Neither IN nor SIVA", 120)],
                                        means, strict=True)]
    df = pd.DataFrame(rows)
    df.attrs.update({"figure": figure, "title": title, "unit": "ratio", "notes": ["Basis: 12 EBITDA, 30 EBIT."]})
    return df


def test_region_analysis_draws_one_chart_per_figure_with_plain_names_and_local_numbers(graph, client, monkeypatch):
    """Finding 5: no charts, raw column names, "471421146.00" and "2025.000". The tables are shaped like
    gds_jobs.analysis's (Figs. 8 and 14, Table 5, and a location-quotient table as a later addition would add)."""
    import pandas as pd

    graph.small()
    t5 = pd.DataFrame([{"area": "bygg", "area_name": "Bygg og anlegg", "firms": 34, "revenue_nok_1000": 471421146.0,
                        "employees": 2025.0}, {"area": "annet", "area_name": "Annet", "firms": 60, "revenue_nok_1000":
                        1000.5, "employees": 60.0}])
    t5.attrs.update({"figure": "Table 5", "title": "Table 5: firms by value-creation area", "other_id": "annet"})
    lq = pd.DataFrame([{"label": "Bygg og anlegg", "lq": 1.4}, {"label": "Industri", "lq": 0.8}])
    lq.attrs.update({"title": "Location quotients by value-creation area"})
    tables = {"compare_constraint": _comparison("Fig. 8", "Burt's constraint by group", [0.49, 0.62]),
              "compare_profitability": _comparison("Fig. 14", "Profitability", [0.05, 0.04]),
              "critical_table5": t5, "lq_value_areas": lq}
    fake_analysis(monkeypatch, analyse_region=lambda store, region_id, **o: types.SimpleNamespace(tables=tables,
                                                                                               caveats=[]))
    body = client.get("/region/ringeriksregionen/analysis.json").get_json()
    assert [(f["key"], f["number"], f["kind"]) for f in body["charts"]] == [
        ("compare_constraint", "Fig. 8", "ci"), ("compare_profitability", "Fig. 14", "ci"),
        ("critical_table5", "Table 5", "bars"), ("lq_value_areas", "LQ", "bars")]
    fig8 = body["charts"][0]
    assert (fig8["labels"], fig8["values"], fig8["n"]) == (["IN member", "Neither IN nor SIVA"], [0.49, 0.62], [28, 120])
    en = client.get("/region/ringeriksregionen/analysis", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert en.count('<figure class="chart"') == 4 and en.count("<svg") == 4
    for fig in ("Fig. 8", "Fig. 14", "Table 5", "LQ"):
        assert f'data-figure="{fig}"' in en
    assert "n = 28" in en and "Basis: 12 EBITDA, 30 EBIT." in en
    assert "p (Mann–Whitney U against the reference)" in en and "95 % CI, low" in en and "P MANNWHITNEY" not in en
    assert "471,421,146" in en and "2,025" in en and "471421146.00" not in en and "2025.000" not in en
    nb = client.get("/region/ringeriksregionen/analysis", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    # Bokmål: a no-break space between thousands and a decimal comma
    assert "471\u00a0421\u00a0146" in nb
    assert "0,49" in nb and "0.49" not in nb.split("<svg")[0]


def test_empty_graph_pages_render_empty_states(client):
    assert "No clusters loaded yet" in client.get("/clusters").get_data(as_text=True)
    assert "No regions defined yet" in client.get("/regions").get_data(as_text=True)
    assert client.get("/clusters.json").get_json() == {"ok": True, "clusters": []}
    assert client.get("/index.json").get_json()["ok"]


def test_every_registered_page_has_a_working_json_twin(graph, settings, monkeypatch):
    """The analysis add-ons are stubbed out here; their pages are tested on their own.

    An admin fetches them, since the console and the admin pages are registered too.
    """
    from tests.web.conftest import _client
    advisor = _client(settings, "admin")
    small_with_assessment(graph)
    fake_analysis(monkeypatch)  # the analyses themselves are tested in tests/gds_jobs and test_org
    for r in ROUTES:
        url = _fill(json_rule(r.rule) if r.twin else r.rule) + QUERY.get(r.rule, "")
        resp = advisor.get(url)
        assert resp.status_code == 200 and resp.is_json and resp.get_json()["ok"] is True, url
        if r.twin:
            page = advisor.get(_fill(r.rule) + QUERY.get(r.rule, ""))
            assert page.status_code == 200 and page.mimetype == "text/html", r.rule
            accept = advisor.get(_fill(r.rule) + QUERY.get(r.rule, ""), headers={"Accept": "application/json"})
            assert accept.is_json, r.rule


def test_openapi_document_is_valid_and_describes_every_json_endpoint(client):
    import openapi_spec_validator as validator  # pinned in requirements-dev.txt
    doc = client.get("/openapi.json").get_json()
    validator.validate(doc)
    assert doc["openapi"].startswith("3.1")
    paths = set(doc["paths"])
    for r in ROUTES:
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", json_rule(r.rule) if r.twin else r.rule)
        assert path in paths
    net = doc["paths"]["/org/{orgnr}/network.json"]["get"]
    assert {p["name"] for p in net["parameters"]} == {"orgnr", "depth", "cap", "kinds", "roles", "active", "helix"}
    assert doc["components"]["schemas"]["Error"]["required"] == ["ok", "error", "status"]


XSS_PAGES = ("/org/999999999", "/search?q=script", "/cluster/xss", "/clusters", "/org/999999999/explore",
             "/person/bad00001", "/path?from=999999999&to=923609016")


@pytest.mark.parametrize("url", XSS_PAGES)
def test_script_payloads_in_names_render_as_text(graph, advisor, url):
    graph.small().xss()
    page = advisor.get(url).get_data(as_text=True)
    assert XSS not in page and "<script>alert" not in page and "onerror=alert" not in page.replace("onerror=alert(1)&gt;", "")
    if url not in ("/org/999999999/explore", "/path?from=999999999&to=923609016"):
        assert str(escape(XSS)) in page


def test_json_carries_payload_names_verbatim_for_the_client_to_render_as_text(graph, advisor):
    graph.small().xss()
    body = advisor.get("/org/999999999/network.json").get_json()
    assert {n["label"] for n in body["nodes"]} == {XSS}


def test_pages_send_a_strict_content_security_policy(client):
    r = client.get("/regions")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp and "default-src 'self'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_load_no_third_party_scripts(graph, client):
    graph.small()
    for url in ("/", "/org/923609016", "/org/923609016/explore", "/path?from=923609016&to=984851006"):
        srcs = re.findall(r'<script[^>]*src="([^"]+)"', client.get(url).get_data(as_text=True))
        assert srcs and all(s.startswith("/static/") for s in srcs), url
        assert "<script>" not in client.get(url).get_data(as_text=True)
