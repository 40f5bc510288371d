"""Which firms fit which clusters (the study's phase 2).

Score
-----
``score = Σ_k w_k · component_k`` with components in [0, 1] (default weights in
:class:`FitWeights`; every row shows each component and its contribution):

industry
    NACE overlap with the cluster's members at several levels: for the candidate's
    code, the share of members sharing its division (2 digits, weight 0.4), group
    (``NN.N``, 0.2), class (``NN.NN``, 0.2) and subclass (``NN.NNN``, 0.2).
network
    ``0.5 · hop + 0.5 · ppr``: ``hop = 1/d`` for a candidate ``d`` interlock steps from
    the nearest member (0 beyond ``max_hops``); ``ppr`` is the candidate's percentile
    among all non-member organisations by personalised PageRank from the members
    (0 when the walk never reaches it).
helix
    Complementarity: ``1 − share of members in the candidate's helix sector`` (a
    university scores high for a cluster of firms); 0 for sector ``other`` (neither
    industry, academia, government nor an intermediary).
geography
    ``0.5 · [candidate's county = cluster's host county] + 0.5 · share of members in
    the candidate's county``; only the share when the host county is unknown.

The explanation names a concrete interlock path ("shares board member P with member
M"); persons appear by pseudonymous key unless the caller may see names.

Evaluation
----------
:func:`evaluate_holdout` hides a seeded share of each cluster's members, scores the
population against the remaining members, and reports where the hidden members rank
(hit rate at k, mean reciprocal rank) next to the hit rate a random ranking would get.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cypher import library
from gds_jobs.analysis.data import AnalysisData, load_data, person_names
from gds_jobs.analysis.frame import build_frame, current_memberships
from gds_jobs.analysis.network import InterlockGraph
from gds_jobs.analysis.options import AnalysisOptions
from klynge.errors import ConfigError

COMPONENTS = ("industry", "network", "helix", "geography")
NACE_LEVELS: tuple[tuple[str, int, float], ...] = (("division", 2, 0.4), ("group", 4, 0.2), ("class", 5, 0.2),
                                                   ("subclass", 6, 0.2))


@dataclass(frozen=True)
class FitWeights:
    industry: float = 0.4
    network: float = 0.3
    helix: float = 0.1
    geography: float = 0.2

    def as_dict(self) -> dict[str, float]:
        return {k: getattr(self, k) for k in COMPONENTS}


@dataclass(frozen=True)
class FitOptions:
    weights: FitWeights = field(default_factory=FitWeights)
    max_hops: int = 3
    damping: float = 0.85
    iterations: int = 40  # error below 0.85**40 ≈ 0.0015 of the mass: enough for percentile ranks


def for_fit(frame: pd.DataFrame) -> pd.DataFrame:
    """The analysis frame with plain-object key columns and NACE prefixes precomputed (once per frame)."""
    if "nace_p6" in frame.columns:
        return frame
    f = frame.copy()
    for c in ("orgnr", "name", "nace", "helix", "county_code"):
        if c in f:
            f[c] = pd.Series(f[c].tolist(), index=f.index, dtype=object)
    codes = [str(c) if isinstance(c, str) else "" for c in f["nace"].tolist()]
    for _, length, _ in NACE_LEVELS:
        f[f"nace_p{length}"] = pd.Series([c[:length] if len(c) >= length else None for c in codes],
                                         index=f.index, dtype=object)
    return f


def industry_scores(candidates: pd.DataFrame, members: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Industry component and the per-level shares (see module docstring)."""
    cands, mems = for_fit(candidates), for_fit(members)
    levels = {}
    total = np.zeros(len(cands))
    n = len(mems)
    for name, length, w in NACE_LEVELS:
        col = f"nace_p{length}"
        counts = mems[col].dropna().value_counts() if n else pd.Series(dtype=float)
        keys = pd.Index(counts.index.tolist(), dtype=object)
        pos = keys.get_indexer(pd.Index(cands[col].tolist(), dtype=object)) if len(keys) else \
            np.full(len(cands), -1)
        vals = np.append(counts.to_numpy(float) / max(n, 1), 0.0)  # position -1 → the appended 0
        s = vals[pos]
        levels[name] = s
        total += w * s
    return total, pd.DataFrame(levels)


