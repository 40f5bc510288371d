"""Log in and log out.

``GET /login`` shows the form; ``POST /login`` checks the password (CSRF token
required; failures throttled per username and client address, and attempts from an
address with many failures slowed down, see :class:`web.auth.LoginThrottle`) and
redirects to ``next`` when it is a path on this site. ``POST /logout`` ends the session
on the server. Accounts are made with ``klynge users add``.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request

from web import auth

bp = Blueprint("account", __name__)

FAILED = "Unknown username or wrong password."


def _form(status: int = 200, **ctx):
    ctx.setdefault("next", auth.safe_next(request.values.get("next"), default=""))
    ctx.setdefault("username", "")
    ctx.setdefault("no_users", len(auth.users()) == 0)
    return render_template("login.html", **ctx), status


@bp.get("/login")
def login_form():
    """The login form (a logged-in user sees who they are and a log-out button)."""
    return _form()


@bp.post("/login")
def login():
    """Check the password, start a session and go to ``next`` (or the start page)."""
    username = (request.form.get("username") or "").strip().lower()[:64]
    password = request.form.get("password") or ""
    target = auth.safe_next(request.form.get("next"))
    if not username or not password:
        return _form(400, error="Enter a username and a password.", username=username)
    throttle: auth.LoginThrottle = current_app.extensions["klynge_login_throttle"]
    address = request.remote_addr or "-"
    wait = throttle.retry_after(username, address)
    if wait:
        current_app.logger.warning("login throttled for %r from %s (%d s)", username, address, wait)
        body, status = _form(429, error=f"Too many failed logins for this username from your address: "
                                        f"try again in {wait} seconds.", username=username)
        return body, status, {"Retry-After": str(wait)}
    hold = throttle.slowdown(address)
    if hold:
        throttle.sleep(hold)  # many failures from this address: slower, but a correct password still works
    record = auth.users().authenticate(username, password)
    if record is None:
        throttle.failed(username, address)
        current_app.logger.warning("failed login for %r from %s", username, address)
        return _form(401, error=FAILED, username=username)
    throttle.succeeded(username, address)
    auth.log_in(record)
    current_app.logger.info("login %r (%s) from %s", record.username, record.role, address)
    return redirect(target, code=303)


@bp.post("/logout")
def logout():
    """End the session and go to the start page."""
    auth.log_out()
    return redirect("/", code=303)
