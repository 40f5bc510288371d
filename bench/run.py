"""Run the quick set of benchmarks one after another (``make bench``).

Each script prints its own Markdown table and writes JSON under ``bench/results``;
the Norway-scale commands are documented in ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

QUICK = [
    ["bench/bench_synth.py", "--units", "10000"],
    ["bench/bench_loaders.py", "--units", "10000", "--batch-sizes", "1000,5000"],
    ["bench/bench_measures.py", "--sizes", "10000"],
    ["bench/bench_web.py", "--orgs", "2000", "--seconds", "3", "--clients", "1,8,32"],
    ["bench/bench_report.py", "--units", "10000"],
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="the quick set (the default)")
    ap.add_argument("--only", nargs="*", default=None, help="script names to run, e.g. bench_measures")
    args = ap.parse_args(argv)
    failures = 0
    for cmd in QUICK:
        if args.only and Path(cmd[0]).stem not in args.only:
            continue
        line = " ".join([sys.executable, *cmd])
        print(f"\n$ {line}", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.run([sys.executable, *cmd], cwd=ROOT).returncode
        print(f"({Path(cmd[0]).stem}: exit {rc}, {time.perf_counter() - t0:.1f} s)", flush=True)
        failures += rc != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
