"""``pgcadence migrate``: versioned migrations, then the SQL sources, in one transaction.

``migrations/`` holds what must be versioned (tables, indexes, types, data moves,
drops) as yoyo migrations; ``sql/`` holds the current definition of every function,
view, trigger, policy, grant, comment and standing cron job (see runner/pgcadence/manifest.py).
A run, under a PostgreSQL advisory lock so that concurrent runs serialise:

1. applies the pending migrations of the enabled modules, in id order;
2. applies every source file whose sha256 differs from the one the database
   recorded (every file, when a migration ran: it may have dropped objects);
3. drops objects that a re-applied file no longer defines.

All of it is one transaction: a failing statement leaves nothing behind and the
error names the file and the line. With nothing to do, nothing is written.
yoyo keeps the migration bookkeeping (``_yoyo_migration``), so the ids it records
are the migration file names.
"""

from __future__ import annotations

import io
import re
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import psycopg
import psycopg.sql
from yoyo import read_migrations
from yoyo.backends.core.postgresql import PostgresqlPsycopgBackend
from yoyo.connections import parse_uri
from yoyo.utils import change_param_style

from pgcadence import db, manifest as manifest_mod, resources, sources
from pgcadence.errors import CadenceError
from pgcadence.manifest import Manifest, SourceFile

MIGRATIONS_DIR = resources.data_dir("migrations")
SQL_DIR = manifest_mod.SQL_DIR
# Arbitrary constant shared by every pgcadence process: pg_advisory_lock key.
_ADVISORY_KEY = 0x7067636164  # "pgcad"

Progress = Callable[[str], None]


class _Backend(PostgresqlPsycopgBackend):
    """yoyo's psycopg backend on a connection we own (one transaction for the run),
    leaving SQL alone: stock yoyo passes an empty parameter dict with every statement,
    which makes psycopg treat ``%`` as a placeholder."""

    def __init__(self, conn: psycopg.Connection):
        self._given = conn
        super().__init__(parse_uri("postgresql+psycopg://"), "_yoyo_migration")

    def connect(self, dburi):
        self.schema = None
        return self._given

    def execute(self, sql, params=None):
        cursor = self.cursor()
        if params:
            sql, qparams = change_param_style(self.driver.paramstyle, sql, params)
            cursor.execute(sql, qparams)
        else:
            cursor.execute(sql)
        return cursor


# ---------------------------------------------------------------- reading what is there
@dataclass
class Status:
    applied: list[str]
    pending: list[str]
    modules: dict[str, bool] = field(default_factory=dict)  # recorded module -> enabled
    changed_files: list[str] = field(default_factory=list)  # sources not applied at their current content


def _migrations():
    if not MIGRATIONS_DIR.is_dir():
        raise CadenceError(f"migrations directory not found: {MIGRATIONS_DIR}")
    return read_migrations(str(MIGRATIONS_DIR))


def _manifest() -> Manifest:
    return manifest_mod.load(SQL_DIR)


def _has_table(conn: psycopg.Connection, name: str) -> bool:
    return conn.execute("SELECT pg_catalog.to_regclass(%s) IS NOT NULL", (name,)).fetchone()[0]


def _applied_ids(conn: psycopg.Connection) -> set[str]:
    if not _has_table(conn, "public._yoyo_migration"):
        return set()
    return {r[0] for r in conn.execute("SELECT migration_id FROM public._yoyo_migration")}


def _recorded_modules(conn: psycopg.Connection) -> dict[str, bool]:
    if not _has_table(conn, "pgcadence.modules"):
        return {}
    return dict(conn.execute("SELECT name, enabled FROM pgcadence.modules").fetchall())


def _recorded_files(conn: psycopg.Connection) -> dict[str, str]:
    if not _has_table(conn, "pgcadence.source_files"):
        return {}
    return dict(conn.execute("SELECT path, sha256 FROM pgcadence.source_files").fetchall())


def status(dsn: str) -> Status:
    """Applied and pending migrations, modules and stale sources, without taking any lock."""
    with db.connect(dsn) as conn:
        return status_of(conn)


