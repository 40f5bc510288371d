"""Every error handler: one JSON envelope ``{"ok": false, "error": ..., "status": ...}`` or the same message as HTML."""

from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from klynge.errors import KlyngeError, QueryError, QueryTimeout, StoreUnavailable


def wants_json() -> bool:
    """True for ``.json`` paths, the API documents, and clients that prefer JSON to HTML."""
    if request.path.endswith(".json") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _respond(message: str, status: int, hint: str | None = None):
    if wants_json():
        body = {"ok": False, "error": message, "status": status}
        if hint:
            body["hint"] = hint
        return body, status
    return render_template("error.html", message=message, status=status, hint=hint), status


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        hint = getattr(exc, "klynge_hint", None)
        return _respond(exc.description or exc.name, exc.code or 500, hint)

    @app.errorhandler(StoreUnavailable)
    def store_down(exc: StoreUnavailable):
        return _respond(str(exc), 503)

    @app.errorhandler(QueryTimeout)
    def query_timeout(exc: QueryTimeout):
        return _respond(str(exc), 504)

    @app.errorhandler(QueryError)
    def query_error(exc: QueryError):
        return _respond(str(exc), 400)

    @app.errorhandler(KlyngeError)
    def klynge_error(exc: KlyngeError):
        return _respond(str(exc), 500)
