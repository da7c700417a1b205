"""Applying the SQL sources and knowing, from the catalog, which objects they define.

A source file is applied statement by statement inside the caller's transaction.
Before and after, the catalog is read for the kinds of object sources define
(functions, views, triggers, policies and this database's pg_cron jobs); every
object whose catalog row is new or was rewritten (``CREATE OR REPLACE`` always
rewrites it) is recorded as defined by that file in ``pgcadence.source_objects``.
That record is what lets a module be disabled or uninstalled without touching
anything the package did not create, and lets an object removed from its file be
dropped from the database, so that an upgraded database equals a fresh install.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import psycopg

from pgcadence import sqltext
from pgcadence.errors import CadenceError
from pgcadence.manifest import SourceFile

# Objects are dropped in this order (dependents first).
DROP_ORDER = ("cron job", "policy", "trigger", "view", "function")

_NOT_SYSTEM = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp)'"
_NOT_EXTENSION = (
    "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = {cls}::regclass "
    "AND d.objid = {oid} AND d.deptype = 'e')"
)



def _on_table(kind: str, catalog: str, name: str, table: str, where: str = "") -> str:
    """The snapshot query of objects that live on a table (triggers, policies): ``catalog``
    is "<catalog table> <alias>", ``name`` and ``table`` its name and table columns."""
    alias = catalog.split()[1]
    return f"""
SELECT pg_catalog.format('%I ON %I.%I', {name}, n.nspname, c.relname),
       {alias}.xmin::text || {alias}.ctid::text,
       pg_catalog.format('DROP {kind} %I ON %I.%I', {name}, n.nspname, c.relname)
  FROM pg_catalog.{catalog} JOIN pg_catalog.pg_class c ON c.oid = {table}
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE {where}{_NOT_SYSTEM} AND {_NOT_EXTENSION.format(cls="'pg_catalog.pg_class'", oid="c.oid")}"""


# Per kind: identity, version (changes whenever the catalog row is rewritten: CREATE OR
# REPLACE always writes a new row version), and the statement that drops it.
_SNAPSHOT = {
    "function": f"""
SELECT pg_catalog.format('%I.%I(%s)', n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)),
       p.xmin::text || p.ctid::text,
       pg_catalog.format('DROP %s %I.%I(%s)', CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
                         n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid))
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE {_NOT_SYSTEM} AND {_NOT_EXTENSION.format(cls="'pg_catalog.pg_proc'", oid="p.oid")}""",
    "view": f"""
SELECT pg_catalog.format('%I.%I', n.nspname, c.relname),
       c.xmin::text || c.ctid::text || coalesce(r.xmin::text || r.ctid::text, ''),
       pg_catalog.format('DROP %s %I.%I', CASE c.relkind WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END, n.nspname, c.relname)
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_rewrite r ON r.ev_class = c.oid AND r.rulename = '_RETURN'
 WHERE c.relkind IN ('v', 'm') AND {_NOT_SYSTEM} AND {_NOT_EXTENSION.format(cls="'pg_catalog.pg_class'", oid="c.oid")}""",
    "trigger": _on_table("TRIGGER", "pg_trigger t", "t.tgname", "t.tgrelid", "NOT t.tgisinternal AND "),
    "policy": _on_table("POLICY", "pg_policy pol", "pol.polname", "pol.polrelid"),
    "cron job": """
SELECT j.jobname::text, j.xmin::text || j.ctid::text, pg_catalog.format('SELECT cron.unschedule(%s)', j.jobid)
  FROM cron.job j
 WHERE j.database = pg_catalog.current_database() AND j.jobname IS NOT NULL""",
}

# What a statement of a source file may define (or drop). Sources define objects with
# plain CREATE statements; any other statement may schedule pg_cron jobs. GRANT,
# REVOKE and COMMENT rewrite catalog rows too, but define nothing.
_DEFINES = re.compile(
    r"(?is)(CREATE\s+(?:OR\s+REPLACE\s+)?|DROP\s+)(?:CONSTRAINT\s+)?"
    r"(FUNCTION|PROCEDURE|AGGREGATE|(?:MATERIALIZED\s+)?VIEW|TRIGGER|POLICY)\b"
)
_DEFINES_NOTHING = re.compile(r"(?is)(GRANT|REVOKE|COMMENT)\b")
_KIND = {"function": "function", "procedure": "function", "aggregate": "function", "trigger": "trigger",
         "policy": "policy"}


def statement_kinds(text: str) -> tuple[str, ...]:
    """The kinds of object a statement can define or drop (see _DEFINES)."""
    if _DEFINES_NOTHING.match(text):
        return ()
    m = _DEFINES.match(text)
    if m:
        word = m.group(2).lower()
        return ("view",) if word.endswith("view") else (_KIND[word],)
    return ("cron job",)


@dataclass(frozen=True)
class CatalogObject:
    kind: str
    identity: str
    version: str
    drop_sql: str


def snapshot(conn: psycopg.Connection, kinds=DROP_ORDER) -> dict[tuple[str, str], CatalogObject]:
    """Objects of these kinds in the database, keyed by (kind, identity)."""
    kinds = [k for k in kinds if k != "cron job" or _has_cron(conn)]
    if not kinds:
        return {}
    query = "\nUNION ALL\n".join(f"SELECT {k!r}, * FROM ({_SNAPSHOT[k]}) AS s" for k in kinds)
    # identities are rendered with every name qualified, whatever the caller's search_path
    saved = conn.execute("SELECT pg_catalog.current_setting('search_path')").fetchone()[0]
    conn.execute("SELECT pg_catalog.set_config('search_path', 'pg_catalog', true)")
    try:
        rows = conn.execute(query).fetchall()
    finally:
        conn.execute("SELECT pg_catalog.set_config('search_path', %s, true)", (saved,))
    return {(r[0], r[1]): CatalogObject(*r) for r in rows}


def _has_cron(conn: psycopg.Connection) -> bool:
    return conn.execute("SELECT pg_catalog.to_regclass('cron.job') IS NOT NULL").fetchone()[0]


class SourceError(CadenceError):
    """A statement of a source (or migration) file failed; the message names file and line."""


def error_line(exc: psycopg.Error) -> str:
    """The first line of a database error, without PostgreSQL's 'ERROR:' prefix."""
    msg = exc.diag.message_primary or str(exc)
    return (msg.strip().splitlines() or [type(exc).__name__])[0]


