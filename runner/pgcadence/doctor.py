"""``pgcadence doctor``: one line per check, PASS / WARN / FAIL, each with its fix.

Every check the doctor runs is listed once, in ``CHECKS`` at the end of this module, in
the order its lines are printed. A check is ``(conn) -> list[Check]`` on an autocommit
connection; a check that does not apply to this database (its module is not installed)
returns no line. Checks that belong to a part of the package live with it
(``vault.doctor_checks``, ``executor.keys.doctor_checks``, ``mandates.doctor_checks``) and
import only ``pgcadence.check``, so nothing imports this module but the CLI.
"""

from __future__ import annotations

from typing import Callable

import psycopg

from pgcadence import advisor, health_checks, manifest, mandates, migrate, queries as q, vault
from pgcadence.check import Check
from pgcadence.executor import keys

__all__ = ["CHECKS", "Check", "run_checks"]

CheckFn = Callable[[psycopg.Connection], list[Check]]


def run_checks(conn: psycopg.Connection) -> list[Check]:
    """Every check of ``CHECKS`` against an open autocommit connection, in order."""
    out: list[Check] = []
    for check in CHECKS:
        out.extend(check(conn))
    return out


def _setting(conn: psycopg.Connection, name: str) -> str | None:
    try:
        return conn.execute("select current_setting(%s, true)", (name,)).fetchone()[0]
    except psycopg.errors.InsufficientPrivilege:
        return None


