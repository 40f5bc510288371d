"""Engines compute the measures of a projection: ``local`` (in process) or ``gds`` (Neo4j GDS).

Both take the same :class:`~gds_jobs.projection.Projection` and return the same frame:
``orgnr`` and the 14 columns of :func:`gds_jobs.measures.compute_all`. The structural
holes family (Burt) is always computed locally — GDS has none of it.

``auto`` picks ``gds`` when the store is Neo4j with a usable GDS plugin, else ``local``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from klynge.errors import ConfigError

if TYPE_CHECKING:
    from cypher.store import GraphStore

ENGINES: tuple[str, ...] = ("auto", "gds", "local")


@dataclass(frozen=True)
class EngineParams:
    """Algorithm parameters shared by both engines.

    Attributes
    ----------
    betweenness_exact_max : exact betweenness up to this many nodes; sampled above.
    betweenness_samples : sampled source nodes above the limit (GDS ``samplingSize``).
    seed : seed of sampling and community detection.
    run_id : names the in-memory GDS graph.
    """

    betweenness_exact_max: int = 10000
    betweenness_samples: int = 128
    seed: int = 42
    run_id: str = "adhoc"


@dataclass(frozen=True)
class EngineResult:
    """A measures frame plus notes for the run record (e.g. which values fell back to local)."""

    frame: pd.DataFrame
    notes: dict[str, Any] = field(default_factory=dict)


class Engine(Protocol):
    name: str

    def versions(self) -> dict[str, str]: ...

    def measures(self, projection: Any, params: EngineParams, seat_params: dict[str, Any]) -> EngineResult: ...

    def close(self) -> None: ...


def choose(store: GraphStore, requested: str = "auto") -> Engine:
    """The engine for ``requested`` (``auto``, ``gds`` or ``local``).

    Raises
    ------
    ConfigError
        For an unknown engine name.
    StoreUnavailable
        For ``gds`` when the store is not Neo4j or has no usable GDS (the message says what to do).
    """
    if requested not in ENGINES:
        raise ConfigError(f"engine {requested!r} is not one of {', '.join(ENGINES)}")
    from gds_jobs.engines.local import LocalEngine

    if requested == "local":
        return LocalEngine()
    from cypher import gds as gds_client

    if requested == "auto" and gds_client.available(store) is None:
        return LocalEngine()
    from gds_jobs.engines.gds import GdsEngine

    return GdsEngine(store)
