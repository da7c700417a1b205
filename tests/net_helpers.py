"""Helpers for tests that need the net sender: a real upstream on 127.0.0.1 and a sender
running in a thread. Used by tests/test_net.py; other end-to-end tests may reuse them::

    from tests.net_helpers import Upstream, WorkerThread, wait_row
    w = WorkerThread(db_url)            # NetWorker in its own thread, ready when this returns
    rid = conn.execute("select net.http_get(%s)", (url,)).fetchone()[0]
    row = wait_row(conn, rid)           # dict of the net._http_response row
    w.close()
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass

from aiohttp import web
from port_for import get_port

from pgcadence.net.sender import NetWorker

DEADLINE = 30.0  # generous upper bound for "eventually"; never a performance assertion


# ---------------------------------------------------------------- upstream server
@dataclass
class Seen:
    method: str
    path: str
    headers: dict
    body: bytes


class Upstream:
    """aiohttp.web on 127.0.0.1 in a thread. /ok, /status?code=, /block?tag= (waits for release),
    /stream?tag=&bytes=N (N bytes in 64 KiB chunks, no Content-Length; bytes=endless: until
    the client hangs up), /sized?bytes=N (N bytes with their Content-Length)."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.streamed: dict[str, int] = {}  # /stream tag -> bytes written when it ended
        self.hung_up: dict[str, threading.Event] = {}  # /stream tag -> the client stopped reading
        self.port = get_port(None)
        self._arrived: dict[str, threading.Event] = {}
        self._gates: dict[str, asyncio.Event] = {}
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, daemon=True)
        self._thread.start()
        assert self._ready.wait(10)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def arrived(self, tag: str) -> threading.Event:
        return self._arrived.setdefault(tag, threading.Event())

    def _gate(self, tag: str) -> asyncio.Event:
        return self._gates.setdefault(tag, asyncio.Event())

    def release(self, tag: str) -> None:
        self.loop.call_soon_threadsafe(lambda: self._gate(tag).set())

    def count(self, needle: str) -> int:
        return sum(needle in s.path for s in list(self.seen))

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.seen.append(Seen(request.method, request.path_qs, dict(request.headers), body))
        route = request.match_info["route"]
        if route == "ok":
            resp = web.Response(text="hello")
            resp.headers.add("X-Dup", "first")
            resp.headers.add("X-Dup", "last")
            return resp
        if route == "status":
            code = int(request.query["code"])
            return web.Response(status=code) if code == 204 else web.Response(status=code, text=f"status {code}")
        if route == "stream":
            tag, want = request.query["tag"], request.query["bytes"]
            resp = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
            resp.enable_chunked_encoding()
            await resp.prepare(request)
            chunk, sent = b"x" * 65536, 0
            try:
                while want == "endless" or sent < int(want):
                    piece = chunk if want == "endless" else chunk[: int(want) - sent]
                    await resp.write(piece)
                    sent += len(piece)
                await resp.write_eof()
            except (ConnectionResetError, ConnectionError, RuntimeError):
                self.hung_up.setdefault(tag, threading.Event()).set()
            finally:
                self.streamed[tag] = sent
            return resp
        if route == "sized":
            return web.Response(body=b"y" * int(request.query["bytes"]))
        if route == "block":
            tag = request.query["tag"]
            self.arrived(tag).set()
            await self._gate(tag).wait()
            return web.Response(text=f"released {tag}")
        return web.Response(status=404, text="no such route")

    def _main(self) -> None:
        self.loop = asyncio.new_event_loop()
        app = web.Application()
        app.router.add_route("*", "/{route}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        self.loop.run_until_complete(self._runner.setup())
        self.loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port).start())
        self._ready.set()
        self.loop.run_forever()

    def close(self) -> None:
        async def shutdown():
            for g in self._gates.values():
                g.set()
            await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)


# ---------------------------------------------------------------- sender in a thread
class WorkerThread:
    def __init__(self, dsn: str, **kwargs) -> None:
        opts = dict(poll_interval=0.5, maintain_interval=0.3, shutdown_grace=2.0)
        opts.update(kwargs)
        self.worker = NetWorker(dsn, **opts)
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._main, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + DEADLINE
        while not self.worker.ready.is_set():
            assert time.monotonic() < deadline, "sender did not become ready"
            time.sleep(0.02)

    def _main(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._stop = asyncio.Event()
        self.loop.run_until_complete(self.worker.run(self._stop))
        self.loop.close()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(DEADLINE)
        assert not self._thread.is_alive(), "sender did not stop"


def wait_row(conn, rid: int, timeout: float = DEADLINE) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        cur = conn.execute(
            "select id, status_code, content_type, headers, content, timed_out, error_msg"
            " from net._http_response where id = %s", (rid,))
        row = cur.fetchone()
        if row is not None:
            return dict(zip([d.name for d in cur.description], row))
        assert time.monotonic() < deadline, f"no response row for request {rid}"
        time.sleep(0.02)


def wait_for(pred, what: str, timeout: float = DEADLINE):
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)
