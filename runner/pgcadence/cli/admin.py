"""``pgcadence admin …`` (sign-in links, admins, sessions of the admin console) and
``pgcadence demo load|clear`` (its sample data). The SQL is in sql/admin/; these verbs run
it as the database owner."""

from __future__ import annotations

import datetime as dt
import json
import sys

import click
import psycopg

from pgcadence import db, queries as q
from pgcadence.cli.common import confirm, database_option, dsn, yes_option
from pgcadence.errors import CadenceError
from pgcadence.executor import auth, keys

DEFAULT_BASE = "http://127.0.0.1:54330"


def _uuid(ctx, param, value):
    if value is None:
        return None
    import uuid

    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a user id (UUID)") from None


def _ttl(ctx, param, value):
    if value is None:
        return None
    try:
        return auth.parse_ttl(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def default_admin(conn: psycopg.Connection) -> str:
    """The admin a link is for when --user is not given: the local admin, else the only one."""
    rows = conn.execute(f"select user_id, is_local from {q.ADMIN_USERS}").fetchall()
    local = [str(u) for u, is_local in rows if is_local]
    if local:
        return local[0]
    if len(rows) == 1:
        return str(rows[0][0])
    if not rows:
        raise CadenceError("no admin yet: `pgcadence admin create` makes a local one, or set profiles.role = 'admin' "
                           "for a user and pass --user <their id>")
    raise CadenceError(f"{len(rows)} admins: pass --user <id> (see `pgcadence admin list`)")


def login_link(conn: psycopg.Connection, user: str, base_url: str, ttl_seconds: int | None = None) -> tuple[str, object]:
    """A one-time login link for ``user`` and its expiry."""
    ttl = None if ttl_seconds is None else dt.timedelta(seconds=ttl_seconds)
    token, expires = conn.execute(f"select * from {q.ADMIN_LOGIN_LINK}", (user, ttl)).fetchone()
    conn.commit()
    return f"{base_url.rstrip('/')}/admin/login?token={token}", expires


def _base_url(conn: psycopg.Connection, given: str | None) -> str:
    if given:
        if not given.startswith(("http://", "https://")):
            raise click.BadParameter("must start with http:// or https://", param_hint="--base-url")
        return given
    try:
        return keys.get_secret(conn, "project_url") or DEFAULT_BASE
    except psycopg.Error:
        conn.rollback()
        return DEFAULT_BASE


@click.group()
def admin() -> None:
    """The admin console (/admin on `pgcadence serve`): sign-in links, admins, sessions.

    \b
    pgcadence admin url             a one-time sign-in link for the local admin
    pgcadence admin url --user ID   ... for another admin (profiles.role = 'admin')
    pgcadence admin create          create the local admin (pgcadence run does it)
    pgcadence admin list            admins and their open sessions
    pgcadence admin logout --all    end every console session
    """


@admin.command("url")
@database_option
@click.option("--user", callback=_uuid, metavar="UUID", help="The admin to sign in as. Default: the local admin, or the only admin.")
@click.option("--base-url", metavar="URL",
              help=f"Where the console is served. Default: the Vault secret project_url (set by `pgcadence up`), else {DEFAULT_BASE}.")
@click.option("--ttl", callback=_ttl, metavar="TTL", help="How long the link works: 90s, 15m, 1h … (default 15m, at most 1 day).")
def url_cmd(database: str | None, user: str | None, base_url: str | None, ttl: int | None) -> None:
    """Print a one-time sign-in link (single use, short-lived) for an admin.

    Only the link goes to stdout; who and until when goes to stderr.
    """
    with db.connect(dsn(database)) as conn:
        uid = user or default_admin(conn)
        base = _base_url(conn, base_url)
        link, expires = login_link(conn, uid, base, ttl)
    click.echo(link)
    click.echo(f"one use, until {expires:%Y-%m-%d %H:%M:%S %Z}, signs in admin {uid}", err=True)


@admin.command("create")
@database_option
def create_cmd(database: str | None) -> None:
    """Create the local admin (a new profiles row with role 'admin'), or print the existing one."""
    with db.connect(dsn(database)) as conn:
        before = conn.execute("select local_admin from pgcadence.admin_settings").fetchone()[0]
        uid = conn.execute(f"select {q.ADMIN_LOCAL_USER}").fetchone()[0]
        conn.commit()
    click.echo(f"{'local admin' if str(uid) == str(before) else 'created the local admin'} {uid}")


@admin.command("list")
@database_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_cmd(database: str | None, as_json: bool) -> None:
    """Admins (profiles.role = 'admin'), which one is local, open sessions, last activity."""
    with db.connect(dsn(database)) as conn:
        rows = conn.execute(f"select user_id, is_local, sessions, last_seen_at from {q.ADMIN_USERS}").fetchall()
    if as_json:
        click.echo(json.dumps([{"user_id": str(u), "local": loc, "sessions": n, "last_seen_at": t.isoformat() if t else None}
                               for u, loc, n, t in rows], indent=2))
        return
    if not rows:
        click.echo("no admins (pgcadence admin create)")
        return
    click.echo(f"{'user id':<38}{'local':<7}{'sessions':<10}last seen")
    for u, loc, n, t in rows:
        click.echo(f"{str(u):<38}{'yes' if loc else '':<7}{n:<10}{t:%Y-%m-%d %H:%M:%S %Z}" if t else
                   f"{str(u):<38}{'yes' if loc else '':<7}{n:<10}-")


@admin.command("logout")
@database_option
@click.option("--user", callback=_uuid, metavar="UUID", help="End this admin's sessions.")
@click.option("--all", "everyone", is_flag=True, help="End every open console session.")
def logout_cmd(database: str | None, user: str | None, everyone: bool) -> None:
    """End console sessions (their cookies stop working at once)."""
    if bool(user) == everyone:
        raise click.UsageError("pass exactly one of --user UUID or --all")
    with db.connect(dsn(database)) as conn:
        n = conn.execute(f"select {q.ADMIN_SESSIONS_END}", (user,)).fetchone()[0]
        conn.commit()
    click.echo(f"ended {n} session(s)")


# ------------------------------------------------------------------ demo data
@click.group()
def demo() -> None:
    """Sample data for the admin console on a development database.

    \b
    pgcadence demo load    jobs in every state, cron jobs with a day of runs, net
                           responses, audit rows and caches
    pgcadence demo clear   remove exactly that (asks unless --yes)
    """


def _summary(doc: dict) -> str:
    return ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in sorted((doc or {}).items())) or "nothing"


