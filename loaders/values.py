"""Value parsing for loaders: organisation numbers, names, person keys, booleans, numbers, dates, text,
nested paths, the known-field audit and the content hash of a row."""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from klynge.reference.orgnr import nine_digits_valid
from loaders.declarations import RowRejected


MAX_TEXT = 100_000
"""Longest text value (characters) stored on a node; longer values reject the row."""


def orgnr_ok(s: str) -> bool:
    """True for exactly nine ASCII digits with a valid mod-11 check digit (no spaces stripped);
    :mod:`klynge.reference.orgnr` holds the check."""
    return type(s) is str and len(s) == 9 and s.isascii() and s.isdigit() and nine_digits_valid(s)


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


def row_hash(values: list[Any], consts: Mapping[str, Any]) -> str:
    """The content hash of a positional row (key excluded) and the constants written with it."""
    return hashlib.blake2b(orjson.dumps([values, consts], option=orjson.OPT_SORT_KEYS),
                           digest_size=12).hexdigest()
