"""``pgcadence movies …``: seed 003's movie ingestion from the command line.

Thin wrappers: ``status`` reads the tables, ``configure`` calls ``tmdb_configure()``,
``ingest`` / ``refresh`` run the same code as the executor functions in this process
(handy without ``pgcadence serve``). Also adds a doctor check (upstream key, cron jobs).
"""

from __future__ import annotations

import asyncio
import json

import click
import psycopg

from pgcadence import db, doctor
from pgcadence.errors import CadenceError

database_option = click.option("--database", "-d", metavar="URL",
                               help="Connection URL or conninfo. Default: $DATABASE_URL, else the PG* variables, "
                                    "else the running embedded cluster.")
SEED_JOBS = ("scheduled_ingest_daily", "scheduled_ingest_weekly", "daily_refresh_enqueue", "refresh_worker")


def _installed(conn: psycopg.Connection) -> bool:
    return conn.execute("select to_regclass('public.movies') is not null").fetchone()[0]


def _require(conn: psycopg.Connection) -> None:
    if not _installed(conn):
        raise CadenceError("the movies tables are not installed in this database: run 'pgcadence migrate'")


@click.group()
def movies() -> None:
    """Seed 003: scheduled movie ingestion and stale-driven refresh."""


@movies.command()
@database_option
def status(database: str | None) -> None:
    """Movies, stale ones, the refresh queue, the last ingestion and refresh runs."""
    with db.connect(db.resolve_dsn(database)) as conn:
        _require(conn)
        total, stale, gone, never = conn.execute(
            "select count(*), count(*) filter (where stale_at <= now()), count(*) filter (where gone),"
            " count(*) filter (where last_refreshed_at is null and not gone) from public.movies").fetchone()
        click.echo(f"movies: {total} ({stale} stale, {never} never refreshed, {gone} gone)")
        queue = conn.execute("select status, count(*) from public.refresh_queue group by status order by 1").fetchall()
        click.echo("refresh queue: " + (", ".join(f"{n} {s}" for s, n in queue) or "empty"))
        last = conn.execute("select created_at, source, trigger, status, fetched_count, inserted_count, updated_count,"
                            " error_count from public.scheduled_ingestion_log order by created_at desc limit 1").fetchone()
        if last:
            click.echo(f"last ingestion: {last[0]:%Y-%m-%d %H:%M:%S %Z} {last[1]} ({last[2]}) {last[3]}: "
                       f"{last[4]} fetched, {last[5]} inserted, {last[6]} updated, {last[7]} errors")
        else:
            click.echo("last ingestion: never")
        sync = conn.execute("select last_sync_at, last_result from public.sync_state where sync_name = 'daily_refresh'").fetchone()
        click.echo(f"last daily refresh: {sync[0]:%Y-%m-%d %H:%M:%S %Z} {json.dumps(sync[1])}" if sync else "last daily refresh: never")
        settings = conn.execute("select base_url, auth_style, requests_per_second, timeout_ms, api_key_secret"
                                " from pgcadence.movies_settings").fetchone()
        click.echo(f"upstream: {settings[0]} ({settings[1]} auth, {settings[2]:g} req/s, timeout {settings[3]} ms, "
                   f"key: Vault secret {settings[4]})")


@movies.command()
@database_option
@click.option("--base-url", help="TMDB-compatible API base, e.g. https://api.themoviedb.org/3")
@click.option("--rate", "requests_per_second", type=click.FloatRange(min=0.001), help="Requests per second, all senders together.")
@click.option("--timeout-ms", type=click.IntRange(100, 300000), help="Per-request timeout.")
@click.option("--auth-style", type=click.Choice(["bearer", "query"]), help="Send the key as 'Authorization: Bearer' or ?api_key=.")
@click.option("--key-secret", "api_key_secret", help="Name of the Vault secret holding the API key (default tmdb_api_key).")
@click.option("--max-retry-after", "max_retry_after_s", type=click.IntRange(min=0),
              help="Longest Retry-After (s) to wait for; longer fails the attempt.")
def configure(database: str | None, **values) -> None:
    """Change the upstream settings (tmdb_configure); prints them. The key itself goes to
    Vault: pgcadence secrets set tmdb_api_key."""
    with db.connect(db.resolve_dsn(database)) as conn:
        _require(conn)
        try:
            row = conn.execute("select public.tmdb_configure(base_url => %(base_url)s, requests_per_second => %(requests_per_second)s,"
                               " timeout_ms => %(timeout_ms)s, auth_style => %(auth_style)s, api_key_secret => %(api_key_secret)s,"
                               " max_retry_after_s => %(max_retry_after_s)s)", values).fetchone()
        except psycopg.errors.CheckViolation as exc:
            raise CadenceError(f"refused: {exc.diag.message_primary}") from None
    click.echo(json.dumps(row[0], indent=2, default=str))


def _run(database: str | None, work):
    from psycopg_pool import AsyncConnectionPool

    dsn = db.resolve_dsn(database)
    with db.connect(dsn) as conn:
        _require(conn)

    async def main():
        async with AsyncConnectionPool(dsn, min_size=1, max_size=4, kwargs={"autocommit": True}) as pool:
            return await work(pool)

    return asyncio.run(main())


@movies.command()
@database_option
@click.argument("source", default="mixed_daily")
@click.option("--limit", type=click.IntRange(1, 500), default=30, show_default=True, help="At most this many movies.")
def ingest(database: str | None, source: str, limit: int) -> None:
    """Run scheduled-ingest for SOURCE (mixed_daily, mixed_weekly, now_playing, popular,
    trending, top_rated, upcoming) in this process; logged with trigger 'manual'."""
    from pgcadence import movies as m

    try:
        report = _run(database, lambda pool: m.scheduled_ingest(pool, source, limit, "manual"))
    except psycopg.errors.InvalidParameterValue as exc:
        raise CadenceError(exc.diag.message_primary or str(exc)) from None
    click.echo(json.dumps(report, indent=2, default=str))
    if report["status"] == "failed":
        raise CadenceError("ingestion failed: " + "; ".join(e["error"] for e in report["errors"][:3]))


@movies.command()
@database_option
@click.option("--enqueue/--no-enqueue", default=True, show_default=True, help="Queue stale movies first (daily-refresh).")
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True, help="Jobs to claim (refresh-worker).")
def refresh(database: str | None, enqueue: bool, limit: int) -> None:
    """Run daily-refresh, then one refresh-worker round, in this process."""
    from pgcadence import movies as m

    async def work(pool):
        out = {}
        if enqueue:
            out["enqueue"] = await m.daily_refresh(pool)
        out["worker"] = await m.refresh_worker(pool, limit)
        return out

    click.echo(json.dumps(_run(database, work), indent=2, default=str))


def doctor_checks(conn: psycopg.Connection) -> list[doctor.Check]:
    """The four seed 003 cron jobs exist (the upstream key: see doctor's module checks)."""
    if not _installed(conn):
        return []
    out = []
    jobs = {r[0] for r in conn.execute("select jobname from cron.job where jobname = any(%s)", (list(SEED_JOBS),))}
    missing = [j for j in SEED_JOBS if j not in jobs]
    out.append(doctor.Check("PASS" if not missing else "FAIL", "movies cron jobs",
                            "all four scheduled" if not missing else "missing: " + ", ".join(missing),
                            "pgcadence migrate (sql/movies/jobs.sql schedules them)"))
    return out


doctor.EXTRA_CHECKS.append(doctor_checks)
