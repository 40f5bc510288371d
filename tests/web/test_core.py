"""The app factory, the health check and the error envelope."""

from __future__ import annotations

import pytest

from web import create_app


@pytest.fixture
def client(settings, store):
    app = create_app({"data_dir": settings.data_dir, "graph_name": settings.graph_name, "TESTING": True})
    return app.test_client()


def test_healthz_reports_backend_and_counts(client, store):
    store.run("CREATE (:Organization {orgnr: '923609016', name: 'EQUINOR ASA'})")
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.get_json()
    assert body["backend"] == "falkordb" and body["nodes"] == 1
    assert body["counts"]["labels"] == {"Organization": 1}


def test_healthz_tells_anonymous_callers_only_ok_backend_and_counts(settings, store):
    """Finding 6: the store's port and data directory (and version, latency) are for analysts and admins."""
    store.run("CREATE (:Organization {orgnr: '923609016', name: 'EQUINOR ASA'})")
    config = {"data_dir": settings.data_dir, "graph_name": settings.graph_name, "TESTING": True}
    anonymous = create_app(config).test_client().get("/healthz").get_json()
    assert set(anonymous) == {"ok", "backend", "nodes", "relationships", "counts"}
    text = str(anonymous)
    assert str(settings.data_dir) not in text and str(store.server.port) not in text
    analyst = create_app({**config, "KLYNGE_TEST_ROLE": "analyst"}).test_client().get("/healthz").get_json()
    assert analyst["port"] == store.server.port and analyst["data_dir"] == str(settings.data_dir)
    assert {"version", "latency_ms"} <= set(analyst)


def test_unknown_page_is_a_404_in_both_forms(client):
    r = client.get("/no/such/page")
    assert r.status_code == 404 and b"Back to the start page" in r.data
    r = client.get("/no/such/page.json")
    assert r.status_code == 404 and r.get_json() == {"ok": False, "error": r.get_json()["error"], "status": 404}


def test_home_page_shows_counts(client, store):
    store.run("CREATE (:Organization {orgnr: '923609016', name: 'EQUINOR ASA'})")
    r = client.get("/")
    assert r.status_code == 200 and b'<span class="stat-n">1</span><span class="stat-l">Organisations</span>' in r.data


def test_every_page_says_when_the_data_are_synthetic(client, store):
    from web import synthetic

    synthetic._cache.clear()
    assert b"Synthetic data" not in client.get("/").data
    store.run("CREATE (:LoadRun {load_id: 'l1', source: 'synthetic', status: 'succeeded'})")
    synthetic._cache.clear()
    assert b"Synthetic data" in client.get("/").data


def test_the_apps_store_is_closed_when_the_app_is_collected(settings, store):
    """The app holds its store in a reference cycle; when the collector frees the app, the store's
    connection is closed first, so no socket is left for the collector to find open (a
    ResourceWarning at a random later point, which fails the run)."""
    import gc
    import warnings

    from web.stores import get_store

    app = create_app({"data_dir": settings.data_dir, "graph_name": settings.graph_name, "TESTING": True})
    with app.app_context():
        app_store = get_store()
        assert app_store is not store and app_store.read("RETURN 1 AS one") == [{"one": 1}]
    pool = app_store._db.connection.connection_pool
    conns = list(pool._available_connections) + list(pool._in_use_connections)
    assert conns and all(c.is_connected for c in conns)
    del app
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        gc.collect()
    assert not any(c.is_connected for c in conns)


def test_a_nul_character_anywhere_in_the_request_is_a_clear_400(client, store):
    """Finding 7: /cluster/a%00b.json answered with the store's raw parse error."""
    for path in ("/cluster/a%00b.json", "/cluster/a%00b", "/search.json?q=a%00b", "/org/923609016.json?x=%00"):
        r = client.get(path)
        assert r.status_code == 400, path
        text = r.get_data(as_text=True)
        assert "NUL character" in text and "errMsg" not in text and "FalkorDB" not in text


def test_a_store_failure_shows_a_generic_error_with_an_id_that_the_log_has_with_the_stores_message(
        settings, store, monkeypatch, caplog):
    """Finding 7: anonymous users see a generic message and an id; the log line with that id has the store's
    message; analysts (who debug queries) see the message too."""
    from cypher import library
    from klynge.errors import QueryError

    def broken(*args, **kwargs):
        raise QueryError("query failed on FalkorDB: errMsg: Invalid input at 'x' on port 6399")

    monkeypatch.setattr(library, "run", broken)
    config = {"data_dir": settings.data_dir, "graph_name": settings.graph_name, "TESTING": True}
    with caplog.at_level("ERROR"):
        r = create_app(config).test_client().get("/clusters.json")
    body = r.get_json()
    assert r.status_code == 500 and body["error_id"] and body["error_id"] in body["error"]
    assert "errMsg" not in body["error"] and "6399" not in r.get_data(as_text=True)
    logged = [rec.getMessage() for rec in caplog.records if body["error_id"] in rec.getMessage()]
    assert logged and "errMsg: Invalid input" in logged[0]
    html = create_app(config).test_client().get("/clusters").get_data(as_text=True)
    assert "error id" in html and "errMsg" not in html
    analyst = create_app({**config, "KLYNGE_TEST_ROLE": "analyst"}).test_client().get("/clusters.json").get_json()
    assert "errMsg: Invalid input" in analyst["error"]

