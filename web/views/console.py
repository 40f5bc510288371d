"""The analysts' Cypher console, the query library and saved queries, and the admin's audit log page.

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
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from cypher import library
from cypher.console import (
    ConsoleQueryError,
    ConsoleResult,
    parameter_names,
    parse_param_value,
    result_graph,
    run_console,
    validate_query,
    value_kind,
)
from klynge import audit, saved_queries
from klynge.errors import KlyngeError, QueryError
from web import auth
from web.errors import wants_json
from web.routes import Param, page, respond
from web.stores import get_store

bp = Blueprint("console", __name__)

#: Refusal reasons of :class:`ConsoleQueryError` (the others are a timeout and a failure).
REFUSED = frozenset({"empty", "multiple_statements", "load_csv", "procedure", "write", "parameter", "cross_site",
                     "too_large"})
CROSS_SITE = ("This query was opened from a link on another site, so it was not run: check it, then run it "
              "with the Run button on the console page.")
PARAM_PREFIX = "p."
AUDIT_LIMIT = 200


def _settings() -> Any:
    return current_app.extensions["klynge_settings"]


def _state_dir() -> Path:
    return Path(getattr(_settings(), "state_dir", None) or "var/state")


def _limits() -> tuple[float, int]:
    s = _settings()
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


@bp.context_processor
def _cell_helpers() -> dict[str, Any]:
    return {"cell_text": cell_text, "cell_kind": value_kind}


# --------------------------------------------------------------------------- running and auditing


class _Missing(Exception):
    """Some parameters of the query have no value."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(", ".join(names))
        self.names = names


def _param_values(names: list[str], args: MultiDict) -> tuple[dict[str, str], dict[str, Any], list[str]]:
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


def _status_of(reason: str) -> int:
    return {"timeout": 504, "busy": 503, "cross_site": 403, "too_large": 413}.get(reason, 400)


def _args() -> MultiDict:
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


def _export_args() -> str:
    """The query string that reproduces this console run (for the CSV/JSON links and the shared link)."""
    if request.method != "POST":
        return request.query_string.decode("latin-1")
    fields = [(k, v) for k, v in request.form.items(multi=True) if k in ("q", "saved") or k.startswith(PARAM_PREFIX)]
    return urlencode(fields)


def _outcome_of(reason: str) -> str:
    if reason in ("timeout", "busy"):
        return "timeout"
    return "refused" if reason in REFUSED else "error"


def _audit(*, query: str, params: dict[str, Any], outcome: str, result: ConsoleResult | None = None,
           message: str | None = None, source: str | None = None) -> None:
    endpoint = request.endpoint or ""
    if source:
        endpoint = f"{endpoint} ({source})"
    audit.record(_state_dir(), user=auth.current_username(), role=auth.current_role(), client_ip=request.remote_addr,
                 endpoint=endpoint, query=query, params=params,
                 rows=None if result is None else len(result.rows),
                 elapsed_ms=None if result is None else result.elapsed_ms,
                 truncated=bool(result and result.truncated), outcome=outcome, message=message)


def _execute(query: str, params: dict[str, Any], *, source: str | None = None) -> ConsoleResult:
    """Run ``query`` through :func:`run_console` and audit the run; errors are audited and re-raised."""
    timeout_s, max_rows = _limits()
    try:
        result = run_console(get_store(), query, params, timeout_s=timeout_s, max_rows=max_rows)
    except ConsoleQueryError as exc:
        _audit(query=query, params=params, outcome=_outcome_of(exc.reason), message=str(exc), source=source)
        raise
    except KlyngeError as exc:  # the store is down, or a setting is wrong
        _audit(query=query, params=params, outcome="error", message=str(exc), source=source)
        raise
    _audit(query=query, params=params, outcome="truncated" if result.truncated else "ok", result=result, source=source)
    return result


def _refuse_unrun(query: str, params: dict[str, Any], exc: ConsoleQueryError, *, source: str | None = None) -> None:
    """Audit a refusal that happened before the store was asked (bad or missing parameters)."""
    _audit(query=query, params=params, outcome="refused", message=str(exc), source=source)