def status_of(conn: psycopg.Connection) -> Status:
    """``status`` on an open connection."""
    man = _manifest()
    migrations = _migrations()
    applied = _applied_ids(conn)
    modules = _recorded_modules(conn)
    files = _recorded_files(conn)
    enabled = _desired(man, modules, None)
    ids = [m.id for m in migrations if man.owner_of(m.id) in enabled]
    changed = [f.path for f in man.files(enabled) if f.path in files and files[f.path] != f.sha256]
    if not files:  # nothing applied yet: every source is pending
        changed = [f.path for f in man.files(enabled)]
    return Status(
        applied=[m.id for m in migrations if m.id in applied],
        pending=[i for i in ids if i not in applied],
        modules=modules,
        changed_files=changed,
    )


# The API roles that can write public.profiles.role (the query of
# pgcadence.profiles_role_writers(), sql/base/security.sql, which may not exist yet).
_PROFILES_ROLE_WRITERS = """
SELECT coalesce(array_agg(r.rolname::text ORDER BY r.rolname), '{}')
  FROM pg_catalog.pg_roles r
 WHERE r.rolname IN ('anon', 'authenticated')
   AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                WHERE a.attrelid = pg_catalog.to_regclass('public.profiles') AND a.attname = 'role'
                  AND NOT a.attisdropped AND a.attnum > 0)
   AND (pg_catalog.has_column_privilege(r.oid, pg_catalog.to_regclass('public.profiles'), 'role', 'UPDATE')
        OR pg_catalog.has_column_privilege(r.oid, pg_catalog.to_regclass('public.profiles'), 'role', 'INSERT'))
"""


def preflight(conn: psycopg.Connection) -> None:
    """Refuse, before touching anything, a database where pg_cron cannot work, or where
    the admin check would trust a column every user can write."""
    row = conn.execute(
        """
        select current_setting('shared_preload_libraries'),
               current_setting('cron.database_name', true),
               current_database(),
               exists (select 1 from pg_available_extensions where name = 'pg_cron')
        """
    ).fetchone()
    preload, cron_db, this_db, available = row
    libs = [lib.strip().strip('"') for lib in (preload or "").split(",")]
    if not available:
        raise CadenceError(
            "the pg_cron extension is not installed on this server: install it "
            "(Debian: apt-get install postgresql-15-cron) and restart PostgreSQL"
        )
    if "pg_cron" not in libs:
        raise CadenceError(
            "pg_cron is not preloaded: add pg_cron to shared_preload_libraries "
            f"and set cron.database_name = '{this_db}' in postgresql.conf, then restart PostgreSQL"
        )
    writers = conn.execute(_PROFILES_ROLE_WRITERS).fetchone()[0]
    if writers:
        raise CadenceError(
            f"public.profiles.role is writable by {' and '.join(writers)}: any user could make themselves an "
            "admin of pgcadence. Revoke it (REVOKE INSERT, UPDATE ON public.profiles FROM anon, authenticated; "
            "then GRANT UPDATE (<the other columns>) back) and migrate again; see docs/security.md, \"Admins\""
        )
    if (cron_db or "postgres") != this_db:
        raise CadenceError(
            f"pg_cron runs in database '{cron_db or 'postgres'}', not '{this_db}': "
            f"set cron.database_name = '{this_db}' and restart PostgreSQL, "
            f"or migrate '{cron_db or 'postgres'}' instead"
        )


@contextmanager
def _locked(dsn: str) -> Iterator[tuple[psycopg.Connection, _Backend]]:
    """A connection holding the migration lock, with yoyo's bookkeeping tables in place."""
    with db.connect(dsn) as conn:  # closing the connection releases the lock
        preflight(conn)
        conn.execute("SELECT pg_advisory_lock(%s)", (_ADVISORY_KEY,))
        backend = _Backend(conn)
        if not _has_table(conn, "public.yoyo_lock"):
            backend.init_database()  # a fresh database: yoyo's tables
        backend.ensure_internal_schema_updated()
        yield conn, backend


def _desired(man: Manifest, recorded: dict[str, bool], modules: Iterable[str] | None) -> set[str]:
    """Modules that should be enabled: the ones asked for (plus core and requirements),
    else what the database records, else (a fresh database) every module."""
    if modules is not None:
        names = set(modules)
        for n in names:
            man.module(n)  # unknown name: clear error
        return man.with_requirements(names)
    if recorded:
        return man.with_requirements({n for n, on in recorded.items() if on and n in man.names})
    return set(man.names)


def _run_migration(conn: psycopg.Connection, backend: _Backend, m, direction: str) -> None:
    path = Path(m.path)
    if direction == "rollback":
        path = path.with_name(path.name[: -len(".sql")] + ".rollback.sql")
    sources.run_statements(conn, path.read_text(encoding="utf-8"), f"migrations/{path.name}")
    with redirect_stdout(io.StringIO()):
        if direction == "apply":
            backend.mark_one(m)
        else:
            backend.unmark_one(m)


