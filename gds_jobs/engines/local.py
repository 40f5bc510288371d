"""The local engine: :func:`gds_jobs.measures.compute_all` on the projection, in process."""

from __future__ import annotations

import platform
from importlib import metadata
from typing import Any

import pandas as pd

from gds_jobs.engines import EngineParams, EngineResult


def package_versions(*names: str) -> dict[str, str]:
    """Installed versions of ``names`` (missing packages are left out)."""
    out = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


class LocalEngine:
    """Every measure computed in process with numpy/scipy/igraph (works on both stores)."""

    name = "local"

    def versions(self) -> dict[str, str]:
        return package_versions("numpy", "scipy", "pandas", "python-igraph", "networkx")

    def measures(self, projection: Any, params: EngineParams, seat_params: dict[str, Any]) -> EngineResult:
        """The 14 measures of ``projection`` (one row per node, ``orgnr`` first).

        Parameters
        ----------
        projection : a :class:`~gds_jobs.projection.Projection`.
        params : betweenness limit and sample size, seed.
        seat_params : unused here (the projection already applied them).
        """
        from gds_jobs.measures import FRAME_COLUMNS, compute_all

        if projection.graph.n == 0:  # nothing to measure (no counted seats yet)
            return EngineResult(pd.DataFrame({c: pd.Series([], dtype=object if c == "orgnr" else float)
                                              for c in FRAME_COLUMNS}), {"empty": True})
        frame = compute_all(projection.graph, betweenness_exact_max=params.betweenness_exact_max,
                            betweenness_samples=params.betweenness_samples, seed=params.seed)
        frame = frame.reset_index(drop=True)
        frame["orgnr"] = frame["orgnr"].astype(str)
        n = projection.graph.n
        notes = {"betweenness": "exact" if n <= params.betweenness_exact_max
                 else (f"exact in components up to {params.betweenness_exact_max} nodes, "
                       f"{params.betweenness_samples} sampled sources in larger ones (seed {params.seed})")}
        return EngineResult(frame, notes)

    def close(self) -> None:
        return None
