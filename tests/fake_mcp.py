"""A real MCP server on loopback playing the provider.

Built with the official SDK (FastMCP, streamable HTTP, stateless, JSON responses) and
served by uvicorn in a thread. It exposes the provider's five tools (scp.search_providers,
scp.get_programs, scp.check_prerequisites, scp.discover_required_fields,
scp.submit_registration) and, in front of them, a small gate that behaves like a
provider's edge:

* ``Authorization: Bearer <token>`` must be the access token, else 401;
* ``X-Mandate-JWS`` must verify with the project's mandate public key, else 401;
* per org_ref (read from the JSON-RPC ``tools/call`` body):
    ``slow_orgs``     the tool sleeps ``slow_seconds`` (longer than the client's timeout);
    ``flaky_orgs``    {org: n}: the first n tool calls answer HTTP 503;
    ``reject_orgs``   the mandate is refused for this org: HTTP 403;
* per tool name, the same modes: ``slow_tools``, ``flaky_tools`` {tool: n},
  ``reject_tools``; and ``error_tools`` (the tool answers with an MCP tool error).

Tools that log in (all but search) need ``credentials`` with the right password. It
counts tool calls per org and per tool (a call counts once the gate received it), keeps
the mandates it was sent per tool and the registrations it accepted, the peak number of
tool calls running at once, and logs nothing about the arguments (they carry the
credential). Every answer carries ``"served_by": "fake-provider"``.
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
    slow_tools: set = field(default_factory=set)
    flaky_tools: dict = field(default_factory=dict)
    reject_tools: set = field(default_factory=set)
    error_tools: set = field(default_factory=set)
    tool_calls: Counter = field(default_factory=Counter)
    mandates: dict = field(default_factory=dict)  # tool -> the last X-Mandate-JWS it was sent
    registrations: list = field(default_factory=list)
    url: str = ""

    def reset(self) -> None:
        self.calls.clear()
        self.tool_calls.clear()
        self.peak = 0
        self.slow_tools, self.flaky_tools, self.reject_tools, self.error_tools = set(), {}, set(), set()
        self.registrations.clear()


def build_app(fake: FakeProvider):
    mcp = FastMCP("fake-provider", stateless_http=True, json_response=True, log_level="WARNING")

    def login(credentials: dict | None) -> None:
        if not isinstance(credentials, dict) or credentials.get("password") != fake.password:
            raise ValueError("provider login failed")

    async def busy(name: str, org: str | None):
        fake.active += 1
        fake.peak = max(fake.peak, fake.active)
        if name in fake.error_tools:
            fake.active -= 1
            raise ValueError(f"{name} is broken today")
        if org in fake.slow_orgs or name in fake.slow_tools:
            await asyncio.sleep(fake.slow_seconds)
        elif fake.hold_seconds:
            await asyncio.sleep(fake.hold_seconds)
        fake.active -= 1

    @mcp.tool(name="scp.search_providers", description="Find providers by name or location")
    async def search_providers(query: str, location: str | None = None) -> dict:
        await busy("scp.search_providers", None)
        slug = "-".join(query.lower().split())
        return {"served_by": "fake-provider", "providers": [
            {"id": f"skiclubpro:{slug}", "provider": "skiclubpro", "org_ref": slug, "name": query,
             "location": location or "Middleton, WI"}]}

    @mcp.tool(name="scp.get_programs", description="List the programs of an organisation")
    async def get_programs(org_ref: str, category: str, credentials: dict) -> dict:
        login(credentials)
        await busy("scp.get_programs", org_ref)
        return {"served_by": "fake-provider", "org_ref": org_ref, "category": category,
                "programs": programs_for(org_ref, category)}

    @mcp.tool(name="scp.check_prerequisites", description="Membership, waivers and other prerequisites")
    async def check_prerequisites(org_ref: str, credentials: dict, program_id: str | None = None) -> dict:
        login(credentials)
        await busy("scp.check_prerequisites", org_ref)
        return {"served_by": "fake-provider", "org_ref": org_ref, "program_id": program_id, "ready": True,
                "checks": [{"name": "membership", "status": "ok"}]}

    @mcp.tool(name="scp.discover_required_fields", description="The fields of a program's registration form")
    async def discover_required_fields(org_ref: str, program_id: str, credentials: dict) -> dict:
        login(credentials)
        await busy("scp.discover_required_fields", org_ref)
        return {"served_by": "fake-provider", "org_ref": org_ref, "program_id": program_id,
                "fields": [{"name": "participant_name", "type": "text", "required": True}]}

    @mcp.tool(name="scp.submit_registration", description="Submit the final registration")
    async def submit_registration(org_ref: str, program_id: str, credentials: dict, answers: dict | None = None) -> dict:
        login(credentials)
        await busy("scp.submit_registration", org_ref)
        confirmation = f"REG-{len(fake.registrations) + 1:04d}"
        fake.registrations.append({"org_ref": org_ref, "program_id": program_id, "answers": answers or {},
                                   "confirmation_id": confirmation})
        return {"served_by": "fake-provider", "status": "confirmed", "confirmation_id": confirmation}

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
        org = tool = None
        try:
            msg = json.loads(body or b"{}")
            if isinstance(msg, dict) and msg.get("method") == "tools/call":
                tool = msg["params"]["name"]
                org = msg["params"]["arguments"].get("org_ref")
        except (ValueError, KeyError, TypeError, AttributeError):
            pass
        if tool is not None:
            fake.tool_calls[tool] += 1
            fake.mandates[tool] = headers.get("x-mandate-jws", "")
            if tool in fake.reject_tools:
                await reply(403, "mandate not accepted for this tool")
                return
            if fake.flaky_tools.get(tool, 0) > 0:
                fake.flaky_tools[tool] -= 1
                await reply(503, "temporarily unavailable")
                return
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
