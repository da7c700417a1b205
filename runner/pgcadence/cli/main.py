"""The ``pgcadence`` command line: one verb per job.

Exit codes: 0 success, 1 a failure the message explains, 2 bad usage.
Errors are one line on stderr; tracebacks are for bugs only.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
import psycopg

from pgcadence import __version__, db, doctor as doctor_mod, embedded, logging_setup, migrate as migrate_mod
from pgcadence.cli import executor as cli_executor
from pgcadence.errors import CadenceError

DATABASE_HELP = "Connection URL or conninfo. Default: $DATABASE_URL, else the PG* variables, else the running embedded cluster."


def _say(msg: str) -> None:
    click.echo(f"pgcadence: {msg}", err=True)


class Group(click.Group):
    """Turns CadenceError and database errors into one clear line."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CadenceError as exc:
            _say(f"error: {exc}")
            ctx.exit(exc.exit_code)
        except psycopg.Error as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            _say(f"database error: {first}")
            ctx.exit(1)


database_option = click.option("--database", "-d", metavar="URL", help=DATABASE_HELP)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pgcadence")
@click.option("--log-level", type=click.Choice(logging_setup.LEVELS, case_sensitive=False),
              envvar=logging_setup.ENV_LEVEL, default=logging_setup.DEFAULT_LEVEL, show_default=True,
              help=f"Least severe log line to print (JSON lines on stderr). Also ${logging_setup.ENV_LEVEL}.")
def cli(log_level: str) -> None:
    """Scheduled work on PostgreSQL: pg_cron, a pg_net-compatible sender, Vault-style
    secrets and a job queue, with this thin runner beside the database.

    \b
    Start here:  pgcadence up        (a local PostgreSQL with pg_cron, migrated)
                 pgcadence doctor    (is this database ready?)
    """
    logging_setup.configure(log_level)


# ---------------------------------------------------------------- migrations
def _print_result(res, seconds: float, dry_run: bool) -> None:
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


def _modules_option(value: str | None):
    if value is None:
        return None
    value = value.strip()
    if value in ("", "none"):
        return []
    if value == "all":
        from pgcadence import manifest

        return [m.name for m in manifest.load().modules]
    return [v.strip() for v in value.split(",") if v.strip()]


@cli.command()
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
    dsn = db.resolve_dsn(database)
    click.echo(f"migrating {db.describe(dsn)}" + (" (dry run)" if dry_run else ""))
    t0 = time.monotonic()
    res = migrate_mod.run(dsn, progress=lambda m: click.echo(f"  {m}"), modules=_modules_option(modules),
                          dry_run=dry_run)
    _print_result(res, time.monotonic() - t0, dry_run)


@cli.command()
@database_option
def doctor(database: str | None) -> None:
    """Check a database: pg_cron, pgcrypto, roles, migrations. Exit 1 on any FAIL."""
    dsn = db.resolve_dsn(database)
    with db.connect(dsn) as conn:
        checks = doctor_mod.run_checks(conn, dsn)
    for c in checks:
        click.echo(c.line())
    failed = sum(c.level == "FAIL" for c in checks)
    warned = sum(c.level == "WARN" for c in checks)
    click.echo(f"{len(checks)} checks: {failed} failed, {warned} warnings")
    if failed:
        sys.exit(1)


@cli.command("dump-schema")
@database_option
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
def dump_schema(database: str | None, output: Path | None) -> None:
    """Print the normalised schema (pg_dump --schema-only without settings and banners)."""
    from pgcadence import schema_dump

    text = schema_dump.dump(db.resolve_dsn(database))
    if output:
        output.write_text(text)
        click.echo(f"wrote {output}")
    else:
        click.echo(text, nl=False)


# ---------------------------------------------------------------- embedded cluster
data_dir_option = click.option(
    "--data-dir", type=click.Path(file_okay=False, path_type=Path),
    help="Where the cluster lives. Default: $PGCADENCE_HOME, ./.pgcadence in a checkout, else ~/.local/share/pgcadence.",
)
port_option = click.option("--port", type=click.IntRange(1024, 65535), default=embedded.DEFAULT_PORT,
                           show_default=True, help="TCP port on 127.0.0.1.")
serve_port_option = click.option("--serve-port", type=click.IntRange(1024, 65535), default=cli_executor.DEFAULT_PORT,
                                 show_default=True, help="Port of the executor (stored in Vault as project_url).")


