"""Restarting the embedded store after a SIGKILL when replaying its append-only file takes a while.

Found by the crash drills (docs/reliability.md): the server replays every write since the last
rewrite of its append-only file, and ``cypher.embedded.ensure_server`` used to give it
``START_TIMEOUT_S`` (30 s) to answer PING and then SIGKILL it, so a data directory whose replay took
longer could never be restarted. Now a server answering ``-LOADING`` is waited for (up to
``REPLAY_TIMEOUT_S``), and the file is rewritten from 16 MB on. Here the start limit is lowered so
that a small file shows the behaviour quickly.
"""

from __future__ import annotations

from bench import stress
from cypher import embedded

ROWS = "UNWIND $rows AS r MERGE (o:Organization {orgnr: r.o}) SET o.name = r.n, o.employees = r.e"


def _written_then_killed(data_dir, n: int):
    store = stress.store_for(data_dir, "g")
    store.init_schema()  # with the product's indexes a replay is 20-50x slower than the writes were
    rows = [{"o": f"{i:09d}", "n": f"Organisasjon {i} AS", "e": i % 97} for i in range(n)]
    store.write_batches(ROWS, rows, batch_size=20)  # n / 20 queries for the server to replay
    store.close()
    return stress.kill_store_server(data_dir)


def test_a_killed_store_with_its_file_replayed_in_time_comes_back_with_every_write(tmp_path):
    _written_then_killed(tmp_path, 1000)
    store, seconds = stress.restart_store(tmp_path, "g")
    try:
        assert store.read("MATCH (o:Organization) RETURN count(o) AS c") == [{"c": 1000}]
        print(f"replayed in {seconds} s")
    finally:
        store.close()
        embedded.stop_server(tmp_path)


def test_a_store_still_replaying_its_file_is_waited_for_not_killed(tmp_path, monkeypatch):
    killed = _written_then_killed(tmp_path, 5000)
    # a bare server answers in about 0.1 s; replaying these 250 queries took 7 s here (written in 0.3 s),
    # as 30 s is short for a real load's file
    monkeypatch.setattr(embedded, "START_TIMEOUT_S", 1.0)
    try:
        info = embedded.ensure_server(tmp_path)
        assert info.pid != killed
        store = stress.store_for(tmp_path, "g")
        assert store.read("MATCH (o:Organization) RETURN count(o) AS c") == [{"c": 5000}]
        store.close()
    finally:
        embedded.stop_server(tmp_path)
