"""Home page and health check."""

from __future__ import annotations

import time

from flask import Blueprint, redirect, url_for

from cypher import library
from web import auth, confidential
from web.routes import page, respond
from web.stores import get_store

bp = Blueprint("core", __name__)


#: What anonymous callers (load balancers, monitors) learn from /healthz; the rest (version, port,
#: data directory, round-trip time) is for analysts and admins.
PUBLIC_HEALTH = ("ok", "backend", "nodes", "relationships")


@bp.get("/healthz")
def healthz():
    """``ok``, the backend, the node and relationship totals and the counts per label and relationship type
    as JSON (200 when the store answers, 503 with an error id otherwise); analysts and admins also get the
    version, the store's address (port, data directory or database) and the round-trip time."""
    store = get_store()
    info = store.health()
    info["counts"] = confidential.public_counts(store.counts())
    if auth.has_role("analyst"):
        return info
    return {**{k: info[k] for k in PUBLIC_HEALTH}, "counts": info["counts"]}


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
