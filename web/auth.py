"""The login seam: who is looking, and what they may see.

Login arrives with a later issue. Until then every visitor is an anonymous
``viewer``: organisations, clusters and regions are public, while person names
and person pages need an ``advisor`` (or ``analyst``/``admin``). Tests set the
role with the app config key ``KLYNGE_TEST_ROLE``, honoured only when
``TESTING`` is true.
"""

from __future__ import annotations

from flask import abort, current_app

ROLES = ("viewer", "advisor", "analyst", "admin")
PERSON_ROLES = frozenset({"advisor", "analyst", "admin"})


def current_role() -> str:
    """The role of the current request: "viewer" for anonymous users."""
    if current_app.config.get("TESTING"):
        role = current_app.config.get("KLYNGE_TEST_ROLE")
        if role in ROLES:
            return role
    return "viewer"


def can_see_persons() -> bool:
    """Whether person names and person pages may be shown to the current user."""
    return current_role() in PERSON_ROLES


def require_person_access() -> None:
    """Abort with 403 and a helpful message when the user may not see persons."""
    if not can_see_persons():
        abort(403, description="Person pages are shown to logged-in advisors only. "
                               "Organisations, clusters and regions stay open to everyone.")


def person_label(person_key: str | None, name: str | None) -> str:
    """The name for advisors, else a stable pseudonymous label such as "Person 3f2a…"."""
    if can_see_persons() and name:
        return name
    return f"Person {str(person_key or '')[:4]}…"
