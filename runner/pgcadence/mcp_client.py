"""Calling a provider's MCP server: the official MCP Python SDK over streamable HTTP.

The resilience rules (docs/requirements.md, "Cache warming"), for every call:

* a timeout per attempt (``MCP_TIMEOUT_SECONDS``, default 30 s) covering connect,
  initialize and the tool call;
* up to ``MCP_MAX_RETRIES`` (3) retries with exponential backoff (``MCP_RETRY_BACKOFF_SECONDS``
  × 2^n, default 1 s, 2 s, 4 s) on network errors, timeouts and HTTP 5xx;
* no retry on HTTP 4xx (a refused mandate or token will not get better) nor on a tool
  that answered with an error.

Errors are ``McpCallError`` with a short message that never includes the tool arguments
(which carry the provider credential).
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass

import anyio
import httpx
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client
from mcp.shared.exceptions import McpError


@dataclass
class McpSettings:
    url: str
    token: str
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 1.0

    @classmethod
    def from_env(cls, url: str, token: str) -> "McpSettings":
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


class McpCallError(Exception):
    def __init__(self, message: str, *, retryable: bool, status: int | None = None) -> None:
        super().__init__(message)
        self.message, self.retryable, self.status = message, retryable, status
        self.attempts = 1


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
            return McpCallError(f"MCP server answered HTTP {code}", retryable=code >= 500, status=code)
    for e in leaves:
        if isinstance(e, (TimeoutError, httpx.TimeoutException)):
            return McpCallError(f"MCP call timed out after {timeout:g} s", retryable=True)
    for e in leaves:
        if isinstance(e, httpx.TransportError):
            return McpCallError(f"network error reaching the MCP server: {type(e).__name__}", retryable=True)
    for e in leaves:
        if isinstance(e, McpError):
            return McpCallError(f"MCP error: {e.error.message[:200]}", retryable=False)
    first = leaves[0] if leaves else exc
    return McpCallError(f"MCP call failed: {type(first).__name__}", retryable=False)


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


async def call_tool_once(settings: McpSettings, tool: str, arguments: dict, mandate_jws: str) -> object:
    headers = {"Authorization": f"Bearer {settings.token}", "X-Mandate-JWS": mandate_jws}
    try:
        with anyio.fail_after(settings.timeout):
            async with streamablehttp_client(settings.url, headers=headers, timeout=settings.timeout,
                                             sse_read_timeout=settings.timeout) as (read, write, _):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    result = await session.call_tool(tool, arguments)
    except asyncio.CancelledError:
        raise
    except BaseException as exc:  # noqa: BLE001 - SDK errors arrive as exception groups
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise classify(exc, settings.timeout) from None
    if result.isError:
        text = " ".join(getattr(b, "text", "") for b in result.content)[:200] or "no detail"
        raise McpCallError(f"tool {tool} failed: {text}", retryable=False)
    return _payload(result)


async def call_tool(settings: McpSettings, tool: str, arguments: dict, mandate_jws: str,
                    sleep=asyncio.sleep) -> tuple[object, int]:
    """(payload, attempts) with retries per the rules above; McpCallError (with .attempts) when it gives up."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return await call_tool_once(settings, tool, arguments, mandate_jws), attempt
        except McpCallError as exc:
            exc.attempts = attempt
            if not exc.retryable or attempt > settings.retries:
                raise
            await sleep(settings.backoff * (2 ** (attempt - 1)))
