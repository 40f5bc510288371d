"""Neo4j and the embedded FalkorDB side by side, in one run, on the same synthetic Norway.

Usage::

    python bench/bench_stores.py                                  # 10 000 and 100 000 units (the issue's sizes)
    python bench/bench_stores.py --units 10000 --seconds 3        # quick

For each size, one synthetic Norway (``loaders.synth``: every source format, generated once and
reused) is loaded into each store: the embedded FalkorDB (graph ``stores_<units>`` under
``--data-dir``) and the local Neo4j with GDS (``klynge neo4j``, its own home under ``--data-dir``,
started and stopped by this script). Per store it measures:

* **loading**: rows/s of each source (reference data, then each file of the synthetic folder, in the
  order ``klynge load synthetic`` takes them), into an empty graph, after one untimed warm-up load of
  the reference data (a freshly started Neo4j compiles each new statement and its JIT warms up: the
  first minute after a start is several times slower);
* **jobs**: ``klynge jobs run`` (interlock, measures, brokerage) with the local engine on both stores,
  and with the GDS engine on Neo4j;
* **web**: the app served by gunicorn (2 workers × 4 threads, as in docker-compose.yml) in a child
  process; p50/p95 of the profile, the ego network at depth 1 and 2 and the path finder, at 1 and 8
  concurrent clients in separate processes (``bench_web``'s clients), over organisations that have
  board seats;
* **console**: p50/p95 of six analysts' queries (counts, a 2-hop neighbourhood, an aggregate over the
  accounts, a fulltext search), run through :func:`cypher.console.run_console` as the console runs them;
* **memory**: the resident set of each server process (FalkorDB's redis-server, Neo4j's JVM; the JVM's
  heap is reserved up front) at the end, and its peak.

Results: ``bench/results/stores.json`` and ``bench/results/stores.md`` (machine, load average, the
command, and a ratio column Neo4j / FalkorDB for every figure).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import bench_web  # noqa: E402
from bench.bench_loaders import machine, proc_status_mb, vm_hwm_mb  # noqa: E402
from bench.stress import synth_folder  # noqa: E402
from cypher.processes import free_port  # noqa: E402
from cypher.registry import register  # noqa: E402

SEATED = register("bench.stores.seated", """
MATCH (o:Organization)<-[r:HOLDS_ROLE]-()
WHERE r.active = true
WITH o, count(r) AS seats
WHERE seats >= 2
RETURN o.orgnr AS orgnr
ORDER BY orgnr
""")

#: (name, query, parameters): what an analyst types into the console.
CONSOLE = (
    ("count by helix", "MATCH (o:Organization) RETURN o.helix AS helix, count(*) AS n ORDER BY n DESC", {}),
    ("top boards", "MATCH (p:Person)-[r:HOLDS_ROLE]->(o:Organization) WHERE r.active = true "
                   "RETURN p.person_key AS person, count(o) AS boards ORDER BY boards DESC LIMIT 20", {}),
    ("two hops", "MATCH (o:Organization {orgnr: $orgnr})<-[:HOLDS_ROLE]-(:Person)-[:HOLDS_ROLE]->(x:Organization)"
                 "<-[:HOLDS_ROLE]-(:Person)-[:HOLDS_ROLE]->(y:Organization) "
                 "RETURN count(DISTINCT x) AS first, count(DISTINCT y) AS second", None),
    ("revenue by municipality", "MATCH (m:Municipality)<-[:LOCATED_IN]-(o:Organization)-[:FILED]->(a:Accounts) "
                                "WHERE a.year = 2024 RETURN m.name AS municipality, sum(a.revenue) AS revenue "
                                "ORDER BY revenue DESC LIMIT 10", {}),
    ("interlock degree", "MATCH (o:Organization)-[i:INTERLOCK]-() RETURN o.orgnr AS orgnr, count(i) AS ties "
                         "ORDER BY ties DESC LIMIT 10", {}),
    ("cluster members", "MATCH (c:Cluster)<-[:MEMBER_OF]-(o:Organization) RETURN c.name AS cluster, count(o) AS n "
                        "ORDER BY n DESC", {}),
)
ENDPOINTS = ("profile", "ego_network_depth1", "ego_network_depth2", "path")
RUN_ORDER = ("falkordb", "neo4j")


def log(msg: str) -> None:
    print(f"[bench_stores {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)



class Backend:
    """One store for the run: its settings, the server's pid and the environment for the app."""

    def __init__(self, name: str, data_dir: Path, units: int, heap: str, pagecache: str) -> None:
        from klynge.config import load_settings

        self.name = name
        self.local: Any = None
        base = {"data_dir": data_dir / "falkordb", "graph_name": f"stores_{units}", "state_dir": data_dir / "state"}
        if name == "neo4j":
            from cypher import neo4j_local

            self.local = load_settings({**base, "neo4j_home": data_dir / "neo4j", "neo4j_heap": heap,
                                        "neo4j_pagecache": pagecache}, environ={})
            server = neo4j_local.ensure_server(self.local)
            self.settings = load_settings({**base, "neo4j_home": data_dir / "neo4j", "neo4j_uri": server.uri,
                                           "neo4j_password": server.password}, environ={})
            self.pid: int | None = server.pid
            self.env = server.env()
        else:
            from cypher import embedded

            self.settings = load_settings(base, environ={})
            self.pid = embedded.ensure_server(self.settings.data_dir).pid
            self.env = {}

    def open(self) -> Any:
        from cypher import open_store

        return open_store(self.settings)

    def stop(self) -> None:
        from cypher import embedded, neo4j_local

        if self.local is not None:
            neo4j_local.stop_server(self.local)
        else:
            embedded.stop_server(self.settings.data_dir)


