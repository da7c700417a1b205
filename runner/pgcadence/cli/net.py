"""CLI verbs of the pg_net-compatible sender: ``pgcadence net-worker``, ``pgcadence net status``."""

from __future__ import annotations

import asyncio
import signal

import click

from pgcadence import db, logging_setup
from pgcadence.errors import CadenceError

_DATABASE_HELP = "Connection URL or conninfo. Default: $DATABASE_URL, else the PG* variables, else the running embedded cluster."
_database_option = click.option("--database", "-d", metavar="URL", help=_DATABASE_HELP)


def _check_schema(dsn: str) -> None:
    with db.connect(dsn) as conn:
        real, shim = conn.execute(
            "select exists (select 1 from pg_extension where extname = 'pg_net'),"
            " to_regprocedure('pgcadence.net_status()') is not null"
        ).fetchone()
    if real:
        raise CadenceError("this database has the real pg_net extension: its own background worker sends the requests")
    if not shim:
        raise CadenceError(f"{db.describe(dsn)} has no pgcadence net schema: run 'pgcadence migrate' first")


@click.command("net-worker")
@_database_option
@click.option("--concurrency", type=click.IntRange(1, 10000), default=200, show_default=True,
              help="Requests in flight at most.")
@click.option("--batch-size", type=click.IntRange(1, 10000), default=None,
              help="Requests claimed per statement. Default: pg_net.batch_size, else 200.")
@click.option("--ttl", metavar="INTERVAL", default=None,
              help="Delete responses older than this, e.g. '6 hours'. Default: pg_net.ttl, else 6 hours.")
@click.option("--poll-interval", type=click.FloatRange(0.05, 600), default=2.0, show_default=True,
              help="Seconds between looks at the queue when no NOTIFY arrives.")
@click.option("--shutdown-grace", type=click.FloatRange(0, 3600), default=10.0, show_default=True,
              help="On SIGTERM/Ctrl-C, seconds in-flight requests get to finish before they go back to the queue.")
@click.option("--max-timeout", "max_timeout_ms", type=click.IntRange(1), default=300_000, show_default=True,
              help="Milliseconds a request with timeout_milliseconds <= 0 (no timeout in pg_net) may take.")
@click.option("--verbose", "-v", is_flag=True, help="Log every reconnect and housekeeping step (the same as --log-level debug before the verb).")
def net_worker(database, concurrency, batch_size, ttl, poll_interval, shutdown_grace, max_timeout_ms, verbose):
    """Send the HTTP requests queued by net.http_get/http_post/http_delete.

    Runs in the foreground until Ctrl-C or SIGTERM (in-flight requests finish or go
    back to the queue). `pgcadence serve` runs the same sender; use this verb to run it
    alone. Any number of senders may run against one database.
    """
    from pgcadence.net.sender import NetWorker

    dsn = db.resolve_dsn(database)
    _check_schema(dsn)
    if verbose:
        logging_setup.configure("debug")
    click.echo(f"net-worker: sending for {db.describe(dsn)} (Ctrl-C stops)", err=True)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        worker = NetWorker(dsn, concurrency=concurrency, batch_size=batch_size, ttl=ttl,
                           poll_interval=poll_interval, shutdown_grace=shutdown_grace,
                           max_timeout_ms=max_timeout_ms)
        await worker.run(stop)
        s = worker.stats
        click.echo(f"net-worker: stopped; {s.sent} answered, {s.failed} failed, {s.written} recorded", err=True)

    asyncio.run(main())


@click.group("net")
def net() -> None:
    """The pg_net-compatible sender: backlog and outcomes."""


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


@net.command("status")
@_database_option
@click.option("--since", metavar="INTERVAL", default="1 hour", show_default=True,
              help="Window for the responses summary.")
def net_status(database, since):
    """Queued and in-flight requests, oldest queued age, senders, responses by status."""
    dsn = db.resolve_dsn(database)
    _check_schema(dsn)
    with db.connect(dsn) as conn:
        queued, in_flight, oldest, senders = conn.execute(
            "select queued, in_flight, extract(epoch from oldest_age)::float8, senders from pgcadence.net_status()"
        ).fetchone()
        outcomes = conn.execute("select outcome, responses from pgcadence.net_outcomes(%s::interval)", (since,)).fetchall()
    click.echo(f"queued:      {queued}")
    click.echo(f"in flight:   {in_flight}")
    click.echo(f"oldest:      {_age(oldest)}")
    click.echo(f"senders:     {senders}" + ("" if senders else "   (none connected: start 'pgcadence serve' or 'pgcadence net-worker')"))
    click.echo(f"responses in the last {since}:" + ("" if outcomes else " none"))
    for outcome, count in outcomes:
        click.echo(f"  {outcome:<8} {count}")


def doctor_check(conn) -> list:
    """`pgcadence doctor`: is someone sending what net.http_* queues?"""
    from pgcadence.doctor import Check

    real, shim = conn.execute(
        "select exists (select 1 from pg_extension where extname = 'pg_net'),"
        " to_regprocedure('pgcadence.net_status()') is not null"
    ).fetchone()
    if real:
        return [Check("PASS", "net sender", "the real pg_net extension sends the requests")]
    if not shim:
        return []  # the migrations check already says what to run
    queued, in_flight, oldest, senders = conn.execute(
        "select queued, in_flight, extract(epoch from oldest_age)::float8, senders from pgcadence.net_status()"
    ).fetchone()
    detail = f"{senders} connected, {queued} queued, {in_flight} in flight, oldest {_age(oldest)}"
    if senders == 0 and queued:
        return [Check("WARN", "net sender", detail, "start 'pgcadence serve' or 'pgcadence net-worker'")]
    if senders == 0:
        return [Check("WARN", "net sender", detail + "; net.http_* requests will wait in the queue",
                      "start 'pgcadence serve' or 'pgcadence net-worker'")]
    if oldest is not None and oldest > 300:
        return [Check("WARN", "net sender", detail, "the backlog is not draining: see 'pgcadence net status'")]
    return [Check("PASS", "net sender", detail)]


def register(cli: click.Group) -> None:
    """Add the net verbs to the main command group and the sender check to doctor."""
    from pgcadence import doctor

    cli.add_command(net_worker)
    cli.add_command(net)
    if doctor_check not in doctor.EXTRA_CHECKS:
        doctor.EXTRA_CHECKS.append(doctor_check)