def _result_data(result: ConsoleResult) -> dict[str, Any]:
    graph = result_graph(result)
    return {"columns": list(result.columns), "kinds": list(result.kinds), "rows": [list(r) for r in result.rows],
            "row_count": len(result.rows), "truncated": result.truncated, "cut": result.cut,
            "byte_cap": result.byte_cap, "row_cap": result.row_cap,
            "timeout_s": result.timeout_s, "elapsed_ms": result.elapsed_ms, "graph": graph,
            "has_graph": bool(graph["nodes"])}


def _error_data(exc: ConsoleQueryError) -> dict[str, Any]:
    return {"error": str(exc), "reason": exc.reason, "outcome": _outcome_of(exc.reason)}


def _json_error(message: str, status: int, **extra: Any):
    return jsonify({"ok": False, "error": message, "status": status, **extra}), status


# --------------------------------------------------------------------------- the console


def _requested_query() -> tuple[str, dict[str, Any] | None]:
    """The query of the request: ``q``, else the text of saved query ``saved`` (404 when unknown)."""
    args = _args()
    saved_id = args.get("saved")
    saved = None
    if saved_id:
        try:
            saved = saved_queries.get(_state_dir(), saved_id).to_dict()
        except saved_queries.SavedQueryNotFound as exc:
            abort(404, description=str(exc))
    query = args.get("q", "")
    if not query.strip() and saved is not None:
        query = saved["query"]
    return query, saved


