"""Data in: ``klynge load`` (one command per source declaration), ``klynge synth``, ``klynge sync`` and
``klynge export``."""

from __future__ import annotations

import sys
from typing import Any

import click


from klynge.cli.base import command_store, format_rows, main


# ---------------------------------------------------------------- load, synth

def _print_summary(summary: Any) -> None:
    click.echo(summary.describe() if hasattr(summary, "describe") else str(summary), err=True)


def _load(kind: str, path: str | None, dry_run: bool, **opts: Any) -> None:
    import loaders

    opts = {k: v for k, v in opts.items() if v not in (None, False)}
    store = None if dry_run else command_store()
    summary = loaders.load(kind, path, store, dry_run=dry_run, **opts)
    _print_summary(summary)
    if summary.exit_code:
        sys.exit(summary.exit_code)


class _LoadGroup(click.Group):
    """``klynge load <kind>``: one command per loader, made from its :class:`~loaders.core.Source` declaration
    when it is asked for (so other commands do not import every loader)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        import loaders

        return sorted({*loaders.KINDS, *super().list_commands(ctx)})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        import loaders

        if name in loaders.KINDS:
            return _load_command(loaders.source_of(name))
        return super().get_command(ctx, name)


@main.group(cls=_LoadGroup)
def load() -> None:
    """Load source files (Brønnøysund, Regnskapsregisteret, Forskningsrådet, Innovasjon Norge, patents, clusters)."""


def load_options(fn: Any) -> Any:
    """Options every loader that reads a path takes."""
    fn = click.option("--dry-run", is_flag=True, help="Validate without writing.")(fn)
    fn = click.option("--batch-size", type=click.IntRange(min=1), default=None,
                      help="Rows per write batch (default KLYNGE_WRITE_BATCH_SIZE).")(fn)
    fn = click.option("--as-of", default=None, help="Date of the data (ISO; default the file's date).")(fn)
    fn = click.option("--reject-dir", type=click.Path(file_okay=False), default=None,
                      help="Where reject files go.")(fn)
    return fn


def _source_option(o: Any) -> Any:
    """The click option of a :class:`~loaders.declarations.SourceOption`."""
    flag = "--" + o.name.replace("_", "-")
    if o.kind == "flag":
        return click.option(flag, o.name, is_flag=True, help=o.help)
    types = {"choice": click.Choice(list(o.choices)), "file": click.Path(exists=True, dir_okay=False),
             "path": click.Path()}
    return click.option(flag, o.name, type=types[o.kind], required=o.required, help=o.help)


def _load_command(source: Any) -> click.Command:
    """``klynge load <kind>`` from the source's declaration: its path, its own options and the common ones."""
    choices = {o.name for o in source.options if o.kind == "choice"}

    def run(path: str | None = None, dry_run: bool = False, **opts: Any) -> None:
        opts = {k: (v.replace("-", "_") if k in choices and isinstance(v, str) else v) for k, v in opts.items()}
        _load(source.kind, path, dry_run, **opts)

    cmd: Any = run
    for o in reversed(source.options):
        cmd = _source_option(o)(cmd)
    if source.takes_path:
        cmd = click.argument("path", type=click.Path(exists=True))(load_options(cmd))
    else:
        cmd = click.option("--dry-run", is_flag=True, help="Validate without writing.")(cmd)
    return click.command(source.kind, help=source.summary or source.title)(cmd)


