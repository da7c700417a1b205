"""Diagnostic functions that help check the wiring from cron to the executor."""

from __future__ import annotations

from pgcadence import queries as q
from pgcadence.executor.registry import function


@function("echo", summary="Who is calling, as the database sees them, and the JSON body sent")
async def echo(ctx):
    """Answers the caller's role and `sub` as resolved by the JWT, what `auth.role()` and
    `auth.uid()` return inside a transaction run as that caller (PostgREST-style), and the
    request body. Handy to test a cron command: `net.http_post(url := … || '/functions/v1/echo', …)`."""
    async with ctx.as_role() as conn:
        cur = await conn.execute(f"select {q.AUTH_ROLE}, {q.AUTH_UID}, current_user")
        db_role, db_uid, current = await cur.fetchone()
    return {
        "function": ctx.function,
        "role": ctx.role,
        "sub": ctx.sub,
        "auth": ctx.auth,
        "database": {"auth_role": db_role, "auth_uid": db_uid, "current_user": current},
        "body": ctx.body,
    }
