"""The long-running queue worker (``pgcadence worker``, and the worker service of
``pgcadence serve``).

Everything that decides something lives in SQL (sql/queue/): which jobs are due and in
what order, leases and their expiry, backoff, fencing, the pause switch, how long to sleep
until the next job is due. The worker runs handlers and keeps one statement in flight:
``job_queue_complete_and_claim`` records the outcomes of the jobs that finished since the
last call and claims the next ones (of the task types it has handlers for) in one round
trip and one commit. It claims up to one batch ahead of its running jobs, so a handler
slot that frees up finds a claimed job waiting instead of a round trip. Round trips run as
tasks, up to two at once on two connections, so handlers keep starting and finishing and
the database works on one call while the worker handles the other's rows. Handlers run
in ``concurrency`` long-lived slots (tasks), not in a task per job: a handler that returns
without suspending frees its slot for the next job at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from datetime import timedelta
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable

import psycopg

from pgcadence import event_loop, logging_setup
from pgcadence.errors import CadenceError
from pgcadence import queries as q
from pgcadence.queue import sql
from pgcadence.queue.job import (JobContext, JobFailed, decode_payload, default_worker_id, encode_result,
                                 error_text, is_async_handler, job_log, log_outcome, run_handler)
from pgcadence.queue.registry import Handler, registered_handlers

from pgcadence.metrics import process as metrics

log = logging.getLogger("pgcadence.queue")

_CONNECTION_ERRORS = (psycopg.OperationalError, psycopg.InterfaceError)
_PERMANENT_CONNECT_ERRORS = ("does not exist", "authentication failed", "no pg_hba.conf entry",
                             "permission denied", "invalid connection option", "invalid URI")
# Round trips (job_queue_complete_and_claim calls) in flight at once, one connection each:
# a second one starts only with a full batch to claim or half a batch to record, so that
# it overlaps the first instead of splitting its batch.
PIPELINE = 2


def _event(level: int, name: str, **fields: Any) -> None:
    log.log(level, name, extra={"fields": {"event": name, **fields}})


def _array(items) -> str:
    """Job ids (uuid text) or lease tokens as an array literal: psycopg adapts a list one
    element at a time in Python, which cost more per job than the rest of the round trip."""
    return "{" + ",".join(map(str, items)) + "}"


def retryable_error(exc: psycopg.OperationalError) -> bool:
    """Worth trying again: the server is not there (yet) — down, restarting, starting up,
    shutting down, or the network (SQLSTATE classes 08, 57) —, it rolled the statement
    back to resolve a conflict (40: a deadlock, a serialization failure; every statement
    of the worker is one transaction, so nothing of it happened), or it ran short of a
    resource such as connection slots (53). As opposed to a wrong password or database
    name, which waiting does not fix."""
    state = getattr(exc, "sqlstate", None)
    if state is not None:
        return state[:2] in ("08", "57", "40", "53")
    # libpq's connection failures carry no SQLSTATE: tell the permanent ones by their text
    text = str(exc)
    return not any(m in text for m in _PERMANENT_CONNECT_ERRORS)


class QueueWorker:
    """A long-running worker: LISTEN/NOTIFY wake-up with a polling fallback, at most
    ``concurrency`` jobs at a time, claims of up to ``batch_size`` jobs ahead, lease
    heartbeats, graceful stop, reconnection when PostgreSQL goes away (or is not up yet).

    ``await QueueWorker(dsn).run(stop_event)`` returns after ``stop_event`` is set and
    in-flight jobs finished (or, after ``shutdown_timeout`` seconds, were released).
    ``job_log_level``: the level of the per-job lines of jobs that succeeded or were
    released (failed attempts log at warning, jobs that end failed at error).
    """

    def __init__(self, dsn: str, *, handlers: dict[str, Handler] | None = None, concurrency: int = 10,
                 batch_size: int | None = None, lease: float = 60.0, heartbeat_interval: float | None = None,
                 poll_interval: float = 5.0, worker_id: str | None = None, shutdown_timeout: float = 30.0,
                 reconnect_max_delay: float = 5.0, job_log_level: int = logging.INFO) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.dsn = dsn
        self.handlers = registered_handlers() if handlers is None else dict(handlers)
        self.task_types = sorted(self.handlers)
        self._is_async = {t: is_async_handler(fn) for t, fn in self.handlers.items()}
        self.concurrency = concurrency
        self.batch_size = min(batch_size or concurrency, concurrency)
        self.lease = float(lease)
        self._lease_iv = timedelta(seconds=self.lease)  # as SQL takes it
        self.heartbeat_interval = heartbeat_interval or max(self.lease / 3, 0.1)
        self.poll_interval = poll_interval
        self.worker_id = worker_id or default_worker_id()
        self.shutdown_timeout = shutdown_timeout
        self.reconnect_max_delay = reconnect_max_delay
        self.job_log_level = job_log_level
        self.stats = {"claimed": 0, "succeeded": 0, "failed": 0, "lost": 0, "released": 0, "reconnects": 0}
        self.ready = asyncio.Event()  # set once the first claim went through
        # plain handlers run here; not the loop's default executor, so that a handler
        # still blocked after shutdown_timeout does not hold up the caller's loop shutdown
        self._executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="queue-handler")
        self._held: dict[str, JobContext] = {}  # claimed and not yet reported: heartbeats keep these
        self._waiting: deque[tuple[JobContext, str | None]] = deque()  # claimed ahead, not started
        self._tasks: dict[int, tuple[asyncio.Task, JobContext]] = {}  # running handlers: slot -> (its task, the job)
        self._slots: list[asyncio.Task] = []  # one per handler that may run at once (concurrency)
        self._sleepers: list[tuple[int, asyncio.Future]] = []  # slots with nothing to do
        self._rousing = False  # a slot was woken and has not run yet
        self._ok: list[tuple[JobContext, str | None, float]] = []  # finished, to record as succeeded
        self._bad: list[tuple[JobContext, str, float]] = []  # finished, to record as failed
        self._wake = asyncio.Event()
        self._claim_after = 0.0  # monotonic time before which the queue is known to have nothing due
        self._idle: list[psycopg.AsyncConnection] = []  # connections no round trip uses right now
        self._steps: set[asyncio.Task] = set()  # round trips in flight
        self._claiming = 0  # jobs asked for by the round trips in flight
        self._step_error: BaseException | None = None
        self._stopping = False
        self._announced = False
        self._give_up_at: float | None = None  # stopping: stop retrying the database after this

    # -- connections -------------------------------------------------------
    async def _connect(self) -> psycopg.AsyncConnection:
        # named in pg_stat_activity, so that an operator sees which worker holds a connection
        return await psycopg.AsyncConnection.connect(self.dsn, autocommit=True, connect_timeout=5,
                                                     application_name=f"pgcadence-worker {self.worker_id}"[:63])

    async def _retrying(self, what: str, fn: Callable[[], Awaitable[Any]]):
        """Run ``fn`` until it stops raising connection errors and the other errors worth
        retrying (retryable_error), or, stopping, the time to give up has come."""
        delay = 0.1
        while True:
            try:
                return await fn()
            except _CONNECTION_ERRORS as exc:
                if self._give_up_at is not None and time.monotonic() > self._give_up_at:
                    raise
                state = getattr(exc, "sqlstate", None)
                if isinstance(exc, psycopg.OperationalError) and not retryable_error(exc):
                    if state is not None and state[:2] not in ("08", "28", "3D"):
                        # not about connecting (e.g. a program limit): say what the server said
                        raise CadenceError(f"the database refused the worker's {what}: "
                                           f"{str(exc).strip().splitlines()[0]} (SQLSTATE {state})") from None
                    raise CadenceError(f"cannot connect to the database: {str(exc).strip().splitlines()[-1]}") from None
                self.stats["reconnects"] += 1  # _execute closed the connection
                _event(logging.WARNING, "db_conflict" if (state or "")[:2] == "40" else "db_unavailable",
                       during=what, error=str(exc).strip()[:300], sqlstate=state, retry_in_s=round(delay, 2),
                       worker=self.worker_id)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.reconnect_max_delay)

    async def _acquire(self) -> psycopg.AsyncConnection:
        """A connection for one round trip: an idle one, or a new one."""
        while self._idle:
            conn = self._idle.pop()
            if not conn.closed:
                return conn
        conn = await self._connect()
        try:
            await self._announce(conn)
        except BaseException:
            await conn.close()
            raise
        return conn

    async def _execute(self, query: str, params: tuple, fetch: bool = True) -> list:
        conn = await self._acquire()
        try:
            cur = await conn.execute(query, params, prepare=True)
            rows = await cur.fetchall() if fetch else []
        except _CONNECTION_ERRORS:
            await conn.close()
            raise
        except BaseException:
            self._idle.append(conn)
            raise
        self._idle.append(conn)
        return rows

    async def _announce(self, conn: psycopg.AsyncConnection) -> None:
        """On (re)connect: the queue must be installed; record this worker and its task
        types (for doctor) and, once, its handlers (create_cron_job accepts only those)."""
        try:
            await conn.execute(sql.WORKER_ALIVE, (self.worker_id, self.task_types, self._lease_iv))
        except psycopg.errors.UndefinedFunction:
            raise CadenceError("the job queue is not installed in this database (or is older than this "
                               "pgcadence): run 'pgcadence migrate'") from None
        if self._announced:
            return
        self._announced = True
        try:
            cur = await conn.execute(sql.HAS_REGISTER_HANDLER, (q.REGISTER_JOB_HANDLER.regprocedure,))
            if (await cur.fetchone())[0]:
                for name, fn in sorted(self.handlers.items()):
                    doc = (getattr(fn, "__doc__", None) or "").strip().splitlines()
                    await conn.execute(sql.REGISTER_HANDLER, (name, doc[0][:200] if doc else ""))
        except psycopg.DatabaseError as exc:  # advisory: the worker still runs
            _event(logging.WARNING, "register_handlers_failed", error=str(exc).strip()[:300], worker=self.worker_id)

    # -- main loop ---------------------------------------------------------
    async def run(self, stop_event: asyncio.Event | None = None) -> dict:
        stop = stop_event or asyncio.Event()
        helpers = [asyncio.create_task(self._listen(stop), name="queue-listen"),
                   asyncio.create_task(self._heartbeats(), name="queue-heartbeat"),
                   asyncio.create_task(self._watch_stop(stop), name="queue-stop")]
        self._slots = [asyncio.create_task(self._slot(n), name=f"queue-slot-{n}") for n in range(self.concurrency)]
        _event(logging.INFO, "worker_start", worker=self.worker_id, concurrency=self.concurrency,
               batch_size=self.batch_size, handlers=self.task_types,
               event_loop=event_loop.name(asyncio.get_running_loop()))
        try:
            await self._loop(stop)
        finally:
            for t in helpers + self._slots:
                t.cancel()
            for t in self._steps:
                t.cancel()
            await asyncio.gather(*helpers, *self._slots, *self._steps, return_exceptions=True)
            for conn in self._idle:
                if not conn.closed:
                    try:
                        await conn.execute(sql.WORKER_STOPPED, (self.worker_id,))
                        break
                    except psycopg.Error:
                        pass
            for conn in self._idle:
                await conn.close()
            self._executor.shutdown(wait=False, cancel_futures=True)
            _event(logging.INFO, "worker_stop", worker=self.worker_id, **self.stats)
        return dict(self.stats)

    async def _watch_stop(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._wake.set()

    def _want(self) -> int:
        """How many jobs to claim now: up to a batch, keeping at most a batch claimed ahead
        of the running jobs (counting the claims in flight)."""
        room = self.concurrency + self.batch_size - len(self._tasks) - len(self._waiting) - self._claiming
        return max(0, min(self.batch_size, room))

    async def _loop(self, stop: asyncio.Event) -> None:
        deadline = None  # when stopping: the end of the shutdown grace period
        while True:
            if self._step_error is not None:
                if isinstance(self._step_error, _CONNECTION_ERRORS):  # only once giving up while stopping
                    _event(logging.WARNING, "finish_failed", worker=self.worker_id,
                           jobs=[c.id for c, *_ in self._ok + self._bad])
                    return
                raise self._step_error
            if stop.is_set() and deadline is None:
                deadline = time.monotonic() + self.shutdown_timeout
                self._give_up_at = deadline + 10
                self._stopping = True
                if self._tasks:
                    _event(logging.INFO, "worker_draining", in_flight=len(self._tasks),
                           timeout_s=self.shutdown_timeout, worker=self.worker_id)
            if self._stopping and self._waiting:
                await self._release_waiting()
                continue
            want = 0 if self._stopping else self._want()
            claim = want > 0 and time.monotonic() >= self._claim_after
            if (self._ok or self._bad or claim) and self._may_launch(want if claim else 0):
                self._launch(want if claim else 0)
                continue
            if self._stopping and not (self._tasks or self._steps or self._ok or self._bad):
                return
            self._wake.clear()
            timeout = None
            if deadline is not None:
                timeout = deadline - time.monotonic()
                if timeout <= 0 and self._tasks:
                    await self._abandon_running()
                    continue
                timeout = max(timeout, 0.05)
            elif want > 0 and not self._steps:
                timeout = self._claim_after - time.monotonic()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout)
            except asyncio.TimeoutError:
                pass

    def _may_launch(self, want: int) -> bool:
        if not self._steps:
            return True
        return len(self._steps) < PIPELINE and (
            want >= self.batch_size or 2 * (len(self._ok) + len(self._bad)) >= self.batch_size)

    def _launch(self, want: int) -> None:
        """Start one round trip: it takes the outcomes finished so far and claims up to ``want``."""
        ok, bad = self._ok, self._bad
        self._ok, self._bad = [], []
        self._claiming += want
        task = asyncio.create_task(self._step(ok, bad, want))
        self._steps.add(task)

    async def _step(self, ok: list, bad: list, want: int) -> None:
        """One round trip: record what finished, claim up to ``want`` more."""
        results = [r for _, r, _ in ok]
        params = (_array(c.id for c, _, _ in ok), _array(c.lease_token for c, _, _ in ok),
                  results if any(r is not None for r in results) else None,
                  want, self.worker_id, self._lease_iv, self.task_types,
                  _array(c.id for c, _, _ in bad), _array(c.lease_token for c, _, _ in bad), [e for _, e, _ in bad])
        try:
            rows = await self._retrying("step", lambda: self._execute(sql.STEP, params))
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # noqa: BLE001 - handed to the main loop
            self._ok[:0], self._bad[:0] = ok, bad  # not recorded
            self._step_error = exc
            rows = None
        finally:
            self._claiming -= want
            self._steps.discard(asyncio.current_task())
            self._wake.set()
        if rows is None:
            return
        reported: dict[str, tuple] = {}
        claimed = 0
        for kind, job_id, token, task_type, raw, attempt, max_attempts, run_at, wait_s in rows:
            if kind == "job":
                ctx = JobContext(job_id, task_type, attempt, max_attempts, self.worker_id, dsn=self.dsn,
                                 lease_token=token)
                self._held[job_id] = ctx
                self._waiting.append((ctx, raw))
                claimed += 1
            elif kind == "wait" or kind == "paused":
                pause = self.poll_interval if wait_s is None else min(self.poll_interval, wait_s + 0.005)
                self._claim_after = time.monotonic() + pause
            else:
                reported[job_id] = (kind, run_at)
        self._report(ok, bad, reported)
        if want:
            self.stats["claimed"] += claimed
            metrics.job_claimed(self.worker_id, claimed)
            self.ready.set()
        self._rouse()

    def _report(self, ok: list, bad: list, reported: dict[str, tuple]) -> None:
        held, stats, level = self._held, self.stats, self.job_log_level
        with logging_setup.batched():  # the batch's lines in one write
            sink = logging_setup.direct(job_log, level) if ok else None
            outcomes = ["lost" if ctx.id in reported else "succeeded" for ctx, _, _ in ok]
            metrics.jobs_finished(self.worker_id, [(ctx.task_type, outcome, ms)
                                                   for (ctx, _, ms), outcome in zip(ok, outcomes)])
            for (ctx, _, ms), outcome in zip(ok, outcomes):
                held.pop(ctx.id, None)
                stats[outcome] += 1
                log_outcome(ctx, outcome, ms, level, sink=sink, counted=True)
            for ctx, err, ms in bad:
                held.pop(ctx.id, None)
                outcome, run_at = reported.get(ctx.id, ("lost", None))
                stats["lost" if outcome == "lost" else "failed"] += 1
                log_outcome(ctx, outcome, ms, level, error=err, next_run_at=run_at if outcome == "retry" else None)

    # -- running jobs --------------------------------------------------------
    def _rouse(self) -> None:
        """Wake one idle slot when jobs wait. One at a time: a handler that does not
        suspend leaves its slot free for the next job at once, so a batch of quick jobs
        runs in one slot without a task switch per job; a slot that starts a job wakes
        the next one before it runs it, in case this one suspends."""
        while self._waiting and self._sleepers and not self._rousing and not self._stopping:
            _, fut = self._sleepers.pop()
            if not fut.done():  # a cancelled slot's future: try the next one
                self._rousing = True
                fut.set_result(None)

    async def _slot(self, n: int) -> None:
        """Slot ``n``: one handler at a time, for as long as the worker runs. Takes the
        next claimed job, runs its handler, keeps the outcome for the next round trip."""
        loop = asyncio.get_running_loop()
        waiting, handlers, is_async, running = self._waiting, self.handlers, self._is_async, self._tasks
        me = asyncio.current_task()
        try:
            while True:
                if not waiting or self._stopping:
                    fut = loop.create_future()
                    self._sleepers.append((n, fut))
                    await fut
                    self._rousing = False
                    continue
                ctx, raw = waiting.popleft()
                running[n] = (me, ctx)
                self._rouse()
                t0 = time.monotonic()
                try:
                    ctx.payload = decode_payload(raw)
                    fn = handlers.get(ctx.task_type)
                    if fn is None:
                        raise JobFailed(f"no handler registered for task type '{ctx.task_type}'")
                    if is_async[ctx.task_type]:  # as run_handler, without a coroutine of its own
                        result = encode_result(await fn(ctx.payload, ctx))
                    else:
                        result = await run_handler(fn, False, ctx, self._executor)
                except asyncio.CancelledError:
                    if me.cancelling():  # the worker cancels this slot: shutting down
                        raise
                    # the handler's own (an inner task it awaited was cancelled): its attempt failed
                    self._bad.append((ctx, "CancelledError: the handler was cancelled",
                                      round((time.monotonic() - t0) * 1000, 2)))
                except Exception as exc:  # noqa: BLE001 - a handler's failure is data
                    self._bad.append((ctx, error_text(exc), round((time.monotonic() - t0) * 1000, 2)))
                else:
                    self._ok.append((ctx, result, round((time.monotonic() - t0) * 1000, 2)))
                finally:
                    running.pop(n, None)
                self._wake.set()
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # noqa: BLE001 - a bug here must stop the worker, not one slot
            self._step_error = exc
            self._wake.set()

    # -- wake-ups and leases -------------------------------------------------
    async def _listen(self, stop: asyncio.Event) -> None:
        """LISTEN for enqueue notifications; reconnects forever; wakes the loop."""
        delay = 0.1
        while not stop.is_set():
            try:
                conn = await self._connect()
                try:
                    await conn.execute(f"LISTEN {sql.CHANNEL}")
                    self._claim_after = 0.0  # something may have been enqueued while we were away
                    self._wake.set()
                    delay = 0.1
                    async for _ in conn.notifies():
                        self._claim_after = 0.0
                        self._wake.set()
                finally:
                    await conn.close()
            except _CONNECTION_ERRORS:
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.reconnect_max_delay)

    async def _heartbeats(self) -> None:
        """Every heartbeat_interval: extend the leases of every held job in one statement,
        flag the jobs whose claim no longer holds them, and renew this worker's record."""
        conn = None
        while True:
            await asyncio.sleep(self.heartbeat_interval)
            jobs = list(self._held.values())
            try:
                if conn is None or conn.closed:
                    conn = await self._connect()
                if jobs:
                    cur = await conn.execute(sql.HEARTBEAT, ([c.id for c in jobs], [c.lease_token for c in jobs],
                                                             self._lease_iv))
                    kept = {r[0] for r in await cur.fetchall()}
                    for c in jobs:
                        if c.id not in kept and c.id in self._held and not c.lease_lost:
                            c.lease_lost = True
                            _event(logging.WARNING, "lease_lost", job_id=c.id, attempt=c.attempt, worker=self.worker_id)
                await conn.execute(sql.WORKER_ALIVE, (self.worker_id, self.task_types, self._lease_iv))
            except _CONNECTION_ERRORS:
                conn = None
            except psycopg.Error as exc:
                _event(logging.WARNING, "heartbeat_failed", error=str(exc).strip()[:300], worker=self.worker_id)
            except asyncio.CancelledError:
                if conn is not None:
                    await conn.close()
                raise

    # -- shutdown ----------------------------------------------------------
    async def _release_waiting(self) -> None:
        """Stopping: jobs claimed ahead never started; hand them back at once."""
        waiting = [ctx for ctx, _ in self._waiting]
        self._waiting.clear()
        await self._release(waiting, f"worker {self.worker_id} stopped before starting it", log_them=False)

    async def _abandon_running(self) -> None:
        """The grace period is over: cancel the handlers still running, release their jobs."""
        tasks = dict(self._tasks.values())
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        await self._release(list(tasks.values()), f"worker {self.worker_id} shut down", log_them=True)

    async def _release(self, jobs: list[JobContext], reason: str, log_them: bool) -> None:
        if not jobs:
            return

        async def release():
            for c in list(jobs):
                if (await self._execute(sql.RELEASE, (c.id, c.lease_token, reason)))[0][0]:
                    self.stats["released"] += 1
                    if log_them:
                        log_outcome(c, "released", None, self.job_log_level)
                self._held.pop(c.id, None)
                jobs.remove(c)

        try:
            await asyncio.wait_for(self._retrying("release", release), 10)
        except (asyncio.TimeoutError, *_CONNECTION_ERRORS):
            _event(logging.WARNING, "release_failed", jobs=[c.id for c in jobs], worker=self.worker_id)
