"""A local HTTP server that records every request (method, path, headers, decoded body):
the webhook receiver of the alert tests and the Sentry ingest of the Sentry test."""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
import time
from dataclasses import dataclass

from aiohttp import web
from port_for import get_port


@dataclass
class Received:
    method: str
    path: str
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)

    def envelope_items(self) -> list[tuple[dict, dict | None]]:
        """A Sentry envelope's items as (item header, payload parsed as JSON when it is)."""
        lines = self.body.split(b"\n")
        items = []
        i = 1  # line 0: the envelope header
        while i < len(lines) - 1:
            if not lines[i].strip():
                i += 1
                continue
            header = json.loads(lines[i])
            payload = lines[i + 1]
            try:
                items.append((header, json.loads(payload)))
            except ValueError:
                items.append((header, None))
            i += 2
        return items


class Recorder:
    """aiohttp on 127.0.0.1 in a thread; answers 200 {} to everything."""

    def __init__(self) -> None:
        self.port = get_port(None)
        self.received: list[Received] = []
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, daemon=True)
        self._thread.start()
        assert self._ready.wait(10)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()  # aiohttp already undoes a gzip/deflate Content-Encoding
        if body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        self.received.append(Received(request.method, request.path, dict(request.headers), body))
        return web.json_response({})

    def _main(self) -> None:
        self.loop = asyncio.new_event_loop()
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        self.loop.run_until_complete(self._runner.setup())
        self.loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port).start())
        self._ready.set()
        self.loop.run_forever()

    def wait_for(self, pred, timeout: float = 60.0) -> list[Received]:
        """Every request so far once ``pred(received list)`` holds."""
        deadline = time.monotonic() + timeout
        while True:
            got = list(self.received)
            if pred(got):
                return got
            if time.monotonic() > deadline:
                raise AssertionError(f"the recorder never saw what was expected; it got {len(got)} request(s)")
            time.sleep(0.05)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
