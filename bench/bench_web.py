"""Benchmark the web API: organisation profile and ego-network latency under concurrent clients.

Usage::

    python bench/bench_web.py                          # 2 000 organisations, 5 s per level
    python bench/bench_web.py --orgs 100000 --seconds 20   # the documented goal size

Builds (once, then reuses) a synthetic board graph of ``--orgs`` organisations on the
embedded FalkorDB store in graph ``bench_web_<orgs>`` under ``--data-dir``: about
1.5 persons per organisation, 3–7 board seats and one CEO per organisation, with persons
sitting on several boards (a heavy tail up to a few dozen seats) so ego networks reach depth 2 and 3; municipalities, counties,
one region and clusters as on the real graph. The app runs in a child process (werkzeug,
threaded, loopback), so client threads do not share its interpreter. For each level of
concurrent clients (default 1, 8 and 32) and each endpoint it sends requests for random
organisations for ``--seconds`` and reports p50/p95/p99 latency, throughput and errors
(non-200 answers and failed connections). Results go to ``bench/results/bench_web.json``
and ``bench/results/bench_web.md``.

Goal (printed, not asserted): profile and ego-network p95 < 150 ms at 100 000
organisations on the embedded store.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cypher.registry import register  # noqa: E402

GOAL_MS = 150.0
GOAL_ORGS = 100_000
HELIX = ("industry",) * 14 + ("academia", "government", "intermediary", "other")

BENCH_ORGS = register("bench.web.orgs", """
UNWIND $rows AS row
MERGE (o:Organization {orgnr: row.orgnr})
SET o.name = row.name, o.helix = row.helix, o.active = row.active, o.employees = row.employees,
    o.org_form = 'AS', o.source = 'bench', o.as_of = '2026-11-01', o.synthetic = true
