"""Server-side login sessions: ``<state_dir>/sessions.sqlite3`` (mode 0600).

A login creates a session here; the browser's signed cookie carries only its random id
(32 bytes, URL-safe). The file keeps a SHA-256 digest of the id, never the id itself, with the
username, the account's fingerprint at login (:attr:`web.users.UserRecord.fingerprint`:
password hash and role) and the expiry. A session ends — for every web worker at once, since
they all read this file — when

* the user logs out (:meth:`SessionStore.revoke`): a copy of the old cookie no longer works;
* an admin removes the account, changes its role or password (``klynge users remove``,
  ``set-role``, ``passwd`` call :meth:`SessionStore.revoke_user`; the fingerprint check is a
  second wall);
* it expires (``KLYNGE_SESSION_HOURS`` after the login).

SQLite in WAL mode with a busy timeout lets several gunicorn workers and the command line
use the file at once. Expired sessions are deleted as logins happen.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from klynge.errors import KlyngeError

FILE_NAME = "sessions.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    digest TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    created REAL NOT NULL,
    expires REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_username ON sessions (username);
"""


class SessionError(KlyngeError):
    """The session file cannot be used."""


@dataclass(frozen=True)
class Session:
    """One live session (its id is never stored, only its digest)."""

    username: str
    fingerprint: str
    created: float
    expires: float


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()


class SessionStore:
    """The sessions of ``<state_dir>/sessions.sqlite3``.

    Parameters
    ----------
    state_dir : KLYNGE_STATE_DIR (created, mode 0700, on first use).
    clock : wall-clock seconds (tests pass a fake one).
    """

    def __init__(self, state_dir: Path | str, clock=time.time) -> None:  # noqa: ANN001 - a callable
        self.path = Path(state_dir) / FILE_NAME
        self.clock = clock
        self._ready = False

    @contextlib.contextmanager
    def _db(self, create: bool = False) -> Iterator[sqlite3.Connection | None]:
        """A connection to the file; None (nothing stored yet) when it does not exist and ``create`` is false."""
        if not create and not self._ready and not self.path.exists():
            yield None
            return
        try:
            if not self._ready:
                self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                # created 0600 before SQLite opens it; SQLite gives its -wal and -shm files the same mode
                os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
            con = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise SessionError(f"cannot open the session file {self.path}: {exc}; check that KLYNGE_STATE_DIR "
                               "is writable by the web server") from exc
        try:
            if not self._ready:
                con.execute("PRAGMA journal_mode=WAL")
                con.executescript(_SCHEMA)
                self._ready = True
            yield con
        except sqlite3.Error as exc:
            raise SessionError(f"the session file {self.path} cannot be used: {exc}") from exc
        finally:
            con.close()

    def create(self, username: str, fingerprint: str, lifetime_s: float) -> str:
        """Start a session; returns its id (for the cookie). Expired sessions are deleted on the way."""
        session_id = secrets.token_urlsafe(32)
        now = self.clock()
        with self._db(create=True) as con:
            assert con is not None
            con.execute("DELETE FROM sessions WHERE expires <= ?", (now,))
            con.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?)",
                        (_digest(session_id), username, fingerprint, now, now + float(lifetime_s)))
        return session_id

    def get(self, session_id: str) -> Session | None:
        """The live session with this id, or None (unknown, revoked or expired)."""
        if not session_id:
            return None
        with self._db() as con:
            if con is None:
                return None
            row = con.execute("SELECT username, fingerprint, created, expires FROM sessions WHERE digest = ?",
                              (_digest(session_id),)).fetchone()
        if row is None or row[3] <= self.clock():
            return None
        return Session(*row)

    def revoke(self, session_id: str) -> bool:
        """End one session (log out); True when it existed."""
        with self._db() as con:
            return con is not None and con.execute("DELETE FROM sessions WHERE digest = ?",
                                                   (_digest(session_id),)).rowcount > 0

    def revoke_user(self, username: str) -> int:
        """End every session of ``username``; returns how many there were."""
        with self._db() as con:
            return 0 if con is None else con.execute("DELETE FROM sessions WHERE username = ?", (username,)).rowcount

    def count(self, username: str | None = None) -> int:
        """Live sessions (of ``username`` when given)."""
        now = self.clock()
        with self._db() as con:
            if con is None:
                return 0
            if username is None:
                return con.execute("SELECT count(*) FROM sessions WHERE expires > ?", (now,)).fetchone()[0]
            return con.execute("SELECT count(*) FROM sessions WHERE username = ? AND expires > ?",
                               (username, now)).fetchone()[0]
