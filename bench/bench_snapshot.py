"""The web's measures snapshot: how long a worker takes to read it, and how much memory it holds.

Usage::

    python bench/bench_snapshot.py                         # 100 k organisations, 3 builds
    python bench/bench_snapshot.py --orgs 2000 --out var/bench-quick/snapshot

Each web worker reads every organisation's current measure values once per published run
(``web.measures._snapshot``) to give percentiles on profile pages; requests that need them
wait meanwhile. On the synthetic graph of ``bench_web.py`` (built with its measures when
missing, in the same data folder) it builds the snapshot ``--repeat`` times from an empty
cache and prints the wall time and CPU of each build, split into reading the values
(``gds_jobs.current_measures``) and the rest, then builds it once more under ``tracemalloc``
for the memory the snapshot keeps and the peak while it is built. No goal is asserted.
Results: ``bench/results/snapshot.json`` and ``snapshot.md``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.bench_web import graph_bench_main, prepare_graph


def run(data_dir: Path, orgs: int, repeat: int) -> dict[str, Any]:
    import gds_jobs
    from cypher import open_store
    from web import measures

    facts = prepare_graph(data_dir, orgs, rebuild=False, with_measures=True)
    store = open_store({"data_dir": data_dir, "graph_name": facts["graph"]})
    read_s: list[float] = []
    real = gds_jobs.current_measures

    def timed(*args: Any, **kwargs: Any) -> Any:
        t0 = time.process_time()
        try:
            return real(*args, **kwargs)
        finally:
            read_s.append(time.process_time() - t0)

    builds = []
    try:
        gds_jobs.current_measures = timed
        for _ in range(repeat):
            measures.clear_cache()
            t0, c0 = time.perf_counter(), time.process_time()
            snap = measures._snapshot(store)
            builds.append({"wall_s": round(time.perf_counter() - t0, 2), "cpu_s": round(time.process_time() - c0, 2),
                           "read_cpu_s": round(read_s[-1], 2)})
        organisations = len(snap.get("index") or snap.get("values") or ())  # "values": before 32212a8
        measures.clear_cache()
        tracemalloc.start()
        snap = measures._snapshot(store)
        held, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        gds_jobs.current_measures = real
        measures.clear_cache()
        store.close()
    return {"graph": facts, "orgs": orgs, "organisations_with_values": organisations,
            "distributions": len(snap["dist"]), "builds": builds,
            "median_wall_s": statistics.median(b["wall_s"] for b in builds),
            "median_cpu_s": statistics.median(b["cpu_s"] for b in builds),
            "median_read_cpu_s": statistics.median(b["read_cpu_s"] for b in builds),
            "held_mb": round(held / 1e6, 1), "peak_mb": round(peak / 1e6, 1)}


def markdown(res: dict[str, Any], command: str) -> str:
    g = res["graph"]
    rows = "\n".join(f"| {i} | {b['wall_s']:.2f} | {b['cpu_s']:.2f} | {b['read_cpu_s']:.2f} |"
                     for i, b in enumerate(res["builds"], 1))
    return "\n".join([
        "# The web's measures snapshot",
        "",
        f"`{command}`",
        "",
        (f"Graph `{g['graph']}`: {res['orgs']:,} organisations, measures run `{g['measures_run']}`; "
         f"{res['organisations_with_values']:,} organisations with values, {res['distributions']:,} distributions."),
        "",
        "| build | wall s | CPU s | of which reading the values (CPU s) |",
        "| ---: | ---: | ---: | ---: |",
        rows,
        "",
        (f"Median: {res['median_wall_s']:.2f} s wall, {res['median_cpu_s']:.2f} s CPU "
         f"({res['median_read_cpu_s']:.2f} s reading). Memory (`tracemalloc`): {res['held_mb']:.1f} MB held by "
         f"the snapshot, {res['peak_mb']:.1f} MB peak while it is built."),
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    def add_args(ap: argparse.ArgumentParser) -> None:
        ap.add_argument("--repeat", type=int, default=3, help="timed builds (default 3)")

    graph_bench_main(argv, script="bench_snapshot.py", results="snapshot", description=__doc__.splitlines()[0],
                     add_args=add_args, markdown=markdown,
                     run=lambda data_dir, a: run(data_dir, a.orgs, max(1, a.repeat)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
