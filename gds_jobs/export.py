"""Export the current measures: one row per organisation, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, IO

from cypher.statements.export import EXPORT_PAGE
from cypher.schema.measures import MEASURE_NAMES, WHOLE_MEASURES
from gds_jobs import runs
from gds_jobs.projection import READ_TIMEOUT_S
from klynge.errors import ConfigError

if TYPE_CHECKING:
    from cypher.store import GraphStore

EXPORT_COLUMNS: tuple[str, ...] = ("orgnr", "name", "helix", *MEASURE_NAMES)


def _value(column: str, v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if column in WHOLE_MEASURES and isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def iter_rows(store: GraphStore, page_size: int = 20000) -> Iterator[dict[str, Any]]:
    """The current run's rows (``EXPORT_COLUMNS``), ordered by orgnr; nothing before the first run."""
    run_id = runs.pointers(store)["measures"]
    if run_id is None:
        return
    after = ""
    while True:
        page = store.read(EXPORT_PAGE, {"run_id": run_id, "after": after, "page": page_size},
                          timeout_s=READ_TIMEOUT_S)
        for r in page:
            values = json.loads(r["packed"]) if r.get("packed") else {}
            row = {"orgnr": r["orgnr"], "name": r.get("name"), "helix": r.get("helix"), **values}
            yield {c: _value(c, row.get(c)) for c in EXPORT_COLUMNS}
        if len(page) < page_size:
            return
        after = page[-1]["orgnr"]


def write(rows: Iterator[dict[str, Any]], fmt: str, fh: IO[str]) -> int:
    """Write rows as CSV (header + one line per row; empty cell = undefined) or a JSON array."""
    n = 0
    if fmt == "csv":
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(EXPORT_COLUMNS)
        for r in rows:
            w.writerow(["" if r[c] is None else (repr(r[c]) if isinstance(r[c], float) else r[c])
                        for c in EXPORT_COLUMNS])
            n += 1
        return n
    fh.write("[")
    for r in rows:
        fh.write(("," if n else "") + "\n" + json.dumps(r, ensure_ascii=False))
        n += 1
    fh.write("\n]\n" if n else "]\n")
    return n


def export_measures(store: GraphStore, fmt: str = "csv", out: str | Path | IO[str] | None = None) -> int:
    """Export the current measures.

    Parameters
    ----------
    store : the graph store.
    fmt : ``"csv"`` or ``"json"``.
    out : a path, an open text file, or None for standard output.

    Returns
    -------
    int
        Rows written (0 before the first successful run: CSV gives the header only,
        JSON ``[]``).

    Notes
    -----
    Columns: ``orgnr``, ``name``, ``helix`` and the 14 measures named as in
    :func:`gds_jobs.measures.compute_all`; undefined values (e.g. the constraint of an
    isolate) are empty cells in CSV and ``null`` in JSON. Rows come from one run (the
    current one when the export started), even if a run publishes meanwhile.

    Raises
    ------
    ConfigError
        For an unknown format.
    """
    if fmt not in ("csv", "json"):
        raise ConfigError(f"export format {fmt!r} is not csv or json")
    rows = iter_rows(store)
    if out is None:
        return write(rows, fmt, sys.stdout)
    if isinstance(out, (str, Path)):
        path = Path(out)
        tmp = path.with_name(path.name + ".part")
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            n = write(rows, fmt, fh)
        tmp.replace(path)
        return n
    return write(rows, fmt, out)


def export_text(store: GraphStore, fmt: str = "csv") -> str:
    """The export as a string (small graphs, tests)."""
    buf = io.StringIO()
    export_measures(store, fmt, buf)
    return buf.getvalue()
