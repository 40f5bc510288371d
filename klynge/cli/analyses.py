"""The jobs and analyses: ``klynge jobs``, ``klynge assessments``, ``klynge report`` and ``klynge fit``."""

from __future__ import annotations

import json
from typing import Any

import click

from klynge.config import load_settings

from klynge.cli.base import command_store, format_rows, main


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

    summary = gds_jobs.run_jobs(command_store(), only=list(only) or None, engine=engine, include_ceo=include_ceo,
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

    click.echo(format_rows(gds_jobs.job_status(command_store(), history=history), fmt))


@jobs.command("schedule")
@click.option("--cron", default=None, help="Cron expression (default KLYNGE_SCHEDULE or '30 2 * * *').")
@click.option("--tz", default="Europe/Oslo", show_default=True)
@click.option("--sync/--no-sync", "sync", default=True, show_default=True,
              help="Sync every configured source (Brønnøysund's feeds, KLYNGE_SYNC_FILES) before the jobs.")
def jobs_schedule(cron: str | None, tz: str, sync: bool) -> None:
    """Nightly in the foreground (what the compose scheduler does): sync, then the measures jobs."""
    import gds_jobs
    from klynge.cron import schedule_of
    from klynge.nightly import nightly_run

    gds_jobs.schedule_forever(command_store(), cron=cron or schedule_of()[0], tz=tz,
                              run=nightly_run, sync=sync, echo=click.echo)


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

    rows = export_rows(command_store())
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

    from gds_jobs.analysis.report import analyse_region
    from gds_jobs.analysis.report_html import write_analysis
    from klynge import audit

    res = analyse_region(command_store(), region, top_n=top, population=population, min_employees=min_employees,
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
    store = command_store()
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
