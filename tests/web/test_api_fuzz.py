"""The JSON API fuzzed from its own OpenAPI document with schemathesis.

* Every endpoint, anonymous callers: whatever is sent — NUL characters, long or odd text, out-of-range
  numbers — the answer is documented, never a server error, and an error never carries the store's own
  message (issue 16, findings 5 and 7).
* The JSON endpoints the advisor's web app changed (type-ahead ``kinds``, search, the path finder with
  names and ``roles``, the ego network and expansion with ``roles=all`` and role lists, and the region
  analysis), as a logged-in advisor: generated input (names in any script, odd numbers, unknown enum
  values, long text) never gives a server error, and every answer is the documented envelope with a
  documented status code.

schemathesis strategies are driven by hypothesis directly: its pytest plugin does not run under this pytest.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance
from schemathesis.specs.openapi.checks import content_type_conformance

from tests.web.conftest import fake_analysis
from web import create_app

CHANGED = r"^/(suggest\.json|search\.json|path\.json|network/expand\.json|org/\{orgnr\}/network\.json|region/\{region_id\}/analysis\.json)$"


def test_every_endpoint_answers_anonymous_callers_as_documented(graph, settings):
    graph.small()
    app = create_app({"data_dir": settings.data_dir, "graph_name": settings.graph_name, "TESTING": True})
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    # the region analysis computes a whole analysis per call; test_analysis_fuzz.py fuzzes it
    operations = [op for op in (result.ok() for result in schema.get_all_operations())
                  if not op.path.endswith("/analysis.json")]
    assert len(operations) > 20
    seen: list[int] = []

    for operation in operations:
        @given(case=operation.as_strategy(schemathesis.GenerationMode.NEGATIVE)
               | operation.as_strategy(schemathesis.GenerationMode.POSITIVE))
        @hypothesis_settings(max_examples=8, deadline=None, derandomize=True, database=None,
                             suppress_health_check=list(HealthCheck))
        def fuzz(case):
            response = case.call_and_validate(checks=[not_a_server_error, status_code_conformance,
                                                      content_type_conformance])
            text = response.text
            assert "errMsg" not in text and "FalkorDB" not in text and "query failed on" not in text, text[:300]
            seen.append(response.status_code)

        fuzz()
    assert 200 in seen and 400 in seen


@pytest.fixture
def api(graph, settings, monkeypatch):
    graph.small().norwegian()
    fake_analysis(monkeypatch)  # the analysis itself is tested elsewhere
    app = create_app({"data_dir": settings.data_dir, "graph_name": settings.graph_name, "TESTING": True,
                      "KLYNGE_TEST_ROLE": "advisor"})
    return schemathesis.openapi.from_wsgi("/openapi.json", app)


def test_changed_endpoints_answer_generated_input_with_the_documented_envelope(api):
    """Each changed operation, 30 generated requests."""
    operations = [r.ok() for r in api.include(path_regex=CHANGED).get_all_operations()]
    assert len(operations) == 6

    for operation in operations:
        @given(case=operation.as_strategy())
        @hypothesis_settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case):
            case.call_and_validate(checks=[not_a_server_error, status_code_conformance,
                                           response_schema_conformance])

        run()
