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

Bounds: the user's query is sent as it is (apart from one trailing ``;``,
which is dropped), through ``store.console_read``, which bounds it in the store:
on the embedded store it runs on a read-only replica process of its own (its own
threads at the lowest CPU priority, so it cannot stall the app's queries), where
FalkorDB stops it at the time limit (``KLYNGE_CONSOLE_TIMEOUT_S``), returns at
most the row cap plus one row (``KLYNGE_CONSOLE_MAX_ROWS``) and lets it take at
most ``KLYNGE_CONSOLE_MEMORY_MB``; a reply that is not there by the limit plus a
second is abandoned with its connection; on Neo4j the transaction timeout, a
small fetch size and reading no more than the cap bound it. The kept rows are
also cut at ``KLYNGE_CONSOLE_MAX_BYTES``. When a query returns no rows its
column names are not known (the stores do not report a header for an empty result).

Around :func:`run_console`: :func:`parameter_names` finds the ``$params`` of a
text (same masked scan), :func:`parse_param_value` types a value typed in a
form, :func:`result_graph` turns node, relationship and path values into a
graph, and :func:`validate_query` checks a query without running it (before it
is saved).
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from dataclasses import dataclass
from typing import Any

from cypher.registry import user_text
from cypher.console_text import ConsoleQueryError, mask_literals, parameter_names, parse_param_value
from klynge.config import ENV
from klynge.errors import ParameterError, QueryError, QueryTimeout, ReadOnlyViolation
from klynge.errors import ResultTooLarge, StoreBusy

__all__ = ["ALLOWED_PROCEDURES", "ConsoleQueryError", "ConsoleResult", "check_params", "check_text", "parameter_names",
           "parse_param_value", "procedure_allowed", "result_graph", "run_console", "validate_query",
           "value_kind"]

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

_TIMEOUT_SETTING = ENV["console_timeout_s"]
_ROWS_SETTING = ENV["console_max_rows"]
_SLOTS_SETTING = ENV["console_concurrency"]

#: Console queries running at once in this process, per configured limit. The store runs a few
#: queries at a time (FalkorDB: one per core) and counts a query's time limit from when it starts
#: executing, so without this a burst of slow console queries would queue there, run past their
#: limit in wall-clock time and hold up the web pages' own queries.
_SLOTS: dict[int, threading.BoundedSemaphore] = {}
_SLOTS_GUARD = threading.Lock()


def _slots(n: int) -> threading.BoundedSemaphore:
    with _SLOTS_GUARD:
        if n not in _SLOTS:
            _SLOTS[n] = threading.BoundedSemaphore(n)
        return _SLOTS[n]

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
    kinds : per column, what its values are: ``"node"``, ``"relationship"``, ``"path"``,
        ``"value"`` (anything else, including lists and maps), ``"mixed"`` or ``"empty"`` (only nulls).
    cut : what cut a truncated result: ``"rows"`` (``row_cap``) or ``"bytes"`` (``byte_cap``).
    byte_cap : the byte cap that applied (KLYNGE_CONSOLE_MAX_BYTES).
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    truncated: bool
    elapsed_ms: float
    query: str
    row_cap: int
    timeout_s: float
    kinds: tuple[str, ...] = ()
    cut: str | None = None
    byte_cap: int = 0

    @property
    def has_graph(self) -> bool:
        """Whether a column holds nodes, relationships or paths (so a graph view can be drawn)."""
        return bool(result_graph(self)["nodes"])


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
    masked = mask_literals(query)
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
    code = unicodedata.normalize("NFKC", mask_literals(to_send))
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


def check_params(params: dict[str, Any] | None, query: str = "") -> dict[str, Any]:
    """The console's parameters as the stores will receive them, or :class:`ConsoleQueryError`
    (reason ``"parameter"``) naming the parameter: names must be ASCII identifiers, values graph
    values (no NUL character in a text, integers within 64 bits, map keys without backticks,
    nesting at most :data:`cypher.store.MAX_PARAM_DEPTH` deep)."""
    from cypher.storebase import query_params

    try:
        return query_params(params)
    except ParameterError as exc:
        raise ConsoleQueryError(f"Bad parameter: {exc}", query=query, reason="parameter") from exc
    except RecursionError as exc:  # pragma: no cover - the depth limit stops nesting well before
        raise ConsoleQueryError("Bad parameter: a value is nested too deeply.", query=query, reason="parameter") from exc


def run_console(store: Any, query: str, params: dict[str, Any] | None = None, *,
                timeout_s: float | None = None, max_rows: int | None = None,
                max_bytes: int | None = None) -> ConsoleResult:
    """Run an analyst's read-only Cypher query.

    Parameters
    ----------
    store : a :class:`cypher.store.GraphStore`; its ``console_read`` enforces read-only and the bounds.
    query : the user's Cypher text (one statement).
    params : query parameters (``$name`` in the text).
    timeout_s : the time limit; default ``store.settings.console_timeout_s`` (KLYNGE_CONSOLE_TIMEOUT_S, 10 s).
    max_rows : the row cap; default ``store.settings.console_max_rows`` (KLYNGE_CONSOLE_MAX_ROWS, 1000).
    max_bytes : the byte cap of the kept values (as compact JSON); default ``store.settings.console_max_bytes``
        (KLYNGE_CONSOLE_MAX_BYTES, 4,000,000).

    Returns
    -------
    ConsoleResult
        At most ``max_rows`` rows of at most ``max_bytes`` bytes; ``truncated`` tells whether the query
        returned more, ``cut`` which cap cut it.

    Raises
    ------
    ConsoleQueryError
        (a :class:`klynge.errors.ConsoleError`) when the query is refused (writes, ``LOAD CSV``,
        a procedure outside the allow-list, several statements, a bad parameter), runs longer than the
        limit, returns a row larger than the byte cap (``too_large``), or fails in the store;
        ``reason="busy"`` when ``console_concurrency`` queries (KLYNGE_CONSOLE_CONCURRENCY, 2) were
        running in this process for the whole limit — the wait for a slot counts against the limit,
        so a burst keeps every query within it. The message says what happened and which setting
        controls the limit; ``.query`` keeps the user's text.
    """
    settings = store.settings
    limit_s = float(settings.console_timeout_s if timeout_s is None else timeout_s)
    cap = int(settings.console_max_rows if max_rows is None else max_rows)
    byte_cap = int(getattr(settings, "console_max_bytes", 4_000_000) if max_bytes is None else max_bytes)
    if not limit_s > 0:
        raise ConsoleQueryError(f"The console timeout must be above 0 s, got {limit_s:g}; set {_TIMEOUT_SETTING}.",
                                query=query, reason="failed")
    if cap < 1:
        raise ConsoleQueryError(f"The console row cap must be at least 1, got {cap}; set {_ROWS_SETTING}.",
                                query=query, reason="failed")
    text = _statement_text(query)
    params = check_params(params, query) or None
    t0 = time.perf_counter()
    n_slots = max(1, int(settings.console_concurrency))
    slots = _slots(n_slots)
    if not slots.acquire(timeout=limit_s):
        raise ConsoleQueryError(
            f"The console is busy: {n_slots} queries were already running "
            f"and none finished within the {limit_s:g} s limit ({_TIMEOUT_SETTING}); try again shortly. "
            f"{_SLOTS_SETTING} sets how many console queries run at once.",
            query=query, reason="busy")
    try:
        # the time spent waiting for a slot counts against the query's limit
        remaining = max(0.001, limit_s - (time.perf_counter() - t0))
        with user_text():
            got = store.console_read(text, params, timeout_s=remaining, max_rows=cap, max_bytes=byte_cap)
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
    except ParameterError as exc:
        raise ConsoleQueryError(f"Bad parameter: {exc}", query=query, reason="parameter") from exc
    except ResultTooLarge as exc:
        raise ConsoleQueryError(f"The result is too large: {exc}", query=query, reason="too_large") from exc
    except StoreBusy as exc:
        raise ConsoleQueryError(f"The console is busy: {exc}. {_SLOTS_SETTING} sets how many console queries "
                                "run at once.", query=query, reason="busy") from exc
    except QueryError as exc:
        raise ConsoleQueryError(f"The query failed: {exc}", query=query, reason="failed") from exc
    finally:
        slots.release()
    elapsed_ms = round((time.perf_counter() - t0) * 1000, 3)
    rows = got.rows
    columns = tuple(rows[0].keys()) if rows else ()
    kept = tuple(tuple(r.get(c) for c in columns) for r in rows)
    kinds = tuple(_column_kind([row[i] for row in kept]) for i in range(len(columns)))
    return ConsoleResult(columns=columns, rows=kept, truncated=got.truncated, elapsed_ms=elapsed_ms,
                         query=query, row_cap=cap, timeout_s=limit_s, kinds=kinds, cut=got.cut, byte_cap=byte_cap)


# --------------------------------------------------------------------------- result shapes

_GRAPH_KINDS = ("node", "relationship", "path")


def value_kind(value: Any) -> str:
    """``"node"``, ``"relationship"``, ``"path"``, ``"null"`` or ``"value"`` for one result value."""
    if value is None:
        return "null"
    if isinstance(value, dict) and value.get("_kind") in _GRAPH_KINDS:
        return str(value["_kind"])
    return "value"


def _column_kind(values: list[Any]) -> str:
    kinds = {value_kind(v) for v in values} - {"null"}
    if not kinds:
        return "empty"
    return kinds.pop() if len(kinds) == 1 else "mixed"


def _node_id(node: dict[str, Any]) -> str:
    """A stable id for a node: its first model label's business key, else a digest of labels and properties."""
    import hashlib
    import json

    from cypher.schema.model import NODES

    keys = {t.label: t.key for t in NODES}
    for label in node.get("_labels") or []:
        key = keys.get(label)
        if key and node.get(key) is not None:
            return f"{label}:{node[key]}"
    blob = json.dumps(node, sort_keys=True, default=str, ensure_ascii=False)
    return "n:" + hashlib.sha1(blob.encode("utf-8")).hexdigest()[:16]


def _caption(node: dict[str, Any], node_id: str) -> str:
    for prop in ("name", "title"):
        if node.get(prop) not in (None, ""):
            return str(node[prop])
    if not node_id.startswith("n:"):
        return node_id.split(":", 1)[1]
    labels = node.get("_labels") or []
    return labels[0] if labels else "node"


def _props(entity: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entity.items() if not k.startswith("_")}


def result_graph(result: ConsoleResult) -> dict[str, Any]:
    """The nodes and relationships of a console result, for a graph view.

    Nodes come from node values anywhere in a row (also inside lists and maps) and
    from paths; a node's id is its business key (``Organization:923609016``), so
    the same node returned twice is drawn once. Relationships are drawn

    * inside a path, between its consecutive nodes;
    * when returned on their own, only if the row also returns exactly two
      nodes at its top level (``RETURN a, r, b``): they link those two.

    Other relationships cannot be placed (the store gives no internal ids or end
    points) and are counted in ``unplaced``. Edges are drawn without a direction:
    the store's values do not say which end a path's relationship starts from.

    Returns
    -------
    dict
        ``nodes`` (id, labels, caption, properties), ``edges`` (id, source, target,
        type, properties) and ``unplaced`` (int).
    """
    import json

    nodes: dict[str, dict[str, Any]] = {}
    edges: dict[tuple[Any, ...], dict[str, Any]] = {}
    unplaced = 0

    def add_node(n: dict[str, Any]) -> str:
        nid = _node_id(n)
        if nid not in nodes:
            nodes[nid] = {"id": nid, "labels": list(n.get("_labels") or []), "caption": _caption(n, nid),
                          "properties": _props(n)}
        return nid

    def add_edge(a: str, b: str, rel: dict[str, Any]) -> None:
        props = _props(rel)
        key = (min(a, b), max(a, b), rel.get("_type"), json.dumps(props, sort_keys=True, default=str))
        if key not in edges:
            edges[key] = {"id": f"e{len(edges)}", "source": a, "target": b, "type": rel.get("_type"),
                          "properties": props}

    def walk(v: Any, top: bool, row_nodes: list[str], row_rels: list[dict[str, Any]]) -> None:
        kind = value_kind(v)
        if kind == "node":
            nid = add_node(v)
            if top:
                row_nodes.append(nid)
        elif kind == "relationship":
            if top:
                row_rels.append(v)
            else:
                nonlocal unplaced
                unplaced += 1
        elif kind == "path":
            ids = [add_node(n) for n in v.get("nodes") or []]
            for i, rel in enumerate(v.get("relationships") or []):
                if i + 1 < len(ids):
                    add_edge(ids[i], ids[i + 1], rel)
        elif isinstance(v, list):
            for x in v:
                walk(x, False, row_nodes, row_rels)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x, False, row_nodes, row_rels)

    for row in result.rows:
        row_nodes: list[str] = []
        row_rels: list[dict[str, Any]] = []
        for v in row:
            walk(v, True, row_nodes, row_rels)
        ends = list(dict.fromkeys(row_nodes))
        for rel in row_rels:
            if len(ends) == 2:
                add_edge(ends[0], ends[1], rel)
            else:
                unplaced += 1
    return {"nodes": list(nodes.values()), "edges": list(edges.values()), "unplaced": unplaced}


