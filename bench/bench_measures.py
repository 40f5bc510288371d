"""Benchmark the local measures engine against networkx and igraph on synthetic interlock graphs.

Usage::

    python bench/bench_measures.py                       # 10 k firms (networkx included)
    python bench/bench_measures.py --sizes 10000 100000 300000
    python bench/bench_measures.py --slow-networkx       # also networkx betweenness (~400 s at 10 k)

Prints a Markdown table per size, writes it to ``bench/results/measures.md``
and everything to ``bench/results/measures.json``. Each measure runs in a forked child
process, up to three times (stopping once 5 s have been spent; the best
time is reported), so its peak memory can be read as the growth of the child's
resident set (``VmHWM`` − ``VmRSS`` at start, from /proc/self/status; this
includes memory allocated by igraph's C core, which tracemalloc would miss).
The graphs are built in the parent before forking (build times are
reported separately). networkx is timed only up to ``--networkx-max``
(default 10 000) nodes: at 100 k it takes minutes to hours per measure.
igraph's exact betweenness and closeness are timed only up to the local
engine's exact thresholds (exact betweenness is O(n·m): hours at 100 k).

networkx ``constraint(G)`` (``nodes=None``) takes a vectorised scipy fast path in
networkx 3.6; ``constraint(G, nodes=list(G))`` is its per-node Python path
(the one graph-measures.md timed at 21 s for 10 k firms). Both are timed.

Differences: "max |Δ|" is the largest absolute difference between the
local result and the other library's result on the same definition (after
the documented rescaling: PageRank divided by its sum, igraph eigenvector
scaled to unit L2 norm, closeness as in the docstrings). networkx
eigenvector is the power iteration run to tol 1e-9 (its ARPACK variant refuses
disconnected graphs); it needs thousands of iterations on these graphs. For community it is the
difference in modularity; for components 0 means the same partition.
Sampled local results (betweenness, closeness above the thresholds) are
compared with nothing and say so.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import shlex
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np

import gds_jobs.measures as M
from gds_jobs.measures.synthetic import synthetic_interlock, synthetic_memberships

GOALS = {
    "constraint_vs_networkx": "Burt constraint >= 100x faster than networkx (at 10 k firms)",
    "constraint_vs_igraph": "Burt constraint no slower than igraph",
    "all_under_60s": "every firm measure (compute_all column) < 60 s at 300 k firms",
}


def _status_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _child(fn: Callable[[], Any], conn: Any, repeat: int) -> None:
    try:
        base = _status_kb("VmRSS")
        times = []
        for _ in range(repeat):  # best of `repeat`, but stop repeating once 5 s have been spent
            start = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - start)
            if sum(times) > 5:
                break
        peak = _status_kb("VmHWM")
        conn.send({"ok": True, "seconds": min(times), "runs": len(times),
                   "peak_mb": max(peak - base, 0) / 1024, "result": result})
    except Exception as exc:  # noqa: BLE001 - report any failure, never hang the parent
        conn.send({"ok": False, "error": f"{type(exc).__name__}: {exc}"})
    finally:
        conn.close()


def run_isolated(fn: Callable[[], Any], timeout_s: float, repeat: int = 3) -> dict[str, Any]:
    """Run `fn` in a forked child; return best seconds, peak memory growth (MB) and the result."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(fn, child, repeat))
    proc.start()
    child.close()
    if not parent.poll(timeout_s):
        proc.kill()
        proc.join()
        return {"ok": False, "error": f"timed out after {timeout_s:.0f} s"}
    out = parent.recv()
    proc.join()
    return out


def machine_info() -> dict[str, Any]:
    import igraph
    import networkx
    import scipy

    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_gb, 1),
        "load_average_at_start": os.getloadavg(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "igraph": igraph.__version__,
        "networkx": networkx.__version__,
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
    }


def _aligned(nodes: tuple[str, ...], values: dict) -> np.ndarray:
    return np.array([values[v] for v in nodes], dtype=float)


def _max_diff(a: Any, b: Any) -> float | None:
    if a is None or b is None:
        return None
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    both = ~(np.isnan(a) & np.isnan(b))
    if np.any(np.isnan(a[both]) != np.isnan(b[both])):
        return float("inf")
    mask = both & ~np.isnan(a)
    return float(np.max(np.abs(a[mask] - b[mask]))) if mask.any() else 0.0


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _share(x: np.ndarray) -> np.ndarray:
    return x / x.sum()


