"""Calling a provider's MCP server: the official MCP Python SDK over streamable HTTP.

The resilience rules (docs/requirements.md, "Cache warming"; docs/signup.md), for every call:

* a timeout per attempt (``MCP_TIMEOUT_SECONDS``, default 30 s) covering connect,
  initialize and the tool call;
* up to ``MCP_MAX_RETRIES`` (3) retries with exponential backoff (``MCP_RETRY_BACKOFF_SECONDS``
  × 2^n, default 1 s, 2 s, 4 s) on network errors, timeouts and HTTP 5xx;
* no retry on HTTP 4xx (a refused mandate or token will not get better) nor on a tool
  that answered with an error;
* a tool that changes something at the provider (``idempotent=False``: registration) is
  never retried once the server may have received it — only a failure before the
  ``tools/call`` request left (while connecting or initializing) is retried.

Headers: ``Authorization: Bearer <MCP_ACCESS_TOKEN>`` (when there is one) and the mandate
as ``X-Mandate-JWS``. Every call logs ``[MCP] Calling real tool: <tool>``, then
``[MCP] Tool <tool> succeeded`` or ``[MCP] Tool <tool> failed: <reason>`` per attempt, as
the message of a record of the ``pgcadence.mcp`` logger (fields: tool, attempt,
duration_ms, retrying). Errors are ``McpCallError`` with a short message that never
includes the tool arguments (they carry the provider credential).
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import ssl
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import SimpleNamespace

import anyio
import httpx

log = logging.getLogger("pgcadence.mcp")


@functools.cache
def load_sdk():
    """The MCP SDK, imported on first use: it takes most of a second to import, and every
    `pgcadence worker` loads this module with the package's handlers whether or not it
    ever runs an MCP job (its first one waits for the import). `pgcadence serve` loads it
    at start-up (pgcadence.executor.functions.mandates), so no request waits for it."""
    import mcp
    from mcp.shared.exceptions import McpError
    try:  # mcp >= 1.2x: the client takes an httpx client
        from mcp.client.streamable_http import streamable_http_client as new
        old = None
    except ImportError:  # older SDKs
        from mcp.client.streamable_http import streamablehttp_client as old
        new = None
    return SimpleNamespace(ClientSession=mcp.ClientSession, McpError=McpError, streamable_http_client=new,
                           streamablehttp_client=old)


@dataclass
class McpSettings:
    url: str
    token: str | None
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 1.0

    @classmethod
    def from_env(cls, url: str, token: str | None) -> "McpSettings":
        return cls(url=url, token=token,
                   timeout=_env_float("MCP_TIMEOUT_SECONDS", 30.0),
                   retries=int(_env_float("MCP_MAX_RETRIES", 3)),
                   backoff=_env_float("MCP_RETRY_BACKOFF_SECONDS", 1.0))


def _env_float(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value >= 0 else default


# What went wrong, in the words the friendly errors are chosen by (public.mcp_friendly_error).
KINDS = ("timeout", "network", "http_5xx", "http_4xx", "tool_error", "protocol")
_REASON = {"timeout": "timeout", "network": "network error", "tool_error": "tool error", "protocol": "protocol error"}


class McpCallError(Exception):
    def __init__(self, message: str, *, retryable: bool, status: int | None = None, kind: str = "protocol") -> None:
        super().__init__(message)
        self.message, self.retryable, self.status, self.kind = message, retryable, status, kind
        self.attempts = 1
        self.sent = False  # the tools/call request left: the server may have received it

    @property
    def reason(self) -> str:
        """Short and safe: what the log line after "failed:" says."""
        return f"HTTP {self.status}" if self.status else _REASON.get(self.kind, self.kind)


def _leaves(exc: BaseException):
    if isinstance(exc, BaseExceptionGroup):
        for e in exc.exceptions:
            yield from _leaves(e)
    else:
        yield exc
        if exc.__cause__ is not None:
            yield from _leaves(exc.__cause__)


def classify(exc: BaseException, timeout: float) -> McpCallError:
    """Turn whatever the SDK raised into a retryable-or-not McpCallError."""
    leaves = list(_leaves(exc))
    for e in leaves:
        if isinstance(e, httpx.HTTPStatusError):
            code = e.response.status_code
            return McpCallError(f"MCP server answered HTTP {code}", retryable=code >= 500, status=code,
                                kind="http_5xx" if code >= 500 else "http_4xx")
    for e in leaves:
        if isinstance(e, (TimeoutError, httpx.TimeoutException)):
            return McpCallError(f"MCP call timed out after {timeout:g} s", retryable=True, kind="timeout")
    for e in leaves:
        if isinstance(e, httpx.TransportError):
            return McpCallError(f"network error reaching the MCP server: {type(e).__name__}", retryable=True,
                                kind="network")
    for e in leaves:
        if isinstance(e, load_sdk().McpError):
            return McpCallError(f"MCP error: {e.error.message[:200]}", retryable=False, kind="protocol")
    first = leaves[0] if leaves else exc
    return McpCallError(f"MCP call failed: {type(first).__name__}", retryable=False, kind="protocol")


def _payload(result) -> object:
    """The JSON a tool returned: structured content, else its first text block parsed."""
    if result.structuredContent is not None:
        data = result.structuredContent
        return data.get("result", data) if isinstance(data, dict) and set(data) == {"result"} else data
    for block in result.content:
        if getattr(block, "type", None) == "text":
            try:
                return json.loads(block.text)
            except ValueError:
                return block.text
    return None


@asynccontextmanager
async def _transport(settings: McpSettings, headers: dict):
    """The SDK's streamable HTTP transport with our headers and timeout."""
    sdk = load_sdk()
    if sdk.streamable_http_client is None:
        async with sdk.streamablehttp_client(settings.url, headers=headers, timeout=settings.timeout,
                                         sse_read_timeout=settings.timeout) as streams:
            yield streams
        return
    timeout = httpx.Timeout(settings.timeout, read=settings.timeout)
    # what create_mcp_http_client builds, with the TLS context made once per process:
    # building one costs tens of milliseconds, a third of a call on a local server
    async with httpx.AsyncClient(headers=headers, timeout=timeout, verify=_tls()) as client:
        async with sdk.streamable_http_client(settings.url, http_client=client) as streams:
            yield streams