@demo.command("load")
@database_option
def demo_load(database: str | None) -> None:
    """Fill the database with sample data for the console (refuses when already loaded)."""
    with db.connect(dsn(database)) as conn:
        doc = conn.execute(f"select {q.ADMIN_DEMO_LOAD}").fetchone()[0]
        conn.commit()
    click.echo(f"demo data loaded: {_summary(doc)}; remove it with `pgcadence demo clear`")


@demo.command("clear")
@database_option
@yes_option
def demo_clear(database: str | None, yes: bool) -> None:
    """Remove exactly the sample data `demo load` added (and the jobs and runs its cron jobs made)."""
    confirm("remove the console's demo data?", yes)
    with db.connect(dsn(database)) as conn:
        doc = conn.execute(f"select {q.ADMIN_DEMO_CLEAR}").fetchone()[0]
        conn.commit()
    click.echo(f"demo data removed: {_summary(doc)}")


# ------------------------------------------------------------------ `pgcadence run`
def announce_console(url: str, serve_port: int) -> None:
    """`pgcadence run`: make sure there is a local admin, print a sign-in link, and on the
    first start offer the demo data."""
    base = f"http://127.0.0.1:{serve_port}"
    try:
        with db.connect(url) as conn:
            first = conn.execute("select local_admin is null from pgcadence.admin_settings").fetchone()[0]
            uid = str(conn.execute(f"select {q.ADMIN_LOCAL_USER}").fetchone()[0])
            conn.commit()
            link, _ = login_link(conn, uid, base)
    except (psycopg.Error, CadenceError) as exc:
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        click.echo(f"admin console: no sign-in link ({first_line}); try `pgcadence admin url --user <admin id>`")
        return
    if first:
        click.echo(f"created the local admin {uid} (profiles.role = 'admin')")
    click.echo(f"admin console: {link}")
    click.echo("  (one use, 15 minutes; another: .venv/bin/pgcadence admin url)")
    if first:
        if sys.stdin.isatty() and click.confirm("load demo data so the console has something to show?", default=False):
            with db.connect(url) as conn:
                doc = conn.execute(f"select {q.ADMIN_DEMO_LOAD}").fetchone()[0]
                conn.commit()
            click.echo(f"demo data loaded: {_summary(doc)} (`pgcadence demo clear` removes it)")
        else:
            click.echo("  sample data for the console: .venv/bin/pgcadence demo load")


COMMANDS = [admin, demo]
