"""The sender behind the pg_net-compatible ``net`` schema (sql/net/).

``net.http_get/http_post/http_delete`` only queue a row in ``net.http_request_queue``;
this asyncio worker sends them and writes ``net._http_response`` exactly as pg_net does.
Every decision about the queue (what to claim, when a claim is dead, what a response
row looks like in the table, TTL) is SQL in ``pgcadence.net_*``; Python only talks HTTP.

How it runs (one ``NetWorker`` per process, any number of processes):

- wakes on ``NOTIFY pgcadence_net`` (sent at commit by a trigger on the queue, so a
  rolled-back request wakes nobody and is never seen), else polls every ``poll_interval``;
- claims up to ``batch_size`` requests in one statement (``pgcadence.net_claim``: FOR
  UPDATE SKIP LOCKED + a lease row in ``pgcadence.net_claims``), never more than
  ``concurrency`` in flight;
- sends them concurrently with aiohttp, each with its own timeout; as requests finish
  their rows are written in small groups (whatever finished while the previous write
  ran), each group in one transaction that also deletes the queue rows and claims:
  a slow upstream holds one slot, never a batch;
- holds a session advisory lock ``(pgcadence.net_lock_class(), worker id)`` while connected:
  when a sender dies its claims become dead at once and the next housekeeping run of
  any sender (every ``maintain_interval``, and at start) gives them back to the queue;
- reconnects with backoff when PostgreSQL goes away; requests in flight carry on and
  their results are written after the reconnect;
- on stop: claims nothing more, lets in-flight requests finish for up to
  ``shutdown_grace`` seconds, gives the rest back to the queue.

Delivery is at least once: a request whose response row was not committed (sender
killed, or PostgreSQL down until its claim was reaped) is sent again.

Embedding (``pgcadence serve`` runs it next to the executor in the same event loop)::

    worker = NetWorker(dsn, concurrency=200)          # batch/ttl: pg_net.* settings or defaults
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))      # on startup
    ...                                               # health: worker.ready.is_set(), worker.stats
    stop.set(); await task                            # on shutdown (SIGTERM): drains, then returns
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from dataclasses import dataclass, field

import aiohttp
import psycopg
from aiohttp import hdrs

from pgcadence import queries as q
from pgcadence.httpread import DEFAULT_MAX_BYTES, BodyTooLarge, limit_from_env, read_body
from pgcadence.net import curl

log = logging.getLogger("pgcadence.net")

CHANNEL = "pgcadence_net"
PG_NET_VERSION = "0.20.4"  # the pg_net release whose behaviour this sender reproduces
USER_AGENT = f"pg_net/{PG_NET_VERSION}"
APPLICATION_NAME = "pgcadence net-worker"
DEFAULT_TTL = "6 hours"
DEFAULT_BATCH = 200
MAX_REDIRECTS = 30  # libcurl's default
MAX_RESPONSE_ENV = "PGCADENCE_NET_MAX_RESPONSE_BYTES"
DEFAULT_MAX_RESPONSE_BYTES = DEFAULT_MAX_BYTES


class _CurlLikeRequest(aiohttp.ClientRequest):
    """aiohttp adds ``Content-Length: 0`` to a DELETE without a body; libcurl (pg_net)
    sends no such header, so neither do we (unless the request's own headers set it)."""

    def update_body_from_data(self, body, *args, **kwargs) -> None:
        given = hdrs.CONTENT_LENGTH in self.headers
        super().update_body_from_data(body, *args, **kwargs)
        if body is None and self.method == hdrs.METH_DELETE and not given:
            self.headers.popall(hdrs.CONTENT_LENGTH, None)


@dataclass(slots=True)
class Result:
    """One row for net._http_response."""

    id: int
    status_code: int | None = None
    content_type: str | None = None
    headers: str | None = None  # JSON text
    content: str | None = None
    timed_out: bool = False
    error_msg: str | None = None


@dataclass
class Stats:
    sent: int = 0
    failed: int = 0
    written: int = 0
    reconnects: int = 0
    started: float = field(default_factory=time.time)


class NetWorker:
    """Send what ``net.http_*`` queued. ``await NetWorker(dsn).run(stop_event)``.

    ``ttl`` (an interval text such as ``'6 hours'``) and ``batch_size`` default to the
    ``pg_net.ttl`` / ``pg_net.batch_size`` settings of the connecting role, else 6 hours
    and 200, and are re-read when ``net.worker_restart()`` is called.
    """

    def __init__(
        self,
        dsn: str,
        *,
        concurrency: int = 200,
        batch_size: int | None = None,
        ttl: str | None = None,
        poll_interval: float = 2.0,
        maintain_interval: float = 5.0,
        shutdown_grace: float = 10.0,
        max_timeout_ms: int = 300_000,
        max_response_bytes: int | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.dsn = dsn
        self.concurrency = concurrency
        self._batch_opt = batch_size
        self._ttl_opt = ttl
        self.batch_size = batch_size or DEFAULT_BATCH
        self.ttl = ttl or DEFAULT_TTL
        self.poll_interval = poll_interval
        self.maintain_interval = maintain_interval
        self.shutdown_grace = shutdown_grace
        self.max_timeout_ms = max_timeout_ms
        self.max_response_bytes = max_response_bytes or limit_from_env(MAX_RESPONSE_ENV, DEFAULT_MAX_RESPONSE_BYTES)
        self.worker_id = random.randint(1, 2**31 - 1)
        self.stats = Stats()
        self.ready = asyncio.Event()  # set while connected and claiming (tests, health)
        self._inflight: dict[int, asyncio.Task] = {}
        self._results: list[Result] = []  # finished, not yet written
        self._kick = asyncio.Event()  # something changed: re-evaluate the claim loop
        self._written = asyncio.Event()  # the writer may have something to do
        self._notified = False
        self._restart = False
        self._writing = False
        self._writer: asyncio.Task | None = None
        self._http: aiohttp.ClientSession | None = None

    # ------------------------------------------------------------------ lifecycle
    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Run until ``stop`` is set; reconnects whenever PostgreSQL goes away."""
        stop = stop or asyncio.Event()
        self._http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self.concurrency, limit_per_host=0, ttl_dns_cache=10),
            cookie_jar=aiohttp.DummyCookieJar(),  # curl handles share no cookies
            auto_decompress=False,  # pg_net asks for no encoding and stores the body as sent
            skip_auto_headers=("Accept-Encoding",),
            trace_configs=[curl.trace_config()],
            request_class=_CurlLikeRequest,
        )
        stop_waiter = asyncio.ensure_future(stop.wait())
        stop_waiter.add_done_callback(lambda _: self._kick.set())
        backoff = 0.2
        try:
            while not stop.is_set():
                started = time.monotonic()
                try:
                    await self._session(stop)
                    backoff = 0.2
                except (psycopg.OperationalError, OSError) as exc:
                    self.ready.clear()
                    self.stats.reconnects += 1
                    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[-1]
                    log.warning("database connection lost (%s); reconnecting in %.1f s", reason, backoff)
                except psycopg.Error as exc:
                    self.ready.clear()
                    log.error("database error: %s; retrying in %.1f s", str(exc).strip().splitlines()[0], backoff)
                if stop.is_set():
                    break
                if time.monotonic() - started > 30:
                    backoff = 0.2
                try:
                    await asyncio.wait_for(asyncio.shield(stop_waiter), backoff)
                except asyncio.TimeoutError:
                    pass
                backoff = min(backoff * 2, 5.0)
        finally:
            stop_waiter.cancel()
            self.ready.clear()
            for task in list(self._inflight.values()):
                task.cancel()
            if self._inflight:
                await asyncio.gather(*self._inflight.values(), return_exceptions=True)
            if self._results:
                log.warning("%d finished request(s) could not be recorded; they will be sent again", len(self._results))
            await self._http.close()

    async def _connect(self) -> psycopg.AsyncConnection:
        return await psycopg.AsyncConnection.connect(
            self.dsn, autocommit=True, application_name=APPLICATION_NAME, connect_timeout=10
        )

    async def _session(self, stop: asyncio.Event) -> None:
        """One connected stretch: lock, listen, claim/send/write until stop or restart."""
        self._restart = False
        conns: list[psycopg.AsyncConnection] = []
        tasks: list[asyncio.Task] = []
        try:
            ctl = await self._connect()
            conns.append(ctl)
            real, shim, ttl, batch = await (await ctl.execute(
                "select exists (select 1 from pg_extension where extname = 'pg_net'), to_regprocedure(%s) is not null,"
                " current_setting('pg_net.ttl', true), current_setting('pg_net.batch_size', true)",
                (q.NET_CLAIM.regprocedure,))).fetchone()
            if real:
                log.warning("the real pg_net extension is installed here; it sends its own requests. Idle.")
                await stop.wait()
                return
            if not shim:
                raise psycopg.errors.UndefinedFunction(
                    "the net schema of pgcadence is missing: run 'pgcadence migrate'"
                )
            self.ttl = self._ttl_opt or ttl or DEFAULT_TTL
            self.batch_size = self._batch_opt or (int(batch) if batch and batch.isdigit() and int(batch) > 0 else DEFAULT_BATCH)
            lock_class = (await (await ctl.execute(f"select {q.NET_LOCK_CLASS}")).fetchone())[0]
            while not (await (await ctl.execute("select pg_try_advisory_lock(%s, %s)",
                                                (lock_class, self.worker_id))).fetchone())[0]:
                self.worker_id = random.randint(1, 2**31 - 1)
            await ctl.execute(f"LISTEN {CHANNEL}")
            claim_conn, write_conn, maint_conn = await asyncio.gather(self._connect(), self._connect(), self._connect())
            conns += [claim_conn, write_conn, maint_conn]
            await self._maintain_once(maint_conn)  # give back the claims of senders that died
            log.info(
                "net sender %d ready: concurrency %d, batch %d, ttl %s", self.worker_id, self.concurrency,
                self.batch_size, self.ttl,
            )
            self._notified = True  # look at the queue at once
            self.ready.set()
            self._writer = asyncio.create_task(self._write_loop(write_conn), name="net-write")
            tasks = [
                asyncio.create_task(self._listen(ctl), name="net-listen"),
                self._writer,
                asyncio.create_task(self._maintain_loop(maint_conn), name="net-maintain"),
            ]
            claimer = asyncio.create_task(self._claim_loop(claim_conn, stop), name="net-claim")
            done, _ = await asyncio.wait([claimer, *tasks], return_when=asyncio.FIRST_COMPLETED)
            if claimer not in done:  # a helper failed: its connection is gone
                claimer.cancel()
                await asyncio.gather(claimer, return_exceptions=True)
                for t in done:
                    t.result()  # raises what ended it
                raise psycopg.OperationalError("a sender task ended unexpectedly")
            claimer.result()
            if stop.is_set():
                await self._drain(claim_conn)
        finally:
            self.ready.clear()
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for c in conns:
                try:
                    await c.close()
                except Exception:  # noqa: BLE001 - closing a broken connection
                    pass

    async def _drain(self, conn: psycopg.AsyncConnection) -> None:
        """Stop: let in-flight requests finish (up to the grace), give the rest back."""
        pending = list(self._inflight.values())
        if pending:
            log.info("stopping: waiting up to %.0f s for %d request(s) in flight", self.shutdown_grace, len(pending))
            await asyncio.wait(pending, timeout=self.shutdown_grace)
        left = dict(self._inflight)
        for task in left.values():
            task.cancel()
        if left:
            await asyncio.gather(*left.values(), return_exceptions=True)
            await conn.execute(f"select {q.NET_RELEASE}", (self.worker_id, list(left)))
            log.info("gave %d unfinished request(s) back to the queue", len(left))
        # let the writer record what finished (it is still running)
        deadline = time.monotonic() + 30
        while (self._results or self._writing) and not self._writer.done() and time.monotonic() < deadline:
            self._written.set()
            await asyncio.sleep(0.01)

    # ------------------------------------------------------------------ helpers
    async def _listen(self, ctl: psycopg.AsyncConnection) -> None:
        async for n in ctl.notifies():
            if n.payload == "restart":
                log.info("net.worker_restart() called: reconnecting")
                self._restart = True
            self._notified = True
            self._kick.set()

    async def _maintain_once(self, conn: psycopg.AsyncConnection) -> None:
        reclaimed, expired = await (await conn.execute(
            f"select * from {q.NET_MAINTAIN}", (self.ttl,)
        )).fetchone()
        if reclaimed:
            log.warning("gave %d request(s) of stopped senders back to the queue", reclaimed)
            self._notified = True
            self._kick.set()
        if expired:
            log.info("deleted %d response(s) older than %s", expired, self.ttl)

    async def _maintain_loop(self, conn: psycopg.AsyncConnection) -> None:
        while True:
            await asyncio.sleep(self.maintain_interval)
            await self._maintain_once(conn)

    async def _claim_loop(self, conn: psycopg.AsyncConnection, stop: asyncio.Event) -> None:
        more = False
        last_claim = 0.0
        while not stop.is_set() and not self._restart:
            self._kick.clear()
            free = self.concurrency - len(self._inflight)
            want = min(free, self.batch_size)
            threshold = max(1, min(self.batch_size, self.concurrency) // 4) if more else 1
            now = time.monotonic()
            if want >= threshold and (more or self._notified or now - last_claim >= self.poll_interval):
                self._notified = False
                last_claim = now
                cur = await conn.execute(
                    f"select * from {q.NET_CLAIM}",
                    (self.worker_id, want, self.max_timeout_ms), prepare=True,
                )
                rows = await cur.fetchall()
                for row in rows:
                    task = asyncio.create_task(self._send(row))
                    self._inflight[row[0]] = task
                    task.add_done_callback(lambda t, rid=row[0]: self._finished(rid, t))
                more = len(rows) == want
                continue
            timeout = None if more else max(0.0, last_claim + self.poll_interval - now)
            try:
                await asyncio.wait_for(self._kick.wait(), timeout)
            except asyncio.TimeoutError:
                pass

    def _finished(self, rid: int, task: asyncio.Task) -> None:
        self._inflight.pop(rid, None)
        if task.cancelled():
            return  # given back to the queue by _drain, or re-sent after the lease is reaped
        self._results.append(task.result())
        self._written.set()
        self._kick.set()

    async def _flush_results(self, conn: psycopg.AsyncConnection) -> None:
        while self._results:
            batch, self._results = self._results[:1000], self._results[1000:]
            try:
                await conn.execute(
                    f"select {q.NET_COMPLETE}",
                    (
                        [r.id for r in batch], [r.status_code for r in batch], [r.content_type for r in batch],
                        [r.headers for r in batch], [r.content for r in batch], [r.timed_out for r in batch],
                        [r.error_msg for r in batch],
                    ),
                    prepare=True,
                )
            except BaseException:
                self._results[:0] = batch  # keep them for the next connection
                raise
            self.stats.written += len(batch)

    async def _write_loop(self, conn: psycopg.AsyncConnection) -> None:
        """Write finished requests as they come: a group is whatever finished meanwhile."""
        while True:
            if not self._results:
                self._written.clear()
                await self._written.wait()
            self._writing = True
            try:
                await self._flush_results(conn)
            finally:
                self._writing = False

    # ------------------------------------------------------------------ HTTP
    async def _send(self, row) -> Result:
        rid, method, url, header_lines, body, timeout_ms = row
        effective_ms = timeout_ms if timeout_ms > 0 else self.max_timeout_ms
        headers: list[tuple[str, str]] = []
        skip = ()
        if header_lines is None:
            skip = ("User-Agent",)  # pg_net sends no headers at all for NULL headers
        else:
            for line in header_lines:
                if line is None:
                    continue
                name, _, value = line.partition(":")
                if "\r" in line or "\n" in line:
                    self.stats.failed += 1
                    return Result(rid, error_msg=f'header "{name}" contains a carriage return or line feed')
                headers.append((name.strip(), value.strip()))
            headers.append(("User-Agent", USER_AGENT))
        if body is not None and not any(n.lower() == "content-type" for n, _ in headers):
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))  # libcurl's default
        trace = {"start": time.monotonic()}
        got_headers = False
        try:
            async with self._http.request(
                method, url, headers=headers, data=bytes(body) if body is not None else None,
                timeout=aiohttp.ClientTimeout(total=effective_ms / 1000),
                allow_redirects=True, max_redirects=MAX_REDIRECTS,
                skip_auto_headers=skip, trace_request_ctx=trace,
            ) as resp:
                got_headers = True
                raw = await read_body(resp, self.max_response_bytes)
                hdrs: dict[str, str] = {}
                for k, v in resp.raw_headers:  # as sent, last value wins (jsonb would keep the last too)
                    hdrs[curl.text(k)] = curl.text(v)
                ctype = resp.headers.get("Content-Type")
                self.stats.sent += 1
                return Result(
                    rid,
                    status_code=resp.status,
                    content_type=curl.text(ctype.encode("utf-8", "surrogateescape")) if ctype is not None else None,
                    headers=json.dumps(hdrs),
                    content=curl.text(raw) if raw and raw[0] != 0 else None,
                )
        except asyncio.TimeoutError:
            self.stats.failed += 1
            return Result(rid, timed_out=True, error_msg=curl.timeout_message(effective_ms, trace, time.monotonic()))
        except BodyTooLarge as exc:  # like a timeout: no status, the reason in error_msg
            self.stats.failed += 1
            return Result(rid, error_msg=f"{curl.E_TOO_LARGE} ({exc})")
        except asyncio.CancelledError:
            raise
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            self.stats.failed += 1
            return Result(rid, error_msg=curl.transport_error(exc, got_headers))
        except Exception as exc:  # noqa: BLE001 - a bug must not kill the sender; record it
            log.exception("request %d failed unexpectedly", rid)
            self.stats.failed += 1
            return Result(rid, error_msg=f"{type(exc).__name__}: {exc}")
