"""Loader throughput and peak memory (loader process and store server) on the embedded store.

Usage::

    python bench/bench_loaders.py                # 10 k units at batch 2000/5000/10000, 100 k units at 5000
    python bench/bench_loaders.py --units 10000 --batch-sizes 5000 --kinds units,roles
    python bench/bench_loaders.py --norway [--synth-dir DIR] [--keep DIR]   # 1.1 M units, 3.4 M role rows

Input is a synthetic Norway from :func:`loaders.synth.generate` (the real file formats). Every
(size, kind, batch size) runs in its own child process against its own freshly started FalkorDB
server, so both peak resident sets (``VmHWM`` of the loader and of ``redis-server``) are that
run's own. Loaders a kind depends on (units before sub-units, roles and accounts) are loaded
first and not timed. Each timed load runs twice: the first load on an empty graph and a rerun
of the same file (every row unchanged). The store-side share is measured in the store itself
(``FalkorStore.query_stats``: seconds waiting for ``GRAPH.QUERY`` round trips and seconds
serialising parameters), so the bottleneck can be named.

``--norway`` loads reference data, units, sub-units, roles, accounts (timed one by one) and
then grants, patents and clusters into one graph, the order ``klynge load synthetic`` uses,
and records the total against the goal (1.1 M units + 3.4 M roles in under 10 minutes).
With ``--keep DIR`` the graph stays in ``DIR`` (graph ``norway``) for ``bench_report.py --reuse``.

The machine is usually shared, so the 1-minute load average is recorded with every figure.
Goals are printed beside the figures, never asserted. Neo4j: when ``NEO4J_URI`` is set, the
same loads also run against it (``--neo4j``); otherwise a note says they were skipped.
Results: ``bench/results/loaders.json`` and ``loaders.md`` (``loaders.norway.json`` and
``loaders.norway.md`` for ``--norway``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
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
GOAL_ROWS_S = 30_000
GOAL_NORWAY_S = 600.0
NORWAY_UNITS = 1_100_000
NORWAY_STEPS = ("units_json", "subunits_json", "roles_json", "accounts_jsonl", "grants_forskningsradet",
                "grants_innovasjon_norge", "patents", "clusters")


def proc_status_mb(pid: int | str, field: str) -> float | None:
    """A memory figure of ``/proc/<pid>/status`` (``VmHWM``, ``VmRSS`` …) in MB; None when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def vm_hwm_mb(pid: int | str = "self") -> float | None:
    """Peak resident set (``VmHWM``) of a process in MB; unlike ru_maxrss it is not inherited across exec."""
    return proc_status_mb(pid, "VmHWM")


def cpu_s(pid: int | None) -> float | None:
    """User + system CPU seconds a process has used (``/proc/<pid>/stat``), None when unreadable."""
    if pid is None:
        return None
    try:
        f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def _server_pid(store) -> int | None:
    server = getattr(store, "server", None)
    return getattr(server, "pid", None)


def load1() -> float:
    return round(os.getloadavg()[0], 2)


