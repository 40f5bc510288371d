"""Organisation profile, measures with percentiles and cluster fit (HTML and JSON twin)."""

from __future__ import annotations

import types

import pandas as pd
import pytest

from tests.web.conftest import fake_analysis
from web import measures


@pytest.fixture(autouse=True)
def _fresh_measure_cache():
    measures.clear_cache()
    yield
    measures.clear_cache()


def fake_gds(values: dict[str, dict[str, float]], run_id: str | None = "run-1"):
    """A stand-in for gds_jobs with its documented contract: current_measures(store, orgnrs, include_brokerage)
    returns a DataFrame with an orgnr column and one column per measure, attrs["run_id"] naming the run."""

    def current_measures(store, orgnrs=None, *, include_brokerage=False):
        rows = [{"orgnr": k, **v} for k, v in sorted(values.items()) if orgnrs is None or k in orgnrs]
        frame = pd.DataFrame(rows, columns=["orgnr", "degree", "constraint", "betweenness"])
        frame.attrs["run_id"] = run_id
        return frame

    return types.SimpleNamespace(current_measures=current_measures)


def test_profile_shows_facts_with_source_and_as_of(graph, client):
    graph.small()
    r = client.get("/org/923609016")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    # finding 6: the source by its name and a readable date, not "brreg_units"
    assert "EQUINOR ASA" in html and "Source: Enhetsregisteret, 1 Nov 2026" in html and "brreg_units" not in html
    assert "Extraction of crude petroleum" in html and "Mining and quarrying" in html
    body = client.get("/org/923609016.json").get_json()
    o = body["organization"]
    assert (o["orgnr"], o["helix"], o["municipality"], o["county"], o["nace_section"], o["as_of"]) == (
        "923609016", "industry", "Ringerike", "Buskerud", "B", "2026-11-01")


def test_profile_lists_board_roles_clusters_grants_patents_and_accounts(graph, advisor):
    graph.small()
    body = advisor.get("/org/923609016.json").get_json()
    assert [(b["role"], b["holder_name"]) for b in body["board"]] == [("DAGL", "Ola Nordmann"), ("LEDE", "Kari Nordmann")]
    assert [(h["holder_name"], h["roles_here"], h["total"], [(s["role"], s["orgnr"]) for s in h["seats"]])
            for h in body["roles_elsewhere"]] == [("Kari Nordmann", ["LEDE"], 1, [("MEDL", "984851006")])]
    assert [c["cluster_id"] for c in body["clusters"]] == ["ocean"]
    assert [g["grant_id"] for g in body["grants"]] == ["nfr:300001"]
    assert [p["patent_id"] for p in body["patents"]] == ["NO20240001"]
    assert [a["year"] for a in body["accounts"]] == [2023, 2024]
    assert body["cluster_fit_url"] == "/org/923609016/fit.json"


def test_inactive_roles_stay_off_the_current_board(graph, advisor):
    """Eva Berg's seat in Equinor is inactive in the test graph."""
    graph.small()
    names = [b["holder_name"] for b in advisor.get("/org/923609016.json").get_json()["board"]]
    assert "Eva Berg" not in names


def test_person_names_are_pseudonymous_for_viewers(graph, client):
    graph.small()
    html = client.get("/org/923609016").get_data(as_text=True)
    assert "Kari Nordmann" not in html and "Person 3f2a…" in html and "/person/" not in html
    body = client.get("/org/923609016.json").get_json()
    assert [b["holder_name"] for b in body["board"]] == ["Person 7b1d…", "Person 3f2a…"]
    assert all(b["link"] is None for b in body["board"])


def test_unknown_orgnr_is_a_404_with_a_helpful_page(client):
    r = client.get("/org/123456789")
    html = r.get_data(as_text=True)
    assert r.status_code == 404 and "No organisation with orgnr 123456789" in html and "search" in html.lower()
    r = client.get("/org/123456789.json")
    assert r.status_code == 404
    body = r.get_json()
    assert body["ok"] is False and body["status"] == 404 and "123456789" in body["error"] and body["hint"]


def test_malformed_orgnr_is_a_400_saying_nine_digits(client):
    r = client.get("/org/12ab.json")
    assert r.status_code == 400 and "9 digits" in r.get_json()["error"]