def _start_embedded(data_dir: Path | None, port: int, serve_port: int = cli_executor.DEFAULT_PORT) -> embedded.Cluster:
    cluster = embedded.Cluster((data_dir or embedded.default_base()).resolve(), port=port)
    progress = lambda m: click.echo(f"  {m}")  # noqa: E731
    cluster.init(progress)
    cluster.start(progress)
    url = cluster.url()
    done = migrate_mod.apply(url, progress=progress)
    click.echo(f"  {len(done)} migration(s) applied" if done else "  migrations up to date")
    cli_executor.ensure_embedded_keys(url, serve_port, progress)
    _ensure_credential_key(cluster, progress)
    return cluster


def _ensure_credential_key(cluster: embedded.Cluster, progress) -> None:
    """The CRED_SEAL_KEY ring for sealed credentials (seed 000/001), beside the cluster."""
    import os

    from pgcadence import credentials

    if os.environ.get(credentials.ENV_KEY):
        return
    path = credentials.default_key_file()
    if not os.environ.get(credentials.ENV_FILE) and cluster.base != embedded.default_base().resolve():
        path = cluster.base / credentials.KEY_FILE_NAME
        os.environ[credentials.ENV_FILE] = str(path)  # for serve when `run` starts it in this process
        progress(f"credential key ring: {path} (export {credentials.ENV_FILE}={path} for other shells)")
    if not path.exists():
        credentials.init_key_file(path)
        progress(f"created the credential key ring {path} (mode 0600)")


@cli.command()
@data_dir_option
@port_option
@serve_port_option
def up(data_dir: Path | None, port: int, serve_port: int) -> None:
    """Start (or reuse) the embedded PostgreSQL with pg_cron, migrate it, create the
    project keys in Vault (project_url = the local executor), print its URL."""
    cluster = _start_embedded(data_dir, port, serve_port)
    click.echo(cluster.url())


@cli.command()
@data_dir_option
def down(data_dir: Path | None) -> None:
    """Stop the embedded PostgreSQL (its data stays on disk)."""
    cluster = embedded.Cluster((data_dir or embedded.default_base()).resolve())
    cluster.stop(lambda m: click.echo(f"  {m}"))


@cli.command()
@data_dir_option
@port_option
@serve_port_option
@click.option("--keep-running", is_flag=True, help="Leave PostgreSQL running when this command exits.")
@cli_executor._service_flags
@cli_executor.serve_options
def run(data_dir: Path | None, port: int, serve_port: int, keep_running: bool, **serve_kwargs) -> None:
    """The whole system on the embedded default, in the foreground until Ctrl-C:
    PostgreSQL with pg_cron, the executor (pgcadence serve) and its background services."""
    click.echo("pgcadence run: starting the embedded cluster")
    cluster = _start_embedded(data_dir, port, serve_port)
    url = cluster.url()
    click.echo(f"database: {url}")
    cli_admin.announce_console(url, serve_port)  # local admin, sign-in link, demo offer
    click.echo("ready. In another shell: .venv/bin/pgcadence doctor    (Ctrl-C here stops everything)")
    try:
        cli_executor.run_in_foreground(cluster, url, serve_port, serve_kwargs)
    finally:
        if not keep_running:
            click.echo("shutting down")
            cluster.stop(lambda m: click.echo(f"  {m}"))


# ---------------------------------------------------------------- each area's verbs
# Imported last: these modules import this one's helpers. Importing some also adds
# their checks to `pgcadence doctor`.
from pgcadence.cli import admin as cli_admin
from pgcadence.cli import cache as cli_cache
from pgcadence.cli import cron as cli_cron
from pgcadence.cli import jobs as cli_jobs
from pgcadence.cli import mandates as cli_mandates
from pgcadence.cli import migrate as cli_migrate
from pgcadence.cli import movies as cli_movies
from pgcadence.cli import net as cli_net
from pgcadence.cli import secrets as cli_secrets

for _command in cli_migrate.COMMANDS:  # status, rollback, uninstall, modules
    cli.add_command(_command)

cli_executor.register(cli)  # serve, keys
cli.add_command(cli_secrets.secrets)
cli_net.register(cli)  # net-worker, net status
for _command in cli_jobs.COMMANDS:  # worker, jobs
    cli.add_command(_command)
cli.add_command(cli_cron.cron)
cli.add_command(cli_movies.movies)
cli.add_command(cli_cache.cache)
cli_mandates.register(cli)  # credentials, mandates
cli_admin.register(cli)  # admin, demo


def main() -> None:
    cli(prog_name="pgcadence")


if __name__ == "__main__":
    main()