def _installed(conn: psycopg.Connection, regclass: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null", (regclass,)).fetchone()[0]


# ---------------------------------------------------------------- the server and pg_cron
def server_checks(conn: psycopg.Connection) -> list[Check]:
    out: list[Check] = []
    this_db, version, num = conn.execute(
        "select current_database(), current_setting('server_version'), current_setting('server_version_num')::int"
    ).fetchone()
    out.append(Check("PASS" if num // 10000 >= 15 else "FAIL", "server", f"PostgreSQL {version}, database {this_db}",
                     "use PostgreSQL 15 or newer"))

    preload = _setting(conn, "shared_preload_libraries")
    installed = conn.execute("select extversion from pg_extension where extname = 'pg_cron'").fetchone()
    if preload is None:
        out.append(Check("PASS" if installed else "WARN", "pg_cron preloaded",
                         "cannot read shared_preload_libraries (not superuser); " +
                         ("pg_cron is installed here, so it is preloaded" if installed else "unknown"),
                         "ask the server's administrator to add pg_cron to shared_preload_libraries"))
    else:
        ok = "pg_cron" in [x.strip().strip('"') for x in preload.split(",")]
        out.append(Check("PASS" if ok else "FAIL", "pg_cron preloaded", f"shared_preload_libraries = '{preload}'",
                         "add pg_cron to shared_preload_libraries in postgresql.conf and restart"))

    cron_db = _setting(conn, "cron.database_name")
    if cron_db is None and installed:
        out.append(Check("PASS", "cron.database_name", "not readable, but pg_cron is installed in this database"))
    else:
        out.append(Check("PASS" if cron_db == this_db else "FAIL", "cron.database_name",
                         f"'{cron_db}'" + ("" if cron_db == this_db else f", this database is '{this_db}'"),
                         f"set cron.database_name = '{this_db}' in postgresql.conf and restart"))

    out.append(Check("PASS" if installed else "FAIL", "pg_cron extension",
                     f"version {installed[0]} created in {this_db}" if installed else f"not created in {this_db}",
                     "run 'pgcadence migrate' (it creates the extension)"))

    workers = _setting(conn, "cron.use_background_workers")
    if workers is not None:
        out.append(Check("PASS" if workers == "on" else "WARN", "cron.use_background_workers", workers or "unset",
                         "set cron.use_background_workers = on (no libpq login to localhost needed) and restart"))

    crypto = conn.execute(
        "select e.extversion, n.nspname from pg_available_extensions a "
        "left join pg_extension e on e.extname = a.name "
        "left join pg_namespace n on n.oid = e.extnamespace where a.name = 'pgcrypto'"
    ).fetchone()
    if crypto is None:
        out.append(Check("FAIL", "pgcrypto", "not available on this server", "install the PostgreSQL contrib package"))
    else:
        out.append(Check("PASS" if crypto[0] else "FAIL", "pgcrypto",
                         f"version {crypto[0]} in schema {crypto[1]}" if crypto[0] else "available, not created",
                         "run 'pgcadence migrate'"))
    return out


def role_checks(conn: psycopg.Connection) -> list[Check]:
    """The API roles and the auth helpers, as Supabase has them."""
    roles = dict(conn.execute(
        "select rolname, rolbypassrls from pg_roles where rolname in ('anon', 'authenticated', 'service_role')"
    ).fetchall())
    missing = [r for r in ("anon", "authenticated", "service_role") if r not in roles]
    if missing:
        out = [Check("FAIL", "roles", f"missing: {', '.join(missing)}", "run 'pgcadence migrate'")]
    elif not roles["service_role"]:
        out = [Check("FAIL", "roles", "service_role lacks BYPASSRLS", "ALTER ROLE service_role BYPASSRLS")]
    else:
        out = [Check("PASS", "roles", "anon, authenticated, service_role (BYPASSRLS)")]
    helpers = conn.execute(
        "select count(*) from unnest(array['auth.uid()','auth.role()','auth.email()','auth.jwt()']) f "
        "where to_regprocedure(f) is not null"
    ).fetchone()[0]
    out.append(Check("PASS" if helpers == 4 else "FAIL", "auth helpers", f"{helpers}/4 of auth.uid/role/email/jwt",
                     "run 'pgcadence migrate'"))
    return out


# ---------------------------------------------------------------- what migrate installed
def migration_checks(conn: psycopg.Connection) -> list[Check]:
    """Pending migrations, sources not applied at their current content, and each enabled
    optional module: configured, or why not (its standing jobs then skip)."""
    st = migrate.status_of(conn)
    out: list[Check] = []
    if st.pending:
        out.append(Check("FAIL", "migrations", f"{len(st.applied)} applied, {len(st.pending)} pending: "
                         + ", ".join(st.pending), "run 'pgcadence migrate'"))
    else:
        out.append(Check("PASS", "migrations", f"{len(st.applied)} applied, none pending"))
    if st.changed_files:
        out.append(Check("FAIL", "SQL sources", f"{len(st.changed_files)} file(s) not applied at their current content: "
                         + ", ".join(st.changed_files[:5]) + (" ..." if len(st.changed_files) > 5 else ""),
                         "run 'pgcadence migrate'"))
    elif st.modules:
        out.append(Check("PASS", "SQL sources", "every source file applied at its current content"))
    for m in manifest.load().modules:
        if not m.core and st.modules.get(m.name):
            out.append(_module_check(conn, m.name))
    return out


def _module_check(conn: psycopg.Connection, name: str) -> Check:
    try:
        with conn.transaction():
            reason = conn.execute(f"select {q.MODULE_UNCONFIGURED}", (name,)).fetchone()[0]
            skips = conn.execute(
                "select coalesce(sum(skips), 0) from pgcadence.module_skips "
                "where module = %s and last_at > now() - interval '24 hours'", (name,)).fetchone()[0]
    except psycopg.errors.InsufficientPrivilege:
        return Check("WARN", f"module {name}", "cannot tell whether it is configured (not the owner)",
                     "run pgcadence doctor as the database owner")
    except psycopg.Error as exc:  # e.g. Vault unreadable: its own check says why
        first = (exc.diag.message_primary or str(exc)).splitlines()[0]
        return Check("WARN", f"module {name}", f"cannot tell whether it is configured: {first}",
                     "fix the failing check above")
    if reason is None:
        return Check("PASS", f"module {name}", "enabled and configured")
    seen = f"; {skips} skipped run(s) in 24 h" if skips else ""
    return Check("WARN", f"module {name}", f"not configured ({reason}); its standing jobs skip{seen}",
                 f"configure it, or 'pgcadence modules disable {name}'")


def heartbeat_check(conn: psycopg.Connection) -> list[Check]:
    if not _installed(conn, "pgcadence.cron_heartbeat"):
        return []
    age = conn.execute("select extract(epoch from now() - beat_at)::int from pgcadence.cron_heartbeat").fetchone()
    if age is None or age[0] is None:
        return [Check("WARN", "scheduler heartbeat", "pg_cron has not run the heartbeat job yet",
                      "wait a minute; if it stays silent, check the server log for pg_cron errors")]
    return [Check("PASS" if age[0] < 150 else "WARN", "scheduler heartbeat", f"last tick {age[0]} s ago",
                  "pg_cron is not ticking: check cron.job_run_details and the server log")]


# ---------------------------------------------------------------- real extension or shim
_EXTENSION_FIXES = {
    "vault": "add supabase_vault to shared_preload_libraries (with vault.getkey_script) and restart",
    "net": "set pg_net.database_name to this database, add pg_net to shared_preload_libraries, and restart",
}


def extension_checks(conn: psycopg.Connection) -> list[Check]:
    """One line per surface: Supabase's real pg_net / supabase_vault or pgcadence's shim, and why."""
    if conn.execute("select to_regprocedure(%s) is null", (q.EXTENSION_STATUS.regprocedure,)).fetchone()[0]:
        return []
    rows = conn.execute(f"select surface, in_use, level, reason from {q.EXTENSION_STATUS}").fetchall()
    level = {"ok": "PASS", "fail": "FAIL", "missing": "FAIL"}
    return [Check(level[lv], f"{surface} in use", f"{in_use}: {reason}",
                  "run 'pgcadence migrate'" if lv == "missing" else _EXTENSION_FIXES[surface])
            for surface, in_use, lv, reason in rows]


# ---------------------------------------------------------------- the parts of the package
def net_checks(conn: psycopg.Connection) -> list[Check]:
    """Is someone sending what net.http_* queues?"""
    real, shim = conn.execute(
        "select exists (select 1 from pg_extension where extname = 'pg_net'), to_regprocedure(%s) is not null",
        (q.NET_STATUS.regprocedure,)).fetchone()
    if real or not shim:
        return []  # 'net in use' says whether pg_net's worker runs; without a net schema, the migrations check
    queued, in_flight, oldest, senders, stuck = conn.execute(
        "select queued, in_flight, coalesce(date_trunc('second', oldest_age)::text, '-'), senders,"
        f" coalesce(oldest_age > interval '5 minutes', false) from {q.NET_STATUS}").fetchone()
    detail = f"{senders} connected, {queued} queued, {in_flight} in flight, oldest {oldest}"
    fix = "start 'pgcadence serve' or 'pgcadence net-worker'"
    if senders == 0:
        return [Check("WARN", "net sender", detail + ("" if queued else "; net.http_* requests will wait in the queue"), fix)]
    if stuck:
        return [Check("WARN", "net sender", detail, "the backlog is not draining: see 'pgcadence net status'")]
    return [Check("PASS", "net sender", detail)]


def queue_checks(conn: psycopg.Connection) -> list[Check]:
    """`pgcadence doctor` lines for the job queue (skipped until the queue module is installed):
    what job_queue_health() says."""
    if conn.execute("select to_regprocedure('public.job_queue_health()') is null").fetchone()[0]:
        return []
    paused, expired, failures, oldest, workers, unhandled = conn.execute(
        f"SELECT * FROM {q.JOB_QUEUE_HEALTH}").fetchone()
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


_CRON_FIXES = {
    "last run failed": "see 'pgcadence cron history --failed --job NAME' for the error",
    "never ran": "check the job is active and pg_cron ticks (scheduler heartbeat)",
    "long or overlapping runs": "slow the schedule or speed the command up",
    "net queue backlog": "is 'pgcadence serve' running? see 'pgcadence net status' / net.http_request_queue",
    "net responses (last hour)": "inspect net._http_response for the failing status codes",
    "run history": "run SELECT cron_history_cleanup(); create the indexes as the owner of cron.job_run_details",
    "time-zone schedules": "re-run 'pgcadence cron schedule NAME SCHEDULE' for the jobs listed",
    "task handlers": "start the queue worker with the handler modules (pgcadence worker -m ...)",
}


def cron_checks(conn: psycopg.Connection) -> list[Check]:
    """cron_health() as doctor lines."""
    if conn.execute("select to_regprocedure(%s) is null", (q.CRON_HEALTH.regprocedure,)).fetchone()[0]:
        return []
    try:
        rows = conn.execute(f"select level, check_name, detail from {q.CRON_HEALTH}").fetchall()
    except psycopg.Error as exc:  # a doctor reports, it does not crash
        return [Check("WARN", "cron health", f"cron_health() failed: {str(exc).strip().splitlines()[0]}",
                      "run doctor as the database owner or service_role")]
    level = {"ok": "PASS", "warn": "WARN", "fail": "FAIL"}
    return [Check(level[lv], f"cron: {name}", detail, _CRON_FIXES.get(name, "")) for lv, name, detail in rows]


MOVIE_JOBS = ("scheduled_ingest_daily", "scheduled_ingest_weekly", "daily_refresh_enqueue", "refresh_worker")


def movies_checks(conn: psycopg.Connection) -> list[Check]:
    """The movies module's four standing jobs are scheduled (its upstream key: the module check)."""
    if not _installed(conn, "public.movies"):
        return []
    jobs = {r[0] for r in conn.execute("select jobname from cron.job where jobname = any(%s)", (list(MOVIE_JOBS),))}
    missing = [j for j in MOVIE_JOBS if j not in jobs]
    return [Check("PASS" if not missing else "FAIL", "movies cron jobs",
                  "all four scheduled" if not missing else "missing: " + ", ".join(missing),
                  "pgcadence migrate (sql/movies/jobs.sql schedules them)")]


# Every check, in the order doctor prints them. A new check: a function (conn) -> list[Check]
# (here, or beside what it checks, importing only pgcadence.check), and one line below.
CHECKS: tuple[CheckFn, ...] = (
    server_checks,
    role_checks,
    migration_checks,
    heartbeat_check,
    extension_checks,
    vault.doctor_checks,
    keys.doctor_checks,
    net_checks,
    queue_checks,
    cron_checks,
    movies_checks,
    mandates.doctor_checks,
    advisor.doctor_checks,
    health_checks.doctor_checks,
)
