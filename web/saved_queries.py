"""Analysts' saved console queries in ``<state_dir>/saved_queries.json``.

The file holds ``{"version": 1, "queries": [...]}``; each query has ``id`` (random,
URL-safe), ``title``, ``description``, ``query``, ``author`` and ``created`` (UTC ISO).
Every change takes an exclusive ``fcntl.flock`` on ``saved_queries.json.lock``,
reads the file, changes it and writes it atomically (a temporary file in the same
directory, fsync, ``os.replace``), so concurrent web workers never lose an update
and readers never see half a file.

This module checks form limits and ownership only; whether the query text is an
acceptable read is for the caller to check first (the web app uses
:func:`cypher.console.validate_query`).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from klynge.errors import KlyngeError

__all__ = ["MAX_DESCRIPTION", "MAX_QUERY", "MAX_TITLE", "SAVED_FILE", "SavedQuery", "SavedQueryError",
           "SavedQueryForbidden", "SavedQueryNotFound", "add", "delete", "get", "list_saved"]

SAVED_FILE = "saved_queries.json"
MAX_TITLE = 200
MAX_DESCRIPTION = 2000
MAX_QUERY = 20000


class SavedQueryError(KlyngeError):
    """A saved query cannot be stored, read or changed."""


class SavedQueryNotFound(SavedQueryError):
    """No saved query has the given id."""


class SavedQueryForbidden(SavedQueryError):
    """The user may not change this saved query."""


@dataclass(frozen=True)
class SavedQuery:
    id: str
    title: str
    description: str
    query: str
    author: str
    created: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _path(state_dir: Path | str) -> Path:
    return Path(state_dir) / SAVED_FILE


@contextmanager
def _locked(state_dir: Path | str) -> Iterator[None]:
    path = _path(state_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(str(path) + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise SavedQueryError(f"cannot open the lock of {path}: {exc}; check that KLYNGE_STATE_DIR is "
                              "writable by the web server") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _read(state_dir: Path | str) -> list[dict[str, Any]]:
    path = _path(state_dir)
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SavedQueryError(f"cannot read saved queries from {path}: {exc}; fix or move the file "
                              "(it is JSON with a 'queries' list)") from exc
    queries = data.get("queries") if isinstance(data, dict) else None
    if not isinstance(queries, list):
        raise SavedQueryError(f"{path} has no 'queries' list; expected {{\"version\": 1, \"queries\": [...]}}")
    fields = set(SavedQuery.__dataclass_fields__)
    for i, q in enumerate(queries):
        if not isinstance(q, dict) or not fields <= set(q):
            missing = sorted(fields - set(q)) if isinstance(q, dict) else sorted(fields)
            raise SavedQueryError(f"{path}: saved query #{i} lacks field(s) {', '.join(missing)}")
    return queries


def _write(state_dir: Path | str, queries: list[dict[str, Any]]) -> None:
    path = _path(state_dir)
    text = json.dumps({"version": 1, "queries": queries}, ensure_ascii=False, indent=2)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".saved_queries.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise SavedQueryError(f"cannot write saved queries to {path}: {exc}") from exc


def _make(q: dict[str, Any]) -> SavedQuery:
    return SavedQuery(**{k: str(q[k]) for k in SavedQuery.__dataclass_fields__})


def list_saved(state_dir: Path | str) -> list[SavedQuery]:
    """Every saved query, newest first."""
    return sorted((_make(q) for q in _read(state_dir)), key=lambda q: q.created, reverse=True)


def get(state_dir: Path | str, query_id: str) -> SavedQuery:
    """The saved query ``query_id``; raises :class:`SavedQueryNotFound`."""
    for q in _read(state_dir):
        if q["id"] == query_id:
            return _make(q)
    raise SavedQueryNotFound(f"no saved query has id {query_id!r}; /queries lists the saved queries")


def _check(title: str, description: str, query: str, author: str) -> None:
    for field, value, limit in (("title", title, MAX_TITLE), ("description", description, MAX_DESCRIPTION),
                                ("query", query, MAX_QUERY)):
        if len(value) > limit:
            raise SavedQueryError(f"saved query {field} has {len(value)} characters; at most {limit} are kept, "
                                  "shorten it")
    if not title.strip():
        raise SavedQueryError("a saved query needs a title; give it a short name")
    if not query.strip():
        raise SavedQueryError("a saved query needs query text")
    if not author:
        raise SavedQueryError("a saved query needs an author; log in to save queries")


def add(state_dir: Path | str, *, title: str, description: str, query: str, author: str) -> SavedQuery:
    """Save a query for ``author`` and return it (with a new id and the current UTC time).

    Raises
    ------
    SavedQueryError
        When the title or query is empty, a field is too long (:data:`MAX_TITLE`,
        :data:`MAX_DESCRIPTION`, :data:`MAX_QUERY`), there is no author, or the file
        cannot be read or written.
    """
    title, description = title.strip(), description.strip()
    _check(title, description, query, author)
    with _locked(state_dir):
        queries = _read(state_dir)
        ids = {q["id"] for q in queries}
        new_id = secrets.token_urlsafe(6)
        while new_id in ids:
            new_id = secrets.token_urlsafe(6)
        saved = SavedQuery(id=new_id, title=title, description=description, query=query, author=author,
                           created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"))
        queries.append(saved.to_dict())
        _write(state_dir, queries)
    return saved


def delete(state_dir: Path | str, query_id: str, *, user: str | None, is_admin: bool = False) -> SavedQuery:
    """Delete saved query ``query_id`` when ``user`` wrote it or ``is_admin``; return what was deleted.

    Raises
    ------
    SavedQueryNotFound
        When no saved query has that id.
    SavedQueryForbidden
        When the user is neither its author nor an admin.
    """
    with _locked(state_dir):
        queries = _read(state_dir)
        for i, q in enumerate(queries):
            if q["id"] == query_id:
                if not is_admin and (user is None or q["author"] != user):
                    raise SavedQueryForbidden(
                        f"saved query {query_id!r} was saved by {q['author']}; only its author or an admin "
                        "may delete it")
                del queries[i]
                _write(state_dir, queries)
                return _make(q)
    raise SavedQueryNotFound(f"no saved query has id {query_id!r}; /queries lists the saved queries")
