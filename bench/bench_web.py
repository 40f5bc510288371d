"""Benchmark the web app: profile, ego network, search and path finder under concurrent clients.

Usage::

    python bench/bench_web.py                               # 2 000 organisations, 5 s per level (quick)
    python bench/bench_web.py --orgs 100000 --seconds 10    # the goal size
    python bench/bench_web.py --orgs 100000 --server werkzeug   # Flask's development server, for comparison

Builds (once, then reuses) a synthetic board graph of ``--orgs`` organisations on the
embedded FalkorDB store in graph ``bench_web_<orgs>`` under ``--data-dir``: about
1.5 persons per organisation, 3–7 board seats and one CEO per organisation, with persons
sitting on several boards (a heavy tail up to a few dozen seats) so ego networks reach depth 2 and 3;
municipalities, counties, one region and clusters as on the real graph. Unless ``--no-measures``,
the nightly measures jobs (``gds_jobs.run_jobs``: interlock ties, measures, brokerage) are run once
on it, so ego networks carry measures and the "organisations only" view has interlock ties, as in
production.

The app is served the way production serves it, by gunicorn in a child process
(``gunicorn -w W --threads T -b 127.0.0.1:PORT "web:create_app()"``; each worker opens the
store, and the embedded server is shared through its ``server.json``), or with ``--server werkzeug``
by Flask's threaded development server in a child process. The clients run in separate processes
(never in the server's interpreter): for each level of concurrent clients (default 1, 8 and 32) and
each endpoint they send requests back to back for ``--seconds``, one new loopback connection per
request, and the script reports p50/p95/p99 latency, throughput and errors (non-200 answers and
failed connections). Endpoints:

* ``profile``: ``/org/<orgnr>.json`` of a random organisation;
* ``ego_network_depth1`` / ``ego_network_depth2``: ``/org/<orgnr>/network.json?depth=1|2&cap=25``;
* ``search_name``: ``/search.json?q=Organisation <n>`` (fulltext by name, facet counts over the hits);
* ``search_typeahead``: ``/suggest.json?q=Bench Org <first digits of n>`` (what the search box sends);
* ``search_faceted``: ``/search.json?municipality=<code>&helix=<sector>`` (browse by filters, no text);
* ``path``: ``/path.json?from=<orgnr>&to=<orgnr>`` for a random pair (all shortest paths, at most 6 hops).

Results go to ``bench/results/bench_web.json`` and ``bench/results/bench_web.md`` (``--append`` adds
the run to both instead of replacing them), with the machine, the load average before the run and
after each level, and the exact command.

Goals (printed beside each figure, not asserted): ego-network p95 < 50 ms at 100 000 organisations
with 8 clients and 0 errors (issue 9); profile and ego-network p95 < 150 ms at 100 000
organisations (issue 7). No goal is set for search or the path finder.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import platform
import random
import resource
import secrets
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cypher.processes import free_port
from cypher.registry import register

GOAL_ORGS = 100_000
#: (endpoint, clients or None for every level) -> (p95 limit in ms, where the goal comes from)
GOALS: dict[tuple[str, int | None], tuple[float, str]] = {
    ("ego_network_depth1", 8): (50.0, "issue 9"),
    ("ego_network_depth1", None): (150.0, "issue 7"),
    ("profile", None): (150.0, "issue 7"),
}
HELIX = ("industry",) * 14 + ("academia", "government", "intermediary", "other")
SECTORS = ("industry", "academia", "government", "intermediary", "other")
MUNICIPALITIES = 60

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



BENCH_MEASURES_RUN = register("bench.web.measures_run",
                              "MATCH (m:Meta {key: 'measures'}) RETURN m.measures_run AS run_id")


# --------------------------------------------------------------------------- the graph


def prepare_graph(data_dir: Path, orgs: int, *, rebuild: bool, with_measures: bool) -> dict[str, Any]:
    """Build the bench graph when missing (and compute its measures); return facts about it."""
    from cypher import embedded, open_store

    graph = f"bench_web_{orgs}"
    data_dir.mkdir(parents=True, exist_ok=True)
    embedded.ensure_server(data_dir)
    store = open_store({"data_dir": data_dir, "graph_name": graph})
    try:
        if rebuild:
            store.wipe()
        store.init_schema()
        have = store.read(BENCH_COUNT)[0]["n"]
        if have < orgs:
            t0 = time.perf_counter()
            print(f"building a synthetic graph of {orgs} organisations in {graph} …", flush=True)
            build_graph(store, orgs)
            print(f"  built in {time.perf_counter() - t0:.1f} s", flush=True)
        rows = store.read(BENCH_MEASURES_RUN)
        run_id = rows[0]["run_id"] if rows else None
        if with_measures and run_id is None:
            import gds_jobs

            t0 = time.perf_counter()
            print("computing the measures (gds_jobs.run_jobs: interlock, measures, brokerage) …", flush=True)
            run_id = gds_jobs.run_jobs(store).run_id
            print(f"  run {run_id} published in {time.perf_counter() - t0:.1f} s", flush=True)
        health = store.health()
        return {"graph": graph, "nodes": health.get("nodes"), "relationships": health.get("relationships"),
                "backend": health.get("backend"), "store_version": health.get("version"),
                "measures_run": run_id}
    finally:
        store.close()


def graph_bench_main(argv: list[str] | None, *, script: str, results: str, description: str,
                     add_args: Callable[[argparse.ArgumentParser], None],
                     run: Callable[[Path, argparse.Namespace], dict[str, Any]],
                     markdown: Callable[[dict[str, Any], str], str]) -> dict[str, Any]:
    """The command line of a benchmark on this script's bench graph (``bench_paths``, ``bench_snapshot``).

    Parses ``--orgs`` (default 100 000), the options ``add_args`` adds, ``--data-dir`` (shared with
    this script) and ``--out``; runs ``run(data_dir, args)`` and stops the embedded store it used (the
    graph stays for the next run); prints ``markdown(result, command)`` and writes it, with the
    result as JSON, to ``--out`` (default ``bench/results/<results>``). Returns the result.
    """
    from cypher import embedded

    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--orgs", type=int, default=100_000, help="organisations in the bench graph (default 100000)")
    add_args(ap)
    ap.add_argument("--data-dir", default=str(ROOT / "var" / "bench-web"),
                    help="embedded store folder, shared with bench_web.py (default var/bench-web)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / results),
                    help=f"results path without extension (default bench/results/{results})")
    args = ap.parse_args(argv)
    data_dir = Path(args.data_dir).resolve()
    try:
        res = run(data_dir, args)
    finally:
        embedded.stop_server(data_dir)  # the graph stays in data_dir for the next run
    command = f"python bench/{script} " + " ".join(argv if argv is not None else sys.argv[1:])
    md = markdown(res, command.strip())
    print(md)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    out.with_suffix(".md").write_text(md, encoding="utf-8")
    return res


# --------------------------------------------------------------------------- the server



def serve_werkzeug(data_dir: str, graph: str, port: int) -> None:
    """Child process (``--server werkzeug``): the app on 127.0.0.1:port until killed."""
    import logging

    from werkzeug.serving import make_server

    from web import create_app

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = create_app({"data_dir": data_dir, "graph_name": graph})
    make_server("127.0.0.1", port, app, threaded=True).serve_forever()


def server_command(kind: str, data_dir: Path, graph: str, port: int, workers: int, threads: int) -> list[str]:
    if kind == "gunicorn":
        return [sys.executable, "-m", "gunicorn", "-w", str(workers), "--threads", str(threads),
                "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--graceful-timeout", "5",
                "web:create_app()"]
    return [sys.executable, str(Path(__file__).resolve()), "--serve", str(data_dir), graph, str(port)]


def start_server(kind: str, data_dir: Path, graph: str, port: int, workers: int, threads: int,
                 store_env: dict[str, str] | None = None) -> subprocess.Popen:
    """The app in a child process; ``store_env`` adds settings such as ``NEO4J_URI`` (default: the
    embedded store of ``data_dir``, with any NEO4J_* of this process's environment removed)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env.update(PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               KLYNGE_DATA_DIR=str(data_dir), KLYNGE_GRAPH=graph,
               # one signing key for every worker (otherwise each worker would pick its own)
               KLYNGE_SECRET_KEY=os.environ.get("KLYNGE_SECRET_KEY") or secrets.token_hex(32))
    env.update(store_env or {})
    child = subprocess.Popen(server_command(kind, data_dir, graph, port, workers, threads), env=env,
                             cwd=str(ROOT))
    for _ in range(600):  # readiness: /openapi.json needs no store work (/healthz counts every label)
        if child.poll() is not None:
            raise SystemExit(f"the bench app ({kind}) exited with code {child.returncode} before answering")
        try:
            if _get(port, "/openapi.json", timeout=5)[0] == 200:
                return child
        except OSError:
            time.sleep(0.1)
    stop_server(child)
    raise SystemExit(f"the bench app ({kind}) did not answer on 127.0.0.1:{port} within 60 s")