HELIX_SECTORS = ("industry", "academia", "government", "intermediary")


def helix_scores(candidate_helix: pd.Series, member_helix: pd.Series) -> np.ndarray:
    shares = member_helix.fillna("other").value_counts(normalize=True).to_dict() if len(member_helix) else {}
    h = candidate_helix.fillna("other")
    return np.where(h.isin(HELIX_SECTORS), 1.0 - h.map(lambda x: shares.get(x, 0.0)).to_numpy(float), 0.0)


def geography_scores(candidate_county: pd.Series, member_county: pd.Series, host_county: str | None) -> np.ndarray:
    shares = member_county.dropna().astype(str).value_counts().to_dict()
    n = len(member_county)
    share = candidate_county.map(lambda c: shares.get(str(c), 0) / n if n and c else 0.0).to_numpy(float)
    if host_county:
        host = (candidate_county.astype(str) == str(host_county).zfill(2)).to_numpy(float)
        return 0.5 * host + 0.5 * share
    return share


def percentile_among(values: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """Share of the positive ``pool`` values ≤ each value (0 for a value of 0)."""
    pos = np.sort(pool[pool > 0])
    if pos.size == 0:
        return np.zeros(len(values))
    out = np.searchsorted(pos, values, side="right") / pos.size
    return np.where(values > 0, out, 0.0)


def score_candidates(candidates: pd.DataFrame, members: pd.DataFrame, graph: InterlockGraph,
                     host_county: str | None = None, options: FitOptions | None = None,
                     ppr: np.ndarray | None = None, dist: np.ndarray | None = None) -> pd.DataFrame:
    """Score candidate organisations against one cluster's members (pure; see module docstring).

    Parameters
    ----------
    candidates, members : frames with ``orgnr``, ``nace``, ``helix``, ``county_code``.
    graph : the interlock graph.
    host_county : the cluster's host county code, if known.
    ppr, dist : precomputed PageRank column and hop distances from the members (else computed).

    Returns
    -------
    pandas.DataFrame
        ``orgnr``, ``score``, the four components, ``contrib_<component>``, ``hops``, ``ppr``,
        ``industry_<level>`` shares; in the candidates' order.
    """
    opts = options or FitOptions()
    w = opts.weights.as_dict()
    member_ids = [str(o) for o in members["orgnr"]]
    if dist is None:
        dist = graph.hops(member_ids, opts.max_hops)
    if ppr is None:
        ppr = graph.ppr([member_ids], opts.damping, opts.iterations)[:, 0]
    pos = graph.orgs.get_indexer(pd.Index([str(o) for o in candidates["orgnr"].tolist()], dtype=object))
    has = pos >= 0
    hops = np.full(len(candidates), np.inf)
    hops[has] = dist[pos[has]]
    cand_ppr = np.zeros(len(candidates))
    cand_ppr[has] = ppr[pos[has]]
    non_member = np.ones(len(graph), dtype=bool)
    non_member[graph.index(member_ids)] = False
    hop_score = np.where(np.isfinite(hops) & (hops > 0), 1.0 / np.where(hops > 0, hops, 1), 0.0)
    network = 0.5 * hop_score + 0.5 * percentile_among(cand_ppr, ppr[non_member])
    industry, levels = industry_scores(candidates, members)
    helix = helix_scores(candidates["helix"].reset_index(drop=True), members["helix"])
    geo = geography_scores(candidates["county_code"].reset_index(drop=True), members["county_code"], host_county)
    comps = {"industry": industry, "network": network, "helix": helix, "geography": geo}
    out = pd.DataFrame({"orgnr": candidates["orgnr"].astype(str).to_numpy()})
    out["score"] = sum(w[k] * comps[k] for k in COMPONENTS)
    for k in COMPONENTS:
        out[k] = comps[k]
    for k in COMPONENTS:
        out[f"contrib_{k}"] = w[k] * comps[k]
    out["hops"] = hops
    out["ppr"] = cand_ppr
    for name in levels.columns:
        out[f"industry_{name}"] = levels[name].to_numpy()
    return out


def explain(row: pd.Series, graph: InterlockGraph, member_ids: Sequence[str], names: dict[str, str],
            dist: np.ndarray, max_hops: int, person_label: dict[str, str] | None = None) -> tuple[str, str]:
    """``(explanation, path)``: the interlock path in words and as keys, plus the industry overlap."""
    parts = []
    path = graph.path_to(str(row["orgnr"]), member_ids, max_hops, dist)
    label = person_label or {}
    if path:
        words = []
        for i, st in enumerate(path):
            who = label.get(st.person, f"P:{st.person[:12]}")
            tgt = f"{names[st.b]} ({st.b})" if names.get(st.b) else st.b
            if i == len(path) - 1:
                words.append(f"shares board member {who} with member {tgt}")
            else:
                words.append(f"shares board member {who} with {tgt}, which")
        parts.append(" ".join(words))
        keys = " > ".join([path[0].a] + [f"{s.person} > {s.b}" for s in path])
    else:
        parts.append(f"no board link to a member within {max_hops} steps")
        keys = ""
    div = row.get("industry_division", 0.0)
    if div and div > 0:
        parts.append(f"{div:.0%} of members share its NACE division")
    return "; ".join(parts), keys


def _org_facts(frame: pd.DataFrame, orgnrs: Sequence[str]) -> pd.DataFrame:
    idx = pd.Index(frame["orgnr"].to_numpy(dtype=object), dtype=object)
    pos = idx.get_indexer(pd.Index(list(orgnrs), dtype=object))
    return frame.iloc[pos[pos >= 0]].reset_index(drop=True)


def _rank_table(scores: pd.DataFrame, frame: pd.DataFrame, top: int) -> pd.DataFrame:
    info = frame.set_index("orgnr")
    out = scores.sort_values(["score", "orgnr"], ascending=[False, True]).head(top).reset_index(drop=True)
    out.insert(0, "rank", range(1, len(out) + 1))
    out.insert(2, "name", out["orgnr"].map(info["name"]) if "name" in info else None)
    return out


def cluster_member_ids(data: AnalysisData, options: AnalysisOptions, cluster_id: str) -> list[str]:
    mem = current_memberships(data, options)
    return sorted(set(mem.loc[mem["cluster_id"] == cluster_id, "orgnr"].astype(str)))


def cluster_candidates(frame: pd.DataFrame, data: AnalysisData, graph: InterlockGraph, cluster_id: str,
                       options: AnalysisOptions, fit: FitOptions | None = None, top: int = 50,
                       person_label: dict[str, str] | None = None,
                       org_names: dict[str, str] | None = None, ppr: np.ndarray | None = None,
                       member_ids: list[str] | None = None) -> pd.DataFrame:
    """Ranked candidate firms in the region (population, not members) for one cluster (pure).

    ``ppr`` is the cluster's precomputed PageRank column and ``member_ids`` its members
    (both computed here when None).
    """
    fopts = fit or FitOptions()
    frame = for_fit(frame)
    if member_ids is None:
        member_ids = cluster_member_ids(data, options, cluster_id)
    if not member_ids:
        raise ConfigError(f"cluster {cluster_id!r} has no members in the graph; load the cluster member lists "
                          "(`klynge load clusters`) or pick another cluster")
    members = _org_facts(frame, member_ids)
    pop = frame["in_population"].fillna(False).astype(bool) & frame["region"].fillna(False).astype(bool)
    cands = frame[pop & ~frame["orgnr"].isin(member_ids)].reset_index(drop=True)
    crow = data.clusters.set_index("cluster_id").loc[cluster_id] if cluster_id in set(data.clusters["cluster_id"]) \
        else None
    host = crow["host_county"] if crow is not None else None
    dist = graph.hops(member_ids, fopts.max_hops)
    scores = score_candidates(cands, members, graph, host, fopts, ppr=ppr, dist=dist)
    out = _rank_table(scores, frame, top)
    names = {**(org_names or {}), **dict(zip(frame["orgnr"], frame["name"], strict=True))}
    exp = [explain(r, graph, member_ids, names, dist, fopts.max_hops, person_label) for _, r in out.iterrows()]
    out["explanation"] = [e[0] for e in exp]
    out["path"] = [e[1] for e in exp]
    out.insert(1, "cluster_id", cluster_id)
    out.attrs.update({"title": f"Candidate firms for cluster {cluster_id}", "members": len(member_ids),
                      "candidates": len(cands)})
    return out


def clusters_for_firm(frame: pd.DataFrame, data: AnalysisData, graph: InterlockGraph, orgnr: str,
                      options: AnalysisOptions, fit: FitOptions | None = None, top: int = 10,
                      person_label: dict[str, str] | None = None,
                      org_names: dict[str, str] | None = None) -> pd.DataFrame:
    """Ranked clusters for one organisation (pure)."""
    fopts = fit or FitOptions()
    frame = for_fit(frame)
    if orgnr not in set(frame["orgnr"]):
        raise ConfigError(f"organisation {orgnr} is not in the graph; check the organisation number")
    mem = current_memberships(data, options)
    cand = frame[frame["orgnr"] == orgnr].reset_index(drop=True)
    clusters = data.clusters.set_index("cluster_id")
    ids = sorted(set(mem["cluster_id"]))
    member_sets = [sorted(set(mem.loc[mem["cluster_id"] == c, "orgnr"].astype(str)) - {orgnr}) for c in ids]
    keep = [i for i, m in enumerate(member_sets) if m]
    ids = [ids[i] for i in keep]
    member_sets = [member_sets[i] for i in keep]
    if not ids:
        return pd.DataFrame(columns=["rank", "cluster_id", "name", "level", "score", *COMPONENTS, "explanation"])
    pprs = graph.ppr(member_sets, fopts.damping, fopts.iterations)
    names = {**(org_names or {}), **dict(zip(frame["orgnr"], frame["name"], strict=True))}
    rows = []
    for j, (cid, mids) in enumerate(zip(ids, member_sets, strict=True)):
        members = _org_facts(frame, mids)
        host = clusters.loc[cid, "host_county"] if cid in clusters.index else None
        dist = graph.hops(mids, fopts.max_hops)
        s = score_candidates(cand, members, graph, host, fopts, ppr=pprs[:, j], dist=dist).iloc[0]
        text, path = explain(s, graph, mids, names, dist, fopts.max_hops, person_label)
        rows.append({"cluster_id": cid, "name": clusters.loc[cid, "name"] if cid in clusters.index else cid,
                     "level": clusters.loc[cid, "level"] if cid in clusters.index else None,
                     "member": orgnr in set(mem.loc[mem["cluster_id"] == cid, "orgnr"]),
                     "members": len(mids), **{k: s[k] for k in s.index if k != "orgnr"},
                     "explanation": text, "path": path})
    out = pd.DataFrame(rows).sort_values(["score", "cluster_id"], ascending=[False, True]).head(top)
    out = out.reset_index(drop=True)
    out.insert(0, "rank", range(1, len(out) + 1))
    out.insert(1, "orgnr", orgnr)
    out.attrs["title"] = f"Clusters that fit organisation {orgnr}"
    return out


def evaluate_holdout(frame: pd.DataFrame, data: AnalysisData, graph: InterlockGraph, options: AnalysisOptions,
                     fit: FitOptions | None = None, *, fraction: float = 0.2, ks: Sequence[int] = (10, 50),
                     min_members: int = 5, clusters: Sequence[str] | None = None, seed: int | None = None
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hold out members, rank them among the population, and report how high they come.

    For each cluster with at least ``min_members`` members, a seeded ``fraction`` of
    the members (at least one) is hidden; the population (plus the hidden members)
    minus the remaining members is scored against the remaining members. A hidden
    member's rank counts ties as half (mid-rank). Also reported per scoring variant:
    the full score and each component alone.

    Returns
    -------
    (per_cluster, summary)
        ``per_cluster``: cluster_id, members, held_out, candidates, ``hit@k``, ``mrr``,
        ``median_rank``, ``random_hit@k``. ``summary``: one row per variant (full,
        industry, network, helix, geography) with micro-averaged hit@k and MRR over all
        held-out members and the random baseline.
    """
    fopts = fit or FitOptions()
    frame = for_fit(frame)
    rng = np.random.default_rng(options.seed if seed is None else seed)
    mem = current_memberships(data, options)
    ids = sorted(set(mem["cluster_id"])) if clusters is None else list(clusters)
    pop_ids = set(frame.loc[frame["in_population"].fillna(False).astype(bool), "orgnr"])
    per: list[dict[str, Any]] = []
    ranks_by_variant: dict[str, list[float]] = {v: [] for v in ("full", *COMPONENTS)}
    random_hits: dict[int, list[float]] = {k: [] for k in ks}
    splits = []
    for cid in ids:
        mids = sorted(set(mem.loc[mem["cluster_id"] == cid, "orgnr"].astype(str)) & set(frame["orgnr"]))
        if len(mids) < min_members:
            continue
        n_hold = max(1, round(fraction * len(mids)))
        held = sorted(rng.choice(mids, size=n_hold, replace=False).tolist())
        kept = sorted(set(mids) - set(held))
        splits.append((cid, held, kept))
    if not splits:
        empty = pd.DataFrame(columns=["cluster_id", "members", "held_out", "candidates"])
        return empty, pd.DataFrame(columns=["variant", "held_out", *[f"hit@{k}" for k in ks], "mrr"])
    pprs = graph.ppr([s[2] for s in splits], fopts.damping, fopts.iterations)
    clusters_idx = data.clusters.set_index("cluster_id")
    for j, (cid, held, kept) in enumerate(splits):
        pool_ids = sorted((pop_ids | set(held)) - set(kept))
        cands = _org_facts(frame, pool_ids)
        members = _org_facts(frame, kept)
        host = clusters_idx.loc[cid, "host_county"] if cid in clusters_idx.index else None
        s = score_candidates(cands, members, graph, host, fopts, ppr=pprs[:, j],
                             dist=graph.hops(kept, fopts.max_hops))
        is_held = s["orgnr"].isin(held).to_numpy()
        row = {"cluster_id": cid, "members": len(held) + len(kept), "held_out": len(held), "candidates": len(s)}
        for variant in ("full", *COMPONENTS):
            v = s["score" if variant == "full" else variant].to_numpy(float)
            r = _mid_ranks(v, is_held)
            ranks_by_variant[variant] += r.tolist()
            if variant == "full":
                for k in ks:
                    row[f"hit@{k}"] = float(np.mean(r <= k))
                    row[f"random_hit@{k}"] = min(1.0, k / len(s))
                    random_hits[k] += [min(1.0, k / len(s))] * len(r)
                row["mrr"] = float(np.mean(1.0 / r))
                row["median_rank"] = float(np.median(r))
        per.append(row)
    summary = []
    for variant, ranks in ranks_by_variant.items():
        r = np.asarray(ranks, dtype=float)
        summary.append({"variant": variant, "held_out": int(r.size),
                        **{f"hit@{k}": float(np.mean(r <= k)) for k in ks},
                        "mrr": float(np.mean(1.0 / r)), "median_rank": float(np.median(r))})
    summary.append({"variant": "random ranking (expected)", "held_out": len(random_hits[ks[0]]),
                    **{f"hit@{k}": float(np.mean(random_hits[k])) for k in ks}, "mrr": math.nan,
                    "median_rank": math.nan})
    per_df = pd.DataFrame(per)
    sum_df = pd.DataFrame(summary)
    per_df.attrs["title"] = "Hold-out evaluation per cluster"
    sum_df.attrs.update({"title": "Hold-out evaluation: how high hidden members rank",
                         "notes": [(f"A seeded {fraction:.0%} of each cluster's members (clusters with at least "
                                   f"{min_members} members) is hidden and ranked among the population; ties "
                                   "count as half. 'random ranking' is k / candidates.")]})
    return per_df, sum_df


def _mid_ranks(values: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Rank (1 = best, ties as half) of each target among all values (higher is better)."""
    srt = np.sort(values)
    out = []
    for v in values[targets]:
        greater = srt.size - np.searchsorted(srt, v, side="right")
        equal = np.searchsorted(srt, v, side="right") - np.searchsorted(srt, v, side="left") - 1
        out.append(1.0 + greater + 0.5 * equal)
    return np.asarray(out, dtype=float)


# --- store-reading entry points -------------------------------------------------------------------

def _prepare(store: Any, region: str | None, options: AnalysisOptions | None, measures: Any,
             data: AnalysisData | None, extra: Sequence[str] = ()) -> tuple[AnalysisData, pd.DataFrame, InterlockGraph]:
    opts = (options or AnalysisOptions()).with_(population="all")  # every helix: candidates complement members
    if data is None:
        data = load_data(store, region, opts, measures=measures if measures is not None else _no_measures,
                         extra_orgnrs=extra)
    frame = build_frame(data, opts, network=False)
    graph = InterlockGraph(data.seats, extra_orgnrs=frame["orgnr"])
    return data, frame, graph


def _no_measures(store: Any, orgnrs: Sequence[str] | None = None) -> pd.DataFrame:
    return pd.DataFrame({"orgnr": pd.Series([], dtype=object)})


def _labels(store: Any, table: pd.DataFrame, show_names: bool) -> dict[str, str] | None:
    if not show_names or table.empty:
        return None
    keys = sorted({p for path in table["path"] for p in path.split(" > ")[1::2] if p})
    return {k: v for k, v in person_names(store, keys).items() if v}


def path_org_names(store: Any, table: pd.DataFrame, frame: pd.DataFrame) -> dict[str, str]:
    """Names of the organisations on explanation paths that the analysis frame does not hold."""
    if table.empty or "path" not in table:
        return {}
    known = set(frame["orgnr"])
    need = sorted({o for path in table["path"] for o in path.split(" > ")[0::2] if o and o not in known})
    if not need:
        return {}
    rows = library.run(store, "analysis/organizations_by_orgnr", {"orgnrs": need})
    return {str(r["orgnr"]): str(r["name"]) for r in rows if r.get("name")}


def fit_for_cluster(store: Any, cluster_id: str, region_id: str, top: int = 50, *,
                    options: AnalysisOptions | None = None, fit: FitOptions | None = None,
                    show_names: bool = False, data: AnalysisData | None = None) -> pd.DataFrame:
    """Ranked candidate firms in ``region_id`` for cluster ``cluster_id`` (id or exact name).

    Parameters
    ----------
    show_names : put person names in the explanations (only for callers allowed to see names);
        otherwise persons appear by pseudonymous key.

    Raises
    ------
    ConfigError
        When the cluster or region is unknown or the cluster has no members.
    """
    opts = options or AnalysisOptions()
    data, frame, graph = _prepare(store, region_id, opts, None, data)
    cid = _resolve_cluster(data, cluster_id)
    out = cluster_candidates(frame, data, graph, cid, opts, fit, top)
    labels = _labels(store, out, show_names)
    orgs = path_org_names(store, out, frame)
    if labels or orgs:
        out = cluster_candidates(frame, data, graph, cid, opts, fit, top, labels, orgs)
    return out


def fit_for_firm(store: Any, orgnr: str, top: int = 10, *, options: AnalysisOptions | None = None,
                 fit: FitOptions | None = None, show_names: bool = False,
                 data: AnalysisData | None = None) -> pd.DataFrame:
    """Ranked clusters for organisation ``orgnr`` (clusters it already belongs to are flagged ``member``)."""
    opts = options or AnalysisOptions()
    data, frame, graph = _prepare(store, None, opts, None, data, extra=[str(orgnr)])
    out = clusters_for_firm(frame, data, graph, str(orgnr), opts, fit, top)
    labels = _labels(store, out, show_names)
    orgs = path_org_names(store, out, frame)
    if labels or orgs:
        out = clusters_for_firm(frame, data, graph, str(orgnr), opts, fit, top, labels, orgs)
    return out


def _resolve_cluster(data: AnalysisData, cluster: str) -> str:
    c = data.clusters
    if cluster in set(c["cluster_id"]):
        return cluster
    hit = c[c["name"].fillna("").str.casefold() == str(cluster).casefold()]
    if len(hit):
        return str(hit["cluster_id"].iloc[0])
    known = ", ".join(f"{r.cluster_id} ({r.name})" for r in c.head(20).itertuples())
    raise ConfigError(f"no cluster with id or name {cluster!r}; known clusters include: {known or 'none'}")
