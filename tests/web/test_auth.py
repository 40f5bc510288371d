"""Login, roles, sessions, CSRF and security headers of the web app (web/auth.py, web/views/account.py).

Expected values come from the issue (#8: roles viewer < advisor < analyst < admin; person data for
advisors and above; the console for analysts and above; CSRF on every form and JSON POST) and
from web/auth.py's documented throttle (5 free failures, then 30 s doubling).
"""

from __future__ import annotations

import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask import jsonify, request

from klynge.errors import ConfigError
from tests.web.conftest import TEST_PASSWORD, csrf_token_of, log_in
from web import HSTS, auth

PERSON = "/person/3f2a9c1e"  # Kari Nordmann in the small graph
ORG = "/org/923609016"  # EQUINOR ASA, Kari Nordmann chairs its board
CONSOLE_EXISTS = (Path(auth.__file__).parent / "views" / "console.py").exists()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def probe_app(app_factory, **config):
    """An app with two extra routes: a page guarded by require_role("analyst") and a JSON POST echo."""
    app = app_factory(**config)

    @app.get("/_probe/analyst")
    def analyst_page():
        auth.require_role("analyst")
        return {"ok": True, "user": auth.current_username(), "role": auth.current_role()}

    @app.post("/_probe/echo")
    def echo():
        return jsonify(ok=True, got=request.get_json())

    return app


# ---------------------------------------------------------------- login and logout


def test_login_with_the_right_password_starts_a_session_and_goes_to_next(graph, app_factory, user_store):
    graph.small()
    user_store.add("kari", TEST_PASSWORD, "advisor")
    client = app_factory().test_client()
    assert client.get(PERSON).status_code == 403
    r = log_in(client, "kari", TEST_PASSWORD, next_path=PERSON)
    assert r.status_code == 303 and r.headers["Location"] == PERSON
    page = client.get(PERSON)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Kari Nordmann" in html and "kari" in html and 'action="/logout"' in html


def test_username_is_matched_case_insensitively_and_trimmed(app_factory, user_store):
    user_store.add("kari", TEST_PASSWORD, "advisor")
    client = app_factory().test_client()
    assert log_in(client, "  Kari ", TEST_PASSWORD).status_code == 303


@pytest.mark.parametrize("username,password", [("kari", "wrong-password-1"), ("nobody", TEST_PASSWORD)])
def test_login_failure_is_401_with_one_message_for_wrong_password_and_unknown_user(
        app_factory, user_store, username, password):
    user_store.add("kari", TEST_PASSWORD, "advisor")
    client = app_factory().test_client()
    r = log_in(client, username, password)
    assert r.status_code == 401
    assert "Unknown username or wrong password." in r.get_data(as_text=True)
    assert 'href="/login' in client.get("/").get_data(as_text=True)  # still anonymous


def test_login_without_username_or_password_is_400(app_factory):
    client = app_factory().test_client()
    r = client.post("/login", data={"username": "kari", "password": "", "csrf_token": csrf_token_of(client)})
    assert r.status_code == 400 and "Enter a username and a password." in r.get_data(as_text=True)


def test_failed_logins_are_throttled_then_allowed_after_the_delay(app_factory, user_store):
    user_store.add("kari", TEST_PASSWORD, "advisor")
    clock = FakeClock()
    client = app_factory(KLYNGE_LOGIN_THROTTLE=auth.LoginThrottle(clock=clock)).test_client()
    for _ in range(5):  # five failures are free
        assert log_in(client, "kari", "wrong-password-1").status_code == 401
    r = log_in(client, "kari", TEST_PASSWORD)  # even the right password waits now
    assert r.status_code == 429 and r.headers["Retry-After"] == "30"
    assert "try again in 30 seconds" in r.get_data(as_text=True)
    clock.now += 30
    assert log_in(client, "kari", "wrong-password-1").status_code == 401  # sixth failure: 60 s
    clock.now += 59
    assert log_in(client, "kari", TEST_PASSWORD).status_code == 429
    clock.now += 1
    assert log_in(client, "kari", TEST_PASSWORD).status_code == 303


