"""Synthetic board-interlock graphs for tests and benchmarks.

The shape follows what graph-measures.md reports for Norwegian boards: per
10 k firms about 20 k persons and 29 k seats, giving about 19 k interlock
ties, a quarter of the firms isolated, small maximum degree, and a few
per cent of ties with weight > 1 (people who sit together on several
boards of one group). It is a model, not data: use it for timing and for
checking measures against other libraries, never for findings.
"""

from __future__ import annotations

import numpy as np

from gds_jobs.measures.graph import WeightedGraph

__all__ = ["random_components_graph", "synthetic_interlock", "synthetic_memberships"]


def synthetic_memberships(n_firms: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Draw (person, firm) board seats for `n_firms` firms.

    Parameters
    ----------
    n_firms : int
        Number of firms (ids ``"9" + zero-padded index``, nine characters
        like an orgnr; not mod-11 valid).
    seed : int, default 0
        Seed; the same seed gives the same seats.

    Returns
    -------
    persons, firms : numpy.ndarray
        Parallel arrays of person index (int64) and firm id (str), one row
        per seat.

    Notes
    -----
    Persons: ``2 n_firms``; 75 % hold one seat, the others ``2 + X`` with
    ``X`` geometric on {0, 1, ...} (mean 1.13, capped at 10). A person's first seat goes to a firm
    drawn by a log-normal attractiveness; each further seat with
    probability 0.55 goes to a firm of the same "group" (a window of 8
    neighbouring firm indices), otherwise to another attractive firm.
    """
    rng = np.random.default_rng(seed)
    n_persons = 2 * n_firms
    multi = rng.random(n_persons) < 0.25
    extra = np.minimum(rng.geometric(0.47, size=n_persons) - 1, 10)
    seats = np.where(multi, 2 + extra, 1)
    attract = rng.lognormal(0.0, 0.3, size=n_firms)
    attract /= attract.sum()
    total = int(seats.sum())
    person = np.repeat(np.arange(n_persons, dtype=np.int64), seats)
    first_of = np.concatenate([[0], np.cumsum(seats)[:-1]])
    is_first = np.zeros(total, dtype=bool)
    is_first[first_of] = True
    firm = rng.choice(n_firms, size=total, p=attract)
    home = np.repeat(firm[first_of], seats)
    local = (~is_first) & (rng.random(total) < 0.55)
    offset = rng.integers(-4, 5, size=total)
    firm = np.where(local, np.clip(home + offset, 0, n_firms - 1), firm)
    width = max(9, len(str(n_firms)) + 1)
    ids = np.char.add("9", np.char.zfill(np.arange(n_firms).astype(str), width - 1))
    return person, ids[firm]


def synthetic_interlock(n_firms: int, *, seed: int = 0) -> WeightedGraph:
    """The interlock graph (shared board members) of :func:`synthetic_memberships`.

    Every firm is a node, including firms that share nobody (isolates).
    """
    person, firm = synthetic_memberships(n_firms, seed=seed)
    width = max(9, len(str(n_firms)) + 1)
    nodes = ["9" + str(i).zfill(width - 1) for i in range(n_firms)]
    return WeightedGraph.from_bipartite(zip(person.tolist(), firm.tolist()), nodes=nodes)


def random_components_graph(
    sizes: tuple[int, ...],
    *,
    p: float,
    isolates: int = 0,
    max_weight: int = 1,
    seed: int = 0,
) -> WeightedGraph:
    """A graph of independent G(n, p) blocks plus isolates, for oracle tests.

    Parameters
    ----------
    sizes : tuple of int
        Node count of each block (a block may itself be disconnected).
    p : float
        Tie probability inside a block.
    isolates : int, default 0
        Extra nodes without ties.
    max_weight : int, default 1
        Weights are drawn uniformly from ``1..max_weight``.
    seed : int, default 0

    Returns
    -------
    WeightedGraph
        Node ids ``"n0", "n1", ...`` in a shuffled order, so blocks are not
        contiguous.
    """
    rng = np.random.default_rng(seed)
    total = sum(sizes) + isolates
    labels = [f"n{i}" for i in rng.permutation(total)]
    edges = []
    start = 0
    for size in sizes:
        iu, ju = np.triu_indices(size, k=1)
        keep = rng.random(iu.size) < p
        weights = rng.integers(1, max_weight + 1, size=int(keep.sum()))
        for a, b, w in zip(iu[keep].tolist(), ju[keep].tolist(), weights.tolist()):
            edges.append((labels[start + a], labels[start + b], float(w)))
        start += size
    return WeightedGraph.from_edges(labels, edges)
