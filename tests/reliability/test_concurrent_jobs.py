"""Concurrent `klynge jobs run`: refused with a clear message and exit 1, two at once, stale lock.

The drill is ``bench.stress.jobs_concurrent_drill`` (the real command line in child processes); here
on a small board graph in the session's embedded store.
"""

from __future__ import annotations

from bench import stress


def test_jobs_run_against_a_held_lock_exits_1_and_two_at_once_never_overlap(store, build_boards):
    """``make stress`` also checks ``--wait`` (waits for the holder, then succeeds)."""
    build_boards(store, 40, 60)
    assert store.read("MATCH ()-[r:HOLDS_ROLE]->() RETURN count(r) AS n")[0]["n"] >= 150
    res = stress.jobs_concurrent_drill(store.settings.data_dir, store.settings.graph_name, wait=False)
    print(res)
    # a live holder: refused at once with exit code 1 and a message naming the holder and what to do
    assert res["refused"]["exit_code"] == 1
    assert res["refused"]["message"].startswith("error: another measures run holds the lock: run stress-holder owned by ")
    assert "wait for it to finish" in res["refused"]["message"]
    # two started at once: both succeed one after the other, or one is refused with the lock message
    two = res["two_at_once"]
    assert sorted(two["exit_codes"]) in ([0, 0], [0, 1]), two
    assert all("another measures run holds the lock" in m for m in two["messages"])
    assert not two["overlap"] and sorted(s for _, s in two["runs"]) == ["succeeded"] * two["exit_codes"].count(0)
    # a lock left by a process that is gone is taken over, with a warning
    assert res["stale"]["exit_code"] == 0 and res["stale"]["took_over"]
    assert "stress-dead-run" in res["stale"]["line"] and "no longer running" in res["stale"]["line"]
    assert res["ok"]
