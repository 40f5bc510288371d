"""Burt's structural-hole measures, vectorised with scipy.sparse.

GDS has none of these. All values are UCINET's "whole network" values:
the contacts' ties to each other are read from the whole graph (UCINET's
"ego network" option gives other numbers, e.g. node A of Borgatti's example:
constraint 0.6836 instead of 0.5955). Isolates get NaN everywhere.

Notation (undirected graph, ego ``i``): ``N(i)`` its neighbours,
``a_ij`` the tie weight (1 for the unweighted variants), mutual weight
``m_ij = a_ij + a_ji = 2 a_ij``, proportional strength
``p_ij = m_ij / Σ_k m_ik = a_ij / s_i`` (``s_i`` the weighted degree).
In matrix form ``P = D⁻¹ A`` with ``D = diag(s)``; ``P`` has a zero
diagonal, so ``(P @ P)_ij = Σ_{q ∉ {i, j}} p_iq p_qj`` is exactly the
indirect investment of ``i`` in ``j`` through its other contacts.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from gds_jobs.measures.graph import WeightedGraph

__all__ = [
    "constraint",
    "constraint_weighted",
    "effective_size",
    "efficiency",
    "hierarchy",
    "local_constraint",
]


def _proportional(g: WeightedGraph, weighted: bool) -> sp.csr_matrix:
    """``P = D⁻¹ A``: each row of the (weighted or 0/1) adjacency divided by its sum."""
    a = g.adj if weighted else g.binary
    s = np.asarray(a.sum(axis=1)).ravel()
    inv = np.divide(1.0, s, out=np.zeros_like(s), where=s > 0)
    return sp.csr_matrix(sp.diags(inv) @ a)


def local_constraint(g: WeightedGraph, *, weighted: bool = False) -> sp.csr_matrix:
    """Burt's local (dyadic) constraint of every ego on every contact.

    Parameters
    ----------
    g : WeightedGraph
    weighted : bool, default False
        Use tie weights (shared persons) instead of 0/1 ties.

    Returns
    -------
    scipy.sparse.csr_matrix
        ``ℓ[i, j] = (p_ij + Σ_{q ∈ N(i), q ≠ i, j} p_iq p_qj)²`` for every
        ``j ∈ N(i)``; zero elsewhere. Same sparsity pattern as ``g.adj``.

    Notes
    -----
    ``L = (P + (P @ P) ∘ mask)²`` elementwise, ``mask`` the adjacency
    pattern: only contacts ``j ∈ N(i)`` carry a local constraint. Equals
    networkx ``local_constraint(G, i, j)``. Cost: one sparse product,
    O(Σ_i deg(i)²).

    References
    ----------
    R. S. Burt, *Structural Holes*, Harvard University Press, 1992, ch. 2.
    """
    p = _proportional(g, weighted)
    indirect = (p @ p).multiply(g.binary)
    lc = sp.csr_matrix(p + indirect)
    lc.data **= 2
    return lc


def _per_ego(values: np.ndarray, g: WeightedGraph) -> np.ndarray:
    out = values.astype(np.float64, copy=True)
    out[g.degree == 0] = np.nan
    return out


def constraint(g: WeightedGraph, *, weighted: bool = False) -> np.ndarray:
    """Burt's constraint on 0/1 ties (or weighted ties with ``weighted=True``).

    Parameters
    ----------
    g : WeightedGraph
    weighted : bool, default False
        Use tie weights; :func:`constraint_weighted` is the shorthand.

    Returns
    -------
    numpy.ndarray
        ``C_i = Σ_{j ∈ N(i)} ℓ_ij`` (see :func:`local_constraint`); NaN for
        isolates.

    Notes
    -----
    Vectorised: ``C = rowsum((P + (P @ P) ∘ mask)²)``. Positive for egos
    with at least one contact, usually at most 1 (a single contact), but
    it exceeds 1 when few contacts are all tied to each other (a triangle:
    9/8). Closed forms (unweighted): a single contact (pendant node) 1; centre of a star
    with ``n`` leaves ``1/n``; any node of a cycle of length ≥ 5 ``0.5``;
    node of ``K_n`` ``(2n − 3)² / (n − 1)³`` (``K4``: 0.925926). Borgatti's
    1997 example graph: A 0.595486, G 0.400270, C 1. Equals networkx
    ``constraint`` and igraph ``Graph.constraint``; these are UCINET's
    "whole network" values (not the "ego network" ones).

    References
    ----------
    R. S. Burt, *Structural Holes*, 1992. S. P. Borgatti, "Structural holes:
    unpacking Burt's redundancy measures", *Connections* 20(1), 1997.
    """
    lc = local_constraint(g, weighted=weighted)
    return _per_ego(np.asarray(lc.sum(axis=1)).ravel(), g)


def constraint_weighted(g: WeightedGraph) -> np.ndarray:
    """Burt's constraint with tie weight = shared persons.

    Parameters
    ----------
    g : WeightedGraph

    Returns
    -------
    numpy.ndarray
        :func:`constraint` with ``weighted=True``; NaN for isolates.

    Notes
    -----
    ``p_ij = a_ij / s_i``: a firm that shares three directors with one
    partner and one with another invests 3/4 in the first. Borgatti's
    weighted example: A 0.794955, G 0.298852. Equals networkx
    ``constraint(G, weight="weight")``.

    References
    ----------
    R. S. Burt, *Structural Holes*, 1992.
    """
    return constraint(g, weighted=True)


def effective_size(g: WeightedGraph, *, weighted: bool = False) -> np.ndarray:
    """Burt's effective size: contacts minus their redundancy.

    Parameters
    ----------
    g : WeightedGraph
    weighted : bool, default False
        Use tie weights (shared persons).

    Returns
    -------
    numpy.ndarray
        ``E_i = Σ_{j ∈ N(i)} (1 − Σ_{q ∈ N(i), q ≠ j} p_iq m'_jq)`` with
        ``m'_jq = a_jq / max_k a_jk`` (``j``'s marginal strength); NaN for
        isolates.

    Notes
    -----
    Vectorised: with ``R = diag(1 / rowmax(A)) A`` and ``B`` the 0/1
    pattern, the redundancy of ``i`` is ``Σ_q p_iq (B @ R)_iq``, so
    ``E = deg − rowsum(P ∘ (B @ R))``. Unweighted this reduces to
    Borgatti's ``n − 2t/n`` (``n`` contacts, ``t`` ties among them).
    Borgatti's example: unweighted G 4.6667, A 2.5; weighted G 5.4717, A
    2.475. Unweighted equals networkx ``effective_size``. networkx's
    *weighted* fast path (``nodes=None``) gives wrong values in current
    releases; the per-node path ``effective_size(G, nodes=list(G),
    weight=...)`` agrees with this function.

    References
    ----------
    R. S. Burt, *Structural Holes*, 1992. S. P. Borgatti, "Structural holes:
    unpacking Burt's redundancy measures", *Connections* 20(1), 1997.
    """
    a = g.adj if weighted else g.binary
    p = _proportional(g, weighted)
    rowmax = np.asarray(a.max(axis=1).todense()).ravel()
    inv = np.divide(1.0, rowmax, out=np.zeros_like(rowmax), where=rowmax > 0)
    r = sp.diags(inv) @ a
    redundancy = np.asarray((g.binary @ r).multiply(p).sum(axis=1)).ravel()
    return _per_ego(g.degree - redundancy, g)


def efficiency(g: WeightedGraph, *, weighted: bool = False) -> np.ndarray:
    """Burt's efficiency: effective size per contact.

    Parameters
    ----------
    g : WeightedGraph
    weighted : bool, default False
        Use tie weights in the effective size.

    Returns
    -------
    numpy.ndarray
        ``E_i / |N(i)|`` in (0, 1]; NaN for isolates.

    Notes
    -----
    Not networkx ``efficiency`` (Latora–Marchiori global efficiency of a
    node pair). A pendant node has efficiency 1; a node of ``K_n`` has
    effective size 1 and efficiency ``1/(n − 1)``.

    References
    ----------
    R. S. Burt, *Structural Holes*, 1992, p. 52.
    """
    return effective_size(g, weighted=weighted) / np.where(g.degree > 0, g.degree, np.nan)


def hierarchy(g: WeightedGraph, *, weighted: bool = False) -> np.ndarray:
    """Burt's hierarchy: how much of an ego's constraint comes from one contact.

    Parameters
    ----------
    g : WeightedGraph
    weighted : bool, default False
        Use tie weights in the local constraints.

    Returns
    -------
    numpy.ndarray
        ``H_i = Σ_j (r_j ln r_j) / (N ln N)`` with ``r_j = ℓ_ij / (C_i/N)``
        and ``N = |N(i)|``, in [0, 1]; 0 when all contacts constrain
        equally. NaN for isolates **and for egos with a single contact**.

    Notes
    -----
    Single contact: ``N ln N = 0`` and ``r = 1``, so the formula is 0/0.
    Tools differ (NaN, 1 or 0); Klynge reports NaN because concentration
    among contacts is undefined with one contact — in the interlock graph
    these are pendant firms, which constraint already marks as fully
    constrained (1). networkx has no hierarchy function; tests compare
    with a per-node evaluation of the formula over networkx
    ``local_constraint``.

    References
    ----------
    R. S. Burt, *Structural Holes*, 1992, p. 71.
    """
    lc = local_constraint(g, weighted=weighted).tocsr()
    deg = g.degree.astype(np.float64)
    total = np.asarray(lc.sum(axis=1)).ravel()
    row = np.repeat(np.arange(g.n), np.diff(lc.indptr))
    safe_total = np.where(total > 0, total, 1.0)
    r = lc.data * deg[row] / safe_total[row]
    terms = r * np.log(r)
    num = np.bincount(row, weights=terms, minlength=g.n)
    out = np.full(g.n, np.nan)
    ok = deg >= 2
    out[ok] = num[ok] / (deg[ok] * np.log(deg[ok]))
    return out
