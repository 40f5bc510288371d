"""The load context: LoadRun bookkeeping, batching, counting, rejects, progress, the person key; and
run_loader, which runs one loader function inside it."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from cypher.statements.loads import FINGERPRINT_NODES, FINGERPRINT_RELS, LOADRUN_FINISH, LOADRUN_START
from klynge.errors import KlyngeError
from klynge.reference.orgnr import nine_digits_valid
from loaders.declarations import LoadSummary, Pos, RowRejected, Source
from loaders.readers import CsvFormat, CsvRow, iter_csv
from loaders.values import clean_orgnr, orgnr_ok, person_key, unknown_paths

if TYPE_CHECKING:
    from cypher.store import GraphStore

log = logging.getLogger("klynge.loaders")

BATCH_SIZE = 5000

# --------------------------------------------------------------------------- LoadRun bookkeeping


def graph_fingerprint(store: GraphStore) -> tuple[str, dict[str, int]]:
    """A deterministic hash of every node, relationship and property (``LoadRun``, ``SyncState`` excluded).

    Returns
    -------
    (sha256 hex digest, {"nodes": n, "relationships": m})
    """
    items: list[bytes] = []
    nodes = store.read(FINGERPRINT_NODES)
    for r in nodes:
        items.append(orjson.dumps(["N", sorted(r["labels"]), r["props"]], option=orjson.OPT_SORT_KEYS))
    rels = store.read(FINGERPRINT_RELS)
    for r in rels:
        items.append(orjson.dumps(["R", sorted(r["a_labels"]), r["a_key"], r["type"], r["props"],
                                   sorted(r["b_labels"]), r["b_key"]], option=orjson.OPT_SORT_KEYS))
    items.sort()
    h = hashlib.sha256()
    for it in items:
        h.update(it)
        h.update(b"\n")
    return h.hexdigest(), {"nodes": len(nodes), "relationships": len(rels)}


# --------------------------------------------------------------------------- the context


def _as_of_from_file(path: Path) -> str:
    return _dt.datetime.fromtimestamp(path.stat().st_mtime, tz=_dt.UTC).date().isoformat()


class _Progress:
    def __init__(self, enabled: bool | None, desc: str, total_bytes: int | None) -> None:
        if enabled is None:
            enabled = sys.stderr.isatty() and "PYTEST_CURRENT_TEST" not in os.environ
        self.bar = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(desc=desc, unit=" rows", unit_scale=True, file=sys.stderr, dynamic_ncols=True,
                            smoothing=0.1)

    def update(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@dataclass
class Stats:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


class LoadContext:
    """Everything a loader needs besides its own parsing.

    Parameters
    ----------
    store : a GraphStore (may be None in a dry run).
    source : the loader's :class:`Source`.
    path : the input file or directory.
    dry_run : validate only; nothing is written (no ``LoadRun`` either).
    batch_size : rows per ``UNWIND`` batch.
    progress : True/False, or None for "when stderr is a terminal".
    options : loader-specific options (``as_of``, ``synthetic``, ``review_out`` …).
    """

    def __init__(self, store: GraphStore, source: Source, path: Path, *, dry_run: bool = False,
                 batch_size: int = BATCH_SIZE, progress: bool | None = None,
                 options: Mapping[str, Any] | None = None) -> None:
        self.store = store
        self.source = source
        self.path = Path(path)
        self.dry_run = dry_run
        self.batch_size = batch_size
        self.options = dict(options or {})
        self.stats = Stats()
        self.warnings: list[str] = []
        self.unknown: dict[str, set[str]] = {}
        self.extra: dict[str, Any] = {}
        self.synthetic: bool = bool(self.options.get("synthetic", False))
        self.source_name: str = self.options.get("source_name") or source.name
        self.label: str = str(self.options.get("label") or self.path)
        """What the records come from, as recorded and reported: the path, or a feed's URL."""
        self.load_id = f"{source.kind}-{_dt.datetime.now(_dt.UTC).strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        self._reject_fh: Any = None
        self._reject_path: Path | None = None
        self._started = time.perf_counter()
        self._started_iso = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        self.as_of: str = self.options.get("as_of") or (
            _as_of_from_file(self.path) if self.path.exists() else _dt.date.today().isoformat())
        self._progress = _Progress(progress, f"load {source.kind}", None)
        settings = getattr(store, "settings", None)
        if settings is None:
            from klynge.config import load_settings

            settings = load_settings()
        self.settings = settings
        self._secret = self.options.get("person_key_secret") or settings.person_key_secret
        self._pool: Any = None
        self._pending: Any = None
        self._person_keys: dict[tuple[str, str | None], str] = {}

    # -- pipelined writing
    @property
    def provenance(self) -> dict[str, Any]:
        """Source name, "as of" date and synthetic flag that every written row carries (and hashes)."""
        return {"source": self.source_name, "as_of": self.as_of, "synthetic": self.synthetic}

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run a batch write in the background while the next batch is parsed (one write in flight).

        Writes stay in order (one worker); an error surfaces at the next ``submit`` or ``drain``.
        """
        if self.dry_run:
            return
        self.drain()
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="klynge-load")
        self._pending = self._pool.submit(fn, *args)

    def drain(self) -> None:
        """Wait for the background write, re-raising its error (a no-op inside the writer itself)."""
        import threading

        if threading.current_thread().name.startswith("klynge-load"):
            return
        if self._pending is not None:
            fut, self._pending = self._pending, None
            fut.result()

    # -- identity helpers
    def person_key(self, full_name: str, birth_date: str | None) -> str:
        """:func:`person_key` with this load's secret, memoised (a person holds several roles)."""
        k = (full_name, birth_date)
        key = self._person_keys.get(k)
        if key is None:
            if len(self._person_keys) >= 1 << 18:
                self._person_keys.clear()
            key = self._person_keys[k] = person_key(full_name, birth_date, self._secret)
        return key

    def orgnr(self, value: Any, field: str = "organisasjonsnummer", *, required: bool = True) -> str | None:
        """Validate an organisation number (9 digits, mod-11); raise :class:`RowRejected` when bad."""
        if type(value) is str and len(value) == 9 and value.isascii() and value.isdigit():
            if nine_digits_valid(value):
                return value
            raise RowRejected(field, value, "not a valid organisation number (9 digits with a mod-11 check digit)")
        s = clean_orgnr(value)
        if s is None:
            if required:
                raise RowRejected(field, value, "organisation number is missing")
            return None
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise RowRejected(field, value, "organisation number must be text of 9 digits")
        if not orgnr_ok(s):
            raise RowRejected(field, value, "not a valid organisation number (9 digits with a mod-11 check digit)")
        return s

    # -- reporting
    def reject(self, pos: Pos, field: str, value: Any, reason: str, file: Path | None = None) -> None:
        """Write one reject line (JSON) and count it."""
        self.stats.rejected += 1
        if self._reject_fh is None:
            self._reject_path = self._reject_location()
            self._reject_path.parent.mkdir(parents=True, exist_ok=True)
            self._reject_fh = open(self._reject_path, "w", encoding="utf-8")  # noqa: SIM115
        if isinstance(value, str) and len(value) > 500:
            value = value[:500] + f"… ({len(value)} characters)"
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            value = repr(value)
        where = pos.as_dict()
        if len(where) > 1:
            where.pop("byte", None)  # the byte offset of a streamed array is approximate; record/line are exact
        line = {"file": str(file or self.label), **where, "field": field, "value": value, "reason": reason}
        self._reject_fh.write(json.dumps(line, ensure_ascii=False) + "\n")

    @property
    def reject_path(self) -> Path | None:
        """The reject file of this load, once a row was rejected."""
        return self._reject_path

    def _reject_location(self) -> Path:
        out = self.options.get("reject_dir")
        if out:
            d = Path(out)
        else:
            d = Path(self.settings.data_dir).parent / "rejects"
        return d / f"{self.load_id}.rejects.jsonl"

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        log.warning(message)

    def audit(self, record: Any, schema: Mapping[str, Any], file: Path | None = None) -> None:
        """Remember fields of ``record`` that ``schema`` does not know (reported once at the end).

        Every record is walked (:func:`unknown_paths`, about 7 µs for a unit and 15–20 µs
        for a unit's roles record); a cache per key set was measured and was no faster.
        """
        if not isinstance(record, Mapping):
            return
        paths = unknown_paths(record, schema)
        if paths:
            self.unknown.setdefault(str(file or self.path), set()).update(paths)

    def audit_columns(self, header: Iterable[str], known: Iterable[str], file: Path | None = None) -> None:
        known_l = {k.lower() for k in known}
        for h in header:
            if h.lower() not in known_l:
                self.unknown.setdefault(str(file or self.path), set()).add(h)

    def open_csv(self, f: Path) -> tuple[list[str], Iterator[CsvRow], CsvFormat]:
        """:func:`iter_csv` plus a warning when the file is read as ISO-8859-1."""
        header, rows, fmt = iter_csv(f)
        if fmt.encoding == "iso-8859-1":
            self.warn(f"{f} is not UTF-8; read as ISO-8859-1")
        return header, rows, fmt

    def csv_records(self, f: Path, rows: Iterable[CsvRow]) -> Iterator[tuple[Pos, dict[str, str | None]]]:
        """Count each row of ``f`` as read, reject the rows the CSV reader could not split (field
        ``-``), and yield the others as ``(position, {lower-case column: stripped value})``."""
        for r in rows:
            self.tick()
            if "__error__" in r.values:
                self.reject(r.pos, "-", None, r.values["__error__"], file=f)
                continue
            yield r.pos, {k.lower(): (x.strip() if x is not None else x) for k, x in r.values.items()}

    def tick(self, n: int = 1) -> None:
        self.stats.read += n
        self._progress.update(n)

    # -- writing
    def writer(self, write: Callable[[list[Any]], Any], *, key_field: str | None = None, what: str = "record",
               background: bool = True) -> RowWriter:
        """A :class:`RowWriter` of this load: ``write(items)`` writes one batch."""
        return RowWriter(self, write, key_field=key_field, what=what, background=background)

    def upsert(self, query: str, rows: list[dict[str, Any]]) -> None:
        """Run an upsert that returns ``outcome, n`` rows and add them to the counts."""
        if not rows or self.dry_run:
            return
        self.drain()
        for r in self.store.run(query, {"rows": rows}):
            outcome = r.get("outcome")
            n = int(r.get("n") or 0)
            if outcome == "created":
                self.stats.created += n
            elif outcome == "updated":
                self.stats.updated += n
            elif outcome == "unchanged":
                self.stats.unchanged += n

    def execute(self, query: str, rows: list[dict[str, Any]] | None = None,
                params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run a write query (skipped in a dry run)."""
        if self.dry_run:
            return []
        self.drain()
        p = dict(params or {})
        if rows is not None:
            if not rows:
                return []
            p["rows"] = rows
        return self.store.run(query, p)

    def read(self, query: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        if self.store is None:
            return []
        return self.store.read(query, params)

    # -- lifecycle
    def start(self) -> None:
        if not self.dry_run:
            self.store.run(LOADRUN_START, {"load_id": self.load_id, "source": self.source_name,
                                           "file": self.label, "started": self._started_iso,
                                           "as_of": self.as_of})

    def finish(self, error: BaseException | None = None) -> LoadSummary:
        if self._pool is not None:
            try:
                self.drain()
            except Exception as exc:  # noqa: BLE001 - reported below as the load's error
                if error is None:
                    error = exc
            self._pool.shutdown(wait=True)
            self._pool = None
        self._progress.close()
        if self._reject_fh is not None:
            self._reject_fh.close()
        unknown: list[str] = []
        for f, paths in sorted(self.unknown.items()):
            ps = sorted(paths)
            unknown.extend(ps)
            self.warn(f"{f}: {len(ps)} unknown field(s) not loaded: {', '.join(ps[:50])}"
                      + (" …" if len(ps) > 50 else ""))
        if self.stats.rejected and self._reject_fh is not None:
            self.warn(f"{self.stats.rejected} row(s) rejected; see {self._reject_path}")
        duration = time.perf_counter() - self._started
        if not self.dry_run and self.store is not None:
            status = "ok" if error is None else "failed"
            try:
                self.store.run(LOADRUN_FINISH, {
                    "load_id": self.load_id, "status": status,
                    "finished": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
                    "read": self.stats.read, "created": self.stats.created, "updated": self.stats.updated,
                    "unchanged": self.stats.unchanged, "rejected": self.stats.rejected,
                    "error": None if error is None else str(error)[:2000]})
            except KlyngeError:
                if error is None:
                    raise
        return LoadSummary(
            kind=self.source.kind, source=self.source_name, file=self.label,
            read=self.stats.read, created=self.stats.created, updated=self.stats.updated,
            unchanged=self.stats.unchanged, rejected=self.stats.rejected,
            reject_file=str(self._reject_path) if self._reject_path else None,
            unknown_fields=tuple(sorted(set(unknown))), warnings=tuple(self.warnings),
            duration_s=round(duration, 3), dry_run=self.dry_run,
            load_id=None if self.dry_run else self.load_id,
            extra=tuple(sorted(self.extra.items())),
        )


# --------------------------------------------------------------------------- batching helpers


class RowWriter:
    """A loader's rows, written in batches of the load's batch size.

    :meth:`add` rejects a row whose key already appeared in the batch being collected (naming where it
    did), and hands a full batch to ``write`` — in the background while the next batch is parsed
    (one write in flight, :meth:`LoadContext.submit`), or at once with ``background=False`` (a source
    whose later rows read what earlier batches wrote). :meth:`finish` waits for the write in flight and
    writes the rest.

    Parameters
    ----------
    ctx : the load.
    write : writes one batch (the items given to :meth:`add`, in order).
    key_field : the input field a duplicate key is reported under; None: no duplicate check.
    what : the word for one row in the duplicate message ("record", "filing").
    background : write full batches in the background.
    """

    def __init__(self, ctx: LoadContext, write: Callable[[list[Any]], Any], *, key_field: str | None,
                 what: str = "record", background: bool = True) -> None:
        self.ctx = ctx
        self._write = write
        self.key_field = key_field
        self.what = what
        self.background = background
        self._items: list[Any] = []
        self._seen: dict[Any, str] = {}

    def add(self, key: Any, item: Any, pos: Pos, file: Path | None = None, *, value: Any = None,
            label: str | None = None, where: str | None = None) -> bool:
        """Queue ``item`` (whose key is ``key``); False when the key is a duplicate in this batch: rejected
        with ``value`` (default the key) as the field's value and ``label`` (default the value) in the
        message. ``where`` describes the position (default ``pos``)."""
        if self.key_field is not None:
            first = self._seen.get(key)
            if first is not None:
                shown = key if value is None else value
                self.ctx.reject(pos, self.key_field, shown,
                                f"duplicate {self.what}: {label or shown} already appeared at {first}", file=file)
                return False
            self._seen[key] = where or pos.describe()
        self._items.append(item)
        if len(self._items) >= (self.ctx.batch_size or BATCH_SIZE):
            self._flush()
        return True

    def _flush(self) -> None:
        items, self._items, self._seen = self._items, [], {}
        if self.background:
            self.ctx.submit(self._write, items)
        else:
            self._write(items)

    def finish(self) -> None:
        """Wait for the write in flight, then write what is left."""
        self.ctx.drain()
        items, self._items, self._seen = self._items, [], {}
        if items:
            self._write(items)


GC_GEN0_THRESHOLD = 1_000_000
"""Allocations between young-generation collections during a load (Python's default is 700).

Parsed records are acyclic dicts and lists, freed by reference counting; the cyclic
collector only walks the records still alive (a batch or two) each time it runs. At
the default threshold it ran every few records and cost a quarter of the parsing time;
at 50 000 it still cost about 10 µs per unit (one collection per batch); at a million,
under 1 µs. The previous thresholds are restored when the load ends."""


def run_loader(ctx: LoadContext, fn: Callable[[LoadContext, Path], None]) -> LoadSummary:
    """Run ``fn(ctx, path)`` with LoadRun bookkeeping; a LoadError is re-raised after recording it."""
    import gc

    saved = gc.get_threshold()
    if saved[0] and saved[0] < GC_GEN0_THRESHOLD:
        gc.set_threshold(GC_GEN0_THRESHOLD, *saved[1:])
    try:
        ctx.start()
        try:
            fn(ctx, ctx.path)
            ctx.drain()
        except KlyngeError as exc:
            ctx.finish(exc)
            raise
        except BaseException as exc:
            ctx.finish(exc)
            raise
        return ctx.finish()
    finally:
        gc.set_threshold(*saved)
