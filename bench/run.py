"""Run the quick set of benchmarks one after another (``make bench``), in a few minutes.

The quick set is the four benchmarks of issue 9 at small sizes — loading (``bench_loaders``),
measures against networkx and igraph (``bench_measures``), the web app (``bench_web``) and the region
report (``bench_report``) — plus the synthetic-data generator (``bench_synth``), the CPU floor of a
units load (``bench_floor``), the path finder's search against ``allShortestPaths`` (``bench_paths``),
the web's measures snapshot (``bench_snapshot``), the update-feed sync against a bulk reload
(``bench_sync``), the region analysis page and cluster-fit panel (``bench_pages``, on
``bench_report``'s graph), the two stores side by side (``bench_stores``, skipped without the local
Neo4j) and the cluster fit's pages and evaluation (``bench_fit``). Each script prints its own
Markdown table. Their quick files go to ``var/bench-quick/`` (``--results``), so a quick run never
overwrites the full tables in ``bench/results/``; those come from the documented commands in
``docs/benchmarks.md`` (the goal sizes: 100 k organisations, 300 k firms, Norway scale).

Usage::

    python -m bench.run                     # the quick set
    python -m bench.run --only bench_web    # one of them
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def quick_set(out: Path) -> list[list[str]]:
    """The quick commands; every one writes its results under ``out``."""
    return [
        ["bench/bench_synth.py", "--units", "10000", "--results", str(out)],
        ["bench/bench_loaders.py", "--units", "10000", "--batch-sizes", "5000", "--kinds", "units,roles",
         "--out", str(out / "loaders.json")],
        ["bench/bench_floor.py", "--units", "10000", "--out", str(out / "floor")],
        ["bench/bench_measures.py", "--sizes", "2000", "--out", str(out / "measures.json")],
        ["bench/bench_web.py", "--orgs", "2000", "--seconds", "2", "--warmup", "1", "--clients", "1,8,32",
         "--results-dir", str(out)],
        ["bench/bench_report.py", "--units", "10000", "--out", str(out)],
        ["bench/bench_pages.py", "--units", "10000", "--requests", "5", "--out", str(out / "pages")],
        ["bench/bench_paths.py", "--orgs", "2000", "--pairs", "20", "--out", str(out / "paths")],
        ["bench/bench_snapshot.py", "--orgs", "2000", "--out", str(out / "snapshot")],
        ["bench/bench_stores.py", "--units", "10000", "--seconds", "2", "--console-rounds", "5",
         "--data-dir", str(out / "stores-data"), "--out", str(out / "stores")],
        ["bench/bench_sync.py", "--units", "2000", "--changes", "400", "--work", str(out / "sync-data"),
         "--out", str(out / "sync")],
        ["bench/bench_fit.py", "--units", "10000", "--requests", "20", "--seeds", "3", "--out", str(out)],
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="the quick set (the default and only set)")
    ap.add_argument("--only", nargs="*", default=None, help="script names to run, e.g. bench_measures bench_web")
    ap.add_argument("--results", type=Path, default=ROOT / "var" / "bench-quick",
                    help="where the quick results go (default var/bench-quick)")
    args = ap.parse_args(argv)
    out = args.results.resolve()
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    summary: list[tuple[str, int, float]] = []
    t_all = time.perf_counter()
    for cmd in quick_set(out):
        name = Path(cmd[0]).stem
        if args.only and name not in args.only:
            continue
        print(f"\n$ python {' '.join(cmd)}", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.run([sys.executable, *cmd], check=False, cwd=ROOT, env=env).returncode
        summary.append((name, rc, time.perf_counter() - t0))
        print(f"({name}: exit {rc}, {summary[-1][2]:.1f} s)", flush=True)
    print(f"\nQuick set done in {time.perf_counter() - t_all:.0f} s:")
    for name, rc, secs in summary:
        print(f"  {name:<15} {'ok' if rc == 0 else f'FAILED (exit {rc})':<16} {secs:6.1f} s")
    print(f"Quick results (small sizes): {out}/")
    print(f"Full tables at the goal sizes, with their commands: {ROOT / 'bench' / 'results'}/*.md; "
          f"summary against the goals: {ROOT / 'docs' / 'benchmarks.md'}")
    return 1 if any(rc != 0 for _, rc, _ in summary) else 0


if __name__ == "__main__":
    sys.exit(main())
