"""The security advisor in ``pgcadence doctor``: pgcadence.security_advisor() (SQL,
sql/base/advisor.sql) as one doctor line per finding, for pgcadence's objects and the
project's own alike."""

from __future__ import annotations

import psycopg

from pgcadence import queries as q
from pgcadence.check import Check


def findings(conn: psycopg.Connection, exposed: tuple[str, ...] = ("public",)) -> list[tuple[str, str, str, str, str]]:
    """(level, lint, object, detail, fix) rows; empty when clean."""
    return conn.execute(f"select level, lint, object, detail, fix from {q.SECURITY_ADVISOR}", (list(exposed),)).fetchall()


def doctor_checks(conn: psycopg.Connection) -> list:
    if conn.execute("select to_regprocedure(%s) is null", (q.SECURITY_ADVISOR.regprocedure,)).fetchone()[0]:
        return [Check("WARN", "security advisor", "not installed in this database", "run 'pgcadence migrate'")]
    try:
        rows = findings(conn)
    except psycopg.errors.InsufficientPrivilege:
        conn.rollback()
        return [Check("WARN", "security advisor", "cannot run it (not the owner)", "run pgcadence doctor as the database owner")]
    if not rows:
        return [Check("PASS", "security advisor", "no findings (RLS, policies, views, search_path, definer functions, "
                                                  "sensitive columns, extensions)")]
    return [Check("FAIL" if level == "fail" else "WARN", f"security {lint}", f"{obj}: {detail}", fix)
            for level, lint, obj, detail, fix in rows]
