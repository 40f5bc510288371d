"""The cluster-fit model: candidates, leave-members-out splits and weights fitted on them.

Candidates
----------
The population of :mod:`gds_jobs.analysis.population` — by default the ``firms``: active
organisations of the industry helix that file accounts, with at least ``min_employees``
registered employees (5, the study's population) — less the units whose main activity is public
administration or education (NACE 84 and 85, :data:`NOT_CANDIDATES`: schools, course providers and
public agencies organised as companies are not what a cluster recruits). So municipalities,
schools, universities, public bodies, associations and housing co-operatives are never
candidates by default; ``population="all"`` ranks every active organisation. A cluster's own
members are never its candidates.

Splits (leave members out)
--------------------------
For a cluster with at least ``min_members`` current members of which at least one is a
candidate, a seeded ``fraction`` of its candidate members (at least one; at most as many as
leave two members visible) is hidden. The parts of every candidate that is not a visible member
— the hidden members among them — are computed against the visible members only. A split is
the unit of both the evaluation and the fitting of the weights.

Weights
-------
``score = Σ_p w_p · part_p`` (parts: :mod:`gds_jobs.analysis.fitparts`). The weights are the
coefficients of a logistic regression of "is a hidden member" on the parts, fitted on splits:
positives are the hidden members, negatives a seeded sample of the other candidates of the same
split (``negatives`` per split). A part whose coefficient comes out negative is dropped and the
model refitted (until none is), so every part adds to the score and the score stays a sum of
named, non-negative parts; the intercept only shifts the log-odds and is not part of the score.
Parts that are on average no higher for the hidden members than for the other candidates are left
out (weight 0) before fitting: they cannot earn a positive weight, and an all-zero part among the
hidden members would make the likelihood unbounded.
Fitted by maximum likelihood (statsmodels ``Logit``); when that fails (perfect separation, no
convergence: tiny data) a ridge-penalised fit (statsmodels ``GLM(...).fit_regularized``,
``L1_wt=0``), and with fewer than :data:`MIN_POSITIVES` positives or fewer than
:data:`MIN_CLUSTERS` clusters, no fit at all: the :data:`PRIOR_WEIGHTS` (the earlier fixed score's
emphasis — industry 0.4, network 0.3, geography 0.2 — spread over the parts) are used and the
table says so.

References: D. W. Hosmer, S. Lemeshow and R. X. Sturdivant, *Applied Logistic Regression*, 3rd ed.
(2013); for link-prediction style evaluation of recommendations, L. Lü and T. Zhou, "Link
prediction in complex networks: a survey", Physica A 390 (2011).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from gds_jobs.analysis.data import AnalysisData
from gds_jobs.analysis.fitparts import (
    PART_NAMES,
    NetworkState,
    Universe,
    member_nodes,
    network_state,
    parts,
    relatedness,
)
from gds_jobs.analysis.frame import base_frame, cluster_kinds, current_memberships, population_mask
from gds_jobs.analysis.network import InterlockGraph
from gds_jobs.analysis.options import AnalysisOptions
from gds_jobs.analysis.population import filers, network_population, tie_seats
from klynge.reference.valueareas import ValueAreaRules
from klynge.errors import ConfigError

#: NACE prefixes (SN2025 and SN2007 alike) of firms that are not candidates: public administration and education.
NOT_CANDIDATES: tuple[str, ...] = ("84", "85")
MIN_POSITIVES = 20
MIN_CLUSTERS = 3
#: Weights used when there are too few splits to fit any (see the module docstring).
PRIOR_WEIGHTS: dict[str, float] = {"nace": 0.15, "value_chain": 0.15, "related": 0.1, "board_ties": 0.1, "reach": 0.1,
                                   "pagerank": 0.1, "county": 0.1, "municipality": 0.05, "host_county": 0.05}


@dataclass(frozen=True)
class Weights:
    """Weights of the parts (every part of :data:`PART_NAMES` present; 0 for a dropped one)."""

    weights: dict[str, float]
    intercept: float = 0.0
    fitted: bool = False
    positives: int = 0
    negatives: int = 0
    clusters: int = 0
    method: str = "prior"

    def score(self, values: dict[str, np.ndarray]) -> np.ndarray:
        """``Σ_p w_p · part_p`` of a dict of part arrays."""
        n = len(next(iter(values.values()))) if values else 0
        total = np.zeros(n)
        for p, w in self.weights.items():
            if w and p in values:
                total += w * values[p]
        return total

    def describe(self) -> str:
        shown = ", ".join(f"{w:.3g} × {p}" for p, w in self.weights.items() if w)
        if not self.fitted:
            return f"prior weights (too few clusters or hidden members to fit): {shown}"
        return (f"fitted by logistic regression ({self.method}) on {self.clusters} clusters, {self.positives} hidden "
                f"members and {self.negatives} other candidates: {shown}")


def prior_weights(names: Sequence[str] = PART_NAMES) -> Weights:
    return Weights({p: (PRIOR_WEIGHTS.get(p, 0.0) if p in names else 0.0) for p in PART_NAMES})


def fit_weights(X: pd.DataFrame, y: np.ndarray, *, clusters: int, names: Sequence[str] | None = None) -> Weights:
    """Non-negative logistic-regression weights of the parts ``names`` (module docstring).

    Parameters
    ----------
    X : one column per part, one row per example.
    y : 1 for a hidden member, 0 for another candidate.
    clusters : how many clusters the examples come from (below :data:`MIN_CLUSTERS`: prior weights).
    """
    cols = [c for c in (names or PART_NAMES) if c in X.columns]
    y = np.asarray(y, dtype=float)
    pos, neg = int(y.sum()), int((1 - y).sum())
    if pos < MIN_POSITIVES or clusters < MIN_CLUSTERS or neg == 0:
        return prior_weights(cols)
    is_pos = y > 0
    active = [c for c in cols if X[c].to_numpy(float)[is_pos].mean() > X[c].to_numpy(float)[~is_pos].mean()]
    method = "maximum likelihood"
    params: dict[str, float] = {}
    intercept = 0.0
    while active:
        res = _logit(X[active].to_numpy(float), y)
        if res is None:
            return prior_weights(cols)
        intercept, coefs, method = res
        params = dict(zip(active, coefs, strict=True))
        negative = [c for c in active if params[c] <= 0]
        if not negative:
            break
        active = [c for c in active if c not in negative]
    if not active:
        params = {}
    w = {p: float(params.get(p, 0.0)) if p in active else 0.0 for p in PART_NAMES}
    return Weights(w, float(intercept), True, pos, neg, clusters, method)


def _logit(X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray, str] | None:
    """(intercept, coefficients, method) of a logistic regression, or None when nothing converges."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    Xc = sm.add_constant(X, has_constant="add")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        warnings.simplefilter("error", PerfectSeparationWarning)
        warnings.simplefilter("error", RuntimeWarning)
        try:
            r = sm.Logit(y, Xc).fit(disp=0, maxiter=200)
            p = np.asarray(r.params, dtype=float)
            if r.mle_retvals.get("converged", True) and np.all(np.isfinite(p)):
                return float(p[0]), p[1:], "maximum likelihood"
        except (ConvergenceWarning, PerfectSeparationWarning, RuntimeWarning, np.linalg.LinAlgError,
                ValueError):
            pass
        try:
            alpha = np.r_[0.0, np.full(X.shape[1], 1e-3)]
            r = sm.GLM(y, Xc, family=sm.families.Binomial()).fit_regularized(alpha=alpha, L1_wt=0.0)
            p = np.asarray(r.params, dtype=float)
            if np.all(np.isfinite(p)):
                return float(p[0]), p[1:], "ridge-penalised"
        except (ConvergenceWarning, PerfectSeparationWarning, RuntimeWarning, np.linalg.LinAlgError,
                ValueError):
            pass
    return None


