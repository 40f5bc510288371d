"""Search, filters with counts, and type-ahead (JSON twins included)."""

from __future__ import annotations


def test_search_finds_organisation_by_name_prefix(graph, client):
    graph.small()
    r = client.get("/search?q=equi")
    assert r.status_code == 200 and b"EQUINOR ASA" in r.data
    body = client.get("/search.json?q=equi").get_json()
    assert body["ok"] and body["total"] == 1 and body["results"][0]["orgnr"] == "923609016"


def test_search_by_orgnr_typed_with_spaces(graph, client):
    graph.small()
    body = client.get("/search.json?q=923 609").get_json()
    assert [r["orgnr"] for r in body["results"]] == ["923609016"]


def test_accept_header_gives_the_json_twin(graph, client):
    graph.small()
    r = client.get("/search?q=dnb", headers={"Accept": "application/json"})
    assert r.is_json and r.get_json()["results"][0]["name"] == "DNB BANK ASA"


def test_facet_counts_describe_the_matching_organisations(graph, client):
    """Test graph: 'asa' matches Equinor (Ringerike, section B, Ocean cluster) and DNB (Oslo, section K)."""
    graph.small()
    facets = client.get("/search.json?q=asa").get_json()["facets"]
    counts = {f: {v["value"]: v["count"] for v in facets[f]["values"]} for f in facets}
    assert counts["helix"] == {"industry": 2}
    assert counts["municipality"] == {"3305": 1, "0301": 1}
    assert counts["region"] == {"ringeriksregionen": 1}
    assert counts["section"] == {"B": 1, "K": 1}
    assert counts["cluster"] == {"ocean": 1}
    assert counts["active"] == {"yes": 2}


def test_filters_narrow_results_without_search_text(graph, client):
    """Academia in the test graph: UiO (active) and SINTEF (inactive)."""
    graph.small()
    body = client.get("/search.json?helix=academia").get_json()
    assert sorted(r["orgnr"] for r in body["results"]) == ["948007029", "971035854"]
    assert {v["value"]: v["count"] for v in body["facets"]["active"]["values"]} == {"yes": 1, "no": 1}
    body = client.get("/search.json?helix=academia&active=no").get_json()
    assert [r["orgnr"] for r in body["results"]] == ["948007029"]
    body = client.get("/search.json?q=asa&cluster=ocean").get_json()
    assert [r["orgnr"] for r in body["results"]] == ["923609016"]
    body = client.get("/search.json?region=ringeriksregionen&section=B").get_json()
    assert [r["orgnr"] for r in body["results"]] == ["923609016"]


def test_selected_filter_is_marked_and_shown_in_html(graph, client):
    graph.small()
    r = client.get("/search?helix=academia")
    assert r.status_code == 200 and b"facet-value selected" in r.data and b"UNIVERSITETET I OSLO" in r.data


def test_search_without_matches_is_an_empty_result(graph, client):
    graph.small()
    body = client.get("/search.json?q=zzzqqq").get_json()
    assert body["ok"] and body["total"] == 0 and body["results"] == []
    r = client.get("/search?q=zzzqqq")
    assert r.status_code == 200 and b"No organisations match" in r.data


def test_search_page_without_input_invites_a_search(client):
    r = client.get("/search")
    assert r.status_code == 200 and b"Search the graph" in r.data
    assert client.get("/search.json").get_json()["total"] == 0


def test_unknown_filter_value_is_a_400_naming_the_parameter(client):
    r = client.get("/search.json?helix=banking")
    assert r.status_code == 400
    assert r.get_json() == {"ok": False, "status": 400, "error": r.get_json()["error"]}
    assert "helix" in r.get_json()["error"] and "academia" in r.get_json()["error"]
    assert client.get("/search.json?active=maybe").status_code == 400
    assert client.get("/search.json?page=0").status_code == 400


