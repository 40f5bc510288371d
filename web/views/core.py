"""Home page and health check."""

from __future__ import annotations

from flask import Blueprint

from web import auth
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
    info["counts"] = store.counts()
    if auth.has_role("analyst"):
        return info
    return {**{k: info[k] for k in PUBLIC_HEALTH}, "counts": info["counts"]}


@page(bp, "/", summary="Start page with counts", tag="meta", errors=())
def home():
    """The start page: search box, counts per label and links to clusters and regions."""
    store = get_store()
    info = store.health()
    return respond("home.html", {"info": info, "counts": store.counts()})
