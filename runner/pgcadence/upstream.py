"""The one HTTP client the package's upstream integrations share (the movie API in
movies.py, the game platform in game_platform.py).

``UpstreamClient.get`` sends one GET with the API key (bearer header or a query
parameter), a total timeout and a limit on the response body, and returns an ``Answer``
that always says what happened — status and parsed JSON, or the error — so that the
caller hands it to SQL, which decides what it means (retry, wait, fail). It never raises
for the upstream's sake; the key never appears in what it returns.

The body limit: ``max_body`` (bytes), else ``$PGCADENCE_UPSTREAM_MAX_RESPONSE_BYTES``,
else 10 MiB. A larger body is an error like a timeout: ``error`` says so, no body.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp

from pgcadence.httpread import DEFAULT_MAX_BYTES, BodyTooLarge, limit_from_env, read_body

MAX_BODY_ENV = "PGCADENCE_UPSTREAM_MAX_RESPONSE_BYTES"


@dataclass
class Answer:
    """What one GET gave: ``status`` and ``body`` (parsed JSON, None when empty or not JSON),
    or ``error`` (with ``timed_out`` for a timeout) when no complete answer came."""

    endpoint: str  # path and query as logged (never the key)
    status: int | None = None
    headers: dict = field(default_factory=dict)
    body: Any = None
    raw: bytes = b""
    error: str | None = None
    timed_out: bool = False
    duration_ms: int = 0

    @property
    def json_ok(self) -> bool:
        """The body parsed as JSON (or was empty)."""
        return not self.raw or self.body is not None


class UpstreamClient:
    """``async with UpstreamClient(base_url, api_key, timeout_ms) as client: await client.get(path)``."""

    def __init__(self, base_url: str, api_key: str | None, timeout_ms: int, *, auth_style: str = "bearer",
                 max_body: int | None = None, session: aiohttp.ClientSession | None = None) -> None:
        if auth_style not in ("bearer", "query"):
            raise ValueError(f"auth_style must be bearer or query, not {auth_style!r}")
        self.base_url, self.api_key, self.timeout_ms, self.auth_style = base_url, api_key, timeout_ms, auth_style
        self.max_body = max_body or limit_from_env(MAX_BODY_ENV, DEFAULT_MAX_BYTES)
        self._session = session
        self._owns_session = session is None

    async def __aenter__(self) -> "UpstreamClient":
        if self._session is None:
            self._session = session()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    def _redact(self, text: str) -> str:
        return text.replace(self.api_key, "***") if self.api_key else text

    async def get(self, path: str, params: dict | None = None) -> Answer:
        params = dict(params or {})
        answer = Answer(path + ("?" + urlencode(params) if params else ""))
        headers = {"Accept": "application/json"}
        if self.api_key and self.auth_style == "bearer":
            headers["Authorization"] = f"Bearer {self.api_key}"
        elif self.api_key:
            params["api_key"] = self.api_key
        t0 = time.monotonic()
        try:
            async with self._session.get(self.base_url + path, params=params, headers=headers,
                                         timeout=aiohttp.ClientTimeout(total=self.timeout_ms / 1000)) as resp:
                answer.status = resp.status
                answer.headers = dict(resp.headers.items())
                answer.raw = await read_body(resp, self.max_body)
        except asyncio.TimeoutError:
            answer.timed_out, answer.error = True, f"Timeout of {self.timeout_ms} ms reached"
        except BodyTooLarge as exc:
            answer.error = f"{exc} (the limit is {MAX_BODY_ENV})"
        except aiohttp.ClientError as exc:
            answer.error = self._redact(f"{type(exc).__name__}: {exc}")[:500]
        answer.duration_ms = round((time.monotonic() - t0) * 1000)
        if answer.error is not None:
            answer.status, answer.raw = None, b""
        elif answer.raw:
            try:
                answer.body = json.loads(answer.raw)
            except ValueError:
                answer.body = None
        return answer


def session() -> aiohttp.ClientSession:
    """A session for upstream APIs: no cookies kept, statuses returned, not raised."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar(), raise_for_status=False)
