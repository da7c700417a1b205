"""A real MCP server on loopback playing the provider (the "MCP server" cache warming calls).

Built with the official SDK (FastMCP, streamable HTTP, stateless, JSON responses) and
served by uvicorn in a thread. It exposes the tool ``scp.get_programs`` and, in front of
it, a small gate that behaves like a provider's edge:

* ``Authorization: Bearer <token>`` must be the access token, else 401;
* ``X-Mandate-JWS`` must verify with the project's mandate public key, else 401;
* per org_ref (read from the JSON-RPC ``tools/call`` body):
    ``slow_orgs``     the tool sleeps ``slow_seconds`` (longer than the client's timeout);
    ``flaky_orgs``    {org: n}: the first n tool calls answer HTTP 503;
    ``reject_orgs``   the mandate is refused for this org: HTTP 403.

It counts tool calls per org and the peak number of tool calls running at once, and
logs nothing about the arguments (they carry the credential).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import jwt
import uvicorn
from mcp.server.fastmcp import FastMCP
from port_for import get_port

PROGRAMS = {
    "blackhawk-ski-club": {
        "lessons": [{"id": "bh-l-1", "title": "Nordic Kids Wednesday"}, {"id": "bh-l-2", "title": "Adult Skate Clinic"},
                    {"id": "bh-l-3", "title": "Telemark Basics"}],
        "teams": [{"id": "bh-t-1", "title": "Junior Race Team"}, {"id": "bh-t-2", "title": "Masters Team"}],
    },
}


def programs_for(org: str, category: str) -> list[dict]:
    return PROGRAMS.get(org, {}).get(category) or [{"id": f"{org}-{category}-1", "title": f"{org} {category}"}]


@dataclass
class FakeProvider:
    token: str
    public_key_pem: str
    password: str
    slow_orgs: set = field(default_factory=set)
    slow_seconds: float = 1.5
    flaky_orgs: dict = field(default_factory=dict)
    reject_orgs: set = field(default_factory=set)
    calls: Counter = field(default_factory=Counter)
    active: int = 0
    peak: int = 0
    hold_seconds: float = 0.0  # how long every tool call takes (to observe concurrency)
    url: str = ""

    def reset(self) -> None:
        self.calls.clear()
        self.peak = 0


def build_app(fake: FakeProvider):
    mcp = FastMCP("fake-provider", stateless_http=True, json_response=True, log_level="WARNING")

    @mcp.tool(name="scp.get_programs", description="List the programs of an organisation")
    async def get_programs(org_ref: str, category: str, credentials: dict) -> dict:
        fake.active += 1
        fake.peak = max(fake.peak, fake.active)
        try:
            if credentials.get("password") != fake.password:
                raise ValueError("provider login failed")
            if org_ref in fake.slow_orgs:
                await asyncio.sleep(fake.slow_seconds)
            elif fake.hold_seconds:
                await asyncio.sleep(fake.hold_seconds)
            return {"org_ref": org_ref, "category": category, "programs": programs_for(org_ref, category)}
        finally:
            fake.active -= 1

    inner = mcp.streamable_http_app()

    async def gate(scope, receive, send):
        if scope["type"] != "http":
            await inner(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
        chunks, more = [], True
        while more:
            msg = await receive()
            chunks.append(msg.get("body", b""))
            more = msg.get("more_body", False)
        body = b"".join(chunks)

        async def reply(status: int, text: str) -> None:
            payload = json.dumps({"error": text}).encode()
            await send({"type": "http.response.start", "status": status,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": payload})

        if headers.get("authorization") != f"Bearer {fake.token}":
            await reply(401, "bad access token")
            return
        try:
            jwt.decode(headers.get("x-mandate-jws", ""), fake.public_key_pem, algorithms=["EdDSA"],
                       options={"verify_aud": False})
        except jwt.InvalidTokenError:
            await reply(401, "mandate refused")
            return
        org = None
        try:
            msg = json.loads(body or b"{}")
            if isinstance(msg, dict) and msg.get("method") == "tools/call":
                org = msg["params"]["arguments"].get("org_ref")
        except (ValueError, KeyError, TypeError):
            pass
        if org is not None:
            fake.calls[org] += 1
            if org in fake.reject_orgs:
                await reply(403, "mandate not accepted for this organisation")
                return
            if fake.flaky_orgs.get(org, 0) > 0:
                fake.flaky_orgs[org] -= 1
                await reply(503, "temporarily unavailable")
                return
        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await inner(scope, replay, send)

    # uvicorn must run the inner app's lifespan (the session manager)
    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            await inner(scope, receive, send)
        else:
            await gate(scope, receive, send)

    return app


class FakeServer:
    """``with FakeServer(fake) as url:`` runs the provider on 127.0.0.1 until the block ends."""

    def __init__(self, fake: FakeProvider) -> None:
        self.fake = fake
        self.port = get_port(None)
        config = uvicorn.Config(build_app(fake), host="127.0.0.1", port=self.port, log_config=None,
                                access_log=False, lifespan="on", timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the fake MCP server did not start")
            time.sleep(0.02)
        self.fake.url = f"http://127.0.0.1:{self.port}/mcp"
        return self.fake.url

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
