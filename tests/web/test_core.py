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
