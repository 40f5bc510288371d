"""One GraphStore per app process, opened lazily and closed with the app.

The store is closed when its app is garbage-collected or, at the latest, when the process
exits (``weakref.finalize``), so its connection's socket is never left for the garbage
collector to find open.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from flask import Flask, current_app

from cypher import open_store

_lock = threading.Lock()


def init_app(app: Flask) -> None:
    app.extensions["klynge_store"] = None


def get_store() -> Any:
    """The app's store (opened on first use; thread-safe)."""
    app = current_app
    store = app.extensions.get("klynge_store")
    if store is None:
        with _lock:
            store = app.extensions.get("klynge_store")
            if store is None:
                store = open_store(app.extensions["klynge_settings"])
                app.extensions["klynge_store"] = store
                weakref.finalize(app._get_current_object(), store.close)
    return store
