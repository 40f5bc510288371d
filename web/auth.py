"""Who is looking, and what they may see: login sessions, roles, CSRF and the login throttle.

Roles, least to most privileged: ``viewer`` < ``advisor`` < ``analyst`` < ``admin``.
Organisations, clusters and regions are public (anonymous visitors are viewers);
person names and person pages need an advisor or above; the analyst console
needs an analyst or above. Accounts are managed with ``klynge users …`` and kept
in ``<state_dir>/users.json`` (see :mod:`web.users`).

Sessions are server-side (:mod:`web.sessions`, ``<state_dir>/sessions.sqlite3``): the
signed cookie that Flask-Login keeps carries only a random session id. Logging out deletes
the session, so a copy of the old cookie no longer works; ``klynge users remove``,
``set-role`` and ``passwd`` end every session of the user (the session also keeps the
account's fingerprint of its login — password hash and role — as a second wall). A login
lasts at most ``session_hours`` (absolute, counted from the login).

Every POST, PUT, PATCH and DELETE — forms and JSON alike — needs a CSRF token
(Flask-WTF's ``CSRFProtect``): forms send ``csrf_token`` as a hidden field, scripts
send the token from ``<meta name="csrf-token">`` in the ``X-CSRFToken`` header.

Failed logins are throttled in process memory (:class:`LoginThrottle`): per
username and client address, five failures are free, then each further attempt
must wait 30 s, doubling up to 15 minutes (429). Per client address alone nothing is
refused — many failures with made-up usernames from one address (or from everyone
behind one proxy) must not lock out someone else's correct password — but after 20
failures every attempt from that address is slowed down, from 0.25 s doubling up to 2 s.
A successful login clears that username's counter. Each gunicorn worker keeps its own
counters, so with ``w`` workers an attacker gets at most ``w`` times as many tries; the
counters reset when a worker restarts. Behind a reverse proxy, set
``KLYNGE_TRUSTED_PROXIES`` to the number of proxies: otherwise the client address is the
proxy's, and every client shares one per-address counter.

Tests may set the role with the app config key ``KLYNGE_TEST_ROLE``, honoured only
when ``TESTING`` is true; the user is then called ``test-<role>``.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from ipaddress import ip_address
from pathlib import Path
from urllib.parse import quote, urlsplit

import flask_login
from flask import Flask, abort, current_app, has_request_context, redirect, request, session
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import Forbidden

from klynge.config import Settings
from klynge.errors import ConfigError
from web.sessions import SessionStore
from klynge.state import private_secret
from web.users import ROLES, UserRecord, UserStore

__all__ = [
    "PERSON_ROLES",
    "ROLES",
    "LoginThrottle",
    "User",
    "can_see_persons",
    "current_role",
    "current_user",
    "current_username",
    "has_role",
    "init_app",
    "person_label",
    "require_person_access",
    "require_role",
    "safe_next",
    "sessions",
    "users",
]

PERSON_ROLES = frozenset(r for r in ROLES if ROLES.index(r) >= ROLES.index("advisor"))
SESSION_COOKIE = "klynge_session"
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}

login_manager = flask_login.LoginManager()
login_manager.session_protection = "basic"
csrf = CSRFProtect()


@dataclass(frozen=True)
class User:
    """The logged-in user of a request: a name and a role (nothing secret)."""

    username: str
    role: str
    session_id: str = ""

    # Flask-Login's user protocol
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return self.session_id


# ---------------------------------------------------------------- the seam used by views


def current_user() -> User | None:
    """The logged-in user of the current request, or None for an anonymous visitor."""
    if not has_request_context():
        return None
    if current_app.config.get("TESTING"):
        role = current_app.config.get("KLYNGE_TEST_ROLE")
        if role in ROLES:
            return User(f"test-{role}", role)
    user = flask_login.current_user
    if user is not None and getattr(user, "is_authenticated", False) and isinstance(user, User):
        return User(user.username, user.role)
    return None


def current_username() -> str | None:
    """The logged-in user's name, or None for an anonymous visitor."""
    user = current_user()
    return user.username if user else None


def current_role() -> str:
    """The role of the current request: "viewer" for anonymous users."""
    user = current_user()
    return user.role if user else "viewer"


def _rank(role: str) -> int:
    if role not in ROLES:
        raise ValueError(f"role {role!r} is unknown: expected one of {', '.join(ROLES)}")
    return ROLES.index(role)


def has_role(min_role: str) -> bool:
    """Whether the current user has ``min_role`` or a more privileged one."""
    return _rank(current_role()) >= _rank(min_role)


