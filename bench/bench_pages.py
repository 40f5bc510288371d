"""Benchmark the advisor pages that compute on request: the region analysis page and the cluster-fit panel.

Usage::

    python bench/bench_pages.py                        # 100 000 units (the goal size), 30 requests each
    python bench/bench_pages.py --units 10000 --requests 10

Builds (once, then reuses) the synthetic Norway of ``bench_report.py`` (graph ``bench_report_<units>``
under ``--data-dir``, shared with it) and times the app in process (Flask's test client, one client):

* ``region_analysis_cold``: ``/region/<region>/analysis`` with an empty cache (the analysis is computed
  and its charts drawn);
* ``region_analysis``: the same page afterwards, alternating Bokmål and English and the JSON twin (the
  analysis is kept per measures run and newest load, the charts per language);
* ``fit_panel``: ``/org/<orgnr>/fit.json`` (what the profile's cluster-fit panel loads) for organisations
  of the region — the fit model of the measures run is built on the first request and kept
  (``bench_fit.py`` times that build, the full fit page and the candidate lists);
* ``profile``: ``/org/<orgnr>.json`` of the same organisations, the peer the fit panel is compared with.

Goals (printed, not asserted): region analysis p95 < 2 s and fit panel p95 < 1 s at 100 000 units.
Results go to ``bench/results/pages.json`` and ``.md`` (``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shlex
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GOAL_UNITS = 100_000
GOALS_MS = {"region_analysis": 2000.0, "fit_panel": 1000.0}


def quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def timed(client, path: str, **kw) -> float:
    t = time.perf_counter()
    r = client.get(path, **kw)
    ms = (time.perf_counter() - t) * 1000
    if r.status_code != 200:
        raise SystemExit(f"GET {path} answered {r.status_code}: {r.get_data(as_text=True)[:300]}")
    return ms


def row(name: str, times: list[float]) -> dict:
    goal = GOALS_MS.get(name)
    p95 = quantile(times, 0.95)
    return {"endpoint": name, "requests": len(times), "p50_ms": round(quantile(times, 0.5) or 0, 1),
            "p95_ms": round(p95 or 0, 1), "max_ms": round(max(times), 1) if times else None,
            "goal_ms": goal, "goal_met": None if goal is None else bool(p95 is not None and p95 < goal)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=GOAL_UNITS)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--region", default="ringeriksregionen")
    ap.add_argument("--requests", type=int, default=30, help="timed requests per endpoint")
    default_dir = Path(os.environ.get("KLYNGE_BENCH_DIR", Path(tempfile.gettempdir()) / "klynge-bench"))
    ap.add_argument("--data-dir", type=Path, default=default_dir, help="shared with bench_report.py")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "pages")
    args = ap.parse_args(argv)
    command = "python bench/bench_pages.py " + " ".join(shlex.quote(x) for x in (argv or sys.argv[1:]))

    from bench.bench_report import build
    from cypher import embedded, library, open_store
    from klynge.config import load_settings
    from web import analysis, create_app

    db = args.data_dir / "graph"
    db.mkdir(parents=True, exist_ok=True)
    embedded.ensure_server(db)
    graph = f"bench_report_{args.units}"
    settings = load_settings({"data_dir": db, "graph_name": graph}, environ={})
    store = open_store(settings)
    try:
        counts = store.counts()["labels"]
        if counts.get("Organization", 0) < args.units * 0.9:
            store.wipe()
            store.init_schema()
            print(f"building the benchmark graph of {args.units:,} units under {args.data_dir} ...", flush=True)
            build(store, args.units, args.seed, args.data_dir / f"synth_{args.units}_{args.seed}")
            counts = store.counts()["labels"]
        else:
            store.init_schema()  # name keys on a graph built before them
        orgnrs = [r["orgnr"] for r in library.run(store, "search/orgnrs_in_region",
                                                  {"region": [args.region], "limit": 5000})]
        if not orgnrs:
            raise SystemExit(f"region {args.region} has no organisations in {graph}")
        app = create_app({"data_dir": db, "graph_name": graph, "TESTING": True})
        client = app.test_client()
        page = f"/region/{args.region}/analysis"
        rows = []
        analysis.clear_region_cache()
        load_before = round(os.getloadavg()[0], 2)
        rows.append(row("region_analysis_cold", [timed(client, page, headers={"Accept-Language": "en"})]))
        timed(client, page, headers={"Accept-Language": "nb"})  # draws the Bokmål charts once
        warm = []
        for i in range(args.requests):
            path, lang = [(page, "nb"), (page, "en"), (page + ".json", "en")][i % 3]
            warm.append(timed(client, path, headers={"Accept-Language": lang}))
        rows.append(row("region_analysis", warm))
        rnd = random.Random(args.seed)
        sample = [rnd.choice(orgnrs) for _ in range(args.requests)]
        rows.append(row("fit_panel", [timed(client, f"/org/{o}/fit.json") for o in sample]))
        timed(client, f"/org/{sample[0]}.json")  # the profile's percentile snapshot, read once per process
        rows.append(row("profile", [timed(client, f"/org/{o}.json") for o in sample]))
        load_after = round(os.getloadavg()[0], 2)
    finally:
        store.close()
        embedded.stop_server(db)
    by = {r["endpoint"]: r for r in rows}
    ratios = {
        "region_analysis_cold_over_warm_p95": round(by["region_analysis_cold"]["p95_ms"]
                                                    / max(by["region_analysis"]["p95_ms"], 0.1), 1),
        "fit_panel_over_profile_p95": round(by["fit_panel"]["p95_ms"] / max(by["profile"]["p95_ms"], 0.1), 1),
    }
    result = {"benchmark": "bench_pages", "units": args.units, "graph": graph, "region": args.region,
              "organizations": counts.get("Organization"), "region_organizations": len(orgnrs),
              "rows": rows, "ratios": ratios, "command": command,
              "load_average_1m": {"before": load_before, "after": load_after},
              "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                          "platform": platform.platform()},
              "measured": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    md = markdown(result)
    print(md)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    args.out.with_suffix(".md").write_text(md, encoding="utf-8")
    return 0


def markdown(res: dict) -> str:
    lines = ["# Region analysis page and cluster-fit panel (bench/bench_pages.py)", "",
             f"## {res['units']:,} units ({res['organizations']:,} organisations, {res['region_organizations']:,} "
             f"in {res['region']}), {res['measured']}", "",
             f"Command: `{res['command']}`", "",
             "In-process Flask test client, one client, one request at a time; the fit panel computes the fit "
             "on every request (its precomputation belongs to the fit work), the region page keeps its analysis "
             "per measures run and newest load. Load average (1 min) before "
             f"{res['load_average_1m']['before']}, after {res['load_average_1m']['after']} (shared machine).", "",
             "| endpoint | requests | p50 ms | p95 ms | max ms | goal | status |", "|---|---:|---:|---:|---:|---|---|"]
    for r in res["rows"]:
        goal = f"p95 < {r['goal_ms']:.0f} ms" if r["goal_ms"] else "–"
        status = "–" if r["goal_met"] is None else ("met" if r["goal_met"] else "**missed**")
        lines.append(f"| {r['endpoint']} | {r['requests']} | {r['p50_ms']} | {r['p95_ms']} | {r['max_ms']} | "
                     f"{goal} | {status} |")
    lines += ["", "Ratios in the same run: " + ", ".join(f"{k} = {v}" for k, v in res["ratios"].items()), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
