"""The cluster-fit model: every candidate firm scored against every cluster, with what explanations need
(:class:`FitModel`, :func:`build_model`)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from gds_jobs.analysis.data import (AnalysisData)
from gds_jobs.analysis.fitmodel import (
    FitContext,
    Weights,
    context,
    eligible,
    fit_on,
    pool_of,
    split_state,
)
from gds_jobs.analysis.fitparts import (
    NACE_LEVELS,
    Coded,
    NetworkState,
    parts,
    relatedness,
)
from gds_jobs.analysis.options import AnalysisOptions
from klynge.reference.valueareas import ValueAreaRules

log = logging.getLogger(__name__)

#: Seeds of the splits the production weights are fitted on.
FIT_SEEDS = 3
MAX_HOPS = 3
SIMILAR_MEMBERS = 3
MAX_CHAINS = 3


@dataclass(eq=False)
class FitModel:
    """Every candidate scored against every cluster, with what explanations need (see module docstring)."""

    ctx: FitContext
    weights: Weights
    cluster_ids: tuple[str, ...]
    state: NetworkState
    related: np.ndarray
    ranked: dict[str, tuple[np.ndarray, np.ndarray]]  # cluster -> (candidate rows, scores), best first
    municipalities: dict[str, str] = field(default_factory=dict)
    version: tuple = ()
    build_seconds: float = 0.0

    @cached_property
    def column(self) -> dict[str, int]:
        """Each cluster's column in the network state."""
        return {c: j for j, c in enumerate(self.cluster_ids)}

    def cluster(self, cluster_id: str) -> dict[str, Any]:
        return self.ctx.info[cluster_id]

    # --- scoring ---------------------------------------------------------------------------------

    def _member_view(self, cluster_id: str, exclude_row: int | None) -> tuple[np.ndarray, NetworkState, int]:
        """The members a candidate is compared with (all but ``exclude_row``) and their network state."""
        members = self.ctx.members.get(cluster_id, np.zeros(0, dtype=np.int64))
        if exclude_row is not None and exclude_row in set(members.tolist()):
            members = members[members != exclude_row]
            return members, split_state(self.ctx, [members]), 0
        return members, self.state, self.column[cluster_id]

    def parts_of(self, cluster_id: str, cand: Coded, exclude_row: int | None = None) -> dict[str, np.ndarray]:
        members, state, col = self._member_view(cluster_id, exclude_row)
        return parts(self.ctx.universe, members, cand, self.ctx.host(cluster_id), state, col, self.related)

    def rank_of(self, cluster_id: str, score: float) -> int:
        """1 + the number of the cluster's candidates scoring higher than ``score``."""
        _, scores = self.ranked[cluster_id]
        return 1 + int(np.count_nonzero(scores > score + 1e-12))

    def candidate_rows(self, cluster_id: str, top: int, restrict: np.ndarray | None = None) -> tuple[np.ndarray,
                                                                                                        np.ndarray]:
        """The best ``top`` candidate rows of a cluster and their scores (within ``restrict`` rows if given)."""
        rows, scores = self.ranked[cluster_id]
        if restrict is not None:
            keep = np.isin(rows, restrict)
            rows, scores = rows[keep], scores[keep]
        return rows[:top], scores[:top]

    # --- explanations ----------------------------------------------------------------------------

    def similar_members(self, cluster_id: str, cand_row: int | None, cand: Coded, orgnr: str,
                        limit: int = SIMILAR_MEMBERS) -> list[dict[str, Any]]:
        """The members most like the candidate, with what they share (module docstring)."""
        u, ctx = self.ctx.universe, self.ctx
        members = ctx.members.get(cluster_id, np.zeros(0, dtype=np.int64))
        members = members[members != cand_row] if cand_row is not None else members
        firms = members[ctx.column["helix"][members] == "industry"]
        members = firms if firms.size else members
        if members.size == 0:
            return []
        depth = np.zeros(members.size, dtype=int)
        for level, (_, length, _) in enumerate(NACE_LEVELS, start=1):
            same = (u.coded.nace[length][members] == cand.nace[length][0]) & (cand.nace[length][0] >= 0)
            depth = np.where(same, level, depth)
        area = (u.coded.area[members] == cand.area[0]) & (cand.area[0] >= 0)
        muni = (u.coded.municipality[members] == cand.municipality[0]) & (cand.municipality[0] >= 0)
        county = (u.coded.county[members] == cand.county[0]) & (cand.county[0] >= 0)
        tied = np.zeros(members.size, dtype=bool)
        pos = cand.net_pos[0]
        if pos >= 0:
            neigh = set(u.net.A[pos].indices.tolist())
            tied = np.array([p in neigh for p in u.coded.net_pos[members]])
        flags = [-(x.astype(int)) for x in (county, area, tied, muni)]
        key = np.lexsort((members, *flags, -depth))  # rows are in orgnr order
        out = []
        codes = ctx.column["nace"]
        for i in key:
            if not (depth[i] or muni[i] or tied[i] or area[i] or county[i]):
                continue
            row = int(members[i])
            reasons: list[dict[str, str]] = []
            if depth[i]:
                name, length, _ = NACE_LEVELS[depth[i] - 1]
                reasons.append({"kind": "nace", "level": name, "code": str(codes[row])[:length]})
            if area[i]:
                aid = u.categories["area"][u.coded.area[row]]
                reasons.append({"kind": "value_chain", "area": u.rules.names().get(aid, aid) if u.rules else aid})
            if muni[i]:
                code = u.categories["municipality"][u.coded.municipality[row]]
                reasons.append({"kind": "municipality", "name": self.municipalities.get(code, code)})
            elif county[i]:
                reasons.append({"kind": "county"})
            if tied[i]:
                reasons.append({"kind": "board"})
            out.append({"orgnr": str(u.orgnr[row]), "name": text_or_none(ctx.names[row]), "reasons": reasons})
            if len(out) >= limit:
                break
        return out

    def chains(self, cluster_id: str, orgnr: str, exclude_row: int | None = None,
               limit: int = MAX_CHAINS) -> list[list[dict[str, str]]]:
        """Board chains from ``orgnr`` to the nearest members: every direct tie (up to ``limit``), else one
        shortest chain of at most :data:`MAX_HOPS` ties. Each step is ``{from, person, to}`` with the
        person's key (replaced by a name or a label before anything is shown)."""
        u = self.ctx.universe
        net = u.net
        pos = net.position(orgnr)
        if pos is None:
            return []
        members, state, col = self._member_view(cluster_id, exclude_row)
        dist = state.dist[:, col]
        if not np.isfinite(dist[pos]) or dist[pos] == 0:
            return []
        member_ids = [str(u.orgnr[r]) for r in members]
        if dist[pos] == 1:
            mine = net.persons_of(orgnr)
            direct = sorted(o for o in net.neighbours(orgnr) if dist[net.position(o)] == 0)
            return [[{"from": orgnr, "person": p, "to": m} for p in sorted(mine & net.persons_of(m))[:2]]
                    for m in direct[:limit]]
        path = net.path_to(orgnr, member_ids, MAX_HOPS, dist)
        return [[{"from": s.a, "person": s.person, "to": s.b} for s in path]] if path else []


