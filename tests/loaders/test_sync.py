"""`klynge sync brreg`: Brønnøysund's update feeds applied through the bulk loaders' own code.

The register is :class:`bench.brreg_mirror.Register`: documents and feed items in the shapes of
data-sources.md §1.3–1.7 and §2 (HAL pages of ``oppdaterteEnheter`` items, roles as CloudEvents),
served on 127.0.0.1 by :class:`bench.brreg_mirror.MirrorServer` started by each test.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import pytest

import loaders
from bench.brreg_mirror import Fault, MirrorServer, Register
from klynge.errors import ConfigError
from cypher.snapshot import snapshot
from loaders.sync import sync_brreg
from loaders.sync.http import Http

AS_OF = "2026-11-03"
T1 = "2026-11-01"


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory):
    from loaders.synth import generate

    d = tmp_path_factory.mktemp("synth")
    generate(d, units=500, seed=3)
    return d


def fast_http() -> Http:
    return Http(timeout_s=5, retries=3, backoff=0.01)


def bulk_load(store, files: dict[str, Path], tmp_path: Path, as_of: str) -> None:
    """Reference data (municipalities, industries: they outlive the units linked to them), then the bulk files."""
    loaders.load("reference", None, store, progress=False)
    for kind in ("units", "subunits", "roles"):
        loaders.load(kind, files[kind], store, progress=False, as_of=as_of, reject_dir=tmp_path / "rejects")


def label_counts(store) -> dict[str, int]:
    rows = store.read("MATCH (n) WHERE NOT n:LoadRun AND NOT n:SyncState UNWIND labels(n) AS l "
                      "RETURN l, count(*) AS n")
    return {r["l"]: r["n"] for r in rows}


def rejects(res) -> list[dict]:
    return [json.loads(x) for x in Path(res.reject_file).read_text(encoding="utf-8").splitlines()]


def test_sync_brings_a_bulk_loaded_graph_to_the_state_of_a_bulk_load_of_the_later_snapshot(
        any_store, synth_dir, tmp_path):
    """Done criterion of issue 21: counts per label and a content hash (as_of/_hash left out: the two
    graphs were written on different dates) equal those of a fresh bulk load of the later snapshot."""
    reg = Register.from_synth(synth_dir)
    bulk_load(any_store, reg.write_bulk(tmp_path / "t1"), tmp_path, T1)
    made = reg.evolve(random.Random(5), 150)
    assert {"unit changed", "unit deleted", "unit created", "roles changed"} <= set(made)
    later = reg.write_bulk(tmp_path / "t2")
    with MirrorServer(reg) as srv:
        summary = sync_brreg(any_store, base_url=srv.base_url, since=T1, page_size=40, as_of=AS_OF,
                             http=fast_http(), reject_dir=tmp_path / "rejects")
    assert summary.status == "ok", summary.describe()
    assert summary.rejected == 0
    units = summary.feeds[0]
    assert units.events == len(reg.unit_feed) and units.cursor == reg.unit_feed[-1]["oppdateringsid"]
    assert units.removed == made.get("unit removed", 0)
    synced = (label_counts(any_store), snapshot(any_store, ignore_properties=("as_of", "_hash")))

    any_store.wipe()
    any_store.init_schema()
    bulk_load(any_store, later, tmp_path, AS_OF)
    fresh = (label_counts(any_store), snapshot(any_store, ignore_properties=("as_of", "_hash")))
    assert synced[0] == fresh[0]
    assert synced[1].diff(fresh[1]) == []
    assert synced[1].digest == fresh[1].digest
