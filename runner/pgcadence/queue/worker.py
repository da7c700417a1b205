"""The job queue's Python side: a handler registry, the long-running worker and
``process_due`` (what ``/api/jobs/run`` calls).

Everything that decides something lives in SQL (sql/queue/): which jobs are due,
leases and their expiry, backoff, attempt fencing, the pause switch. This module only
runs handlers and reports their outcome through ``job_queue_complete_batch`` /
``job_queue_fail`` / ``job_queue_heartbeat`` / ``job_queue_release``.

A handler is ``(payload: dict, context: JobContext) -> result`` (plain or ``async``),
registered under a task type::

    from pgcadence.queue.worker import handler

    @handler("send_digest")
    def send_digest(payload, ctx):
        ...
        return {"sent": 3}        # stored as job_queue.result (jsonb)

Plain functions run in a thread, so they may block; an exception fails the attempt
(retried with backoff until max_attempts).
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import inspect
import json
import logging
import os
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Iterable

import psycopg
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from pgcadence.metrics import process as metrics

log = logging.getLogger("pgcadence.queue")

CHANNEL = "pgcadence_job_queue"  # NOTIFY channel of the enqueue trigger (sql/queue/notify.sql)
MAX_RUN_BATCH = 100  # process_due never takes more than this many jobs per call

Handler = Callable[[dict, "JobContext"], Any]
_REGISTRY: dict[str, Handler] = {}


# ---------------------------------------------------------------- registry
def handler(task_type: str, registry: dict[str, Handler] | None = None) -> Callable[[Handler], Handler]:
    """Decorator: register ``fn(payload, context)`` for ``task_type``."""

    def register(fn: Handler) -> Handler:
        (_REGISTRY if registry is None else registry)[task_type] = fn
        return fn

    return register


def registered_handlers() -> dict[str, Handler]:
    """A copy of the default registry."""
    return dict(_REGISTRY)


def load_handler_modules(names: Iterable[str]) -> None:
    """Import modules whose ``@handler`` decorators fill the default registry.

    The current directory is importable, as with ``python -m`` (uvicorn and celery do the same).
    """
    import sys

    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    for name in names:
        name = name.strip()
        if name:
            importlib.import_module(name)


# The package's own handler modules, loaded by `pgcadence serve`, `pgcadence worker` and
# /api/jobs/run so that every task type the migrations schedule has its handler.
DEFAULT_HANDLER_MODULES: tuple[str, ...] = ("pgcadence.movies", "pgcadence.cache.tiered", "pgcadence.game_platform",
                                            "pgcadence.mcp_tools", "pgcadence.demo")


def load_default_handlers() -> None:
    """Import the package's handler modules and those named in $PGCADENCE_HANDLERS
    (comma-separated); idempotent, imports are cached."""
    extra = [m for m in os.environ.get("PGCADENCE_HANDLERS", "").split(",") if m.strip()]
    load_handler_modules([*DEFAULT_HANDLER_MODULES, *extra])


@dataclass
class JobContext:
    """What a handler knows about the job it runs."""

    id: str
    task_type: str
    attempt: int
    max_attempts: int
    worker_id: str
    payload: dict = field(repr=False, default_factory=dict)
    lease_lost: bool = False  # set when a heartbeat finds the job taken back: stop early
    dsn: str | None = field(repr=False, default=None)  # the runner's database, for handlers that need SQL

    @property
    def dry_run(self) -> bool:
        return bool(self.payload.get("dryRun"))


class UnknownTaskType(Exception):
    pass


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


async def _run_handler(handlers: dict[str, Handler], row: dict, worker_id: str,
                       executor: ThreadPoolExecutor | None = None, dsn: str | None = None,
                       ctx: JobContext | None = None) -> tuple[Any, JobContext]:
    """Run the handler of ``row``; ``ctx`` is the caller's context when it must see the
    handler's flags (the worker's heartbeats set ``lease_lost`` on it)."""
    if ctx is None:
        ctx = JobContext(str(row["id"]), row["task_type"], row["attempt"], row["max_attempts"], worker_id,
                         row["payload"] or {}, dsn=dsn)
    fn = handlers.get(row["task_type"])
    if fn is None:
        known = ", ".join(sorted(handlers)) or "none"
        raise UnknownTaskType(f"no handler registered for task type '{row['task_type']}' (registered: {known})")
    if inspect.iscoroutinefunction(fn):
        result = await fn(ctx.payload, ctx)
    else:
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(executor, functools.partial(fn, ctx.payload, ctx))
        if inspect.isawaitable(result):
            result = await result
    return result, ctx


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, UnknownTaskType):
        return str(exc)
    text = f"{type(exc).__name__}: {exc}"
    return text[:8192]


def _json_result(result: Any) -> Jsonb | None:
    if result is None:
        return None
    return Jsonb(json.loads(json.dumps(result, default=str)))


# a failed attempt that will be retried is a warning; a job that ends failed is an error
_JOB_LEVELS = {"retry": logging.WARNING, "lost": logging.WARNING, "failed": logging.ERROR}


def log_job(record: dict) -> None:
    """One structured line per finished job attempt (its fields: id, task_type, attempt,
    worker, outcome, duration_ms, error); also counted in the process metrics."""
    metrics.job_finished(record)
    outcome = record.get("outcome")
    log.log(_JOB_LEVELS.get(outcome, logging.INFO), "job %s %s", record.get("task_type"), outcome,
            extra={"event": "job", **record})


CLAIM_SQL = """SELECT id, task_type, payload, attempt, max_attempts
               FROM public.job_queue_claim(%s, %s, make_interval(secs => %s))"""
FAIL_SQL = "SELECT status, run_at FROM public.job_queue_fail(%s, %s, %s)"


# ---------------------------------------------------------------- process_due
@asynccontextmanager
async def _borrow(conn_or_pool):
    if isinstance(conn_or_pool, AsyncConnectionPool):
        async with conn_or_pool.connection() as conn:
            yield conn
    else:
        yield conn_or_pool


async def process_due(conn_or_pool, n: int = 10, worker_id: str | None = None, *,
                      handlers: dict[str, Handler] | None = None, lease: float = 300.0,
                      dsn: str | None = None, unknown: str = "fail") -> dict:
    """Claim up to ``n`` due jobs (capped at 100), run their handlers concurrently,
    record each outcome, and return the seed's report::

        {"status": "ok", "processed": 3, "succeeded": 2, "failed": 1, "results": [...]}

    ``conn_or_pool``: an autocommit ``psycopg.AsyncConnection`` or an ``AsyncConnectionPool``.
    ``failed`` counts failed attempts (whether a retry is scheduled or not).
    ``dsn`` (default: a pool's conninfo) is handed to handlers as ``context.dsn``.
    ``unknown``: what to do with a job whose task type has no handler here — ``"fail"``
    (an attempt fails with a clear error) or ``"release"`` (handed back with
    ``job_queue_release``, no attempt used; the report then also counts ``released``).
    """
    if unknown not in ("fail", "release"):
        raise ValueError("unknown must be 'fail' or 'release'")
    handlers = registered_handlers() if handlers is None else handlers
    if dsn is None and isinstance(conn_or_pool, AsyncConnectionPool):
        dsn = conn_or_pool.conninfo
    worker_id = worker_id or default_worker_id()
    n = max(1, min(int(n), MAX_RUN_BATCH))
    async with _borrow(conn_or_pool) as conn:
        cur = await conn.execute(CLAIM_SQL, (n, worker_id, lease))
        cols = [c.name for c in cur.description]
        rows = [dict(zip(cols, r)) for r in await cur.fetchall()]
    metrics.job_claimed(worker_id, len(rows))
    lock = asyncio.Lock()

    async def one(row: dict) -> dict:
        t0 = time.monotonic()
        rec = {"id": str(row["id"]), "task_type": row["task_type"], "attempt": row["attempt"], "worker": worker_id}
        if unknown == "release" and row["task_type"] not in handlers:
            async with lock, _borrow(conn_or_pool) as conn:
                await conn.execute("SELECT public.job_queue_release(%s, %s, %s)",
                                   (row["id"], row["attempt"], f"{worker_id} has no handler for this task type"))
            rec.update(outcome="released", duration_ms=round((time.monotonic() - t0) * 1000, 1))
            log_job(rec)
            return rec
        try:
            result, _ = await _run_handler(handlers, row, worker_id, dsn=dsn)
        except Exception as exc:  # noqa: BLE001 - a handler's failure is data
            err = _error_text(exc)
            async with lock, _borrow(conn_or_pool) as conn:
                cur = await conn.execute(FAIL_SQL, (row["id"], err, row["attempt"]))
                st = await cur.fetchone()
            outcome = "lost" if st is None else ("retry" if st[0] == "pending" else "failed")
            rec.update(outcome=outcome, error=err)
            if st is not None and st[0] == "pending":
                rec["next_run_at"] = st[1].isoformat()
        else:
            async with lock, _borrow(conn_or_pool) as conn:
                cur = await conn.execute("SELECT public.job_queue_complete(%s, %s, %s)",
                                         (row["id"], _json_result(result), row["attempt"]))
                applied = (await cur.fetchone())[0]
            rec.update(outcome="succeeded" if applied else "lost")
            if applied and result is not None:
                rec["result"] = result
        rec["duration_ms"] = round((time.monotonic() - t0) * 1000, 1)
        log_job({k: v for k, v in rec.items() if k != "result"})
        return rec

    results = list(await asyncio.gather(*(one(r) for r in rows)))
    report = {
        "status": "ok",
        "processed": sum(r["outcome"] != "released" for r in results),
        "succeeded": sum(r["outcome"] == "succeeded" for r in results),
        "failed": sum(r["outcome"] in ("retry", "failed") for r in results),
        "results": results,
    }
    if unknown == "release":
        report["released"] = sum(r["outcome"] == "released" for r in results)
    return report


# ---------------------------------------------------------------- the worker
@dataclass
class _Finish:
    job_id: Any
    attempt: int
    result: Any = None
    error: str | None = None
    done: asyncio.Future | None = None


class QueueWorker:
    """A long-running worker: LISTEN/NOTIFY wake-up with a polling fallback, at most
    ``concurrency`` jobs at a time, batch claims and batch completions, lease
    heartbeats, graceful stop, reconnection when PostgreSQL goes away.

    ``await QueueWorker(dsn).run(stop_event)`` returns after ``stop_event`` is set and
    in-flight jobs finished (or, after ``shutdown_timeout`` seconds, were released).
    """

    def __init__(self, dsn: str, *, handlers: dict[str, Handler] | None = None, concurrency: int = 10,
                 batch_size: int | None = None, lease: float = 60.0, heartbeat_interval: float | None = None,
                 poll_interval: float = 5.0, worker_id: str | None = None, shutdown_timeout: float = 30.0,
                 reconnect_max_delay: float = 5.0) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.dsn = dsn
        self.handlers = registered_handlers() if handlers is None else handlers
        self.concurrency = concurrency
        self.batch_size = min(batch_size or concurrency, concurrency)
        self.lease = float(lease)
        self.heartbeat_interval = heartbeat_interval or max(self.lease / 3, 0.1)
        self.poll_interval = poll_interval
        self.worker_id = worker_id or default_worker_id()
        self.shutdown_timeout = shutdown_timeout
        self.reconnect_max_delay = reconnect_max_delay
        self.stats = {"claimed": 0, "succeeded": 0, "failed": 0, "lost": 0, "released": 0, "reconnects": 0}
        self._inflight: dict[asyncio.Task, JobContext] = {}
        self._kick = asyncio.Event()
        self._finish_q: asyncio.Queue[_Finish] = asyncio.Queue()
        # plain handlers run here; not the loop's default executor, so that a handler
        # still blocked after shutdown_timeout does not hold up the caller's loop shutdown
        self._executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="queue-handler")
        self._pool: AsyncConnectionPool | None = None
        self._claim_conn: psycopg.AsyncConnection | None = None
        self.ready = asyncio.Event()  # set once the first claim went through

    # -- connections -------------------------------------------------------
    async def _connect(self) -> psycopg.AsyncConnection:
        return await psycopg.AsyncConnection.connect(self.dsn, autocommit=True, connect_timeout=5)

    async def _retrying(self, what: str, fn: Callable[[], Awaitable[Any]], stop: asyncio.Event | None = None):
        """Run ``fn`` until it stops raising connection errors (or stop is set)."""
        delay = 0.1
        while True:
            try:
                return await fn()
            except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                if stop is not None and stop.is_set():
                    raise
                self.stats["reconnects"] += 1
                log.warning(json.dumps({"event": "db_unavailable", "during": what, "error": str(exc).strip()[:300],
                                        "retry_in_s": round(delay, 2)}))
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.reconnect_max_delay)

    # -- main loop ---------------------------------------------------------
    async def run(self, stop_event: asyncio.Event | None = None) -> dict:
        stop = stop_event or asyncio.Event()
        self._pool = AsyncConnectionPool(self.dsn, min_size=1, max_size=3, open=False, timeout=10,
                                         kwargs={"autocommit": True}, check=AsyncConnectionPool.check_connection)
        await self._pool.open(wait=False)
        await self._register_handlers()
        helpers = [asyncio.create_task(self._listen(stop), name="queue-listen"),
                   asyncio.create_task(self._finisher(), name="queue-finish"),
                   asyncio.create_task(self._heartbeats(stop), name="queue-heartbeat"),
                   asyncio.create_task(self._watch_stop(stop), name="queue-stop")]
        log.info(json.dumps({"event": "worker_start", "worker": self.worker_id, "concurrency": self.concurrency,
                             "handlers": sorted(self.handlers)}))
        try:
            await self._loop(stop)
            await self._drain()
        finally:
            for t in helpers:
                t.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
            if self._claim_conn is not None:
                await self._claim_conn.close()
            await self._pool.close()
            self._executor.shutdown(wait=False, cancel_futures=True)
            log.info(json.dumps({"event": "worker_stop", "worker": self.worker_id, **self.stats}))
        return dict(self.stats)

    async def _register_handlers(self) -> None:
        """Record our task types in public.job_handlers (create_cron_job accepts only those)."""
        try:
            async with self._pool.connection(timeout=10) as conn:
                cur = await conn.execute("SELECT to_regprocedure('public.register_job_handler(text,text)') IS NOT NULL")
                if not (await cur.fetchone())[0]:
                    return
                for name, fn in sorted(self.handlers.items()):
                    doc = (getattr(fn, "__doc__", None) or "").strip().splitlines()
                    await conn.execute("SELECT public.register_job_handler(%s, %s)", (name, doc[0][:200] if doc else ""))
        except Exception as exc:  # noqa: BLE001 - registration is advisory; the worker still runs
            log.warning(json.dumps({"event": "register_handlers_failed", "error": str(exc).strip()[:300]}))

    async def _watch_stop(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._kick.set()

    async def _claim(self, n: int) -> list[dict]:
        if self._claim_conn is None or self._claim_conn.closed:
            self._claim_conn = await self._connect()
            # A claim lost in a crash only means the job runs again, which the queue
            # allows anyway (at-least-once): claims need not wait for the WAL flush.
            # Completions, failures and releases stay synchronous.
            await self._claim_conn.execute("SET synchronous_commit = off")
        try:
            cur = await self._claim_conn.execute(CLAIM_SQL, (n, self.worker_id, self.lease))
            rows = await cur.fetchall()
        except (psycopg.OperationalError, psycopg.InterfaceError):
            await self._claim_conn.close()
            self._claim_conn = None
            raise
        return [{"id": r[0], "task_type": r[1], "payload": r[2], "attempt": r[3], "max_attempts": r[4]} for r in rows]

    async def _seconds_until_due(self) -> float:
        # paused: sleep the poll interval (job_queue_resume() NOTIFYs anyway)
        cur = await self._claim_conn.execute(
            """SELECT CASE WHEN NOT public.job_queue_paused()
                           THEN extract(epoch FROM public.job_queue_next_run_at() - clock_timestamp())::float8 END""")
        (secs,) = await cur.fetchone()
        return self.poll_interval if secs is None else max(0.0, min(self.poll_interval, secs + 0.005))

    async def _loop(self, stop: asyncio.Event) -> None:
        delay = 0.1
        while not stop.is_set():
            free = self.concurrency - len(self._inflight)
            if free <= 0:
                self._kick.clear()
                await self._kick.wait()
                continue
            want = min(free, self.batch_size)
            self._kick.clear()
            try:
                rows = await self._claim(want)
                wait = 0.0 if len(rows) == want else await self._seconds_until_due()
                delay = 0.1
            except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                self.stats["reconnects"] += 1
                log.warning(json.dumps({"event": "db_unavailable", "during": "claim", "error": str(exc).strip()[:300],
                                        "retry_in_s": round(delay, 2)}))
                try:
                    await asyncio.wait_for(stop.wait(), delay)
                except asyncio.TimeoutError:
                    pass
                delay = min(delay * 2, self.reconnect_max_delay)
                continue
            self.ready.set()
            metrics.job_claimed(self.worker_id, len(rows))
            for row in rows:
                self.stats["claimed"] += 1
                task = asyncio.create_task(self._run_job(row))
                self._inflight[task] = None  # filled by _run_job
            if wait > 0:
                try:
                    await asyncio.wait_for(self._kick.wait(), wait)
                except asyncio.TimeoutError:
                    pass

    async def _listen(self, stop: asyncio.Event) -> None:
        """LISTEN for enqueue notifications; reconnects forever; wakes the loop."""
        delay = 0.1
        while not stop.is_set():
            try:
                conn = await self._connect()
                try:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self._kick.set()  # something may have been enqueued while we were away
                    delay = 0.1
                    async for _ in conn.notifies():
                        self._kick.set()
                finally:
                    await conn.close()
            except (psycopg.OperationalError, psycopg.InterfaceError):
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.reconnect_max_delay)

    # -- one job -----------------------------------------------------------
    async def _run_job(self, row: dict) -> None:
        task = asyncio.current_task()
        t0 = time.monotonic()
        ctx = JobContext(str(row["id"]), row["task_type"], row["attempt"], row["max_attempts"], self.worker_id,
                         row["payload"] or {}, dsn=self.dsn)
        self._inflight[task] = ctx  # the heartbeats flag lease_lost on this very context
        fin = _Finish(row["id"], row["attempt"], done=asyncio.get_running_loop().create_future())
        try:
            try:
                fin.result, _ = await _run_handler(self.handlers, row, self.worker_id, self._executor, ctx=ctx)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001
                fin.error = _error_text(exc)
            await self._finish_q.put(fin)
            outcome = await fin.done
            self.stats["lost" if outcome == "lost" else ("failed" if fin.error else "succeeded")] += 1
            rec = {"id": ctx.id, "task_type": ctx.task_type, "attempt": ctx.attempt, "worker": self.worker_id,
                   "duration_ms": round((time.monotonic() - t0) * 1000, 1), "outcome": outcome}
            if fin.error:
                rec["error"] = fin.error
            log_job(rec)
        finally:
            self._inflight.pop(task, None)
            self._kick.set()

    async def _finisher(self) -> None:
        """Write outcomes: successes in one job_queue_complete_batch, failures one by one."""
        while True:
            batch = [await self._finish_q.get()]
            while not self._finish_q.empty() and len(batch) < 1000:
                batch.append(self._finish_q.get_nowait())
            ok = [f for f in batch if f.error is None]
            bad = [f for f in batch if f.error is not None]

            async def write():
                async with self._pool.connection() as conn:
                    applied: set = set()
                    if ok:
                        cur = await conn.execute(
                            "SELECT public.job_queue_complete_batch(%s::uuid[], %s::int[], %s::jsonb[])",
                            ([f.job_id for f in ok], [f.attempt for f in ok], [_json_result(f.result) for f in ok]))
                        applied = {r[0] for r in await cur.fetchall()}
                    outcomes = {id(f): ("succeeded" if f.job_id in applied else "lost") for f in ok}
                    for f in bad:
                        cur = await conn.execute(FAIL_SQL, (f.job_id, f.error, f.attempt))
                        st = await cur.fetchone()
                        outcomes[id(f)] = "lost" if st is None else ("retry" if st[0] == "pending" else "failed")
                    return outcomes

            outcomes = await self._retrying("finish", write)
            for f in batch:
                if not f.done.done():
                    f.done.set_result(outcomes[id(f)])

    async def _heartbeats(self, stop: asyncio.Event) -> None:
        """Every heartbeat_interval extend the lease of all in-flight jobs in one statement."""
        while True:
            await asyncio.sleep(self.heartbeat_interval)
            jobs = [c for c in self._inflight.values() if c is not None]
            if not jobs:
                continue
            try:
                async with self._pool.connection() as conn:
                    cur = await conn.execute(
                        """SELECT t.id, public.job_queue_heartbeat(t.id, make_interval(secs => %s), t.attempt)
                           FROM unnest(%s::uuid[], %s::int[]) AS t(id, attempt)""",
                        (self.lease, [c.id for c in jobs], [c.attempt for c in jobs]))
                    lost = {str(r[0]) for r in await cur.fetchall() if r[1] is None}
            except (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout):
                continue
            for c in jobs:
                if c.id in lost and not c.lease_lost:
                    c.lease_lost = True
                    log.warning(json.dumps({"event": "lease_lost", "id": c.id, "attempt": c.attempt}))

    # -- shutdown ----------------------------------------------------------
    async def _drain(self) -> None:
        """Let in-flight jobs finish for up to shutdown_timeout, then release the rest."""
        tasks = list(self._inflight)
        if tasks:
            log.info(json.dumps({"event": "worker_draining", "in_flight": len(tasks),
                                 "timeout_s": self.shutdown_timeout}))
            done, pending = await asyncio.wait(tasks, timeout=self.shutdown_timeout)
            if pending:
                ctxs = [self._inflight.get(t) for t in pending]
                for t in pending:
                    t.cancel()
                await asyncio.gather(*pending, return_exceptions=True)

                async def release():
                    async with self._pool.connection() as conn:
                        for c in ctxs:
                            if c is None:
                                continue
                            cur = await conn.execute("SELECT public.job_queue_release(%s, %s, %s)",
                                                     (c.id, c.attempt, f"worker {self.worker_id} shut down"))
                            if (await cur.fetchone())[0]:
                                self.stats["released"] += 1
                                log_job({"id": c.id, "task_type": c.task_type, "attempt": c.attempt,
                                         "worker": self.worker_id, "outcome": "released"})

                try:
                    await asyncio.wait_for(self._retrying("release", release), 10)
                except asyncio.TimeoutError:
                    log.warning(json.dumps({"event": "release_failed", "jobs": [c.id for c in ctxs if c]}))