def test_throttle_refuses_per_username_and_address_and_only_slows_down_per_address():
    clock = FakeClock()
    t = auth.LoginThrottle(free=2, free_per_address=3, base_s=10, max_s=40, slow_base_s=0.5, slow_max_s=2,
                           clock=clock)
    t.failed("kari", "10.0.0.1")
    t.failed("kari", "10.0.0.1")
    assert t.retry_after("kari", "10.0.0.1") == 10
    assert t.retry_after("kari", "10.0.0.2") == 0  # another address
    assert t.retry_after("ola", "10.0.0.1") == 0  # another user at the same address
    assert t.slowdown("10.0.0.1") == 0  # two failures: below the address's 3
    t.failed("ola", "10.0.0.1")  # third failure from the address
    assert t.retry_after("per", "10.0.0.1") == 0  # never a refusal for someone else ...
    assert t.slowdown("10.0.0.1") == 0.5  # ... but slower: 0.5 s, doubling up to 2 s
    t.failed("ola", "10.0.0.1")
    assert t.slowdown("10.0.0.1") == 1.0
    t.failed("ola", "10.0.0.1")
    t.failed("ola", "10.0.0.1")
    assert t.slowdown("10.0.0.1") == 2 and t.slowdown("10.0.0.2") == 0
    for _ in range(6):
        t.failed("kari", "10.0.0.1")
    assert t.retry_after("kari", "10.0.0.1") == 40  # capped at max_s
    t.succeeded("kari", "10.0.0.1")
    clock.now += 40
    assert t.retry_after("kari", "10.0.0.1") == 0
    clock.now += 1
    assert t.slowdown("10.0.0.1") == 0  # the address's failures are old


def test_made_up_usernames_from_one_address_do_not_lock_out_a_real_users_correct_login(app_factory, user_store):
    """Finding 4: 20 failed logins with made-up usernames from one address, then the right password of a
    real user from the same address (behind one proxy, or on one host) logs in — after a slowdown, not 429."""
    user_store.add("kari", TEST_PASSWORD, "advisor")
    held: list[float] = []
    throttle = auth.LoginThrottle(clock=FakeClock(), sleep=held.append)
    client = app_factory(KLYNGE_LOGIN_THROTTLE=throttle).test_client()
    for i in range(25):
        assert log_in(client, f"made-up-{i}", "wrong-password-1").status_code == 401
    r = log_in(client, "kari", TEST_PASSWORD)
    assert r.status_code == 303
    assert held and held[-1] == 2.0  # the address's slowdown, at its longest
    assert client.get("/").get_data(as_text=True).count('action="/logout"') == 1


def test_behind_a_trusted_proxy_logins_are_throttled_per_forwarded_client(app_factory, user_store):
    """KLYNGE_TRUSTED_PROXIES=1: the throttle counts per client named in the proxy's X-Forwarded-For, so one
    client's failures do not slow down another; with the default 0 the header is ignored (a client could
    forge it), every request counts for the connecting address, and the second client is slowed down too
    (never refused: its password is right)."""
    user_store.add("kari", TEST_PASSWORD, "advisor")
    user_store.add("ola", TEST_PASSWORD, "advisor")
    for proxies, second_client_held in ((1, False), (0, True)):
        held: list[float] = []
        client = app_factory(trusted_proxies=proxies,
                             KLYNGE_LOGIN_THROTTLE=auth.LoginThrottle(free=3, free_per_address=3, clock=FakeClock(),
                                                                      sleep=held.append)).test_client()

        def attempt(username, password, forwarded, client=client):
            return client.post("/login", headers={"X-Forwarded-For": forwarded},
                               data={"username": username, "password": password,
                                     "csrf_token": csrf_token_of(client)})

        for _ in range(3):  # three failures for ola from the first client: its per-user limit
            assert attempt("ola", "wrong-password-1", "203.0.113.7").status_code == 401
        assert attempt("ola", TEST_PASSWORD, "203.0.113.7").status_code == 429
        held.clear()
        assert attempt("ola", TEST_PASSWORD, "198.51.100.9").status_code == (429 if proxies == 0 else 303), proxies
        held.clear()
        assert attempt("kari", TEST_PASSWORD, "198.51.100.9").status_code == 303
        assert bool(held) is second_client_held, proxies


def test_trusted_proxies_must_be_a_small_count(app_factory):
    with pytest.raises(ConfigError, match=r"KLYNGE_TRUSTED_PROXIES\) must be 0 to 10, got -1"):
        app_factory(trusted_proxies=-1)
    with pytest.raises(ConfigError, match=r"KLYNGE_TRUSTED_PROXIES\) must be int, got 'one'"):
        app_factory(trusted_proxies="one")


