"""Confidential business information (advisors' assessments): who may see it, leaving it out for the rest,
and the audit of every view and change.

Advisors, analysts and admins see assessments; viewers and anonymous visitors see nothing of them — no
page, no JSON key, no count: the start page's and ``/healthz``'s counts per label leave out the
confidential labels and types, and the status pages leave out the loads of confidential sources. Every
page or JSON twin that shows assessments, and every change, is written to the audit log
(:func:`klynge.audit.record_access`); a refused request is recorded too. When the log cannot be
written, nothing confidential is shown (the request fails).

Analysts can also read assessments in the Cypher console and the query library (they are analysts,
so above advisors); those runs are audited as console runs. Viewers and anonymous visitors never
reach the console.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app, request

from cypher.schema.model import CONFIDENTIAL_LABELS, CONFIDENTIAL_SOURCES, CONFIDENTIAL_TYPES
from klynge import audit
from web import auth

MIN_ROLE = "advisor"
KIND = "assessment"


def visible() -> bool:
    """Whether the current user may see assessments (an advisor or above)."""
    return auth.has_role(MIN_ROLE)


def public_counts(counts: Mapping[str, Any]) -> dict[str, Any]:
    """``store.counts()`` without the confidential labels and types, unless the user may see them."""
    if visible():
        return dict(counts)
    return {"labels": {k: v for k, v in (counts.get("labels") or {}).items() if k not in CONFIDENTIAL_LABELS},
            "relationships": {k: v for k, v in (counts.get("relationships") or {}).items()
                              if k not in CONFIDENTIAL_TYPES}}


def public_loads(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Load records without those of confidential sources, unless the user may see them."""
    if visible():
        return rows
    return [r for r in rows if r.get("source") not in CONFIDENTIAL_SOURCES]


def record(action: str, subject: str, description: str, *, rows: int | None = None, outcome: str = "ok",
           message: str | None = None) -> None:
    """Append a view or change by the current user to the audit log (raises AuditError when it cannot)."""
    user = auth.current_user()
    settings = current_app.extensions["klynge_settings"]
    audit.record_access(settings.state_dir, kind=KIND, action=action, subject=subject[:200], description=description,
                        user=user.username if user else None, role=auth.current_role(),
                        client_ip=request.remote_addr, endpoint=request.endpoint, rows=rows, outcome=outcome,
                        message=message)


def require(action: str, subject: str) -> None:
    """Stop the request unless the user is an advisor or above; a refusal is audited first."""
    if visible():
        return
    record(action, subject, f"{request.method} {request.path} refused: needs the {MIN_ROLE} role",
           outcome="refused", message=f"role {auth.current_role()}")
    auth.require_role(MIN_ROLE)
