"""The provider's five tools, as the signup flow and the queue call them: real or mock.

Settings (each a Vault secret of that name, else the environment of the process):

    USE_REAL_MCP            false (default): the built-in mocks (pgcadence.mcp_mock);
                            true: the provider's MCP server
    MCP_SERVER_URL          the server's MCP endpoint (default http://localhost:8080; a URL
                            without a path means <url>/mcp, where the SDK's servers listen)
    MCP_ACCESS_TOKEN        sent as the bearer token
    MCP_FALLBACK_TO_MOCK    false (default); true: a read-only tool whose server cannot be
                            reached (network error, timeout, 5xx after the retries) answers
                            from the mock, logged, and marked source = "mock_fallback".
                            submit_registration never falls back.
    MCP_TIMEOUT_SECONDS     per attempt (see pgcadence.mcp_client for retries)

Which tool a name means, whether it is read-only, which mandate scopes it needs and
which friendly error a failure becomes are decided in SQL (public.mcp_tool,
public.mcp_friendly_error). Also the queue task type ``mcp_tool``.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from typing import Awaitable, Callable
from urllib.parse import urlsplit

import psycopg

from pgcadence import mcp_client, mcp_mock, queries as q
from pgcadence.queue import JobContext, handler

log = logging.getLogger("pgcadence.mcp")

DEFAULT_URL = "http://localhost:8080"
FALLBACK_KINDS = ("network", "timeout", "http_5xx")  # "the real server is unreachable"
_TRUE = ("1", "true", "yes", "on")


@dataclass
class ToolSpec:
    tool: str
    internal_name: str
    read_only: bool
    needs_login: bool
    scopes: list[str]


@dataclass
class McpMode:
    use_real: bool = False
    url: str = DEFAULT_URL
    token: str | None = None
    fallback: bool = False
    timeout: float | None = None

    def settings(self) -> mcp_client.McpSettings:
        s = mcp_client.McpSettings.from_env(endpoint(self.url), self.token)
        if self.timeout:
            s.timeout = self.timeout
        return s


@dataclass
class ToolResult:
    data: object
    source: str  # real | mock | mock_fallback
    attempts: int = 0
    fallback_reason: str | None = None

    def answer(self, tool: str) -> dict:
        out = {"tool": tool, "source": self.source, "fallback": self.source == "mock_fallback", "result": self.data}
        if self.fallback_reason:
            out["fallback_reason"] = self.fallback_reason
        return out


@dataclass
class ToolFailure(Exception):
    """A tool call that failed for good: ``kind`` (mcp_client.KINDS), the technical
    ``message`` (for logs and audit rows, never for the user), ``sent``."""

    tool: str
    kind: str
    message: str
    attempts: int = 1
    sent: bool = False
    details: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.tool}: {self.message}"


def endpoint(url: str) -> str:
    """The MCP endpoint of a configured URL: a bare base URL means <base>/mcp."""
    url = url.strip()
    return url.rstrip("/") + "/mcp" if urlsplit(url).path in ("", "/") else url


async def config(conn: psycopg.AsyncConnection, name: str) -> str | None:
    """A setting: the Vault secret ``name``, else the environment variable ``name``."""
    value = None
    cur = await conn.execute("select to_regclass('vault.decrypted_secrets') is not null")
    if (await cur.fetchone())[0]:
        cur = await conn.execute("select decrypted_secret from vault.decrypted_secrets where name = %s", (name,))
        row = await cur.fetchone()
        value = row[0] if row else None
    return value or os.environ.get(name) or None


async def load_mode(conn: psycopg.AsyncConnection) -> McpMode:
    """USE_REAL_MCP and friends, read now (a change in Vault needs no restart)."""
    use_real = (await config(conn, "USE_REAL_MCP") or "false").strip().lower() in _TRUE
    fallback = (await config(conn, "MCP_FALLBACK_TO_MOCK") or "false").strip().lower() in _TRUE
    timeout = None
    try:
        t = float(await config(conn, "MCP_TIMEOUT_SECONDS") or 0)
        timeout = t if 0 < t <= 300 else None
    except ValueError:
        pass
    return McpMode(use_real=use_real, url=await config(conn, "MCP_SERVER_URL") or DEFAULT_URL,
                   token=await config(conn, "MCP_ACCESS_TOKEN"), fallback=fallback, timeout=timeout)


async def tool_spec(conn: psycopg.AsyncConnection, name: str) -> ToolSpec | None:
    cur = await conn.execute(f"select tool, internal_name, read_only, needs_login, scopes from {q.MCP_TOOL}", (name,))
    row = await cur.fetchone()
    return ToolSpec(*row[:4], list(row[4])) if row else None


def _log(level: int, message: str, **fields) -> None:
    log.log(level, message, extra={"fields": fields})


def _mock(spec: ToolSpec, arguments: dict) -> object:
    try:
        return mcp_mock.call(spec.tool, arguments)
    except mcp_mock.MockToolError as exc:
        _log(logging.WARNING, f"[MCP] Tool {spec.tool} failed: tool error", tool=spec.tool, source="mock",
             detail=str(exc))
        raise ToolFailure(spec.tool, "tool_error", f"tool {spec.tool} failed: {exc}", sent=True) from None


async def run(mode: McpMode, spec: ToolSpec, arguments: dict,
              mandate: Callable[[], Awaitable[str | None]]) -> ToolResult:
    """Call a tool the way ``mode`` says; ToolFailure when it fails for good.
    ``mandate()`` gives the X-Mandate-JWS (asked only when the real server is called)."""
    if not mode.use_real:
        _log(logging.INFO, f"[MCP] Calling mock tool: {spec.tool}", tool=spec.tool, source="mock")
        return ToolResult(_mock(spec, arguments), "mock")
    t0 = time.perf_counter()
    try:
        data, attempts = await mcp_client.call_tool(mode.settings(), spec.tool, arguments, await mandate(),
                                                    idempotent=spec.read_only)
        return ToolResult(data, "real", attempts)
    except mcp_client.McpCallError as exc:
        failure = ToolFailure(spec.tool, exc.kind, exc.message, exc.attempts, exc.sent,
                              {"duration_ms": int((time.perf_counter() - t0) * 1000), "status": exc.status})
    if spec.read_only and mode.fallback and failure.kind in FALLBACK_KINDS:
        _log(logging.WARNING, f"[MCP] Falling back to mock tool: {spec.tool} (real MCP unavailable: {failure.kind})",
             tool=spec.tool, source="mock_fallback", reason=failure.kind, attempts=failure.attempts)
        return ToolResult(_mock(spec, arguments), "mock_fallback", failure.attempts, failure.kind)
    raise failure


# ---------------------------------------------------------------- queue task type
@handler("mcp_tool")
async def mcp_tool_task(payload: dict, ctx: JobContext) -> dict:
    """Payload ``{"tool", "arguments", "user_id"?, "credential_id"?}``: one provider tool call
    as a job. A read-only tool that fails raises (the queue retries with backoff); a
    registration that may have reached the provider returns ``{"ok": false,
    "outcome_unknown": true}`` instead, so that it is never sent twice."""
    from pgcadence import credentials, db, mandates

    tool, arguments = payload.get("tool"), payload.get("arguments") or {}
    if not isinstance(tool, str) or not isinstance(arguments, dict):
        raise ValueError('payload must be {"tool": "scp....", "arguments": {...}}')
    dsn = ctx.dsn if ctx.dsn is not None else db.resolve_dsn()
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        spec = await tool_spec(conn, tool)
        if spec is None:
            raise ValueError(f"unknown tool {tool!r}")
        mode = await load_mode(conn)
        system_jws = await config(conn, mandates.MANDATE_SECRET)
        if payload.get("credential_id"):
            async with conn.transaction():
                await conn.execute("select set_config('role', 'service_role', true)")
                cur = await conn.execute(f"select * from {q.ACCESS_CREDENTIAL}",
                                         (payload["credential_id"], '{"via": "queue"}'))
                _cid, _owner, _provider, _alias, ct, fp = await cur.fetchone()
            arguments = {**arguments, "credentials": credentials.unseal(credentials.load_ring(),
                                                                       payload["credential_id"], ct, fp)}
    user_id = payload.get("user_id")

    async def mandate() -> str | None:
        if user_id:
            import asyncio

            return (await asyncio.to_thread(mandates.mint_for_user, dsn, user_id, spec.scopes, "queue")).jws
        return system_jws

    try:
        res = await run(mode, spec, arguments, mandate)
    except ToolFailure as f:
        if not spec.read_only and f.sent:
            return {"ok": False, "tool": spec.tool, "outcome_unknown": True, "error": f.message}
        raise RuntimeError(str(f)) from None
    return {"ok": True, **res.answer(spec.tool)}
