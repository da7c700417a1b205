"""The pg_net-compatible sender: ``pgcadence net-worker``, ``pgcadence net status``."""

from __future__ import annotations

import asyncio
import signal

import click

from pgcadence import db, error_reporting, logging_setup, queries as q
from pgcadence.cli.common import connect, database_option, dsn, emit_object, json_option, to_json
from pgcadence.errors import CadenceError
from pgcadence.net.sender import DEFAULT_MAX_RESPONSE_BYTES, NetWorker


def _check_schema(url: str) -> None:
    with db.connect(url) as conn:
        real, shim = conn.execute(
            "select exists (select 1 from pg_extension where extname = 'pg_net'), to_regprocedure(%s) is not null",
            (q.NET_STATUS.regprocedure,)).fetchone()
    if real:
        raise CadenceError("this database has the real pg_net extension: its own background worker sends the requests")
    if not shim:
        raise CadenceError(f"{db.describe(url)} has no pgcadence net schema: run 'pgcadence migrate' first")


@click.command("net-worker")
@database_option
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
@click.option("--max-response-size", "max_response_bytes", type=click.IntRange(1), default=None,
              help="Largest response body in bytes; a larger one is recorded as an error, like a timeout. "
                   f"Default: $PGCADENCE_NET_MAX_RESPONSE_BYTES, else {DEFAULT_MAX_RESPONSE_BYTES}.")
@click.option("--verbose", "-v", is_flag=True, help="Log every reconnect and housekeeping step (the same as --log-level debug before the verb).")
def net_worker(database, concurrency, batch_size, ttl, poll_interval, shutdown_grace, max_timeout_ms,
               max_response_bytes, verbose):
    """Send the HTTP requests queued by net.http_get/http_post/http_delete.

    Runs in the foreground until Ctrl-C or SIGTERM (in-flight requests finish or go
    back to the queue). `pgcadence serve` runs the same sender; use this verb to run it
    alone. Any number of senders may run against one database.
    """
    url = dsn(database)
    _check_schema(url)
    error_reporting.init("net-worker")
    if verbose:
        logging_setup.configure("debug")
    click.echo(f"net-worker: sending for {db.describe(url)} (Ctrl-C stops)", err=True)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        worker = NetWorker(url, concurrency=concurrency, batch_size=batch_size, ttl=ttl,
                           poll_interval=poll_interval, shutdown_grace=shutdown_grace,
                           max_timeout_ms=max_timeout_ms, max_response_bytes=max_response_bytes)
        await worker.run(stop)
        s = worker.stats
        click.echo(f"net-worker: stopped; {s.sent} answered, {s.failed} failed, {s.written} recorded", err=True)

    asyncio.run(main())


@click.group("net")
def net() -> None:
    """The pg_net-compatible sender: backlog and outcomes."""


@net.command("status")
@database_option
@click.option("--since", metavar="INTERVAL", default="1 hour", show_default=True,
              help="Window for the responses summary.")
@json_option
def net_status(database, since, as_json):
    """Queued and in-flight requests, oldest queued age, senders, responses by status."""
    url = dsn(database)
    _check_schema(url)
    with connect(url) as conn:
        queued, in_flight, oldest, senders = conn.execute(
            f"select queued, in_flight, date_trunc('second', oldest_age), senders from {q.NET_STATUS}").fetchone()
        outcomes = dict(conn.execute(f"select outcome, responses from {q.NET_OUTCOMES}", (since,)).fetchall())
    if as_json:
        click.echo(to_json({"queued": queued, "in_flight": in_flight, "oldest_age": oldest, "senders": senders,
                            "since": since, "responses": outcomes}))
        return
    emit_object({"queued": queued, "in_flight": in_flight, "oldest": oldest,
                 "senders": f"{senders}" + ("" if senders else
                                            "   (none connected: start 'pgcadence serve' or 'pgcadence net-worker')")},
                False, labels={"queued": "queued:", "in_flight": "in flight:", "oldest": "oldest:",
                               "senders": "senders:"})
    click.echo(f"responses in the last {since}:" + ("" if outcomes else " none"))
    for outcome, count in outcomes.items():
        click.echo(f"  {outcome:<8} {count}")


COMMANDS = (net_worker, net)
