"""Home page and health check."""

from __future__ import annotations

import time

from flask import Blueprint, redirect, url_for

from cypher import library
from web import confidential
from web.routes import page, respond
from web.stores import get_store

bp = Blueprint("core", __name__)


@bp.get("/healthz")
def healthz():
    """Backend, version and counts as JSON (200 when the store answers, 503 otherwise)."""
    store = get_store()
    info = store.health()
    info["counts"] = confidential.public_counts(store.counts())
    return info


EXAMPLE_CACHE_S = 600.0
_examples: dict[tuple[str, ...], tuple[float, dict | None]] = {}


def example_organisation(store) -> dict | None:
    """The largest active organisation of this graph (the start page's example), kept for ten minutes."""
    now = time.monotonic()
    hit = _examples.get(store.graph_key)
    if hit and now - hit[0] < EXAMPLE_CACHE_S:
        return hit[1]
    rows = library.run(store, "organization/example", {"limit": 1})
    value = rows[0] if rows else None
    _examples[store.graph_key] = (now, value)
    return value


@page(bp, "/", summary="Start page with counts", tag="meta", errors=(),
      result={"example": "an organisation of this graph to try (orgnr, name), or null"})
def home():
    """The start page: search box with type-ahead, an example from this graph, counts per label and links
    to clusters and regions."""
    store = get_store()
    info = store.health()
    return respond("home.html", {"info": info, "counts": confidential.public_counts(store.counts()),
                                 "example": example_organisation(store)})


@bp.get("/favicon.ico")
def favicon():
    """The icon for browsers that ask for /favicon.ico (pages link the SVG)."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)