def bench_size(n_firms: int, args: argparse.Namespace) -> dict[str, Any]:
    import networkx as nx

    t0 = time.perf_counter()
    persons, firms = synthetic_memberships(n_firms, seed=args.seed)
    g = synthetic_interlock(n_firms, seed=args.seed)
    build_local = time.perf_counter() - t0
    for attr in ("binary", "degree", "index", "m"):  # warm the cached views every measure shares
        getattr(g, attr)
    t0 = time.perf_counter()
    ig = g.to_igraph()
    build_igraph = time.perf_counter() - t0
    use_nx = n_firms <= args.networkx_max
    G = None
    build_nx = None
    if use_nx:
        t0 = time.perf_counter()
        G = g.to_networkx()
        build_nx = time.perf_counter() - t0
    nodes = g.nodes
    n = g.n
    labels, sizes = np.unique(M.component(g), return_counts=True)
    giant = int(sizes.max()) if sizes.size else 0
    exact_b = giant <= args.betweenness_exact_max
    exact_c = giant <= args.closeness_exact_max
    weights = ig.es["weight"]

    def louvain_modularity(membership: Any) -> float:
        return float(ig.modularity(list(membership), weights=weights))

    def igraph_closeness() -> np.ndarray:
        reach = (sizes[np.searchsorted(labels, M.component(g))] - 1).astype(float)
        return np.nan_to_num(np.asarray(ig.closeness(normalized=True), dtype=float)) * reach / (n - 1)

    def networkx_components() -> np.ndarray:
        comp_of = {v: i for i, c in enumerate(nx.connected_components(G)) for v in c}
        return M.cohesion.relabel_by_first_node(np.array([comp_of[v] for v in nodes]))

    # measure -> {engine: callable}; a callable returns an array aligned to nodes (or a scalar summary)
    plan: dict[str, dict[str, Callable[[], Any] | None]] = {
        "degree": {
            "local": lambda: M.degree(g),
            "networkx": (lambda: _aligned(nodes, dict(G.degree()))) if use_nx else None,
            "igraph": lambda: np.asarray(ig.degree(), dtype=float),
        },
        "weighted_degree": {
            "local": lambda: M.weighted_degree(g),
            "networkx": (lambda: _aligned(nodes, dict(G.degree(weight="weight")))) if use_nx else None,
            "igraph": lambda: np.asarray(ig.strength(weights="weight"), dtype=float),
        },
        "eigenvector": {
            "local": lambda: M.eigenvector(g),
            "networkx": (lambda: _aligned(nodes, nx.eigenvector_centrality(G, max_iter=1_000_000, tol=1e-9)))
            if use_nx else None,
            "igraph": lambda: _unit(np.asarray(ig.eigenvector_centrality(scale=False))),
        },
        "pagerank": {
            "local": lambda: _share(M.pagerank(g)),
            "networkx": (lambda: _aligned(nodes, nx.pagerank(G, weight=None, tol=1e-12, max_iter=10_000)))
            if use_nx else None,
            "igraph": lambda: np.asarray(ig.pagerank(directed=False)),
        },
        "betweenness": {
            "local": lambda: M.betweenness(g, exact_max=args.betweenness_exact_max,
                                           samples=args.betweenness_samples, seed=args.seed),
            "networkx": (lambda: _aligned(nodes, nx.betweenness_centrality(G, normalized=False)))
            if use_nx and args.slow_networkx and exact_b else None,
            "igraph": (lambda: np.asarray(ig.betweenness(directed=False))) if exact_b else None,
        },
        "closeness": {
            "local": lambda: M.closeness(g, exact_max=args.closeness_exact_max,
                                         samples=args.closeness_samples, seed=args.seed),
            "networkx": (lambda: _aligned(nodes, nx.closeness_centrality(G))) if use_nx and exact_c else None,
            "igraph": igraph_closeness if exact_c else None,
        },
        "community": {
            "local": lambda: louvain_modularity(M.community(g, seed=args.seed)),
            "networkx": (lambda: float(nx.community.modularity(
                G, nx.community.louvain_communities(G, weight="weight", seed=args.seed), weight="weight")))
            if use_nx else None,
            "igraph": lambda: louvain_modularity(ig.community_multilevel(weights="weight").membership),
        },
        "component": {
            "local": lambda: M.component(g),
            "networkx": networkx_components if use_nx else None,
            "igraph": lambda: M.cohesion.relabel_by_first_node(np.asarray(ig.connected_components().membership)),
        },
        "clustering": {
            "local": lambda: M.clustering(g),
            "networkx": (lambda: _aligned(nodes, nx.clustering(G))) if use_nx else None,
            "igraph": lambda: np.asarray(ig.transitivity_local_undirected(mode="zero"), dtype=float),
        },
        "constraint": {
            "local": lambda: M.constraint(g),
            "networkx": (lambda: _aligned(nodes, nx.constraint(G))) if use_nx else None,
            "igraph": lambda: np.asarray(ig.constraint(weights=None), dtype=float),
        },
        "constraint [networkx per-node path]": {
            "local": lambda: M.constraint(g),
            "networkx": (lambda: _aligned(nodes, nx.constraint(G, nodes=list(G)))) if use_nx else None,
            "igraph": None,
        },
        "constraint_weighted": {
            "local": lambda: M.constraint_weighted(g),
            "networkx": (lambda: _aligned(nodes, nx.constraint(G, weight="weight"))) if use_nx else None,
            "igraph": lambda: np.asarray(ig.constraint(weights="weight"), dtype=float),
        },
        "effective_size": {
            "local": lambda: M.effective_size(g),
            "networkx": (lambda: _aligned(nodes, nx.effective_size(G))) if use_nx else None,
            "igraph": None,
        },
        "efficiency": {
            "local": lambda: M.efficiency(g),
            "networkx": (lambda: _aligned(nodes, nx.effective_size(G))
                         / np.where(g.degree > 0, g.degree, np.nan)) if use_nx else None,
            "igraph": None,
        },
        "hierarchy": {"local": lambda: M.hierarchy(g), "networkx": None, "igraph": None},
    }
    rows = []
    for measure, engines in plan.items():
        row: dict[str, Any] = {"measure": measure, "load_average_1min": os.getloadavg()[0]}
        local_out = run_isolated(engines["local"], args.timeout)
        row["local_s"] = local_out.get("seconds")
        row["local_peak_mb"] = local_out.get("peak_mb")
        row["local_error"] = local_out.get("error")
        local_val = local_out.get("result")
        for engine in ("networkx", "igraph"):
            fn = engines[engine]
            if fn is None:
                row[f"{engine}_s"] = None
                row[f"{engine}_note"] = "not run"
                continue
            out = run_isolated(fn, args.timeout)
            row[f"{engine}_s"] = out.get("seconds")
            row[f"{engine}_peak_mb"] = out.get("peak_mb")
            row[f"{engine}_note"] = out.get("error")
            if out.get("ok") and local_out.get("ok"):
                row[f"{engine}_ratio"] = out["seconds"] / max(local_out["seconds"], 1e-9)
                row[f"{engine}_max_abs_diff"] = _max_diff(local_val, out["result"])
        print(f"  {measure}: local {row['local_s']}", file=sys.stderr, flush=True)
        rows.append(row)
    t_all = run_isolated(repeat=1, timeout_s=args.timeout, fn=lambda: M.compute_all(
        g, betweenness_exact_max=args.betweenness_exact_max, betweenness_samples=args.betweenness_samples,
        closeness_exact_max=args.closeness_exact_max, closeness_samples=args.closeness_samples, seed=args.seed,
    ).shape)
    return {
        "n_firms": n_firms,
        "graph": {
            "persons": int(persons.max()) + 1 if persons.size else 0,
            "seats": int(persons.size),
            "nodes": n,
            "edges": g.m,
            "isolates_share": float(np.mean(g.degree == 0)),
            "max_degree": int(g.degree.max()) if n else 0,
            "weight_gt_1_share": float(np.mean(g.adj.data > 1)) if g.adj.nnz else 0.0,
            "giant_component": giant,
            "firms_unique": int(np.unique(firms).size),
        },
        "build_s": {"local": build_local, "igraph_from_local": build_igraph, "networkx_from_local": build_nx},
        "betweenness": ("exact" if exact_b else
                        f"sampled: {args.betweenness_samples} source draws in components "
                        f"> {args.betweenness_exact_max}"),
        "closeness": ("exact" if exact_c else
                      f"sampled: {args.closeness_samples} pivots in components > {args.closeness_exact_max}"),
        "networkx": "timed" if use_nx else f"not timed above {args.networkx_max} nodes (too slow)",
        "load_average_at_end": os.getloadavg(),
        "compute_all_s": t_all.get("seconds"),
        "compute_all_peak_mb": t_all.get("peak_mb"),
        "measures": rows,
    }


