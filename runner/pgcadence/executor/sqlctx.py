"""Run SQL as the caller, exactly as PostgREST does.

Inside one transaction: ``set_config('role', <role>, true)`` and
``set_config('request.jwt.claims', <claims json>, true)``, so RLS policies and
``auth.uid()`` / ``auth.role()`` / ``auth.jwt()`` see the request's JWT. Both settings
are transaction-local and vanish at commit or rollback.
"""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from typing import AsyncIterator

import psycopg
from psycopg_pool import AsyncConnectionPool

from pgcadence.executor.auth import KNOWN_ROLES


async def _reset(conn: psycopg.AsyncConnection) -> None:
    """Pool reset: drop any session-level setting or role a handler left behind
    (RESET ALL leaves the role alone)."""
    await conn.execute("reset all; reset role")


def make_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> AsyncConnectionPool:
    """The executor's pool (autocommit connections; open it with ``await pool.open()``)."""
    return AsyncConnectionPool(
        dsn, min_size=min_size, max_size=max_size, open=False, reset=_reset,
        kwargs={"autocommit": True, "application_name": "pgcadence-executor"},
        name="pgcadence-executor",
    )


@asynccontextmanager
async def as_role(pool: AsyncConnectionPool, role: str, claims: dict | None = None) -> AsyncIterator[psycopg.AsyncConnection]:
    """A pooled connection inside a transaction running as ``role`` with the JWT claims set.

    Commits when the block ends normally, rolls back on an exception.
    """
    if role not in KNOWN_ROLES:
        raise ValueError(f"cannot run SQL as {role!r}: one of {', '.join(KNOWN_ROLES)}")
    async with pool.connection() as conn:
        async with conn.transaction():
            await conn.execute(
                "select set_config('role', %s, true), set_config('request.jwt.claims', %s, true)",
                (role, json.dumps(claims or {"role": role})),
            )
            yield conn
