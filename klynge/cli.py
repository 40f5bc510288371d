"""The ``klynge`` command line: it parses arguments and calls into the packages, nothing more.

Exit codes: 0 ok, 1 error, 2 usage, 3 finished with rejected rows.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from typing import Any

import click

from klynge.config import load_settings
from klynge.errors import KlyngeError

EXIT_REJECTS = 3


class KlyngeGroup(click.Group):
    """Turns Klynge errors into a one-line message and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KlyngeError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)


def _store(**overrides: Any):
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


# ---------------------------------------------------------------- db


@main.group()
def db() -> None:
    """Start, stop, initialise and inspect the graph store."""


@db.command("init")
def db_init() -> None:
    """Create uniqueness constraints and indexes (idempotent)."""
    store = _store()
    created = store.init_schema()
    for line in created:
        click.echo(f"created {line}")
    click.echo(f"schema ready on {store.backend} ({len(created)} created, the rest existed)")


@db.command("status")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def db_status(fmt: str) -> None:
    """Backend, server version and counts per label and relationship type."""
    store = _store()
    info = store.health()
    info["counts"] = store.counts()
    if fmt == "json":
        click.echo(json.dumps(info, indent=2, ensure_ascii=False))
        return
    click.echo(f"backend   {info['backend']} {info['version']}")
    for k in ("graph", "database", "port", "data_dir"):
        if k in info:
            click.echo(f"{k:<9} {info[k]}")
    click.echo(f"nodes     {info['nodes']}")
    click.echo(f"rels      {info['relationships']}")
    for kind in ("labels", "relationships"):
        for name, n in sorted(info["counts"][kind].items()):
            click.echo(f"  {kind[:-1] if kind == 'labels' else 'type'} {name:<24} {n}")


@db.command("start")
def db_start() -> None:
    """Start the embedded store (no-op when it runs, or on Neo4j)."""
    settings = load_settings()
    if settings.backend == "neo4j":
        click.echo(f"NEO4J_URI is set ({settings.neo4j_uri}); nothing to start")
        return
    from cypher import embedded

    info = embedded.ensure_server(settings.data_dir, settings.falkordb_port, state_dir=settings.state_dir,
                                  limits=embedded.Limits.from_settings(settings))
    state = "started" if info.started_here else "already running"
    click.echo(f"embedded store {state}: pid {info.pid}, 127.0.0.1:{info.port}, data in {info.data_dir}, "
               f"password in {(embedded.state_of(info.data_dir) or {}).get('password_file')}")


@db.command("stop")
def db_stop() -> None:
    """Stop the embedded store cleanly."""
    settings = load_settings()
    from cypher import embedded

    if embedded.stop_server(settings.data_dir):
        click.echo("embedded store stopped")
    else:
        click.echo("embedded store was not running")


@db.command("wipe")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def db_wipe(yes: bool) -> None:
    """Delete every node, relationship and index of the graph."""
    from cypher import assessments

    store = _store()
    n = assessments.count(store)
    warning = (f"the graph holds {n} advisors' assessments, which no source file can load again: back them up "
               "first with `klynge assessments export FILE.xlsx`") if n else ""
    if not yes:
        click.confirm(f"{warning + '. ' if warning else ''}Delete the whole graph?", abort=True)
    elif warning:
        click.echo(f"warning: {warning}; deleting them too (--yes)", err=True)
    store.wipe()
    click.echo(f"graph wiped on {store.backend}")


@main.group("neo4j")
def neo4j_group() -> None:
    """The local Neo4j 5.26 with GDS that Klynge runs itself (built by `make neo4j`).

    `eval "$(klynge neo4j start)"` starts it (or finds it running) and points every later klynge
    command in the shell at it.
    """


def _neo4j_exports(server: Any) -> str:
    import shlex

    return "\n".join(f"export {k}={shlex.quote(v)}" for k, v in server.env().items())


@neo4j_group.command("start")
def neo4j_start() -> None:
    """Start the local Neo4j (or find it running); print the NEO4J_* settings for `eval`."""
    from cypher import neo4j_local

    server = neo4j_local.ensure_server(load_settings())
    state = "started" if server.started_here else "already running"
    click.echo(f"local Neo4j {state}: pid {server.pid}, {server.uri}, data in {server.home}", err=True)
    click.echo(_neo4j_exports(server))


