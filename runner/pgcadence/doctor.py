"""``pgcadence doctor``: one line per check, PASS / WARN / FAIL, each with its fix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import psycopg

from pgcadence import migrate


@dataclass
class Check:
    level: str  # PASS | WARN | FAIL
    name: str
    detail: str
    fix: str = ""

    def line(self) -> str:
        text = f"{self.level:<4}  {self.name}: {self.detail}"
        if self.fix and self.level != "PASS":
            text += f" — fix: {self.fix}"
        return text


def _setting(conn: psycopg.Connection, name: str) -> str | None:
    try:
        return conn.execute("select current_setting(%s, true)", (name,)).fetchone()[0]
    except psycopg.errors.InsufficientPrivilege:
        conn.rollback()
        return None


def run_checks(conn: psycopg.Connection, dsn: str) -> list[Check]:
    """All checks against an open autocommit connection."""
    checks: list[Check] = []
    add = checks.append
    this_db = conn.execute("select current_database()").fetchone()[0]
    version = conn.execute("select current_setting('server_version')").fetchone()[0]
    major = int(conn.execute("select current_setting('server_version_num')").fetchone()[0]) // 10000
    add(Check("PASS" if major >= 15 else "FAIL", "server", f"PostgreSQL {version}, database {this_db}",
              "use PostgreSQL 15 or newer"))

    preload = _setting(conn, "shared_preload_libraries")
    installed = conn.execute("select extversion from pg_extension where extname = 'pg_cron'").fetchone()
    if preload is None:
        add(Check("PASS" if installed else "WARN", "pg_cron preloaded",
                  "cannot read shared_preload_libraries (not superuser); " +
                  ("pg_cron is installed here, so it is preloaded" if installed else "unknown"),
                  "ask the server's administrator to add pg_cron to shared_preload_libraries"))
    else:
        ok = "pg_cron" in [x.strip().strip('"') for x in preload.split(",")]
        add(Check("PASS" if ok else "FAIL", "pg_cron preloaded", f"shared_preload_libraries = '{preload}'",
                  "add pg_cron to shared_preload_libraries in postgresql.conf and restart"))

    cron_db = _setting(conn, "cron.database_name")
    if cron_db is None and installed:
        add(Check("PASS", "cron.database_name", "not readable, but pg_cron is installed in this database"))
    else:
        add(Check("PASS" if cron_db == this_db else "FAIL", "cron.database_name",
                  f"'{cron_db}'" + ("" if cron_db == this_db else f", this database is '{this_db}'"),
                  f"set cron.database_name = '{this_db}' in postgresql.conf and restart"))

    add(Check("PASS" if installed else "FAIL", "pg_cron extension",
              f"version {installed[0]} created in {this_db}" if installed else f"not created in {this_db}",
              "run 'pgcadence migrate' (it creates the extension)"))

    workers = _setting(conn, "cron.use_background_workers")
    if workers is not None:
        add(Check("PASS" if workers == "on" else "WARN", "cron.use_background_workers", workers or "unset",
                  "set cron.use_background_workers = on (no libpq login to localhost needed) and restart"))

    crypto = conn.execute(
        "select e.extversion, n.nspname from pg_available_extensions a "
        "left join pg_extension e on e.extname = a.name "
        "left join pg_namespace n on n.oid = e.extnamespace where a.name = 'pgcrypto'"
    ).fetchone()
    if crypto is None:
        add(Check("FAIL", "pgcrypto", "not available on this server", "install the PostgreSQL contrib package"))
    else:
        add(Check("PASS" if crypto[0] else "FAIL", "pgcrypto",
                  f"version {crypto[0]} in schema {crypto[1]}" if crypto[0] else "available, not created",
                  "run 'pgcadence migrate'"))

    roles = dict(conn.execute(
        "select rolname, rolbypassrls from pg_roles where rolname in ('anon', 'authenticated', 'service_role')"
    ).fetchall())
    missing = [r for r in ("anon", "authenticated", "service_role") if r not in roles]
    if missing:
        add(Check("FAIL", "roles", f"missing: {', '.join(missing)}", "run 'pgcadence migrate'"))
    elif not roles["service_role"]:
        add(Check("FAIL", "roles", "service_role lacks BYPASSRLS", "ALTER ROLE service_role BYPASSRLS"))
    else:
        add(Check("PASS", "roles", "anon, authenticated, service_role (BYPASSRLS)"))

    helpers = conn.execute(
        "select count(*) from unnest(array['auth.uid()','auth.role()','auth.email()','auth.jwt()']) f "
        "where to_regprocedure(f) is not null"
    ).fetchone()[0]
    add(Check("PASS" if helpers == 4 else "FAIL", "auth helpers", f"{helpers}/4 of auth.uid/role/email/jwt",
              "run 'pgcadence migrate'"))

    st = migrate.status(dsn)
    if st.pending:
        add(Check("FAIL", "migrations", f"{len(st.applied)} applied, {len(st.pending)} pending: {', '.join(st.pending)}",
                  "run 'pgcadence migrate'"))
    else:
        add(Check("PASS", "migrations", f"{len(st.applied)} applied, none pending"))
    if st.changed_files:
        add(Check("FAIL", "SQL sources", f"{len(st.changed_files)} file(s) not applied at their current content: "
                  + ", ".join(st.changed_files[:5]) + (" ..." if len(st.changed_files) > 5 else ""),
                  "run 'pgcadence migrate'"))
    elif st.modules:
        add(Check("PASS", "SQL sources", "every source file applied at its current content"))
    checks.extend(module_checks(conn, st.modules))

    if conn.execute("select to_regclass('pgcadence.cron_heartbeat') is not null").fetchone()[0]:
        age = conn.execute(
            "select extract(epoch from now() - beat_at)::int, beats from pgcadence.cron_heartbeat"
        ).fetchone()
        if age[0] is None:
            add(Check("WARN", "scheduler heartbeat", "pg_cron has not run the heartbeat job yet",
                      "wait a minute; if it stays silent, check the server log for pg_cron errors"))
        else:
            add(Check("PASS" if age[0] < 150 else "WARN", "scheduler heartbeat", f"last tick {age[0]} s ago",
                      "pg_cron is not ticking: check cron.job_run_details and the server log"))

    from pgcadence import advisor

    checks.extend(advisor.doctor_checks(conn))
    for extra in EXTRA_CHECKS:
        checks.extend(extra(conn))
    return checks


def module_checks(conn: psycopg.Connection, modules: dict[str, bool]) -> list[Check]:
    """Each enabled optional module: configured, or why not (its standing jobs skip)."""
    from pgcadence import manifest

    out: list[Check] = []
    for m in manifest.load().modules:
        if m.core or not modules.get(m.name):
            continue
        try:
            reason = conn.execute("select pgcadence.module_unconfigured(%s)", (m.name,)).fetchone()[0]
            skips = conn.execute(
                "select coalesce(sum(skips), 0), max(last_at) from pgcadence.module_skips "
                "where module = %s and last_at > now() - interval '24 hours'", (m.name,)).fetchone()
        except psycopg.errors.InsufficientPrivilege:
            conn.rollback()
            out.append(Check("WARN", f"module {m.name}", "cannot tell whether it is configured (not the owner)",
                             "run pgcadence doctor as the database owner"))
            continue
        except psycopg.Error as exc:  # e.g. Vault unreadable: its own check says why
            conn.rollback()
            first = (exc.diag.message_primary or str(exc)).splitlines()[0]
            out.append(Check("WARN", f"module {m.name}", f"cannot tell whether it is configured: {first}",
                             "fix the failing check above"))
            continue
        if reason is None:
            out.append(Check("PASS", f"module {m.name}", "enabled and configured"))
        else:
            seen = f"; {skips[0]} skipped run(s) in 24 h" if skips[0] else ""
            out.append(Check("WARN", f"module {m.name}", f"not configured ({reason}); its standing jobs skip{seen}",
                             f"configure it, or 'pgcadence modules disable {m.name}'"))
    return out


# Later modules append their own checks here: callables (conn) -> list[Check].
EXTRA_CHECKS: list[Callable[[psycopg.Connection], list[Check]]] = []
