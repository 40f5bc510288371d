"""Gould–Fernandez brokerage roles across Triple Helix sectors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from gds_jobs.measures.graph import GraphInputError, WeightedGraph

__all__ = ["BROKERAGE_ROLES", "brokerage"]

BROKERAGE_ROLES = ("coordinator", "itinerant", "representative_gatekeeper", "liaison")


def _sector_codes(g: WeightedGraph, sectors: Sequence[str] | Mapping[str, str]) -> tuple[np.ndarray, list[str]]:
    if isinstance(sectors, Mapping):
        missing = [v for v in g.nodes if sectors.get(v) in (None, "")]
        if missing:
            raise GraphInputError(
                f"No sector for {len(missing)} node(s), first {missing[0]!r}; expected a sector "
                "(e.g. industry, academia, government) for every node."
            )
        values = [sectors[v] for v in g.nodes]
    else:
        values = list(sectors)
        if len(values) != g.n:
            raise GraphInputError(
                f"Got {len(values)} sectors for {g.n} nodes; expected one sector per node, in node order."
            )
        bad = [i for i, s in enumerate(values) if s in (None, "")]
        if bad:
            raise GraphInputError(
                f"Sector of node {g.nodes[bad[0]]!r} (position {bad[0]}) is empty; expected a sector name."
            )
    codes, names = pd.factorize(pd.Series(values, dtype=object))
    return codes.astype(np.int64), [str(x) for x in names]


def brokerage(g: WeightedGraph, sectors: Sequence[str] | Mapping[str, str]) -> pd.DataFrame:
    """Count the brokerage roles each node plays between unconnected contacts.

    Parameters
    ----------
    g : WeightedGraph
        Ties are used as 0/1 (weights ignored).
    sectors : sequence of str aligned to ``g.nodes``, or mapping orgnr → sector
        The helix sector of every node (industry, academia, government,
        intermediary, ...). Any number of sectors.

    Returns
    -------
    pandas.DataFrame
        Columns ``orgnr``, ``coordinator``, ``itinerant``,
        ``representative_gatekeeper``, ``liaison``, ``total`` (int64), one
        row per node in node order.

    Raises
    ------
    GraphInputError
        If a node has no sector or the sequence has the wrong length.

    Notes
    -----
    For every broker ``b`` and every unordered pair of its neighbours
    ``{a, c}`` that are not tied to each other, the pair is one brokerage
    opportunity, classified by the sectors ``s(a), s(b), s(c)``:

    * **coordinator**: ``s(a) = s(b) = s(c)``;
    * **itinerant** (consultant): ``s(a) = s(c) ≠ s(b)``;
    * **representative_gatekeeper**: ``s(b)`` equals exactly one of
      ``s(a), s(c)``. Gould and Fernandez tell representative (``b`` passes
      its own group's flow out) from gatekeeper (``b`` lets outside flow
      in) by the direction of the ties; interlock ties are undirected, so
      the two are one role here and are reported together;
    * **liaison**: all three sectors differ.

    Counts are raw (not normalised by the expected counts under random
    sector assignment). Vectorised: per broker, the pairs by sector pair
    come from ``n_s`` (neighbours in sector ``s``) as ``C(n_s, 2)`` and
    ``n_s n_t``; the tied pairs, subtracted, from
    ``rowsum((B D_s B D_t) ∘ B)`` (``D_s`` selects sector ``s``), one
    sparse product per sector pair.

    References
    ----------
    R. V. Gould, R. M. Fernandez, "Structures of mediation: a formal approach
    to brokerage in transaction networks", *Sociological Methodology* 19,
    1989.
    """
    codes, names = _sector_codes(g, sectors)
    k = len(names)
    b = g.binary
    n = g.n
    onehot = sp.csr_matrix((np.ones(n), (np.arange(n), codes)), shape=(n, max(k, 1)))
    per_sector = np.asarray((b @ onehot).todense()) if n else np.zeros((0, k))  # n_s per broker
    counts = {role: np.zeros(n, dtype=np.int64) for role in BROKERAGE_ROLES}
    own = codes
    by_sector = [sp.csr_matrix(b @ sp.diags((codes == s).astype(np.float64))) for s in range(k)]
    for s in range(k):
        for t in range(s, k):
            # (B D_s B D_t ∘ B) summed over a row: ordered tied pairs (a in s, c in t) among b's neighbours
            tied = np.asarray((by_sector[s] @ by_sector[t]).multiply(b).sum(axis=1)).ravel()
            # tied counts ordered pairs (a in s, c in t) that are adjacent; for s == t each pair twice
            if s == t:
                pairs = per_sector[:, s] * (per_sector[:, s] - 1) / 2 - tied / 2
            else:
                pairs = per_sector[:, s] * per_sector[:, t] - tied
            pairs = np.rint(pairs).astype(np.int64)
            if s == t:
                counts["coordinator"] += np.where(own == s, pairs, 0)
                counts["itinerant"] += np.where(own != s, pairs, 0)
            else:
                touches = (own == s) | (own == t)
                counts["representative_gatekeeper"] += np.where(touches, pairs, 0)
                counts["liaison"] += np.where(~touches, pairs, 0)
    frame = pd.DataFrame({"orgnr": list(g.nodes), **counts})
    frame["total"] = frame[list(BROKERAGE_ROLES)].sum(axis=1).astype(np.int64)
    return frame
