"""Enhetsregisteret's record shapes that main units and sub-units share: address and code field names,
the NACE and municipality patterns, the NACE version of a file, and the getters over JSON records and
CSV rows."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from loaders.core import LoadContext, RowRejected, dig, to_text

ADDR_FIELDS = ["adresse", "postnummer", "poststed", "kommunenummer", "kommune", "landkode", "land"]
CODE_FIELDS = ["kode", "beskrivelse", "_links.*", "utgaatt"]

NACE_RE = re.compile(r"^\d{2}(\.\d{1,3})?$")
MUN_RE = re.compile(r"^\d{4}$")


def nace_version_for(ctx: LoadContext) -> str:
    """SN2025 unless told otherwise (``nace_version`` option) or the file predates 2025-09-01."""
    v = ctx.options.get("nace_version")
    if v:
        return str(v)
    return "SN2007" if ctx.as_of < "2025-09-01" else "SN2025"


def coded(get: Callable[[str], Any], path: str, rx: re.Pattern[str], what: str) -> str | None:
    """The text at ``path`` when it matches ``rx``; None when empty; the row is rejected otherwise."""
    v = to_text(get(path), path)
    if v is None:
        return None
    v = v.strip()
    if not rx.match(v):
        raise RowRejected(path, v, f"not a {what}")
    return v


def json_getter(rec: dict[str, Any]) -> Callable[[str], Any]:
    """Values of a JSON record by dotted path."""
    return lambda p: dig(rec, p) if "." in p else rec.get(p)


def csv_getter(row: dict[str, str]) -> Callable[[str], Any]:
    """Values of a CSV row by column name (case-insensitive; empty cells are None)."""
    low = {k.lower(): v for k, v in row.items()}
    return lambda p: (low.get(p.lower()) or None)


def is_csv(f: Path) -> bool:
    """True for a CSV file (plain or gzip)."""
    n = f.name.lower()
    return n.endswith(".csv") or n.endswith(".csv.gz")