def test_logout_ends_the_session_and_needs_post(graph, login_as, csrf_token):
    graph.small()
    client = login_as("advisor")
    assert client.get(PERSON).status_code == 200
    assert client.get("/logout").status_code == 405
    r = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert r.status_code == 303 and r.headers["Location"] == "/"
    assert client.get(PERSON).status_code == 403


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/x", "/\\evil.example", "\\\\evil.example", "http:/evil.example",
    "javascript:alert(1)", "evil.example", "/\t/evil.example", "/login", "/logout", "",
])
def test_next_redirect_refuses_anything_but_a_local_path(app_factory, user_store, target):
    user_store.add("kari", TEST_PASSWORD, "advisor")
    r = log_in(app_factory().test_client(), "kari", TEST_PASSWORD, next_path=target)
    assert r.status_code == 303 and r.headers["Location"] == "/"


def test_next_redirect_keeps_a_local_path_with_its_query(app_factory, user_store):
    user_store.add("kari", TEST_PASSWORD, "advisor")
    r = log_in(app_factory().test_client(), "kari", TEST_PASSWORD, next_path="/search?q=equinor&page=2")
    assert r.headers["Location"] == "/search?q=equinor&page=2"


def test_login_form_carries_a_safe_next_only(app_factory):
    client = app_factory().test_client()
    assert 'name="next" value="/clusters"' in client.get("/login?next=/clusters").get_data(as_text=True)
    assert 'name="next"' not in client.get("/login?next=//evil.example").get_data(as_text=True)


# ---------------------------------------------------------------- roles


@pytest.mark.parametrize("role,sees_persons", [
    ("viewer", False), ("advisor", True), ("analyst", True), ("admin", True)])
def test_role_matrix_for_person_page_and_person_names(graph, login_as, role, sees_persons):
    graph.small()
    client = login_as(role)
    assert client.get(PERSON).status_code == (200 if sees_persons else 403)
    html = client.get(ORG).get_data(as_text=True)
    assert ("Kari Nordmann" in html) is sees_persons
    assert ("Person 3f2a…" in html) is not sees_persons
    names = [b["holder_name"] for b in client.get(ORG + ".json").get_json()["board"]]
    assert ("Kari Nordmann" in names) is sees_persons


def test_anonymous_visitors_see_no_person_names_and_are_told_where_to_log_in(graph, app_factory):
    graph.small()
    client = app_factory().test_client()
    assert client.get(PERSON).status_code == 403
    assert client.get(PERSON + ".json").get_json()["hint"] == "Advisors log in at /login?next=%2Fperson%2F3f2a9c1e"
    assert "/login?next=%2Fperson%2F3f2a9c1e" in client.get(PERSON).get_data(as_text=True)
    assert "Kari Nordmann" not in client.get(ORG).get_data(as_text=True)


@pytest.mark.skipif(not CONSOLE_EXISTS, reason="web/views/console.py is not in the tree yet")
@pytest.mark.parametrize("role,allowed", [("viewer", False), ("advisor", False), ("analyst", True), ("admin", True)])
def test_console_needs_an_analyst(graph, login_as, role, allowed):
    graph.small()
    r = login_as(role).get("/console")
    assert r.status_code == (200 if allowed else 403)


@pytest.mark.skipif(not CONSOLE_EXISTS, reason="web/views/console.py is not in the tree yet")
def test_console_sends_anonymous_visitors_to_the_login(app_factory):
    r = app_factory().test_client().get("/console")
    assert r.status_code in (302, 303) and r.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("role,expected", [("viewer", 403), ("advisor", 403), ("analyst", 200), ("admin", 200)])
def test_require_role_allows_the_role_and_above(app_factory, user_store, role, expected):
    user_store.add("someone", TEST_PASSWORD, role)
    client = probe_app(app_factory).test_client()
    log_in(client, "someone", TEST_PASSWORD)
    r = client.get("/_probe/analyst")
    assert r.status_code == expected
    if expected == 200:
        assert r.get_json() == {"ok": True, "user": "someone", "role": role}
    else:
        assert "needs the analyst role or above" in r.get_data(as_text=True)
        assert f"logged in as someone ({role})" in r.get_data(as_text=True)


def test_require_role_redirects_anonymous_pages_to_the_login_with_next(app_factory):
    r = probe_app(app_factory).test_client().get("/_probe/analyst?q=a%20b&x=1")
    assert r.status_code == 302
    assert r.headers["Location"] == "/login?next=%2F_probe%2Fanalyst%3Fq%3Da%2520b%26x%3D1"