def require_role(min_role: str) -> None:
    """Stop the request unless the current user has ``min_role`` or above.

    Anonymous visitors of an HTML page are redirected to ``/login?next=<this page>``;
    anonymous JSON clients get 401; logged-in users with too low a role get 403 with
    a message naming the role needed.
    """
    if has_role(min_role):
        return
    user = current_user()
    if user is None:
        from web.errors import wants_json

        if wants_json():
            abort(401, description=f"This needs a logged-in {min_role} (or above): log in at /login first.")
        target = request.path + (f"?{request.query_string.decode('latin-1')}" if request.query_string else "")
        abort(redirect("/login?next=" + quote(target, safe="")))
    abort(403, description=f"This page needs the {min_role} role or above; you are logged in as "
                           f"{user.username} ({user.role}). An admin can change your role with "
                           f"`klynge users set-role {user.username} {min_role}`.")


def can_see_persons() -> bool:
    """Whether person names and person pages may be shown to the current user."""
    return current_role() in PERSON_ROLES


def require_person_access() -> None:
    """Abort with 403 and a helpful message when the user may not see persons."""
    if not can_see_persons():
        exc = Forbidden(description="Person pages are shown to logged-in advisors only. "
                                    "Organisations, clusters and regions stay open to everyone.")
        if current_user() is None:
            page = request.path.removesuffix(".json")
            exc.klynge_hint = f"Advisors log in at /login?next={quote(page, safe='')}"  # type: ignore[attr-defined]
        raise exc


def person_label(person_key: str | None, name: str | None) -> str:
    """The name for advisors, else a stable pseudonymous label such as "Person 3f2a…"."""
    if can_see_persons() and name:
        return name
    return f"Person {str(person_key or '')[:4]}…"


def safe_next(target: str | None, default: str = "/") -> str:
    """``target`` if it is a path on this site, else ``default``.

    Refuses absolute and scheme-relative URLs (``https://x``, ``//x``, ``/\\x``),
    anything with a backslash or control character, and the login/logout pages.
    """
    if not target or not isinstance(target, str) or len(target) > 2000:
        return default
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(c) < 32 or ord(c) == 127 for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    if parts.path in ("/login", "/logout"):
        return default
    return target


def users() -> UserStore:
    """The app's user store."""
    return current_app.extensions["klynge_users"]


# ---------------------------------------------------------------- throttle


