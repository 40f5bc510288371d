"""The user store (web/users.py), `klynge users …` and the state_dir / session settings.

Expected values: werkzeug's scrypt hashes are ``scrypt:<N>:<r>:<p>$<salt>$<hash>`` with
N=32768, r=8, p=1 by default (werkzeug.security); exit codes 0 ok, 1 error, 2 usage (klynge/cli/).
"""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from klynge import demo
from web import users
from klynge.cli import main
from klynge.config import load_settings
from klynge.errors import ConfigError
from web.users import UserError, UserStore

PASSWORD = "correct horse battery"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def fast_password_hashing(request, monkeypatch):
    """Cheap scrypt parameters, except for the test of the production parameters."""
    if request.node.name != "test_passwords_are_stored_as_salted_scrypt_hashes_not_plaintext":
        monkeypatch.setattr(users, "HASH_METHOD", "scrypt:1024:8:1")


@pytest.fixture
def state(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "state"
    monkeypatch.setenv("KLYNGE_STATE_DIR", str(d))
    return d


@pytest.fixture
def cli(state):
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(main, list(args), input=input)

    return invoke


# ---------------------------------------------------------------- store


def test_passwords_are_stored_as_salted_scrypt_hashes_not_plaintext(state):
    store = UserStore(state)
    store.add("kari", PASSWORD, "advisor")
    store.add("ola", PASSWORD, "advisor")
    text = (state / "users.json").read_text()
    assert PASSWORD not in text
    data = json.loads(text)["users"]
    assert data["kari"]["password_hash"].startswith("scrypt:32768:8:1$")
    assert data["kari"]["password_hash"] != data["ola"]["password_hash"]  # salted
    assert store.authenticate("kari", PASSWORD).role == "advisor"
    assert store.authenticate("kari", PASSWORD + "x") is None


def test_users_file_and_lock_are_0600_and_a_new_state_dir_0700(state):
    UserStore(state).add("kari", PASSWORD, "advisor")
    assert stat.S_IMODE((state / "users.json").stat().st_mode) == 0o600
    assert stat.S_IMODE((state / "users.json.lock").stat().st_mode) == 0o600
    assert stat.S_IMODE(state.stat().st_mode) == 0o700


def test_writes_leave_no_temporary_files(state):
    store = UserStore(state)
    store.add("kari", PASSWORD, "advisor")
    store.set_role("kari", "analyst")
    store.remove("kari")
    assert sorted(p.name for p in state.iterdir()) == ["users.json", "users.json.lock"]


def test_concurrent_adds_from_several_processes_keep_every_user(state):
    script = textwrap.dedent("""
        import sys
        from web import users
        users.HASH_METHOD = "scrypt:1024:8:1"
        store = users.UserStore(sys.argv[1])
        for i in range(5):
            store.add(f"{sys.argv[2]}-{i}", "correct horse battery", "viewer")
    """)
    procs = [subprocess.Popen([sys.executable, "-c", script, str(state), f"p{n}"], cwd=ROOT) for n in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    names = [u.username for u in UserStore(state).list()]
    assert names == sorted(f"p{n}-{i}" for n in range(4) for i in range(5))


def test_a_second_store_object_sees_changes_made_through_another(state):
    a, b = UserStore(state), UserStore(state)
    assert b.get("kari") is None
    a.add("kari", PASSWORD, "analyst")
    assert b.get("kari").role == "analyst"
    a.set_role("kari", "advisor")  # same file size as before: the cache must still notice
    assert b.get("kari").role == "advisor"


def test_unknown_user_still_costs_a_hash_check(state, monkeypatch):
    store = UserStore(state)
    store.add("kari", PASSWORD, "advisor")
    calls = []
    real = users.check_password_hash
    monkeypatch.setattr(users, "check_password_hash", lambda h, p: calls.append(h) or real(h, p))
    assert store.authenticate("nobody", PASSWORD) is None
    assert store.authenticate("kari", "wrong-password") is None
    assert len(calls) == 2 and calls[0] == users._DUMMY_HASH


@pytest.mark.parametrize("name", ["", "a", "Kari", "kari nordmann", "../etc", "-kari", "k" * 33, "kari\n"])
def test_invalid_usernames_are_refused_naming_the_field(state, name):
    with pytest.raises(UserError, match="username .* is invalid: expected 2-32 characters"):
        UserStore(state).add(name, PASSWORD, "viewer")


@pytest.mark.parametrize("password,message", [("short", "too short"), ("kari-nordmann", "must not be the username")])
def test_weak_passwords_are_refused(state, password, message):
    with pytest.raises(UserError, match=message):
        UserStore(state).add("kari-nordmann", password, "viewer")


def test_unknown_role_and_unknown_user_are_errors(state):
    store = UserStore(state)
    with pytest.raises(UserError, match="role 'root' is unknown: expected one of viewer, advisor, analyst, admin"):
        store.add("kari", PASSWORD, "root")
    with pytest.raises(UserError, match="user 'kari' does not exist"):
        store.set_role("kari", "admin")
    store.add("kari", PASSWORD, "viewer")
    with pytest.raises(UserError, match="user 'kari' already exists"):
        store.add("kari", PASSWORD, "viewer")


def test_a_damaged_users_file_is_an_error_naming_the_file(state):
    state.mkdir()
    (state / "users.json").write_text('{"users": {"kari": {"role": "advisor"}}}')
    with pytest.raises(UserError, match=r"users.json is not valid: 'password_hash'"):
        UserStore(state).list()


# ---------------------------------------------------------------- CLI


def test_cli_add_reads_the_password_from_stdin_and_list_shows_no_hash(cli, state):
    r = cli("users", "add", "kari", "--role", "analyst", "--password-stdin", input=PASSWORD + "\n")
    assert r.exit_code == 0 and "user kari added with role analyst" in r.output
    table = cli("users", "list")
    assert table.exit_code == 0 and "kari" in table.output and "analyst" in table.output
    listed = json.loads(cli("users", "list", "--format", "json").output)
    assert [set(u) for u in listed] == [{"username", "role", "created", "updated"}]
    assert "scrypt" not in table.output
    assert UserStore(state).authenticate("kari", PASSWORD) is not None


def test_cli_add_prompts_twice_with_hidden_input(cli, state):
    r = cli("users", "add", "kari", "--role", "advisor", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert r.exit_code == 0 and PASSWORD not in r.output  # hidden
    assert "Repeat for confirmation" in r.output
    assert UserStore(state).authenticate("kari", PASSWORD).role == "advisor"


def test_cli_add_with_mismatched_confirmation_creates_nobody(cli, state):
    r = cli("users", "add", "kari", "--role", "advisor", input=f"{PASSWORD}\nsomething else\n")
    assert r.exit_code != 0 and "do not match" in r.output
    assert UserStore(state).get("kari") is None


def test_cli_does_not_take_a_password_as_an_argument(cli):
    r = cli("users", "add", "kari", "--role", "advisor", "--password", PASSWORD)
    assert r.exit_code == 2 and "No such option" in r.output


@pytest.mark.parametrize("args,message", [
    (("users", "add", "Kari Nordmann", "--role", "advisor"), "username 'Kari Nordmann' is invalid"),
    (("users", "add", "kari", "--role", "root"), "'root' is not one of"),
    (("users", "add", "kari", "--role", "advisor", "--password-stdin"), "too short"),
    (("users", "set-role", "kari", "root"), "'root' is not one of"),
])
def test_cli_bad_input_is_a_usage_error_exit_2(cli, args, message):
    r = cli(*args, input="short\n")
    assert r.exit_code == 2 and message in r.output


def test_cli_duplicate_and_unknown_users_are_errors_exit_1(cli, state):
    UserStore(state).add("kari", PASSWORD, "advisor")
    r = cli("users", "add", "kari", "--role", "advisor", "--password-stdin", input=PASSWORD + "\n")
    assert r.exit_code == 1 and "already exists" in r.output
    for args in (("users", "remove", "nobody"), ("users", "set-role", "nobody", "admin"),
                 ("users", "passwd", "nobody", "--password-stdin")):
        r = cli(*args, input=PASSWORD + "\n")
        assert r.exit_code == 1 and "user 'nobody' does not exist" in r.output, args


def test_cli_remove_set_role_and_passwd(cli, state):
    store = UserStore(state)
    store.add("kari", PASSWORD, "advisor")
    store.add("ola", PASSWORD, "advisor")
    r = cli("users", "set-role", "kari", "admin")
    assert r.exit_code == 0 and store.get("kari").role == "admin"
    r = cli("users", "passwd", "kari", "--password-stdin", input="a new long password\n")
    assert r.exit_code == 0
    assert store.authenticate("kari", PASSWORD) is None and store.authenticate("kari", "a new long password")
    r = cli("users", "remove", "ola")
    assert r.exit_code == 0 and [u.username for u in store.list()] == ["kari"]


def test_cli_list_without_users_says_how_to_add_one(cli):
    r = cli("users", "list")
    assert r.exit_code == 0 and "klynge users add NAME --role" in r.output
    assert json.loads(cli("users", "list", "--format", "json").output) == []


# ---------------------------------------------------------------- settings and demo


def test_state_dir_defaults_to_var_state_under_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_settings(environ={}).state_dir == tmp_path / "var" / "state"
    assert load_settings(environ={"KLYNGE_STATE_DIR": "/srv/klynge"}).state_dir == Path("/srv/klynge")


@pytest.mark.parametrize("env,message", [
    ({"KLYNGE_SESSION_HOURS": "0"}, "KLYNGE_SESSION_HOURS"),
    ({"KLYNGE_SECURE_COOKIES": "yes please"}, "must be auto, true or false"),
])
def test_invalid_session_settings_are_config_errors(env, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(environ=env)


def test_demo_prints_how_to_add_an_account_and_creates_none(state):
    settings = load_settings(environ={"KLYNGE_STATE_DIR": str(state)})
    lines: list[str] = []
    demo._account_hint(settings, lines.append)
    assert len(lines) == 1 and "klynge users add NAME --role analyst" in lines[0]
    assert len(UserStore(state)) == 0
    UserStore(state).add("kari", PASSWORD, "analyst")
    lines.clear()
    demo._account_hint(settings, lines.append)
    assert lines == []


def test_a_failed_write_leaves_the_previous_file_intact(state, monkeypatch):
    store = UserStore(state)
    store.add("kari", PASSWORD, "advisor")
    before = (state / "users.json").read_bytes()

    def broken_dump(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(users.json, "dump", broken_dump)
    with pytest.raises(OSError, match="disk full"):
        store.set_role("kari", "admin")
    assert (state / "users.json").read_bytes() == before
    assert sorted(p.name for p in state.iterdir()) == ["users.json", "users.json.lock"]
