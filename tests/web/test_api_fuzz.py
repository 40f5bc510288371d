"""The JSON API fuzzed from its own OpenAPI document (schemathesis): whatever a caller sends — NUL characters,
long or odd text, out-of-range numbers — the answer is documented, never a server error, and an error never
carries the store's own message (issue 16, findings 5 and 7)."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

from web import create_app

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]


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
            response = case.call_and_validate(checks=CHECKS)
            text = response.text
            assert "errMsg" not in text and "FalkorDB" not in text and "query failed on" not in text, text[:300]
            seen.append(response.status_code)

        fuzz()
    assert 200 in seen and 400 in seen
