"""Home page and health check."""

from __future__ import annotations

from flask import Blueprint, render_template

from web.stores import get_store

bp = Blueprint("core", __name__)


@bp.get("/healthz")
def healthz():
    """Backend, version and counts as JSON (200 when the store answers, 503 otherwise)."""
    store = get_store()
    info = store.health()
    info["counts"] = store.counts()
    return info


@bp.get("/")
def home():
    store = get_store()
    info = store.health()
    return render_template("home.html", info=info, counts=store.counts())