def _statements(text: str, label: str) -> list[sqltext.Statement]:
    try:
        return sqltext.split(text)
    except sqltext.SplitError as exc:
        raise SourceError(f"{label}:{exc.line}: {exc}") from None


def _execute(conn: psycopg.Connection, st: sqltext.Statement, label: str) -> None:
    try:
        conn.execute(st.text)
    except psycopg.Error as exc:
        pos = exc.diag.statement_position
        raise SourceError(f"{label}:{st.line_of(int(pos) if pos else None)}: {error_line(exc)}") from None


def run_statements(conn: psycopg.Connection, text: str, label: str) -> None:
    """Execute the statements of ``text`` one by one; an error names ``label`` and the line."""
    for st in _statements(text, label):
        _execute(conn, st, label)


@dataclass
class Applied:
    touched: set[tuple[str, str]]
    gone: set[tuple[str, str]]


def apply_file(conn: psycopg.Connection, f: SourceFile, label: str | None = None) -> Applied:
    """Run one source file and record what it defines and what it removed."""
    label = label or f"sql/{f.path}"
    touched: set[tuple[str, str]] = set()
    gone: set[tuple[str, str]] = set()
    for st in _statements(f.text, label):
        kinds = statement_kinds(st.text)
        before = snapshot(conn, kinds) if kinds else {}
        _execute(conn, st, label)
        if kinds:
            after = snapshot(conn, kinds)
            new = {k for k, o in after.items() if k not in before or before[k].version != o.version}
            touched |= new
            gone |= set(before) - set(after)
            gone -= new
            touched -= set(before) - set(after)
    with conn.cursor() as cur:
        if gone:
            cur.executemany("DELETE FROM pgcadence.source_objects WHERE kind = %s AND identity = %s", sorted(gone))
        if touched:
            cur.executemany(
                "INSERT INTO pgcadence.source_objects (kind, identity, path) VALUES (%s, %s, %s) "
                "ON CONFLICT (kind, identity) DO UPDATE SET path = excluded.path",
                [(k, i, f.path) for k, i in sorted(touched)],
            )
        cur.execute(
            "INSERT INTO pgcadence.source_files (path, module, sha256) VALUES (%s, %s, %s) "
            "ON CONFLICT (path) DO UPDATE SET module = excluded.module, sha256 = excluded.sha256, "
            "applied_at = pg_catalog.now()",
            (f.path, f.module, f.sha256),
        )
    return Applied(touched, gone)


def recorded_objects(conn: psycopg.Connection, paths: list[str] | None = None) -> list[tuple[str, str, str]]:
    """(kind, identity, path) recorded for these files (all when None)."""
    if paths is None:
        return conn.execute("SELECT kind, identity, path FROM pgcadence.source_objects").fetchall()
    return conn.execute(
        "SELECT kind, identity, path FROM pgcadence.source_objects WHERE path = ANY(%s)", (paths,)
    ).fetchall()


def drop_objects(conn: psycopg.Connection, objects: list[tuple[str, str, str]], order: list[str]) -> list[str]:
    """Drop recorded objects (kind, identity, path): files in reverse ``order``, within
    a file dependents first. Objects already gone are only forgotten. Returns what was dropped."""
    live = snapshot(conn)
    rank = {p: i for i, p in enumerate(order)}
    dropped: list[str] = []
    for kind, identity, path in sorted(
        objects, key=lambda o: (-rank.get(o[2], len(order)), DROP_ORDER.index(o[0]), o[1])
    ):
        obj = live.get((kind, identity))
        if obj is not None:
            try:
                conn.execute(obj.drop_sql)
            except psycopg.Error as exc:
                raise CadenceError(f"cannot drop {kind} {identity} (from sql/{path}): {error_line(exc)}") from None
            dropped.append(f"{kind} {identity}")
        conn.execute("DELETE FROM pgcadence.source_objects WHERE kind = %s AND identity = %s", (kind, identity))
    return dropped
