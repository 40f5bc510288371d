"""The web app on Neo4j: every page and its JSON twin answer as on the embedded store, with the same content.

The small Triple Helix graph of ``conftest.SMALL`` is built in both stores and the measures job runs on
each (local engine, so the numbers are the same by construction of the engine; GDS is compared with it
in tests/test_two_stores.py). Each JSON twin is then fetched from an app on each store, as an analyst
(who sees everything), and the two answers are compared after removing what legitimately differs: run
ids, timestamps, timings, the store's own name, version and health details, and fulltext scores.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from gds_jobs import runs
from gds_jobs.jobs import run_jobs
from tests.conftest import BACKENDS, fresh_store, settings_for
from tests.web.conftest import SMALL
from web import create_app

pytestmark = pytest.mark.neo4j

EQ, DNB = "923609016", "984851006"
URLS = [
    "/index.json",
    f"/org/{EQ}.json",
    f"/org/{EQ}/fit.json",
    f"/org/{EQ}/explore.json",
    f"/org/{EQ}/network.json?depth=2",
    f"/network/expand.json?key={DNB}&kind=organization",
    f"/path.json?from={EQ}&to={DNB}",
    "/person/3f2a9c1e.json",
    "/clusters.json",
    "/cluster/ocean.json",
    "/regions.json",
    "/region/ringeriksregionen.json",
    "/search.json?q=equinor",
    "/search.json?q=nordmann",
    "/suggest.json?q=uni",
    "/console.json?q=MATCH+(o:Organization)+RETURN+o.orgnr+AS+orgnr,+o.name+AS+name+ORDER+BY+orgnr",
    "/queries.json",
    "/queries/network/ego_network.json?p.orgnr=923609016",
    "/status/jobs.json",
]
#: Keys whose values differ between two runs or two stores by nature.
VOLATILE = re.compile(r"(^|_)(run|run_id|started|finished|duration_s|elapsed_ms|latency_ms|ms|version|versions|"
                      r"backend|store|as_of_run|generated|now|created|measures_run|interlock_run|timestamp|"
                      r"next_run|last_run|age_s|seconds)$")
#: Keys that describe the store itself: its health details, and the fulltext engine's relevance score
#: (Lucene on Neo4j, RediSearch on FalkorDB: the same hits in the same order, scored on different scales).
STORE_SPECIFIC = {"info", "score"}
RUN_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{6}")


def _stable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if not VOLATILE.search(k) and k not in STORE_SPECIFIC}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    if isinstance(value, str):
        return RUN_ID.sub("<run>", value)
    if isinstance(value, float):
        return round(value, 9)
    return value


@pytest.fixture(scope="module", params=BACKENDS)
def store_app(request):
    """(backend, analyst test client) with the small graph and one measures run, per store."""
    settings = settings_for(request, request.param)
    with fresh_store(settings) as store:
        store.run(SMALL)
        run_jobs(store, engine="local", config=runs.RunConfig.from_env(environ={}))
        app = create_app({"data_dir": settings.data_dir, "graph_name": settings.graph_name,
                          "neo4j_uri": settings.neo4j_uri, "neo4j_password": settings.neo4j_password,
                          "state_dir": settings.state_dir, "TESTING": True, "KLYNGE_TEST_ROLE": "analyst"})
        yield request.param, app.test_client()


ANSWERS: dict[str, dict[str, Any]] = {}


@pytest.mark.parametrize("url", URLS)
def test_every_json_twin_answers_the_same_on_both_stores(store_app, url):
    backend, client = store_app
    r = client.get(url)
    assert r.status_code == 200, r.get_data(as_text=True)[:2000]
    body = _stable(r.get_json())
    ANSWERS.setdefault(url, {})[backend] = body
    if len(ANSWERS[url]) == 2:
        assert ANSWERS[url]["falkordb"] == ANSWERS[url]["neo4j"]


@pytest.mark.parametrize("path", ["/", f"/org/{EQ}", f"/org/{EQ}/explore", f"/path?from={EQ}&to={DNB}",
                                  "/cluster/ocean", "/region/ringeriksregionen", "/search?q=equinor", "/console",
                                  "/queries", "/status"])
def test_every_page_renders(store_app, path):
    _, client = store_app
    r = client.get(path)
    assert r.status_code == 200 and "<html" in r.get_data(as_text=True)[:500].lower()