def _condition_holds(conn: psycopg.Connection, man: Manifest, f: SourceFile) -> bool:
    if f.when is None:
        return True
    try:
        return bool(conn.execute(f"SELECT ({man.conditions[f.when]})").fetchone()[0])
    except psycopg.Error as exc:
        raise CadenceError(f"sql/manifest.toml: condition {f.when}: {sources.error_line(exc)}") from None


# ---------------------------------------------------------------- applying
@dataclass
class Result:
    migrations: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # files whose condition does not hold here
    enabled: list[str] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    forgotten: list[str] = field(default_factory=list)  # recorded files no longer in the manifest

    @property
    def changed(self) -> bool:
        return bool(self.migrations or self.files or self.enabled or self.disabled or self.dropped or self.forgotten)


def _disable(conn: psycopg.Connection, man: Manifest, names: set[str]) -> list[str]:
    """Drop every object the sources of these modules defined; forget their files."""
    paths = [f.path for m in man.modules if m.name in names for f in m.files]
    recorded = conn.execute("SELECT path FROM pgcadence.source_files WHERE module = ANY(%s)", (list(names),))
    paths += [r[0] for r in recorded if r[0] not in paths]
    dropped = sources.drop_objects(conn, sources.recorded_objects(conn, paths), [f.path for f in man.files()])
    conn.execute("DELETE FROM pgcadence.source_files WHERE path = ANY(%s)", (paths,))
    return dropped


def apply(dsn: str, progress: Progress = print, *, modules: Iterable[str] | None = None,
          dry_run: bool = False) -> list[str]:
    """Bring the database to the current migrations and sources; returns the migration
    ids applied (see ``run`` for everything that was done)."""
    return run(dsn, progress, modules=modules, dry_run=dry_run).migrations


def run(dsn: str, progress: Progress = print, *, modules: Iterable[str] | None = None,
        dry_run: bool = False) -> Result:
    man = _manifest()
    migrations = _migrations()
    for m in migrations:
        if man.owner_of(m.id) is None:
            raise CadenceError(f"migration {m.id} belongs to no module in sql/manifest.toml")
    res = Result()
    with _locked(dsn) as (conn, backend):
        with conn.transaction() as tx:
            recorded = _recorded_modules(conn)
            desired = _desired(man, recorded, modules)
            res.enabled = [n for n in man.names if n in desired and not recorded.get(n)]
            res.disabled = [n for n in man.names if recorded.get(n) and n not in desired]
            applied = _applied_ids(conn)
            pending = [m for m in migrations if m.id not in applied and man.owner_of(m.id) in desired]

            if res.disabled:
                progress(("would disable" if dry_run else "disabling") + f" module(s) {', '.join(res.disabled)}"
                         " (their functions and jobs go, their tables and data stay)")
                if not dry_run:
                    res.dropped += _disable(conn, man, set(res.disabled))

            for m in pending:
                progress(f"{'would apply' if dry_run else 'applying'} migration {m.id}")
                if not dry_run:
                    _run_migration(conn, backend, m, "apply")
                res.migrations.append(m.id)

            files = _recorded_files(conn)
            run_paths: list[str] = []
            touched: set[tuple[str, str]] = set()
            for f in man.files(desired):
                known = f.path in files
                if not known and not _condition_holds(conn, man, f):
                    res.skipped.append(f.path)
                    continue
                if pending:
                    reason = "after migrations" if known else "new"
                elif not known:
                    reason = "new"
                elif files[f.path] != f.sha256:
                    reason = "changed"
                else:
                    continue
                progress(f"{'would apply' if dry_run else 'applying'} sql/{f.path} ({reason})")
                res.files.append(f.path)
                if not dry_run:
                    done = sources.apply_file(conn, f)
                    touched |= done.touched
                    touched -= done.gone
                    run_paths.append(f.path)

            if not dry_run and _has_table(conn, "pgcadence.source_objects"):
                # objects a re-applied (or deleted) file no longer defines
                listed = {f.path for f in man.files()}
                orphans = [
                    o for o in sources.recorded_objects(conn)
                    if (o[2] in run_paths or o[2] not in listed) and (o[0], o[1]) not in touched
                ]
                if orphans:
                    res.dropped += sources.drop_objects(conn, orphans, [f.path for f in man.files()])
                    for d in res.dropped:
                        progress(f"dropped {d} (no longer in the sources)")
                gone = conn.execute(
                    "DELETE FROM pgcadence.source_files WHERE NOT (path = ANY(%s)) AND module = ANY(%s) RETURNING path",
                    (list(listed), list(desired)),
                ).fetchall()
                res.forgotten = [r[0] for r in gone]

            if not dry_run and (res.enabled or res.disabled):
                conn.execute(
                    "INSERT INTO pgcadence.modules (name, enabled) SELECT unnest(%s::text[]), unnest(%s::boolean[]) "
                    "ON CONFLICT (name) DO UPDATE SET enabled = excluded.enabled, changed_at = pg_catalog.now() "
                    "WHERE modules.enabled IS DISTINCT FROM excluded.enabled",
                    (man.names, [n in desired for n in man.names]),
                )
            if dry_run:
                raise psycopg.Rollback(tx)
    return res