def stop_server(child: subprocess.Popen) -> None:
    """Stop the server child by its PID (gunicorn stops its workers on SIGTERM)."""
    if child.poll() is None:
        os.kill(child.pid, signal.SIGTERM)
    try:
        child.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=5)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class CpuMeter:
    """CPU seconds used by the app server (its process and workers) and by the FalkorDB server."""

    def __init__(self, server_pid: int, store_pid: int | None) -> None:
        self.server_pid = server_pid
        self.store_pid = store_pid

    def sample(self) -> dict[int, tuple[str, float]]:
        pids = [self.server_pid, *_children(self.server_pid)]
        out = {p: ("app", _cpu_seconds(p)) for p in pids}
        if self.store_pid:
            out[self.store_pid] = ("store", _cpu_seconds(self.store_pid))
        return out

    @staticmethod
    def used(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]) -> dict[str, float]:
        tot = {"app": 0.0, "store": 0.0}
        for pid, (kind, sec) in after.items():
            tot[kind] += sec - before.get(pid, (kind, 0.0))[1]
        return tot


# --------------------------------------------------------------------------- the clients


def _get(port: int, path: str, timeout: float = 60.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept": "application/json"})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def _org(rnd: random.Random, orgs: int | tuple[str, ...]) -> str:
    """A random organisation: of the bench graph (``orgs`` a count), or one of the given organisation numbers."""
    if isinstance(orgs, int):
        return f"{800000000 + rnd.randrange(orgs)}"
    return rnd.choice(orgs)


def _path(endpoint: str, rnd: random.Random, orgs: int) -> str:
    """A request path for ``endpoint`` with random arguments."""
    if endpoint == "profile":
        return f"/org/{_org(rnd, orgs)}.json"
    if endpoint.startswith("ego_network_depth"):
        return f"/org/{_org(rnd, orgs)}/network.json?depth={endpoint[-1]}&cap=25"
    if endpoint == "search_name":
        return "/search.json?" + urlencode({"q": f"Organisation {rnd.randrange(orgs)}"})
    if endpoint == "search_typeahead":
        n = str(rnd.randrange(orgs))
        return "/suggest.json?" + urlencode({"q": f"Bench Org {n[:rnd.randint(1, len(n))]}"})
    if endpoint == "search_faceted":
        return "/search.json?" + urlencode({"municipality": f"{9000 + rnd.randrange(MUNICIPALITIES):04d}",
                                            "helix": rnd.choice(SECTORS)})
    if endpoint == "path":
        return "/path.json?" + urlencode({"from": _org(rnd, orgs), "to": _org(rnd, orgs)})
    raise ValueError(f"unknown endpoint {endpoint!r}; known: {', '.join(ENDPOINTS)}")


ENDPOINTS = ("profile", "ego_network_depth1", "ego_network_depth2", "search_name", "search_typeahead",
             "search_faceted", "path")


def _client_process(port: int, endpoints: tuple[str, ...], orgs: int, threads: int, seed: int, start_at: float,
                    stop_at: float, out: Any) -> None:
    """One client process: ``threads`` threads sending requests back to back between the two wall times,
    each to one of ``endpoints`` (drawn at random when there are several). Puts (latencies in ms per
    endpoint, errors, this process's CPU seconds) on ``out``."""
    lat: dict[str, list[float]] = {e: [] for e in endpoints}
    errors: list[str] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        rnd = random.Random(seed * 1000 + i)
        mine: dict[str, list[float]] = {e: [] for e in endpoints}
        bad: list[str] = []
        while time.time() < start_at:
            time.sleep(0.001)
        while time.time() < stop_at:
            endpoint = endpoints[0] if len(endpoints) == 1 else rnd.choice(endpoints)
            path = _path(endpoint, rnd, orgs)
            t0 = time.perf_counter()
            try:
                status, body = _get(port, path)
                err = None if status == 200 else f"HTTP {status} for {path}: {body[:120]!r}"
            except OSError as exc:
                err = f"{type(exc).__name__} for {path}: {exc}"
            dt = (time.perf_counter() - t0) * 1000
            if err is None:
                mine[endpoint].append(dt)
            else:
                bad.append(err)
        with lock:
            for e in endpoints:
                lat[e].extend(mine[e])
            errors.extend(bad)

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    ru = resource.getrusage(resource.RUSAGE_SELF)
    out.put((lat, errors, ru.ru_utime + ru.ru_stime))


def run_clients(port: int, endpoints: tuple[str, ...], orgs: int, clients: int, seconds: float, seed_base: int,
                delay: float) -> tuple[dict[str, list[float]], list[str], float, float]:
    """``clients`` concurrent clients in separate processes (:func:`client_processes`), starting
    ``delay`` seconds from now and sending for ``seconds``; client process ``i`` is seeded
    ``seed_base + i``. Returns (latencies in ms per endpoint, errors, clients' CPU seconds, wall seconds)."""
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    nproc = client_processes(clients)
    per = [clients // nproc + (1 if i < clients % nproc else 0) for i in range(nproc)]
    start_at = time.time() + delay
    stop_at = start_at + seconds
    procs = [ctx.Process(target=_client_process, args=(port, endpoints, orgs, n, seed_base + i, start_at,
                                                        stop_at, queue)) for i, n in enumerate(per)]
    for p in procs:
        p.start()
    lat: dict[str, list[float]] = {e: [] for e in endpoints}
    errors: list[str] = []
    client_cpu = 0.0
    for _ in procs:
        got_lat, got_err, got_cpu = queue.get()
        for e in endpoints:
            lat[e].extend(got_lat[e])
        errors.extend(got_err)
        client_cpu += got_cpu
    for p in procs:
        p.join()
    return lat, errors, client_cpu, max(seconds, time.time() - start_at)


def quantile(sorted_ms: list[float], q: float) -> float | None:
    """The ``q`` quantile of sorted latencies (nearest rank on ``n - 1``), in ms to 0.1; None when empty."""
    if not sorted_ms:
        return None
    i = min(len(sorted_ms) - 1, max(0, round(q * (len(sorted_ms) - 1))))
    return round(sorted_ms[i], 1)


def client_processes(clients: int) -> int:
    """How many client processes carry ``clients`` concurrent clients (threads spread over them)."""
    return max(1, min(clients, 4))


def measure(port: int, endpoint: str, clients: int, seconds: float, orgs: int, seed: int,
            cpu: CpuMeter | None = None) -> dict[str, Any]:
    """``clients`` concurrent clients in separate processes, for ``seconds``; latency in ms.

    With ``cpu``, also the CPU milliseconds per successful request spent in the app server, in
    FalkorDB and in the clients (where the machine's time goes)."""
    before = cpu.sample() if cpu else {}
    by_endpoint, errors, client_cpu, wall = run_clients(port, (endpoint,), orgs, clients, seconds, seed * 100, 0.3)
    lat = by_endpoint[endpoint]
    nproc = client_processes(clients)
    used = CpuMeter.used(before, cpu.sample()) if cpu else {}
    per = max(1, len(lat))
    cpu_ms = {"app": round(1000 * used["app"] / per, 2), "store": round(1000 * used["store"] / per, 2),
              "clients": round(1000 * client_cpu / per, 2)} if cpu else None
    lat.sort()
    return {"cpu_ms_per_request": cpu_ms, "clients": clients, "client_processes": nproc, "requests": len(lat), "errors": len(errors),
            "error_samples": errors[:3], "rps": round(len(lat) / wall, 1),
            "p50_ms": quantile(lat, 0.50), "p95_ms": quantile(lat, 0.95), "p99_ms": quantile(lat, 0.99),
            "load_average_1m": round(os.getloadavg()[0], 2)}


def _timed_get(port: int, path: str, took: list[float]) -> None:
    t = time.perf_counter()
    try:
        _get(port, path)
    except OSError:
        pass
    took.append(time.perf_counter() - t)


def warm_up(port: int, orgs: int, slots: int) -> float:
    """Untimed requests until every worker has opened the store and loaded its caches; returns the seconds taken.

    A worker's first profile request reads the whole measures snapshot (for percentiles; many seconds at
    100 k organisations), so rounds of ``2 × slots`` concurrent profile requests are sent until three rounds
    in a row finish every request within a second (at most 900 s)."""
    t0 = time.perf_counter()
    rnd = random.Random(5)
    calm = 0
    while calm < 3 and time.perf_counter() - t0 < 900:
        paths = [_path("profile", rnd, orgs) for _ in range(2 * slots)]
        took: list[float] = []
        ts = [threading.Thread(target=_timed_get, args=(port, p, took)) for p in paths]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        calm = calm + 1 if max(took, default=0.0) < 1.0 else 0
    return time.perf_counter() - t0


# --------------------------------------------------------------------------- report


def machine_info() -> dict[str, Any]:
    model = ""
    mem_gb = 0.0
    try:
        model = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                      if ln.startswith("model name")), "")
        mem_gb = next((int(ln.split()[1]) / 1024 / 1024 for ln in Path("/proc/meminfo").read_text().splitlines()
                       if ln.startswith("MemTotal:")), 0.0)
    except OSError:
        pass
    from importlib.metadata import version

    return {"platform": platform.platform(), "cpu": model, "cores": os.cpu_count(), "memory_gb": round(mem_gb, 1),
            "python": platform.python_version(), "flask": version("flask"), "gunicorn": version("gunicorn")}


