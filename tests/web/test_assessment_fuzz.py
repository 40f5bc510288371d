"""The assessment JSON endpoints fuzzed from their OpenAPI document (schemathesis): for an advisor every generated
request gets a documented status and the envelope; for an anonymous visitor every one is a 401 that shows nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, \
    status_code_conformance

from cypher import assessments as store_assessments
from klynge import assessments

#: documented status, JSON content and schema, never a server error (a path parameter that is not an orgnr is a
#: documented 400, so the check that every schema-valid request succeeds does not apply)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
PATHS = ("/org/{orgnr}/assessments.json", "/org/{orgnr}/assessments/new.json", "/assessment/{assessment_id}.json",
         "/assessment/{assessment_id}/edit.json")


def _fuzz(operation, mode, examples: int, path_parameters=None) -> set[int]:
    seen: set[int] = set()

    @given(case=operation.as_strategy(mode, path_parameters=path_parameters or {}))
    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    def run(case):
        response = case.call_and_validate(checks=CHECKS)
        seen.add(response.status_code)
        body = response.json()
        assert body["ok"] is (response.status_code == 200)
        if response.status_code != 200:
            assert body["error"] and "Kari" not in str(body)

    run()
    return seen


@pytest.fixture
def recorded(graph, store):
    graph.small()
    a = assessments.validate({"interview_date": "2026-02-01", "advisor": "Kari",
                              **{i: 5 for i in assessments.instrument().item_ids}}, today=dt.date.today())
    return store_assessments.record(store, "923609016", a, username="kari", role="advisor")


@pytest.mark.parametrize("path", PATHS)
def test_assessment_json_follows_its_openapi_document(recorded, app_factory, path):
    known = {"orgnr": "923609016", "assessment_id": recorded["assessment_id"]}
    params = {k: v for k, v in known.items() if "{" + k + "}" in path}
    advisor = schemathesis.openapi.from_wsgi("/openapi.json", app_factory(KLYNGE_TEST_ROLE="advisor"))[path]["GET"]
    assert _fuzz(advisor, schemathesis.GenerationMode.POSITIVE, 3, params) == {200}
    assert _fuzz(advisor, schemathesis.GenerationMode.POSITIVE, 12) <= {200, 400, 404}
    anonymous = schemathesis.openapi.from_wsgi("/openapi.json", app_factory())[path]["GET"]
    assert _fuzz(anonymous, schemathesis.GenerationMode.POSITIVE, 8) == {401}
