"""Keep the graph current: Brønnøysund's update feeds (:mod:`loaders.sync.brreg`) and the configured
grant and patent files (:mod:`loaders.sync.files`).

``sync_all`` is what ``klynge sync`` and the nightly schedule run: the Brønnøysund feeds, then the
files. A source that fails is reported in the summary and leaves the graph as its last good sync
made it; the other sources still run (the files do not depend on the feeds).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from klynge.errors import KlyngeError
from loaders.sync.brreg import FEED_NAMES, sync_brreg
from loaders.sync.files import read_config, sync_files
from loaders.sync.state import FeedResult, SyncSummary, all_states

if TYPE_CHECKING:
    from cypher.store import GraphStore

__all__ = ["FEED_NAMES", "FeedResult", "SyncSummary", "all_states", "read_config", "sync_all",
           "sync_brreg", "sync_files"]


def sync_all(store: GraphStore, **brreg_options: Any) -> SyncSummary:
    """The Brønnøysund feeds (``brreg_options`` as for :func:`sync_brreg`), then the configured files."""
    t0 = time.perf_counter()
    out = SyncSummary()
    out.feeds.extend(sync_brreg(store, **brreg_options).feeds)
    try:
        out.feeds.extend(sync_files(store).feeds)
    except KlyngeError as exc:  # a bad file list must not hide the feeds' result
        out.feeds.append(FeedResult("files", status="failed", error=str(exc)))
    out.duration_s = round(time.perf_counter() - t0, 3)
    return out