def test_measures_say_not_computed_before_any_run(graph, client, monkeypatch):
    graph.small()
    monkeypatch.setattr(measures, "gds_jobs", fake_gds({}, run_id=None))
    body = client.get("/org/923609016.json").get_json()
    assert body["measures"]["status"] == "not_computed" and body["measures"]["measures"] == []
    assert "not computed yet" in client.get("/org/923609016").get_data(as_text=True)


def test_measures_carry_percentiles_in_sector_and_county_and_a_sentence(graph, client, monkeypatch):
    """Degrees: Equinor 2, DNB 1 (industry); UiO 1, SINTEF 3 (academia). Equinor and SINTEF are in
    Buskerud. Equinor's 2 is above 1 of industry's [1, 2] = 50 % (and level with 50 %); above none of
    Buskerud's [2, 3] = 0 %."""
    graph.small()
    monkeypatch.setattr(measures, "gds_jobs", fake_gds({
        "923609016": {"degree": 2, "constraint": 0.5}, "984851006": {"degree": 1, "constraint": 1.0},
        "971035854": {"degree": 1}, "948007029": {"degree": 3}}))
    card = client.get("/org/923609016.json").get_json()["measures"]
    assert card["status"] == "ok" and card["run_id"] == "run-1"
    degree = next(m for m in card["measures"] if m["name"] == "degree")
    assert (degree["value"], degree["percentile_group"], degree["percentile_region"]) == (2, 50.0, 0.0)
    assert (degree["same_group"], degree["same_region"]) == (50.0, 50.0)
    assert degree["sentence"] == ("Interlocks is 2: it measures how many other organisations share at least one "
                                  "board member with it. 50% of industry organisations have a lower value (50% "
                                  "have the same), and 0% of organisations in Buskerud (50% the same).")
    assert [m["name"] for m in card["measures"]] == ["degree", "constraint"]
    html = client.get("/org/923609016").get_data(as_text=True)
    assert "Constraint (Burt)" in html and "50% of industry organisations have a lower value" in html


def test_measures_are_read_once_and_refreshed_after_the_cache_time(graph, client, monkeypatch):
    graph.small()
    values = {"923609016": {"degree": 2}, "984851006": {"degree": 1}}
    monkeypatch.setattr(measures, "gds_jobs", fake_gds(values, "run-1"))
    first = client.get("/org/923609016.json").get_json()["measures"]["measures"][0]["percentile_group"]
    values["984851006"] = {"degree": 5}
    monkeypatch.setattr(measures, "gds_jobs", fake_gds(values, "run-2"))
    cached = client.get("/org/923609016.json").get_json()["measures"]
    monkeypatch.setenv("KLYNGE_MEASURES_CACHE_S", "0")
    fresh = client.get("/org/923609016.json").get_json()["measures"]
    assert (first, cached["run_id"], cached["measures"][0]["percentile_group"]) == (50.0, "run-1", 50.0)
    assert (fresh["run_id"], fresh["measures"][0]["percentile_group"]) == ("run-2", 0.0)


@pytest.mark.parametrize("values,v", [([1.0, 2.0, 2.0, 3.0], 2.0), ([1.0, 2.0, 3.0, 4.0], 4.0),
                                      ([0.0] * 8 + [0.2, 0.9], 0.0), ([0.0] * 8 + [0.2, 0.9], 0.5),
                                      ([3.0, 3.0], 3.0)])
def test_shares_below_and_level_match_scipy_strict_and_weak_percentiles(values, v):
    """Oracle: scipy.stats.percentileofscore, kind "strict" (below) and "weak" (below or equal)."""
    from scipy.stats import percentileofscore

    below, same = measures.shares(sorted(values), v)
    assert below == pytest.approx(round(percentileofscore(values, v, kind="strict"), 1))
    assert below + same == pytest.approx(round(percentileofscore(values, v, kind="weak"), 1))


def test_tied_zeros_are_not_counted_as_beaten_and_shares_need_two_values():
    """Finding 6: eigenvector 0 among 80 % zeros read "closer to the core than 40 %"."""
    assert measures.shares([0.0] * 8 + [0.2, 0.9], 0.0) == (0.0, 80.0)
    assert measures.shares([5.0], 5.0) is None
    eig = measures.BY_NAME["eigenvector"]
    text = measures.sentence(eig, 0.0, (0.0, 80.0), "industry", None, None)
    assert "not in the connected core" in text and "0% of industry organisations have a lower value (80% have the same)" in text


