"""The analyst's Cypher console: run a user's read-only query with a time limit and a row cap.

The store is the wall: every console query goes through ``store.read``, which
FalkorDB runs as ``GRAPH.RO_QUERY`` (the server refuses any write) and Neo4j
first classifies with ``EXPLAIN`` and then runs in a READ transaction. The text
checks in this module only give an earlier, clearer message for what the store
would not refuse on its own or would refuse obscurely:

* ``LOAD CSV`` (a read to the store, but it opens files and URLs on the server);
* procedure calls outside a short allow-list (schema listings, full-text search,
  GDS ``stream``/``stats`` modes and ``gds.graph.list``);
* several statements separated by ``;``.

They scan the text with comments and string literals masked out and after
Unicode NFKC folding, so comments, case and look-alike characters cannot hide
a clause from them; when in doubt they refuse. A write that they do not look
for (``CREATE``, ``MERGE``, ``SET`` ...) is refused by the store.

Limits: the user's query is sent as it is (apart from one trailing ``;``,
which is dropped). It is not rewritten to add a ``LIMIT``, so the store
materialises every row the query returns; the row cap is applied afterwards
and the server-side timeout (``KLYNGE_CONSOLE_TIMEOUT_S``) is what bounds the
work and the size of a result. When a query returns no rows its column names
are not known (the stores do not report a header for an empty result).
"""

from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass
from typing import Any

from cypher.registry import user_text
from klynge.errors import ConsoleError, QueryError, QueryTimeout, ReadOnlyViolation

__all__ = ["ALLOWED_PROCEDURES", "ConsoleQueryError", "ConsoleResult", "procedure_allowed", "run_console"]

#: Procedures the console may call, compared case-insensitively (plus ``gds.*.stream`` and ``gds.*.stats``).
ALLOWED_PROCEDURES = frozenset({
    "db.labels",
    "db.relationshiptypes",
    "db.propertykeys",
    "db.indexes",
    "db.index.fulltext.querynodes",
    "db.idx.fulltext.querynodes",
    "gds.graph.list",
})
_GDS_READ_MODES = ("stream", "stats")
_GDS_WRITE_PARTS = frozenset({"write", "mutate"})

_TIMEOUT_SETTING = "KLYNGE_CONSOLE_TIMEOUT_S"
_ROWS_SETTING = "KLYNGE_CONSOLE_MAX_ROWS"

_CALL = re.compile(r"(?<![\w.$])CALL\b", re.IGNORECASE)
_NAME = re.compile(r"\s*([A-Za-z_][\w]*(?:\s*\.\s*[A-Za-z_][\w]*)*)")
_LOAD_CSV = re.compile(r"(?<![\w.$])LOAD\s+CSV\b", re.IGNORECASE)


@dataclass(frozen=True)
class ConsoleResult:
    """What a console query returned.

    Attributes
    ----------
    columns : column names, in the order the query returns them (empty when no row came back).
    rows : at most ``row_cap`` rows, each a tuple of values in ``columns`` order.
    truncated : True when the query returned more than ``row_cap`` rows.
    elapsed_ms : wall time of the store call, in milliseconds.
    query : the user's text, as entered.
    row_cap : the row cap that applied.
    timeout_s : the timeout that applied, in seconds.
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    truncated: bool
    elapsed_ms: float
    query: str
    row_cap: int
    timeout_s: float


class ConsoleQueryError(ConsoleError):
    """A console query was refused or failed; ``query`` keeps the user's text.

    ``reason`` is one of ``"empty"``, ``"multiple_statements"``, ``"load_csv"``,
    ``"procedure"``, ``"write"``, ``"timeout"`` and ``"failed"``.
    """

    def __init__(self, message: str, *, query: str, reason: str) -> None:
        super().__init__(message)
        self.query = query
        self.reason = reason


def _mask(text: str) -> str:
    """``text`` with comments and string literals blanked (same length) and back-quoted names unquoted.

    A back-quoted name keeps its letters, digits and underscores; any other
    character in it becomes ``_`` (so a quoted ``db.x`` is one unknown name).
    An unterminated string or comment blanks the rest of the text.
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "/" and text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c == "/" and text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(" " * (j - i))
            i = j
        elif c in ("'", '"'):
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + " " * max(0, j - i - 2) + (c if j - i >= 2 else ""))
            i = j
        elif c == "`":
            j = i + 1
            while j < n:
                if text[j] == "`":
                    if text.startswith("``", j):
                        j += 2
                        continue
                    break
                j += 1
            inner = text[i + 1:j]
            out.append(" " + "".join(ch if (ch.isalnum() or ch == "_") else "_" for ch in inner) + " ")
            i = min(j + 1, n)
        else:
            out.append(c)
            i += 1
    return "".join(out)[:n]  # an unterminated back-quoted name yields one extra character


def procedure_allowed(name: str) -> bool:
    """Whether the console may call procedure ``name`` (dotted, any case)."""
    lowered = re.sub(r"\s+", "", name).lower()
    if lowered in ALLOWED_PROCEDURES:
        return True
    parts = lowered.split(".")
    return (len(parts) >= 3 and parts[0] == "gds" and parts[-1] in _GDS_READ_MODES
            and not _GDS_WRITE_PARTS.intersection(parts[1:-1]))


