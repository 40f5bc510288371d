"""The firm measures: one table from which everything that names a measure is derived.

Each :class:`Measure` row says what the measure is called (its column in every frame and its
property on ``MeasureValues``), its dtype, a one-line description, the function of the local
engine that computes it (``gds_jobs.measures.<module>.<function>``) with the compute options it
takes, and the Neo4j Graph Data Science procedure call that computes it on a projection, with the
tolerance within which GDS and the local engine agree on the same graph.

Derived from :data:`MEASURES`:

* the graph schema's ``MeasureValues`` properties (:data:`cypher.schema.model.MEASURE_PROPERTIES`);
* the columns of :func:`gds_jobs.measures.compute_all` and the export (:mod:`gds_jobs.export`);
* the GDS engine's stream statements (:data:`GDS_STREAMS`, linted like every other statement) and
  its tolerances (:data:`GDS_AGREEMENT`).

The formulas, references and edge cases are in each local function's docstring; the GDS
configuration that makes GDS match them is written next to the call below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cypher.registry import register


@dataclass(frozen=True)
class Measure:
    """One firm measure.

    Attributes
    ----------
    name : column name in every measure frame and property of ``MeasureValues``.
    dtype : ``"float64"`` (NaN where undefined) or ``"int64"`` (group labels and counts).
    description : one line saying what the value is.
    local : the local engine's function, ``"<module>.<function>"`` inside :mod:`gds_jobs.measures`.
    options : the function's keyword -> the compute option of :func:`gds_jobs.measures.compute_all`
        that feeds it (``{"seed": "seed"}``).
    gds : the GDS stream call (procedure and configuration) or None when GDS has no such measure
        (Burt's family): the GDS engine then takes the local value.
    gds_sampled : the call used instead of ``gds`` above the exact-computation limit (betweenness).
    gds_yields : the column the procedure yields per node.
    labels : the values are group labels, renumbered in order of each group's smallest orgnr.
    agreement : (rtol, atol) within which the GDS values equal the local ones on the same graph, or
        None when they are compared otherwise (Louvain partitions by modularity).
    gds_checked : when set, the GDS value is kept only when no node differs from the local value by
        more than this (eigenvector: GDS's power iteration can collapse to zeros); otherwise the
        local value is kept and the run's notes say so.
    whole : the values are whole numbers (written as integers by the export).
    """

    name: str
    dtype: str
    description: str
    local: str
    options: Mapping[str, str] = field(default_factory=dict)
    gds: str | None = None
    gds_sampled: str | None = None
    gds_yields: str = "score"
    labels: bool = False
    agreement: tuple[float, float] | None = None
    gds_checked: float | None = None
    whole: bool = False


#: The 14 firm measures in column order. Agreement tolerances: degree, weighted degree and clustering
#: are counts and ratios of counts (exact); betweenness and closeness are the same exact algorithms
#: (float summation order only); eigenvector and PageRank are power iterations stopped at tolerances
#: 1e-9 and 1e-10 (local: to convergence), so they agree to about 1e-8. Louvain (community) has none:
#: GDS and igraph break ties differently, so their partitions differ and are compared by modularity;
#: WCC (component) gives the same partition (renumbered).
MEASURES: tuple[Measure, ...] = (
    Measure("degree", "float64", "Interlocked organisations (distinct neighbours)", "centrality.degree",
            gds="gds.degree.stream($graph)", agreement=(0.0, 0.0), whole=True),
    Measure("weighted_degree", "float64", "Shared board members summed over interlocks",
            "centrality.weighted_degree",
            gds="gds.degree.stream($graph, {relationshipWeightProperty: 'weight'})", agreement=(0.0, 0.0)),
    Measure("eigenvector", "float64", "Eigenvector centrality (unweighted, L2-normalised)", "centrality.eigenvector",
            gds="gds.eigenvector.stream($graph, {maxIterations: 1000, tolerance: 1.0E-9})",
            agreement=(1e-6, 1e-7), gds_checked=1e-4),
    Measure("pagerank", "float64", "PageRank (damping 0.85, GDS scale)", "centrality.pagerank",
            gds="gds.pageRank.stream($graph, {dampingFactor: 0.85, maxIterations: 1000, tolerance: 1.0E-10})",
            agreement=(1e-6, 1e-7)),
    Measure("betweenness", "float64", "Betweenness centrality (unnormalised; sampled in large components)",
            "centrality.betweenness",
            {"exact_max": "betweenness_exact_max", "samples": "betweenness_samples", "seed": "seed"},
            gds="gds.betweenness.stream($graph)",
            gds_sampled="gds.betweenness.stream($graph, {samplingSize: $samples, samplingSeed: $seed})",
            agreement=(1e-9, 1e-9)),
    Measure("closeness", "float64", "Closeness centrality (Wasserman-Faust)", "centrality.closeness",
            {"exact_max": "closeness_exact_max", "samples": "closeness_samples", "seed": "seed"},
            gds="gds.closeness.stream($graph, {useWassermanFaust: true})", agreement=(1e-9, 1e-12)),
    Measure("community", "int64", "Louvain community on shared-person weights", "cohesion.community",
            {"seed": "seed"}, gds="gds.louvain.stream($graph, {relationshipWeightProperty: 'weight', concurrency: 1})",
            gds_yields="communityId", labels=True, whole=True),
    Measure("component", "int64", "Connected component", "cohesion.component",
            gds="gds.wcc.stream($graph)", gds_yields="componentId", labels=True, whole=True),
    Measure("clustering", "float64", "Local clustering coefficient", "cohesion.clustering",
            gds="gds.localClusteringCoefficient.stream($graph)", gds_yields="localClusteringCoefficient",
            agreement=(1e-12, 1e-12)),
    Measure("constraint", "float64", "Burt's constraint on 0/1 ties", "holes.constraint"),
    Measure("constraint_weighted", "float64", "Burt's constraint on shared-person weights",
            "holes.constraint_weighted"),
    Measure("effective_size", "float64", "Burt's effective size (0/1 ties)", "holes.effective_size"),
    Measure("efficiency", "float64", "Effective size over degree", "holes.efficiency"),
    Measure("hierarchy", "float64", "Burt's hierarchy of constraint (NaN with a single contact)",
            "holes.hierarchy"),
)

MEASURES_BY_NAME: dict[str, Measure] = {m.name: m for m in MEASURES}
MEASURE_NAMES: tuple[str, ...] = tuple(m.name for m in MEASURES)
#: Measures whose values are whole numbers.
WHOLE_MEASURES: frozenset[str] = frozenset(m.name for m in MEASURES if m.whole)
#: (rtol, atol) of ``numpy.testing.assert_allclose`` per column GDS computes with a tolerance.
GDS_AGREEMENT: dict[str, tuple[float, float]] = {m.name: m.agreement for m in MEASURES if m.agreement is not None}


def _stream(name: str, call: str, yields: str) -> str:
    """A stream-mode call whose values come back as one row of two lists (organisation numbers and
    values): one Bolt record instead of one per node, which the driver receives far faster."""
    return register(f"measures.gds.{name}",
                    f"CALL {call} YIELD nodeId, {yields} "
                    f"RETURN collect(gds.util.asNode(nodeId).orgnr) AS orgnrs, collect({yields}) AS values",
                    dialect="neo4j")


#: The GDS engine's statements per measure: ``{name: (exact call, sampled call or None)}``.
GDS_STREAMS: dict[str, tuple[str, str | None]] = {
    m.name: (_stream(m.name, m.gds, m.gds_yields),
             _stream(f"{m.name}_sampled", m.gds_sampled, m.gds_yields) if m.gds_sampled else None)
    for m in MEASURES if m.gds
}
