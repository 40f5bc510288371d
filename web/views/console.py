"""The analysts' Cypher console (page, JSON twin and CSV download); the query library and saved queries are
:mod:`web.views.queries`, the audit log page :mod:`web.views.audit`.

Who: analysts and admins only (``web.auth.require_role("analyst")``); the audit
page needs an admin.

The console page ``/console?q=<cypher>&p.<name>=<value>`` keeps the query and its
parameters in the URL, so a result can be shared as a link. A link runs only when it is
followed from Klynge itself (the browser's ``Sec-Fetch-Site`` header is ``same-origin`` or
``none`` — typed, bookmarked — or, without that header, the ``Referer`` is this site): a
link on another site opens the console with the query filled in but not run, and the
analyst runs it with the page's Run button, a ``POST`` with the CSRF token (``/console``,
``/console.json`` and ``/console.csv`` take the same fields by ``POST``). So a page
elsewhere cannot make an analyst's browser run a query, charged to them in the audit log;
such an attempt is audited as refused. Every ``$name`` in the query (found outside strings and
comments, :func:`cypher.console.parameter_names`) becomes a form field, and its
value is typed by :func:`cypher.console.parse_param_value`: ``true``/``false``,
``null``, integers, decimals and JSON lists/objects are converted, ``"quoted"``
text is a string, anything else stays text. A query whose parameters are not all
given is not run (the page shows the form).

``/console.json`` (the page's JSON twin) and ``/console.csv`` take the same
arguments and return the same rows. Every run, from any of the three and from
the library form, is written to the audit log (:mod:`klynge.audit`) with its
outcome, refusals and failures included.

Saved queries: ``POST /queries/save`` (from the console; CSRF token required)
stores the title, description and text for the logged-in author after
:func:`cypher.console.validate_query` accepted the text *without running it*
(the console's text checks, then the store's plan: it must parse and must not
write). ``POST /queries/saved/<id>/delete`` deletes one for its author or an
admin. A saved query opens in the console as ``/console?saved=<id>`` (its text
is read from the store, so long queries still give short links; ``q`` given
as well wins, so an edited text stays in the URL).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from flask import Blueprint, Response, abort, jsonify, render_template

from cypher.console import (
    ConsoleQueryError,
    parameter_names,
    value_kind,
)
from web import saved_queries
from web import auth
from web.errors import wants_json
from web.routes import Param, page

from web.views.console_request import (
    CROSS_SITE,
    PARAM_PREFIX,
    app_state_dir,
    cell_helpers,
    cell_text,
    console_limits,
    cross_site,
    error_data,
    execute_console,
    export_args,
    json_error,
    param_values,
    refuse_unrun,
    request_args,
    result_data,
    status_of,
)

bp = Blueprint("console", __name__)
bp.context_processor(cell_helpers)


# --------------------------------------------------------------------------- the console


def _requested_query() -> tuple[str, dict[str, Any] | None]:
    """The query of the request: ``q``, else the text of saved query ``saved`` (404 when unknown)."""
    args = request_args()
    saved_id = args.get("saved")
    saved = None
    if saved_id:
        try:
            saved = saved_queries.get(app_state_dir(), saved_id).to_dict()
        except saved_queries.SavedQueryNotFound as exc:
            abort(404, description=str(exc))
    query = args.get("q", "")
    if not query.strip() and saved is not None:
        query = saved["query"]
    return query, saved


def _console_state() -> dict[str, Any]:
    """Parse the request's query and parameters; run when complete. Returns the page data and HTTP status."""
    query, saved = _requested_query()
    args = request_args()
    names = parameter_names(query) if query.strip() else []
    timeout_s, max_rows = console_limits()
    data: dict[str, Any] = {"query": query, "param_names": names, "param_values": {}, "params": {},
                            "missing": [], "ran": False, "result": None, "error": None, "reason": None,
                            "timeout_s": timeout_s, "max_rows": max_rows, "saved": saved,
                            "export_args": export_args(), "confirm": False}
    if not query.strip():
        return {**data, "status": 200}
    try:
        raw, typed, missing = param_values(names, args)
    except ConsoleQueryError as exc:
        exc = ConsoleQueryError(str(exc), query=query, reason="parameter")
        refuse_unrun(query, {n: args.get(PARAM_PREFIX + n) for n in names}, exc)
        return {**data, "param_values": {n: args.get(PARAM_PREFIX + n, "") for n in names},
                **error_data(exc), "status": 400}
    data.update({"param_values": raw, "params": typed, "missing": missing})
    if missing:
        return {**data, "status": 200}
    if cross_site():
        exc = ConsoleQueryError(CROSS_SITE, query=query, reason="cross_site")
        refuse_unrun(query, typed, exc)
        return {**data, "confirm": True, **error_data(exc), "status": 200 if not wants_json() else 403}
    try:
        result = execute_console(query, typed)
    except ConsoleQueryError as exc:
        return {**data, "ran": True, **error_data(exc), "status": status_of(exc.reason)}
    return {**data, "ran": True, "result": result_data(result), "status": 200}


