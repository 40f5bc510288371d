"""The graph stores: ``klynge db``, ``klynge neo4j`` and ``klynge query``."""

from __future__ import annotations

import json
from typing import Any

import click

from klynge.config import load_settings

from klynge.cli.base import command_store, format_rows, main


# ---------------------------------------------------------------- db


@main.group()
def db() -> None:
    """Start, stop, initialise and inspect the graph store."""


@db.command("init")
def db_init() -> None:
    """Create uniqueness constraints and indexes (idempotent)."""
    store = command_store()
    created = store.init_schema()
    for line in created:
        click.echo(f"created {line}")
    click.echo(f"schema ready on {store.backend} ({len(created)} created, the rest existed)")


@db.command("status")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def db_status(fmt: str) -> None:
    """Backend, server version and counts per label and relationship type."""
    store = command_store()
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

    store = command_store()
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
    store = command_store()
    if cypher_text:
        rows = store.read(cypher_text, values, timeout_s=timeout)
    else:
        rows = library.run(store, name, values, timeout_s=timeout)
    click.echo(format_rows(rows, fmt))
