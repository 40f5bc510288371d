"""Ego-network JSON, expansion, caps on super nodes, filters, masking, and the path finder."""

from __future__ import annotations

import json

import pytest


def _keys(body, kind=None):
    return sorted(n["key"] for n in body["nodes"] if kind is None or n["kind"] == kind)


def _edges(body):
    return sorted((e["source"], e["type"], e.get("role"), e["target"]) for e in body["edges"])


def test_depth_one_shows_current_board_and_ceo_with_business_keys(graph, client):
    """Active roles in Equinor: Kari (LEDE) and Ola (DAGL); Eva's seat is inactive."""
    graph.small()
    body = client.get("/org/923609016/network.json").get_json()
    assert body["ok"] and body["root"] == "923609016" and body["depth"] == 1
    assert _keys(body) == ["3f2a9c1e", "7b1d0e44", "923609016"]
    assert _edges(body) == [("3f2a9c1e", "HOLDS_ROLE", "LEDE", "923609016"),
                            ("7b1d0e44", "HOLDS_ROLE", "DAGL", "923609016")]
    assert all(n["more"] == 0 for n in body["nodes"]) and body["truncated"] is False


def test_depth_two_reaches_other_boards_and_draws_alter_ties(graph, client):
    """Kari also sits on DNB's board, so DNB appears at depth 2 with the tie Kari -> DNB."""
    graph.small()
    body = client.get("/org/923609016/network.json?depth=2").get_json()
    assert "984851006" in _keys(body, "organization")
    assert ("3f2a9c1e", "HOLDS_ROLE", "MEDL", "984851006") in _edges(body)
    depth = {n["key"]: n["depth"] for n in body["nodes"]}
    assert depth == {"923609016": 0, "3f2a9c1e": 1, "7b1d0e44": 1, "984851006": 2}
    body3 = client.get("/org/923609016/network.json?depth=3").get_json()
    assert "c0ffee01" in _keys(body3, "person")


def test_html_explorer_twin_returns_the_same_network(graph, client):
    graph.small()
    page = client.get("/org/923609016/explore")
    assert page.status_code == 200 and b'id="cy"' in page.data and b"vendor/cytoscape.min.js" in page.data
    twin = client.get("/org/923609016/explore.json?depth=2").get_json()
    direct = client.get("/org/923609016/network.json?depth=2").get_json()
    assert _keys(twin) == _keys(direct) and _edges(twin) == _edges(direct)


def test_cap_holds_on_a_huge_neighbourhood_and_counts_the_rest(graph, client):
    """A hub with 300 board members, capped at 10 per node: 10 persons shown, 290 counted as more."""
    graph.hub(persons=300)
    body = client.get("/org/911111111/network.json?cap=10").get_json()
    assert len(_keys(body, "person")) == 10 and len(body["edges"]) == 10
    hub = next(n for n in body["nodes"] if n["key"] == "911111111")
    assert (hub["more"], hub["degree_shown"], hub["degree_total"]) == (290, 10, 300)
    assert body["counts"]["more"] == 290
    big = client.get("/org/911111111/network.json?cap=500&depth=3").get_json()
    assert len(big["nodes"]) == 301 and next(n for n in big["nodes"] if n["key"] == "911111111")["more"] == 0


def test_person_names_are_masked_for_viewers_and_shown_to_advisors(graph, client, advisor):
    graph.small()
    viewer = {n["key"]: n["label"] for n in client.get("/org/923609016/network.json").get_json()["nodes"]}
    assert viewer["3f2a9c1e"] == "Person 3f2a…" and viewer["923609016"] == "EQUINOR ASA"
    assert b"Kari" not in client.get("/org/923609016/network.json?depth=3").data
    names = {n["key"]: n["label"] for n in advisor.get("/org/923609016/network.json").get_json()["nodes"]}
    assert names["3f2a9c1e"] == "Kari Nordmann"


def test_role_and_activity_filters(graph, client):
    graph.small()
    ceo = client.get("/org/923609016/network.json?roles=DAGL").get_json()
    assert _keys(ceo) == ["7b1d0e44", "923609016"]
    board = client.get("/org/923609016/network.json?roles=STYR").get_json()
    assert _keys(board) == ["3f2a9c1e", "923609016"]
    everyone = client.get("/org/923609016/network.json?active=false").get_json()
    assert "d00d0002" in _keys(everyone)
    former = next(e for e in everyone["edges"] if e["source"] == "d00d0002")
    assert former["active"] is False


def test_organisations_only_follows_interlocks(graph, client):
    graph.small()
    body = client.get("/org/923609016/network.json?kinds=organization").get_json()
    assert _keys(body, "person") == [] and _keys(body) == ["923609016", "984851006"]
    assert [e["type"] for e in body["edges"]] == ["INTERLOCK"]


