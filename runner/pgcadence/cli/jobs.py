"""``pgcadence worker`` and ``pgcadence jobs …``: the job queue from the command line.

Every verb is a thin wrapper around one SQL function of the queue module (sql/queue/).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from datetime import datetime, timezone

import click

from pgcadence import db
from pgcadence.errors import CadenceError

_DATABASE_HELP = "Connection URL or conninfo. Default: $DATABASE_URL, else the PG* variables, else the running embedded cluster."
database_option = click.option("--database", "-d", metavar="URL", help=_DATABASE_HELP)


def _one(database: str | None, sql: str, params: tuple = ()):
    with db.connect(db.resolve_dsn(database)) as conn:
        return conn.execute(sql, params).fetchone()


def _json_arg(ctx, param, value):
    if value is None:
        return None
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not valid JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise click.BadParameter("must be a JSON object, e.g. '{\"dryRun\": true}'")
    return parsed


# ---------------------------------------------------------------- worker
_LOG_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}


@click.command()
@database_option
@click.option("--concurrency", "-c", type=click.IntRange(1, 10000), default=10, show_default=True,
              help="Jobs run at the same time.")
@click.option("--batch-size", type=click.IntRange(1, 10000),
              help="Jobs taken per claim, and claimed ahead of the running ones (default: --concurrency).")
@click.option("--lease", type=click.FloatRange(min=1), default=60.0, show_default=True,
              help="Seconds a claimed job stays ours without a heartbeat (the database caps it); heartbeats run every lease/3.")
@click.option("--poll-interval", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
              help="Seconds between polls when no NOTIFY arrives (the fallback wake-up).")
@click.option("--handlers", "-m", "modules", multiple=True, metavar="MODULE",
              help="Import MODULE to register its @handler functions (repeatable; also $PGCADENCE_HANDLERS, comma-separated).")
@click.option("--worker-id", help="Name recorded in locked_by and the attempt history (default: host:pid:random).")
@click.option("--shutdown-timeout", type=click.FloatRange(min=0), default=30.0, show_default=True,
              help="On SIGTERM/SIGINT, seconds to let running jobs finish before releasing them back to the queue.")
@click.option("--job-log-level", type=click.Choice(sorted(_LOG_LEVELS)), default="info", show_default=True,
              envvar="PGCADENCE_JOB_LOG_LEVEL",
              help="Level of the per-job line of a job that succeeded (failed attempts log at warning, "
                   "jobs that end failed at error). 'debug' keeps busy queues' logs quiet. Also $PGCADENCE_JOB_LOG_LEVEL.")
def worker(database, concurrency, batch_size, lease, poll_interval, modules, worker_id, shutdown_timeout, job_log_level):
    """Run the job queue worker until SIGTERM or Ctrl-C.

    Claims due jobs of the task types it has handlers for (woken by NOTIFY on enqueue,
    polling as a fallback), runs their handlers, and records the outcomes; failures are
    retried with backoff by the database. Jobs of other task types wait for a worker that
    handles them. Logs one JSON line per job on stderr. A database that is down (or not
    up yet) is waited for.
    """
    import pgcadence.queue as queue
    from pgcadence.executor import logs

    try:
        queue.load_default_handlers()
        queue.load_handler_modules(modules)
    except ImportError as exc:
        raise CadenceError(f"cannot import handler module: {exc}") from None
    dsn = db.resolve_dsn(database)
    logs.setup()
    w = queue.QueueWorker(dsn, concurrency=concurrency, batch_size=batch_size, lease=lease,
                          poll_interval=poll_interval, worker_id=worker_id, shutdown_timeout=shutdown_timeout,
                          job_log_level=_LOG_LEVELS[job_log_level])

    async def main():
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        return await w.run(stop)

    stats = asyncio.run(main())
    click.echo(f"worker stopped: {stats['succeeded']} succeeded, {stats['failed']} failed, "
               f"{stats['released']} released, {stats['lost']} lost", err=True)
    sys.stderr.flush()
    sys.stdout.flush()
    os._exit(0)  # a blocking handler thread that ignored the shutdown must not keep the process alive


# ---------------------------------------------------------------- jobs
@click.group()
def jobs():
    """Inspect and manage the job queue (job_queue_* SQL functions)."""


@jobs.command()
@database_option
@click.argument("task_type")
@click.option("--payload", callback=_json_arg, default="{}", show_default=True, help="JSON object given to the handler.")
@click.option("--run-at", type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]),
              help="When it becomes due (ISO 8601; without offset: UTC). Default: now.")
@click.option("--max-attempts", type=int, default=3, show_default=True, help="Attempts before it is marked failed.")
@click.option("--priority", type=int, default=0, show_default=True, help="Higher runs first.")
@click.option("--dedupe-key", help="Refuse if a pending or running job has this key.")
def enqueue(database, task_type, payload, run_at, max_attempts, priority, dedupe_key):
    """Add a job of TASK_TYPE; prints its id."""
    from psycopg.types.json import Jsonb

    if run_at is not None and run_at.tzinfo is None:
        run_at = run_at.replace(tzinfo=timezone.utc)
    (job_id,) = _one(database, "SELECT public.job_queue_enqueue(%s, %s, %s, %s, %s, %s)",
                     (task_type, Jsonb(payload), run_at, max_attempts, priority, dedupe_key))
    click.echo(str(job_id))


def _fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    return str(v)


@jobs.command("list")
@database_option
@click.option("--status", help="Only jobs in this status (pending, running, succeeded, failed, cancelled).")
@click.option("--type", "task_type", help="Only jobs of this task type.")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
def list_(database, status, task_type, limit):
    """Jobs, newest first."""
    with db.connect(db.resolve_dsn(database)) as conn:
        rows = conn.execute(
            """SELECT id, task_type, status, attempts || '/' || max_attempts, run_at, left(coalesce(last_error, ''), 60)
               FROM public.job_queue_list(%s, %s, %s)""", (status, task_type, limit)).fetchall()
    header = ("id", "task_type", "status", "attempts", "run_at", "last_error")
    table = [header] + [tuple(_fmt(v) for v in r) for r in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for r in table:
        click.echo("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    click.echo(f"{len(rows)} job(s)", err=True)


@jobs.command()
@database_option
@click.argument("job_id", type=click.UUID)
def show(database, job_id):
    """A job with its payload, result, errors and attempt history (JSON)."""
    (doc,) = _one(database, "SELECT public.job_queue_get(%s)", (job_id,))
    click.echo(json.dumps(doc, indent=2, default=str))


@jobs.command()
@database_option
@click.argument("job_id", type=click.UUID)
@click.option("--extra-attempts", type=click.IntRange(min=1), default=1, show_default=True,
              help="Attempts granted on top of those already used.")
def retry(database, job_id, extra_attempts):
    """Run a failed, cancelled or succeeded job again now (a pending one: make it due now)."""
    (st,) = _one(database, "SELECT public.job_queue_retry(%s, %s)", (job_id, extra_attempts))
    click.echo(f"{job_id}: {st}")


@jobs.command()
@database_option
@click.argument("job_id", type=click.UUID)
def cancel(database, job_id):
    """Cancel a pending or running job."""
    (st,) = _one(database, "SELECT public.job_queue_cancel(%s)", (job_id,))
    click.echo(f"{job_id}: {st}")


@jobs.command()
@database_option
def pause(database):
    """Pause processing: claims return nothing; enqueue keeps working."""
    _one(database, "SELECT public.job_queue_pause()")
    click.echo("job queue paused")


@jobs.command()
@database_option
def resume(database):
    """Resume processing (and wake the workers)."""
    _one(database, "SELECT public.job_queue_resume()")
    click.echo("job queue resumed")


@jobs.command()
@database_option
def stats(database):
    """Counts by task type and status, oldest due job, failures in the last hour."""
    with db.connect(db.resolve_dsn(database)) as conn:
        paused = conn.execute("SELECT public.job_queue_paused()").fetchone()[0]
        rows = conn.execute(
            """SELECT task_type, pending, due, running, succeeded, failed, cancelled,
                      coalesce(round(extract(epoch FROM oldest_pending_age))::text || ' s', '-'), failures_last_hour
               FROM public.job_queue_metrics ORDER BY task_type""").fetchall()
    click.echo(f"processing: {'PAUSED' if paused else 'running'}")
    header = ("task_type", "pending", "due", "running", "succeeded", "failed", "cancelled", "oldest_due", "failures_1h")
    table = [header] + [tuple(_fmt(v) for v in r) for r in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for r in table:
        click.echo("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())


@jobs.command()
@database_option
@click.option("--retain", default="14 days", show_default=True, help="Keep jobs that finished more recently than this interval.")
@click.option("--status", "statuses", multiple=True, type=click.Choice(("succeeded", "failed", "cancelled")),
              help="Statuses to delete (repeatable). Default: succeeded.")
def cleanup(database, retain, statuses):
    """Delete finished jobs older than --retain, with their attempt history."""
    (n,) = _one(database, "SELECT public.job_queue_cleanup(%s::interval, %s)", (retain, list(statuses or ["succeeded"])))
    click.echo(f"{n} job(s) deleted")


# ---------------------------------------------------------------- doctor
def queue_checks(conn) -> list:
    """`pgcadence doctor` lines for the job queue (skipped until the queue module is installed):
    what job_queue_health() says."""
    from pgcadence.doctor import Check

    if conn.execute("select to_regprocedure('public.job_queue_health()') is null").fetchone()[0]:
        return []
    paused, expired, failures, oldest, workers, unhandled = conn.execute(
        "SELECT * FROM public.job_queue_health()").fetchone()
    checks = [
        Check("WARN" if paused else "PASS", "job queue", "processing PAUSED" if paused else "processing on",
              "select job_queue_resume()  (or: pgcadence jobs resume)"),
        Check("WARN" if expired else "PASS", "job queue leases",
              f"{expired} running job(s) past their lease" if expired else "no expired lease",
              "start a worker (pgcadence worker): the next claim takes them back"),
        Check("PASS", "job queue backlog",
              f"oldest due job waits {int(oldest or 0)} s; {failures} failed attempt(s) in the last hour; "
              f"{workers} running worker(s)"),
    ]
    if unhandled:
        types = ", ".join(f"{t} ({n})" for t, n in sorted(unhandled.items()))
        checks.append(Check("WARN", "job queue handlers", f"due jobs no running worker handles: {types}",
                            "start a worker with their handlers: pgcadence worker -m MODULE"))
    else:
        checks.append(Check("PASS", "job queue handlers", "every due job has a running worker that handles it"))
    return checks


def _register_doctor() -> None:
    from pgcadence import doctor

    if queue_checks not in doctor.EXTRA_CHECKS:
        doctor.EXTRA_CHECKS.append(queue_checks)


_register_doctor()

COMMANDS = (worker, jobs)