def _fmt(x: Any, digits: int = 3) -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        if x == 0:
            return "0"
        if abs(x) < 1e-3 or abs(x) >= 1e5:
            return f"{x:.1e}"
        return f"{x:.{digits}g}"
    return str(x)


def markdown(result: dict[str, Any]) -> str:
    lines = [
        (f"### {result['n_firms']:,} firms — {result['graph']['edges']:,} ties, "
         f"{result['graph']['isolates_share']:.0%} isolates, giant component {result['graph']['giant_component']:,}"),
        "",
        (f"load average (1 min) during this size: {min(r['load_average_1min'] for r in result['measures']):.1f}"
         f"–{max(r['load_average_1min'] for r in result['measures']):.1f} on {os.cpu_count()} cores; "
         "timings on a busy machine are inflated."),
        "",
        (f"betweenness: {result['betweenness']}; closeness: {result['closeness']}; networkx: {result['networkx']}. "
         f"compute_all (all columns): {_fmt(result['compute_all_s'])} s, "
         f"peak +{_fmt(result['compute_all_peak_mb'])} MB."),
        "",
        ("| measure | local s | local MB | networkx s | nx/local | max abs Δ nx | igraph s | igraph/local "
         "| max abs Δ igraph |"),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result["measures"]:
        lines.append(
            f"| {r['measure']} | {_fmt(r['local_s'])} | {_fmt(r['local_peak_mb'])} | {_fmt(r.get('networkx_s'))} "
            f"| {_fmt(r.get('networkx_ratio'))} | {_fmt(r.get('networkx_max_abs_diff'))} | {_fmt(r.get('igraph_s'))} "
            f"| {_fmt(r.get('igraph_ratio'))} | {_fmt(r.get('igraph_max_abs_diff'))} |"
        )
    return "\n".join(lines)


def goals(results: list[dict[str, Any]]) -> dict[str, str]:
    verdicts: dict[str, str] = {}
    for res in results:
        con = next(r for r in res["measures"] if r["measure"] == "constraint")
        slow_path = next(r for r in res["measures"] if r["measure"].startswith("constraint [networkx per-node"))
        if slow_path.get("networkx_ratio") is not None:
            verdicts["constraint_vs_networkx"] = (
                f"{'met' if slow_path['networkx_ratio'] >= 100 else 'NOT met'}: "
                f"{slow_path['networkx_ratio']:.0f}x networkx constraint(G, nodes=list(G)) at "
                f"{res['n_firms']:,} firms; {con['networkx_ratio']:.1f}x networkx's vectorised fast path "
                "constraint(G) (nodes=None)")
        if con.get("igraph_ratio") is not None:
            key = f"constraint_vs_igraph@{res['n_firms']}"
            verdicts[key] = (f"{'met' if con['igraph_ratio'] >= 1 else 'NOT met'}: igraph/local "
                             f"{con['igraph_ratio']:.2f} at {res['n_firms']:,} firms")
        if res["n_firms"] >= 300_000:
            slow = [r["measure"] for r in res["measures"] if (r["local_s"] or float("inf")) >= 60]
            verdicts["all_under_60s"] = ("met" if not slow else "NOT met: " + ", ".join(slow)) + (
                f" (slowest {max(r['local_s'] or 0 for r in res['measures']):.1f} s)")
    verdicts.setdefault("all_under_60s", "not checked (run with --sizes ... 300000)")
    return verdicts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000], help="firm counts (default 10000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--networkx-max", type=int, default=10_000, help="time networkx only up to this size")
    parser.add_argument("--slow-networkx", action="store_true", help="also time networkx betweenness (~400 s at 10 k)")
    parser.add_argument("--betweenness-exact-max", type=int, default=10_000)
    parser.add_argument("--betweenness-samples", type=int, default=128)
    parser.add_argument("--closeness-exact-max", type=int, default=20_000)
    parser.add_argument("--closeness-samples", type=int, default=256)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per measure and engine")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "measures.json")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", message="Some eigenvector centralities are nearly zero")
    command = "python bench/bench_measures.py" + ("" if not argv and len(sys.argv) < 2 else " " + shlex.join(
        argv if argv is not None else sys.argv[1:]))
    info = machine_info()
    results = []
    for size in args.sizes:
        print(f"benchmarking {size:,} firms ...", file=sys.stderr, flush=True)
        results.append(bench_size(size, args))
    verdicts = goals(results)
    report = [f"# Local measures engine benchmark\n\ncommand: `{command}`\n",
              "machine: " + ", ".join(f"{k}={v}" for k, v in info.items()) + "\n"]
    report += [markdown(res) + "\n" for res in results]
    report.append("Goals:")
    for key, text in GOALS.items():
        matching = {k: v for k, v in verdicts.items() if k.startswith(key)}
        for k, v in (matching or {key: "not checked"}).items():
            report.append(f"- {text}: {v}" + ("" if k == key else f" [{k.split('@')[1]} firms]"))
    print("\n".join(report))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".md").write_text("\n".join(report) + "\n", encoding="utf-8")
    args.out.write_text(json.dumps({"command": command, "machine": info, "goals": GOALS, "verdicts": verdicts,
                                    "results": results}, indent=2, default=float) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
