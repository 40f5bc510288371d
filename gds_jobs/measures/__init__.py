"""The local measures engine: pure functions of a :class:`WeightedGraph`, no database.

Each measure returns a numpy array aligned to ``g.nodes`` (NaN where the
measure is undefined); :func:`compute_all` returns them as one table. The
semantics follow Neo4j GDS where GDS has the measure (see each docstring for
the exact relation to GDS, networkx and igraph); Burt's structural-hole
measures and Gould–Fernandez brokerage are local only.
"""

from __future__ import annotations

from gds_jobs.measures.brokerage import BROKERAGE_ROLES, brokerage
from gds_jobs.measures.centrality import (
    betweenness,
    closeness,
    degree,
    eigenvector,
    harmonic,
    pagerank,
    weighted_degree,
)
from gds_jobs.measures.cohesion import clustering, community, component
from gds_jobs.measures.graph import ConvergenceError, GraphInputError, WeightedGraph
from gds_jobs.measures.holes import (
    constraint,
    constraint_weighted,
    effective_size,
    efficiency,
    hierarchy,
    local_constraint,
)
from gds_jobs.measures.table import FRAME_COLUMNS, compute_all, local_function, measure_frame

__all__ = [
    "BROKERAGE_ROLES",
    "FRAME_COLUMNS",
    "ConvergenceError",
    "GraphInputError",
    "WeightedGraph",
    "betweenness",
    "brokerage",
    "closeness",
    "clustering",
    "community",
    "component",
    "compute_all",
    "constraint",
    "constraint_weighted",
    "degree",
    "effective_size",
    "efficiency",
    "eigenvector",
    "harmonic",
    "hierarchy",
    "local_constraint",
    "local_function",
    "measure_frame",
    "pagerank",
    "weighted_degree",
]
