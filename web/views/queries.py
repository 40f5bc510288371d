"""The query library (``/queries``) and saved queries (``POST /queries/save``, ``POST /queries/saved/<id>/delete``):
library queries run through the console's request, limits and audit (:mod:`web.views.console_request`)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for

from cypher import library
from cypher.console import (
    ConsoleQueryError,
    parameter_names,
    validate_query,
)
from web import saved_queries
from klynge.errors import QueryError
from web import auth
from web.errors import wants_json
from web.routes import Param, page, respond
from web.stores import get_store

from web.views.console_request import (
    CROSS_SITE,
    PARAM_PREFIX,
    app_state_dir,
    cell_helpers,
    console_limits,
    cross_site,
    error_data,
    execute_console,
    json_error,
    refuse_unrun,
    request_args,
    result_data,
    status_of,
)

bp = Blueprint("queries", __name__)
bp.context_processor(cell_helpers)


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
    saved = [q.to_dict() for q in saved_queries.list_saved(app_state_dir())]
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
    args = request_args()
    given = {p.name: args.get(PARAM_PREFIX + p.name, "") for p in q.params}
    values = {k: v for k, v in given.items() if v.strip()}
    missing = [p.name for p in q.params if p.name not in values and not p.has_default]
    timeout_s, max_rows = console_limits()
    data: dict[str, Any] = {"entry": _library_entry(q), "text": q.text, "given": given, "missing": missing,
                            "ran": False, "result": None, "error": None, "reason": None, "params": {},
                            "timeout_s": timeout_s, "max_rows": max_rows, "confirm": False}
    status = 200
    run_now = not missing and (args.get("run") == "1" or bool(values) or not q.params)
    if run_now and cross_site():
        err = ConsoleQueryError(CROSS_SITE, query=q.text, reason="cross_site")
        refuse_unrun(q.text, values, err, source=full)
        data.update({"confirm": True, **error_data(err)})
        status = 403 if wants_json() else 200
        run_now = False
    if run_now:
        try:
            params = q.bind(values)
        except QueryError as exc:
            err = ConsoleQueryError(f"Bad parameter: {exc}", query=q.text, reason="parameter")
            refuse_unrun(q.text, values, err, source=full)
            data.update(error_data(err))
            status = 400
        else:
            data["params"] = params
            try:
                result = execute_console(q.text, params, source=full)
            except ConsoleQueryError as exc:
                data.update({"ran": True, **error_data(exc)})
                status = status_of(exc.reason)
            else:
                data.update({"ran": True, "result": result_data(result)})
    # the same query in the console, with the bound values written as the console types them (JSON)
    link_args = {"q": q.text, **{PARAM_PREFIX + k: json.dumps(v, ensure_ascii=False) for k, v in data["params"].items()}}
    data["console_link"] = "/console?" + urlencode(link_args)
    if wants_json():
        if data["error"]:
            return json_error(data["error"], status, reason=data["reason"], query=full)
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
        saved = saved_queries.add(app_state_dir(), title=title, description=description, query=query,
                                  author=author or "")
    except (ConsoleQueryError, saved_queries.SavedQueryError) as exc:
        message = f"The query was not saved: {exc}"
        if wants_json():
            return json_error(message, 400, query=query)
        timeout_s, max_rows = console_limits()
        names = parameter_names(query) if query.strip() else []
        return render_template("console.html", query=query, param_names=names, param_values={}, params={},
                               missing=[], ran=False, result=None, error=None, reason=None, saved=None,
                               timeout_s=timeout_s, max_rows=max_rows, export_args="", can_save=True,
                               save_error=message, save_title=title, save_description=description), 400
    if wants_json():
        return jsonify({"ok": True, "saved": saved.to_dict()}), 201
    return redirect(url_for("queries.queries_page") + f"#saved-{saved.id}", code=303)


@bp.post("/queries/saved/<query_id>/delete")
def delete_saved_query(query_id: str):
    """Delete a saved query: its author or an admin only."""
    auth.require_role("analyst")
    try:
        saved_queries.delete(app_state_dir(), query_id, user=auth.current_username(), is_admin=auth.has_role("admin"))
    except saved_queries.SavedQueryNotFound as exc:
        abort(404, description=str(exc))
    except saved_queries.SavedQueryForbidden as exc:
        abort(403, description=str(exc))
    if wants_json():
        return jsonify({"ok": True, "deleted": query_id}), 200
    return redirect(url_for("queries.queries_page"), code=303)