def test_cluster_fit_page_says_clearly_when_the_analysis_refuses(graph, client, monkeypatch):
    """An analysis that cannot run (a KlyngeError: no clusters, no measures run) is a note, not an error."""
    graph.small()
    fake_analysis(monkeypatch)
    body = client.get("/org/923609016/fit.json").get_json()
    assert body["cluster_fit"]["status"] == "not_available"
    assert "Cluster fit not computed" in body["cluster_fit"]["note"]
    assert "Cluster fit not computed" in client.get("/org/923609016/fit").get_data(as_text=True)


def test_cluster_fit_table_comes_from_the_analysis_module(graph, client, monkeypatch):
    graph.small()
    calls = []

    def fit_for_firm(store, orgnr, *, show_names=False):
        calls.append((orgnr, show_names))
        return pd.DataFrame([{"rank": 1, "cluster_id": "ocean", "name": "Ocean Tech Cluster", "member": True,
                              "score": 0.25,
                              "explanation": "board chain: DNB BANK ASA — board member 1 — EQUINOR ASA",
                              "reach": 1.0}])

    fake_analysis(monkeypatch, fit_for_firm=fit_for_firm)
    body = client.get("/org/923609016/fit.json").get_json()["cluster_fit"]
    assert body["status"] == "ok" and calls == [("923609016", False)]
    assert body["columns"] == ["rank", "cluster_id", "name", "member", "score", "explanation"]
    assert body["rows"] == [[1, "ocean", "Ocean Tech Cluster", True, 0.25,
                             "board chain: DNB BANK ASA — board member 1 — EQUINOR ASA"]]
    page = client.get("/org/923609016/fit").get_data(as_text=True)
    assert "Ocean Tech Cluster" in page and "board member 1" in page


def test_cluster_fit_explains_with_parts_members_and_chains_named_for_advisors_only(graph, client, advisor):
    """The real fit on the small graph: DNB (a firm, not a member) fits Ocean Tech Cluster through board member
    Kari Nordmann (3f2a9c1e), who chairs member EQUINOR. Viewers see "board member 1" and no person key."""
    from gds_jobs.analysis import fit

    graph.small()
    fit.clear_cache()
    viewer = client.get("/org/984851006/fit.json").get_json()["cluster_fit"]
    assert viewer["status"] == "ok"
    row = dict(zip(viewer["all_columns"], viewer["all_rows"][0], strict=True))
    assert (row["cluster_id"], row["member"], row["candidate_rank"]) == ("ocean", False, 1)
    det = viewer["details"][0]
    assert {p["part"] for p in det["parts"]} and all(p["weight"] > 0 for p in det["parts"])
    assert det["chains"] == [[{"from": "984851006", "to": "923609016", "person": "board member 1",
                               "person_key": None, "person_n": 1, "from_name": "DNB BANK ASA",
                               "to_name": "EQUINOR ASA", "person_label": "board member 1"}]]
    raw = client.get("/org/984851006/fit.json").get_data(as_text=True)
    assert "3f2a9c1e" not in raw and "Kari Nordmann" not in raw
    page = client.get("/org/984851006/fit").get_data(as_text=True)
    assert "board member 1" in page and "Kari Nordmann" not in page and 'href="/org/923609016"' in page
    named = advisor.get("/org/984851006/fit.json").get_json()["cluster_fit"]["details"][0]["chains"][0][0]
    assert (named["person"], named["person_key"]) == ("Kari Nordmann", "3f2a9c1e")
    page = advisor.get("/org/984851006/fit").get_data(as_text=True)
    assert 'href="/person/3f2a9c1e">Kari Nordmann</a>' in page


def test_cluster_page_lists_candidate_firms_with_explanations(graph, client, advisor):
    from gds_jobs.analysis import fit

    graph.small()
    fit.clear_cache()
    assert 'data-candidates-url="/cluster/ocean/candidates.json?top=10"' in client.get("/cluster/ocean").get_data(
        as_text=True)
    body = client.get("/cluster/ocean/candidates.json?top=5").get_json()
    c = body["candidates"]
    assert body["ok"] and c["status"] == "ok" and c["columns"] == ["rank", "orgnr", "name", "place", "score",
                                                                  "explanation"]
    assert [r[1] for r in c["rows"]] == ["984851006"]  # DNB: the only firm that is not a member
    assert "3f2a9c1e" not in client.get("/cluster/ocean/candidates.json").get_data(as_text=True)
    page = advisor.get("/cluster/ocean/candidates").get_data(as_text=True)
    assert "DNB BANK ASA" in page and "Kari Nordmann" in page
    assert client.get("/cluster/nope/candidates.json").status_code == 404
    assert client.get("/cluster/ocean/candidates.json?top=0").status_code == 400