def bench_load(store: Any, synth: Path, batch: int) -> dict[str, Any]:
    """Rows/s per source into an empty graph."""
    import loaders
    from loaders.sources.synthetic import STEPS

    # warm-up: one untimed reference load, so both servers have compiled and cached the write statements
    # (a freshly started JVM compiles its hot paths and Neo4j plans each new statement once; the figures
    # are the sustained rate, not the first minute after a start)
    store.wipe()
    store.init_schema()
    loaders.load("reference", None, store, progress=False, batch_size=batch, reject_dir=tempfile.gettempdir())
    store.wipe()
    store.init_schema()
    out: dict[str, Any] = {}
    steps = [("reference", None)] + [(key, key) for key, _, _ in STEPS]
    t_all = time.perf_counter()
    for name, only in steps:
        t0 = time.perf_counter()
        if only is None:
            s = loaders.load("reference", None, store, progress=False, batch_size=batch,
                             reject_dir=tempfile.gettempdir())
        else:
            s = loaders.load("synthetic", synth, store, progress=False, batch_size=batch, only=[only],
                             reject_dir=tempfile.gettempdir(), review_out=Path(tempfile.gettempdir()) / "review.csv")
        dt = time.perf_counter() - t0
        out[name] = {"rows": s.read, "seconds": round(dt, 2), "rows_per_s": round(s.read / dt) if dt else None}
        log(f"  load {name}: {s.read} rows in {dt:.1f} s")
    total_rows = sum(v["rows"] for v in out.values())
    total_s = time.perf_counter() - t_all
    out["all"] = {"rows": total_rows, "seconds": round(total_s, 1), "rows_per_s": round(total_rows / total_s)}
    return out


def bench_jobs(store: Any, engines: tuple[str, ...]) -> dict[str, Any]:
    from gds_jobs.jobs import run_jobs

    out = {}
    for engine in engines:
        t0 = time.perf_counter()
        run = run_jobs(store, engine=engine)
        dt = time.perf_counter() - t0
        out[engine] = {"seconds": round(dt, 1), "status": run.status,
                       "steps": {k: round(v, 2) for k, v in run.steps.items()}}
        log(f"  jobs --engine {engine}: {run.status} in {dt:.1f} s")
    return out