# ---------------------------------------------------------------- undoing
def rollback(dsn: str, steps: int | None = 1, progress: Progress = print) -> list[str]:
    """Roll back the last ``steps`` applied migrations (all of them when None), after
    dropping the source objects of the modules they belong to (and of modules that
    require those). A later ``migrate`` brings back what was rolled back."""
    man = _manifest()
    migrations = _migrations()
    done: list[str] = []
    with _locked(dsn) as (conn, backend):
        with conn.transaction():
            applied = _applied_ids(conn)
            todo = [m for m in reversed(list(migrations)) if m.id in applied]
            if steps is not None:
                todo = todo[:steps]
            if not todo:
                return done
            if not _has_table(conn, "pgcadence.source_files"):
                raise CadenceError(
                    "this database was migrated by an older pgcadence (no record of its SQL sources): "
                    "run 'pgcadence migrate' first, then roll back"
                )
            # the modules of these migrations and every module listed after the first of them
            first = min(man.names.index(man.owner_of(m.id)) for m in todo)
            affected = set(man.names[first:])
            for d in _disable(conn, man, affected):
                progress(f"dropped {d}")
            for m in todo:
                progress(f"rolling back {m.id}")
                _run_migration(conn, backend, m, "rollback")
                done.append(m.id)
    return done


# ---------------------------------------------------------------- what a rollback would drop
# Tables whose rows cannot be recreated: a rollback that would drop them while they
# hold rows needs --force on top of --yes.
PROTECTED_TABLES = ("public.mandate_audit", "public.stored_credentials", "vault.secrets",
                    "public.cache_operation_log")
_DROP_TABLE = re.compile(r"(?i)\bDROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?([a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*)")


@dataclass
class RollbackPlan:
    migrations: list[str]
    modules: list[str]  # whose functions and jobs are dropped first
    tables: list[tuple[str, int]]  # (table, rows) that would be dropped

    @property
    def protected(self) -> list[tuple[str, int]]:
        return [(t, n) for t, n in self.tables if t in PROTECTED_TABLES and n > 0]


def rollback_plan(dsn: str, steps: int | None = 1) -> RollbackPlan:
    """What ``rollback(dsn, steps)`` would undo, and the tables (with row counts) it drops."""
    man = _manifest()
    migrations = list(_migrations())
    with db.connect(dsn) as conn:
        applied = _applied_ids(conn)
        todo = [m for m in reversed(migrations) if m.id in applied]
        if steps is not None:
            todo = todo[:steps]
        modules: list[str] = []
        if todo:
            first = min(man.names.index(man.owner_of(m.id)) for m in todo)
            modules = man.names[first:]
        tables: list[tuple[str, int]] = []
        for m in todo:
            text = Path(m.path).with_name(Path(m.path).name[: -len(".sql")] + ".rollback.sql").read_text()
            for name in _DROP_TABLE.findall(text):
                row = conn.execute(
                    "SELECT pg_catalog.to_regclass(%s) IS NOT NULL, "
                    "coalesce(pg_catalog.obj_description(pg_catalog.to_regclass(%s), 'pg_class'), '')", (name, name)
                ).fetchone()
                if not row[0] or (name == "public.profiles" and not row[1].startswith("pgcadence:")):
                    continue
                count = conn.execute(psycopg.sql.SQL("SELECT count(*) FROM {}").format(
                    psycopg.sql.Identifier(*name.split(".")))).fetchone()[0]
                tables.append((name, count))
    return RollbackPlan([m.id for m in todo], modules, tables)