def test_require_role_answers_anonymous_json_clients_with_401(app_factory):
    r = probe_app(app_factory).test_client().get("/_probe/analyst", headers={"Accept": "application/json"})
    assert r.status_code == 401
    body = r.get_json()
    assert body["ok"] is False and body["status"] == 401 and "analyst" in body["error"] and "/login" in body["error"]


def test_require_role_rejects_an_unknown_role_name(app_factory):
    app = app_factory()
    with app.test_request_context("/"), pytest.raises(ValueError, match="role 'superuser' is unknown"):
        auth.require_role("superuser")


def test_test_role_hook_names_the_user_and_only_works_when_testing(app_factory):
    app = app_factory(KLYNGE_TEST_ROLE="analyst")
    with app.test_request_context("/"):
        assert auth.current_username() == "test-analyst" and auth.has_role("advisor") and not auth.has_role("admin")
    app = app_factory(KLYNGE_TEST_ROLE="admin", TESTING=False)
    with app.test_request_context("/"):
        assert auth.current_user() is None and auth.current_role() == "viewer"


def _copy_cookie(client):
    return client.get_cookie(auth.SESSION_COOKIE).value


def _replay(app, cookie_value):
    other = app.test_client()
    other.set_cookie(auth.SESSION_COOKIE, cookie_value)
    return other


def _kari_logged_in(graph, app_factory, user_store):
    """(app, client, a copy of the client's session cookie) for advisor kari on the small graph."""
    graph.small()
    user_store.add("kari", TEST_PASSWORD, "advisor")
    app = app_factory()
    client = app.test_client()
    log_in(client, "kari", TEST_PASSWORD)
    return app, client, _copy_cookie(client)


def test_a_session_cookie_replayed_after_logout_no_longer_works(graph, app_factory, user_store, csrf_token):
    """Finding 3: logging out ends the session on the server, so a copy of the cookie taken before
    (a shared computer, a stolen cookie) gets an anonymous visitor's view, no names, no birth years."""
    app, client, stolen = _kari_logged_in(graph, app_factory, user_store)
    assert _replay(app, stolen).get(PERSON).status_code == 200  # the copy works while the login lasts
    assert client.post("/logout", data={"csrf_token": csrf_token(client, "/")}).status_code == 303
    replayed = _replay(app, stolen)
    assert replayed.get(PERSON).status_code == 403
    body = replayed.get(PERSON + ".json").get_data(as_text=True)
    assert "Kari Nordmann" not in body and "1970" not in body
    assert 'href="/login' in replayed.get("/").get_data(as_text=True)


@pytest.mark.parametrize("change", ["remove", "passwd", "set-role"])
def test_removing_a_user_or_changing_the_password_or_role_ends_their_sessions(graph, app_factory, user_store, change):
    app, client, stolen = _kari_logged_in(graph, app_factory, user_store)
    assert client.get(PERSON).status_code == 200
    if change == "remove":
        user_store.remove("kari")
    elif change == "passwd":
        user_store.set_password("kari", "another-password-456")
    else:
        user_store.set_role("kari", "admin")  # even a promotion: the user logs in again with the new role
    for c in (client, _replay(app, stolen)):
        assert c.get(PERSON).status_code == 403
        assert 'href="/login' in c.get("/").get_data(as_text=True)
    assert app.extensions["klynge_sessions"].count("kari") == 0


def test_the_fingerprint_check_ends_a_session_whose_account_changed_behind_the_session_file(
        graph, app_factory, user_store):
    """The second wall: the session keeps the account's fingerprint (password hash and role) of its login."""
    app, client, _stolen = _kari_logged_in(graph, app_factory, user_store)
    monkey = user_store._end_sessions
    user_store._end_sessions = lambda username: None  # as if the session file had not been reached
    try:
        user_store.set_role("kari", "viewer")
    finally:
        user_store._end_sessions = monkey
    assert app.extensions["klynge_sessions"].count("kari") == 1
    assert client.get(PERSON).status_code == 403


def test_a_login_expires_after_session_hours_counted_from_the_login(graph, app_factory, user_store):
    graph.small()
    user_store.add("kari", TEST_PASSWORD, "advisor")
    app = app_factory(state_dir=user_store.state_dir, session_hours=8)
    client = app.test_client()
    log_in(client, "kari", TEST_PASSWORD)
    sessions = app.extensions["klynge_sessions"]
    sessions.clock = lambda: time.time() + 7 * 3600
    assert client.get(PERSON).status_code == 200
    sessions.clock = lambda: time.time() + 8 * 3600 + 5
    assert client.get(PERSON).status_code == 403