@functools.cache
def _tls() -> ssl.SSLContext:
    return httpx.create_ssl_context()


async def call_tool_once(settings: McpSettings, tool: str, arguments: dict, mandate_jws: str | None) -> object:
    headers = {}
    if settings.token:
        headers["Authorization"] = f"Bearer {settings.token}"
    if mandate_jws:
        headers["X-Mandate-JWS"] = mandate_jws
    sent = False
    try:
        with anyio.fail_after(settings.timeout):
            async with _transport(settings, headers) as (read, write, _):
                async with load_sdk().ClientSession(read, write) as session:
                    await session.initialize()
                    sent = True
                    result = await session.call_tool(tool, arguments)
    except asyncio.CancelledError:
        raise
    except BaseException as exc:  # noqa: BLE001 - SDK errors arrive as exception groups
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        err = classify(exc, settings.timeout)
        err.sent = sent
        raise err from None
    if result.isError:
        text = " ".join(getattr(b, "text", "") for b in result.content)[:200] or "no detail"
        err = McpCallError(f"tool {tool} failed: {text}", retryable=False, kind="tool_error")
        err.sent = True
        raise err
    return _payload(result)


def _log(level: int, message: str, **fields) -> None:
    log.log(level, message, extra={"fields": fields})


async def call_tool(settings: McpSettings, tool: str, arguments: dict, mandate_jws: str | None,
                    sleep=asyncio.sleep, *, idempotent: bool = True) -> tuple[object, int]:
    """(payload, attempts) with retries per the rules above; McpCallError (with .attempts
    and .sent) when it gives up."""
    attempt = 0
    while True:
        attempt += 1
        _log(logging.INFO, f"[MCP] Calling real tool: {tool}", tool=tool, attempt=attempt)
        t0 = time.perf_counter()
        try:
            payload = await call_tool_once(settings, tool, arguments, mandate_jws)
        except McpCallError as exc:
            exc.attempts = attempt
            retry = exc.retryable and attempt <= settings.retries and (idempotent or not exc.sent)
            _log(logging.WARNING, f"[MCP] Tool {tool} failed: {exc.reason}", tool=tool, attempt=attempt,
                 duration_ms=round((time.perf_counter() - t0) * 1000, 1), retrying=retry, detail=exc.message,
                 sent=exc.sent)
            if not retry:
                raise
            await sleep(settings.backoff * (2 ** (attempt - 1)))
            continue
        _log(logging.INFO, f"[MCP] Tool {tool} succeeded", tool=tool, attempt=attempt,
             duration_ms=round((time.perf_counter() - t0) * 1000, 1))
        return payload, attempt
