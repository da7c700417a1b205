"""What a handler receives: who called, what they sent, and the database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg_pool import AsyncConnectionPool
from starlette.requests import Request

from pgcadence.executor.sqlctx import as_role


@dataclass
class RequestContext:
    """What a handler gets: who called, what they sent, and the database."""

    function: str
    request: Request
    request_id: str
    role: str  # anon / authenticated / service_role ("anon" on a public call without a JWT)
    claims: dict
    auth: str  # "jwt", "secret" (shared secret) or "none"
    body: Any  # parsed JSON, or None for an empty body
    raw_body: bytes
    pool: AsyncConnectionPool

    @property
    def method(self) -> str:
        return self.request.method

    @property
    def headers(self):
        return self.request.headers

    @property
    def query(self):
        return self.request.query_params

    @property
    def sub(self) -> str | None:
        return self.claims.get("sub")

    def as_role(self, role: str | None = None, claims: dict | None = None):
        """``async with ctx.as_role() as conn:`` — a transaction as the caller (PostgREST-style).

        Pass ``role`` (and ``claims``) to act as someone else, e.g. "service_role".
        """
        if role is None:
            return as_role(self.pool, self.role, self.claims if claims is None else claims)
        return as_role(self.pool, role, claims if claims is not None else {"role": role})

    def connection(self):
        """``async with ctx.connection() as conn:`` — the pool's own (privileged) connection."""
        return self.pool.connection()