def _console_state() -> dict[str, Any]:
    """Parse the request's query and parameters; run when complete. Returns the page data and HTTP status."""
    query, saved = _requested_query()
    args = _args()
    names = parameter_names(query) if query.strip() else []
    timeout_s, max_rows = _limits()
    data: dict[str, Any] = {"query": query, "param_names": names, "param_values": {}, "params": {},
                            "missing": [], "ran": False, "result": None, "error": None, "reason": None,
                            "timeout_s": timeout_s, "max_rows": max_rows, "saved": saved,
                            "export_args": _export_args(), "confirm": False}
    if not query.strip():
        return {**data, "status": 200}
    try:
        raw, typed, missing = _param_values(names, args)
    except ConsoleQueryError as exc:
        exc = ConsoleQueryError(str(exc), query=query, reason="parameter")
        _refuse_unrun(query, {n: args.get(PARAM_PREFIX + n) for n in names}, exc)
        return {**data, "param_values": {n: args.get(PARAM_PREFIX + n, "") for n in names},
                **_error_data(exc), "status": 400}
    data.update({"param_values": raw, "params": typed, "missing": missing})
    if missing:
        return {**data, "status": 200}
    if cross_site():
        exc = ConsoleQueryError(CROSS_SITE, query=query, reason="cross_site")
        _refuse_unrun(query, typed, exc)
        return {**data, "confirm": True, **_error_data(exc), "status": 200 if not wants_json() else 403}
    try:
        result = _execute(query, typed)
    except ConsoleQueryError as exc:
        return {**data, "ran": True, **_error_data(exc), "status": _status_of(exc.reason)}
    return {**data, "ran": True, "result": _result_data(result), "status": 200}


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
            return _json_error(state["error"], status, reason=state["reason"], outcome=state["outcome"],
                               query=state["query"], params=state["params"])
        if state["missing"]:
            exc = ConsoleQueryError(_missing_message(state["missing"]), query=state["query"], reason="parameter")
            _refuse_unrun(state["query"], state["params"], exc)
            return _json_error(str(exc), 400, reason="parameter", outcome="refused", query=state["query"],
                               missing=state["missing"])
        if not state["query"].strip():
            return _json_error("Give the query as q=<cypher> (and its parameters as p.<name>=<value>).", 400,
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
    args = _args()
    names = parameter_names(query) if query.strip() else []
    if not query.strip():
        return _text_error("Give the query as q=<cypher> (and its parameters as p.<name>=<value>).", 400, query)
    try:
        _raw, typed, missing = _param_values(names, args)
        if missing:
            raise ConsoleQueryError(_missing_message(missing), query=query, reason="parameter")
    except ConsoleQueryError as exc:
        _refuse_unrun(query, {n: args.get(PARAM_PREFIX + n) for n in names}, exc)
        return _text_error(str(exc), 400, query)
    if cross_site():
        exc = ConsoleQueryError(CROSS_SITE, query=query, reason="cross_site")
        _refuse_unrun(query, typed, exc)
        return _text_error(str(exc), 403, query)
    try:
        result = _execute(query, typed)
    except ConsoleQueryError as exc:
        return _text_error(str(exc), _status_of(exc.reason), query)
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


# --------------------------------------------------------------------------- library and saved queries


def _library_entry(q: library.LibraryQuery) -> dict[str, Any]:
    return {"name": q.name, "title": q.title, "description": q.description, "mode": q.mode,
            "params": [{"name": p.name, "type": p.type, "default": p.default, "has_default": p.has_default}
                       for p in q.params]}


def _read_library() -> list[library.LibraryQuery]:
    return [q for q in library.names(get_store().backend) if q.mode == "read"]


@page(bp, "/queries", summary="The query library and saved queries (analysts)", tag="console",
      errors=(401, 403))
def queries_page():
    """The read queries of the `cypher/queries` library (title, description, parameters), runnable from a
    form, and the analysts' saved queries with author and date. Needs the analyst role."""
    auth.require_role("analyst")
    saved = [q.to_dict() for q in saved_queries.list_saved(_state_dir())]
    user = auth.current_username()
    is_admin = auth.has_role("admin")
    for q in saved:
        q["can_delete"] = is_admin or (user is not None and q["author"] == user)
    return respond("queries.html", {"library": [_library_entry(q) for q in _read_library()], "saved": saved})


@page(bp, "/queries/<group>/<name>", summary="Run a library query from a form (analysts)", tag="console",
      params=(Param("p.<name>", description="A value for the query's parameter <name> (typed as the query "
                                            "declares: str, int, float, bool, comma-separated lists)"),),
      errors=(400, 401, 403, 404, 504))
def library_query_page(group: str, name: str):
    """One library query: its parameters as a form and, once they are given (or have defaults), its result
    through the console's read-only path (same timeout, row cap and audit). Needs the analyst role."""
    auth.require_role("analyst")
    full = f"{group}/{name}"
    try:
        q = library.get(full, get_store().backend)
    except QueryError:
        abort(404, description=f"No library query is named {full!r}; /queries lists them.")
    if q.mode != "read":
        abort(404, description=f"Library query {full} writes to the graph; only read queries run here.")
    args = _args()
    given = {p.name: args.get(PARAM_PREFIX + p.name, "") for p in q.params}
    values = {k: v for k, v in given.items() if v.strip()}
    missing = [p.name for p in q.params if p.name not in values and not p.has_default]
    timeout_s, max_rows = _limits()
    data: dict[str, Any] = {"entry": _library_entry(q), "text": q.text, "given": given, "missing": missing,
                            "ran": False, "result": None, "error": None, "reason": None, "params": {},
                            "timeout_s": timeout_s, "max_rows": max_rows, "confirm": False}
    status = 200
    run_now = not missing and (args.get("run") == "1" or bool(values) or not q.params)
    if run_now and cross_site():
        err = ConsoleQueryError(CROSS_SITE, query=q.text, reason="cross_site")
        _refuse_unrun(q.text, values, err, source=full)
        data.update({"confirm": True, **_error_data(err)})
        status = 403 if wants_json() else 200
        run_now = False
    if run_now:
        try:
            params = q.bind(values)
        except QueryError as exc:
            err = ConsoleQueryError(f"Bad parameter: {exc}", query=q.text, reason="parameter")
            _refuse_unrun(q.text, values, err, source=full)
            data.update(_error_data(err))
            status = 400
        else:
            data["params"] = params
            try:
                result = _execute(q.text, params, source=full)
            except ConsoleQueryError as exc:
                data.update({"ran": True, **_error_data(exc)})
                status = _status_of(exc.reason)
            else:
                data.update({"ran": True, "result": _result_data(result)})
    # the same query in the console, with the bound values written as the console types them (JSON)
    link_args = {"q": q.text, **{PARAM_PREFIX + k: json.dumps(v, ensure_ascii=False) for k, v in data["params"].items()}}
    data["console_link"] = "/console?" + urlencode(link_args)
    if wants_json():
        if data["error"]:
            return _json_error(data["error"], status, reason=data["reason"], query=full)
        return jsonify({"ok": True, "query": full, "entry": data["entry"], "params": data["params"],
                        "missing": missing, "ran": data["ran"], **(data["result"] or {})}), status
    if data["confirm"]:
        data["error"] = None  # the page's note asks to confirm; nothing failed
    return render_template("queries_run.html", **data), status


bp.add_url_rule("/queries/<group>/<name>", endpoint="library_query_page_post", view_func=library_query_page,
                methods=["POST"])


@bp.post("/queries/save")
def save_query():
    """Save the console's query for the logged-in analyst (form fields title, description, query)."""
    auth.require_role("analyst")
    title = request.form.get("title", "")
    description = request.form.get("description", "")
    query = request.form.get("query", "")
    author = auth.current_username()
    try:
        validate_query(get_store(), query)
        saved = saved_queries.add(_state_dir(), title=title, description=description, query=query,
                                  author=author or "")
    except (ConsoleQueryError, saved_queries.SavedQueryError) as exc:
        message = f"The query was not saved: {exc}"
        if wants_json():
            return _json_error(message, 400, query=query)
        timeout_s, max_rows = _limits()
        names = parameter_names(query) if query.strip() else []
        return render_template("console.html", query=query, param_names=names, param_values={}, params={},
                               missing=[], ran=False, result=None, error=None, reason=None, saved=None,
                               timeout_s=timeout_s, max_rows=max_rows, export_args="", can_save=True,
                               save_error=message, save_title=title, save_description=description), 400
    if wants_json():
        return jsonify({"ok": True, "saved": saved.to_dict()}), 201
    return redirect(url_for("console.queries_page") + f"#saved-{saved.id}", code=303)


@bp.post("/queries/saved/<query_id>/delete")
def delete_saved_query(query_id: str):
    """Delete a saved query: its author or an admin only."""
    auth.require_role("analyst")
    try:
        saved_queries.delete(_state_dir(), query_id, user=auth.current_username(), is_admin=auth.has_role("admin"))
    except saved_queries.SavedQueryNotFound as exc:
        abort(404, description=str(exc))
    except saved_queries.SavedQueryForbidden as exc:
        abort(403, description=str(exc))
    if wants_json():
        return jsonify({"ok": True, "deleted": query_id}), 200
    return redirect(url_for("console.queries_page"), code=303)


# --------------------------------------------------------------------------- the audit log


@page(bp, "/admin/audit", summary="The console audit log (admins)", tag="console",
      params=(Param("user", description="Only this user's entries"),
              Param("limit", "integer", "Most entries shown, newest first", 100, minimum=1, maximum=AUDIT_LIMIT)),
      errors=(400, 401, 403))
def audit_page():
    """The latest console runs, newest first: who, when (UTC), query, parameters, rows, time, outcome and
    client address. Needs the admin role."""
    auth.require_role("admin")
    from web import params as web_params

    limit = web_params.int_arg("limit", 100, 1, AUDIT_LIMIT)
    user = (request.args.get("user") or "").strip() or None
    entries = audit.read_entries(_state_dir(), limit=limit, user=user)
    return respond("audit.html", {"entries": entries, "user": user, "limit": limit,
                                  "path": str(audit.audit_path(_state_dir()))})