@neo4j_group.command("stop")
def neo4j_stop() -> None:
    """Stop the local Neo4j cleanly."""
    from cypher import neo4j_local

    if neo4j_local.stop_server(load_settings()):
        click.echo("local Neo4j stopped")
    else:
        click.echo("local Neo4j was not running")


@neo4j_group.command("status")
@click.option("--env", "as_env", is_flag=True, help="Print only the NEO4J_* settings for `eval` (exit 1 when stopped).")
def neo4j_status(as_env: bool) -> None:
    """Whether the local Neo4j runs, and where."""
    from cypher import neo4j_local

    settings = load_settings()
    server = neo4j_local.read_state(settings)
    if as_env:
        if server is None:
            raise click.ClickException("the local Neo4j is not running; start it with `klynge neo4j start`")
        click.echo(_neo4j_exports(server))
        return
    if server is None:
        reason = neo4j_local.unavailable_reason()
        click.echo("local Neo4j is not running" + (f" ({reason})" if reason else "; `klynge neo4j start` starts it"))
        return
    click.echo(f"local Neo4j running: pid {server.pid}, {server.uri}, user {neo4j_local.USERNAME}, "
               f"data in {server.home}, password in {neo4j_local.password_path(settings)}")


# ---------------------------------------------------------------- query


