"""Crashes: a load SIGKILLed at seeded points and rerun; the store's server SIGKILLed during a load and a job.

The drills are those of ``bench/stress.py`` (``make stress`` runs them at scale); here they run on
a small synthetic Norway (500 units, the generator's minimum) so they fit the normal suite. The
kill points come from ``KLYNGE_STRESS_SEED`` (default below) and are printed, so a failure can be
replayed with the same seed.
"""

from __future__ import annotations

import os

import pytest

from bench import stress
from cypher import embedded

SEED = int(os.environ.get("KLYNGE_STRESS_SEED", "20261127"))
UNITS = 500
BATCH = 250


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    return stress.synth_folder(tmp_path_factory.mktemp("synth"), UNITS, 3)


def test_load_killed_at_seeded_points_and_rerun_equals_an_uninterrupted_load(synth, tmp_path):
    print(f"seed {SEED}")
    res = stress.load_kill_drill(tmp_path, synth, kills=2, seed=SEED, batch_size=BATCH)
    print(res["kills"])
    assert [k["killed"] for k in res["kills"]] == [True, True], res["kills"]
    assert all(k["nodes_when_killed"] < res["clean"]["nodes"] for k in res["kills"])
    assert res["rerun"] == res["clean"] and res["diff"] == []
    assert res["rerun_digest"] == res["clean_digest"]
    # the killed loads never finished: their LoadRun stays 'running'; the rerun's are 'ok'
    assert res["load_runs"].get("running", 0) >= 2 and res["load_runs"]["ok"] >= 2
    assert res["ok"]


def test_store_killed_during_a_load_keeps_every_acknowledged_write(synth, tmp_path):
    """The server dies right after the k-th acknowledged write (k from the seed); the restarted graph is exactly
    the acknowledged one. ``make stress`` adds a kill at a random moment and compares reruns with a clean load."""
    print(f"seed {SEED}")
    res = stress.store_kill_load_drill(tmp_path, synth, seed=SEED, batch_size=BATCH, full=False)
    exact = res["exact"]
    print(exact)
    assert exact["killed_pid"] and exact["restarted_pid"] and exact["restarted_pid"] != exact["killed_pid"]
    assert exact["acknowledged"]["nodes"] > 0
    assert exact["nothing_lost"], exact["diff"]
    # the loader stops with the store's own message, which says what to do
    assert "StoreUnavailable" in exact["load_error"] and "stopped answering" in exact["load_error"]
    assert "run the command again" in exact["load_error"]


def test_store_killed_during_a_job_keeps_previous_measures_and_records_the_run_failed(tmp_path, build_boards):
    # 120 organisations, 200 persons on 3 boards each (stress runs the drill on a loaded Norway)
    data_dir = tmp_path / "jobs"
    try:
        res = stress.store_kill_job_drill(data_dir, None, batch_size=BATCH, seed=SEED, build=lambda s: build_boards(s, 120, 200))
    finally:
        embedded.stop_server(data_dir)
    print(res)
    assert res["killed_pid"] and "failed in step 'write measures'" in res["error"]
    assert "previous results stay current" in res["error"]
    assert res["recorded_status"] == "failed" and "StoreUnavailable" in res["recorded_error"]
    assert res["values_left"] == 0 and res["locks_left"] == []
    assert res["previous_measures_intact"] and res["measure_state_unchanged"] and res["organisations"] == 120
    assert res["next_run"] == "succeeded"