def test_the_session_file_is_private(graph, login_as, state_dir):
    login_as("advisor")
    for name in ("sessions.sqlite3", "sessions.sqlite3-wal"):
        path = state_dir / name
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, name
    assert (state_dir / "sessions.sqlite3").exists()


# ---------------------------------------------------------------- CSRF


def test_form_post_without_csrf_token_is_400_with_the_csrf_message(app_factory, user_store):
    user_store.add("kari", TEST_PASSWORD, "advisor")
    client = app_factory().test_client()
    client.get("/login")
    r = client.post("/login", data={"username": "kari", "password": TEST_PASSWORD})
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "The CSRF token is missing." in html and "X-CSRFToken" in html
    assert 'href="/login' in client.get("/").get_data(as_text=True)  # not logged in


def test_form_post_with_a_token_of_another_session_is_400(app_factory, user_store):
    user_store.add("kari", TEST_PASSWORD, "advisor")
    app = app_factory()
    other_token = csrf_token_of(app.test_client())
    client = app.test_client()
    client.get("/login")
    r = client.post("/login", data={"username": "kari", "password": TEST_PASSWORD, "csrf_token": other_token})
    assert r.status_code == 400 and "CSRF" in r.get_data(as_text=True)


def test_logout_without_csrf_token_is_refused_and_keeps_the_session(graph, login_as):
    graph.small()
    client = login_as("advisor")
    assert client.post("/logout").status_code == 400
    assert client.get(PERSON).status_code == 200


def test_json_post_needs_the_csrf_header(app_factory):
    client = probe_app(app_factory).test_client()
    r = client.post("/_probe/echo", json={"q": 1}, headers={"Accept": "application/json"})
    assert r.status_code == 400
    body = r.get_json()
    assert body["status"] == 400 and "The CSRF token is missing." in body["error"]
    token = csrf_token_of(client, "/")
    r = client.post("/_probe/echo", json={"q": 1}, headers={"X-CSRFToken": token})
    assert r.status_code == 200 and r.get_json() == {"ok": True, "got": {"q": 1}}


def test_every_page_exposes_the_csrf_token_in_a_meta_tag(graph, app_factory):
    graph.small()
    client = app_factory().test_client()
    for path in ("/", "/login", ORG, "/no-such-page"):
        assert '<meta name="csrf-token" content="' in client.get(path).get_data(as_text=True), path


# ---------------------------------------------------------------- cookies, secret key, headers


def test_session_cookie_is_httponly_samesite_lax_and_secure_by_default(app_factory, user_store):
    user_store.add("kari", TEST_PASSWORD, "advisor")
    client = app_factory().test_client()
    log_in(client, "kari", TEST_PASSWORD)
    cookie = client.get_cookie(auth.SESSION_COOKIE)
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax" and cookie.secure
    assert cookie.expires is not None  # a bounded, permanent session, not a browser-lifetime one


@pytest.mark.parametrize("mode,bind,secure", [
    ("auto", None, True),  # gunicorn: no bind host given
    ("auto", "0.0.0.0", True),
    ("auto", "127.0.0.1", False),  # klynge serve / demo on loopback over plain http
    ("auto", "::1", False),
    ("auto", "localhost", False),
    ("true", "127.0.0.1", True),
    ("false", "0.0.0.0", False),
])
def test_secure_cookie_and_hsts_follow_the_setting_and_the_bind_address(app_factory, mode, bind, secure):
    config = {"secure_cookies": mode}
    if bind:
        config["KLYNGE_BIND_HOST"] = bind
    app = app_factory(**config)
    assert app.config["SESSION_COOKIE_SECURE"] is secure
    r = app.test_client().get("/login")
    assert (r.headers.get("Strict-Transport-Security") == HSTS) is secure


def test_secure_cookies_setting_must_be_auto_true_or_false(app_factory):
    with pytest.raises(ConfigError, match="KLYNGE_SECURE_COOKIES"):
        app_factory(secure_cookies="sometimes")