def _missing_message(missing: list[str]) -> str:
    return ("The query has parameters without a value: " + ", ".join("$" + n for n in missing)
            + "; give each as p.<name>=<value> in the URL (or fill in the form on /console).")


@page(bp, "/console", summary="Run a read-only Cypher query (analysts)", tag="console",
      params=(Param("q", description="The Cypher query (one read-only statement). Parameters `$name` take "
                                     "their value from `p.name` arguments: true/false, null, integers, decimals "
                                     "and JSON lists/objects are typed, \"quoted\" text is a string, anything "
                                     "else is text. `/console.csv` takes the same arguments."),
              Param("saved", description="Id of a saved query: its text is run when q is not given "
                                         "(short links for long queries), and its title is shown")),
      errors=(400, 401, 403, 413, 503, 504),
      result={"columns": "column names", "kinds": "per column: node, relationship, path, value, mixed or empty",
              "rows": "at most row_cap rows, each a list of values (nodes as objects with _kind and _labels)",
              "truncated": "true when the query returned more than row_cap rows (KLYNGE_CONSOLE_MAX_ROWS)",
              "graph": "nodes and edges drawn from node, relationship and path values"})
def console_page():
    """The analysts' Cypher console: one read-only statement with a server-side timeout
    (KLYNGE_CONSOLE_TIMEOUT_S), a row cap (KLYNGE_CONSOLE_MAX_ROWS) and a byte cap (KLYNGE_CONSOLE_MAX_BYTES).
    Writes, LOAD CSV, procedures outside a short allow-list and several statements are refused. A link
    from another site is not run (403 for JSON; the page asks to confirm). Every run is audited. Needs
    the analyst role."""
    auth.require_role("analyst")
    state = _console_state()
    status = state.pop("status")
    if wants_json():
        if state["error"]:
            return json_error(state["error"], status, reason=state["reason"], outcome=state["outcome"],
                               query=state["query"], params=state["params"])
        if state["missing"]:
            exc = ConsoleQueryError(_missing_message(state["missing"]), query=state["query"], reason="parameter")
            refuse_unrun(state["query"], state["params"], exc)
            return json_error(str(exc), 400, reason="parameter", outcome="refused", query=state["query"],
                               missing=state["missing"])
        if not state["query"].strip():
            return json_error("Give the query as q=<cypher> (and its parameters as p.<name>=<value>).", 400,
                               reason="empty", query="")
        return jsonify({"ok": True, "query": state["query"], "params": state["params"], **state["result"]}), 200
    if state["confirm"]:
        state["error"] = None  # the page's note asks to confirm; nothing failed
    return render_template("console.html", **state, can_save=True), status


