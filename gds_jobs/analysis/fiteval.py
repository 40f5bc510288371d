"""Leave-members-out evaluation of the cluster-fit score against its baselines.

Protocol
--------
For each of ``seeds`` seeds and every eligible cluster (at least ``min_members`` current
members, one of them a candidate; :func:`gds_jobs.analysis.fitmodel.make_splits`), a seeded
``fraction`` of the cluster's candidate members is hidden and every candidate that is not a
visible member is scored against the visible members. The weights of each variant are
*cross-fitted*: the clusters are dealt into ``folds`` groups (a new deal per seed) and the
clusters of one group are scored with weights fitted on the splits of the other groups only, so
no cluster is ever scored by weights that saw its own members.

Variants
--------
``full`` (every part), ``industry only``, ``network only``, ``geography only`` (the parts of one
group, weights fitted the same way), ``NACE overlap only`` (the ``nace`` part alone: the industry part
of the earlier score), ``earlier fixed score`` (0.4 · nace + 0.3 · (0.5 · reach +
0.5 · pagerank) + 0.2 · (0.5 · host county + 0.5 · county share): the score this one replaced,
without its helix part, which is the same for every firm) and ``random`` (uniform random scores).

Metrics (per hidden member, then averaged)
-------------------------------------------
``rank``   ``1 + g + t/2`` with ``g`` the other candidates scoring higher and ``t`` those scoring the
           same — only the cluster's non-members count (other hidden members are not competitors);
``hit@k``  ``[rank ≤ k]``;
``mrr``    ``1 / rank`` (mean reciprocal rank);
``auc``    ``1 − (g + t/2) / n`` with ``n`` the non-member candidates: the probability that the
           hidden member outscores a random non-member (ties half) — the Mann–Whitney ``U / (n₁ n₀)``
           of the split, averaged over its hidden members.

A cluster's value is the mean over its hidden members and the seeds; the table reports the mean
over clusters (every cluster counts once, however large) with a 95 % percentile-bootstrap
interval over clusters (:func:`gds_jobs.analysis.stats.bootstrap_mean_ci`), and the paired
difference ``full − baseline`` per cluster with its own interval.

Edge cases: clusters without a candidate member, with fewer than ``min_members`` members, or
without any other candidate to rank the hidden members against are not evaluated (the notes count
them, and say why when none is); with fewer than three eligible clusters the weights are the
prior ones (:data:`gds_jobs.analysis.fitmodel.PRIOR_WEIGHTS`) and the notes say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gds_jobs.analysis.fitmodel import (
    FitContext,
    Weights,
    eligible,
    fit_weights,
    make_splits,
    split_parts,
    training_frame,
)
from gds_jobs.analysis.fitparts import PART_NAMES, PARTS_OF
from gds_jobs.analysis.stats import bootstrap_mean_ci

#: Variant -> the parts whose weights are fitted (None: not a fitted variant).
VARIANTS: dict[str, tuple[str, ...] | None] = {
    "full": PART_NAMES,
    "industry only": PARTS_OF["industry"],
    "NACE overlap only": None,
    "network only": PARTS_OF["network"],
    "geography only": PARTS_OF["geography"],
    "earlier fixed score": None,
    "random": None,
}
#: The baselines the full score must beat on hit@10 to be called better than industry alone.
INDUSTRY_BASELINES = ("industry only", "NACE overlap only")
METRICS = ("hit@10", "hit@50", "mrr", "auc")


def earlier_score(v: dict[str, np.ndarray]) -> np.ndarray:
    """The score this one replaced (module docstring), from the parts."""
    return (0.4 * v["nace"] + 0.3 * (0.5 * v["reach"] + 0.5 * v["pagerank"])
            + 0.2 * (0.5 * v["host_county"] + 0.5 * v["county"]))


def rank_metrics(scores: np.ndarray, positive: np.ndarray, ks: Sequence[int] = (10, 50)) -> dict[str, float]:
    """The metrics of the module docstring for one split (``positive`` marks the hidden members)."""
    neg = np.sort(scores[~positive])
    n = neg.size
    pos = scores[positive]
    greater = n - np.searchsorted(neg, pos, side="right")
    ties = np.searchsorted(neg, pos, side="right") - np.searchsorted(neg, pos, side="left")
    rank = 1.0 + greater + 0.5 * ties
    out = {f"hit@{k}": float(np.mean(rank <= k)) for k in ks}
    out["mrr"] = float(np.mean(1.0 / rank))
    out["auc"] = float(np.mean(1.0 - (greater + 0.5 * ties) / n)) if n else float("nan")
    out["median_rank"] = float(np.median(rank))
    return out


@dataclass
class Evaluation:
    """The evaluation's tables: ``summary`` (variant × metric with CIs), ``differences`` (full − baseline),
    ``clusters`` (per cluster and variant), ``weights`` (the full score's weights fitted on every
    cluster) and ``notes`` (protocol, data, the generator's member rule when synthetic, verdict)."""

    summary: pd.DataFrame
    differences: pd.DataFrame
    clusters: pd.DataFrame
    weights: Weights | None
    notes: list[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        return str(self.meta.get("verdict", ""))


def evaluate(ctx: FitContext, *, clusters: str | Sequence[str] = "in", seeds: int = 10, fraction: float = 0.2,
             folds: int = 5, min_members: int = 3, negatives: int = 300, ks: Sequence[int] = (10, 50),
             seed: int = 0, bootstrap: int = 2000, confidence: float = 0.95,
             variants: Sequence[str] = tuple(VARIANTS)) -> Evaluation:
    """Run the protocol of the module docstring.

    Parameters
    ----------
    ctx : the fit context (:func:`gds_jobs.analysis.fitmodel.context`).
    clusters : ``in`` (Innovasjon Norge levels, default), ``all`` (SIVA programmes too) or ids/names.
    seeds : independent repetitions (new hidden members, new deal of folds, new negatives).
    fraction : share of each cluster's candidate members hidden per split.
    folds : groups of clusters for cross-fitting the weights.
    negatives : sampled non-members per split in the training examples.
    seed : base seed (repetition ``s`` uses ``seed + s``).
    """
    asked = ctx.cluster_ids(clusters)
    ids = eligible(ctx, asked, min_members)
    rows: list[dict] = []
    for s in range(seeds):
        rng = np.random.default_rng(seed + s)
        splits = make_splits(ctx, ids, rng, fraction=fraction, min_members=min_members)
        computed = split_parts(ctx, splits)
        keep = [i for i, (pool, _) in enumerate(computed) if pool.size > splits[i].hidden.size]  # a non-member
        splits, computed = [splits[i] for i in keep], [computed[i] for i in keep]
        if not splits:
            continue
        for train, test in cluster_folds(len(splits), folds, rng):
            X, y = training_frame([splits[i] for i in train], [computed[i] for i in train], rng, negatives)
            fitted = {v: fit_weights(X, y, clusters=len(train), names=names)
                      for v, names in VARIANTS.items() if names is not None and v in variants}
            for i in test:
                pool, vals = computed[i]
                positive = np.isin(pool, splits[i].hidden)
                for v in variants:
                    if v == "random":
                        sc = rng.random(pool.size)
                    elif v == "earlier fixed score":
                        sc = earlier_score(vals)
                    elif v == "NACE overlap only":
                        sc = vals["nace"]
                    else:
                        sc = fitted[v].score(vals)
                    rows.append({"seed": seed + s, "cluster_id": splits[i].cluster_id, "variant": v,
                                 "hidden": int(positive.sum()), "candidates": int(pool.size),
                                 **rank_metrics(sc, positive, ks)})
    per = pd.DataFrame(rows)
    metrics = [f"hit@{k}" for k in ks] + ["mrr", "auc"]
    if per.empty:
        empty = pd.DataFrame(columns=["variant", "clusters", *metrics])
        ev = Evaluation(empty, empty.copy(), per, None, [_nothing_note(ctx, asked, min_members)])
        ev.meta.update({"clusters_asked": len(asked), "clusters_evaluated": 0, "candidates": int(ctx.candidates.size),
                        "verdict": "Not evaluated: no cluster can be evaluated (see the notes)."})
        return ev
    by_cluster = per.groupby(["variant", "cluster_id"], sort=False).agg(
        hidden=("hidden", "sum"), candidates=("candidates", "mean"), **{m: (m, "mean") for m in metrics},
        median_rank=("median_rank", "median")).reset_index()
    summary, diffs = _summarise(by_cluster, variants, metrics, bootstrap, confidence, seed)
    weights = _final_weights(ctx, ids, seeds=range(seed, seed + min(seeds, 3)), fraction=fraction,
                             min_members=min_members, negatives=negatives)
    ev = Evaluation(summary, diffs, by_cluster, weights)
    ev.meta.update({"clusters_asked": len(asked), "clusters_evaluated": int(per["cluster_id"].nunique()),
                    "seeds": seeds, "fraction": fraction, "folds": folds, "candidates": int(ctx.candidates.size),
                    "population": ctx.population, "min_employees": ctx.options.min_employees,
                    "hidden_per_seed": float(per[per["variant"] == variants[0]].groupby("seed")["hidden"].sum().mean()),
                    "confidence": confidence})
    ev.meta["verdict"] = _verdict(summary, diffs, confidence)
    ev.notes += _notes(ev, ctx, clusters, min_members)
    return ev


def cluster_folds(n: int, folds: int, rng: np.random.Generator) -> list[tuple[list[int], list[int]]]:
    """``(train, test)`` split positions for cross-fitting: the ``n`` splits (one per cluster) dealt at random
    into ``min(folds, n)`` groups (at least 2); every split is in exactly one test group and never in its own
    group's training positions."""
    order = rng.permutation(n)
    k = max(2, min(folds, n))
    fold_of = np.empty(n, dtype=int)
    fold_of[order] = np.arange(n) % k
    return [([i for i in range(n) if fold_of[i] != f], [i for i in range(n) if fold_of[i] == f]) for f in range(k)]


def _summarise(by_cluster: pd.DataFrame, variants: Sequence[str], metrics: Sequence[str], bootstrap: int,
               confidence: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, diffs = [], []
    wide = {m: by_cluster.pivot(index="cluster_id", columns="variant", values=m) for m in metrics}
    for v in variants:
        sub = by_cluster[by_cluster["variant"] == v]
        row: dict = {"variant": v, "clusters": int(len(sub)), "hidden": int(sub["hidden"].sum())}
        for m in metrics:
            x = sub[m].to_numpy(float)
            lo, hi = bootstrap_mean_ci(x, resamples=bootstrap, confidence=confidence, seed=seed)
            row.update({m: float(x.mean()), f"{m}_ci_low": lo, f"{m}_ci_high": hi})
        rows.append(row)
        if v != "full" and "full" in variants:
            d: dict = {"comparison": f"full − {v}"}
            for m in metrics:
                x = (wide[m]["full"] - wide[m][v]).dropna().to_numpy(float)
                lo, hi = bootstrap_mean_ci(x, resamples=bootstrap, confidence=confidence, seed=seed)
                d.update({m: float(x.mean()), f"{m}_ci_low": lo, f"{m}_ci_high": hi})
            diffs.append(d)
    return pd.DataFrame(rows), pd.DataFrame(diffs)


def _final_weights(ctx: FitContext, ids: Sequence[str], **kw) -> Weights:
    from gds_jobs.analysis.fitmodel import fit_on

    return fit_on(ctx, ids, **kw)


def _verdict(summary: pd.DataFrame, diffs: pd.DataFrame, confidence: float) -> str:
    """Whether the full score beats the stronger industry-only baseline on hit@10 (non-overlapping intervals)."""
    s = summary.set_index("variant")
    base = [b for b in INDUSTRY_BASELINES if b in s.index]
    if "full" not in s.index or not base:
        return "not compared"
    best = max(base, key=lambda b: (s.loc[b, "hit@10"], b))
    f, i = s.loc["full"], s.loc[best]
    level = f"{confidence:.0%}"

    def show(r: pd.Series) -> str:
        return f"{r['hit@10']:.3f} [{r['hit@10_ci_low']:.3f}, {r['hit@10_ci_high']:.3f}]"

    d = diffs.set_index("comparison").loc[f"full − {best}"]
    paired = (f"paired difference per cluster {d['hit@10']:+.3f} [{d['hit@10_ci_low']:+.3f}, "
              f"{d['hit@10_ci_high']:+.3f}]")
    if f["hit@10_ci_low"] > i["hit@10_ci_high"]:
        return (f"The full score beats the stronger industry-only baseline ({best}) on hit@10 with non-overlapping "
                f"{level} intervals: {show(f)} against {show(i)}; {paired}.")
    return (f"The full score does NOT beat the stronger industry-only baseline ({best}) on hit@10 with "
            f"non-overlapping {level} intervals: {show(f)} against {show(i)}; {paired}.")


def _notes(ev: Evaluation, ctx: FitContext, clusters: str | Sequence[str], min_members: int) -> list[str]:
    m = ev.meta
    which = {"in": "Innovasjon Norge clusters (Arena, Arena Pro, GCE, NCE)",
             "all": "every cluster and SIVA programme"}.get(clusters if isinstance(clusters, str) else "",
                                                             "the clusters asked for")
    notes = [
        (f"Leave members out: {which} with at least {min_members} members of which one is a candidate — "
         f"{m['clusters_evaluated']} of {m['clusters_asked']} clusters; {m['seeds']} seeds, {m['fraction']:.0%} "
         "of each "
         f"cluster's candidate members hidden per seed (about {m['hidden_per_seed']:.0f} hidden members per seed), "
         f"ranked among {m['candidates']:,} candidates ({_population_words(ctx)}). Weights cross-fitted over "
         f"{m['folds']} folds of clusters: a cluster is never scored by weights fitted on its own members."),
        ("hit@k: share of hidden members ranked in the top k among the cluster's non-members; MRR: mean of 1/rank; "
         "AUC: chance a hidden member outscores a random non-member. Means over clusters (each counts once) with "
         f"{m['confidence']:.0%} bootstrap intervals over clusters; ties count half."),
    ]
    if ev.weights is not None:
        notes.append("Weights of the full score fitted on every evaluated cluster: " + ev.weights.describe() + ".")
    if m["clusters_evaluated"] < 10:
        notes.append(f"Only {m['clusters_evaluated']} cluster(s) could be evaluated: the intervals are wide or "
                     "undefined and no conclusion should be drawn from them.")
    return notes


def _nothing_note(ctx: FitContext, asked: Sequence[str], min_members: int) -> str:
    """Why nothing could be evaluated: each asked cluster's members and candidate members, and the candidates."""
    parts = []
    for cid in asked:
        mem = ctx.members.get(cid, np.zeros(0, dtype=np.int64))
        name = ctx.clusters.loc[ctx.clusters["cluster_id"] == cid, "name"]
        parts.append(f"{name.iloc[0] if len(name) else cid}: {mem.size} members in the graph, "
                     f"{int(ctx.is_candidate[mem].sum())} of them candidates")
    return (f"Nothing to evaluate: a cluster needs at least {min_members} members in the graph, one of them a "
            "candidate to hide, and at least one other candidate to rank it against. Clusters asked: "
            f"{'; '.join(parts) or 'none'}. Candidates: {ctx.candidates.size:,} ({_population_words(ctx)}).")


def _population_words(ctx: FitContext) -> str:
    if ctx.population == "firms":
        return (f"active industry firms that file accounts with at least {ctx.options.min_employees} employees, "
                "not in public administration or education: no municipality, school or other public body")
    return f"every active organisation with at least {ctx.options.min_employees} employees"
