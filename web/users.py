"""Web accounts: a small user store in ``<state_dir>/users.json``.

Accounts live in a file, not in the graph, so wiping or reloading the graph never
deletes them. The file is written atomically (a temporary file in the same
directory, then :func:`os.replace`) under an exclusive ``fcntl`` lock on
``users.json.lock``, so the CLI and several gunicorn workers can change it at the
same time without losing an update. The file and the lock are mode 0600.

Passwords are hashed with werkzeug's ``generate_password_hash`` (scrypt, salted;
the stored value starts with ``scrypt:``) and checked with
``check_password_hash``. A login attempt for an unknown user still checks a hash,
so both cases take about the same time.

File format::

    {"version": 1, "users": {"kari": {"role": "analyst", "password_hash": "scrypt:…",
                                      "created": "2026-11-27T05:20:00+00:00",
                                      "updated": "2026-11-27T05:20:00+00:00"}}}
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

from klynge.errors import KlyngeError

#: Roles from least to most privileged; each role may do everything the ones before it may.
ROLES = ("viewer", "advisor", "analyst", "admin")
USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]{1,31}")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
HASH_METHOD = "scrypt"
FILE_NAME = "users.json"

# A real hash of a random string: checked against when the username is unknown, so an
# unknown user costs the same scrypt work as a wrong password.
_DUMMY_HASH = generate_password_hash(os.urandom(16).hex(), method=HASH_METHOD)


class UserError(KlyngeError):
    """An account operation failed: unknown user, duplicate user, bad name, role or password."""


@dataclass(frozen=True)
class UserRecord:
    """One account as stored (the hash never leaves this module except through ``fingerprint``)."""

    username: str
    role: str
    password_hash: str
    created: str
    updated: str

    @property
    def fingerprint(self) -> str:
        """A short digest of the password hash and the role: a session keeps the one of its login, so a
        password or role change ends it even where the session file was not reached."""
        return hashlib.sha256(f"{self.password_hash}\n{self.role}".encode()).hexdigest()[:16]

    def public(self) -> dict[str, str]:
        """The record without its hash, for listings."""
        return {"username": self.username, "role": self.role, "created": self.created, "updated": self.updated}


def validate_username(name: str) -> str:
    """Return ``name`` if it is a valid username, else raise :class:`UserError` naming the field.

    Usernames are 2–32 characters of lowercase letters, digits, ``.``, ``_`` and ``-``,
    starting with a letter or digit.
    """
    if not isinstance(name, str) or not USERNAME_RE.fullmatch(name):
        raise UserError(f"username {name!r} is invalid: expected 2-32 characters of a-z, 0-9, '.', '_' or '-', "
                        "starting with a letter or digit; choose another name")
    return name


def validate_role(role: str) -> str:
    """Return ``role`` if it is one of :data:`ROLES`, else raise :class:`UserError`."""
    if role not in ROLES:
        raise UserError(f"role {role!r} is unknown: expected one of {', '.join(ROLES)}")
    return role


def validate_password(password: str, username: str = "") -> str:
    """Return ``password`` if acceptable: at least 10 characters, at most 1024, not the username."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise UserError(f"password for {username!r} is too short: at least {MIN_PASSWORD} characters are needed")
    if len(password) > MAX_PASSWORD:
        raise UserError(f"password for {username!r} is too long: at most {MAX_PASSWORD} characters")
    if username and password.lower() == username.lower():
        raise UserError(f"password for {username!r} must not be the username; choose another")
    return password


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class UserStore:
    """The accounts in ``<state_dir>/users.json``.

    Parameters
    ----------
    state_dir : directory of Klynge's persistent state (``Settings.state_dir``); created on first write.
    """

    def __init__(self, state_dir: Path | str) -> None:
        self.state_dir = Path(state_dir)
        self.path = self.state_dir / FILE_NAME
        self._cache: tuple[tuple[int, ...] | None, dict[str, UserRecord]] | None = None

    # ------------------------------------------------------------------ reading

    def _stat_key(self) -> tuple[int, ...] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_size)

    def _read(self) -> dict[str, UserRecord]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        try:
            data = json.loads(text)
            users = data["users"]
            if not isinstance(users, dict):
                raise TypeError("users is not an object")
            out = {}
            for name, u in users.items():
                out[name] = UserRecord(username=name, role=validate_role(u["role"]),
                                       password_hash=str(u["password_hash"]),
                                       created=str(u.get("created", "")), updated=str(u.get("updated", "")))
            return out
        except (ValueError, KeyError, TypeError, UserError) as exc:
            raise UserError(f"user file {self.path} is not valid: {exc}; restore it from a backup or remove it "
                            "and add the users again with `klynge users add`") from exc

    def _users(self) -> dict[str, UserRecord]:
        """All users, re-read only when the file changed (the web app asks on every request)."""
        key = self._stat_key()
        if self._cache is not None and key is not None and self._cache[0] == key:
            return self._cache[1]
        users = self._read()
        self._cache = (key, users)
        return users

    def get(self, username: str) -> UserRecord | None:
        """The account called ``username``, or None."""
        return self._users().get(username)

    def list(self) -> list[UserRecord]:
        """All accounts, sorted by username."""
        return sorted(self._users().values(), key=lambda u: u.username)

    def __len__(self) -> int:
        return len(self._users())

    def authenticate(self, username: str, password: str) -> UserRecord | None:
        """The account if ``password`` is right, else None; unknown users still cost one hash check."""
        user = self.get(username) if isinstance(username, str) else None
        if user is None:
            check_password_hash(_DUMMY_HASH, password or "")
            return None
        return user if check_password_hash(user.password_hash, password or "") else None

    # ------------------------------------------------------------------ writing

    @contextlib.contextmanager
    def _locked(self) -> Iterator[dict[str, UserRecord]]:
        """Exclusive lock, a fresh read, then an atomic write of whatever the caller changed."""
        self.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        lock_path = self.path.with_name(FILE_NAME + ".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            users = dict(self._read())
            yield users
            self._write(users)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _write(self, users: dict[str, UserRecord]) -> None:
        data: dict[str, Any] = {"version": 1, "users": {
            u.username: {"role": u.role, "password_hash": u.password_hash, "created": u.created, "updated": u.updated}
            for u in sorted(users.values(), key=lambda u: u.username)}}
        fd, tmp = tempfile.mkstemp(prefix=".users-", suffix=".tmp", dir=self.state_dir)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, ensure_ascii=False, indent=2)
                f.write("\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        self._cache = None

    def add(self, username: str, password: str, role: str) -> UserRecord:
        """Create an account; raises :class:`UserError` if the name is taken or a value is invalid."""
        validate_username(username)
        validate_role(role)
        validate_password(password, username)
        pw_hash = generate_password_hash(password, method=HASH_METHOD)
        with self._locked() as users:
            if username in users:
                raise UserError(f"user {username!r} already exists in {self.path}; use `klynge users passwd` "
                                "or `klynge users set-role` to change it")
            now = _now()
            users[username] = rec = UserRecord(username, role, pw_hash, now, now)
        return rec

    def _existing(self, users: dict[str, UserRecord], username: str) -> UserRecord:
        if username not in users:
            raise UserError(f"user {username!r} does not exist in {self.path}; `klynge users list` shows the users")
        return users[username]

    def _end_sessions(self, username: str) -> None:
        from web.sessions import SessionStore

        SessionStore(self.state_dir).revoke_user(username)

    def remove(self, username: str) -> None:
        """Delete an account; its sessions end at once."""
        with self._locked() as users:
            self._existing(users, username)
            del users[username]
        self._end_sessions(username)

    def set_role(self, username: str, role: str) -> UserRecord:
        """Change an account's role; the user's sessions end (they log in again with the new role)."""
        validate_role(role)
        with self._locked() as users:
            old = self._existing(users, username)
            users[username] = rec = UserRecord(username, role, old.password_hash, old.created, _now())
        self._end_sessions(username)
        return rec

    def set_password(self, username: str, password: str) -> UserRecord:
        """Change an account's password; the user's existing sessions end."""
        validate_password(password, username)
        pw_hash = generate_password_hash(password, method=HASH_METHOD)
        with self._locked() as users:
            old = self._existing(users, username)
            users[username] = rec = UserRecord(username, old.role, pw_hash, old.created, _now())
        self._end_sessions(username)
        return rec
