"""Home page and health check."""

from __future__ import annotations

from flask import Blueprint

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


@page(bp, "/", summary="Start page with counts", tag="meta", errors=())
def home():
    """The start page: search box, counts per label and links to clusters and regions."""
    store = get_store()
    info = store.health()
    return respond("home.html", {"info": info, "counts": confidential.public_counts(store.counts())})
