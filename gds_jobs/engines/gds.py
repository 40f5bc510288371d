"""The GDS engine: Neo4j Graph Data Science procedures in stream mode, merged with local Burt measures.

The interlock graph is projected server-side with the Cypher-aggregation projection
:data:`cypher.statements.projection.GDS_INTERLOCK_PROJECTION` (same seat filter as the local
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

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cypher import gds as gds_client
from cypher.schema.measures import GDS_STREAMS, MEASURES, Measure
from gds_jobs.engines import EngineParams, EngineResult
from gds_jobs.engines.local import package_versions
from gds_jobs.measures.table import FRAME_COLUMNS
from cypher.statements.projection import GDS_INTERLOCK_PROJECTION
from klynge.errors import JobFailed

if TYPE_CHECKING:
    from cypher.store import GraphStore

#: The measures GDS computes (the others are local in both engines), in table order.
GDS_MEASURES: tuple[Measure, ...] = tuple(m for m in MEASURES if m.gds)
#: The measures the GDS engine takes from the local engine: Burt's family, and those GDS values
#: are checked against (eigenvector).
LOCAL_MEASURES: tuple[Measure, ...] = tuple(m for m in MEASURES if not m.gds or m.gds_checked is not None)


def canonical_labels(labels: pd.Series) -> pd.Series:
    """Renumber group labels 0, 1, … in order of each group's smallest orgnr.

    ``labels`` is indexed by orgnr; the result is too. This is the local engine's
    convention (:func:`gds_jobs.measures.cohesion.relabel_by_first_node` over nodes in
    orgnr order), so equal partitions get equal ids in both engines.
    """
    first = labels.groupby(labels.values).apply(lambda s: min(s.index))
    mapping = {lab: i for i, lab in enumerate(first.sort_values().index)}
    return labels.map(mapping).astype("int64")


def _checked(frame: pd.DataFrame, measure: Measure, gds_values: np.ndarray) -> str:
    """Keep GDS's values of a checked measure when they agree with the local ones (in ``frame``)
    within ``measure.gds_checked`` and are not all zero; return the note saying which was kept."""
    local = frame[measure.name].to_numpy(dtype=float)
    diff = float(np.nanmax(np.abs(gds_values - local))) if len(local) else 0.0
    if len(local) and (np.isnan(gds_values).any() or not np.isfinite(diff) or diff > measure.gds_checked
                       or not np.any(gds_values)):
        return f"local (GDS differed by {diff:.3g})"
    frame[measure.name] = gds_values
    return f"gds (max difference to local {diff:.3g})"


def _local_part(g: Any) -> pd.DataFrame:
    """What the GDS engine takes from the local engine (:data:`LOCAL_MEASURES`), with the same calls
    as :func:`gds_jobs.measures.compute_all`; the other columns are filled from GDS."""
    from gds_jobs.measures import local_function

    frame = pd.DataFrame({"orgnr": list(g.nodes), **{m.name: local_function(m)(g) for m in LOCAL_MEASURES}})
    frame["orgnr"] = frame["orgnr"].astype(str)
    return frame.set_index("orgnr")


class GdsEngine:
    """Measures from Neo4j GDS, with the Burt family and the eigenvector check from the local engine.

    Parameters
    ----------
    store : a Neo4j store with the GDS plugin (see :func:`cypher.gds.connect`).
    """

    name = "gds"

    def __init__(self, store: GraphStore) -> None:
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
            sampled = n > params.betweenness_exact_max
            gds_vals = {}
            for measure in GDS_MEASURES:
                exact, sampled_call = GDS_STREAMS[measure.name]
                series = self._series(sampled_call if (sampled and sampled_call) else exact, p)
                gds_vals[measure.name] = canonical_labels(series) if measure.labels else series
        for measure in GDS_MEASURES:
            values = gds_vals[measure.name].reindex(frame.index).to_numpy(dtype=float)
            if measure.gds_checked is None:
                frame[measure.name] = values
            else:
                notes[measure.name] = _checked(frame, measure, values)
        notes["betweenness"] = ("exact" if not sampled
                                else f"GDS sampled, samplingSize {params.betweenness_samples}, seed {params.seed}")
        return EngineResult(frame.reset_index()[list(FRAME_COLUMNS)], notes)

    def close(self) -> None:
        self.client.close()