# --- the context: universe, candidates and clusters ------------------------------------------------


@dataclass(eq=False)
class FitContext:
    """Everything the fit needs from one read (pure data; see :func:`context`)."""

    universe: Universe
    candidates: np.ndarray  # rows of the candidate population
    clusters: pd.DataFrame  # cluster_id, name, level, programme, host_county, is_in, is_siva, synthetic
    members: dict[str, np.ndarray]  # cluster id -> member rows (current memberships)
    options: AnalysisOptions
    population: str
    names: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    frame: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    is_candidate: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def __post_init__(self) -> None:
        c = self.clusters
        self.info: dict[str, dict[str, Any]] = {str(r["cluster_id"]): r for r in c.to_dict("records")}
        self._hosts = {cid: self.universe.county_code(r.get("host_county")) for cid, r in self.info.items()}
        f = self.frame
        self.column = {k: np.asarray(f[k].tolist(), dtype=object) for k in ("helix", "nace", "municipality_code")
                       if k in f}

    def host(self, cluster_id: str) -> int:
        """The integer code of the cluster's host county (−1 when unknown)."""
        return self._hosts.get(cluster_id, -1)

    def resolve(self, cluster: str) -> str:
        """The id of the cluster with id or (case-insensitive) name ``cluster``.

        Raises
        ------
        ConfigError
            When no cluster has that id or name (the message lists some that exist).
        """
        if str(cluster) in self.info:
            return str(cluster)
        for cid, r in self.info.items():
            if str(r.get("name") or "").casefold() == str(cluster).casefold():
                return cid
        known = ", ".join(f"{cid} ({r.get('name')})" for cid, r in list(self.info.items())[:20])
        raise ConfigError(f"no cluster with id or name {cluster!r}; known clusters include: {known or 'none'}")

    def cluster_ids(self, which: str | Sequence[str] = "in") -> list[str]:
        """``in`` (Innovasjon Norge levels), ``all`` (every cluster and SIVA programme) or given ids/names;
        only clusters with members in the graph."""
        c = self.clusters
        if isinstance(which, str) and which == "in":
            ids = list(c.loc[c["is_in"], "cluster_id"])
        elif isinstance(which, str) and which == "all":
            ids = list(c["cluster_id"])
        else:
            ids = [self.resolve(w) for w in ([which] if isinstance(which, str) else which)]
        return sorted(i for i in ids if i in self.members)


