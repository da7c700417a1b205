"""``pgcadence status``, ``rollback``, ``uninstall`` and ``modules``: what a database has,
and taking it away again (only with consent)."""

from __future__ import annotations

import sys

import click

from pgcadence import __version__, db, manifest, migrate as migrate_mod
from pgcadence.errors import CadenceError

DATABASE_HELP = "Connection URL or conninfo. Default: $DATABASE_URL, else the PG* variables, else the running embedded cluster."
database_option = click.option("--database", "-d", metavar="URL", help=DATABASE_HELP)


def confirm(question: str, yes: bool) -> None:
    """Go on only with consent: --yes, or 'y' typed at a terminal. Without a terminal
    and without --yes, refuse (exit 1) and change nothing."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise CadenceError("refusing without --yes (stdin is not a terminal); nothing was changed")
    if not click.confirm(question, default=False):
        raise CadenceError("cancelled; nothing was changed")


def _show_plan(plan: migrate_mod.RollbackPlan, force: bool) -> None:
    click.echo(f"this would roll back {len(plan.migrations)} migration(s): {', '.join(plan.migrations)}")
    click.echo(f"and first drop the functions and jobs of module(s): {', '.join(plan.modules)}")
    if plan.tables:
        click.echo("tables dropped, with every row in them:")
        for table, rows in plan.tables:
            click.echo(f"  {table:<40} {rows:>10} row(s)")
    if plan.protected and not force:
        names = ", ".join(f"{t} ({n} rows)" for t, n in plan.protected)
        raise CadenceError(f"refusing to drop {names}: audit, credential, cache operation log and Vault rows cannot be recreated; "
                           "back them up, then pass --force (with --yes) to drop them anyway; nothing was changed")


def _rollback(database: str | None, steps: int | None, yes: bool, force: bool) -> None:
    dsn = db.resolve_dsn(database)
    plan = migrate_mod.rollback_plan(dsn, steps)
    if not plan.migrations:
        click.echo("nothing to roll back")
        return
    _show_plan(plan, force)
    confirm("drop all of this?", yes)
    done = migrate_mod.rollback(dsn, steps, progress=lambda m: click.echo(f"  {m}"))
    click.echo(f"{len(done)} migration(s) rolled back")


@click.command()
@database_option
@click.option("--steps", type=click.IntRange(min=1), default=1, show_default=True, help="How many migrations to undo.")
@click.option("--all", "all_", is_flag=True, help="Undo every applied migration (the same as 'pgcadence uninstall').")
@click.option("--yes", "-y", is_flag=True, help="Do not ask (required when stdin is not a terminal).")
@click.option("--force", is_flag=True, help="Also drop audit, credential, cache operation log and Vault tables that hold rows.")
def rollback(database: str | None, steps: int, all_: bool, yes: bool, force: bool) -> None:
    """Undo the most recently applied migration(s).

    The functions and jobs of the modules they belong to (and of the modules listed
    after them) are dropped first; 'pgcadence migrate' brings them back. Prints what
    would be dropped, with row counts, and asks first.
    """
    _rollback(database, None if all_ else steps, yes, force)


@click.command()
@database_option
@click.option("--yes", "-y", is_flag=True, help="Do not ask (required when stdin is not a terminal).")
@click.option("--force", is_flag=True, help="Also drop audit, credential, cache operation log and Vault tables that hold rows.")
def uninstall(database: str | None, yes: bool, force: bool) -> None:
    """Remove everything pgcadence created in this database, and nothing else.

    Every function, view, trigger, policy and cron job its SQL sources defined, then
    every migration in reverse (tables and their data, the roles and schemas it
    created). Extensions are left installed. Prints what would be dropped and asks first.
    """
    _rollback(database, None, yes, force)


@click.command()
@database_option
def status(database: str | None) -> None:
    """Migrations applied and pending, modules, SQL sources not yet applied."""
    dsn = db.resolve_dsn(database)
    with db.connect(dsn) as conn:
        server = conn.execute("select current_setting('server_version'), current_database()").fetchone()
        cron = conn.execute("select extversion from pg_extension where extname = 'pg_cron'").fetchone()
    st = migrate_mod.status(dsn)
    click.echo(f"pgcadence {__version__}; PostgreSQL {server[0]}; database {server[1]}")
    click.echo(f"pg_cron: {'version ' + cron[0] if cron else 'not installed in this database'}")
    click.echo(f"migrations: {len(st.applied)} applied, {len(st.pending)} pending")
    for mid in st.applied:
        click.echo(f"  [x] {mid}")
    for mid in st.pending:
        click.echo(f"  [ ] {mid}")
    click.echo(f"SQL sources: {len(st.changed_files) or 'none'} to apply"
               + (f": {', '.join(st.changed_files)}" if st.changed_files and len(st.changed_files) <= 8 else ""))


# ---------------------------------------------------------------- modules
@click.group()
def modules() -> None:
    """The optional parts of the SQL (movies, cache, ...) this database has."""


@modules.command("list")
@database_option
def modules_list(database: str | None) -> None:
    """Every module: core or optional, enabled here or not, what it is."""
    man = manifest.load()
    st = migrate_mod.status(db.resolve_dsn(database))
    fresh = not st.modules
    for m in man.modules:
        on = True if m.core else (st.modules.get(m.name, False) if not fresh else False)
        state = "core" if m.core else ("enabled" if on else ("not installed" if fresh else "disabled"))
        click.echo(f"{m.name:<14} {state:<14} {m.summary}")


def _set(database: str | None, name: str, on: bool) -> None:
    man = manifest.load()
    mod = man.module(name)
    dsn = db.resolve_dsn(database)
    st = migrate_mod.status(dsn)
    if not st.modules:
        raise CadenceError("this database has no pgcadence modules yet: run 'pgcadence migrate' first")
    current = {n for n, enabled in st.modules.items() if enabled}
    if on:
        wanted = current | {name}
    else:
        if mod.core:
            raise CadenceError(f"{name} is a core module and cannot be disabled (use 'pgcadence uninstall' "
                               "to remove pgcadence entirely)")
        users = sorted(m.name for m in man.modules if m.name in current and name in m.requires)
        if users:
            raise CadenceError(f"{name} is required by {', '.join(users)}: disable those first")
        wanted = current - {name}
    res = migrate_mod.run(dsn, progress=lambda m: click.echo(f"  {m}"), modules=wanted)
    click.echo(f"module {name} {'enabled' if on else 'disabled'}" if res.changed
               else f"module {name} was already {'enabled' if on else 'disabled'}")


@modules.command("enable")
@database_option
@click.argument("name")
def modules_enable(database: str | None, name: str) -> None:
    """Install module NAME: its migrations (tables) and SQL sources."""
    _set(database, name, True)


@modules.command("disable")
@database_option
@click.argument("name")
@click.option("--yes", "-y", is_flag=True, help="Do not ask (required when stdin is not a terminal).")
def modules_disable(database: str | None, name: str, yes: bool) -> None:
    """Remove module NAME's functions, views, policies and cron jobs; its tables and
    their data stay (enable it again to get everything back)."""
    manifest.load().module(name)
    confirm(f"drop the functions and cron jobs of module {name} (its data stays)?", yes)
    _set(database, name, False)


COMMANDS = [status, rollback, uninstall, modules]