def goals_for(endpoint: str, clients: int) -> list[tuple[float, str]]:
    return [g for (e, c), g in GOALS.items() if e == endpoint and (c is None or c == clients)]


def verdict(row: dict[str, Any], orgs: int) -> tuple[str, str]:
    """(goal text, status text) of one result row."""
    goals = goals_for(row["endpoint"], row["clients"])
    if not goals:
        return "–", "no goal"
    text = "; ".join(f"p95 < {ms:.0f} ms ({src})" for ms, src in goals)
    p95 = row["p95_ms"]
    if orgs < GOAL_ORGS:
        return text, f"not at goal size ({orgs} orgs)"
    met = [p95 is not None and p95 < ms and row["errors"] == 0 for ms, _ in goals]
    return text, ", ".join(("met" if m else "**missed**") + f" ({src})" for m, (_, src) in zip(met, goals))


def _cpu_text(c: dict[str, float] | None) -> str:
    return "–" if not c else f"{c['app']:.1f} / {c['store']:.1f} / {c['clients']:.1f}"


def markdown(run: dict[str, Any]) -> str:
    m = run["machine"]
    g = run["graph"]
    s = run["server"]
    lines = [f"## bench_web: {run['orgs']:,} organisations, {run['seconds']:g} s per level ({run['started']})", "",
             f"Command: `{run['command']}`", "",
             (f"Store: {g['backend']} {g['store_version']}, graph {g['graph']} with {g['nodes']:,} nodes and "
              f"{g['relationships']:,} relationships; measures run {g['measures_run'] or 'none'}."), "",
             f"Server: {s['description']}. Clients: {run['clients_description']}.", "",
             (f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; {m['platform']}; "
              f"Python {m['python']}, Flask {m['flask']}, gunicorn {m['gunicorn']}. Load average before the run "
              f"{' / '.join(f'{x:.2f}' for x in run['load_average_at_start'])} (1/5/15 min), after it "
              f"{' / '.join(f'{x:.2f}' for x in run['load_average_at_end'])}; the machine is shared with other "
              "work, so the 1-minute load average is given with every row."), "",
             ("CPU ms per request: CPU time of the app server (all workers) / FalkorDB / the client processes, "
             "divided by the successful requests of the level."), "",
             ("| endpoint | clients | requests | errors | req/s | p50 ms | p95 ms | p99 ms | goal | status | load 1m "
             "| CPU ms/req app / store / clients |"),
             "|---|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---|"]
    for r in run["results"]:
        goal, status = verdict(r, run["orgs"])
        lines.append(f"| {r['endpoint']} | {r['clients']} | {r['requests']} | {r['errors']} | {r['rps']} | "
                     f"{r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | {goal} | {status} | {r['load_average_1m']} | "
                     f"{_cpu_text(r.get('cpu_ms_per_request'))} |")
    errs = [e for r in run["results"] for e in r["error_samples"]]
    if errs:
        lines += ["", "First errors: " + "; ".join(f"`{e}`" for e in errs[:5])]
    return "\n".join(lines) + "\n"