def context(data: AnalysisData, options: AnalysisOptions | None = None, rules: ValueAreaRules | None = None,
            population: str | None = None) -> FitContext:
    """The fit's context from one read (:func:`gds_jobs.analysis.data.load_data`).

    ``population`` (default ``options.population``: ``firms``) names the candidates and the kind
    of organisation the network holds.
    """
    opts = options or AnalysisOptions()
    kind = population or opts.population
    frame = base_frame(data, opts).sort_values("orgnr", kind="stable").reset_index(drop=True)  # store-independent
    cand_mask = population_mask(frame, kind).to_numpy(bool)
    if kind == "firms":
        cand_mask = cand_mask & ~frame["nace"].fillna("").astype(str).str.startswith(NOT_CANDIDATES).to_numpy(bool)
    pop = network_population(data, kind, opts.active_only, filers(data.accounts))
    seats = tie_seats(data.interlock_seats, set(pop), opts.roles)
    net = InterlockGraph(seats, extra_orgnrs=())
    u = Universe.build(frame, net, rules)
    mem = current_memberships(data, opts)
    members = {}
    for cid, grp in mem.groupby("cluster_id"):
        rows = u.rows(sorted(set(grp["orgnr"].astype(str))))
        if rows.size:
            members[str(cid)] = np.sort(rows)
    kinds = cluster_kinds(data.clusters, opts)
    clusters = data.clusters.merge(kinds, on="cluster_id", how="left")
    clusters["is_in"] = clusters["is_in"].fillna(False).astype(bool)
    clusters["is_siva"] = clusters["is_siva"].fillna(False).astype(bool)
    return FitContext(u, np.flatnonzero(cand_mask), clusters, members, opts, kind,
                      np.asarray(frame["name"].tolist(), dtype=object), frame, cand_mask)


# --- splits and parts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Split:
    """One cluster with some candidate members hidden (``hidden``) and the rest visible (``kept``)."""

    cluster_id: str
    hidden: np.ndarray
    kept: np.ndarray