def bench_console(store: Any, orgnrs: tuple[str, ...], rounds: int) -> dict[str, Any]:
    import random

    from cypher import dialect
    from cypher.console import run_console

    rnd = random.Random(3)
    queries = list(CONSOLE) + [(
        "fulltext search",
        f"CALL {'db.index' if store.backend == 'neo4j' else 'db.idx'}.fulltext.queryNodes("
        f"'{dialect.fulltext_index(store.backend, 'Organization')}', 'bygg*') YIELD node RETURN count(node) AS n", {})]
    out = {}
    for name, text, params in queries:
        took = []
        for _ in range(rounds):
            p = {"orgnr": rnd.choice(orgnrs)} if params is None else params
            t0 = time.perf_counter()
            run_console(store, text, p, timeout_s=60, max_rows=1000)
            took.append((time.perf_counter() - t0) * 1000)
        took.sort()
        out[name] = {"p50_ms": bench_web.quantile(took, 0.5), "p95_ms": bench_web.quantile(took, 0.95)}
    return out


def bench_web_endpoints(backend: Backend, orgnrs: tuple[str, ...], clients: list[int], seconds: float) -> dict[str, Any]:
    port = free_port()
    child = bench_web.start_server("gunicorn", backend.settings.data_dir, backend.settings.graph_name, port, 2, 4,
                                   store_env={**backend.env, "KLYNGE_STATE_DIR": str(backend.settings.state_dir)})
    out: dict[str, Any] = {}
    try:
        bench_web.warm_up(port, orgnrs, 8)
        for endpoint in ENDPOINTS:
            for n in clients:
                row = bench_web.measure(port, endpoint, n, seconds, orgnrs, seed=11)
                out[f"{endpoint}@{n}"] = {k: row[k] for k in ("requests", "errors", "rps", "p50_ms", "p95_ms")}
                log(f"  {endpoint} at {n} client(s): p95 {row['p95_ms']} ms, {row['errors']} errors")
    finally:
        bench_web.stop_server(child)
    return out


def run_size(units: int, a: argparse.Namespace) -> dict[str, Any]:
    synth = synth_folder(a.data_dir, units, a.seed)
    res: dict[str, Any] = {"units": units}
    for name in RUN_ORDER:
        log(f"{units} units on {name}")
        b = Backend(name, a.data_dir, units, a.heap, a.pagecache)
        try:
            store = b.open()
            try:
                r: dict[str, Any] = {"load_average_before": round(os.getloadavg()[0], 2)}
                r["load"] = bench_load(store, synth, a.batch_size)
                r["jobs"] = bench_jobs(store, ("local", "gds") if name == "neo4j" else ("local",))
                orgnrs = tuple(x["orgnr"] for x in store.read(SEATED))
                r["organisations_sampled"] = len(orgnrs)
                r["console"] = bench_console(store, orgnrs, a.console_rounds)
                r["web"] = bench_web_endpoints(b, orgnrs, a.clients, a.seconds)
                r["server_rss_mb"] = proc_status_mb(b.pid, "VmRSS") if b.pid else None
                r["server_peak_rss_mb"] = vm_hwm_mb(b.pid) if b.pid else None
                r["load_average_after"] = round(os.getloadavg()[0], 2)
                res[name] = r
            finally:
                store.close()
        finally:
            b.stop()
    return res


def _ratio(n: Any, f: Any) -> str:
    try:
        return f"{float(n) / float(f):.2f}"
    except (TypeError, ValueError, ZeroDivisionError):
        return "–"


def _latency_table(what: str, f: dict[str, Any], n: dict[str, Any], errors: bool = False) -> list[str]:
    """Rows of p50/p95 on each store with the Neo4j / FalkorDB ratio of p95."""
    head = f"| {what} | FalkorDB p50 | FalkorDB p95 | Neo4j p50 | Neo4j p95 | p95 ratio |"
    rule = "|---|---:|---:|---:|---:|---:|"
    rows = [head + (" errors F/N |" if errors else ""), rule + ("---:|" if errors else "")]
    for key, fv in f.items():
        nv = n[key]
        row = (f"| {key} | {fv['p50_ms']} | {fv['p95_ms']} | {nv['p50_ms']} | {nv['p95_ms']} | "
               f"{_ratio(nv['p95_ms'], fv['p95_ms'])} |")
        rows.append(row + (f" {fv['errors']}/{nv['errors']} |" if errors else ""))
    return rows


