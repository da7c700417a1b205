"""``pgcadence movies …``: movie ingestion and stale-driven refresh from the command line.

Thin wrappers: ``status`` reads the tables, ``configure`` calls ``tmdb_configure()``,
``ingest`` / ``refresh`` run the same code as the executor functions in this process
(handy without ``pgcadence serve``).
"""

from __future__ import annotations

import asyncio
import json

import click
import psycopg
from psycopg_pool import AsyncConnectionPool

from pgcadence import movies as m, queries as q
from pgcadence.cli.common import connect, database_option, dsn, emit_object, json_option, to_json
from pgcadence.errors import CadenceError


def _require(conn: psycopg.Connection) -> None:
    if not conn.execute("select to_regclass('public.movies') is not null").fetchone()[0]:
        raise CadenceError("the movies tables are not installed in this database: run 'pgcadence migrate'")


@click.group()
def movies() -> None:
    """Scheduled movie ingestion and stale-driven refresh (see docs/requirements.md, "Movies")."""


@movies.command()
@database_option
@json_option
def status(database: str | None, as_json: bool) -> None:
    """Movies, stale ones, the refresh queue, the last ingestion and refresh runs."""
    with connect(database) as conn:
        _require(conn)
        info = conn.execute(
            "select count(*) as movies, count(*) filter (where stale_at <= now()) as stale,"
            " count(*) filter (where gone) as gone,"
            " count(*) filter (where last_refreshed_at is null and not gone) as never_refreshed"
            " from public.movies").fetchone()
        out = dict(zip(("movies", "stale", "gone", "never_refreshed"), info))
        out["refresh_queue"] = dict(conn.execute(
            "select status, count(*) from public.refresh_queue group by status order by 1").fetchall())
        cur = conn.execute("select created_at, source, trigger, status, fetched_count, inserted_count, updated_count,"
                           " error_count from public.scheduled_ingestion_log order by created_at desc limit 1")
        last = cur.fetchone()
        out["last_ingestion"] = dict(zip([d.name for d in cur.description], last)) if last else None
        sync = conn.execute("select last_sync_at, last_result from public.sync_state "
                            "where sync_name = 'daily_refresh'").fetchone()
        out["last_daily_refresh"] = {"at": sync[0], "result": sync[1]} if sync else None
        cur = conn.execute("select base_url, auth_style, requests_per_second, timeout_ms, api_key_secret"
                           " from pgcadence.movies_settings")
        out["upstream"] = dict(zip([d.name for d in cur.description], cur.fetchone()))
    if as_json:
        click.echo(to_json(out))
        return
    last, sync, up = out["last_ingestion"], out["last_daily_refresh"], out["upstream"]
    lines = {
        "movies": f"{out['movies']} ({out['stale']} stale, {out['never_refreshed']} never refreshed, {out['gone']} gone)",
        "refresh queue": ", ".join(f"{n} {s}" for s, n in out["refresh_queue"].items()) or "empty",
        "last ingestion": (f"{last['created_at']:%Y-%m-%d %H:%M:%S %Z} {last['source']} ({last['trigger']}) "
                           f"{last['status']}: {last['fetched_count']} fetched, {last['inserted_count']} inserted, "
                           f"{last['updated_count']} updated, {last['error_count']} errors") if last else "never",
        "last daily refresh": f"{sync['at']:%Y-%m-%d %H:%M:%S %Z} {json.dumps(sync['result'])}" if sync else "never",
        "upstream": (f"{up['base_url']} ({up['auth_style']} auth, {up['requests_per_second']:g} req/s, timeout "
                     f"{up['timeout_ms']} ms, key: Vault secret {up['api_key_secret']})"),
    }
    emit_object(lines, False, labels={k: f"{k}:" for k in lines})


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
    with connect(database) as conn:
        _require(conn)
        try:
            row = conn.execute(f"select {q.TMDB_CONFIGURE}", (
                values["base_url"], values["requests_per_second"], values["timeout_ms"], values["auth_style"],
                values["api_key_secret"], values["max_retry_after_s"])).fetchone()
        except psycopg.errors.CheckViolation as exc:
            raise CadenceError(f"refused: {exc.diag.message_primary}") from None
    click.echo(json.dumps(row[0], indent=2, default=str))


def _run(database: str | None, work):
    url = dsn(database)
    with connect(url) as conn:
        _require(conn)

    async def main():
        async with AsyncConnectionPool(url, min_size=1, max_size=4, kwargs={"autocommit": True}) as pool:
            return await work(pool)

    return asyncio.run(main())


@movies.command()
@database_option
@click.argument("source", default="mixed_daily")
@click.option("--limit", type=click.IntRange(1, 500), default=30, show_default=True, help="At most this many movies.")
def ingest(database: str | None, source: str, limit: int) -> None:
    """Run scheduled-ingest for SOURCE (mixed_daily, mixed_weekly, now_playing, popular,
    trending, top_rated, upcoming) in this process; logged with trigger 'manual'."""
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
    async def work(pool):
        out = {}
        if enqueue:
            out["enqueue"] = await m.daily_refresh(pool)
        out["worker"] = await m.refresh_worker(pool, limit)
        return out

    click.echo(json.dumps(_run(database, work), indent=2, default=str))


COMMANDS = (movies,)
