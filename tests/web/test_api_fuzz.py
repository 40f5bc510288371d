"""The JSON endpoints this version changed, fuzzed from the OpenAPI document with schemathesis.

Generated input (names in any script, odd numbers, unknown enum values, long text) must never give a
server error, and every answer must be the documented envelope with a documented status code.
Endpoints: type-ahead (``kinds``), search, the path finder (names, ``roles``), the ego network and
expansion (``roles=all`` and role lists), and the region analysis.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance

from tests.web.conftest import fake_analysis
from web import create_app

CHANGED = r"^/(suggest\.json|search\.json|path\.json|network/expand\.json|org/\{orgnr\}/network\.json|region/\{region_id\}/analysis\.json)$"


@pytest.fixture
def api(graph, settings, monkeypatch):
    graph.small().norwegian()
    fake_analysis(monkeypatch)  # the analysis itself is tested elsewhere
    app = create_app({"data_dir": settings.data_dir, "graph_name": settings.graph_name, "TESTING": True,
                      "KLYNGE_TEST_ROLE": "advisor"})
    return schemathesis.openapi.from_wsgi("/openapi.json", app)


def test_changed_endpoints_answer_generated_input_with_the_documented_envelope(api):
    """Each changed operation, 30 generated requests (schemathesis strategies driven by hypothesis directly:
    its pytest plugin does not run under this pytest)."""
    operations = [r.ok() for r in api.include(path_regex=CHANGED).get_all_operations()]
    assert len(operations) == 6

    for operation in operations:
        @given(case=operation.as_strategy())
        @hypothesis_settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case):
            case.call_and_validate(checks=[not_a_server_error, status_code_conformance,
                                           response_schema_conformance])

        run()