def test_cluster_fit_failure_is_reported_not_raised(graph, client, monkeypatch):
    graph.small()

    def broken(store, orgnr, *, show_names=False):
        raise RuntimeError("boom")

    fake_analysis(monkeypatch, fit_for_firm=broken)
    r = client.get("/org/923609016/fit.json")
    assert r.status_code == 200 and r.get_json()["cluster_fit"]["status"] == "error"


def test_roles_elsewhere_are_capped_per_holder_with_the_total(graph, advisor):
    """Kari gets 30 more board seats: the profile lists 25 of her 31 other roles and says how many there are."""
    graph.small()
    graph.store.run("MATCH (p:Person {person_key: '3f2a9c1e'}) UNWIND range(1, 30) AS i "
                    "CREATE (o:Organization {orgnr: toString(700000000 + i), name: 'BOARD ' + toString(i), "
                    "helix: 'industry', active: true}) "
                    "CREATE (p)-[:HOLDS_ROLE {role: 'MEDL', role_group: 'STYR', active: true}]->(o)")
    kari = next(h for h in advisor.get("/org/923609016.json").get_json()["roles_elsewhere"]
                if h["holder_key"] == "3f2a9c1e")
    assert (kari["total"], len(kari["seats"])) == (31, 25)
    assert "and 6 more roles" in advisor.get("/org/923609016").get_data(as_text=True)


def _publish(store, run_id: str) -> None:
    """Point the Meta pointer at ``run_id`` as gds_jobs' publish step does (measures_run)."""
    store.run("MATCH (m:Meta {key: 'measures'}) SET m.measures_run = $run", {"run": run_id})


def test_measures_are_read_once_per_published_run_and_reread_when_a_new_run_is_published(
        graph, client, store, monkeypatch):
    graph.small()
    _publish(store, "run-1")
    values = {"923609016": {"degree": 2}, "984851006": {"degree": 1}}
    reads = []
    fake = fake_gds(values, "run-1")

    def counting(store_, orgnrs=None, *, include_brokerage=False):
        reads.append(1)
        return fake.current_measures(store_, orgnrs, include_brokerage=include_brokerage)

    monkeypatch.setattr(measures, "gds_jobs", types.SimpleNamespace(current_measures=counting))
    monkeypatch.setenv("KLYNGE_MEASURES_CHECK_S", "0")  # read the pointer on every request
    first = client.get("/org/923609016.json").get_json()["measures"]
    again = client.get("/org/923609016.json").get_json()["measures"]
    values["984851006"] = {"degree": 5}
    fake = fake_gds(values, "run-2")
    before_publish = client.get("/org/923609016.json").get_json()["measures"]
    _publish(store, "run-2")
    after_publish = client.get("/org/923609016.json").get_json()["measures"]
    # degree 2 is above 50 % of (2, 1) and above 0 % of (2, 5) (see measures.shares)
    assert [c["measures"][0]["percentile_group"] for c in (first, again, before_publish, after_publish)] == [
        50.0, 50.0, 50.0, 0.0]
    assert after_publish["run_id"] == "run-2" and len(reads) == 2


def test_new_run_waits_for_the_next_pointer_check(graph, client, store, monkeypatch):
    graph.small()
    _publish(store, "run-1")
    values = {"923609016": {"degree": 2}, "984851006": {"degree": 1}}
    monkeypatch.setattr(measures, "gds_jobs", fake_gds(values, "run-1"))
    monkeypatch.setenv("KLYNGE_MEASURES_CHECK_S", "3600")
    client.get("/org/923609016.json")
    monkeypatch.setattr(measures, "gds_jobs", fake_gds({"923609016": {"degree": 9}}, "run-2"))
    _publish(store, "run-2")
    cached = client.get("/org/923609016.json").get_json()["measures"]
    monkeypatch.setenv("KLYNGE_MEASURES_CHECK_S", "0")
    checked = client.get("/org/923609016.json").get_json()["measures"]
    assert (cached["run_id"], cached["measures"][0]["value"]) == ("run-1", 2)
    assert (checked["run_id"], checked["measures"][0]["value"]) == ("run-2", 9)


