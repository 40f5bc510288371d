"""The path finder on the embedded store: Klynge's breadth-first search against ``allShortestPaths``.

Usage::

    python bench/bench_paths.py                          # 100 k organisations, 40 random pairs
    python bench/bench_paths.py --orgs 2000 --pairs 20 --out var/bench-quick/paths

On the synthetic graph of ``bench_web.py`` (built when missing, in the same data folder, so
the two benchmarks share it), each random pair of organisations is searched both ways, in
the same run and on the same server:

* **allShortestPaths** — the query ``network/shortest_paths`` (what Neo4j runs, and what
  the web app ran on FalkorDB before);
* **search** — :func:`cypher.paths.shortest_paths`, the bidirectional breadth-first search
  the web app runs on FalkorDB.

Both take the path finder's default of 10 chains and its bound of 6 hops. For every pair
the two answers are compared: the same number of hops and of chains, and, when there are
fewer chains than the limit, exactly the same chains. It prints the median, 95th
percentile and worst time of each, and their ratio; no goal is asserted. Results:
``bench/results/paths.json`` and ``paths.md``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.bench_web import graph_bench_main, prepare_graph, quantile

FIELDS = ("keys", "via", "roles", "sources")


def _chains(rows: list[dict[str, Any]]) -> set[tuple]:
    return {tuple(tuple(r[f]) for f in FIELDS) for r in rows}


def run(data_dir: Path, orgs: int, pairs: int, limit: int, seed: int) -> dict[str, Any]:
    from cypher import library, open_store
    from cypher.paths import shortest_paths

    facts = prepare_graph(data_dir, orgs, rebuild=False, with_measures=False)
    store = open_store({"data_dir": data_dir, "graph_name": facts["graph"]})
    rnd = random.Random(seed)
    rows, mismatches = [], []
    try:
        library.run(store, "network/shortest_paths", {"from_orgnr": "800000000", "to_orgnr": "800000001",
                                                      "limit": limit}, timeout_s=120)  # warm the caches
        for _ in range(pairs):
            a, b = rnd.sample(range(orgs), 2)
            a, b = f"{800000000 + a}", f"{800000000 + b}"
            t0 = time.perf_counter()
            theirs = library.run(store, "network/shortest_paths",
                                 {"from_orgnr": a, "to_orgnr": b, "limit": limit}, timeout_s=120)
            t1 = time.perf_counter()
            ours = shortest_paths(store, a, b, limit=limit, timeout_s=120)
            t2 = time.perf_counter()
            hops = sorted({r["hops"] for r in ours})
            same = (sorted({r["hops"] for r in theirs}) == hops and len(theirs) == len(ours)
                    and (len(ours) == limit or _chains(ours) == _chains(theirs)))
            if not same:
                mismatches.append((a, b))
            rows.append({"from": a, "to": b, "hops": hops[0] if hops else None, "chains": len(ours),
                         "all_shortest_paths_ms": round((t1 - t0) * 1000, 2), "search_ms": round((t2 - t1) * 1000, 2),
                         "same": same})
    finally:
        store.close()

    def summary(key: str) -> dict[str, float]:
        xs = sorted(r[key] for r in rows)
        return {"median_ms": round(statistics.median(xs), 1), "p95_ms": quantile(xs, 0.95), "max_ms": xs[-1]}

    peer, ours_s = summary("all_shortest_paths_ms"), summary("search_ms")
    return {"graph": facts, "orgs": orgs, "pairs": pairs, "limit": limit, "seed": seed,
            "all_shortest_paths": peer, "search": ours_s,
            "median_ratio": peer["median_ms"] / ours_s["median_ms"] if ours_s["median_ms"] else None,
            "mismatches": mismatches, "per_pair": rows}


def markdown(res: dict[str, Any], command: str) -> str:
    g = res["graph"]
    lines = [
        "# Path finder: breadth-first search against allShortestPaths",
        "",
        f"`{command}`",
        "",
        (f"Graph `{g['graph']}`: {res['orgs']:,} organisations, {g['nodes']:,} nodes, "
         f"{g['relationships']:,} relationships, FalkorDB {g['store_version']}. {res['pairs']} random pairs "
         f"(seed {res['seed']}), at most {res['limit']} chains of at most 6 hops each."),
        "",
        "| method | median | p95 | worst |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, key in (("allShortestPaths (`network/shortest_paths`)", "all_shortest_paths"),
                      ("search (`cypher.paths.shortest_paths`)", "search")):
        s = res[key]
        lines.append(f"| {name} | {s['median_ms']:.1f} ms | {s['p95_ms']:.1f} ms | {s['max_ms']:.1f} ms |")
    ratio = res["median_ratio"]
    hops = [r["hops"] for r in res["per_pair"] if r["hops"] is not None]
    lines += [
        "",
        f"Median ratio allShortestPaths / search: **{ratio:.1f}×**." if ratio else "",
        f"Pairs connected within 6 hops: {len(hops)} of {res['pairs']}"
        + (f" (hops {min(hops)}–{max(hops)})." if hops else "."),
        f"Answers that differ: {len(res['mismatches'])}"
        + (f" ({', '.join(f'{a}→{b}' for a, b in res['mismatches'])})." if res["mismatches"] else
           " (same hops and number of chains for every pair, and the same chains wherever fewer than the limit)."),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    def add_args(ap: argparse.ArgumentParser) -> None:
        ap.add_argument("--pairs", type=int, default=40, help="random pairs searched (default 40)")
        ap.add_argument("--limit", type=int, default=10, help="chains per pair, as the path finder (default 10)")
        ap.add_argument("--seed", type=int, default=1)

    res = graph_bench_main(argv, script="bench_paths.py", results="paths", description=__doc__.splitlines()[0],
                           add_args=add_args, markdown=markdown,
                           run=lambda data_dir, a: run(data_dir, a.orgs, a.pairs, a.limit, a.seed))
    return 1 if res["mismatches"] else 0


if __name__ == "__main__":
    sys.exit(main())
