"""Every error handler: one JSON envelope ``{"ok": false, "error": ..., "status": ...}`` or the same message as HTML."""

from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from klynge.errors import KlyngeError, QueryError, StoreUnavailable


def wants_json() -> bool:
    if request.path.endswith(".json") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _respond(message: str, status: int):
    if wants_json():
        return {"ok": False, "error": message, "status": status}, status
    return render_template("error.html", message=message, status=status), status


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return _respond(exc.description or exc.name, exc.code or 500)

    @app.errorhandler(StoreUnavailable)
    def store_down(exc: StoreUnavailable):
        return _respond(str(exc), 503)

    @app.errorhandler(QueryError)
    def query_error(exc: QueryError):
        return _respond(str(exc), 400)

    @app.errorhandler(KlyngeError)
    def klynge_error(exc: KlyngeError):
        return _respond(str(exc), 500)