def test_ego_network_nodes_carry_the_measures_of_the_current_run(graph, client, store, monkeypatch):
    graph.small()
    _publish(store, "run-1")
    monkeypatch.setattr(measures, "gds_jobs", fake_gds({"923609016": {"degree": 2}, "984851006": {"degree": 1}}))
    body = client.get("/org/923609016/network.json?kinds=organization").get_json()
    by_key = {n["key"]: n["measures"] for n in body["nodes"]}
    assert by_key["923609016"] == {"degree": 2.0} and by_key["984851006"] == {"degree": 1.0}


def test_ego_network_reads_only_its_nodes_values_until_a_snapshot_of_the_run_is_loaded(
        graph, client, store, monkeypatch):
    graph.small()
    _publish(store, "run-1")
    fake = fake_gds({"923609016": {"degree": 2}, "984851006": {"degree": 1}, "971035854": {"degree": 4}})
    asked = []

    def recording(store_, orgnrs=None, *, include_brokerage=False):
        asked.append(None if orgnrs is None else sorted(orgnrs))
        return fake.current_measures(store_, orgnrs, include_brokerage=include_brokerage)

    monkeypatch.setattr(measures, "gds_jobs", types.SimpleNamespace(current_measures=recording))
    url = "/org/923609016/network.json?kinds=organization"
    before = {n["key"]: n["measures"] for n in client.get(url).get_json()["nodes"]}
    client.get("/org/923609016.json")  # the profile needs percentiles: reads every organisation once
    after = {n["key"]: n["measures"] for n in client.get(url).get_json()["nodes"]}
    assert asked == [["923609016", "984851006"], None]
    assert before == after == {"923609016": {"degree": 2.0}, "984851006": {"degree": 1.0}}


def test_snapshot_arrays_hold_what_a_dict_per_organisation_holds():
    """The snapshot keeps values as one float array and the distributions as sorted arrays; pinned here to the
    plain computation (a dict of ``finite_number`` values per organisation, lists per group), with missing, NaN,
    infinite, integer, numeric-text and non-numeric values, a boolean column, absent columns, organisations
    without a group row and a county code that is not a string."""
    import random

    rnd = random.Random(3)
    names = [m.name for m in measures.MEASURES]

    def value(x: float):
        return (None if x < 0.1 else float("nan") if x < 0.15 else float("inf") if x < 0.18
                else -float("inf") if x < 0.2 else rnd.randint(0, 5) if x < 0.6 else rnd.random() * 10)

    rows = [{"orgnr": f"9{i:08d}", **{n: value(rnd.random()) for n in names[:6]},
             names[6]: rnd.choice(["2.5", "x", None, "7"]), names[7]: rnd.random() < 0.5}
            for i in range(400)]
    rows += [{"orgnr": "999999999"}]  # no value at all
    frame = pd.DataFrame(rows)
    groups = {r["orgnr"]: {"helix": rnd.choice(["industry", "academia", None]),
                           "county_code": rnd.choice(["03", "30", None, 46])} for r in rows[:360]}
    index, matrix = measures._matrix(frame)
    dist = measures._distributions(list(index), matrix, groups)

    expected: dict[str, dict[str, float]] = {}
    for r in rows:
        vals = {n: v for n in names if (v := measures.finite_number(r.get(n))) is not None}
        if vals:
            expected[r["orgnr"]] = vals
    expected_dist: dict[tuple, list[float]] = {}
    for orgnr, vals in expected.items():
        g = groups.get(orgnr) or {}
        for n, v in vals.items():
            for scope in ("helix", "county_code"):
                if g.get(scope) is not None:
                    expected_dist.setdefault((n, scope, str(g[scope])), []).append(v)
    assert "999999999" not in index and len(expected) > 300
    assert {o: measures._values_of({"index": index, "matrix": matrix}, o) for o in index} == expected
    assert {k: list(v) for k, v in dist.items()} == {k: sorted(v) for k, v in expected_dist.items()}
    assert ("degree", "county_code", "46") in dist
