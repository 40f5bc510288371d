"""Network measures for Klynge: the GDS engine (through ``cypher``) and the in-process local engine."""

from __future__ import annotations

from typing import Any

__all__ = ["RunSummary", "current_measures", "export_measures", "job_status", "list_jobs", "measure_history",
           "run_jobs", "schedule_forever"]

_EXPORTS = {
    "run_jobs": "gds_jobs.jobs", "list_jobs": "gds_jobs.jobs", "job_status": "gds_jobs.jobs",
    "RunSummary": "gds_jobs.jobs", "export_measures": "gds_jobs.export",
    "current_measures": "gds_jobs.runs", "measure_history": "gds_jobs.runs",
    "schedule_forever": "gds_jobs.schedule",
}


def __getattr__(name: str) -> Any:
    """The runs API (``gds_jobs.run_jobs`` …), imported on first use."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'gds_jobs' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
