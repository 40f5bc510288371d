"""Accounts and the web app: ``klynge users``, ``klynge serve`` and ``klynge demo``."""

from __future__ import annotations

import sys

import click

from klynge.config import load_settings

from klynge.cli.base import format_rows, main


# ---------------------------------------------------------------- users


def _user_store():
    from web.users import UserStore

    return UserStore(load_settings().state_dir)


def _valid_username(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from web.users import UserError, validate_username

    try:
        return validate_username(value)
    except UserError as exc:
        raise click.BadParameter(str(exc)) from exc


def _read_password(username: str, from_stdin: bool) -> str:
    """One line from stdin (``--password-stdin``) or a hidden prompt asked twice; checked for length."""
    from web.users import UserError, validate_password

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
        from web.users import UserError

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
        from web.users import UserError

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