@main.command("synth")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, help="Output folder.")
@click.option("--units", type=click.IntRange(min=500), default=10_000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
def synth(out_dir: str, units: int, seed: int) -> None:
    """Write a synthetic Norway in the real file formats (no real persons)."""
    from pathlib import Path

    from loaders.synth import generate

    manifest = generate(Path(out_dir), units=units, seed=seed, progress=sys.stderr.isatty())
    click.echo(f"synthetic data for {units} units (seed {seed}) written to {out_dir}")
    counts = getattr(manifest, "counts", None)
    if counts:
        for k, v in counts.items():
            click.echo(f"  {k:<16} {v}")


# ---------------------------------------------------------------- sync


def _sync_exit(summary: Any) -> None:
    click.echo(summary.describe(), err=True)
    if summary.exit_code:
        sys.exit(summary.exit_code)


@main.group("sync", invoke_without_command=True)
@click.pass_context
def sync_group(ctx: click.Context) -> None:
    """Keep the graph current: Brønnøysund's update feeds and the configured grant and patent files.

    Without a subcommand, syncs everything (`brreg`, then `files`) from the stored cursors.
    Exit codes: 0 ok, 1 a feed failed or has no cursor yet, 3 rows were rejected.
    """
    if ctx.invoked_subcommand is None:
        from loaders.sync import sync_all

        _sync_exit(sync_all(command_store()))


@sync_group.command("brreg")
@click.option("--since", help="Start every feed at this date (YYYY-MM-DD): the date of the bulk files loaded.")
@click.option("--from-cursor", "from_cursor", multiple=True, metavar="[FEED=]N",
              help="Start after update id N (the last one applied); FEED=N per feed, or N with one --feed.")
@click.option("--feed", "feeds", multiple=True, type=click.Choice(["units", "subunits", "roles"]),
              help="Sync only these feeds (repeatable; default all, in that order).")
@click.option("--base-url", help="API root ending in /enhetsregisteret/api (default KLYNGE_BRREG_API).")
@click.option("--page-size", type=click.IntRange(1, 10_000), default=None,
              help="Update items per page (default KLYNGE_SYNC_PAGE_SIZE).")
@click.option("--as-of", default=None, help="Date written as as_of (default today, UTC).")
@click.option("--reject-dir", type=click.Path(file_okay=False), default=None, help="Where reject files go.")
def sync_brreg_cmd(since: str | None, from_cursor: tuple[str, ...], feeds: tuple[str, ...], base_url: str | None,
                   page_size: int | None, as_of: str | None, reject_dir: str | None) -> None:
    """Apply Brønnøysund's update feeds (units, sub-units, roles) since each feed's stored cursor."""
    from loaders.sync import sync_brreg

    cursor: Any = None
    if from_cursor:
        pairs = [c.partition("=") for c in from_cursor]
        if len(pairs) == 1 and not pairs[0][1]:
            if not pairs[0][0].strip().isdigit():
                raise click.BadParameter(f"{from_cursor[0]!r} is not an update id", param_hint="--from-cursor")
            cursor = int(pairs[0][0])
        else:
            bad = [c for c, (f, sep, n) in zip(from_cursor, pairs) if not sep or not n.strip().isdigit()]
            if bad:
                raise click.BadParameter(f"{', '.join(bad)}: give FEED=N for each feed", param_hint="--from-cursor")
            cursor = {f.strip(): int(n) for f, _sep, n in pairs}
    _sync_exit(sync_brreg(command_store(), base_url=base_url, since=since, from_cursor=cursor, feeds=list(feeds) or None,
                          page_size=page_size, as_of=as_of, reject_dir=reject_dir))


@sync_group.command("files")
@click.option("--config", type=click.Path(exists=True, dir_okay=False), default=None,
              help="The YAML list of files (default KLYNGE_SYNC_FILES).")
def sync_files_cmd(config: str | None) -> None:
    """Load each configured grant or patent file whose content changed (ETag or checksum)."""
    from loaders.sync import sync_files

    _sync_exit(sync_files(command_store(), config=config))


@sync_group.command("status")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
def sync_status(fmt: str) -> None:
    """Each feed's and file's cursor and last sync."""
    from loaders.sync import all_states

    rows = [{k: r.get(k) for k in ("feed", "status", "cursor", "cursor_time", "started", "finished", "events",
                                   "applied", "rejected", "error")} for r in all_states(command_store())]
    if fmt == "table" and not rows:
        click.echo("(no sync yet) start with: klynge sync brreg --since DATE-OF-THE-BULK-FILES")
        return
    click.echo(format_rows(rows, fmt))


@main.group()
def export() -> None:
    """Export results."""


@export.command("measures")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="File (default: standard output).")
def export_measures(fmt: str, out: str | None) -> None:
    """One row per organisation: orgnr, name, helix and every measure of the current run."""
    import gds_jobs

    n = gds_jobs.export_measures(command_store(), fmt, out)
    if out:
        click.echo(f"{n} organisations written to {out}", err=True)