WITH o, row
MATCH (m:Municipality {code: row.municipality})
MERGE (o)-[:LOCATED_IN]->(m)
""")
BENCH_PERSONS = register("bench.web.persons", """
UNWIND $rows AS row
MERGE (p:Person {person_key: row.person_key})
SET p.name = row.name, p.birth_year = row.birth_year, p.synthetic = true
""")
BENCH_ROLES = register("bench.web.roles", """
UNWIND $rows AS row
MATCH (p:Person {person_key: row.person_key})
MATCH (o:Organization {orgnr: row.orgnr})
MERGE (p)-[r:HOLDS_ROLE {role: row.role}]->(o)
SET r.role_group = row.role_group, r.active = row.active, r.source = 'bench'
""")
BENCH_PLACES = register("bench.web.places", """
UNWIND $rows AS row
MERGE (c:County {code: row.county})
MERGE (m:Municipality {code: row.code})
SET m.name = row.name
MERGE (m)-[:IN_COUNTY]->(c)
""")
BENCH_REGION = register("bench.web.region", """
MERGE (r:Region {region_id: 'bench'})
SET r.name = 'Bench region'
WITH r
MATCH (m:Municipality) WHERE m.code IN $codes
MERGE (m)-[:IN_REGION]->(r)
""")
BENCH_MEMBERS = register("bench.web.members", """
UNWIND $rows AS row
MERGE (c:Cluster {cluster_id: row.cluster_id})
SET c.name = row.name, c.level = 'Arena'
WITH c, row
MATCH (o:Organization {orgnr: row.orgnr})
MERGE (o)-[:MEMBER_OF]->(c)
""")
BENCH_COUNT = register("bench.web.count", "MATCH (o:Organization) RETURN count(o) AS n")


def build_graph(store, orgs: int, seed: int = 7) -> None:
    """Create the synthetic graph of ``orgs`` organisations (idempotent MERGEs)."""
    rnd = random.Random(seed)
    places = [{"code": f"{9000 + i:04d}", "name": f"Kommune {i}", "county": f"{90 + i // 10}"} for i in range(60)]
    store.write_batches(BENCH_PLACES, places)
    store.run(BENCH_REGION, {"codes": [p["code"] for p in places[:8]]})
    orgnrs = [f"{800000000 + i}" for i in range(orgs)]
    store.write_batches(BENCH_ORGS, ({"orgnr": o, "name": f"Bench Organisation {i} AS", "helix": rnd.choice(HELIX),
                                      "active": rnd.random() > 0.1, "employees": int(rnd.paretovariate(1.2) * 3),
                                      "municipality": rnd.choice(places)["code"]}
                                     for i, o in enumerate(orgnrs)), batch_size=5000)
    persons = max(10, int(orgs * 1.5))
    store.write_batches(BENCH_PERSONS, ({"person_key": f"b{i:08x}", "name": f"Person {i}",
                                         "birth_year": 1950 + i % 50} for i in range(persons)), batch_size=10000)
    roles = []
    for o in orgnrs:
        seats = rnd.randint(3, 7)
        # a skewed choice: a few persons sit on many boards (a few dozen at most), like the real register
        members = {f"b{int(persons * rnd.random() ** 1.3):08x}" for _ in range(seats)}
        for j, p in enumerate(sorted(members)):
            roles.append({"person_key": p, "orgnr": o, "role": "LEDE" if j == 0 else "MEDL", "role_group": "STYR",
                          "active": rnd.random() > 0.15})
        roles.append({"person_key": f"b{rnd.randrange(persons):08x}", "orgnr": o, "role": "DAGL",
                      "role_group": "DAGL", "active": True})
    store.write_batches(BENCH_ROLES, roles, batch_size=10000)
    members = [{"cluster_id": f"bench{c}", "name": f"Bench Cluster {c}", "orgnr": rnd.choice(orgnrs)}
               for c in range(20) for _ in range(30)]
    store.write_batches(BENCH_MEMBERS, members)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(data_dir: str, graph: str, port: int) -> None:
    """Child process: the app on 127.0.0.1:port until killed."""
    import logging

    from werkzeug.serving import make_server

    from web import create_app

    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    app = create_app({"data_dir": data_dir, "graph_name": graph})
    make_server("127.0.0.1", port, app, threaded=True).serve_forever()


def _get(port: int, path: str, timeout: float = 30.0) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept": "application/json"})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def _quantile(sorted_ms: list[float], q: float) -> float | None:
    if not sorted_ms:
        return None
    i = min(len(sorted_ms) - 1, max(0, int(round(q * (len(sorted_ms) - 1)))))
    return round(sorted_ms[i], 1)


def measure(port: int, path_for, clients: int, seconds: float, orgnrs: list[str]) -> dict:
    """Run ``clients`` threads for ``seconds``, each requesting ``path_for(orgnr)`` back to back."""
    lat: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker(seed: int) -> None:
        rnd = random.Random(seed)
        mine: list[float] = []
        bad = 0
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            try:
                ok = _get(port, path_for(rnd.choice(orgnrs))) == 200
            except OSError:
                ok = False
            dt = (time.perf_counter() - t0) * 1000
            if ok:
                mine.append(dt)
            else:
                bad += 1
        with lock:
            lat.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    lat.sort()
    return {"clients": clients, "requests": len(lat), "errors": errors[0], "rps": round(len(lat) / wall, 1),
            "p50_ms": _quantile(lat, 0.50), "p95_ms": _quantile(lat, 0.95), "p99_ms": _quantile(lat, 0.99)}


ENDPOINTS = {
    "profile": lambda o: f"/org/{o}.json",
    "ego_network_depth1": lambda o: f"/org/{o}/network.json?depth=1&cap=25",
    "ego_network_depth2": lambda o: f"/org/{o}/network.json?depth=2&cap=25",
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--orgs", type=int, default=2000, help="organisations in the synthetic graph (goal: 100000)")
    ap.add_argument("--seconds", type=float, default=5.0, help="duration per endpoint and concurrency level")
    ap.add_argument("--clients", default="1,8,32", help="comma-separated concurrency levels")
    ap.add_argument("--data-dir", default=str(ROOT / "var" / "bench-web"), help="embedded store data directory")
    ap.add_argument("--rebuild", action="store_true", help="wipe and rebuild the bench graph")
    ap.add_argument("--serve", nargs=3, metavar=("DATA_DIR", "GRAPH", "PORT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve:
        serve(args.serve[0], args.serve[1], int(args.serve[2]))
        return 0

    from cypher import embedded, open_store

    graph = f"bench_web_{args.orgs}"
    data_dir = Path(args.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    embedded.ensure_server(data_dir)
    store = open_store({"data_dir": data_dir, "graph_name": graph})
    try:
        if args.rebuild:
            store.wipe()
        store.init_schema()
        have = store.read(BENCH_COUNT)[0]["n"]
        if have < args.orgs:
            t0 = time.perf_counter()
            print(f"building a synthetic graph of {args.orgs} organisations in {graph} …", flush=True)
            build_graph(store, args.orgs)
            print(f"  built in {time.perf_counter() - t0:.1f} s", flush=True)
        health = store.health()
    finally:
        store.close()

    orgnrs = [f"{800000000 + i}" for i in range(args.orgs)]
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    child = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve", str(data_dir), graph,
                              str(port)], env=env, cwd=str(ROOT))
    results: list[dict] = []
    try:
        for _ in range(300):  # readiness: /openapi.json needs no store work (/healthz counts every label)
            try:
                if _get(port, "/openapi.json", timeout=5) == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("the bench app did not start within 30 s")
        for path_for in ENDPOINTS.values():  # warm-up: imports, caches, first queries
            for o in orgnrs[:20]:
                _get(port, path_for(o))
        for name, path_for in ENDPOINTS.items():
            for c in (int(x) for x in args.clients.split(",")):
                r = {"endpoint": name, **measure(port, path_for, c, args.seconds, orgnrs)}
                results.append(r)
                print(f"{name:<20} clients {c:>3}: p50 {r['p50_ms']} ms  p95 {r['p95_ms']} ms  "
                      f"p99 {r['p99_ms']} ms  {r['rps']} req/s  errors {r['errors']}", flush=True)
    finally:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()

    out = {"orgs": args.orgs, "seconds": args.seconds, "graph_nodes": health.get("nodes"),
           "graph_relationships": health.get("relationships"), "backend": health.get("backend"),
           "store_version": health.get("version"), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
           "python": platform.python_version(), "server": "werkzeug threaded, child process, loopback",
           "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
           "results": results}
    res_dir = ROOT / "bench" / "results"
    res_dir.mkdir(parents=True, exist_ok=True)
    (res_dir / "bench_web.json").write_text(json.dumps(out, indent=2) + "\n")
    lines = [f"# bench_web: {args.orgs} organisations, {args.seconds} s per level",
             "", f"{out['backend']} {out['store_version']}, {out['graph_nodes']} nodes, "
             f"{out['graph_relationships']} relationships; {out['machine']} (load average at the end "
             f"{out['load_average_at_end'][0]}); {out['server']}.", "",
             "| endpoint | clients | requests | errors | req/s | p50 ms | p95 ms | p99 ms |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['endpoint']} | {r['clients']} | {r['requests']} | {r['errors']} | {r['rps']} | {r['p50_ms']} | "
              f"{r['p95_ms']} | {r['p99_ms']} |" for r in results]
    (res_dir / "bench_web.md").write_text("\n".join(lines) + "\n")
    worst = max((r["p95_ms"] or 0) for r in results if r["endpoint"] in ("profile", "ego_network_depth1"))
    single = [r for r in results if r["clients"] == 1 and r["endpoint"] in ("profile", "ego_network_depth1")]
    print(f"\nGoal: profile and ego-network p95 < {GOAL_MS:.0f} ms at {GOAL_ORGS} organisations on the embedded store.")
    print(f"Here: {args.orgs} organisations; single-client p95: "
          + ", ".join(f"{r['endpoint']} {r['p95_ms']} ms" for r in single)
          + f"; worst p95 over all levels {worst} ms "
          + ("(within the goal)" if worst < GOAL_MS else "(above the goal)")
          + ("" if args.orgs >= GOAL_ORGS else f"; run with --orgs {GOAL_ORGS} for the goal size") + ".")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
