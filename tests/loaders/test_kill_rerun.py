"""A load killed with SIGKILL and rerun ends identical to an uninterrupted load (LoadRun excluded)."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import loaders
from loaders.core import graph_fingerprint, orgnr_ok

REPO = Path(__file__).resolve().parents[2]
N_UNITS = 4_000
BATCH = 1000


def _write_units(path: Path) -> None:
    def valid(n: int) -> str | None:
        s = f"{n:08d}"
        rem = sum(int(c) * w for c, w in zip(s, (3, 2, 7, 6, 5, 4, 3, 2))) % 11
        return None if rem == 1 else s + str(0 if rem == 0 else 11 - rem)

    numbers = [x for x in (valid(n) for n in range(93_000_000, 93_020_000)) if x][:N_UNITS]
    assert all(orgnr_ok(x) for x in numbers[:50])
    forms = ["AS", "AS", "ENK", "ASA", "STAT", "FLI", "KOMM", "SA"]
    muns = ["3305", "3310", "3236", "3316", "3318", "0301", "4601"]
    naces = ["41.000", "62.100", "72.100", "43.210", "85.401", "16.100", "84.110"]
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write("[")
        for i, o in enumerate(numbers):
            unit = {"organisasjonsnummer": o, "navn": f"ENHET {i} AS",
                    "organisasjonsform": {"kode": forms[i % len(forms)], "beskrivelse": "x"},
                    "naeringskode1": {"kode": naces[i % len(naces)], "beskrivelse": "y"},
                    "antallAnsatte": i % 300 + 5, "harRegistrertAntallAnsatte": True,
                    "forretningsadresse": {"kommunenummer": muns[i % len(muns)], "postnummer": "3510",
                                           "poststed": "HØNEFOSS", "adresse": [f"Gate {i}"]},
                    "institusjonellSektorkode": {"kode": "2100"}}
            if i % 50 == 0:
                unit["slettedato"] = "2024-01-01"
            fh.write(("," if i else "") + json.dumps(unit, ensure_ascii=False))
        fh.write("]")


@pytest.mark.slow
def test_killed_load_rerun_equals_uninterrupted_load(settings, store, tmp_path):
    src = tmp_path / "enheter_alle.json.gz"
    _write_units(src)
    same_store = {"data_dir": str(settings.data_dir), "graph_name": settings.graph_name,
                  "neo4j_uri": settings.neo4j_uri, "neo4j_password": settings.neo4j_password}
    code = (
        "import loaders\n"
        "from cypher import open_store\n"
        "from klynge.config import load_settings\n"
        f"s = open_store(load_settings({same_store!r}, environ={{}}))\n"
        f"loaders.load('units', {str(src)!r}, s, batch_size={BATCH}, progress=False, "
        f"reject_dir={str(tmp_path)!r})\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["PYTHONPATH"] = str(REPO)
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        killed_at = kill_when_loaded(store, proc, proc.pid)
    finally:
        proc.wait(timeout=60)
        if proc.stdout:
            proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL, "the load finished before it could be killed"
    assert BATCH <= killed_at < N_UNITS
    status = store.read("MATCH (l:LoadRun) RETURN l.status AS s")
    assert status == [{"s": "running"}]  # the killed run never finished
    rerun_equals_a_clean_load(store, src, tmp_path)


def kill_when_loaded(store, proc, victim: int, timeout_s: float = 300) -> int:
    """SIGKILL ``victim`` (the loader, or the store's server) once two batches of organisations are in the
    graph, while ``proc`` (the loader) runs; returns the count seen just before the kill."""
    seen = 0
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        seen = store.read("MATCH (o:Organization) RETURN count(o) AS c")[0]["c"]
        if seen >= 2 * BATCH:
            os.kill(victim, signal.SIGKILL)
            break
        time.sleep(0.02)
    return seen


def rerun_equals_a_clean_load(store, src, tmp_path) -> None:
    """Rerun the load of ``src`` on the interrupted graph; it must equal the same file loaded once into an
    empty graph (the same store, emptied: Neo4j Community has one database)."""
    rerun = loaders.load("units", src, store, batch_size=BATCH, progress=False, reject_dir=tmp_path)
    assert rerun.read == N_UNITS and rerun.rejected == 0
    assert rerun.created == N_UNITS - rerun.unchanged - rerun.updated
    fp_rerun, n_rerun = graph_fingerprint(store)
    store.wipe()
    store.init_schema()
    clean = loaders.load("units", src, store, batch_size=BATCH, progress=False, reject_dir=tmp_path)
    assert clean.created == N_UNITS
    fp_clean, n_clean = graph_fingerprint(store)
    assert n_rerun == n_clean and n_clean["nodes"] > N_UNITS
    assert fp_rerun == fp_clean
