"""Applying and rolling back the yoyo migrations in ``migrations/``.

yoyo does the bookkeeping (``_yoyo_migration``) and its own lock table; we add a
PostgreSQL advisory lock around every run so that two ``migrate`` commands started
at the same moment serialise cleanly even while yoyo creates its own tables.
"""

from __future__ import annotations

import io
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import psycopg
from yoyo import read_migrations
from yoyo.backends.core.postgresql import PostgresqlPsycopgBackend
from yoyo.connections import parse_uri
from yoyo.utils import change_param_style

from runner import db
from runner.errors import CadenceError

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# Arbitrary constant shared by every pgcadence process: pg_advisory_lock key.
_ADVISORY_KEY = 0x7067636164  # "pgcad"


class _Backend(PostgresqlPsycopgBackend):
    """yoyo's psycopg backend, connecting with our conninfo and leaving SQL alone.

    Stock yoyo passes an empty parameter dict with every statement, which makes
    psycopg treat ``%`` as a placeholder; migrations use ``format('%I', ...)``.
    """

    dsn = ""

    def connect(self, dburi):
        conn = psycopg.connect(self.dsn, autocommit=True)
        self.schema = None
        return conn

    def execute(self, sql, params=None):
        cursor = self.cursor()
        if params:
            sql, qparams = change_param_style(self.driver.paramstyle, sql, params)
            cursor.execute(sql, qparams)
        else:
            cursor.execute(sql)
        return cursor


@dataclass
class Status:
    applied: list[str]
    pending: list[str]


def _migrations():
    if not MIGRATIONS_DIR.is_dir():
        raise CadenceError(f"migrations directory not found: {MIGRATIONS_DIR}")
    return read_migrations(str(MIGRATIONS_DIR))


def preflight(conn: psycopg.Connection) -> None:
    """Refuse, before touching anything, a database where pg_cron cannot work."""
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
    if (cron_db or "postgres") != this_db:
        raise CadenceError(
            f"pg_cron runs in database '{cron_db or 'postgres'}', not '{this_db}': "
            f"set cron.database_name = '{this_db}' and restart PostgreSQL, "
            f"or migrate '{cron_db or 'postgres'}' instead"
        )


@contextmanager
def _backend(dsn: str) -> Iterator[_Backend]:
    with db.connect(dsn) as lock_conn:
        preflight(lock_conn)
        lock_conn.execute("select pg_advisory_lock(%s)", (_ADVISORY_KEY,))
        backend_cls = type("Backend", (_Backend,), {"dsn": dsn})
        backend = backend_cls(parse_uri("postgresql+psycopg://"), "_yoyo_migration")
        try:
            backend.init_database()
            with backend.lock():
                yield backend
        finally:
            backend.connection.close()
            lock_conn.execute("select pg_advisory_unlock(%s)", (_ADVISORY_KEY,))


def _fail(exc: psycopg.Error, migration: str | None) -> CadenceError:
    msg = (exc.diag.message_primary or str(exc)).strip().splitlines()[0]
    where = f" in {migration}" if migration else ""
    return CadenceError(f"migration failed{where}: {msg} (nothing from it was applied)")


def apply(dsn: str, progress=print) -> list[str]:
    """Apply every pending migration, each in its own transaction."""
    done: list[str] = []
    with _backend(dsn) as backend:
        pending = backend.to_apply(_migrations())
        for m in pending:
            progress(f"applying {m.id}")
            try:
                with redirect_stdout(io.StringIO()):  # yoyo prints rows of every SELECT
                    backend.apply_one(m)
            except psycopg.Error as exc:
                raise _fail(exc, m.id) from None
            done.append(m.id)
    return done


def rollback(dsn: str, steps: int | None = 1, progress=print) -> list[str]:
    """Roll back the last ``steps`` applied migrations (all of them when None)."""
    done: list[str] = []
    with _backend(dsn) as backend:
        applied = backend.to_rollback(_migrations())
        for m in list(applied)[: steps if steps is not None else None]:
            progress(f"rolling back {m.id}")
            try:
                with redirect_stdout(io.StringIO()):
                    backend.rollback_one(m)
            except psycopg.Error as exc:
                raise _fail(exc, m.id) from None
            done.append(m.id)
    return done


def status(dsn: str) -> Status:
    """Applied and pending migration ids, without taking any lock or creating anything."""
    migrations = _migrations()
    with db.connect(dsn) as conn:
        has_table = conn.execute("select to_regclass('public._yoyo_migration') is not null").fetchone()[0]
        applied_ids: set[str] = set()
        if has_table:
            applied_ids = {r[0] for r in conn.execute("select migration_id from public._yoyo_migration")}
    ids = [m.id for m in migrations]
    return Status(
        applied=[i for i in ids if i in applied_ids],
        pending=[i for i in ids if i not in applied_ids],
    )