def test_helix_filter_drops_organisations_of_other_sectors(graph, client):
    """From DNB, depth 2 reaches Equinor (via Kari) and UiO (academia, via Per)."""
    graph.small()
    all_ = client.get("/org/984851006/network.json?depth=2").get_json()
    assert {"923609016", "971035854"} <= set(_keys(all_))
    industry = client.get("/org/984851006/network.json?depth=2&helix=industry").get_json()
    assert "971035854" not in _keys(industry) and "923609016" in _keys(industry)


def test_isolated_organisation_is_an_ego_without_neighbours(graph, client):
    graph.small()
    graph.store.run("CREATE (:Organization {orgnr: '900000001', name: 'ALONE AS', helix: 'industry', active: true})")
    client_body = client.get("/org/900000001/network.json?depth=3").get_json()
    assert _keys(client_body) == ["900000001"] and client_body["edges"] == []


def test_bad_network_parameters_are_400s(graph, client):
    graph.small()
    for q in ("depth=4", "depth=0", "cap=0", "cap=5000", "kinds=animals", "helix=banking", "active=perhaps"):
        r = client.get("/org/923609016/network.json?" + q)
        assert r.status_code == 400, q
        assert r.get_json()["ok"] is False
    assert client.get("/org/123456789/network.json").status_code == 404


def test_expand_a_person_adds_their_other_organisations(graph, client):
    graph.small()
    body = client.get("/network/expand.json?kind=person&key=3f2a9c1e").get_json()
    assert body["root"] == "3f2a9c1e" and _keys(body) == ["3f2a9c1e", "923609016", "984851006"]
    assert ("3f2a9c1e", "HOLDS_ROLE", "MEDL", "984851006") in _edges(body)
    org = client.get("/network/expand.json?kind=organization&key=984851006").get_json()
    assert _keys(org, "person") == ["3f2a9c1e", "c0ffee01"]
    assert client.get("/network/expand.json?kind=person&key=nobody").status_code == 404
    assert client.get("/network/expand.json?kind=organization&key=xyz").status_code == 400


def test_path_finder_lists_and_draws_the_shortest_connection(graph, client, advisor):
    """Equinor -INTERLOCK- DNB <-MEDL- Per Hansen -MEDL-> UiO: 3 hops in the test graph."""
    graph.small()
    body = advisor.get("/path.json?from=923609016&to=971035854").get_json()
    assert body["ok"] and len(body["paths"]) == 1
    p = body["paths"][0]
    assert p["hops"] == 3
    assert [s["label"] for s in p["steps"]] == ["EQUINOR ASA", "DNB BANK ASA", "Per Hansen", "UNIVERSITETET I OSLO"]
    assert [(link["type"], link["role"]) for link in p["links"]] == [("INTERLOCK", None), ("HOLDS_ROLE", "MEDL"),
                                                                     ("HOLDS_ROLE", "MEDL")]
    assert _keys(body) == ["923609016", "971035854", "984851006", "c0ffee01"] and len(body["edges"]) == 3
    # the interlock step names the board member the two share, with the role in each
    assert p["links"][0]["persons"] == [{"key": "3f2a9c1e", "label": "Kari Nordmann", "role_from": "LEDE",
                                         "role_to": "MEDL", "role_from_name": "Chair of the board",
                                         "role_to_name": "Board member"}]
    html = client.get("/path?from=923609016&to=971035854").get_data(as_text=True)
    assert "Per Hansen" not in html and "Person c0ff…" in html and "shares board members" in html
    assert "Kari Nordmann" not in html and "Person 3f2a…: Chair of the board → Board member" in html


def test_path_finder_without_a_connection_says_so(graph, client):
    graph.small()
    graph.store.run("CREATE (:Organization {orgnr: '900000001', name: 'ALONE AS', helix: 'industry', active: true})")
    body = client.get("/path.json?from=923609016&to=900000001").get_json()
    assert body["ok"] and body["paths"] == [] and body["nodes"] == []
    assert "No connection within 6 steps" in client.get("/path?from=923609016&to=900000001").get_data(as_text=True)


def test_path_finder_errors_name_the_problem(graph, client):
    graph.small()
    assert client.get("/path").status_code == 200
    assert client.get("/path.json").get_json()["paths"] == []
    r = client.get("/path.json?from=923609016&to=123456789")
    assert r.status_code == 404 and "123456789" in r.get_json()["error"]
    assert client.get("/path.json?from=923609016&to=923609016").status_code == 400
    r = client.get("/path.json?from=no such firm at all&to=923609016")
    assert r.status_code == 404 and "no such firm at all" in r.get_json()["error"]


def test_the_profile_path_button_opens_the_form_with_that_organisation_filled_in(graph, client):
    """Finding 2: "Find a path from here" gave "Error 400 — give both organisations"."""
    graph.small()
    profile = client.get("/org/923609016").get_data(as_text=True)
    assert 'href="/path?from=923609016"' in profile
    r = client.get("/path?from=923609016")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="path-form"' in html and 'value="EQUINOR ASA"' in html
    body = client.get("/path.json?from=923609016").get_json()
    assert body["from_org"] == {"orgnr": "923609016", "name": "EQUINOR ASA"} and not body["asked"]


