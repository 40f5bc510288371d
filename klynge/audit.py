"""The audit log: one JSON line per console run, and per view or change of confidential data, in
``<state_dir>/audit.jsonl``.

Every run of the analysts' Cypher console (HTML page, CSV and JSON downloads,
library and saved queries) is recorded, refusals and failures included::

    {"at": "2026-11-27T05:14:19.123Z", "user": "kari", "role": "analyst", "ip": "127.0.0.1",
     "endpoint": "console.csv", "query": "MATCH (o:Organization) RETURN o.name", "params": {},
     "rows": 12, "truncated": false, "ms": 4.2, "outcome": "ok", "message": null}

``outcome`` is one of :data:`OUTCOMES`. Lines are appended under an exclusive
``fcntl.flock`` on the log file, so several web workers (processes) never
interleave half lines. Parameter values whose name looks like a secret
(``password``, ``passwd``, ``secret``, ``token``, ``api_key``) are replaced by
``"[redacted]"``; the log never receives login data (the login form does not
write here). Query text is kept as typed: a secret typed into the text itself
would be logged, as the console page says.

Views and changes of advisors' assessments (confidential business information, docs/assessments.md)
are appended by :func:`record_access` to the same file, with the console's fields plus ``kind``
(``"assessment"``), ``action`` (:data:`ACTIONS`) and ``subject`` (what was seen or changed, e.g.
``org:923609016``); ``query`` holds a one-line description, so the admin's log page lists them among
the console runs.

The log is not rotated; :func:`read_entries` reads it from the end in blocks,
so showing the latest entries stays cheap on a large file.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
from collections.abc import Generator, Iterator, Mapping
from pathlib import Path
from typing import Any

from klynge.errors import KlyngeError

__all__ = ["ACTIONS", "AUDIT_FILE", "OUTCOMES", "AuditError", "audit_path", "read_entries", "record", "record_access"]

AUDIT_FILE = "audit.jsonl"
OUTCOMES = ("ok", "truncated", "refused", "timeout", "error")
#: What :func:`record_access` records: a page or download showing assessments, a new one, an edit, an import
#: from a spreadsheet, an export to one, a region report that includes them.
ACTIONS = ("view", "create", "update", "import", "export", "report")
_SECRET = re.compile(r"pass(word|wd)?|secret|token|api_?key", re.IGNORECASE)
_BLOCK = 64 * 1024


class AuditError(KlyngeError):
    """The audit log cannot be written or read."""


def audit_path(state_dir: Path | str) -> Path:
    """Where the log lives: ``<state_dir>/audit.jsonl``."""
    return Path(state_dir) / AUDIT_FILE


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _redact(params: Mapping[str, Any] | None) -> dict[str, Any]:
    return {str(k): ("[redacted]" if _SECRET.search(str(k)) else v) for k, v in (params or {}).items()}


def record(state_dir: Path | str, *, user: str | None, query: str, params: Mapping[str, Any] | None = None,
           rows: int | None = None, elapsed_ms: float | None = None, outcome: str, message: str | None = None,
           client_ip: str | None = None, role: str | None = None, endpoint: str | None = None,
           truncated: bool = False) -> dict[str, Any]:
    """Append one entry and return it.

    Parameters
    ----------
    state_dir : KLYNGE_STATE_DIR; created when missing.
    user : the user name (None for an anonymous request, written as null).
    query : the query text as the user typed it.
    params : the parameter values sent (secret-looking names redacted).
    rows : rows returned (after the cap), None when nothing ran.
    elapsed_ms : store time in milliseconds, None when nothing ran.
    outcome : one of ``ok``, ``truncated``, ``refused``, ``timeout``, ``error``.
    message : the error or refusal message shown to the user.
    client_ip, role, endpoint : the request's remote address, the user's role, the Flask endpoint.
    truncated : whether the row cap cut the result.

    Raises
    ------
    AuditError
        For an unknown outcome, or when the log file cannot be written (the path is named).
    """
    if outcome not in OUTCOMES:
        raise AuditError(f"audit outcome {outcome!r} is unknown; use one of {', '.join(OUTCOMES)}")
    entry = {"at": _now(), "user": user, "role": role, "ip": client_ip, "endpoint": endpoint, "query": query,
             "params": _redact(params), "rows": rows, "truncated": bool(truncated),
             "ms": None if elapsed_ms is None else round(float(elapsed_ms), 3), "outcome": outcome,
             "message": message}
    _append(state_dir, entry)
    return entry


def record_access(state_dir: Path | str, *, kind: str, action: str, subject: str, description: str,
                  user: str | None, role: str | None = None, client_ip: str | None = None,
                  endpoint: str | None = None, rows: int | None = None, outcome: str = "ok",
                  message: str | None = None, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Append one view or change of confidential data and return the entry.

    Parameters
    ----------
    kind : what kind of data, e.g. ``"assessment"``.
    action : one of :data:`ACTIONS`.
    subject : what was seen or changed: ``org:<orgnr>``, ``assessment:<id>``, ``region:<id>``, ``file:<path>``.
    description : one line for the log page (stored as ``query``).
    user, role, client_ip, endpoint : who, from where, through which page (the command line passes its
        command as ``endpoint`` and the operating-system user).
    rows : how many assessments were shown or changed.
    outcome : ``ok``, or ``refused`` for a user whose role may not see them, ``error`` for a failed change.

    Raises
    ------
    AuditError
        For an unknown action or outcome, or when the log cannot be written. Callers show nothing
        confidential when recording fails.
    """
    if action not in ACTIONS:
        raise AuditError(f"audit action {action!r} is unknown; use one of {', '.join(ACTIONS)}")
    if outcome not in OUTCOMES:
        raise AuditError(f"audit outcome {outcome!r} is unknown; use one of {', '.join(OUTCOMES)}")
    entry = {"at": _now(), "user": user, "role": role, "ip": client_ip, "endpoint": endpoint, "kind": kind,
             "action": action, "subject": subject, "query": description, "params": _redact(params), "rows": rows,
             "truncated": False, "ms": None, "outcome": outcome, "message": message}
    _append(state_dir, entry)
    return entry


