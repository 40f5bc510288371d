"""Whether the graph holds synthetic (generated) data, so every page can say so; cached per process and graph."""

from __future__ import annotations

import threading
import time

from flask import Flask

from cypher import library
from web.stores import get_store

CACHE_S = 60.0
_lock = threading.Lock()
_cache: dict[tuple[str, ...], tuple[float, bool]] = {}  # by store.graph_key


def graph_is_synthetic() -> bool:
    now = time.monotonic()
    try:
        store = get_store()
        key = store.graph_key
        with _lock:
            hit = _cache.get(key)
            if hit and now - hit[0] < CACHE_S:
                return hit[1]
        rows = library.run(store, "status/synthetic_loads")
        value = bool(rows and rows[0]["loads"])
    except Exception:  # noqa: BLE001 - a banner must never break a page
        return False
    with _lock:
        _cache[key] = (now, value)
    return value


def init_app(app: Flask) -> None:
    @app.context_processor
    def synthetic_banner() -> dict[str, bool]:
        return {"synthetic_data": graph_is_synthetic()}