def make_splits(ctx: FitContext, cluster_ids: Iterable[str], rng: np.random.Generator, *, fraction: float = 0.2,
                min_members: int = 3) -> list[Split]:
    """Leave-members-out splits (module docstring), one per eligible cluster, in the order given."""
    out = []
    for cid in cluster_ids:
        mem = ctx.members.get(cid, np.zeros(0, dtype=np.int64))
        if mem.size < min_members:
            continue
        cand = mem[ctx.is_candidate[mem]]
        n_hide = min(max(1, int(round(fraction * cand.size))), mem.size - 2, cand.size)
        if n_hide < 1:
            continue
        hidden = np.sort(rng.choice(cand, size=n_hide, replace=False))
        out.append(Split(cid, hidden, np.setdiff1d(mem, hidden)))
    return out


def eligible(ctx: FitContext, cluster_ids: Iterable[str], min_members: int = 3) -> list[str]:
    """The clusters a split can be made of: at least ``min_members`` members, one of them a candidate."""
    return [c for c in cluster_ids if ctx.members.get(c, np.zeros(0)).size >= min_members
            and ctx.is_candidate[ctx.members[c]].any()]


def split_state(ctx: FitContext, member_sets: Sequence[np.ndarray]) -> NetworkState:
    return network_state(ctx.universe.net, [member_nodes(ctx.universe, m) for m in member_sets])


def pool_of(ctx: FitContext, kept: np.ndarray) -> np.ndarray:
    """The candidates of a member set: the candidate population minus the (visible) members."""
    return np.setdiff1d(ctx.candidates, kept, assume_unique=False)


def split_parts(ctx: FitContext, splits: Sequence[Split]) -> list[tuple[np.ndarray, dict[str, np.ndarray]]]:
    """For each split: its candidate rows (the pool, hidden members included) and their parts."""
    if not splits:
        return []
    state = split_state(ctx, [s.kept for s in splits])
    related = relatedness(ctx.universe, [s.kept for s in splits])
    out = []
    for j, s in enumerate(splits):
        pool = pool_of(ctx, s.kept)
        out.append((pool, parts(ctx.universe, s.kept, ctx.universe.take(pool), ctx.host(s.cluster_id), state, j,
                                related)))
    return out


def training_frame(splits: Sequence[Split], computed: Sequence[tuple[np.ndarray, dict[str, np.ndarray]]],
                   rng: np.random.Generator, negatives: int = 300) -> tuple[pd.DataFrame, np.ndarray]:
    """Examples for :func:`fit_weights`: every hidden member and ``negatives`` sampled other candidates
    per split."""
    blocks, ys = [], []
    for s, (pool, vals) in zip(splits, computed, strict=True):
        is_pos = np.isin(pool, s.hidden)
        neg = np.flatnonzero(~is_pos)
        take = rng.choice(neg, size=min(negatives, neg.size), replace=False) if neg.size else neg
        idx = np.concatenate([np.flatnonzero(is_pos), np.sort(take)])
        blocks.append(pd.DataFrame({p: v[idx] for p, v in vals.items()}))
        ys.append(is_pos[idx].astype(float))
    if not blocks:
        return pd.DataFrame(columns=list(PART_NAMES)), np.zeros(0)
    return pd.concat(blocks, ignore_index=True), np.concatenate(ys)


def fit_on(ctx: FitContext, cluster_ids: Sequence[str], *, seeds: Iterable[int], fraction: float = 0.2,
           min_members: int = 3, negatives: int = 300, names: Sequence[str] | None = None) -> Weights:
    """Weights fitted on leave-members-out splits of ``cluster_ids`` for each of ``seeds``."""
    Xs, ys, used = [], [], set()
    for seed in seeds:
        rng = np.random.default_rng(seed)
        splits = make_splits(ctx, cluster_ids, rng, fraction=fraction, min_members=min_members)
        X, y = training_frame(splits, split_parts(ctx, splits), rng, negatives)
        Xs.append(X)
        ys.append(y)
        used |= {s.cluster_id for s in splits}
    X = pd.concat(Xs, ignore_index=True) if Xs else pd.DataFrame(columns=list(PART_NAMES))
    y = np.concatenate(ys) if ys else np.zeros(0)
    return fit_weights(X, y, clusters=len(used), names=names)
