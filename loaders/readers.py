"""Streaming readers: raw files (gzip by magic bytes, counted bytes), JSON arrays, lines and documents,
CSV by header name, and the input files of a path. Every read failure is a LoadError naming the file and
the position."""

from __future__ import annotations

import csv
import gzip
import io
import re
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from klynge.errors import LoadError
from loaders.declarations import Pos


HEADER_PEEK = 1 << 20

csv.field_size_limit(1 << 26)


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
