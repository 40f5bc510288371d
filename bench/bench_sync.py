"""Changes per second of `klynge sync brreg` against a local mirror, and the bulk reload it replaces.

Usage::

    python bench/bench_sync.py                                  # 10,000 units, 2,000 changes
    python bench/bench_sync.py --units 2000 --changes 300 --out var/bench-quick/sync

A synthetic Norway (``loaders.synth``) is loaded from its bulk files (reference data first) into
the embedded store; :class:`bench.brreg_mirror.Register` then makes ``--changes`` changes of the
kinds a night brings (units changed, created, deleted, removed; boards changed; sub-units changed)
and serves the feeds on 127.0.0.1. Measured, in one run:

* **sync**: ``sync_brreg`` from the bulk files' date — update items read per second ("changes/s"),
  documents fetched per second, and nodes/relationships written;
* **peer**: the same graph brought to the same state the way it was done before, a bulk load of
  the later snapshot's three files over the earlier one (every row is read, and rewritten because
  its ``as_of`` changed).

The ratio is peer time / sync time. The mirror answers at once, so the sync's figure is an upper
bound for the real service (one request at a time, network latency per unit). No goal is
asserted. Results: ``bench/results/sync.json`` and ``sync.md`` (``--out`` elsewhere).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

T1 = "2026-11-01"
AS_OF = "2026-11-03"


def _load(store: Any, files: dict[str, Path], as_of: str, rejects: Path) -> float:
    import loaders

    t0 = time.perf_counter()
    for kind in ("units", "subunits", "roles"):
        loaders.load(kind, files[kind], store, progress=False, as_of=as_of, reject_dir=rejects)
    return time.perf_counter() - t0


def run(units: int, changes: int, page_size: int, work: Path, seed: int) -> dict[str, Any]:
    import loaders
    from bench.brreg_mirror import MirrorServer, Register
    from cypher import embedded, open_store
    from klynge.config import load_settings
    from loaders.sync import sync_brreg
    from loaders.sync.http import Http
    from loaders.synth import generate

    synth = work / f"synth-{units}-{seed}"
    if not (synth / "manifest.json").exists():
        generate(synth, units=units, seed=seed)
    reg = Register.from_synth(synth)
    t1 = reg.write_bulk(work / "t1")
    made = reg.evolve(random.Random(seed), changes)
    t2 = reg.write_bulk(work / "t2")
    data_dir = work / "graph"
    info = embedded.ensure_server(data_dir)
    store = open_store(load_settings({"data_dir": data_dir, "graph_name": "bench_sync"}, environ={}))
    rejects = work / "rejects"
    try:
        store.wipe()
        store.init_schema()
        loaders.load("reference", None, store, progress=False)
        t1_load = _load(store, t1, T1, rejects)
        with MirrorServer(reg) as srv:
            http = Http(timeout_s=30, retries=3, backoff=0.05)
            t0 = time.perf_counter()
            summary = sync_brreg(store, base_url=srv.base_url, since=T1, page_size=page_size, as_of=AS_OF,
                                 progress=False, http=http, reject_dir=rejects)
            sync_s = time.perf_counter() - t0
            requests = http.requests
        if summary.status != "ok":
            raise SystemExit(summary.describe())
        events = sum(f.events for f in summary.feeds)
        fetched = sum(f.fetched for f in summary.feeds)
        # the peer: the graph at T1 again, then the later snapshot's bulk files over it
        store.wipe()
        store.init_schema()
        loaders.load("reference", None, store, progress=False)
        _load(store, t1, T1, rejects)
        reload_s = _load(store, t2, AS_OF, rejects)
    finally:
        store.wipe()
        store.close()
        if info.started_here:
            embedded.stop_server(data_dir)
    return {
        "units": units, "changes_requested": changes, "changes_made": made, "page_size": page_size,
        "events": events, "fetched": fetched, "requests": requests, "applied": summary.applied,
        "by_feed": {f.feed: f.short() for f in summary.feeds},
        "sync_s": round(sync_s, 3), "changes_per_s": round(events / sync_s, 1),
        "documents_per_s": round(fetched / sync_s, 1),
        "bulk_t1_load_s": round(t1_load, 3), "bulk_reload_s": round(reload_s, 3),
        "reload_over_sync": round(reload_s / sync_s, 2),
        "machine": f"{platform.machine()} {platform.system()}, Python {platform.python_version()}",
    }


def markdown(r: dict[str, Any]) -> str:
    rows = [
        ("units in the graph", f"{r['units']:,}"),
        ("update items (changes) read", f"{r['events']:,}"),
        ("documents fetched / HTTP requests", f"{r['fetched']:,} / {r['requests']:,}"),
        ("nodes and relationships written, units removed", f"{r['applied']:,}"),
        ("sync wall time", f"{r['sync_s']:.1f} s"),
        ("**changes/s** (update items per second)", f"**{r['changes_per_s']:,.0f}**"),
        ("documents/s", f"{r['documents_per_s']:,.0f}"),
        ("peer: bulk reload of the later snapshot (units, sub-units, roles)", f"{r['bulk_reload_s']:.1f} s"),
        ("reload time / sync time", f"{r['reload_over_sync']:.1f}×"),
    ]
    out = ["| measure | value |", "|---|---|", *[f"| {a} | {b} |" for a, b in rows]]
    out.append(f"\n{r['machine']}; page size {r['page_size']}; changes made: "
               + ", ".join(f"{k} {v}" for k, v in sorted(r["changes_made"].items())) + ".")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=10_000)
    ap.add_argument("--changes", type=int, default=2_000)
    ap.add_argument("--page-size", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--work", type=Path, default=REPO / "var" / "bench-sync", help="data folder (kept between runs)")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "sync",
                    help="results path without suffix (.json and .md are written)")
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    r = run(args.units, args.changes, args.page_size, args.work.resolve(), args.seed)
    text = markdown(r)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(r, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    args.out.with_suffix(".md").write_text("# bench_sync\n\n" + text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