def _called_procedures(code: str) -> list[str]:
    names = []
    for m in _CALL.finditer(code):
        rest = code[m.end():]
        stripped = rest.lstrip()
        if stripped.startswith(("{", "(")):
            continue  # a subquery: its clauses are checked like the rest of the text
        nm = _NAME.match(rest)
        if nm:
            names.append(re.sub(r"\s+", "", nm.group(1)))
        elif stripped:
            names.append(stripped.split()[0])
    return names


def _statement_text(query: str) -> str:
    """The text to send, after the early checks; raises :class:`ConsoleQueryError` when refused."""
    masked = _mask(query)
    if not masked.strip():
        raise ConsoleQueryError("The console query is empty (or only a comment); type a Cypher query to run.",
                                query=query, reason="empty")
    to_send = query
    semis = [i for i, ch in enumerate(masked) if ch == ";"]
    if semis:
        last = semis[-1]
        if len(semis) == 1 and not masked[last + 1:].strip() and masked[:last].strip():
            to_send = query[:last]  # one trailing ';' ends the only statement
        else:
            raise ConsoleQueryError(
                "The console runs one statement at a time, but this text holds several separated by ';' "
                "(the store refuses them too); run each statement on its own.",
                query=query, reason="multiple_statements")
    code = unicodedata.normalize("NFKC", _mask(to_send))
    if _LOAD_CSV.search(code):
        raise ConsoleQueryError(
            "LOAD CSV is refused in the console: it reads files and URLs on the database server; "
            "load data with the `klynge load` commands instead.",
            query=query, reason="load_csv")
    refused = [p for p in _called_procedures(code) if not procedure_allowed(p)]
    if refused:
        allowed = ", ".join(sorted(ALLOWED_PROCEDURES)) + ", gds.*.stream, gds.*.stats"
        raise ConsoleQueryError(
            f"Procedure {', '.join(refused)} is refused in the console; it may call only {allowed} "
            "(never *.write, *.mutate, dbms.* or apoc.*).",
            query=query, reason="procedure")
    return to_send


def run_console(store: Any, query: str, params: dict[str, Any] | None = None, *,
                timeout_s: float | None = None, max_rows: int | None = None) -> ConsoleResult:
    """Run an analyst's read-only Cypher query.

    Parameters
    ----------
    store : a :class:`cypher.store.GraphStore`; its ``read`` enforces read-only.
    query : the user's Cypher text (one statement).
    params : query parameters (``$name`` in the text).
    timeout_s : the time limit; default ``store.settings.console_timeout_s`` (KLYNGE_CONSOLE_TIMEOUT_S, 10 s).
    max_rows : the row cap; default ``store.settings.console_max_rows`` (KLYNGE_CONSOLE_MAX_ROWS, 1000).

    Returns
    -------
    ConsoleResult
        At most ``max_rows`` rows; ``truncated`` tells whether the query returned more.

    Raises
    ------
    ConsoleQueryError
        (a :class:`klynge.errors.ConsoleError`) when the query is refused (writes, ``LOAD CSV``,
        a procedure outside the allow-list, several statements), runs longer than the limit,
        or fails in the store. The message says what happened and which setting controls the limit;
        ``.query`` keeps the user's text.
    """
    settings = store.settings
    limit_s = float(settings.console_timeout_s if timeout_s is None else timeout_s)
    cap = int(settings.console_max_rows if max_rows is None else max_rows)
    if not limit_s > 0:
        raise ConsoleQueryError(f"The console timeout must be above 0 s, got {limit_s:g}; set {_TIMEOUT_SETTING}.",
                                query=query, reason="failed")
    if cap < 1:
        raise ConsoleQueryError(f"The console row cap must be at least 1, got {cap}; set {_ROWS_SETTING}.",
                                query=query, reason="failed")
    text = _statement_text(query)
    t0 = time.perf_counter()
    try:
        with user_text():
            rows = store.read(text, params or None, timeout_s=limit_s)
    except QueryTimeout as exc:
        raise ConsoleQueryError(
            f"Query ran longer than {limit_s:g} s and was stopped; the limit is {_TIMEOUT_SETTING}. "
            "Narrow the MATCH, add a LIMIT, or raise the limit.",
            query=query, reason="timeout") from exc
    except ReadOnlyViolation as exc:
        raise ConsoleQueryError(
            "The console only reads, and the store refused this query because it would change the graph "
            f"or its schema ({exc}); the graph is unchanged.",
            query=query, reason="write") from exc
    except QueryError as exc:
        raise ConsoleQueryError(f"The query failed: {exc}", query=query, reason="failed") from exc
    elapsed_ms = round((time.perf_counter() - t0) * 1000, 3)
    columns = tuple(rows[0].keys()) if rows else ()
    kept = tuple(tuple(r.get(c) for c in columns) for r in rows[:cap])
    return ConsoleResult(columns=columns, rows=kept, truncated=len(rows) > cap, elapsed_ms=elapsed_ms,
                         query=query, row_cap=cap, timeout_s=limit_s)
