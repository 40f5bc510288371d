"""The GDS engine: Neo4j Graph Data Science procedures in stream mode, merged with local Burt measures.

The interlock graph is projected server-side with the Cypher-aggregation projection
:data:`gds_jobs.projection.GDS_INTERLOCK_PROJECTION` (same seat filter as the local
read), dropped in ``finally``. Procedures and the settings that make them match the
local engine (:mod:`gds_jobs.measures`):

============================  ===========================================  =============================
column                        GDS                                          note
============================  ===========================================  =============================
degree                        ``gds.degree``                               undirected
weighted_degree               ``gds.degree`` + ``relationshipWeightProperty``
eigenvector                   ``gds.eigenvector`` (unweighted)             ``maxIterations`` 1000,
                                                                           tolerance 1e-9; checked
                                                                           against local, local wins
                                                                           when they differ
pagerank                      ``gds.pageRank``                             damping 0.85, GDS scale
betweenness                   ``gds.betweenness``                          exact up to the limit, else
                                                                           ``samplingSize``/``samplingSeed``
closeness                     ``gds.closeness`` + ``useWassermanFaust``
community                     ``gds.louvain`` weighted, concurrency 1      labels renumbered
component                     ``gds.wcc``                                  labels renumbered
clustering                    ``gds.localClusteringCoefficient``
constraint … hierarchy        local (GDS has no structural-holes measures)
============================  ===========================================  =============================

References
----------
Neo4j Graph Data Science manual: "Projecting graphs using Cypher aggregation",
"Degree Centrality", "Eigenvector Centrality", "PageRank", "Betweenness Centrality",
"Closeness Centrality", "Louvain", "Weakly Connected Components",
"Local Clustering Coefficient".
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cypher import gds as gds_client
from cypher.registry import register
from gds_jobs.engines import EngineParams, EngineResult
from gds_jobs.engines.local import package_versions
from gds_jobs.projection import GDS_INTERLOCK_PROJECTION
from klynge.errors import JobFailed

EIGENVECTOR_TOLERANCE = 1e-4  # max abs difference accepted between GDS and local (L2-normalised scores)

#: How closely each GDS column agrees with the local engine on the same graph, as (rtol, atol) of
#: ``numpy.testing.assert_allclose`` (checked by tests/test_two_stores.py and the Davis test):
#: degree, weighted degree and clustering are counts and ratios of counts (exact); betweenness and
#: closeness are the same exact algorithms (float summation order only); eigenvector and PageRank are
#: power iterations stopped at tolerances 1e-9 and 1e-10 (local: to convergence), so they agree to about
#: 1e-8. Louvain (community) is not here: GDS and igraph break ties differently, so their partitions
#: differ and are compared by modularity; WCC (component) gives the same partition (renumbered).
GDS_AGREEMENT: dict[str, tuple[float, float]] = {
    "degree": (0.0, 0.0),
    "weighted_degree": (0.0, 0.0),
    "clustering": (1e-12, 1e-12),
    "betweenness": (1e-9, 1e-9),
    "closeness": (1e-9, 1e-12),
    "eigenvector": (1e-6, 1e-7),
    "pagerank": (1e-6, 1e-7),
}


def _stream(name: str, call: str, yields: str = "score") -> str:
    """A stream-mode call whose values come back as one row of two lists (organisation numbers and
    values): one Bolt record instead of one per node, which the driver receives far faster."""
    return register(f"gds_jobs.engines.gds.{name}",
                    f"{call} YIELD nodeId, {yields} "
                    f"RETURN collect(gds.util.asNode(nodeId).orgnr) AS orgnrs, collect({yields}) AS values",
                    dialect="neo4j")


DEGREE = _stream("degree", "CALL gds.degree.stream($graph)")
WEIGHTED_DEGREE = _stream("weighted_degree",
                          "CALL gds.degree.stream($graph, {relationshipWeightProperty: 'weight'})")
EIGENVECTOR = _stream("eigenvector",
                      "CALL gds.eigenvector.stream($graph, {maxIterations: 1000, tolerance: 1.0E-9})")
PAGERANK = _stream("pagerank", "CALL gds.pageRank.stream($graph, "
                               "{dampingFactor: 0.85, maxIterations: 1000, tolerance: 1.0E-10})")
BETWEENNESS_EXACT = _stream("betweenness_exact", "CALL gds.betweenness.stream($graph)")
BETWEENNESS_SAMPLED = _stream("betweenness_sampled",
                              "CALL gds.betweenness.stream($graph, {samplingSize: $samples, samplingSeed: $seed})")
CLOSENESS = _stream("closeness", "CALL gds.closeness.stream($graph, {useWassermanFaust: true})")
COMMUNITY = _stream("community", "CALL gds.louvain.stream($graph, "
                                 "{relationshipWeightProperty: 'weight', concurrency: 1})", "communityId")
COMPONENT = _stream("component", "CALL gds.wcc.stream($graph)", "componentId")
CLUSTERING = _stream("clustering", "CALL gds.localClusteringCoefficient.stream($graph)",
                     "localClusteringCoefficient")

GDS_COLUMNS = ("degree", "weighted_degree", "pagerank", "betweenness", "closeness", "community", "component",
               "clustering")


def canonical_labels(labels: pd.Series) -> pd.Series:
    """Renumber group labels 0, 1, … in order of each group's smallest orgnr.

    ``labels`` is indexed by orgnr; the result is too. This is the local engine's
    convention (:func:`gds_jobs.measures.cohesion.relabel_by_first_node` over nodes in
    orgnr order), so equal partitions get equal ids in both engines.
    """
    first = labels.groupby(labels.values).apply(lambda s: min(s.index))
    mapping = {lab: i for i, lab in enumerate(first.sort_values().index)}
    return labels.map(mapping).astype("int64")


def _local_part(g: Any) -> pd.DataFrame:
    """What the GDS engine takes from the local engine: Burt's family and the eigenvector check.

    Same calls as :func:`gds_jobs.measures.compute_all` for these columns; the other
    columns are filled from GDS.
    """
    from gds_jobs import measures as m

    frame = pd.DataFrame({
        "orgnr": list(g.nodes),
        "eigenvector": m.eigenvector(g),
        "constraint": m.constraint(g),
        "constraint_weighted": m.constraint_weighted(g),
        "effective_size": m.effective_size(g),
        "efficiency": m.efficiency(g),
        "hierarchy": m.hierarchy(g),
    })
    frame["orgnr"] = frame["orgnr"].astype(str)
    return frame.set_index("orgnr")


class GdsEngine:
    """Measures from Neo4j GDS, with the Burt family and the eigenvector check from the local engine.

    Parameters
    ----------
    store : a Neo4j store with the GDS plugin (see :func:`cypher.gds.connect`).
    """

    name = "gds"

    def __init__(self, store: Any) -> None:
        self.client = gds_client.connect(store)

    def versions(self) -> dict[str, str]:
        return {**package_versions("numpy", "scipy", "pandas", "python-igraph", "networkx"),
                "gds": self.client.version, "graphdatascience": self.client.client_version}

    def _series(self, query: str, params: dict[str, Any]) -> pd.Series:
        rows = self.client.run(query, params)
        orgnrs, values = (rows[0]["orgnrs"], rows[0]["values"]) if rows else ([], [])
        return pd.Series(values, index=[str(o) for o in orgnrs], dtype="float64")

    def measures(self, projection: Any, params: EngineParams, seat_params: dict[str, Any]) -> EngineResult:
        """The 14 measures: GDS for centrality/communities/clustering, local for Burt's.

        Raises
        ------
        JobFailed
            When the server-side projection has a different node count than the local one
            (the graph changed during the run, or the definitions diverged).
        """
        if projection.graph.n == 0:
            from gds_jobs.engines.local import LocalEngine

            return LocalEngine().measures(projection, params, seat_params)
        frame = _local_part(projection.graph)
        notes: dict[str, Any] = {}
        name = f"klynge-interlock-{params.run_id}"
        n = projection.graph.n
        with self.client.projection(name, GDS_INTERLOCK_PROJECTION, seat_params) as info:
            rels = int(info.get("relationshipCount") or 0)
            m = projection.graph.m
            # GDS counts an undirected relationship once per direction; accept either convention
            if int(info.get("nodeCount") or 0) != n or rels not in (m, 2 * m):
                raise JobFailed(
                    f"the GDS projection {name} has {info.get('nodeCount')} nodes and {rels} relationships, "
                    f"the local one {n} nodes and {m} undirected ties; did the graph change during the run? "
                    "run again, or use --engine local"
                )
            p = {"graph": name, "seed": params.seed, "samples": params.betweenness_samples}
            gds_vals = {
                "degree": self._series(DEGREE, p),
                "weighted_degree": self._series(WEIGHTED_DEGREE, p),
                "pagerank": self._series(PAGERANK, p),
                "betweenness": self._series(BETWEENNESS_EXACT if n <= params.betweenness_exact_max
                                            else BETWEENNESS_SAMPLED, p),
                "closeness": self._series(CLOSENESS, p),
                "community": canonical_labels(self._series(COMMUNITY, p)),
                "component": canonical_labels(self._series(COMPONENT, p)),
                "clustering": self._series(CLUSTERING, p),
            }
            eig = self._series(EIGENVECTOR, p)
        for col, series in gds_vals.items():
            frame[col] = series.reindex(frame.index).values
        notes["betweenness"] = ("exact" if n <= params.betweenness_exact_max
                                else f"GDS sampled, samplingSize {params.betweenness_samples}, seed {params.seed}")
        local_eig = frame["eigenvector"].to_numpy(dtype=float)
        gds_eig = eig.reindex(frame.index).to_numpy(dtype=float)
        diff = float(np.nanmax(np.abs(gds_eig - local_eig))) if n else 0.0
        if n and (np.isnan(gds_eig).any() or not np.isfinite(diff) or diff > EIGENVECTOR_TOLERANCE
                  or not np.any(gds_eig)):
            notes["eigenvector"] = f"local (GDS differed by {diff:.3g})"
        else:
            frame["eigenvector"] = gds_eig
            notes["eigenvector"] = f"gds (max difference to local {diff:.3g})"
        cols = ["degree", "weighted_degree", "eigenvector", "pagerank", "betweenness", "closeness", "community",
                "component", "clustering", "constraint", "constraint_weighted", "effective_size", "efficiency",
                "hierarchy"]
        return EngineResult(frame.reset_index()[["orgnr", *cols]], notes)

    def close(self) -> None:
        self.client.close()
