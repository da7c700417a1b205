"""The upstream client movies.py and game_platform.py share, against a real HTTP server on
127.0.0.1: answers, timeouts, and bodies over the size limit (refused while they stream in)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from pgcadence.upstream import MAX_BODY_ENV, UpstreamClient
from tests.net_helpers import DEADLINE, Upstream


@pytest.fixture(scope="module")
def server():
    u = Upstream()
    yield u
    u.close()


def get(server, path: str, **kw):
    async def go():
        async with UpstreamClient(f"http://127.0.0.1:{server.port}", "s3cret-key", 5000, **kw) as client:
            return await client.get(path)
    return asyncio.run(go())


def test_an_answer_within_the_limit(server):
    a = get(server, "/sized?bytes=1500", max_body=2000)
    assert a.status == 200 and a.error is None and len(a.raw) == 1500 and a.body is None and not a.json_ok
    assert server.seen[-1].headers["Authorization"] == "Bearer s3cret-key"


def test_an_endless_body_is_cut_at_the_limit(server):
    a = get(server, "/stream?tag=upstream-endless&bytes=endless", max_body=100_000)
    assert a.status is None and a.raw == b"" and a.body is None and not a.timed_out
    assert a.error == f"response body over 100000 bytes (the limit is {MAX_BODY_ENV})"
    assert server.hung_up.setdefault("upstream-endless", threading.Event()).wait(DEADLINE)


def test_the_limit_from_the_environment_and_the_content_length(server, monkeypatch):
    monkeypatch.setenv(MAX_BODY_ENV, "1000")
    a = get(server, "/sized?bytes=1001")
    assert a.error.startswith("response body over 1000 bytes") and a.status is None


def test_a_timeout_is_an_answer_too(server):
    async def go():
        async with UpstreamClient(f"http://127.0.0.1:{server.port}", None, 200) as client:
            return await client.get("/block", {"tag": "upstream-slow"})
    try:
        a = asyncio.run(go())
    finally:
        server.release("upstream-slow")
    assert a.timed_out and a.error == "Timeout of 200 ms reached" and a.endpoint == "/block?tag=upstream-slow"
