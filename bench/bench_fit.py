"""Benchmark and evaluate the cluster fit on a synthetic Norway: page times and how well the score finds members.

Usage::

    python bench/bench_fit.py                          # 100 000 units (the goal size), 10 seeds
    python bench/bench_fit.py --units 10000 --requests 20 --seeds 3      # quick
    python bench/bench_fit.py --reuse --data-dir DIR --graph NAME        # an already-loaded graph

Builds (once, then reuses) graph ``bench_fit_<units>`` on the embedded FalkorDB store under
``--data-dir`` like ``bench_report.py`` (generator, loaders, nightly measures jobs). Then, in one process:

* **Pages** (the Flask app in process, an advisor's session, no network): the build of the model of the
  current measures run as the run's precompute step does it (built and saved in a state folder of the
  benchmark's own); the first fit request of a fresh process, which reads the saved model, and the
  same without a saved model (it builds the model); then ``--requests`` requests each, on
  random candidate firms and clusters, of the profile's fit panel (``/org/<orgnr>/fit.json``), the
  full fit page (``/org/<orgnr>/fit``), a cluster's candidate firms (``/cluster/<id>/candidates``,
  20 rows) and, as the peer, the profile itself (``/org/<orgnr>.json``): p50 and p95 and the ratio
  of each p95 to the peer's. Goals (printed, not asserted): fit panel < 1 s and full fit page < 2 s
  p95 at 100 000 units.
* **Evaluation** (``klynge fit --evaluate`` with ``--seeds``): the full score and its baselines with
  95 % intervals and the verdict; and, on the same hidden members, the ranking the *generator's own
  member rule* would give (theme division × 8, host county × 4, 1 + ln(1 + employees), focus region
  × 0.2; :func:`loaders.synth.membership_rule`) with and without its size factor: how much any
  score could find on these data. The generator's rule is known only here, never to the score.

Results go to ``bench/results/bench_fit.json`` and ``.md`` (``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GOAL_UNITS = 100_000
GOALS_S = {"fit_panel": 1.0, "fit_page": 2.0}


def percentiles(values: list[float]) -> dict[str, float]:
    a = np.asarray(values) * 1000
    return {"n": len(values), "p50_ms": round(float(np.percentile(a, 50)), 1),
            "p95_ms": round(float(np.percentile(a, 95)), 1), "max_ms": round(float(a.max()), 1)}


def time_pages(store, settings, requests: int, seed: int) -> dict:
    """Cold build and warm p50/p95 of the fit panel, fit page, cluster candidates and the profile (peer)."""
    from gds_jobs.analysis import fit
    from web import create_app

    os.environ["KLYNGE_STATE_DIR"] = str(settings.state_dir)  # the app's state folder is the store's
    app = create_app({"data_dir": settings.data_dir, "graph_name": settings.graph_name, "TESTING": True,
                      "KLYNGE_TEST_ROLE": "advisor"})
    client = app.test_client()
    saved_dir = settings.state_dir / fit.SAVED_DIR
    shutil.rmtree(saved_dir, ignore_errors=True)
    fit.clear_cache()
    rnd = random.Random(seed)
    t = time.perf_counter()
    pre = fit.precompute(store)  # what the measures run does: build and save
    build_s = time.perf_counter() - t
    model = fit.model_for(store)
    cands = [str(o) for o in model.ctx.universe.orgnr[model.ctx.candidates]]
    clusters = list(model.cluster_ids)

    def first_request() -> float:
        fit.clear_cache()
        t = time.perf_counter()
        r = client.get(f"/org/{rnd.choice(cands)}/fit.json")
        assert r.status_code == 200 and r.get_json()["cluster_fit"]["status"] == "ok", r.get_data(as_text=True)[:500]
        return time.perf_counter() - t

    saved_s = first_request()  # a new process after the run: reads the saved model
    shutil.rmtree(saved_dir, ignore_errors=True)
    unsaved_s = first_request()  # nothing saved (e.g. another state folder): builds it in the request
    out: dict[str, list[float]] = {"profile (peer)": [], "fit_panel": [], "fit_page": [], "cluster_candidates": []}
    for _ in range(requests):
        o, c = rnd.choice(cands), rnd.choice(clusters)
        for name, path in (("profile (peer)", f"/org/{o}.json"), ("fit_panel", f"/org/{o}/fit.json"),
                           ("fit_page", f"/org/{o}/fit"), ("cluster_candidates", f"/cluster/{c}/candidates")):
            t = time.perf_counter()
            r = client.get(path)
            out[name].append(time.perf_counter() - t)
            assert r.status_code == 200, (path, r.status_code)
    stats = {k: percentiles(v) for k, v in out.items()}
    peer = stats["profile (peer)"]["p95_ms"]
    for k, v in stats.items():
        v["p95_vs_peer"] = round(v["p95_ms"] / peer, 2) if peer else None
    return {"model_build_s": round(build_s, 2), "saved_mb": round(Path(pre["path"]).stat().st_size / 1e6, 1)
            if Path(pre["path"]).exists() else None, "first_request_saved_s": round(saved_s, 2),
            "first_request_unsaved_s": round(unsaved_s, 2), "pages": stats,
            "candidates": len(cands), "clusters": len(clusters), "weights": model.weights.describe()}


def generator_rule(store, seeds: int, seed: int, fraction: float) -> dict:
    """The generator's own member rule as a score, on the splits the evaluation uses (same seeds)."""
    from gds_jobs.analysis.data import load_data
    from gds_jobs.analysis.fit import _reference_rules
    from gds_jobs.analysis.fiteval import rank_metrics
    from gds_jobs.analysis.fitmodel import context, eligible, make_splits, pool_of
    from gds_jobs.analysis.options import AnalysisOptions
    from loaders.synth.industry import CLUSTER_THEMES
    from loaders.synth.knobs import Knobs
    from loaders.synth.memberships import HOST_COUNTY_WEIGHT, THEME_WEIGHT

    opts = AnalysisOptions()
    data = load_data(store, None, opts)
    ctx = context(data, opts, _reference_rules())
    f = ctx.frame
    div = np.array([c[:2] if isinstance(c, str) else "" for c in f["nace"]], dtype=object)
    county = f["county_code"].fillna("").astype(str).to_numpy()
    emp = f["employees"].fillna(0).to_numpy(float)
    region_codes = set(Knobs().region_municipalities)
    focus = f["municipality_code"].astype(str).isin(region_codes).to_numpy()
    themes = {stem: set(divs) for _, stem, divs in CLUSTER_THEMES}
    wood = next(set(d) for t, _, d in CLUSTER_THEMES if t == "wood")
    clusters = ctx.clusters.set_index("cluster_id")
    ids = eligible(ctx, ctx.cluster_ids("in"))
    rows: dict[str, list[dict]] = {"generator rule": [], "generator rule without size": []}
    for s in range(seeds):
        rng = np.random.default_rng(seed + s)
        for sp in make_splits(ctx, ids, rng, fraction=fraction):
            pool = pool_of(ctx, sp.kept)
            positive = np.isin(pool, sp.hidden)
            if positive.all():
                continue
            name = str(clusters.loc[sp.cluster_id, "name"])
            divs = next((d for stem, d in themes.items() if stem in name), wood)  # Norwegian Wood: the wood theme
            base = (np.where(np.isin(div, list(divs)), np.log(THEME_WEIGHT), 0.0)
                    + np.where(county == str(clusters.loc[sp.cluster_id, "host_county"]),
                               np.log(HOST_COUNTY_WEIGHT), 0.0)
                    + np.where(focus, np.log(Knobs().region_member_weight), 0.0))
            size = np.log(1 + np.log1p(emp))
            for key, score in (("generator rule", base + size), ("generator rule without size", base)):
                rows[key].append({"cluster_id": sp.cluster_id, **rank_metrics(score[pool], positive)})
    import pandas as pd

    from gds_jobs.analysis.stats import bootstrap_mean_ci

    out = {}
    for key, r in rows.items():
        per = pd.DataFrame(r).groupby("cluster_id").mean(numeric_only=True)
        out[key] = {m: [round(float(per[m].mean()), 3), *[round(float(x), 3) for x in
                        bootstrap_mean_ci(per[m].to_numpy(), resamples=2000, seed=seed)]]
                    for m in ("hit@10", "hit@50", "mrr", "auc")}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=GOAL_UNITS)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--seeds", type=int, default=10, help="evaluation seeds")
    ap.add_argument("--requests", type=int, default=60, help="timed requests per page")
    default_dir = Path(os.environ.get("KLYNGE_BENCH_DIR", Path(tempfile.gettempdir()) / "klynge-bench"))
    ap.add_argument("--data-dir", type=Path, default=default_dir)
    ap.add_argument("--graph", help="graph name (default bench_fit_<units>)")
    ap.add_argument("--reuse", action="store_true", help="use the already-loaded graph as it is")
    ap.add_argument("--no-evaluate", action="store_true", help="page times only")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = ap.parse_args(argv)
    command = "python bench/bench_fit.py " + " ".join(shlex.quote(x) for x in (argv or sys.argv[1:]))

    from bench.bench_report import build
    from cypher import embedded, open_store
    from gds_jobs.analysis import fit
    from klynge.config import load_settings

    db = args.data_dir if args.reuse else args.data_dir / "graph"
    db.mkdir(parents=True, exist_ok=True)
    embedded.ensure_server(db)
    state_dir = Path(tempfile.mkdtemp(prefix="bench-fit-state-"))
    settings = load_settings({"data_dir": db, "graph_name": args.graph or f"bench_fit_{args.units}",
                              "state_dir": state_dir}, environ={})
    store = open_store(settings)
    counts = store.counts()["labels"]
    if not args.reuse and counts.get("Organization", 0) < args.units * 0.9:
        store.wipe()
        store.init_schema()
        print(f"building the benchmark graph of {args.units:,} units ...", flush=True)
        build(store, args.units, args.seed, args.data_dir / f"synth_{args.units}_{args.seed}")
        counts = store.counts()["labels"]
    load = {"before": round(os.getloadavg()[0], 2)}
    pages = time_pages(store, settings, args.requests, args.seed)
    load["after_pages"] = round(os.getloadavg()[0], 2)
    print(json.dumps(pages, indent=1), flush=True)
    result: dict = {"benchmark": "bench_fit", "units": counts.get("Organization"), "graph": settings.graph_name,
                    "command": command, "pages": pages, "load_average_1m": load,
                    "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                                "platform": platform.platform()},
                    "measured": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    lines = ["# Cluster fit benchmark", "",
             f"{counts.get('Organization', 0):,} organisations (synthetic), embedded FalkorDB, {os.cpu_count()} CPUs; "
             f"1-minute load average {load['before']} before, {load['after_pages']} after the page runs (other work "
             f"shares the machine). Measured {result['measured']}. Command: `{command}`", "",
             f"Model of the current measures run: built and saved in {pages['model_build_s']} s "
             f"({pages['candidates']:,} candidate firms × {pages['clusters']} clusters, {pages['saved_mb']} MB; the "
             "measures run's step \"precompute cluster fit\"). The first fit request of a new process then took "
             f"{pages['first_request_saved_s']} s (it reads the saved model); without a saved model it builds it, "
             f"{pages['first_request_unsaved_s']} s. Then, {args.requests} requests per page (app in process, "
             "advisor):",
             "", "| page | p50 ms | p95 ms | max ms | p95 / profile | goal (p95) |", "|---|---:|---:|---:|---:|---|"]
    for name, v in pages["pages"].items():
        goal = GOALS_S.get(name)
        verdict = "" if goal is None else (f"< {goal:.0f} s: " + ("met" if v["p95_ms"] < goal * 1000 else "NOT met")
                                           + ("" if (counts.get("Organization") or 0) >= GOAL_UNITS else
                                              " (goal set at 100 k)"))
        lines.append(f"| {name} | {v['p50_ms']} | {v['p95_ms']} | {v['max_ms']} | {v['p95_vs_peer']} | {verdict} |")
    if not args.no_evaluate:
        t = time.perf_counter()
        ev = fit.evaluate(store, seeds=args.seeds)
        eval_s = time.perf_counter() - t
        ceiling = generator_rule(store, args.seeds, 0, 0.2)
        result["evaluation"] = {"seconds": round(eval_s, 1),
                                "summary": json.loads(ev.summary.to_json(orient="records")),
                                "differences": json.loads(ev.differences.to_json(orient="records")),
                                "verdict": ev.verdict, "notes": ev.notes, "generator_rule": ceiling}
        lines += ["", f"## Evaluation ({args.seeds} seeds, {eval_s:.0f} s)", "",
                  "| variant | clusters | hidden | hit@10 | hit@50 | MRR | AUC |", "|---|---:|---:|---|---|---|---|"]
        for r in ev.summary.to_dict("records"):
            cells = [f"{r[m]:.3f} [{r[m + '_ci_low']:.3f}, {r[m + '_ci_high']:.3f}]" for m in ("hit@10", "hit@50",
                                                                                              "mrr", "auc")]
            lines.append(f"| {r['variant']} | {r['clusters']} | {r['hidden']} | " + " | ".join(cells) + " |")
        for key, v in ceiling.items():
            cells = [f"{v[m][0]:.3f} [{v[m][1]:.3f}, {v[m][2]:.3f}]" for m in ("hit@10", "hit@50", "mrr", "auc")]
            lines.append(f"| *{key}* (knows the generator) | | | " + " | ".join(cells) + " |")
        lines += ["", "| full minus | hit@10 | hit@50 | MRR | AUC |", "|---|---|---|---|---|"]
        for r in ev.differences.to_dict("records"):
            cells = [f"{r[m]:+.3f} [{r[m + '_ci_low']:+.3f}, {r[m + '_ci_high']:+.3f}]" for m in ("hit@10", "hit@50",
                                                                                                 "mrr", "auc")]
            lines.append(f"| {r['comparison'].removeprefix('full − ')} | " + " | ".join(cells) + " |")
        lines += ["", ev.verdict, ""] + [f"* {n}" for n in ev.notes]
        print("\n".join(lines[-(len(ev.summary) + len(ev.differences) + 12 + len(ev.notes)):]), flush=True)
    load["end"] = round(os.getloadavg()[0], 2)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench_fit.json").write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    (args.out / "bench_fit.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"results: {args.out / 'bench_fit.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
