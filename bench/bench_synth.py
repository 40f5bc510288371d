"""Benchmark the synthetic-Norway generator: time, peak memory and output size per scale.

Usage::

    python bench/bench_synth.py                      # 10 000 units
    python bench/bench_synth.py --units 1000 10000 100000
    python bench/bench_synth.py --units 1100000      # Norway scale (about 3.4 M role rows)

Each scale runs in its own child process so that its peak resident memory (``ru_maxrss`` of that
child, from ``os.wait4``) is measured alone. Prints a Markdown table and writes
``bench/results/bench_synth.md`` and ``bench/results/bench_synth.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import json, sys, time
from loaders.synth import generate
t = time.perf_counter()
m = generate(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
print(json.dumps({"seconds": time.perf_counter() - t, "counts": m.counts}))
"""


def run_one(units: int, seed: int, out: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(out), str(units), str(seed)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    assert proc.stdout is not None and proc.stderr is not None
    stdout = proc.stdout.read()
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"synth at {units} units failed (exit {proc.returncode}):\n{stderr.decode()[-2000:]}")
    res = json.loads(stdout.decode().strip().splitlines()[-1])
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {
        "units": units, "seed": seed, "generate_s": round(res["seconds"], 2), "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "output_mb": round(size / 1e6, 1), "role_rows": res["counts"]["role_rows"],
        "persons": res["counts"]["persons"], "subunits": res["counts"]["subunits"],
        "accounts_units": res["counts"]["accounts_units"], "counts": res["counts"],
    }


def markdown(rows: list[dict]) -> str:
    head = ("| units | role rows | persons | sub-units | generate (s) | CPU (s) | peak RSS (MB) | output (MB) |\n"
            "|---:|---:|---:|---:|---:|---:|---:|---:|\n")
    return head + "".join(
        f"| {r['units']:,} | {r['role_rows']:,} | {r['persons']:,} | {r['subunits']:,} | {r['generate_s']} | "
        f"{r['cpu_s']} | {r['peak_rss_mb']} | {r['output_mb']} |\n" for r in rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--units", type=int, nargs="+", default=[10_000])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None, help="keep the generated files under this folder")
    ap.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    a = ap.parse_args(argv)
    rows = []
    for units in a.units:
        tmp = Path(tempfile.mkdtemp(prefix=f"synth{units}-")) if a.out is None else a.out / f"synth{units}"
        try:
            rows.append(run_one(units, a.seed, tmp))
            print(f"{units:>9,} units: {rows[-1]['generate_s']} s, peak {rows[-1]['peak_rss_mb']} MB", file=sys.stderr)
        finally:
            if a.out is None:
                shutil.rmtree(tmp, ignore_errors=True)
    table = markdown(rows)
    print(table)
    a.results.mkdir(parents=True, exist_ok=True)
    meta = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    (a.results / "bench_synth.json").write_text(json.dumps({"meta": meta, "runs": rows}, indent=2) + "\n",
                                                encoding="utf-8")
    (a.results / "bench_synth.md").write_text(
        f"# Synthetic-Norway generator benchmark\n\n{meta['date']}, Python {meta['python']}, {meta['cpus']} CPUs "
        f"(shared machine; times are indicative).\n\n{table}", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