def test_secret_key_is_generated_once_in_the_state_dir_with_mode_0600(app_factory, state_dir):
    a, b = app_factory(), app_factory()
    key_file = state_dir / "secret_key"
    assert a.config["SECRET_KEY"] == b.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(a.config["SECRET_KEY"]) == 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_processes_starting_together_agree_on_one_secret_key(state_dir):
    """Gunicorn starts its workers at once; each must end up with the same key."""
    script = ("import sys; from klynge.config import load_settings; from web.auth import load_secret_key; "
              "print(load_secret_key(load_settings({'state_dir': sys.argv[1]}, environ={})))")
    root = Path(auth.__file__).resolve().parent.parent
    procs = [subprocess.Popen([sys.executable, "-c", script, str(state_dir)], cwd=root, stdout=subprocess.PIPE,
                              text=True) for _ in range(4)]
    keys = {p.communicate(timeout=120)[0].strip() for p in procs}
    assert len(keys) == 1 and keys == {(state_dir / "secret_key").read_text().strip()}
    assert sorted(p.name for p in state_dir.iterdir()) == ["secret_key"]


def test_secret_key_setting_wins_and_must_be_long_enough(app_factory, state_dir):
    assert app_factory(secret_key="s" * 40).config["SECRET_KEY"] == "s" * 40
    assert not (state_dir / "secret_key").exists()
    with pytest.raises(ConfigError, match="at least 16 characters"):
        app_factory(secret_key="short")


def test_a_session_from_another_app_with_the_same_state_dir_is_valid(graph, app_factory, user_store):
    """Gunicorn workers and restarts share the key file, so a login survives them."""
    graph.small()
    user_store.add("kari", TEST_PASSWORD, "advisor")
    first = app_factory().test_client()
    log_in(first, "kari", TEST_PASSWORD)
    second = app_factory().test_client()
    second.set_cookie(auth.SESSION_COOKIE, first.get_cookie(auth.SESSION_COOKIE).value)
    assert second.get(PERSON).status_code == 200


EXPECTED_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@pytest.mark.parametrize("path,accept,status", [
    ("/", "text/html", 200),
    ("/index.json", "application/json", 200),
    ("/no-such-page", "text/html", 404),
    ("/no-such-page.json", "application/json", 404),
    ("/person/3f2a9c1e", "text/html", 403),
    ("/static/klynge.css", "text/css", 200),
])
def test_security_headers_on_html_json_errors_and_static_files(graph, app_factory, path, accept, status):
    graph.small()
    with app_factory().test_client().get(path, headers={"Accept": accept}) as r:
        r.get_data()  # reads and closes static files
    assert r.status_code == status
    for name, value in EXPECTED_HEADERS.items():
        assert r.headers.get(name) == value, name
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "camera=()" in r.headers["Permissions-Policy"]
    assert r.headers["Strict-Transport-Security"] == HSTS  # secure cookies are on by default


def test_security_headers_on_csrf_failures(app_factory):
    r = app_factory().test_client().post("/logout")
    assert r.status_code == 400 and r.headers["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in r.headers


def test_pages_for_logged_in_users_are_not_cached(graph, login_as, app_factory):
    graph.small()
    assert login_as("advisor").get(ORG).headers["Cache-Control"] == "private, no-store"
    assert "no-store" not in (app_factory().test_client().get(ORG).headers.get("Cache-Control") or "")


# ---------------------------------------------------------------- the page frame


def test_header_shows_log_in_for_anonymous_and_name_role_log_out_for_users(app_factory, login_as):
    html = app_factory().test_client().get("/clusters").get_data(as_text=True)
    assert 'href="/login?next=/clusters"' in html and 'action="/logout"' not in html
    html = login_as("advisor", "kari").get("/clusters").get_data(as_text=True)
    assert "kari" in html and "role-advisor" in html and 'action="/logout"' in html and "Log in</a>" not in html


@pytest.mark.parametrize("role,sees_console", [("viewer", False), ("advisor", False), ("analyst", True),
                                               ("admin", True)])
def test_console_and_queries_links_are_shown_to_analysts_and_above(login_as, role, sees_console):
    html = login_as(role).get("/clusters").get_data(as_text=True)
    assert ('href="/console"' in html) is sees_console
    assert ('href="/queries"' in html) is sees_console
    assert 'href="/status"' in html


def test_login_page_says_how_to_create_the_first_account(app_factory, user_store):
    client = app_factory().test_client()
    assert "klynge users add NAME --role advisor" in client.get("/login").get_data(as_text=True)
    user_store.add("kari", TEST_PASSWORD, "advisor")
    assert "klynge users add" not in client.get("/login").get_data(as_text=True)


def test_safe_next_unit():
    assert auth.safe_next("/org/923609016?x=1") == "/org/923609016?x=1"
    assert auth.safe_next("//evil") == "/"
    assert auth.safe_next(None, default="/home") == "/home"
    assert auth.safe_next("/a\r\nSet-Cookie: x=1") == "/"
