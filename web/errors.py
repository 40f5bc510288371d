"""Every error handler: one JSON envelope ``{"ok": false, "error": ..., "status": ...}`` or the same message as HTML.

What a caller sees of a failure depends on whose mistake it is:

* a bad request (a malformed parameter, a value the store cannot take such as a NUL character,
  ``klynge.errors.ParameterError``) is a **400** that says what is wrong with it;
* a failure of the server or the store (a query error, the store down, anything unexpected) is
  shown as a **generic message with an error id** (``error_id`` in JSON), and the server log gets
  a line ``error <id> ...`` with the store's own message, so the two can be matched. Analysts and
  admins, who debug queries, also see the store's message; nobody else does (it can name ports,
  paths and query text).
"""

from __future__ import annotations

import secrets

from flask import Flask, abort, current_app, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from klynge.errors import KlyngeError, ParameterError, QueryTimeout, StoreUnavailable

#: Who may read the store's own message next to the error id.
DETAILS_ROLE = "analyst"


def wants_json() -> bool:
    """True for ``.json`` paths, the API documents, and clients that prefer JSON to HTML."""
    if request.path.endswith(".json") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _respond(message: str, status: int, hint: str | None = None, error_id: str | None = None):
    if wants_json():
        body = {"ok": False, "error": message, "status": status}
        if hint:
            body["hint"] = hint
        if error_id:
            body["error_id"] = error_id
        return body, status
    return render_template("error.html", message=message, status=status, hint=hint, error_id=error_id), status


def _may_see_details() -> bool:
    from web import auth

    try:
        return auth.has_role(DETAILS_ROLE)
    except Exception:  # noqa: BLE001 - the user file may be what failed
        return False


def server_error(exc: BaseException, status: int, generic: str):
    """Log ``exc`` under a new error id and answer with ``generic`` (plus the details for analysts)."""
    error_id = secrets.token_hex(6)
    detail = f"{type(exc).__name__}: {exc}"
    current_app.logger.error("error %s: %s %s -> %d: %s", error_id, request.method, request.path, status, detail,
                             exc_info=not isinstance(exc, KlyngeError))
    message = f"{generic} (error id {error_id})"
    if _may_see_details():
        message += f": {exc}"
    return _respond(message, status, "Quote the error id when you report it; it is in the server log.", error_id)


def _has_nul() -> bool:
    if "\x00" in request.path:
        return True
    for key, values in request.args.lists():
        if "\x00" in key or any("\x00" in v for v in values):
            return True
    return False


def init_app(app: Flask) -> None:
    @app.before_request
    def refuse_nul_characters():
        if _has_nul():
            abort(400, description="The request holds a NUL character (%00) in its path or parameters; "
                                   "no name, key or value in Klynge contains one. Remove it and try again.")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if isinstance(exc, InternalServerError):
            return server_error(getattr(exc, "original_exception", None) or exc, 500,
                                "The server could not answer this request")
        if exc.code == 400:
            current_app.logger.info("400 %s %s: %s", request.method, request.path, exc.description)
        hint = getattr(exc, "klynge_hint", None)
        return _respond(exc.description or exc.name, exc.code or 500, hint)

    @app.errorhandler(ParameterError)
    def bad_parameter(exc: ParameterError):
        current_app.logger.info("400 %s %s: %s", request.method, request.path, exc)
        return _respond(f"Bad request: {exc}", 400)

    @app.errorhandler(StoreUnavailable)
    def store_down(exc: StoreUnavailable):
        return server_error(exc, 503, "The graph store is not available at the moment; try again shortly")

    @app.errorhandler(QueryTimeout)
    def query_timeout(exc: QueryTimeout):
        return _respond(str(exc), 504)

    @app.errorhandler(KlyngeError)
    def klynge_error(exc: KlyngeError):
        return server_error(exc, 500, "The server could not answer this request")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if isinstance(exc, HTTPException):  # pragma: no cover - handled above
            return http_error(exc)
        return server_error(exc, 500, "The server could not answer this request")