def machine() -> dict:
    info = {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    return info


def _open(data_dir: str, graph: str, backend: str):
    from cypher import open_store
    from klynge.config import load_settings

    if backend == "neo4j":
        return open_store(load_settings({"graph_name": graph}))
    return open_store(load_settings({"data_dir": data_dir, "graph_name": graph}, environ={}))


def _timed_load(store, kind: str, path: Path, batch: int) -> dict:
    import loaders

    qs = getattr(store, "query_stats", None)
    before = dict(qs) if qs is not None else None
    la = load1()
    spid = _server_pid(store)
    s0 = cpu_s(spid)
    t0 = time.perf_counter()
    c0 = time.process_time()
    s = loaders.load("units" if kind == "units_csv" else kind, path, store, progress=False, batch_size=batch,
                     reject_dir=tempfile.gettempdir())
    dt = time.perf_counter() - t0
    s1 = cpu_s(spid)
    lcpu = time.process_time() - c0
    out = {"rows": s.read, "created": s.created, "updated": s.updated, "unchanged": s.unchanged,
           "rejected": s.rejected, "seconds": round(dt, 2), "rows_per_s": round(s.read / dt) if dt else None,
           "loader_cpu_s": round(lcpu, 2), "load_avg_1m_before": la, "load_avg_1m_after": load1()}
    if s0 is not None and s1 is not None:
        scpu = s1 - s0
        out["server_cpu_s"] = round(scpu, 2)
        # what the CPU time allows when the loader and the server each have a core of their own
        out["cpu_bound_rows_per_s"] = round(s.read / max(lcpu, scpu, 1e-9))
    if before is not None:
        out["store_wait_s"] = round(qs["query_s"] - before["query_s"], 2)
        out["serialize_s"] = round(qs["serialize_s"] - before["serialize_s"], 2)
        out["queries"] = int(qs["queries"] - before["queries"])
        out["sent_mb"] = round((qs["sent_bytes"] - before["sent_bytes"]) / 1e6, 1)
    return out


def child(kind: str, batch: int, folder: str, data_dir: str, graph: str, backend: str) -> dict:
    import loaders

    # one-time imports (the reference tables pull in pandas: 1-5 s) happen before timing, as in a
    # long-running process; the figures are the sustained rate
    import loaders.sources.common
    from cypher import embedded

    store = _open(data_dir, graph, backend)
    store.wipe()
    store.init_schema()
    for dep in NEEDS.get(kind, []):
        loaders.load(dep, Path(folder) / FILES[dep], store, progress=False, batch_size=5000,
                     reject_dir=tempfile.gettempdir())
    rss_before = vm_hwm_mb()
    first = _timed_load(store, kind, Path(folder) / FILES[kind], batch)
    rerun = _timed_load(store, kind, Path(folder) / FILES[kind], batch)
    res = {"kind": kind, "batch_size": batch, "backend": backend, "first": first, "rerun": rerun,
           "loader_peak_rss_mb": vm_hwm_mb(), "loader_rss_before_load_mb": rss_before}
    if backend == "falkordb":
        info = embedded.read_state(Path(data_dir).resolve())
        res["server_peak_rss_mb"] = vm_hwm_mb(info.pid) if info else None
        store.close()
        embedded.stop_server(Path(data_dir))
    else:
        store.wipe()
        store.close()
    return res


def norway_child(folder: str, data_dir: str, graph: str, batch: int) -> dict:
    """Load a 1.1 M-unit synthetic Norway step by step into one graph; time and measure each step."""
    import loaders
    from cypher import embedded

    store = _open(data_dir, graph, "falkordb")
    store.wipe()
    store.init_schema()
    info = embedded.read_state(Path(data_dir).resolve())
    steps = []
    t_all = time.perf_counter()
    la = load1()
    t = time.perf_counter()
    loaders.load("reference", None, store, progress=False)
    steps.append({"step": "reference", "seconds": round(time.perf_counter() - t, 2), "load_avg_1m_after": load1()})
    print(f"reference {steps[-1]['seconds']} s", file=sys.stderr, flush=True)
    for key in NORWAY_STEPS:
        qs0 = dict(store.query_stats)
        la0 = load1()
        s0 = cpu_s(info.pid if info else None)
        t = time.perf_counter()
        c = time.process_time()
        s = loaders.load("synthetic", Path(folder), store, progress=False, batch_size=batch,
                         reject_dir=tempfile.gettempdir(), only=[key])
        dt = time.perf_counter() - t
        qs = store.query_stats
        step = {"step": key, "rows": s.read, "created": s.created, "rejected": s.rejected, "seconds": round(dt, 2),
                "rows_per_s": round(s.read / dt) if dt else None, "loader_cpu_s": round(time.process_time() - c, 2),
                "store_wait_s": round(qs["query_s"] - qs0["query_s"], 2),
                "serialize_s": round(qs["serialize_s"] - qs0["serialize_s"], 2),
                "queries": int(qs["queries"] - qs0["queries"]), "load_avg_1m_before": la0,
                "server_cpu_s": (round(cpu_s(info.pid) - s0, 2) if info and s0 is not None else None),
                "load_avg_1m_after": load1(), "loader_peak_rss_mb": vm_hwm_mb(),
                "server_peak_rss_mb": vm_hwm_mb(info.pid) if info else None}
        steps.append(step)
        print(json.dumps(step), file=sys.stderr, flush=True)
    total = time.perf_counter() - t_all
    counts = store.counts()
    store.close()
    return {"steps": steps, "total_s": round(total, 1), "load_avg_1m_at_start": la, "counts": counts,
            "loader_peak_rss_mb": vm_hwm_mb(), "server_peak_rss_mb": vm_hwm_mb(info.pid) if info else None}


def _run_child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, cwd=REPO,
                         env={**os.environ, "PYTHONPATH": str(REPO)}, check=False)
    if out.returncode != 0:
        print(out.stderr, file=sys.stderr)
        raise SystemExit(f"bench child {args} failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _goal(rate: float | None) -> str:
    if rate is None:
        return "–"
    return "met" if rate >= GOAL_ROWS_S else "missed"


def run_sizes(a: argparse.Namespace, command: str) -> None:
    from loaders.synth import generate

    work = Path(tempfile.mkdtemp(prefix="klynge-bench-loaders-"))
    backends = ["falkordb"]
    neo_note = None
    if os.environ.get("NEO4J_URI"):
        backends.append("neo4j")
    else:
        neo_note = "Neo4j: skipped (NEO4J_URI is not set)."
        print(neo_note, file=sys.stderr)
    results = []
    try:
        for n in a.units:
            folder = Path(a.synth_dir) / f"synth-{n}" if a.synth_dir else work / f"synth-{n}"
            if not (folder / "manifest.json").exists():
                t = time.perf_counter()
                generate(folder, n, 1)
                print(f"generated {n} units in {time.perf_counter() - t:.1f} s", file=sys.stderr)
            for backend in backends:
                for kind in a.kinds.split(","):
                    sizes = a.batch_sizes if n <= 10_000 or not a.large_batch_sizes else a.large_batch_sizes
                    for b in sizes.split(","):
                        data_dir = work / f"graph-{n}-{kind}-{b}-{backend}"
                        r = _run_child(["--child", kind, b, str(folder), str(data_dir), f"bench_{kind}_{b}", backend])
                        r["units_in_world"] = n
                        results.append(r)
                        f, rr = r["first"], r["rerun"]
                        print(f"{backend} {n:>8} {kind:9} batch {b:>6}: {f['rows_per_s']:>7} rows/s "
                              f"(store wait {f.get('store_wait_s')} s of {f['seconds']} s), rerun "
                              f"{rr['rows_per_s']:>7} rows/s, loader {r['loader_peak_rss_mb']} MB, server "
                              f"{r.get('server_peak_rss_mb')} MB, load {f['load_avg_1m_before']}", file=sys.stderr)
    finally:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    doc = {"benchmark": "bench_loaders", "command": command, "machine": machine(),
           "measured": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "goal_rows_per_s": GOAL_ROWS_S,
           "neo4j": neo_note or "run", "results": results}
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    lines = ["# Loader throughput", "",
             f"Command: `{command}`  ", (f"Measured {doc['measured']} on {doc['machine'].get('cpu', '?')}, "
                                         f"{doc['machine']['cpus']} CPUs, {doc['machine'].get('memory_gb', '?')} GB, "
                                         f"Python {doc['machine']['python']}. The machine was shared with other work: "
                                         "the 1-minute load average is given per row (2.0 means both CPUs busy "
                                         "before this run started)."), "",
             ("Goal: at least 30,000 rows/s sustained (printed, not asserted); module imports (pandas for the "
              "reference tables) happen before timing. *store wait* is the time the "
              "loader spent waiting for `GRAPH.QUERY` round trips (server parse and execution), *serialise* "
              "the time spent writing parameters; the rest is reading, validating and preparing rows in Python."),
             ("*CPU-bound rows/s* is rows ÷ max(loader CPU s, server CPU s): the rate the two processes' own "
              "CPU time allows when each has a core to itself (the wall-clock rate on a shared machine is far "
              "lower; both CPU times are in the JSON)."),
             "", ("| backend | world (units) | loader | batch | rows | first load rows/s | goal | CPU-bound rows/s "
                  "| loader CPU s | server CPU s | store wait s | serialise s | total s | rerun rows/s "
                  "| loader peak RSS MB | server peak RSS MB | load avg |"),
             "|---|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        f, rr = r["first"], r["rerun"]
        lines.append(f"| {r['backend']} | {r['units_in_world']:,} | {r['kind']} | {r['batch_size']} | {f['rows']:,} | "
                     f"{f['rows_per_s']:,} | ≥ 30,000: {_goal(f['rows_per_s'])} | "
                     f"{f.get('cpu_bound_rows_per_s', '–')} | {f['loader_cpu_s']} | {f.get('server_cpu_s', '–')} | "
                     f"{f.get('store_wait_s', '–')} | "
                     f"{f.get('serialize_s', '–')} | {f['seconds']} | {rr['rows_per_s']:,} | "
                     f"{r['loader_peak_rss_mb']} | {r.get('server_peak_rss_mb', '–')} | "
                     f"{f['load_avg_1m_before']} |")
    if neo_note:
        lines += ["", neo_note]
    md = "\n".join(lines) + "\n"
    out.with_suffix(".md").write_text(md, encoding="utf-8")
    print(md)


def run_norway(a: argparse.Namespace, command: str) -> None:
    from cypher import embedded
    from loaders.synth import generate

    folder = Path(a.synth_dir) if a.synth_dir else Path(tempfile.gettempdir()) / "klynge-norway-synth"
    if not (folder / "manifest.json").exists():
        t = time.perf_counter()
        generate(folder, NORWAY_UNITS, 1)
        print(f"generated {NORWAY_UNITS} units in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    keep = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="klynge-norway-"))
    data_dir = keep / "graph"
    try:
        r = _run_child(["--norway-child", str(folder), str(data_dir), "norway", str(a.batch_sizes.split(",")[0])])
    finally:
        if not a.keep:
            embedded.stop_server(data_dir)
            import shutil

            shutil.rmtree(keep, ignore_errors=True)
    core = [s for s in r["steps"] if s["step"] in ("units_json", "roles_json")]
    core_s = sum(s["seconds"] for s in core)
    all_s = r["total_s"]
    doc = {"benchmark": "bench_loaders --norway", "command": command, "machine": machine(),
           "measured": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "synth_dir": str(folder),
           "graph_dir": str(data_dir) if a.keep else None, "goal_s": GOAL_NORWAY_S,
           "units_plus_roles_s": round(core_s, 1), "goal_met": core_s < GOAL_NORWAY_S, **r}
    out = Path(a.out).with_name("loaders.norway.json")
    out.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    lines = ["# Norway-scale load (synthetic, 1.1 M units)", "", f"Command: `{command}`  ",
             (f"Measured {doc['measured']} on {doc['machine'].get('cpu', '?')}, {doc['machine']['cpus']} CPUs, "
              f"{doc['machine'].get('memory_gb', '?')} GB; one embedded FalkorDB graph, batch "
              f"{a.batch_sizes.split(',')[0]}. The machine was shared: 1-minute load average per step."), "",
             ("| step | rows | seconds | rows/s | goal | loader CPU s | server CPU s | store wait s | serialise s "
              "| loader peak RSS MB | server peak RSS MB | load avg before → after |"),
             "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---|"]
    for s in r["steps"]:
        if "rows" not in s:
            lines.append(f"| {s['step']} | – | {s['seconds']} | – | – | – | – | – | – | – | – "
                         f"| – → {s['load_avg_1m_after']} |")
            continue
        lines.append(f"| {s['step']} | {s['rows']:,} | {s['seconds']} | {s['rows_per_s']:,} | "
                     f"≥ 30,000: {_goal(s['rows_per_s'])} | {s['loader_cpu_s']} | {s.get('server_cpu_s', '–')} | "
                     f"{s['store_wait_s']} | "
                     f"{s['serialize_s']} | {s['loader_peak_rss_mb']} | {s['server_peak_rss_mb']} | "
                     f"{s['load_avg_1m_before']} → {s['load_avg_1m_after']} |")
    lines += ["", (f"Units + roles: {core_s:,.0f} s (goal < {GOAL_NORWAY_S:.0f} s: "
                   f"{'met' if core_s < GOAL_NORWAY_S else 'missed'}); every step: {all_s:,.0f} s."), "",
              "Graph: " + ", ".join(f"{k} {v:,}" for k, v in r["counts"]["labels"].items()), ""]
    md = "\n".join(lines)
    out.with_suffix(".md").write_text(md, encoding="utf-8")
    print(md)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--batch-sizes", default="2000,5000,10000")
    ap.add_argument("--large-batch-sizes", default="5000",
                    help="batch sizes for worlds above 10 k units (empty: the same as --batch-sizes)")
    ap.add_argument("--kinds", default="units,units_csv,subunits,roles,accounts")
    ap.add_argument("--synth-dir", help="reuse synthetic folders (synth-<units> below it; for --norway the folder)")
    ap.add_argument("--norway", action="store_true", help="the Norway-scale load (1.1 M units) into one graph")
    ap.add_argument("--keep", help="--norway: keep the loaded graph under this folder (graph 'norway')")
    ap.add_argument("--out", default=str(REPO / "bench" / "results" / "loaders.json"))
    ap.add_argument("--child", nargs=6, metavar=("KIND", "BATCH", "FOLDER", "DATA_DIR", "GRAPH", "BACKEND"))
    ap.add_argument("--norway-child", nargs=4, metavar=("FOLDER", "DATA_DIR", "GRAPH", "BATCH"))
    a = ap.parse_args()
    if a.child:
        kind, batch, folder, data_dir, graph, backend = a.child
        print(json.dumps(child(kind, int(batch), folder, data_dir, graph, backend)))
        return
    if a.norway_child:
        folder, data_dir, graph, batch = a.norway_child
        print(json.dumps(norway_child(folder, data_dir, graph, int(batch))))
        return
    command = "python bench/bench_loaders.py " + " ".join(shlex.quote(x) for x in sys.argv[1:])
    if a.norway:
        run_norway(a, command.strip())
    else:
        run_sizes(a, command.strip())


if __name__ == "__main__":
    main()