# --------------------------------------------------------------------------- checks without running

#: FalkorDB plan operations that change the graph (``GRAPH.EXPLAIN`` output).
_FALKOR_WRITE_OPS = ("create", "merge", "mergecreate", "delete", "update", "foreach", "set", "remove")


def check_text(query: str) -> str:
    """Run the console's text checks only (no store); return the statement that would be sent.

    Raises
    ------
    ConsoleQueryError
        As :func:`run_console` does for an empty text, several statements, ``LOAD CSV``
        or a procedure outside the allow-list.
    """
    return _statement_text(query)


def validate_query(store: Any, query: str) -> None:
    """Check, without running it, that the console would accept ``query`` as a read.

    The text checks of :func:`run_console` apply first. Then the store plans the
    query without executing it: on Neo4j ``EXPLAIN`` must classify it as
    read-only (``r``); on FalkorDB ``GRAPH.EXPLAIN`` must parse it and its plan
    must hold no operation that writes (Create, Merge, Delete, Update, Foreach).
    Parameters need no values: both stores plan with each parameter set to 1
    (FalkorDB evaluates ``LIMIT $n`` while planning). Used before a query is saved.

    Raises
    ------
    ConsoleQueryError
        ``reason`` ``"write"`` for a query that would change the graph, ``"failed"``
        for one that does not parse, or a text-check reason.
    """
    text = _statement_text(query)
    try:
        placeholders = {name: 1 for name in parameter_names(text)}
        if getattr(store, "backend", None) == "neo4j":
            qt = store.query_type(text, placeholders)
            if qt != "r":
                raise ConsoleQueryError(
                    f"Neo4j classifies this query as '{qt}' (not read-only); the console runs and saves "
                    "only queries that read.", query=query, reason="write")
            return
        from cypher.store import COUNT_NODES, params_header

        store.read(COUNT_NODES)  # a graph that was never written is created empty, so it can be planned
        # FalkorDB evaluates LIMIT/SKIP parameters while planning: plan with each parameter set to 1
        header = params_header(placeholders)
        plan = store.command("GRAPH.EXPLAIN", store.settings.graph_name, header + text)
    except ConsoleQueryError:
        raise
    except QueryError as exc:
        raise ConsoleQueryError(f"The query does not parse: {exc}", query=query, reason="failed") from exc
    ops = []
    for line in plan or []:
        line = line.decode() if isinstance(line, bytes) else str(line)
        ops.append(line.strip().split("|")[0].strip())
    writes = sorted({op for op in ops if op.lower() in _FALKOR_WRITE_OPS})
    if writes:
        raise ConsoleQueryError(
            f"This query would change the graph (its plan holds {', '.join(writes)}); the console runs and "
            "saves only queries that read.", query=query, reason="write")
