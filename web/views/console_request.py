"""What the console, the query library and the audit page share: one parsed request (query, typed
parameters, the cross-site check), running it under the console's limits, and one audit entry per run,
refusals and failures included (:mod:`klynge.audit`). Not a blueprint: the views are
:mod:`web.views.console`, :mod:`web.views.queries` and :mod:`web.views.audit`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import current_app, jsonify, request
from werkzeug.datastructures import MultiDict

from cypher.console import (
    ConsoleQueryError,
    ConsoleResult,
    parse_param_value,
    result_graph,
    run_console,
    value_kind,
)
from klynge import audit
from klynge.errors import KlyngeError
from web import auth
from web.stores import get_store


REFUSED = frozenset({"empty", "multiple_statements", "load_csv", "procedure", "write", "parameter", "cross_site",
                     "too_large"})
CROSS_SITE = ("This query was opened from a link on another site, so it was not run: check it, then run it "
              "with the Run button on the console page.")
PARAM_PREFIX = "p."
AUDIT_LIMIT = 200


def app_settings() -> Any:
    return current_app.extensions["klynge_settings"]


def app_state_dir() -> Path:
    return Path(getattr(app_settings(), "state_dir", None) or "var/state")


def console_limits() -> tuple[float, int]:
    s = app_settings()
    return float(s.console_timeout_s), int(s.console_max_rows)


# --------------------------------------------------------------------------- table cells


def cell_text(value: Any) -> str:
    """How a result value reads in the table: ``(:Label {...})`` for a node, ``[:TYPE {...}]`` for a
    relationship, ``(a)-[:T]-(b)`` for a path, JSON for lists and maps, ``true``/``false``, else the text.
    The template escapes the returned text."""
    kind = value_kind(value)
    if kind == "node":
        props = {k: v for k, v in value.items() if not k.startswith("_")}
        return f"(:{':'.join(value.get('_labels') or [])} {json.dumps(props, ensure_ascii=False, default=str)})"
    if kind == "relationship":
        props = {k: v for k, v in value.items() if not k.startswith("_")}
        text = f"[:{value.get('_type')}"
        return text + (f" {json.dumps(props, ensure_ascii=False, default=str)}]" if props else "]")
    if kind == "path":
        nodes = value.get("nodes") or []
        rels = value.get("relationships") or []
        parts = []
        for i, n in enumerate(nodes):
            parts.append("(" + str(n.get("name") or n.get("title") or ":".join(n.get("_labels") or [])) + ")")
            if i < len(rels):
                parts.append(f"-[:{rels[i].get('_type')}]-")
        return "".join(parts)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def cell_helpers() -> dict[str, Any]:
    """The template helpers of result tables (each console blueprint adds them to its templates)."""
    return {"cell_text": cell_text, "cell_kind": value_kind}


# --------------------------------------------------------------------------- running and auditing


def param_values(names: list[str], args: MultiDict) -> tuple[dict[str, str], dict[str, Any], list[str]]:
    """(raw texts, typed values, names without a value) for ``names`` from ``p.<name>`` arguments."""
    raw = {n: args.get(PARAM_PREFIX + n, "") for n in names}
    missing = [n for n in names if not raw[n].strip()]
    typed: dict[str, Any] = {}
    for n in names:
        if raw[n].strip():
            try:
                typed[n] = parse_param_value(raw[n])
            except ConsoleQueryError as exc:
                raise ConsoleQueryError(f"Parameter ${n}: {exc}", query="", reason="parameter") from exc
    return raw, typed, missing


def status_of(reason: str) -> int:
    return {"timeout": 504, "busy": 503, "cross_site": 403, "too_large": 413}.get(reason, 400)


def request_args() -> MultiDict:
    """The request's fields: the form of a POST (the Run button), else the URL's arguments."""
    return request.form if request.method == "POST" else request.args


def cross_site() -> bool:
    """Whether this GET comes from another site (a link or form elsewhere), so it must not run a query.

    ``Sec-Fetch-Site`` (sent by current browsers) must be ``same-origin`` or ``none`` (typed,
    bookmarked); without it, a ``Referer`` or ``Origin`` must name this host. A request with neither
    (scripts, ``curl``) is not a browser following a link and runs. POSTs carry the CSRF token.
    """
    if request.method == "POST":
        return False
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site.strip().lower() not in ("same-origin", "none")
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if origin:
        from urllib.parse import urlsplit

        return urlsplit(origin).netloc.lower() != request.host.lower()
    return False


def export_args() -> str:
    """The query string that reproduces this console run (for the CSV/JSON links and the shared link)."""
    if request.method != "POST":
        return request.query_string.decode("latin-1")
    fields = [(k, v) for k, v in request.form.items(multi=True) if k in ("q", "saved") or k.startswith(PARAM_PREFIX)]
    return urlencode(fields)


def outcome_of(reason: str) -> str:
    if reason in ("timeout", "busy"):
        return "timeout"
    return "refused" if reason in REFUSED else "error"


def audit_run(*, query: str, params: dict[str, Any], outcome: str, result: ConsoleResult | None = None,
           message: str | None = None, source: str | None = None) -> None:
    endpoint = request.endpoint or ""
    if source:
        endpoint = f"{endpoint} ({source})"
    audit.record(app_state_dir(), user=auth.current_username(), role=auth.current_role(), client_ip=request.remote_addr,
                 endpoint=endpoint, query=query, params=params,
                 rows=None if result is None else len(result.rows),
                 elapsed_ms=None if result is None else result.elapsed_ms,
                 truncated=bool(result and result.truncated), outcome=outcome, message=message)


def execute_console(query: str, params: dict[str, Any], *, source: str | None = None) -> ConsoleResult:
    """Run ``query`` through :func:`run_console` and audit the run; errors are audited and re-raised."""
    timeout_s, max_rows = console_limits()
    try:
        result = run_console(get_store(), query, params, timeout_s=timeout_s, max_rows=max_rows)
    except ConsoleQueryError as exc:
        audit_run(query=query, params=params, outcome=outcome_of(exc.reason), message=str(exc), source=source)
        raise
    except KlyngeError as exc:  # the store is down, or a setting is wrong
        audit_run(query=query, params=params, outcome="error", message=str(exc), source=source)
        raise
    audit_run(query=query, params=params, outcome="truncated" if result.truncated else "ok", result=result, source=source)
    return result


def refuse_unrun(query: str, params: dict[str, Any], exc: ConsoleQueryError, *, source: str | None = None) -> None:
    """Audit a refusal that happened before the store was asked (bad or missing parameters)."""
    audit_run(query=query, params=params, outcome="refused", message=str(exc), source=source)


def result_data(result: ConsoleResult) -> dict[str, Any]:
    graph = result_graph(result)
    return {"columns": list(result.columns), "kinds": list(result.kinds), "rows": [list(r) for r in result.rows],
            "row_count": len(result.rows), "truncated": result.truncated, "cut": result.cut,
            "byte_cap": result.byte_cap, "row_cap": result.row_cap,
            "timeout_s": result.timeout_s, "elapsed_ms": result.elapsed_ms, "graph": graph,
            "has_graph": bool(graph["nodes"])}


def error_data(exc: ConsoleQueryError) -> dict[str, Any]:
    return {"error": str(exc), "reason": exc.reason, "outcome": outcome_of(exc.reason)}


def json_error(message: str, status: int, **extra: Any):
    return jsonify({"ok": False, "error": message, "status": status, **extra}), status