class LoginThrottle:
    """Failed-login counters in process memory: a back-off per username and address, a slowdown per address.

    Parameters
    ----------
    free : failures per username and address before attempts are refused for a while.
    free_per_address : failures per address (any username) before its attempts are slowed down.
    base_s, max_s : the first refusal and the longest one; each further failure doubles it.
    slow_base_s, slow_max_s : the first slowdown per address and the longest one (doubling likewise).
    clock : a monotonic clock in seconds (tests pass a fake one).
    sleep : how an attempt is held for its slowdown (tests pass a fake one).
    """

    def __init__(self, free: int = 5, free_per_address: int = 20, base_s: float = 30.0, max_s: float = 900.0,
                 slow_base_s: float = 0.25, slow_max_s: float = 2.0,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.free, self.free_per_address = free, free_per_address
        self.base_s, self.max_s, self.clock, self.sleep = base_s, max_s, clock, sleep
        self.slow_base_s, self.slow_max_s = slow_base_s, slow_max_s
        self._fails: dict[tuple[str, str], tuple[int, float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _backoff(count: int, free: int, base: float, top: float) -> float:
        if count < free:
            return 0.0
        return min(top, base * 2 ** (count - free))

    def retry_after(self, username: str, address: str) -> int:
        """Seconds before this username may be tried again from this address (0: go ahead)."""
        now = self.clock()
        with self._lock:
            count, last = self._fails.get((username.lower(), address), (0, 0.0))
        return max(0, math.ceil(last + self._backoff(count, self.free, self.base_s, self.max_s) - now))

    def slowdown(self, address: str) -> float:
        """Seconds to hold an attempt from this address before checking it (0 below ``free_per_address``
        failures); never a refusal, so a correct password from a busy address still logs in."""
        with self._lock:
            count, last = self._fails.get(("", address), (0, 0.0))
        if self.clock() - last > self.max_s:
            return 0.0
        return self._backoff(count, self.free_per_address, self.slow_base_s, self.slow_max_s)

    def failed(self, username: str, address: str) -> None:
        """Count a failed attempt (for the username at this address, and for the address)."""
        now = self.clock()
        with self._lock:
            if len(self._fails) > 10000:  # forget entries whose longest delay is over
                self._fails = {k: v for k, v in self._fails.items() if now - v[1] < self.max_s}
            for key in ((username.lower(), address), ("", address)):
                count, _last = self._fails.get(key, (0, 0.0))
                self._fails[key] = (count + 1, now)

    def succeeded(self, username: str, address: str) -> None:
        """Clear the username's counter at this address (the address counter stays)."""
        with self._lock:
            self._fails.pop((username.lower(), address), None)


# ---------------------------------------------------------------- app setup


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` is a loopback address or name (127.0.0.0/8, ::1, localhost)."""
    if not host:
        return False
    h = host.strip("[]").lower()
    if h in LOOPBACK_NAMES:
        return True
    try:
        return ip_address(h).is_loopback
    except ValueError:
        return False


def secure_cookies(settings: Settings, bind_host: str | None) -> bool:
    """Whether the session cookie is ``Secure`` (and HSTS is sent).

    ``true``/``false`` from ``KLYNGE_SECURE_COOKIES`` win. ``auto`` means Secure unless
    the development server of ``klynge serve``/``klynge demo`` binds to a loopback
    address (``bind_host``; gunicorn passes none, so production is always Secure).
    """
    mode = settings.secure_cookies.lower()
    if mode in ("true", "false"):
        return mode == "true"
    return not is_loopback(bind_host)


def load_secret_key(settings: Settings) -> str:
    """``settings.secret_key``, else the key in ``<state_dir>/secret_key``, created (0600) on first use.

    Several processes may start at once: the key is written to a temporary file and
    hard-linked into place, so exactly one key wins and every process reads it.
    """
    if settings.secret_key:
        if len(settings.secret_key) < 16:
            raise ConfigError("setting secret_key (KLYNGE_SECRET_KEY) is too short: at least 16 characters; "
                              "unset it to have one generated in the state directory")
        return settings.secret_key
    path = Path(settings.state_dir) / "secret_key"
    private_secret(path)
    key = path.read_text().strip()
    if len(key) < 32:
        raise ConfigError(f"secret key file {path} holds fewer than 32 characters; delete it to have a new "
                          "one generated (everyone will have to log in again)")
    return key


def sessions() -> SessionStore:
    """The app's server-side session store."""
    return current_app.extensions["klynge_sessions"]


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    live = sessions().get(session_id or "")
    if live is None:
        return None
    record = users().get(live.username)
    if record is None or not secrets.compare_digest(record.fingerprint, live.fingerprint):
        return None
    return User(record.username, record.role, session_id)


def log_in(record: UserRecord) -> None:
    """Start a fresh server-side session for ``record`` (the old cookie session's contents are dropped)."""
    session.clear()
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    session_id = sessions().create(record.username, record.fingerprint, lifetime)
    flask_login.login_user(User(record.username, record.role, session_id))
    session.permanent = True


def log_out() -> None:
    """End the session: deleted on the server, so the cookie no longer works anywhere."""
    user = flask_login.current_user
    session_id = user.get_id() if getattr(user, "is_authenticated", False) else None
    if session_id:
        sessions().revoke(session_id)
    flask_login.logout_user()
    session.clear()


def init_app(app: Flask, settings: Settings) -> None:
    """Sessions, Flask-Login, CSRF protection and the login throttle for ``app``.

    ``app.config["KLYNGE_BIND_HOST"]`` is set by ``klynge serve``/``klynge demo`` to the
    address the development server binds; see :func:`secure_cookies`.
    """
    secure = secure_cookies(settings, app.config.get("KLYNGE_BIND_HOST"))
    lifetime = timedelta(hours=settings.session_hours)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(settings)
    app.config.update(
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        PERMANENT_SESSION_LIFETIME=lifetime,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=int(lifetime.total_seconds()),
        KLYNGE_SECURE_COOKIES=secure,
    )
    app.extensions["klynge_users"] = UserStore(settings.state_dir)
    app.extensions["klynge_sessions"] = SessionStore(settings.state_dir)
    app.extensions["klynge_login_throttle"] = app.config.get("KLYNGE_LOGIN_THROTTLE") or LoginThrottle()
    login_manager.init_app(app)
    csrf.init_app(app)

    @app.context_processor
    def auth_context():
        return {"current_user_info": current_user(), "has_role": has_role}

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        from web.errors import _respond

        return _respond(f"The request was refused: {exc.description} Every form and JSON POST needs the page's "
                        "CSRF token (form field csrf_token, or the X-CSRFToken header for scripts).", 400,
                        "Reload the page and try again; if it keeps failing, log in again.")
