"""The PostgreSQL tier of one cache: reads (``cache_get``), what the database says about
refreshing (``cache_due_for_refresh``), and writes through a background writer thread.

The writer retries with exponential backoff (capped, jittered) while PostgreSQL is
unreachable. It holds at most one pending write (a newer document supersedes an older
pending one, which the database would overwrite anyway), so the queue is bounded by
construction; ``cache_put`` refuses to replace a newer copy with an older one, so a late
retry never rolls the database back. The writer also adds the stats counters to
``public.cache_stats`` every ``stats_interval`` seconds.

One lazily opened autocommit connection, shared under a lock, with a circuit breaker:
after a connection failure, reads skip the database until the backoff has passed.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from datetime import datetime, timedelta
from typing import Any, Callable

import psycopg

from pgcadence import queries as q
from pgcadence.cache.fileformat import Entry, decode_payload
from pgcadence.cache.stats import CacheStats

logger = logging.getLogger("pgcadence.cache")


def is_retryable(exc: BaseException) -> bool:
    """Connection trouble is retried; the database refusing the data is not."""
    return isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)) and not isinstance(
        exc, psycopg.errors.ProgramLimitExceeded)


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class DatabaseTier:
    def __init__(self, project: str, cache_type: str, dsn: str, *, stats: CacheStats,
                 max_age: timedelta | None = None, connect_timeout: float = 3.0, retry_base: float = 0.5,
                 retry_cap: float = 30.0, background_retry: bool = True, stats_interval: float = 60.0) -> None:
        self.project, self.cache_type, self.dsn = project, cache_type, dsn
        self.max_age = max_age
        self.connect_timeout = connect_timeout
        self.retry_base, self.retry_cap = retry_base, retry_cap
        self.background_retry = background_retry
        self.stats_interval = stats_interval
        self._stats = stats
        self._conn: psycopg.Connection | None = None
        self._lock = threading.Lock()
        self.down_until = 0.0  # circuit breaker: reads skip the database until then
        self._down = False     # logged as unavailable (log once, then at debug level)

        self._cond = threading.Condition()
        self._pending: Entry | None = None  # latest write not yet in PostgreSQL
        self._in_flight = False
        self._failures = 0
        self._next_attempt = 0.0
        self._next_stats = time.monotonic() + stats_interval
        self._closing = False
        self.closed = False
        self._writer: threading.Thread | None = None
        self.rejected = 0  # writes PostgreSQL refused (not retried)
        self.dropped = 0   # failed writes not retried (background retry off)

    # ------------------------------------------------------------ the connection
    def run(self, fn: Callable[[psycopg.Connection], Any]) -> Any:
        with self._lock:
            if self._conn is None or self._conn.closed:
                self._conn = psycopg.connect(self.dsn, autocommit=True,
                                             connect_timeout=max(1, int(self.connect_timeout)),
                                             options="-c statement_timeout=30000")
            try:
                result = fn(self._conn)
            except psycopg.OperationalError:
                self._drop()
                raise
            except psycopg.Error:
                if self._conn.closed or self._conn.broken:
                    self._drop()
                raise
            self.down_until = 0.0
            return result

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except psycopg.Error:
                pass
        self._conn = None

    @property
    def available(self) -> bool:
        return time.monotonic() >= self.down_until

    def backoff(self, failures: int) -> float:
        delay = min(self.retry_cap, self.retry_base * (2 ** min(failures - 1, 30)))
        return delay * random.uniform(0.5, 1.0)

    def failed(self, exc: BaseException) -> None:
        """PostgreSQL did not answer: open the circuit for a backoff, say so once."""
        if is_retryable(exc):
            self.down_until = time.monotonic() + self.backoff(max(self._failures, 1))
        was_down, self._down = self._down, True
        logger.log(logging.DEBUG if was_down else logging.WARNING,
                   "cache %s/%s: PostgreSQL unavailable, serving memory/file and queueing writes: %s",
                   self.project, self.cache_type, first_line(exc))

    # ------------------------------------------------------------ reads
    def read(self) -> Entry | None:
        """The database copy (None: there is none, or PostgreSQL is away)."""
        if not self.available:
            return None
        self._ensure_writer()  # it also flushes the stats
        t0 = time.perf_counter_ns()
        try:
            row = self.run(lambda c: c.execute(f"select data::text, last_fetch, last_rich_fetch from {q.CACHE_GET}",
                                               (self.project, self.cache_type)).fetchone())
        except psycopg.Error as exc:
            self.failed(exc)
            self._stats.record("db", False, time.perf_counter_ns() - t0, error=True)
            return None
        if row is None:
            self._stats.record("db", False, time.perf_counter_ns() - t0)
            return None
        payload = row[0].encode()
        entry = Entry(decode_payload(payload), row[1], row[2], payload)
        self._stats.record("db", True, time.perf_counter_ns() - t0)
        return entry

    def verdict(self) -> tuple[bool, datetime | None] | None:
        """What PostgreSQL says about this cache: (due for a refresh — cache_due_for_refresh
        with this cache's max_age —, the last_fetch of the copy it holds). None when it
        cannot be asked."""
        if not self.available:
            return None
        try:
            return self.run(lambda c: c.execute(
                f"select {q.CACHE_DUE_FOR_REFRESH}, (select last_fetch from {q.CACHE_GET})",
                (self.project, self.cache_type, self.max_age, self.project, self.cache_type)).fetchone())
        except psycopg.Error as exc:
            self.failed(exc)
            return None

    def due(self) -> bool | None:
        v = self.verdict()
        return None if v is None else v[0]

    # ------------------------------------------------------------ the writer
    def enqueue(self, entry: Entry) -> None:
        with self._cond:
            if self.closed:
                logger.error("cache %s/%s closed: write kept in the file only", self.project, self.cache_type)
                return
            self._pending = entry  # supersedes an older pending version
            self._next_attempt = 0.0 if self._failures == 0 else self._next_attempt
            self._ensure_writer_locked()
            self._cond.notify_all()

    def _ensure_writer(self) -> None:
        with self._cond:
            self._ensure_writer_locked()

    def _ensure_writer_locked(self) -> None:
        if self._writer is None and not self._closing:
            self._writer = threading.Thread(target=self._writer_loop, daemon=True,
                                            name=f"cache-writer-{self.project}/{self.cache_type}")
            self._writer.start()

    def _writer_loop(self) -> None:
        while True:
            with self._cond:
                while True:
                    now = time.monotonic()
                    if self._pending is not None and now >= self._next_attempt:
                        break
                    if self._closing:  # close() already flushed for as long as it was allowed to
                        return
                    if now >= self._next_stats:
                        break
                    wake = self._next_stats if self._pending is None else min(self._next_attempt, self._next_stats)
                    self._cond.wait(timeout=max(0.0, wake - now))
                entry, self._pending = self._pending, None
                self._in_flight = entry is not None
            if entry is not None:
                self._write(entry)
            if time.monotonic() >= self._next_stats:
                self.flush_stats()
                self._next_stats = time.monotonic() + self.stats_interval
            with self._cond:
                self._in_flight = False
                self._cond.notify_all()

    def _write(self, entry: Entry) -> None:
        payload = entry.encoded().decode()
        try:
            written = self.run(lambda c: c.execute(
                f"select written from {q.CACHE_PUT}",
                (self.project, self.cache_type, payload, entry.last_fetch, entry.last_rich_fetch,
                 self.max_age)).fetchone()[0])
        except psycopg.Error as exc:
            if is_retryable(exc) and not self.background_retry:
                self.dropped += 1
                self.failed(exc)
                self._stats.record("db", False, 0, error=True, count_miss=False)
                logger.error("cache %s/%s: PostgreSQL write failed and background retry is off (kept in file "
                             "and memory)", self.project, self.cache_type)
            elif is_retryable(exc):
                with self._cond:
                    self._failures += 1
                    if self._pending is None:
                        self._pending = entry
                    self._next_attempt = time.monotonic() + self.backoff(self._failures)
                self.failed(exc)
                self._stats.record("db", False, 0, error=True, count_miss=False)
            else:
                self.rejected += 1
                logger.error("cache %s/%s: PostgreSQL refused the write (kept in file and memory): %s",
                             self.project, self.cache_type, first_line(exc))
            return
        with self._cond:
            self._failures = 0
            self._next_attempt = 0.0
        if self._down:
            self._down = False
            logger.warning("cache %s/%s: PostgreSQL is back; queued write stored", self.project, self.cache_type)
        if not written:
            logger.info("cache %s/%s: PostgreSQL already holds a newer copy", self.project, self.cache_type)

    def pending_writes(self) -> int:
        with self._cond:
            return int(self._pending is not None) + int(self._in_flight)

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Write the pending copy now (retrying with backoff); True when nothing is left."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            self._next_attempt = 0.0
            self._cond.notify_all()
            while self._pending is not None or self._in_flight:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(timeout=left)
            return True

    def close(self, timeout: float = 10.0) -> Entry | None:
        """Flush (retrying until ``timeout``), stop the writer, add the last stats, close the
        connection. Returns the write PostgreSQL did not take, if any."""
        self.flush(timeout)
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._writer is not None:
            self._writer.join(timeout=max(1.0, timeout))
        with self._cond:
            self.closed = True
            left = self._pending
        self.flush_stats()
        with self._lock:
            self._drop()
        return left

    # ------------------------------------------------------------ stats
    def flush_stats(self) -> bool:
        """Add the counters' deltas to public.cache_stats (False: not now, PostgreSQL is away)."""
        if not self.available:
            return False
        deltas, snapshot = self._stats.deltas()
        if not deltas:
            return True
        try:
            self.run(lambda c: c.execute(f"select {q.CACHE_RECORD_STATS}",
                                         (self.project, self.cache_type, json.dumps(deltas))))
        except psycopg.Error as exc:
            logger.warning("cache %s/%s: stats not recorded: %s", self.project, self.cache_type, exc)
            return False
        self._stats.flushed(snapshot)
        return True
