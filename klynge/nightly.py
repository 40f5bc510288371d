"""The nightly run of ``klynge jobs schedule``: sync every configured source, then the measures jobs.

1. :func:`loaders.sync.sync_all` — Brønnøysund's update feeds, then the configured grant and patent
   files. A source that fails keeps the graph as its last good sync left it and is reported; the
   jobs run anyway, on the graph as it is.
2. :func:`gds_jobs.run_jobs`, with the sync's short summary (changes applied per feed and type,
   rejects, duration, errors) kept in the run's record (``JobRun.sync``), which ``/status`` and
   ``klynge jobs status`` show.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from klynge.errors import KlyngeError

if TYPE_CHECKING:
    from cypher.store import GraphStore

log = logging.getLogger(__name__)


def nightly_run(store: GraphStore, *, sync: bool = True, echo: Callable[[str], None] = print,
                sync_options: dict[str, Any] | None = None, **job_options: Any) -> Any:
    """Sync (unless ``sync`` is False), then run the measures jobs; returns the jobs' RunSummary.

    Parameters
    ----------
    store : the graph store.
    sync : run the syncs first (``klynge jobs schedule --no-sync`` turns them off).
    echo : where the sync's summary lines go.
    sync_options : passed to :func:`loaders.sync.sync_all` (``base_url``, ``http`` … in tests).
    job_options : passed to :func:`gds_jobs.run_jobs` (``engine``, ``include_ceo`` …).

    Raises
    ------
    KlyngeError
        Only from the jobs (a failed sync is reported in the run record, not raised).
    """
    import gds_jobs

    summary: dict[str, Any] | None = None
    if sync:
        from loaders.sync import sync_all

        t0 = time.perf_counter()
        try:
            result = sync_all(store, progress=False, **(sync_options or {}))
            summary = result.short()
            echo(result.describe())
        except KlyngeError as exc:
            log.error("nightly sync failed: %s", exc)
            summary = {"status": "failed", "applied": 0, "rejected": 0, "error": str(exc),
                       "duration_s": round(time.perf_counter() - t0, 3), "feeds": {}}
            echo(f"sync failed: {exc}; the measures run on the graph as it is")
    return gds_jobs.run_jobs(store, sync=summary, **job_options)