def save(run: dict[str, Any], append: bool, res_dir: Path) -> tuple[Path, Path]:
    res_dir.mkdir(parents=True, exist_ok=True)
    jpath, mpath = res_dir / "bench_web.json", res_dir / "bench_web.md"
    runs: list[dict[str, Any]] = []
    if append and jpath.exists():
        try:
            old = json.loads(jpath.read_text())
            runs = old.get("runs", []) if isinstance(old, dict) else []
        except ValueError:
            runs = []
    runs.append(run)
    jpath.write_text(json.dumps({"runs": runs}, indent=2) + "\n")
    head = ("# Web benchmark (bench/bench_web.py)\n\nLatency of the app's JSON endpoints under concurrent loopback "
            "clients; goals are printed, not asserted. Newest run last.\n\n")
    mpath.write_text(head + "\n".join(markdown(r) for r in runs))
    return jpath, mpath


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--orgs", type=int, default=2000, help="organisations in the synthetic graph (goal: 100000)")
    ap.add_argument("--seconds", type=float, default=5.0, help="duration per endpoint and concurrency level")
    ap.add_argument("--clients", default="1,8,32", help="comma-separated concurrency levels")
    ap.add_argument("--endpoints", default=",".join(ENDPOINTS), help="comma-separated endpoints to time")
    ap.add_argument("--server", choices=("gunicorn", "werkzeug"), default="gunicorn",
                    help="gunicorn as in production (default) or Flask's threaded development server")
    ap.add_argument("--workers", type=int, default=None, help="gunicorn workers (default 2 per core)")
    ap.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    ap.add_argument("--warmup", type=float, default=2.0,
                    help="seconds of untimed single-client requests before each endpoint")
    ap.add_argument("--data-dir", default=str(ROOT / "var" / "bench-web"), help="embedded store data directory")
    ap.add_argument("--rebuild", action="store_true", help="wipe and rebuild the bench graph")
    ap.add_argument("--no-measures", action="store_true", help="do not run the measures jobs on the bench graph")
    ap.add_argument("--append", action="store_true", help="add this run to the results files instead of replacing")
    ap.add_argument("--results-dir", type=Path, default=ROOT / "bench" / "results",
                    help="where bench_web.json and bench_web.md are written")
    ap.add_argument("--serve", nargs=3, metavar=("DATA_DIR", "GRAPH", "PORT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve:
        serve_werkzeug(args.serve[0], args.serve[1], int(args.serve[2]))
        return 0
    levels = [int(x) for x in args.clients.split(",") if x.strip()]
    endpoints = [e.strip() for e in args.endpoints.split(",") if e.strip()]
    unknown = [e for e in endpoints if e not in ENDPOINTS]
    if unknown:
        ap.error(f"unknown endpoint(s) {', '.join(unknown)}; known: {', '.join(ENDPOINTS)}")
    workers = args.workers or 2 * (os.cpu_count() or 1)
    command = "python bench/bench_web.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load_start = [round(x, 2) for x in os.getloadavg()]
    data_dir = Path(args.data_dir).resolve()

    graph = prepare_graph(data_dir, args.orgs, rebuild=args.rebuild, with_measures=not args.no_measures)
    port = free_port()
    if args.server == "gunicorn":
        desc = (f"gunicorn {workers} workers × {args.threads} threads (`gunicorn -w {workers} --threads "
                f"{args.threads} -b 127.0.0.1:PORT \"web:create_app()\"`) in a child process, loopback")
    else:
        desc = "werkzeug threaded development server in a child process, loopback"
    child = start_server(args.server, data_dir, graph["graph"], port, workers, args.threads)
    from cypher import embedded

    info = embedded.read_state(data_dir)
    cpu = CpuMeter(child.pid, info.pid if info else None)
    results: list[dict[str, Any]] = []
    try:
        slots = workers * args.threads if args.server == "gunicorn" else 8
        ready_s = warm_up(port, args.orgs, slots)
        print(f"workers warm after {ready_s:.1f} s", flush=True)
        for name in endpoints:
            if args.warmup > 0:  # one client, untimed, just before the endpoint's own levels: a warm-up at
                # full concurrency would leave slow queries (path) running in the store into the next level
                measure(port, name, 1, args.warmup, args.orgs, seed=99)
            for c in levels:
                r = {"endpoint": name, **measure(port, name, c, args.seconds, args.orgs, seed=c, cpu=cpu)}
                results.append(r)
                goal, status = verdict(r, args.orgs)
                print(f"{name:<20} clients {c:>3}: p50 {r['p50_ms']} ms  p95 {r['p95_ms']} ms  p99 {r['p99_ms']} ms  "
                      f"{r['rps']} req/s  errors {r['errors']}  load {r['load_average_1m']}  cpu/req {r['cpu_ms_per_request']}  "
                      f"[goal {goal}: {status}]", flush=True)
                for e in r["error_samples"]:
                    print(f"    error: {e}", flush=True)
    finally:
        stop_server(child)
        embedded.stop_server(data_dir)  # the graph stays in data_dir for the next run

    run = {"command": command, "started": started, "orgs": args.orgs, "seconds": args.seconds,
           "server": {"kind": args.server, "workers": workers if args.server == "gunicorn" else None,
                      "threads": args.threads if args.server == "gunicorn" else None, "description": desc},
           "clients_description": "separate processes (up to 4, threads spread over them), one new loopback "
                                  "connection per request; untimed warm-up until every worker has loaded its "
                                  f"caches ({ready_s:.0f} s), then {args.warmup:g} s of one client before each endpoint",
           "graph": graph, "machine": machine_info(), "load_average_at_start": load_start,
           "load_average_at_end": [round(x, 2) for x in os.getloadavg()], "goals": {
               f"{e}@{c or 'any'}": {"p95_ms": ms, "source": src} for (e, c), (ms, src) in GOALS.items()},
           "results": results}
    jpath, mpath = save(run, args.append, args.results_dir.resolve())
    print(f"\nResults: {mpath} and {jpath}")
    ego8 = next((r for r in results if r["endpoint"] == "ego_network_depth1" and r["clients"] == 8), None)
    if ego8 is not None:
        print(f"Goal (issue 9): ego-network p95 < 50 ms at {GOAL_ORGS:,} organisations with 8 clients, 0 errors. "
              f"Here ({args.orgs:,} organisations): p95 {ego8['p95_ms']} ms, {ego8['errors']} errors"
              f" — {verdict(ego8, args.orgs)[1]}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