def markdown(run: dict[str, Any]) -> str:
    lines = ["# Neo4j and FalkorDB side by side", "",
             f"Command: `{run['command']}`  ", f"Machine: {run['machine']}", ""]
    for size in run["sizes"]:
        f, n = size["falkordb"], size["neo4j"]
        lines += [f"## {size['units']:,} units", "",
                  f"Load average before/after: FalkorDB {f['load_average_before']}/{f['load_average_after']}, "
                  f"Neo4j {n['load_average_before']}/{n['load_average_after']}.", "",
                  "### Loading (rows/s, empty graph)", "", "| source | rows | FalkorDB | Neo4j | Neo4j / FalkorDB |",
                  "|---|---:|---:|---:|---:|"]
        for src, fv in f["load"].items():
            nv = n["load"][src]
            lines.append(f"| {src} | {fv['rows']:,} | {fv['rows_per_s']:,} | {nv['rows_per_s']:,} | "
                         f"{_ratio(nv['rows_per_s'], fv['rows_per_s'])} |")
        lines += ["", "### Nightly jobs (`klynge jobs run`, seconds)", "",
                  "| engine | FalkorDB | Neo4j | Neo4j / FalkorDB |", "|---|---:|---:|---:|",
                  f"| local | {f['jobs']['local']['seconds']} | {n['jobs']['local']['seconds']} | "
                  f"{_ratio(n['jobs']['local']['seconds'], f['jobs']['local']['seconds'])} |",
                  f"| gds | – | {n['jobs']['gds']['seconds']} | "
                  f"{_ratio(n['jobs']['gds']['seconds'], f['jobs']['local']['seconds'])} (against local on FalkorDB) |",
                  "", "### Web (ms; gunicorn 2 × 4)", ""]
        lines += _latency_table("endpoint @ clients", f["web"], n["web"], errors=True)
        lines += ["", "### Console queries (ms)", ""]
        lines += _latency_table("query", f["console"], n["console"])
        lines += ["", "### Server memory (MB)", "", "| | FalkorDB | Neo4j |", "|---|---:|---:|",
                  f"| resident at the end | {f['server_rss_mb']} | {n['server_rss_mb']} |",
                  f"| peak resident | {f['server_peak_rss_mb']} | {n['server_peak_rss_mb']} |", ""]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", default="10000,100000", help="comma-separated sizes (default 10000,100000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--clients", default="1,8")
    ap.add_argument("--seconds", type=float, default=10.0, help="per endpoint and client level")
    ap.add_argument("--console-rounds", type=int, default=20)
    ap.add_argument("--batch-size", type=int, default=5000)
    ap.add_argument("--heap", default="4g", help="the local Neo4j's heap")
    ap.add_argument("--pagecache", default="2g", help="the local Neo4j's page cache")
    ap.add_argument("--data-dir", type=Path, default=ROOT / "var" / "bench-stores")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    a = ap.parse_args(argv)
    from cypher import neo4j_local

    reason = neo4j_local.unavailable_reason()
    if reason:
        print(f"bench_stores: skipped: {reason}")
        return 0
    a.clients = [int(x) for x in a.clients.split(",")]
    a.data_dir = a.data_dir.resolve()
    a.data_dir.mkdir(parents=True, exist_ok=True)
    run = {"command": "python bench/bench_stores.py " + shlex.join(argv if argv is not None else sys.argv[1:]),
           "machine": machine(), "sizes": []}
    for units in (int(x) for x in a.units.split(",")):
        run["sizes"].append(run_size(units, a))
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "stores.json").write_text(json.dumps(run, indent=2))
    text = markdown(run)
    (a.out / "stores.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
