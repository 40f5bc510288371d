"""The region analysis API fuzzed from its own OpenAPI document (schemathesis): combinations of the
documented query parameters, and values outside them, get a documented status and a body that matches the
documented schema (a few valid cases, since each computes a whole analysis; more invalid ones)."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

PATH = "/region/{region_id}/analysis.json"
REGION = {"region_id": "ringeriksregionen"}  # the one region of the test graph


def _fuzz(operation, mode, examples: int) -> set[int]:
    seen: set[int] = set()

    @given(case=operation.as_strategy(mode, path_parameters=REGION))
    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    def run(case):
        response = case.call()
        case.validate_response(response)
        seen.add(response.status_code)
        body = response.json()
        if response.status_code == 200:
            assert body["ok"] is True and body["analysis"]["status"] in ("ok", "empty", "not_available")
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
