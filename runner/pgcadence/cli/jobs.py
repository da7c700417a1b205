"""``pgcadence worker`` and ``pgcadence jobs …``: the job queue from the command line.

Every verb is a thin wrapper around one SQL function of the queue module (sql/queue/),
which also checks the input (statuses, intervals, attempts).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from datetime import timezone

import click
from psycopg.types.json import Jsonb

from pgcadence import error_reporting, event_loop, queries as q
from pgcadence.cli.common import confirm, connect, database_option, dsn, emit, json_option, one, query, to_json, \
    yes_option
from pgcadence.errors import CadenceError
from pgcadence import queue


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
@click.option("--event-loop", "loop_choice", type=click.Choice(event_loop.CHOICES), default="auto", show_default=True,
              envvar=event_loop.ENV,
              help="The asyncio event loop: 'auto' is uvloop where it is installed (less CPU per job), else "
                   "asyncio's own. Also $PGCADENCE_EVENT_LOOP.")
def worker(database, concurrency, batch_size, lease, poll_interval, modules, worker_id, shutdown_timeout, job_log_level,
           loop_choice):
    """Run the job queue worker until SIGTERM or Ctrl-C.

    Claims due jobs of the task types it has handlers for (woken by NOTIFY on enqueue,
    polling as a fallback), runs their handlers, and records the outcomes; failures are
    retried with backoff by the database. Jobs of other task types wait for a worker that
    handles them. Logs one JSON line per job on stderr. A database that is down (or not
    up yet) is waited for.
    """
    try:
        queue.load_default_handlers()
        queue.load_handler_modules(modules)
    except ImportError as exc:
        raise CadenceError(f"cannot import handler module: {exc}") from None
    factory = event_loop.loop_factory(loop_choice)  # a missing uvloop is said before anything starts
    error_reporting.init("worker")
    # no connection here: the worker waits for a database that is down (or not up yet),
    # and says so at once when the database or the queue does not exist
    w = queue.QueueWorker(dsn(database), concurrency=concurrency, batch_size=batch_size, lease=lease,
                          poll_interval=poll_interval, worker_id=worker_id, shutdown_timeout=shutdown_timeout,
                          job_log_level=_LOG_LEVELS[job_log_level])

    async def main():
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        return await w.run(stop)

    stats = event_loop.run(main(), factory)
    click.echo(f"worker stopped: {stats['succeeded']} succeeded, {stats['failed']} failed, "
               f"{stats['released']} released, {stats['lost']} lost", err=True)
    error_reporting.flush()
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
    if run_at is not None and run_at.tzinfo is None:
        run_at = run_at.replace(tzinfo=timezone.utc)
    (job_id,) = one(database, f"SELECT {q.JOB_QUEUE_ENQUEUE}",
                    (task_type, Jsonb(payload), run_at, max_attempts, priority, dedupe_key))
    click.echo(str(job_id))


@jobs.command("list")
@database_option
@click.option("--status", help="Only jobs in this status (pending, running, succeeded, failed, cancelled).")
@click.option("--type", "task_type", help="Only jobs of this task type.")
@click.option("--limit", type=int, default=50, show_default=True, help="At most this many (1-1000).")
@json_option
def list_(database, status, task_type, limit, as_json):
    """Jobs, newest first, with their last error in full."""
    rows = query(database, f"""SELECT id, task_type, status, attempts, max_attempts, attempts || '/' || max_attempts AS tries,
                                      run_at, finished_at, last_error, payload
                               FROM {q.JOB_QUEUE_LIST}""", (status, task_type, limit))
    emit(rows, {"id": "ID", "task_type": "TASK TYPE", "status": "STATUS", "tries": "ATTEMPTS", "run_at": "RUN AT",
                "last_error": "LAST ERROR"}, as_json, empty="no jobs")
    if not as_json:
        click.echo(f"{len(rows)} job(s)", err=True)


@jobs.command()
@database_option
@click.argument("job_id", type=click.UUID)
def show(database, job_id):
    """A job with its payload, result, errors and attempt history (JSON)."""
    (doc,) = one(database, f"SELECT {q.JOB_QUEUE_GET}", (job_id,))
    click.echo(to_json(doc))


@jobs.command()
@database_option
@click.argument("job_id", type=click.UUID)
@click.option("--extra-attempts", type=click.IntRange(min=1), default=1, show_default=True,
              help="Attempts granted on top of those already used.")
def retry(database, job_id, extra_attempts):
    """Run a failed, cancelled or succeeded job again now (a pending one: make it due now)."""
    (st,) = one(database, f"SELECT {q.JOB_QUEUE_RETRY}", (job_id, extra_attempts))
    click.echo(f"{job_id}: {st}")


@jobs.command()
@database_option
@click.argument("job_id", type=click.UUID)
def cancel(database, job_id):
    """Cancel a pending or running job ('jobs retry' brings it back)."""
    (st,) = one(database, f"SELECT {q.JOB_QUEUE_CANCEL}", (job_id,))
    click.echo(f"{job_id}: {st}")


@jobs.command()
@database_option
def pause(database):
    """Pause processing: claims return nothing; enqueue keeps working."""
    one(database, f"SELECT {q.JOB_QUEUE_PAUSE}")
    click.echo("job queue paused")


@jobs.command()
@database_option
def resume(database):
    """Resume processing (and wake the workers)."""
    one(database, f"SELECT {q.JOB_QUEUE_RESUME}")
    click.echo("job queue resumed")


@jobs.command()
@database_option
@json_option
def stats(database, as_json):
    """Counts by task type and status, oldest due job, failures in the last hour."""
    with connect(database) as conn:
        (paused,) = conn.execute(f"SELECT {q.JOB_QUEUE_PAUSED}").fetchone()
    rows = query(database, """SELECT task_type, pending, due, running, succeeded, failed, cancelled,
                                     date_trunc('second', oldest_pending_age) AS oldest_due, failures_last_hour
                              FROM public.job_queue_metrics ORDER BY task_type""")
    if as_json:
        click.echo(to_json({"paused": paused, "task_types": rows}))
        return
    click.echo(f"processing: {'PAUSED' if paused else 'running'}")
    emit(rows, {"task_type": "TASK TYPE", "pending": "PENDING", "due": "DUE", "running": "RUNNING",
                "succeeded": "SUCCEEDED", "failed": "FAILED", "cancelled": "CANCELLED", "oldest_due": "OLDEST DUE",
                "failures_last_hour": "FAILURES 1H"}, False, empty="no jobs")


@jobs.command()
@database_option
@click.option("--retain", default="14 days", show_default=True, help="Keep jobs that finished more recently than this interval.")
@click.option("--status", "statuses", multiple=True,
              help="Statuses to delete (repeatable: succeeded, failed, cancelled). Default: succeeded.")
@yes_option
def cleanup(database, retain, statuses, yes):
    """Delete finished jobs older than --retain, with their attempt history (asks first)."""
    statuses = list(statuses or ["succeeded"])
    confirm(f"delete {', '.join(statuses)} jobs that finished more than {retain} ago, with their history?", yes)
    (n,) = one(database, f"SELECT {q.JOB_QUEUE_CLEANUP}", (retain, statuses))
    click.echo(f"{n} job(s) deleted")


COMMANDS = (worker, jobs)