def test_path_ends_can_be_names_in_any_spelling(graph, advisor):
    graph.small()
    body = advisor.get("/path.json?from=equinor&to=Universitetet i Oslo").get_json()
    assert body["asked"] and body["from"] == "923609016" and body["to"] == "971035854"
    assert [s["label"] for s in body["paths"][0]["steps"]][2] == "Per Hansen"
    assert body["paths"][0]["links"][1]["role_name"] == "Board member"


def test_an_ambiguous_name_offers_choices(graph, client):
    graph.norwegian()
    body = client.get("/path.json?from=sorensen holding&to=soren").get_json()
    assert body["from_org"]["orgnr"] == "931000004" and not body["asked"]
    # all three start with the typed word: active before inactive, larger first
    assert [c["orgnr"] for c in body["choices"]["to"]][:3] == ["931000005", "931000007", "931000004"]
    assert "Which organisation did you mean" in client.get("/path?from=931000004&to=soren").get_data(as_text=True)


def test_paths_go_through_board_and_ceo_unless_other_roles_are_asked_for(graph, client):
    """An auditing firm audits Equinor and UiO: with every role the path runs through it in 2 steps; by
    default it takes the board route of 3."""
    graph.small()
    graph.store.run("CREATE (r:Organization:Firm {orgnr: '977777777', name: 'REVISJON AS', helix: 'industry'}) "
                    "WITH r MATCH (o:Organization) WHERE o.orgnr IN ['923609016', '971035854'] "
                    "CREATE (r)-[:HOLDS_ROLE {role: 'REVI', role_group: 'REVI', active: true}]->(o)")
    every = client.get("/path.json?from=923609016&to=971035854&roles=all").get_json()
    assert every["paths"][0]["hops"] == 2 and every["paths"][0]["links"][0]["role"] == "REVI"
    core = client.get("/path.json?from=923609016&to=971035854").get_json()
    assert core["paths"][0]["hops"] == 3
    assert all(link["role"] not in ("REVI", "REGN") for p in core["paths"] for link in p["links"])


@pytest.mark.slow
def test_gunicorn_serves_the_app_from_the_embedded_store_in_every_worker(graph, settings):
    """Production serving: `gunicorn "web:create_app()"` with two workers, each opening the store from the
    environment and finding the running embedded server through its server.json."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    from bench.bench_web import _get as get

    graph.small()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, KLYNGE_DATA_DIR=str(settings.data_dir), KLYNGE_GRAPH=settings.graph_name,
               KLYNGE_SECRET_KEY="test-only-signing-key-0123456789abcdef", PYTHONPATH=str(root))
    child = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "--threads", "2", "-b",
                              f"127.0.0.1:{port}", "--log-level", "warning", "--graceful-timeout", "5", "web:create_app()"],
                             cwd=str(root), env=env)

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get(port, "/openapi.json", 30)
                break
            except OSError:
                assert child.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        # enough requests that both workers answer some (each opens its own store connection)
        answers = [get(port, "/org/923609016/network.json", 30) for _ in range(12)]
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGTERM)
        child.wait(timeout=30)
    bodies = [json.loads(b) for _, b in answers]
    assert [s for s, _ in answers] == [200] * 12
    assert all(sorted(n["key"] for n in b["nodes"]) == sorted(n["key"] for n in bodies[0]["nodes"]) for b in bodies)
    assert {"923609016", "7b1d0e44"} <= {n["key"] for n in bodies[0]["nodes"]}


def test_default_network_follows_board_and_ceo_and_shows_auditors_only_when_asked(graph, client):
    """Finding 3: an accounting firm with 40 REGN clients hung off the ego by default."""
    graph.small()
    graph.store.run("CREATE (r:Organization:Firm {orgnr: '977777777', name: 'REGNSKAP AS', helix: 'industry', "
                    "active: true}) WITH r MATCH (eq:Organization {orgnr: '923609016'}) "
                    "CREATE (r)-[:HOLDS_ROLE {role: 'REGN', role_group: 'REGN', active: true}]->(eq) "
                    "WITH r UNWIND range(1, 40) AS i "
                    "CREATE (c:Organization:Firm {orgnr: toString(960000000 + i), name: 'KLIENT ' + toString(i), "
                    "helix: 'industry', active: true}) "
                    "CREATE (r)-[:HOLDS_ROLE {role: 'REGN', role_group: 'REGN', active: true}]->(c)")
    default = client.get("/org/923609016/network.json?depth=2").get_json()
    assert {e.get("role_group") for e in default["edges"] if e["type"] == "HOLDS_ROLE"} <= {"STYR", "DAGL"}
    assert "977777777" not in _keys(default)
    with_advisors = client.get("/org/923609016/network.json?roles=STYR,DAGL,REVI,REGN").get_json()
    assert any(e.get("role") == "REGN" for e in with_advisors["edges"]) and "977777777" in _keys(with_advisors)
    every = client.get("/org/923609016/network.json?roles=all").get_json()
    assert "977777777" in _keys(every)
