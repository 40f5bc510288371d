"""The region analysis API fuzzed from its own OpenAPI document (schemathesis): combinations of the
documented query parameters, and values outside them, get a documented status and a body that matches the
documented schema (a few valid cases, since each computes a whole analysis; more invalid ones)."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

PATH = "/region/{region_id}/analysis.json"
REGION = {"region_id": "ringeriksregionen"}  # the one region of the test graph


def _fuzz(operation, mode, examples: int, path_parameters=REGION, key: str = "analysis",
          statuses: tuple[str, ...] = ("ok", "empty", "not_available")) -> set[int]:
    seen: set[int] = set()

    @given(case=operation.as_strategy(mode, path_parameters=path_parameters))
    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    def run(case):
        response = case.call()
        case.validate_response(response)
        seen.add(response.status_code)
        body = response.json()
        if response.status_code == 200:
            assert body["ok"] is True and body[key]["status"] in statuses
        else:
            assert body["ok"] is False and body["error"]

    run()
    return seen


def test_region_analysis_json_follows_its_openapi_document(graph, app_factory):
    graph.small()
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app_factory())
    operation = schema[PATH]["GET"]
    assert _fuzz(operation, schemathesis.GenerationMode.POSITIVE, 6) == {200}
    assert 400 in _fuzz(operation, schemathesis.GenerationMode.NEGATIVE, 20)


def test_region_analysis_page_shows_the_options_captions_and_figure_data(graph, app_factory):
    """The real analysis (no stub): the page keeps the chosen options in its form, states population and
    network, and the JSON twin carries per-figure data with adjusted p-values for charts."""
    graph.small()
    client = app_factory().test_client()
    html = client.get("/region/ringeriksregionen/analysis?population=all&roles=board%2Bceo").get_data(as_text=True)
    assert '<option value="all" selected>' in html and '<option value="board+ceo" selected>' in html
    assert "Population: all organisations" in html and "tied by board seats and the CEO" in html
    body = client.get("/region/ringeriksregionen/analysis.json?population=all").get_json()["analysis"]
    assert body["meta"]["options"]["population"] == "all"
    fig = {f["key"]: f for f in body["figures"]}["constraint"]
    assert set(fig["groups"][0]["p"]) == {"raw", "holm", "bh"} and fig["projection"].startswith("interlock network")
    assert body["method_notes"] and "sensitivity" not in body  # the panel is computed on request only


def test_cluster_candidates_json_follows_its_openapi_document(graph, app_factory):
    """Candidate firms of a cluster: documented statuses and schema for valid and invalid ``top``/``region``."""
    from gds_jobs.analysis import fit

    graph.small()
    fit.clear_cache()
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app_factory())
    operation = schema["/cluster/{cluster_id}/candidates.json"]["GET"]
    where = {"cluster_id": "ocean"}
    seen = _fuzz(operation, schemathesis.GenerationMode.POSITIVE, 8, where, "candidates", ("ok", "empty"))
    assert 200 in seen and seen <= {200, 404}  # 404: a well-formed region id that is not in the graph
    assert 400 in _fuzz(operation, schemathesis.GenerationMode.NEGATIVE, 20, where, "candidates", ("ok", "empty"))