@bp.get("/console.csv")
def console_csv():
    """The console's result as CSV with flat columns (:func:`flat_table`): a header row, then one row per
    result row.

    A column of nodes becomes ``c.labels`` and one column per property (``c.name`` …), a column of
    relationships ``r.type`` and one per property; a path is written as its text form
    ``(A)-[:T]-(B)``. Cells: null is empty, true/false are written so, numbers as Python writes
    them, lists and maps as JSON; text that a spreadsheet would run as a formula
    (starting with ``=``, ``+``, ``-``, ``@``, tab or CR) gets a leading ``'``. The headers
    ``X-Klynge-Truncated`` and ``X-Klynge-Row-Cap`` say whether the row cap cut the result.
    """
    auth.require_role("analyst")
    query, _saved = _requested_query()
    args = request_args()
    names = parameter_names(query) if query.strip() else []
    if not query.strip():
        return _text_error("Give the query as q=<cypher> (and its parameters as p.<name>=<value>).", 400, query)
    try:
        _raw, typed, missing = param_values(names, args)
        if missing:
            raise ConsoleQueryError(_missing_message(missing), query=query, reason="parameter")
    except ConsoleQueryError as exc:
        refuse_unrun(query, {n: args.get(PARAM_PREFIX + n) for n in names}, exc)
        return _text_error(str(exc), 400, query)
    if cross_site():
        exc = ConsoleQueryError(CROSS_SITE, query=query, reason="cross_site")
        refuse_unrun(query, typed, exc)
        return _text_error(str(exc), 403, query)
    try:
        result = execute_console(query, typed)
    except ConsoleQueryError as exc:
        return _text_error(str(exc), status_of(exc.reason), query)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    header, rows = flat_table(result.columns, result.rows)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    resp = Response(buf.getvalue(), mimetype="text/csv")
    resp.headers["Content-Type"] = "text/csv; charset=utf-8"
    resp.headers["Content-Disposition"] = 'attachment; filename="klynge-console.csv"'
    resp.headers["X-Klynge-Truncated"] = "true" if result.truncated else "false"
    resp.headers["X-Klynge-Row-Cap"] = str(result.row_cap)
    if result.cut:
        resp.headers["X-Klynge-Cut"] = result.cut
    return resp


def flat_table(columns: list[str], rows: list[list[Any]]) -> tuple[list[str], list[list[Any]]]:
    """Columns of nodes and relationships spread into one column per property (in order of first
    appearance), so a spreadsheet gets plain values; other columns are kept as they are."""
    plan: list[tuple[str, str, list[str]]] = []  # (column, kind, property names)
    for i, col in enumerate(columns):
        kinds = {value_kind(r[i]) for r in rows if r[i] is not None}
        if kinds in ({"node"}, {"relationship"}):
            props: list[str] = []
            for r in rows:
                for k in (r[i] or {}):
                    if not k.startswith("_") and k not in props:
                        props.append(k)
            plan.append((col, kinds.pop(), props))
        else:
            plan.append((col, "value", []))
    header: list[str] = []
    for col, kind, props in plan:
        if kind == "node":
            header += [f"{col}.labels"] + [f"{col}.{p}" for p in props]
        elif kind == "relationship":
            header += [f"{col}.type"] + [f"{col}.{p}" for p in props]
        else:
            header.append(col)
    out = []
    for r in rows:
        line: list[Any] = []
        for i, (_col, kind, props) in enumerate(plan):
            v = r[i]
            if kind in ("node", "relationship"):
                v = v or {}
                line.append(":".join(v.get("_labels") or []) if kind == "node" else v.get("_type"))
                line += [v.get(p) for p in props]
            elif value_kind(v) == "path":
                line.append(cell_text(v))
            else:
                line.append(v)
        out.append(line)
    return header, out


def csv_cell(value: Any) -> str:
    """One CSV cell (see :func:`console_csv`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=False, default=str)
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _text_error(message: str, status: int, query: str) -> Response:
    body = f"{message}\n\nQuery:\n{query}\n"
    return Response(body, status=status, mimetype="text/plain")


# The Run button's POSTs (CSRF token required): the same views, reading the form's fields; a POST is never
# cross-site, so it runs.
bp.add_url_rule("/console", endpoint="console_page_post", view_func=console_page, methods=["POST"])
bp.add_url_rule("/console.json", endpoint="console_page_json_post", view_func=console_page, methods=["POST"])
bp.add_url_rule("/console.csv", endpoint="console_csv_post", view_func=console_csv, methods=["POST"])
