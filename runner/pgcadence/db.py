"""Connection settings: --database, else DATABASE_URL, else libpq's PG* variables.

When none of those is set and the embedded cluster (``pgcadence up``) is running,
its URL is used, so ``pgcadence doctor`` works from a second shell next to ``make run``;
when it exists but is stopped, the error says to start it.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from typing import Iterator

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from pgcadence import embedded
from pgcadence.errors import CadenceError

# libpq variables that mean "the user told us where the database is".
_PG_VARS = ("PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE")


def resolve_dsn(database: str | None = None) -> str:
    """Return the conninfo to use, following the documented precedence."""
    if database:
        return database
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    if any(os.environ.get(v) for v in _PG_VARS):
        return ""  # empty conninfo: libpq reads the PG* variables itself
    url = embedded.running_url()
    if url:
        return url
    stopped = embedded.stopped_cluster()
    if stopped is not None:
        raise CadenceError(f"the embedded cluster is not running: pgcadence up (it lives in {stopped}; "
                           "or pass --database URL)")
    return ""  # libpq's defaults: the local socket, the OS user's name


def describe(dsn: str) -> str:
    """A printable form of a conninfo with any password masked."""
    try:
        params = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "<unparseable connection string>"
    if "password" in params:
        params["password"] = "***"
    host = params.get("host") or os.environ.get("PGHOST") or "local socket"
    port = params.get("port") or os.environ.get("PGPORT") or "5432"
    name = params.get("dbname") or os.environ.get("PGDATABASE") or params.get("user") or "(default)"
    return f"{name} on {host}:{port}"


def redact(dsn: str) -> str:
    """The conninfo or URL with its password replaced by ***."""
    dsn = re.sub(r"^(postgres(?:ql)?://[^:/@]*:)[^@]*@", r"\1***@", dsn)
    return re.sub(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", r"\1***", dsn)


def to_yoyo_url(dsn: str) -> str:
    """yoyo wants a URL; build one from any conninfo (URL, key=value or empty)."""
    params = conninfo_to_dict(dsn) if dsn else {}
    return make_conninfo(**params)


@contextmanager
def connect(dsn: str, *, autocommit: bool = True, **kwargs) -> Iterator[psycopg.Connection]:
    """Open a connection or raise one clear CadenceError saying why not."""
    try:
        conn = psycopg.connect(dsn, autocommit=autocommit, connect_timeout=10, **kwargs)
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise CadenceError(
            f"cannot connect to {describe(dsn)}: {reason} "
            "(pass --database URL, set DATABASE_URL or PG* variables, or run 'pgcadence up')"
        ) from None
    try:
        yield conn
    finally:
        conn.close()


_SERVICE_ROLE = ("select set_config('role', 'service_role', true), "
                 "set_config('request.jwt.claims', '{\"role\": \"service_role\"}', true)")


async def as_service_role(conn: psycopg.AsyncConnection, query: str, params: tuple = (), *, all_rows: bool = False):
    """Run one statement in its own transaction as service_role (as a Supabase edge
    function holding the service-role key would): its first row, or every row."""
    async with conn.transaction():
        await conn.execute(_SERVICE_ROLE)
        cur = await conn.execute(query, params)
        return await (cur.fetchall() if all_rows else cur.fetchone())