def _append(state_dir: Path | str, entry: Mapping[str, Any]) -> None:
    line = (json.dumps(entry, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    path = audit_path(state_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                view = memoryview(line)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
    except OSError as exc:
        raise AuditError(f"cannot append to the audit log {path}: {exc}; check that KLYNGE_STATE_DIR "
                         "exists and is writable by the web server") from exc


def _lines_backwards(path: Path) -> Generator[bytes, None, None]:
    with open(path, "rb") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_SH)
        try:
            fh.seek(0, os.SEEK_END)
            pos = fh.tell()
            rest = b""
            while pos > 0:
                step = min(_BLOCK, pos)
                pos -= step
                fh.seek(pos)
                chunk = fh.read(step) + rest
                parts = chunk.split(b"\n")
                rest = parts[0]
                for part in reversed(parts[1:]):
                    if part.strip():
                        yield part
            if rest.strip():
                yield rest
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def read_entries(state_dir: Path | str, *, limit: int = 100, user: str | None = None) -> list[dict[str, Any]]:
    """The latest ``limit`` entries, newest first, only those of ``user`` when given.

    A line that is not valid JSON (a damaged log) is returned as an entry with
    outcome ``"unreadable"`` and its line text, rather than hidden.
    """
    path = audit_path(state_dir)
    if limit < 1 or not path.exists():
        return []
    raws = _lines_backwards(path)
    try:
        return list(_take(raws, limit, user))
    except OSError as exc:
        raise AuditError(f"cannot read the audit log {path}: {exc}; check the permissions of KLYNGE_STATE_DIR") from exc
    finally:
        raws.close()  # releases the shared lock and the file at once


def _take(raws: Iterator[bytes], limit: int, user: str | None) -> Iterator[dict[str, Any]]:
    n = 0
    for raw in raws:
        try:
            entry = json.loads(raw)
        except ValueError:
            entry = None
        if not isinstance(entry, dict):
            entry = {"outcome": "unreadable", "message": raw.decode("utf-8", errors="replace")[:500]}
        if user is not None and entry.get("user") != user:
            continue
        yield entry
        n += 1
        if n >= limit:
            return
