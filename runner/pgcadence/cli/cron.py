"""``pgcadence cron ...``: the cron management functions (sql/cron/) from a shell.

Every verb calls one SQL function over the connection you give; the functions decide
who may (the database owner, service_role, or an admin by profiles.role) and check the
input (schedules, time zones, names).
"""

from __future__ import annotations

import json

import click
from psycopg.types.json import Jsonb

from pgcadence import queries as q
from pgcadence.cli.common import confirm, database_option, emit, fmt, json_option, one, query, yes_option
from pgcadence.errors import CadenceError


def _payload(ctx, param, value):
    if value is None:
        return None
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not valid JSON: {exc.msg} at position {exc.pos}") from None


@click.group()
def cron() -> None:
    """Manage pg_cron jobs: list, history, create, toggle, schedule, delete, run.

    \b
    Schedules are 5-field cron expressions (minute hour day month weekday), in UTC
    unless --timezone gives an IANA zone (then local wall-clock time, DST-safe).
    """


@cron.command("list")
@database_option
@json_option
def list_(database, as_json):
    """Every job: name, schedule, plain English, active, last run, next run."""
    rows = query(database, f"select jobid, jobname, schedule, timezone, description, command, active, last_run_status, "
                           f"last_run_started_at, next_run_at, recent_failures from {q.GET_CRON_JOBS}")
    emit(rows, {"jobname": "NAME", "schedule": "SCHEDULE", "timezone": "TZ", "description": "DESCRIPTION",
                "active": "ACTIVE", "last_run_status": "LAST RUN", "last_run_started_at": "LAST RUN AT",
                "next_run_at": "NEXT RUN", "recent_failures": "FAILS 24H"}, as_json, empty="no cron jobs",
         footer=f"{len(rows)} job(s), {sum(1 for r in rows if r['active'])} active, "
                f"{sum(r['recent_failures'] for r in rows)} failure(s) in the last 24 h")


@cron.command()
@database_option
@click.option("--job", metavar="NAME", help="Only this job's runs.")
@click.option("--failed", is_flag=True, help="Only failed runs (among the latest 1000).")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True, help="How many runs.")
@json_option
def history(database, job, failed, limit, as_json):
    """Latest runs from cron.job_run_details, newest first, each with its full message
    (a failed run's error in full)."""
    rows = query(database, f"select runid, jobname, status, start_time, end_time, duration_ms, return_message "
                           f"from {q.GET_CRON_JOB_RUNS} where not %s or status = 'failed' limit %s",
                 (1000 if failed else limit, job, failed, limit))
    if as_json:
        emit(rows, {}, True, empty="")
        return
    if not rows:
        click.echo("no failed runs recorded" if failed else "no runs recorded")
        return
    for r in rows:
        click.echo(f"run {r['runid']}  {r['jobname']}  {r['status'].upper()}  {fmt(r['start_time'])}"
                   f"  {fmt(r['duration_ms'])} ms")
        for line in (r["return_message"] or "").splitlines() or ["-"]:
            click.echo(f"    {line}")
    bad = sum(r["status"] == "failed" for r in rows)
    click.echo(f"{len(rows)} run(s), {bad} failed")


@cron.command()
@database_option
@click.argument("name")
@click.argument("schedule")
@click.argument("task_type")
@click.option("--payload", callback=_payload, default="{}", show_default=True, help="JSON object given to the task.")
@click.option("--max-attempts", type=int, default=3, show_default=True, help="Retries before the queued job fails.")
@click.option("--timezone", "tz", metavar="ZONE", help="IANA time zone for the schedule, e.g. America/Los_Angeles.")
def create(database, name, schedule, task_type, payload, max_attempts, tz):
    """Create job NAME that enqueues TASK_TYPE on SCHEDULE ("*/30 * * * *")."""
    (jobid,) = one(database, f"select {q.CREATE_CRON_JOB}", (name, schedule, task_type, Jsonb(payload), max_attempts, tz))
    (desc,) = one(database, f"select description from {q.GET_CRON_JOBS} where jobid = %s", (jobid,))
    click.echo(f"created {name} (job {jobid}): {desc}")


@cron.command()
@database_option
@click.argument("name")
@click.argument("state", type=click.Choice(["on", "off"]))
def toggle(database, name, state):
    """Enable (on) or disable (off) job NAME."""
    (active,) = one(database, f"select {q.TOGGLE_CRON_JOB}", (name, state == "on"))
    click.echo(f"{name} is now {'active' if active else 'inactive'}")


@cron.command()
@database_option
@click.argument("name")
@click.argument("schedule")
@click.option("--timezone", "tz", metavar="ZONE", help="IANA time zone ('UTC' clears it; default: keep the job's).")
def schedule(database, name, schedule, tz):
    """Change job NAME's SCHEDULE (validated before pg_cron sees it)."""
    (desc,) = one(database, f"select {q.UPDATE_CRON_SCHEDULE}", (name, schedule, tz))
    click.echo(f"{name}: {desc}")


@cron.command()
@database_option
@click.argument("name")
@yes_option
def delete(database, name, yes):
    """Unschedule job NAME (asks first)."""
    confirm(f"delete cron job {name}?", yes)
    one(database, f"select {q.DELETE_CRON_JOB}", (name,))
    click.echo(f"deleted {name}")


@cron.command()
@database_option
@click.argument("name")
def run(database, name):
    """Run job NAME's command once, now, and record it in the history."""
    runid, status, message = one(database, f"select runid, status, return_message from {q.RUN_CRON_JOB_NOW}", (name,))
    click.echo(f"run {runid}: {status}: {message}")
    if status != "succeeded":
        raise CadenceError(f"{name} failed (run {runid})")


@cron.command()
@database_option
@click.argument("schedule")
@click.option("--timezone", "tz", metavar="ZONE", help="IANA time zone.")
def describe(database, schedule, tz):
    """Plain English and next run of a cron expression (validates it)."""
    desc, nxt = one(database, f"select {q.DESCRIBE_CRON_SCHEDULE}, {q.CRON_NEXT_RUN}", (schedule, tz, schedule, tz))
    click.echo(f"{desc}; next run {fmt(nxt)}")


@cron.command()
@database_option
@json_option
def health(database, as_json):
    """Cron health: failed or never-run jobs, long runs, net backlog, history size. Exit 1 on a failure."""
    rows = query(database, f"select level, check_name, detail, data from {q.CRON_HEALTH}")
    if as_json:
        emit(rows, {}, True, empty="")
    else:
        for r in rows:
            click.echo(f"{r['level'].upper():<4}  {r['check_name']}: {r['detail']}")
    if any(r["level"] == "fail" for r in rows):
        raise CadenceError("cron health has failures (see above)")


COMMANDS = (cron,)
