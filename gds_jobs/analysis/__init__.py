"""The study's analyses for any region: group comparisons, hypotheses, critical mass, cluster fit.

Public API (the web app and the CLI share these)::

    from gds_jobs.analysis import load_data, build_frame, compare_all, hypotheses, critical_mass
    from gds_jobs.analysis.report_html import write_region_report
    from gds_jobs.analysis.fit import fit_for_firm, fit_for_cluster

    data = load_data(store, "Ringeriksregionen")          # one read through cypher/queries/analysis
    frame = build_frame(data)                              # one row per organisation
    tables = compare_all(frame, region_name="Ringeriksregionen")   # Figs. 8–15 as DataFrames

Everything but :mod:`gds_jobs.analysis.data` is pure pandas/numpy/scipy.
"""

from __future__ import annotations

from gds_jobs.analysis.compare import (
    METRICS,
    compare,
    compare_all,
    compare_constraint,
    compare_eigenvector,
    compare_growth,
    compare_patents,
    compare_profitability,
    compare_spillover,
    compare_support,
    hypotheses,
)
from gds_jobs.analysis.critical import critical_mass
from gds_jobs.analysis.data import AnalysisData, Region, load_data, resolve_region
from gds_jobs.analysis.frame import build_frame
from gds_jobs.analysis.report import region_tables
from gds_jobs.analysis.options import AnalysisOptions
from klynge.reference.valueareas import ValueArea, ValueAreaRules

__all__ = [
    "METRICS", "AnalysisData", "AnalysisOptions", "Region", "ValueArea", "ValueAreaRules", "build_frame", "compare",
    "compare_all", "compare_constraint", "compare_eigenvector", "compare_growth", "compare_patents",
    "compare_profitability", "compare_spillover", "compare_support", "critical_mass", "hypotheses", "load_data",
    "region_tables", "resolve_region",
]