def test_persons_are_searchable_for_advisors_only(graph, client, advisor):
    graph.small()
    viewer = client.get("/search.json?q=kari").get_json()
    assert viewer["persons"] is None and viewer["persons_hidden"]
    assert "Kari" not in client.get("/search?q=kari").get_data(as_text=True)
    assert advisor.get("/search.json?q=kari").get_json()["persons"] == [
        {"person_key": "3f2a9c1e", "name": "Kari Nordmann", "birth_year": 1970}]
    kinds = {s["kind"] for s in client.get("/suggest.json?q=nordm").get_json()["suggestions"]}
    assert "person" not in kinds
    sugg = advisor.get("/suggest.json?q=nordm").get_json()["suggestions"]
    assert {s["label"] for s in sugg if s["kind"] == "person"} == {"Kari Nordmann", "Ola Nordmann"}


def test_typeahead_suggests_organisations_and_clusters(graph, client):
    graph.small()
    sugg = client.get("/suggest.json?q=ocea").get_json()["suggestions"]
    assert sugg == [{"kind": "cluster", "key": "ocean", "label": "Ocean Tech Cluster", "sub": "cluster · GCE",
                     "url": "/cluster/ocean", "match": "prefix"}]
    sugg = client.get("/suggest.json?q=9848").get_json()["suggestions"]
    assert [s["url"] for s in sugg] == ["/org/984851006"]
    assert client.get("/suggest.json?q=").get_json()["suggestions"] == []
    assert client.get("/suggest.json?q=%22%29%20OR%20*").get_json()["ok"]


def test_clusters_appear_beside_organisation_results(graph, client):
    graph.small()
    body = client.get("/search.json?q=ocean").get_json()
    assert body["clusters"] == [{"cluster_id": "ocean", "name": "Ocean Tech Cluster", "level": "GCE"}]


def test_place_and_cluster_filters_start_from_their_own_index(graph, client):
    """Oslo (0301) holds DNB and UiO; Ocean Tech Cluster has Equinor and UiO; counts follow the matches."""
    graph.small()
    body = client.get("/search.json?municipality=0301").get_json()
    assert sorted(r["orgnr"] for r in body["results"]) == ["971035854", "984851006"]
    body = client.get("/search.json?cluster=ocean").get_json()
    assert sorted(r["orgnr"] for r in body["results"]) == ["923609016", "971035854"]
    assert {v["value"]: v["count"] for v in body["facets"]["helix"]["values"]} == {"industry": 1, "academia": 1}
    body = client.get("/search.json?cluster=ocean&helix=academia").get_json()
    assert [r["orgnr"] for r in body["results"]] == ["971035854"]
    assert client.get("/search.json?region=atlantis").get_json()["total"] == 0


def test_norwegian_names_are_found_on_the_search_page_and_in_type_ahead(graph, client):
    """The walk-through's misses: sørensen, kafe/kafé and Krødsherad kommune (fixture NORWEGIAN)."""
    graph.norwegian()
    body = client.get("/search.json?q=sørensen").get_json()
    assert "931000001" in [r["orgnr"] for r in body["results"]]
    for q in ("kafe", "kafé", "KAFÉ"):
        assert [r["orgnr"] for r in client.get(f"/search.json?q={q}").get_json()["results"]] == ["931000002"]
    assert [r["orgnr"] for r in client.get("/search.json?q=Krødsherad kommune").get_json()["results"]] == ["931000003"]
    sugg = client.get("/suggest.json?q=krodsherad").get_json()["suggestions"]
    assert [s["key"] for s in sugg if s["kind"] == "organization"] == ["931000003"]
    assert [s["key"] for s in client.get("/suggest.json?q=kafe").get_json()["suggestions"]] == ["931000002", "kafe"]


def test_facets_count_the_folded_matches(graph, client):
    graph.norwegian()
    facets = client.get("/search.json?q=sorensen").get_json()["facets"]
    assert {v["value"]: v["count"] for v in facets["active"]["values"]} == {"yes": 3, "no": 1}
