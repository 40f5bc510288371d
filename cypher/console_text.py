"""The console's text handling before anything runs: string literals and comments masked out of a statement,
the ``$parameters`` it names, and a typed value from what an analyst wrote in a parameter field."""

from __future__ import annotations

import json
import re
from typing import Any

from klynge.errors import ConsoleError


class ConsoleQueryError(ConsoleError):
    """A console query was refused or failed; ``query`` keeps the user's text.

    ``reason`` is one of ``"empty"``, ``"multiple_statements"``, ``"load_csv"``,
    ``"procedure"``, ``"write"``, ``"timeout"``, ``"busy"``, ``"too_large"``, ``"failed"`` and
    ``"parameter"`` (a bad parameter value).
    """

    def __init__(self, message: str, *, query: str, reason: str) -> None:
        super().__init__(message)
        self.query = query
        self.reason = reason


def mask_literals(text: str) -> str:
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


_PARAM = re.compile(r"\$\s*([A-Za-z_][\w]*|\d+)")
_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?")


def parameter_names(query: str) -> list[str]:
    """The ``$name`` parameters of ``query``, in order of first use, without duplicates.

    The text is scanned with comments and string literals masked out (as for the
    refusal checks), so ``'$x'`` in a string or ``// $x`` in a comment is not a
    parameter. A back-quoted name (``$`orgnr```) is read without its quotes; characters
    other than letters, digits and ``_`` in it become ``_``, so use plain names.
    """
    seen: dict[str, None] = {}
    for m in _PARAM.finditer(mask_literals(query)):
        seen.setdefault(m.group(1), None)
    return list(seen)


def parse_param_value(text: str) -> Any:
    """A parameter value typed in a form or URL, converted to a Cypher value.

    * ``true`` / ``false`` (any case) -> boolean; ``null`` -> null;
    * an integer (``42``, ``-7``) -> integer; a decimal or exponent number (``1.5``, ``2e3``) -> float;
    * text starting with ``[`` that is a JSON list (``["a", 1]``) -> list;
      text starting with ``{`` that is a JSON object -> map;
    * text in double quotes that is a JSON string (``"42"``) -> that string (the way to pass
      a number-like value such as an organisation number as a string);
    * anything else -> the text as it is (so ``923609016`` is an integer but ``"923609016"`` a string).

    Raises
    ------
    ConsoleQueryError
        When the text starts with ``[``, ``{`` or ``"`` but is not valid JSON of that kind.
    """

    stripped = text.strip()
    low = stripped.lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "null":
        return None
    if _INT.fullmatch(stripped):
        return int(stripped)
    if _FLOAT.fullmatch(stripped):
        return float(stripped)
    if stripped[:1] in ("[", "{", '"'):
        expected = {"[": list, "{": dict, '"': str}[stripped[0]]
        try:
            value = json.loads(stripped)
        except RecursionError as exc:
            raise ConsoleQueryError(
                f"Parameter value starting {stripped[:20]!r} is nested too deeply to read; lists and maps may be "
                "nested a few levels, not thousands.", query="", reason="parameter") from exc
        except ValueError as exc:
            raise ConsoleQueryError(
                f"Parameter value {text!r} starts with {stripped[0]!r} but is not valid JSON ({exc}); "
                'write a JSON list such as ["a", "b"], a JSON object, or a quoted string such as "42".',
                query="", reason="parameter") from exc
        if isinstance(value, expected):
            return value
    return text
