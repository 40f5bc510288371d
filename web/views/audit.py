"""The admin's audit log page (``/admin/audit``): every console and library run, newest first."""

from __future__ import annotations


from flask import Blueprint, request

from klynge import audit
from web import auth
from web.routes import Param, page, respond

from web.views.console_request import (
    AUDIT_LIMIT,
    app_state_dir,
)

bp = Blueprint("audit", __name__)


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
    entries = audit.read_entries(app_state_dir(), limit=limit, user=user)
    return respond("audit.html", {"entries": entries, "user": user, "limit": limit,
                                  "path": str(audit.audit_path(app_state_dir()))})