def text_or_none(v: Any) -> str | None:
    """A non-empty text, else None."""
    return v if isinstance(v, str) and v else None


# --- building the model ---------------------------------------------------------------------------


def build_model(data: AnalysisData, options: AnalysisOptions | None = None, rules: ValueAreaRules | None = None, *,
                seeds: int = FIT_SEEDS, municipalities: dict[str, str] | None = None, version: tuple = ()
                ) -> FitModel:
    """The model of one read (pure): context, weights fitted on the Innovasjon Norge clusters, every
    candidate scored against every cluster with members."""
    t = time.perf_counter()
    ctx = context(data, options, rules)
    in_ids = eligible(ctx, ctx.cluster_ids("in"))
    weights = fit_on(ctx, in_ids, seeds=range(ctx.options.seed, ctx.options.seed + seeds))
    ids = tuple(sorted(ctx.members))
    state = split_state(ctx, [ctx.members[c] for c in ids])
    related = relatedness(ctx.universe, [ctx.members[c] for c in ctx.cluster_ids("in")])
    ranked = {}
    for j, cid in enumerate(ids):
        pool = pool_of(ctx, ctx.members[cid])
        vals = parts(ctx.universe, ctx.members[cid], ctx.universe.take(pool), ctx.host(cid), state, j, related)
        sc = weights.score(vals)
        order = np.lexsort((pool, -sc))  # ties in orgnr order (rows are sorted by orgnr)
        ranked[cid] = (pool[order], sc[order])
    return FitModel(ctx, weights, ids, state, related, ranked, dict(municipalities or {}), version,
                    time.perf_counter() - t)

