"""The SQL in a database: ``migrate``, ``rollback``, ``uninstall``, ``modules``, ``doctor``,
``dump-schema`` — putting it there, checking it, and taking it away again (with consent)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from pgcadence import db, doctor as doctor_mod, manifest, migrate as migrate_mod, schema_dump
from pgcadence.cli.common import Progress, confirm, database_option, dsn, emit, interactive, json_option, lines, \
    refuse_without_terminal, to_json, yes_option
from pgcadence.errors import CadenceError


# ---------------------------------------------------------------- migrate
def _modules_option(value: str | None) -> list[str] | None:
    if value is None:
        return None
    value = value.strip()
    if value in ("", "none"):
        return []
    if value == "all":
        return [m.name for m in manifest.load().modules]
    return [v.strip() for v in value.split(",") if v.strip()]


def _planned_steps(url: str) -> int:
    """About how many steps a migrate run takes (for the progress bar)."""
    st = migrate_mod.status(url)
    files = len(manifest.load().files()) if st.pending else len(st.changed_files)
    return len(st.pending) + files


def _print_result(res: migrate_mod.Result, seconds: float, dry_run: bool) -> None:
    if not res.changed:
        click.echo("already up to date")
        return
    parts = []
    if res.migrations:
        parts.append(f"{len(res.migrations)} migration(s)")
    if res.files:
        parts.append(f"{len(res.files)} source file(s)")
    if res.disabled:
        parts.append(f"{len(res.disabled)} module(s) disabled")
    what = " and ".join(parts) or "bookkeeping"
    click.echo(f"{what} would be applied (dry run: nothing changed)" if dry_run
               else f"{what} applied in {seconds:.2f} s")


def apply_all(url: str, *, modules: list[str] | None = None, dry_run: bool = False,
              label: str = "migrating") -> migrate_mod.Result:
    """``migrate_mod.run`` with a progress bar on a terminal (one line per step otherwise)."""
    with Progress(_planned_steps(url) if interactive() else 0, label) as progress:
        return migrate_mod.run(url, progress=progress, modules=modules, dry_run=dry_run)


@click.command()
@database_option
@click.option("--dry-run", is_flag=True, help="Print what would be applied and change nothing.")
@click.option("--modules", metavar="LIST",
              help="The optional modules this database should have: comma-separated names, 'all' or 'none' "
                   "(core modules are always installed). Default: keep what the database has; all on a fresh one.")
def migrate(database: str | None, dry_run: bool, modules: str | None) -> None:
    """Apply pending migrations, then every SQL source file that changed, in one transaction.

    Refuses, changing nothing, a database where pg_cron is not preloaded or
    cron.database_name names another database. A failing statement leaves nothing
    behind; the error names the file and line. See docs/sql.md.
    """
    url = dsn(database)
    click.echo(f"migrating {db.describe(url)}" + (" (dry run)" if dry_run else ""))
    t0 = time.monotonic()
    res = apply_all(url, modules=_modules_option(modules), dry_run=dry_run)
    _print_result(res, time.monotonic() - t0, dry_run)


# ---------------------------------------------------------------- rollback / uninstall
def _show_plan(plan: migrate_mod.RollbackPlan) -> None:
    click.echo(f"this would roll back {len(plan.migrations)} migration(s): {', '.join(plan.migrations)}")
    click.echo(f"and first drop the functions and jobs of module(s): {', '.join(plan.modules)}")
    if plan.tables:
        click.echo("tables dropped, with every row in them:")
        for table, rows in plan.tables:
            click.echo(f"  {table:<40} {rows:>10} row(s)")


def _refuse_protected(plan: migrate_mod.RollbackPlan, force: bool) -> None:
    if plan.protected and not force:
        names = ", ".join(f"{t} ({n} rows)" for t, n in plan.protected)
        raise CadenceError(f"refusing to drop {names}: audit, credential, cache operation log and Vault rows cannot be recreated; "
                           "back them up, then pass --force (with --yes) to drop them anyway; nothing was changed")


def _rollback(database: str | None, steps: int | None, yes: bool, force: bool) -> None:
    url = dsn(database)
    plan = migrate_mod.rollback_plan(url, steps)
    if not plan.migrations:
        click.echo("nothing to roll back")
        return
    _show_plan(plan)
    refuse_without_terminal(yes)  # first, as every destructive verb does; then what --force is for
    _refuse_protected(plan, force)
    confirm("drop all of this?", yes)
    with Progress(len(plan.migrations) + len(plan.modules) if interactive() else 0, "rolling back") as progress:
        done = migrate_mod.rollback(url, steps, progress=progress)
    click.echo(f"{len(done)} migration(s) rolled back")


force_option = click.option("--force", is_flag=True, help="Also drop audit, credential, cache operation log and Vault tables that hold rows.")


@click.command()
@database_option
@click.option("--steps", type=click.IntRange(min=1), default=1, show_default=True, help="How many migrations to undo.")
@click.option("--all", "all_", is_flag=True, help="Undo every applied migration (the same as 'pgcadence uninstall').")
@yes_option
@force_option
def rollback(database: str | None, steps: int, all_: bool, yes: bool, force: bool) -> None:
    """Undo the most recently applied migration(s).

    The functions and jobs of the modules they belong to (and of the modules listed
    after them) are dropped first; 'pgcadence migrate' brings them back. Prints what
    would be dropped, with row counts, and asks first.
    """
    _rollback(database, None if all_ else steps, yes, force)


@click.command()
@database_option
@yes_option
@force_option
def uninstall(database: str | None, yes: bool, force: bool) -> None:
    """Remove everything pgcadence created in this database, and nothing else.

    Every function, view, trigger, policy and cron job its SQL sources defined, then
    every migration in reverse (tables and their data, the roles and schemas it
    created). Extensions are left installed. Prints what would be dropped and asks first.
    """
    _rollback(database, None, yes, force)


# ---------------------------------------------------------------- modules
@click.group()
def modules() -> None:
    """The optional parts of the SQL (movies, cache, ...) this database has."""


@modules.command("list")
@database_option
@json_option
def modules_list(database: str | None, as_json: bool) -> None:
    """Every module: core or optional, enabled here or not, what it is."""
    st = migrate_mod.status(dsn(database))
    fresh = not st.modules
    rows = []
    for m in manifest.load().modules:
        on = m.core or (st.modules.get(m.name, False) and not fresh)
        state = "core" if m.core else ("enabled" if on else ("not installed" if fresh else "disabled"))
        rows.append({"module": m.name, "state": state, "enabled": on, "summary": m.summary})
    emit(rows, {"module": "MODULE", "state": "STATE", "summary": "WHAT"}, as_json, empty="no modules")


def _set(database: str | None, name: str, on: bool) -> None:
    man = manifest.load()
    mod = man.module(name)
    url = dsn(database)
    st = migrate_mod.status(url)
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
    res = migrate_mod.run(url, progress=lines(), modules=wanted)
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
@yes_option
def modules_disable(database: str | None, name: str, yes: bool) -> None:
    """Remove module NAME's functions, views, policies and cron jobs; its tables and
    their data stay (enable it again to get everything back)."""
    manifest.load().module(name)
    confirm(f"drop the functions and cron jobs of module {name} (its data stays)?", yes)
    _set(database, name, False)


# ---------------------------------------------------------------- doctor
@click.command()
@database_option
@json_option
def doctor(database: str | None, as_json: bool) -> None:
    """Check a database: the server and pg_cron, roles, migrations and sources, each
    module, the scheduler, the sender, the queue, the keys. Exit 1 on any FAIL."""
    with db.connect(dsn(database)) as conn:
        checks = doctor_mod.run_checks(conn)
    failed = sum(c.level == "FAIL" for c in checks)
    warned = sum(c.level == "WARN" for c in checks)
    if as_json:
        click.echo(to_json({"checks": [c.as_dict() for c in checks], "failed": failed, "warnings": warned}))
    else:
        for c in checks:
            click.echo(c.line())
        click.echo(f"{len(checks)} checks: {failed} failed, {warned} warnings")
    if failed:
        sys.exit(1)


# ---------------------------------------------------------------- dump-schema
@click.command("dump-schema")
@database_option
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
def dump_schema(database: str | None, output: Path | None) -> None:
    """Print the normalised schema (pg_dump --schema-only without settings and banners)."""
    if output is not None and not output.parent.is_dir():
        raise CadenceError(f"cannot write {output}: the folder {output.parent} does not exist (create it, or "
                           "pass another --output)")
    text = schema_dump.dump(dsn(database))
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text)
    except OSError as exc:
        raise CadenceError(f"cannot write {output}: {exc.strerror} (pass another --output)") from None
    click.echo(f"wrote {output}")


COMMANDS = (migrate, rollback, uninstall, modules, doctor, dump_schema)
