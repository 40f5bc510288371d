"""Console timeouts under concurrency: several slow queries sent at once, through ``run_console`` and
through the web console's ``/console.json``. At most ``KLYNGE_CONSOLE_CONCURRENCY`` run at a time; each
running one stops with the timeout error, and one that waited its whole limit for a slot is turned
away as busy (the wait counts against the limit), and the console answers afterwards. Wall times are
printed, not asserted; `make stress` reports them against the limit (docs/reliability.md)."""

from __future__ import annotations

import threading
import time
from urllib.parse import urlencode

import pytest

from bench import stress
from web import create_app

N = 6


def test_concurrent_slow_console_queries_each_stop_with_the_timeout_error(store):
    store.run("CREATE (:Organization {orgnr: '910000004', name: 'A'})")
    res = stress.console_drill(store.settings.data_dir, store.settings.graph_name, clients=N, timeout_s=0.5,
                               margin_s=1e9)
    print(res)
    # 2 slots: the first two stop at the limit; the others waited for a slot, and those that got none
    # within the limit were turned away (one freed just in time runs out its remaining time instead)
    assert set(res["outcomes"]) <= {"timeout", "busy"} and res["outcomes"]["timeout"] >= 2
    assert sum(res["outcomes"].values()) == N
    assert "ran longer than 0.5 s and was stopped" in res["messages"]["timeout"]
    assert "KLYNGE_CONSOLE_TIMEOUT_S" in res["messages"]["timeout"]
    if "busy" in res["messages"]:  # a waiter freed just in time runs out its remaining time instead
        assert "console is busy" in res["messages"]["busy"] and "KLYNGE_CONSOLE_CONCURRENCY" in res["messages"]["busy"]


def test_concurrent_slow_web_console_queries_each_get_504_with_the_timeout_reason(store, settings, tmp_path):
    store.run("CREATE (:Organization {orgnr: '910000004', name: 'A'})")
    app = create_app({"data_dir": settings.data_dir, "graph_name": settings.graph_name, "state_dir": tmp_path,
                      "TESTING": True, "KLYNGE_TEST_ROLE": "analyst", "console_timeout_s": 0.5})
    path = "/console.json?" + urlencode({"q": stress.SLOW_QUERY})
    answers: list[tuple[int, dict, float]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(N)

    def one() -> None:
        client = app.test_client()
        barrier.wait(timeout=60)
        t0 = time.perf_counter()
        resp = client.get(path)
        with lock:
            answers.append((resp.status_code, resp.get_json(), round(time.perf_counter() - t0, 2)))

    threads = [threading.Thread(target=one) for _ in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print([(s, w) for s, _, w in answers])
    statuses = [s for s, _, _ in answers]
    assert set(statuses) <= {503, 504} and statuses.count(504) >= 2 and len(statuses) == N
    for status, body, _ in answers:
        assert body["reason"] == {504: "timeout", 503: "busy"}[status]
        assert "KLYNGE_CONSOLE_TIMEOUT_S" in body["error"]
        if status == 503:
            assert "KLYNGE_CONSOLE_CONCURRENCY" in body["error"]
    # the console still answers
    after = app.test_client().get("/console.json?" + urlencode({"q": "MATCH (o:Organization) RETURN o.orgnr AS o"}))
    assert after.status_code == 200 and after.get_json()["rows"] == [["910000004"]]


def test_a_query_that_gets_no_slot_within_its_limit_is_turned_away_as_busy(store):
    """Deterministic: both of the default 2 slots are held, so the query waits its whole limit, then is refused."""
    from cypher import console
    slots = console._slots(store.settings.console_concurrency)
    held = [slots.acquire(timeout=5) for _ in range(store.settings.console_concurrency)]
    assert all(held)
    try:
        with pytest.raises(console.ConsoleQueryError) as err:
            console.run_console(store, "RETURN 1 AS one", timeout_s=0.2)
    finally:
        for _ in held:
            slots.release()
    assert err.value.reason == "busy"
    assert "console is busy" in str(err.value) and "KLYNGE_CONSOLE_CONCURRENCY" in str(err.value)
    assert "KLYNGE_CONSOLE_TIMEOUT_S" in str(err.value)
    assert console.run_console(store, "RETURN 1 AS one", timeout_s=5).rows == ((1,),)
