"""The ``klynge`` command group and what every command shares (the store, table output)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import click

from klynge.config import load_settings
from klynge.errors import KlyngeError


class KlyngeGroup(click.Group):
    """Turns Klynge errors into a one-line message and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KlyngeError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)


def command_store(**overrides: Any):
    """The configured store, closed when the command ends."""
    from cypher import open_store

    store = open_store(load_settings(overrides or None))
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.call_on_close(store.close)
    return store


def format_rows(rows: list[dict], fmt: str) -> str:
    """Render rows as an aligned table, CSV or JSON."""
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2, default=str)
    columns: list[str] = []
    for r in rows:
        for k in r:
            if k not in columns:
                columns.append(k)

    def cell(v: Any) -> str:
        if v is None:
            return ""
        if isinstance(v, (dict, list)):
            return json.dumps(v, ensure_ascii=False, default=str)
        return str(v)

    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([cell(r.get(c)) for c in columns])
        return buf.getvalue()
    if not rows:
        return "(no rows)"
    cells = [[cell(r.get(c)) for c in columns] for r in rows]
    widths = [min(60, max(len(c), *(len(row[i]) for row in cells))) for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    for row in cells:
        out.append("  ".join((v if len(v) <= w else v[: w - 1] + "…").ljust(w) for v, w in zip(row, widths)))
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


@click.group(cls=KlyngeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="klynge", prog_name="klynge")
def main() -> None:
    """Klynge: the Triple Helix graph of Norwegian firms, research and policy.

    Runs on Neo4j when NEO4J_URI is set, otherwise on an embedded FalkorDB store
    kept in KLYNGE_DATA_DIR (default ./var/graph).
    """
