"""``pgcadence cron ...``: the cron management functions (sql/cron/) from a shell.

Every verb calls one SQL function over the connection you give; the functions decide
who may (the database owner, service_role, or an admin by profiles.role).
"""

from __future__ import annotations

import json

import click
from psycopg.types.json import Jsonb

from pgcadence import db
from pgcadence.errors import CadenceError

DATABASE_HELP = "Connection URL or conninfo. Default: $DATABASE_URL, else the PG* variables, else the running embedded cluster."
database_option = click.option("--database", "-d", metavar="URL", help=DATABASE_HELP)


def _rows(database: str | None, sql: str, params: tuple = ()):
    with db.connect(db.resolve_dsn(database)) as conn:
        cur = conn.execute(sql, params)
        return [d.name for d in cur.description], cur.fetchall()


def _one(database: str | None, sql: str, params: tuple = ()):
    _, rows = _rows(database, sql, params)
    return rows[0]


def _fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if hasattr(v, "strftime"):
        return v.strftime("%Y-%m-%d %H:%M:%S UTC") if getattr(v, "tzinfo", None) else str(v)
    return str(v)


def _table(headers: list[str], rows: list[list], widths: dict[int, int] | None = None) -> None:
    cells = [[_fmt(c) for c in r] for r in rows]
    for i, w in (widths or {}).items():
        for r in cells:
            if len(r[i]) > w:
                r[i] = r[i][: w - 1] + "…"
    sizes = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    click.echo("  ".join(h.ljust(sizes[i]) for i, h in enumerate(headers)).rstrip())
    for r in cells:
        click.echo("  ".join(c.ljust(sizes[i]) for i, c in enumerate(r)).rstrip())


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
def list_(database):
    """Every job: name, schedule, plain English, active, last run, next run."""
    _, rows = _rows(database, "select jobname, schedule, timezone, description, active, last_run_status, "
                              "last_run_started_at, next_run_at, recent_failures from public.get_cron_jobs()")
    if not rows:
        click.echo("no cron jobs")
        return
    _table(["name", "schedule", "tz", "description", "active", "last run", "last run at", "next run", "fails 24h"],
           [list(r) for r in rows], {3: 48})
    click.echo(f"{len(rows)} job(s), {sum(1 for r in rows if r[4])} active, "
               f"{sum(r[8] for r in rows)} failure(s) in the last 24 h")


@cron.command()
@database_option
@click.option("--job", metavar="NAME", help="Only this job's runs.")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True, help="How many runs.")
def history(database, job, limit):
    """Latest runs from cron.job_run_details, newest first."""
    _, rows = _rows(database, "select runid, jobname, status, start_time, duration_ms, return_message "
                              "from public.get_cron_job_runs(%s, %s)", (limit, job))
    if not rows:
        click.echo("no runs recorded")
        return
    _table(["run", "job", "status", "started", "ms", "message"], [list(r) for r in rows], {5: 60})


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
    (jobid,) = _one(database, "select public.create_cron_job(%s, %s, %s, %s, %s, %s)",
                    (name, schedule, task_type, Jsonb(payload), max_attempts, tz))
    (desc,) = _one(database, "select description from public.get_cron_jobs() where jobid = %s", (jobid,))
    click.echo(f"created {name} (job {jobid}): {desc}")


@cron.command()
@database_option
@click.argument("name")
@click.argument("state", type=click.Choice(["on", "off"]))
def toggle(database, name, state):
    """Enable (on) or disable (off) job NAME."""
    (active,) = _one(database, "select public.toggle_cron_job(%s, %s)", (name, state == "on"))
    click.echo(f"{name} is now {'active' if active else 'inactive'}")


@cron.command()
@database_option
@click.argument("name")
@click.argument("schedule")
@click.option("--timezone", "tz", metavar="ZONE", help="IANA time zone ('UTC' clears it; default: keep the job's).")
def schedule(database, name, schedule, tz):
    """Change job NAME's SCHEDULE (validated before pg_cron sees it)."""
    (desc,) = _one(database, "select public.update_cron_schedule(%s, %s, %s)", (name, schedule, tz))
    click.echo(f"{name}: {desc}")


@cron.command()
@database_option
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete(database, name, yes):
    """Unschedule job NAME."""
    if not yes:
        click.confirm(f"delete cron job {name}?", abort=True, err=True)
    _one(database, "select public.delete_cron_job(%s)", (name,))
    click.echo(f"deleted {name}")


@cron.command()
@database_option
@click.argument("name")
def run(database, name):
    """Run job NAME's command once, now, and record it in the history."""
    runid, status, message = _one(database, "select runid, status, return_message from public.run_cron_job_now(%s)", (name,))
    click.echo(f"run {runid}: {status}: {message}")
    if status != "succeeded":
        raise CadenceError(f"{name} failed (run {runid})")


@cron.command()
@database_option
@click.argument("schedule")
@click.option("--timezone", "tz", metavar="ZONE", help="IANA time zone.")
def describe(database, schedule, tz):
    """Plain English and next run of a cron expression (validates it)."""
    desc, nxt = _one(database, "select public.describe_cron_schedule(%s, %s), pgcadence.cron_next_run(%s, %s)",
                     (schedule, tz, schedule, tz))
    click.echo(f"{desc}; next run {_fmt(nxt)}")


@cron.command()
@database_option
def health(database):
    """Cron health: failed or never-run jobs, long runs, net backlog, history size. Exit 1 on a failure."""
    _, rows = _rows(database, "select level, check_name, detail from public.cron_health()")
    for level, name, detail in rows:
        click.echo(f"{level.upper():<4}  {name}: {detail}")
    if any(r[0] == "fail" for r in rows):
        raise CadenceError("cron health has failures (see above)")


# ---------------------------------------------------------------- pgcadence doctor
def doctor_checks(conn) -> list:
    """cron_health() as doctor lines (skipped where the cron module is not installed)."""
    from pgcadence.doctor import Check

    if conn.execute("select to_regprocedure('public.cron_health()') is null").fetchone()[0]:
        return []
    try:
        rows = conn.execute("select level, check_name, detail from public.cron_health()").fetchall()
    except Exception as exc:  # noqa: BLE001 - a doctor reports, it does not crash
        conn.rollback() if not conn.autocommit else None
        return [Check("WARN", "cron health", f"cron_health() failed: {str(exc).strip().splitlines()[0]}",
                      "run doctor as the database owner or service_role")]
    fixes = {
        "last run failed": "see 'pgcadence cron history --job NAME' for the error",
        "never ran": "check the job is active and pg_cron ticks (scheduler heartbeat)",
        "long or overlapping runs": "slow the schedule or speed the command up",
        "net queue backlog": "is 'pgcadence serve' running? see 'pgcadence net' / net.http_request_queue",
        "net responses (last hour)": "inspect net._http_response for the failing status codes",
        "run history": "run SELECT cron_history_cleanup(); create the indexes as the owner of cron.job_run_details",
        "time-zone schedules": "re-run 'pgcadence cron schedule NAME SCHEDULE' for the jobs listed",
        "task handlers": "start the queue worker with the handler modules (pgcadence worker -m ...)",
    }
    level = {"ok": "PASS", "warn": "WARN", "fail": "FAIL"}
    return [Check(level[lv], f"cron: {name}", detail, fixes.get(name, "")) for lv, name, detail in rows]


def _register_doctor() -> None:
    from pgcadence import doctor

    if doctor_checks not in doctor.EXTRA_CHECKS:
        doctor.EXTRA_CHECKS.append(doctor_checks)


_register_doctor()
