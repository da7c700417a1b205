"""Per-caller rate limits of the executor's routes, decided in PostgreSQL so that every
runner process shares them (pgcadence.rate_limit_hit, sql/base/rate_limits.sql).

Counted per function, per key -- the user (``sub``) of a user JWT, a digest of a service
key or shared secret; the anon key is everyone's, so anon callers count per address
only -- and per client address. Over the limit: 429 ``rate_limited`` with Retry-After.
"""

from __future__ import annotations

import hashlib
import logging

import psycopg
from psycopg_pool import AsyncConnectionPool

from pgcadence import queries as q
from pgcadence.executor import auth, logs
from pgcadence.executor.errors import JSON, error

_missing_logged = False


def caller_key(role: str, claims: dict, token: str | None) -> str | None:
    if role == "authenticated" and claims.get("sub"):
        return "user:" + str(claims["sub"])
    if role == "service_role" and token:
        return "token:" + hashlib.sha256(token.encode()).hexdigest()[:24]
    return None  # anon: the key is public and shared, the address is what identifies a caller


async def check(pool: AsyncConnectionPool, function: str, role: str, claims: dict, token: str | None,
                address: str | None) -> JSON | None:
    """None when the request may go on, else the 429 answer."""
    global _missing_logged
    try:
        async with pool.connection() as conn:
            cur = await conn.execute(f"select {q.RATE_LIMIT_HIT}",
                                     (function, role, caller_key(role, claims, token), address))
            wait = (await cur.fetchone())[0]
    except psycopg.errors.UndefinedFunction:
        # a database migrated before rate limits existed: serve, and say so once
        if not _missing_logged:
            _missing_logged = True
            logs.event("rate_limit_unavailable", logging.WARNING, detail="run 'pgcadence migrate' to enable rate limits")
        return None
    if not wait:
        return None
    return error(429, "rate_limited", f"too many requests to '{function}'; retry in {wait} s",
                 headers={"Retry-After": str(wait)})


async def check_request(request, function: str, role: str, claims: dict) -> JSON | None:
    """``check`` for a request of the executor app: its bearer token (or apikey) and its
    client address (the TCP peer)."""
    try:
        token = auth.bearer_token(auth.authorization_header(request.headers))
    except auth.AuthError:
        token = None
    return await check(request.app.state.pool, function, role, claims, token,
                       request.client.host if request.client else None)
