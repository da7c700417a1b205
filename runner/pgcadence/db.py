"""Connection settings: --database, else DATABASE_URL, else libpq's PG* variables.

When none of those is set and the embedded cluster (``pgcadence up``) is running,
its URL is used, so ``pgcadence doctor`` works from a second shell next to ``make run``.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

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
    from pgcadence import embedded  # local import: embedded is optional at runtime

    url = embedded.running_url()
    if url:
        return url
    return ""


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