@main.command("query")
@click.argument("name", required=False)
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE", help="A query parameter.")
@click.option("--cypher", "cypher_text", help="Ad-hoc read-only Cypher instead of a library query.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
@click.option("--list", "list_", is_flag=True, help="List the library's queries.")
@click.option("--timeout", type=float, default=None, help="Seconds before the query is stopped.")
def query_cmd(name: str | None, params: tuple[str, ...], cypher_text: str | None, fmt: str,
              list_: bool, timeout: float | None) -> None:
    """Run a query from the library (cypher/queries) or ad-hoc read-only Cypher."""
    from cypher import library

    values: dict[str, str] = {}
    for p in params:
        k, sep, v = p.partition("=")
        if not sep:
            raise click.UsageError(f"--param {p!r} must be KEY=VALUE")
        values[k.strip()] = v
    if list_:
        backend = load_settings().backend
        rows = [{"name": q.name, "mode": q.mode, "title": q.title,
                 "params": ", ".join(p.name for p in q.params)} for q in library.names(backend)]
        click.echo(format_rows(rows, fmt))
        return
    if bool(name) == bool(cypher_text):
        raise click.UsageError("give a query NAME or --cypher TEXT (see --list)")
    store = _store()
    if cypher_text:
        rows = store.read(cypher_text, values, timeout_s=timeout)
    else:
        rows = library.run(store, name, values, timeout_s=timeout)
    click.echo(format_rows(rows, fmt))


# ---------------------------------------------------------------- load, synth

def _print_summary(summary: Any) -> None:
    click.echo(summary.describe() if hasattr(summary, "describe") else str(summary), err=True)


def _load(kind: str, path: str | None, dry_run: bool, **opts: Any) -> None:
    import loaders

    opts = {k: v for k, v in opts.items() if v not in (None, False)}
    store = None if dry_run else _store()
    summary = loaders.load(kind, path, store, dry_run=dry_run, **opts)
    _print_summary(summary)
    if summary.exit_code:
        sys.exit(summary.exit_code)


@main.group()
def load() -> None:
    """Load source files (Brønnøysund, Regnskapsregisteret, Forskningsrådet, Innovasjon Norge, patents, clusters)."""


def load_options(fn: Any) -> Any:
    """Options every loader takes."""
    fn = click.option("--dry-run", is_flag=True, help="Validate without writing.")(fn)
    fn = click.option("--batch-size", type=click.IntRange(min=1), default=None,
                      help="Rows per write batch (default KLYNGE_WRITE_BATCH_SIZE).")(fn)
    fn = click.option("--as-of", default=None, help="Date of the data (ISO; default the file's date).")(fn)
    fn = click.option("--reject-dir", type=click.Path(file_okay=False), default=None,
                      help="Where reject files go.")(fn)
    return fn


def _add_load_command(kind: str, help_text: str) -> None:
    @load.command(kind, help=help_text)
    @click.argument("path", type=click.Path(exists=True))
    @load_options
    def _cmd(path: str, dry_run: bool, **opts: Any) -> None:
        _load(kind, path, dry_run, **opts)


@load.command("units")
@click.argument("path", type=click.Path(exists=True))
@click.option("--snapshot", is_flag=True, help="The file is a full register: units missing from it are marked removed.")
@load_options
def load_units(path: str, dry_run: bool, snapshot: bool, **opts: Any) -> None:
    """Enhetsregisteret main units: bulk JSON(.gz), bulk CSV(.gz) or per-unit API JSON."""
    _load("units", path, dry_run, snapshot=snapshot, **opts)


for _kind, _help in (
    ("subunits", "Enhetsregisteret sub-units (underenheter): bulk JSON(.gz), CSV(.gz) or API JSON."),
    ("roles", "Roles: bulk roller/totalbestand JSON(.gz) or per-unit roles JSON."),
    ("accounts", "Regnskapsregisteret accounts: a per-unit JSON file, a folder of them, or .jsonl(.gz)."),
    ("patents", "Patent applications from the documented CSV (see loaders/README.md)."),
    ("synthetic", "Every file of a folder written by `klynge synth`."),
    ("assessments", "Advisors' absorptive-capacity assessments: CSV or XLSX in the template's layout "
                    "(`klynge assessments template FILE`). Confidential; each import is audited."),
):
    _add_load_command(_kind, _help)


@load.command("grants")
@click.argument("path", type=click.Path(exists=True))
@click.option("--source", type=click.Choice(["forskningsradet", "innovasjon-norge"]), required=True)
@click.option("--review-out", type=click.Path(), help="Where to write the name-matching review file.")
@click.option("--confirmations", type=click.Path(exists=True), help="CSV name,orgnr of confirmed matches.")
@load_options
def load_grants(path: str, source: str, dry_run: bool, **opts: Any) -> None:
    """Grants and applications: Forskningsrådet Søknader v2 CSV or Innovasjon Norge Tildelinger.csv."""
    _load("grants", path, dry_run, source=source.replace("-", "_"), **opts)


@load.command("clusters")
@click.argument("path", type=click.Path(exists=True))
@click.option("--review-out", type=click.Path(), help="Where to write the name-matching review file.")
@click.option("--confirmations", type=click.Path(exists=True), help="CSV name,orgnr of confirmed matches.")
@load_options
def load_clusters(path: str, dry_run: bool, **opts: Any) -> None:
    """Clusters and their members (YAML or CSV); names are matched to orgnr with a review file."""
    _load("clusters", path, dry_run, **opts)


@load.command("reference")
@click.option("--dry-run", is_flag=True, help="Validate without writing.")
def load_reference(dry_run: bool) -> None:
    """Municipalities, counties, regions, NACE hierarchies and value-creation areas (shipped data)."""
    _load("reference", None, dry_run)


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


# ---------------------------------------------------------------- jobs, export


@main.group()
def jobs() -> None:
    """The nightly measures jobs: run, list, status, schedule."""


@jobs.command("run")
@click.option("--only", multiple=True, help="Run only these jobs (repeatable; see `klynge jobs list`).")
@click.option("--engine", type=click.Choice(["auto", "gds", "local"]), default="auto", show_default=True)
@click.option("--include-ceo", is_flag=True, help="Count CEOs (DAGL) as well as board seats in the interlock network.")
@click.option("--include-deputies", is_flag=True, help="Count deputy members (VARA) and observers (OBS) too.")
@click.option("--wait", "wait_s", type=float, default=0.0, show_default=True,
              help="Seconds to wait for a run in progress to finish before giving up.")
@click.option("--quiet", is_flag=True, help="No per-step progress lines.")
def jobs_run(only: tuple[str, ...], engine: str, include_ceo: bool, include_deputies: bool, wait_s: float,
             quiet: bool) -> None:
    """Compute every measure; results become current only when the whole run succeeds."""
    import gds_jobs

    def progress(event: Any) -> None:
        if getattr(event, "event", None) != "advance":
            click.echo(str(event), err=True)

    summary = gds_jobs.run_jobs(_store(), only=list(only) or None, engine=engine, include_ceo=include_ceo,
                                include_deputies=include_deputies, wait_s=wait_s,
                                progress=None if quiet else progress)
    click.echo(summary.describe() if hasattr(summary, "describe") else str(summary))


@jobs.command("list")
def jobs_list() -> None:
    """The jobs a run can do."""
    import gds_jobs

    click.echo(format_rows(gds_jobs.list_jobs(), "table"))


@jobs.command("status")
@click.option("--history", is_flag=True, help="Every recorded run, newest first.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
def jobs_status(history: bool, fmt: str) -> None:
    """The latest run (or all runs) with status, durations and errors."""
    import gds_jobs

    click.echo(format_rows(gds_jobs.job_status(_store(), history=history), fmt))


@jobs.command("schedule")
@click.option("--cron", default=None, help="Cron expression (default KLYNGE_SCHEDULE or '30 2 * * *').")
@click.option("--tz", default="Europe/Oslo", show_default=True)
@click.option("--sync/--no-sync", "sync", default=True, show_default=True,
              help="Sync every configured source (Brønnøysund's feeds, KLYNGE_SYNC_FILES) before the jobs.")
def jobs_schedule(cron: str | None, tz: str, sync: bool) -> None:
    """Nightly in the foreground (what the compose scheduler does): sync, then the measures jobs."""
    import os

    import gds_jobs
    from klynge.nightly import nightly_run

    gds_jobs.schedule_forever(_store(), cron=cron or os.environ.get("KLYNGE_SCHEDULE") or "30 2 * * *", tz=tz,
                              run=nightly_run, sync=sync, echo=click.echo)


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

        _sync_exit(sync_all(_store()))


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
    _sync_exit(sync_brreg(_store(), base_url=base_url, since=since, from_cursor=cursor, feeds=list(feeds) or None,
                          page_size=page_size, as_of=as_of, reject_dir=reject_dir))


@sync_group.command("files")
@click.option("--config", type=click.Path(exists=True, dir_okay=False), default=None,
              help="The YAML list of files (default KLYNGE_SYNC_FILES).")
def sync_files_cmd(config: str | None) -> None:
    """Load each configured grant or patent file whose content changed (ETag or checksum)."""
    from loaders.sync import sync_files

    _sync_exit(sync_files(_store(), config=config))


@sync_group.command("status")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
def sync_status(fmt: str) -> None:
    """Each feed's and file's cursor and last sync."""
    from loaders.sync import all_states

    rows = [{k: r.get(k) for k in ("feed", "status", "cursor", "cursor_time", "started", "finished", "events",
                                   "applied", "rejected", "error")} for r in all_states(_store())]
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

    n = gds_jobs.export_measures(_store(), fmt, out)
    if out:
        click.echo(f"{n} organisations written to {out}", err=True)


# ---------------------------------------------------------------- assessments


@main.group()
def assessments() -> None:
    """Advisors' absorptive-capacity assessments (confidential; docs/assessments.md).

    Import them with `klynge load assessments FILE.csv|xlsx`; advisors record and edit them in the web app.
    """


@assessments.command("template")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--version", "version", type=int, default=None, help="Instrument version (default: the newest).")
def assessments_template(path: str, version: int | None) -> None:
    """Write an empty import template (PATH ending in .xlsx: with a sheet describing every column; or .csv)."""
    from loaders.sources.assessments import write_file

    click.echo(f"template written to {write_file(path, version=version)}", err=True)


@assessments.command("export")
@click.argument("path", type=click.Path(dir_okay=False))
def assessments_export(path: str) -> None:
    """Every assessment (drafts included) in the import layout, as .xlsx or .csv: a backup that
    `klynge load assessments` reads back (the edit history stays in the graph). Audited."""
    import getpass

    from klynge import audit
    from loaders.sources.assessments import export_rows, write_file

    rows = export_rows(_store())
    write_file(path, rows)
    audit.record_access(load_settings().state_dir, kind="assessment", action="export", subject=f"file:{path}",
                        description=f"klynge assessments export {path}: {len(rows)} assessments",
                        user=getpass.getuser(), role="cli", endpoint="klynge assessments export", rows=len(rows))
    click.echo(f"{len(rows)} assessments written to {path}; the file is confidential", err=True)


# ---------------------------------------------------------------- analyses


@main.group()
def report() -> None:
    """Reports of the study's analyses."""


@report.command("region")
@click.argument("region")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True)
@click.option("--population", type=click.Choice(["firms", "all"]), default="firms", show_default=True,
              help="firms: industry organisations that file accounts (the study); all: every organisation.")
@click.option("--min-employees", type=click.IntRange(min=0), default=5, show_default=True,
              help="Population: at least this many registered employees.")
@click.option("--roles", type=click.Choice(["board", "board+deputies", "board+ceo", "all"]), default="board",
              show_default=True, help="Seats that tie two organisations of the network.")
@click.option("--weighted/--unweighted", default=False, show_default=True,
              help="Burt's constraint on tie weights (shared persons) or on 0/1 ties (the study's reading).")
@click.option("--revenue-year", type=int, default=None,
              help="Accounts year of the revenue figures (default: the newest nearly complete year).")
@click.option("--sensitivity/--no-sensitivity", default=True, show_default=True,
              help="Compute the sensitivity panel (every population x seats x weighting).")
@click.option("--top", type=int, default=200, show_default=True, help="Organisations in the critical-mass table.")
@click.option("--assessments/--no-assessments", default=True, show_default=True,
              help="Include the absorptive-capacity section from advisors' assessments (confidential: the report "
                   "then says so, and the run is audited).")
def report_region(region: str, out_dir: str, population: str, min_employees: int, roles: str, weighted: bool,
                  revenue_year: int | None, sensitivity: bool, top: int, assessments: bool) -> None:
    """A self-contained HTML report (plus CSV and JSON of every table) for a region."""
    import getpass
    from pathlib import Path

    from gds_jobs.analysis.report import analyse_region, write_analysis
    from klynge import audit

    res = analyse_region(_store(), region, top_n=top, population=population, min_employees=min_employees,
                         roles=roles, weighted=weighted, revenue_year=revenue_year, sensitivity=sensitivity,
                         assessments=assessments)
    path = write_analysis(res, Path(out_dir))
    if "confidential" in res.meta:
        n = res.meta["confidential"]["interviewed"]
        audit.record_access(load_settings().state_dir, kind="assessment", action="report",
                            subject=f"region:{res.region_id}", description=f"klynge report region {region} --out "
                            f"{out_dir}: absorptive-capacity section of {n} interviewed organisation(s)",
                            user=getpass.getuser(), role="cli", endpoint="klynge report region", rows=n)
        click.echo(f"the report includes {n} advisors' assessments: it is confidential (--no-assessments leaves "
                   "them out)", err=True)
    net = res.meta["network"]
    click.echo(f"population: {res.meta['population']}")
    click.echo(f"network: {net['nodes']} nodes, {net['ties']} ties, {net['isolates']} isolates, largest component "
               f"{net['largest_component']} ({res.meta['projection']})")
    click.echo(f"report written to {path}")


@main.command("fit")
@click.argument("orgnr", required=False)
@click.option("--cluster", help="Rank candidate firms for this cluster (id or name).")
@click.option("--region", help="Only candidates in this region (with --cluster).")
@click.option("--evaluate", is_flag=True,
              help="Hide known members of every cluster and report how high the score and its baselines rank them.")
@click.option("--clusters", default="in", show_default=True,
              help="With --evaluate: 'in' (Innovasjon Norge clusters), 'all' (SIVA programmes too) or ids/names, "
                   "comma-separated.")
@click.option("--seeds", type=click.IntRange(min=1, max=100), default=10, show_default=True,
              help="With --evaluate: repetitions with other hidden members.")
@click.option("--fraction", type=click.FloatRange(0.01, 0.9), default=0.2, show_default=True,
              help="With --evaluate: share of each cluster's candidate members hidden.")
@click.option("--population", type=click.Choice(["firms", "all"]), default="firms", show_default=True,
              help="Candidates: firms (industry firms that file accounts) or every organisation.")
@click.option("--min-employees", type=click.IntRange(min=0), default=5, show_default=True,
              help="Candidates: at least this many registered employees.")
@click.option("--top", type=int, default=None)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
def fit(orgnr: str | None, cluster: str | None, region: str | None, evaluate: bool, clusters: str, seeds: int,
        fraction: float, population: str, min_employees: int, top: int | None, fmt: str) -> None:
    """Which clusters fit a firm, which firms fit a cluster, or how well the score finds known members."""
    from gds_jobs.analysis import fit as fit_mod
    from gds_jobs.analysis.options import AnalysisOptions

    if sum(map(bool, (orgnr, cluster, evaluate))) != 1:
        raise click.UsageError("give an ORGNR, or --cluster NAME [--region NAME], or --evaluate")
    options = AnalysisOptions(population=population, min_employees=min_employees)
    store = _store()
    if evaluate:
        which = clusters if clusters in ("in", "all") else [c.strip() for c in clusters.split(",") if c.strip()]
        ev = fit_mod.evaluate(store, clusters=which, seeds=seeds, fraction=fraction, options=options)
        click.echo(format_evaluation(ev, fmt))
        return
    if orgnr:
        df = fit_mod.fit_for_firm(store, orgnr, top=top or 10, options=options)
    else:
        df = fit_mod.fit_for_cluster(store, cluster, region, top=top or 50, options=options)
    if fmt != "json":
        df = df.drop(columns=["details"], errors="ignore")
    if fmt == "table":
        keep = ["rank", "cluster_id", "name", "orgnr", "place", "member", "candidate_rank", "score", "explanation"]
        df = df[[c for c in keep if c in df.columns]]
    rows = json.loads(df.to_json(orient="records", force_ascii=False))
    click.echo(format_rows(rows, fmt))


def format_evaluation(ev: Any, fmt: str) -> str:
    """The evaluation's summary with intervals, the paired differences, the notes and the verdict."""
    metrics = ("hit@10", "hit@50", "mrr", "auc")
    if fmt == "json":
        frames = {k: json.loads(getattr(ev, k).to_json(orient="records", force_ascii=False))
                  for k in ("summary", "differences", "clusters")}
        weights = ev.weights.weights if ev.weights is not None else None
        return json.dumps({**frames, "weights": weights, "notes": ev.notes, "verdict": ev.verdict,
                           "meta": ev.meta}, ensure_ascii=False, indent=2, default=str)
    if fmt == "csv":
        rows = json.loads(ev.summary.to_json(orient="records", force_ascii=False))
        return format_rows(rows, "csv")

    def cells(frame: Any, first: str) -> list[dict[str, str]]:
        out = []
        for r in frame.to_dict("records"):
            row = {first: r[first]}
            for k in ("clusters", "hidden"):
                if k in r:
                    row[k] = str(r[k])
            for m in metrics:
                if m in r:
                    row[f"{m} [95 % CI]"] = f"{r[m]:.3f} [{r[f'{m}_ci_low']:.3f}, {r[f'{m}_ci_high']:.3f}]"
            out.append(row)
        return out

    parts = ["Which firms fit which clusters: hidden members found by the score and its baselines", ""]
    if ev.summary.empty:
        parts.append("(nothing evaluated)")
    else:
        parts += [format_rows(cells(ev.summary, "variant"), "table"), "",
                  "Paired differences per cluster (full score minus baseline):",
                  format_rows(cells(ev.differences, "comparison"), "table")]
    parts += ["", ev.verdict, ""] + [f"* {n}" for n in ev.notes]
    return "\n".join(parts)


# ---------------------------------------------------------------- users


def _user_store():
    from klynge.users import UserStore

    return UserStore(load_settings().state_dir)


def _valid_username(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from klynge.users import UserError, validate_username

    try:
        return validate_username(value)
    except UserError as exc:
        raise click.BadParameter(str(exc)) from exc


def _read_password(username: str, from_stdin: bool) -> str:
    """One line from stdin (``--password-stdin``) or a hidden prompt asked twice; checked for length."""
    from klynge.users import UserError, validate_password

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(f"Password for {username}", hide_input=True, confirmation_prompt=True)
    try:
        return validate_password(password, username)
    except UserError as exc:
        raise click.BadParameter(str(exc), param_hint="password") from exc


_ROLE = click.Choice(["viewer", "advisor", "analyst", "admin"])
_PASSWORD_STDIN = click.option("--password-stdin", is_flag=True,
                               help="Read the password from the first line of standard input (for scripts).")


@main.group()
def users() -> None:
    """Web accounts and their roles, kept in KLYNGE_STATE_DIR/users.json (default ./var/state).

    Roles: viewer < advisor (person names) < analyst (Cypher console) < admin.
    Passwords are never taken as arguments: use the hidden prompt or --password-stdin.
    """


@users.command("add")
@click.argument("username", callback=_valid_username)
@click.option("--role", type=_ROLE, required=True, help="viewer, advisor, analyst or admin.")
@_PASSWORD_STDIN
def users_add(username: str, role: str, password_stdin: bool) -> None:
    """Create the account USERNAME (2-32 of a-z 0-9 . _ -; password of at least 10 characters)."""
    store = _user_store()
    if store.get(username) is not None:  # before asking for a password; add() checks again under the lock
        from klynge.users import UserError

        raise UserError(f"user {username!r} already exists in {store.path}; use `klynge users passwd` "
                        "or `klynge users set-role` to change it")
    rec = store.add(username, _read_password(username, password_stdin), role)
    click.echo(f"user {rec.username} added with role {rec.role} ({store.path})")


@users.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def users_list(fmt: str) -> None:
    """Usernames, roles and dates (password hashes are never shown)."""
    store = _user_store()
    rows = [u.public() for u in store.list()]
    if fmt == "table" and not rows:
        click.echo("(no users) add one with: klynge users add NAME --role advisor")
        return
    click.echo(format_rows(rows, fmt))


@users.command("remove")
@click.argument("username")
def users_remove(username: str) -> None:
    """Delete the account USERNAME; its sessions end on their next request."""
    _user_store().remove(username)
    click.echo(f"user {username} removed")


@users.command("set-role")
@click.argument("username")
@click.argument("role", type=_ROLE)
def users_set_role(username: str, role: str) -> None:
    """Give USERNAME the ROLE; it applies on the user's next request."""
    rec = _user_store().set_role(username, role)
    click.echo(f"user {rec.username} now has role {rec.role}")


@users.command("passwd")
@click.argument("username")
@_PASSWORD_STDIN
def users_passwd(username: str, password_stdin: bool) -> None:
    """Set a new password for USERNAME; the user's existing sessions end."""
    store = _user_store()
    if store.get(username) is None:
        from klynge.users import UserError

        raise UserError(f"user {username!r} does not exist in {store.path}; `klynge users list` shows the users")
    store.set_password(username, _read_password(username, password_stdin))
    click.echo(f"password of {username} changed; their sessions have ended")


# ---------------------------------------------------------------- web


@main.command("serve")
@click.option("--host", default=None, help="Default 127.0.0.1 (KLYNGE_HOST).")
@click.option("--port", type=int, default=None, help="Default 5000 (KLYNGE_PORT).")
def serve(host: str | None, port: int | None) -> None:
    """Serve the web app (development server; production uses gunicorn)."""
    from web import create_app

    settings = load_settings()
    bind = host or settings.web_host
    app = create_app({"KLYNGE_BIND_HOST": bind})  # Secure cookies unless bound to loopback (KLYNGE_SECURE_COOKIES)
    app.run(host=bind, port=port or settings.web_port, threaded=True)


@main.command("demo")
@click.option("--units", type=click.IntRange(min=500), default=5000, show_default=True,
              help="Size of the synthetic Norway to generate.")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--serve/--no-serve", default=True, help="Serve the web app afterwards (default yes).")
@click.option("--fresh", is_flag=True, help="Wipe the graph and regenerate the data first.")
def demo(units: int, seed: int, serve: bool, fresh: bool) -> None:
    """Set up the store, load synthetic demo data, compute the measures and serve the app."""
    from klynge import demo as demo_mod

    settings = load_settings()
    demo_mod.prepare(settings, units=units, seed=seed, fresh=fresh, echo=click.echo)
    if serve:
        from web import create_app

        click.echo(f"serving on http://{settings.web_host}:{settings.web_port}  (Ctrl-C stops; "
                   "`klynge db stop` stops the embedded store)")
        create_app({"KLYNGE_BIND_HOST": settings.web_host}).run(host=settings.web_host, port=settings.web_port,
                                                                threaded=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
