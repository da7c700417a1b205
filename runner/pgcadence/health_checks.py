"""``pgcadence doctor`` lines about what went wrong lately: active alerts, queue jobs that
ended failed and pg_cron jobs with failed runs in the last 24 hours.

The database decides (``pgcadence.recent_failures()``, ``public.alert_rules``); this only
words the lines. Each line is ``(level, name, detail, fix)``.
"""

from __future__ import annotations

import datetime as dt

import psycopg

from pgcadence import queries as q
from pgcadence.check import Check
from pgcadence.redact import scrub_text

Line = tuple[str, str, str, str]
MAX_NAMES = 5  # names listed per line; the rest are counted


def _names(items: list[str]) -> str:
    shown = ", ".join(items[:MAX_NAMES])
    return shown + (f" and {len(items) - MAX_NAMES} more" if len(items) > MAX_NAMES else "")


def recent_failures(conn: psycopg.Connection) -> list[Line]:
    if conn.execute("select to_regprocedure(%s) is null", (q.RECENT_FAILURES.regprocedure,)).fetchone()[0]:
        return []
    try:
        rows = conn.execute(f"select source, name, failures, last_error from {q.RECENT_FAILURES}",
                            (dt.timedelta(hours=24),)).fetchall()
    except psycopg.errors.InsufficientPrivilege:
        conn.rollback()
        return [("WARN", "failures (24 h)", "cannot read them (not the owner or service_role)",
                 "run pgcadence doctor as the database owner")]
    jobs = [(n, f, e) for s, n, f, e in rows if s == "job"]
    crons = [(n, f, e) for s, n, f, e in rows if s == "cron"]
    out: list[Line] = []
    if jobs:
        total = sum(f for _, f, _ in jobs)
        last = scrub_text((jobs[0][2] or "").splitlines()[0][:120]) if jobs[0][2] else ""
        out.append(("WARN", "failed jobs (24 h)",
                    f"{total} job(s) ended failed: " + _names([f"{n} ({f})" for n, f, _ in jobs])
                    + (f"; latest error of {jobs[0][0]}: {last}" if last else ""),
                    "pgcadence jobs list --status failed, fix the cause, then pgcadence jobs retry ID"))
    else:
        out.append(("PASS", "failed jobs (24 h)", "no job ended failed", ""))
    if crons:
        out.append(("WARN", "failing cron jobs (24 h)",
                    "failed runs: " + _names([f"{n} ({f})" for n, f, _ in crons]),
                    "pgcadence cron history --job NAME shows the errors"))
    else:
        out.append(("PASS", "failing cron jobs (24 h)", "no failed run", ""))
    return out


def alerts(conn: psycopg.Connection) -> list[Line]:
    if conn.execute("select to_regclass('public.alert_rules') is null").fetchone()[0]:
        return []
    try:
        rows = conn.execute(
            """select name, firing, subjects, eval_error, silenced_until > now(),
                      extract(epoch from now() - evaluated_at)::int
                 from public.alert_rules where enabled order by name""").fetchall()
    except psycopg.errors.InsufficientPrivilege:
        conn.rollback()
        return [("WARN", "alerts", "cannot read public.alert_rules (not an admin)", "run pgcadence doctor as the database owner")]
    out: list[Line] = []
    for name, firing, subjects, error, silenced, _ in rows:
        if firing:
            what = scrub_text(_names([f"{s.get('subject')}: {s.get('detail')}" for s in subjects or []]))
            out.append(("WARN", f"alert {name}", ("FIRING (silenced) " if silenced else "FIRING ") + what,
                        "see docs/observability.md for this rule; select alert_rule_silence(...) to mute it"))
        if error:
            out.append(("WARN", f"alert {name}", f"cannot be evaluated: {error}",
                        "fix the cause, or select alert_rule_update('" + name + "', enabled => false)"))
    ages = [age for *_, age in rows if age is not None]
    if rows and (not ages or min(ages) > 300):
        out.append(("WARN", "alerts", "the rules have not been evaluated in the last 5 minutes" if ages
                    else "the rules have not been evaluated yet (pg_cron runs them every minute)",
                    "check that pg_cron runs the pgcadence_alerts_evaluate job (scheduler heartbeat above)"))
    if not any(level == "WARN" for level, *_ in out):
        out.append(("PASS", "alerts", f"none firing ({len(rows)} rule(s) enabled)", ""))
    return out


def doctor_lines(conn: psycopg.Connection) -> list[Line]:
    return [*alerts(conn), *recent_failures(conn)]


def doctor_checks(conn: psycopg.Connection) -> list[Check]:
    """The lines above as doctor checks (listed in doctor.CHECKS)."""
    return [Check(*line) for line in doctor_lines(conn)]
