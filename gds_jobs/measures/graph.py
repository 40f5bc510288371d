"""The weighted undirected graph every local measure takes as input.

A :class:`WeightedGraph` is a tuple of node ids (organisation numbers) and a
symmetric sparse adjacency matrix whose entries count the persons two
organisations share. It is immutable and holds no database objects, so the
measures in this package are pure functions of it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from klynge.errors import KlyngeError

if TYPE_CHECKING:  # pragma: no cover
    import igraph
    import networkx as nx

__all__ = ["ConvergenceError", "GraphInputError", "WeightedGraph"]


class GraphInputError(KlyngeError, ValueError):
    """The nodes, edges or memberships given to build a graph are malformed."""


class ConvergenceError(KlyngeError, ArithmeticError):
    """An iterative measure did not reach its tolerance within its iteration limit."""


def _check_nodes(nodes: Iterable[Any]) -> tuple[str, ...]:
    out = tuple(nodes)
    for pos, node in enumerate(out):
        if not isinstance(node, str) or not node:
            raise GraphInputError(
                f"Node list entry {pos} is {node!r}; expected a non-empty string (an orgnr). "
                "Convert ids to str before building the graph."
            )
    if len(set(out)) != len(out):
        seen: set[str] = set()
        dup = next(n for n in out if n in seen or seen.add(n))  # type: ignore[func-returns-value]
        raise GraphInputError(
            f"Node {dup!r} appears more than once in the node list; expected unique orgnr values. "
            "Deduplicate the node list."
        )
    return out


@dataclass(frozen=True, eq=False)
class WeightedGraph:
    """An undirected weighted graph of organisations.

    Parameters
    ----------
    nodes : tuple of str
        Node ids (orgnr), unique; position ``i`` is row/column ``i`` of `adj`.
    adj : scipy.sparse.csr_matrix
        Symmetric ``n x n`` float64 adjacency matrix with zero diagonal and
        positive finite entries; ``adj[i, j]`` is the tie weight (the number
        of persons the two organisations share).

    Raises
    ------
    GraphInputError
        If the shape does not match the node count, or the matrix is not
        symmetric, has a non-zero diagonal, or non-positive / non-finite
        entries.

    Notes
    -----
    Build instances with :meth:`from_edges` or :meth:`from_bipartite`; both
    keep isolated nodes. Equality is identity (matrices have no cheap
    equality).
    """

    nodes: tuple[str, ...]
    adj: sp.csr_matrix

    def __post_init__(self) -> None:
        nodes = _check_nodes(self.nodes)
        object.__setattr__(self, "nodes", nodes)
        adj = self.adj
        if not sp.issparse(adj):
            raise GraphInputError(f"adj is a {type(adj).__name__}; expected a scipy.sparse matrix.")
        adj = sp.csr_matrix(adj, dtype=np.float64)
        n = len(nodes)
        if adj.shape != (n, n):
            raise GraphInputError(
                f"adj has shape {adj.shape} but there are {n} nodes; expected ({n}, {n})."
            )
        adj.sum_duplicates()
        adj.eliminate_zeros()
        adj.sort_indices()
        if adj.nnz:
            if not np.all(np.isfinite(adj.data)) or adj.data.min() <= 0:
                raise GraphInputError("adj has non-positive or non-finite weights; expected weights > 0.")
            if adj.diagonal().any():
                raise GraphInputError("adj has a non-zero diagonal (self loops); expected zeros.")
            if (adj != adj.T).nnz:
                raise GraphInputError("adj is not symmetric; expected an undirected graph (adj == adj.T).")
        object.__setattr__(self, "adj", adj)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_edges(cls, nodes: Iterable[str], edges: Iterable[Sequence[Any]]) -> WeightedGraph:
        """Build a graph from a node list and weighted edge records.

        Parameters
        ----------
        nodes : iterable of str
            Every node id, including isolates; the order is kept.
        edges : iterable of (u, v, w) or (u, v)
            Undirected ties; ``w`` defaults to 1. Each record adds ``w`` to
            the pair ``{u, v}``, so ``(u, v, 1)`` and ``(v, u, 1)`` give a
            tie of weight 2. Self loops (``u == v``) are dropped.

        Returns
        -------
        WeightedGraph

        Raises
        ------
        GraphInputError
            If a record names a node not in `nodes`, has the wrong length, or
            a weight that is not a finite positive number; the message gives
            the record number (0-based).
        """
        node_tuple = _check_nodes(nodes)
        index = {node: i for i, node in enumerate(node_tuple)}
        rows: list[int] = []
        cols: list[int] = []
        weights: list[float] = []
        for pos, rec in enumerate(edges):
            if len(rec) == 2:
                u, v = rec
                w = 1.0
            elif len(rec) == 3:
                u, v, w = rec
            else:
                raise GraphInputError(
                    f"Edge record {pos} has {len(rec)} fields; expected (u, v) or (u, v, weight)."
                )
            iu = index.get(u)
            iv = index.get(v)
            if iu is None or iv is None:
                missing = u if iu is None else v
                raise GraphInputError(
                    f"Edge record {pos} names node {missing!r}, which is not in the node list; "
                    "add it to the nodes or drop the edge."
                )
            try:
                wf = float(w)
            except (TypeError, ValueError) as exc:
                raise GraphInputError(f"Edge record {pos} has weight {w!r}; expected a number > 0.") from exc
            if not math.isfinite(wf) or wf <= 0:
                raise GraphInputError(f"Edge record {pos} has weight {w!r}; expected a finite number > 0.")
            if iu == iv:
                continue
            rows.append(iu)
            cols.append(iv)
            weights.append(wf)
        n = len(node_tuple)
        r = np.asarray(rows, dtype=np.int64)
        c = np.asarray(cols, dtype=np.int64)
        w_arr = np.asarray(weights, dtype=np.float64)
        adj = sp.coo_matrix(
            (np.concatenate([w_arr, w_arr]), (np.concatenate([r, c]), np.concatenate([c, r]))), shape=(n, n)
        ).tocsr()
        return cls(node_tuple, adj)

    @classmethod
    def from_bipartite(
        cls, memberships: Iterable[Sequence[Any]], nodes: Iterable[str] | None = None
    ) -> WeightedGraph:
        """Project a person–organisation membership list onto organisations.

        Parameters
        ----------
        memberships : iterable of (person_key, orgnr)
            One record per seat; repeated pairs (a person with two roles on
            the same board) count once.
        nodes : iterable of str, optional
            The organisations to include, in this order. Defaults to the
            sorted set of organisations in `memberships`. Organisations
            listed here without any membership become isolates.

        Returns
        -------
        WeightedGraph
            Tie weight = number of distinct persons the two organisations
            share (the weighted one-mode projection, as networkx
            ``bipartite.weighted_projected_graph``). Organisations sharing
            nobody are isolates.

        Raises
        ------
        GraphInputError
            If a record does not have two fields, has an empty field, or
            names an organisation not in `nodes`.

        Notes
        -----
        Computed as ``W = Bᵀ B`` with ``B`` the sparse binary person x
        organisation incidence matrix, diagonal cleared — no Python loop
        over pairs.
        """
        recs = list(memberships)
        for pos, rec in enumerate(recs):
            if len(rec) != 2 or rec[0] in (None, "") or rec[1] in (None, ""):
                raise GraphInputError(
                    f"Membership record {pos} is {rec!r}; expected (person_key, orgnr) with both present."
                )
        if recs:
            frame = pd.DataFrame(recs, columns=["person", "org"]).astype({"org": str})
        else:
            frame = pd.DataFrame({"person": pd.Series([], dtype=object), "org": pd.Series([], dtype=str)})
        if nodes is None:
            node_tuple = tuple(sorted(frame["org"].unique().tolist()))
        else:
            node_tuple = _check_nodes(nodes)
        index = pd.Index(node_tuple)
        org_idx = index.get_indexer(frame["org"])
        if (org_idx < 0).any():
            pos = int(np.flatnonzero(org_idx < 0)[0])
            raise GraphInputError(
                f"Membership record {pos} names organisation {frame['org'].iloc[pos]!r}, which is not in "
                "the node list; add it to nodes or leave nodes=None."
            )
        person_idx, persons = pd.factorize(frame["person"])
        n = len(node_tuple)
        b = sp.coo_matrix(
            (np.ones(len(frame), dtype=np.float64), (person_idx, org_idx)), shape=(len(persons), n)
        ).tocsr()
        b.sum_duplicates()
        b.data[:] = 1.0  # one person counts once per organisation
        w = (b.T @ b).tocsr()
        w = sp.csr_matrix(w - sp.diags(w.diagonal()))
        w.eliminate_zeros()
        return cls(node_tuple, w)

    @classmethod
    def from_networkx(cls, graph: nx.Graph, weight: str | None = "weight") -> WeightedGraph:
        """Build from an undirected networkx graph (tests and notebooks).

        Node ids are converted with ``str``; a missing `weight` attribute
        counts as 1; ``weight=None`` ignores weights.
        """
        nodes = [str(v) for v in graph.nodes]
        edges = [
            (str(u), str(v), 1.0 if weight is None else float(d.get(weight, 1.0)))
            for u, v, d in graph.edges(data=True)
        ]
        return cls.from_edges(nodes, edges)

    # ------------------------------------------------------------------ views
    @property
    def n(self) -> int:
        """Number of nodes."""
        return len(self.nodes)

    @cached_property
    def m(self) -> int:
        """Number of undirected edges."""
        return int(self.adj.nnz // 2)

    @cached_property
    def binary(self) -> sp.csr_matrix:
        """The adjacency pattern with every weight set to 1."""
        b = self.adj.copy()
        b.data[:] = 1.0
        return b

    @cached_property
    def degree(self) -> np.ndarray:
        """Number of neighbours per node (int64)."""
        return np.diff(self.adj.indptr).astype(np.int64)

    @cached_property
    def index(self) -> dict[str, int]:
        """Position of each node id."""
        return {node: i for i, node in enumerate(self.nodes)}

    def edge_list(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Upper-triangle edges as ``(u, v, weight)`` index arrays (``u < v``)."""
        upper = sp.triu(self.adj, k=1).tocoo()
        return upper.row.astype(np.int64), upper.col.astype(np.int64), upper.data

    def to_igraph(self) -> igraph.Graph:
        """An undirected igraph graph with vertex ``i`` = node ``i`` and edge attribute ``weight``."""
        import igraph

        u, v, w = self.edge_list()
        g = igraph.Graph(n=self.n, edges=np.column_stack([u, v]).tolist(), directed=False)
        g.es["weight"] = w.tolist()
        return g

    def to_networkx(self) -> nx.Graph:
        """A networkx graph with the same nodes (in order) and ``weight`` edge attributes (tests only)."""
        import networkx as nx

        graph = nx.Graph()
        graph.add_nodes_from(self.nodes)
        u, v, w = self.edge_list()
        graph.add_weighted_edges_from(
            (self.nodes[a], self.nodes[b], float(c)) for a, b, c in zip(u.tolist(), v.tolist(), w.tolist())
        )
        return graph
