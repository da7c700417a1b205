"""The hybrid persistent cache: memory → JSON file → PostgreSQL → fetcher (see
docs/requirements.md, "Persistent cache").

Read order (``TieredCache.get``):

1. memory — a ``cachetools.TTLCache`` (``memory_ttl`` seconds, default 300);
2. the JSON file (fileformat.py) — verified against its envelope; a truncated, corrupted
   or foreign file is counted as an error and skipped;
3. PostgreSQL — ``cache_get()`` (sql/cache/store.sql); a hit repopulates the file and memory;
4. emergency refresh — ``fetcher()`` builds the document anew (single-flight: one call
   however many threads ask at once).

When a copy is due for a refresh, PostgreSQL decides (``cache_due_for_refresh`` with this
cache's ``max_age``, else the stored one): a due copy is rebuilt through the fetcher, and
served still if that fails. While PostgreSQL cannot be asked (unreachable, or the database
tier is off) the copy held is served as it is; pg_cron refreshes due caches anyway.

Save order (``put``): validate → file → memory → PostgreSQL, the last through the
database tier's background writer (database.py), retried with backoff while PostgreSQL
is unreachable; ``close()`` (also run at interpreter exit) flushes it.

Startup (``start``): load from PostgreSQL, repopulate the JSON file, refresh at once when
due. A file newer than the database copy (or with none: an existing JSON cache from
before) is written to PostgreSQL instead.

Feature flags (environment, "off" to disable; constructor arguments override):
``PGCADENCE_CACHE_DB`` (``db=``) the PostgreSQL tier; ``PGCADENCE_CACHE_EMERGENCY_REFRESH``
(``emergency_refresh=``) calling the fetcher when every tier misses (a due copy is still
refreshed); ``PGCADENCE_CACHE_BACKGROUND_RETRY`` (``background_retry=``) retrying failed
PostgreSQL writes; ``PGCADENCE_CACHE_GRACEFUL_SHUTDOWN`` flushing open caches at exit. With
PostgreSQL unreachable nothing raises to the caller.

Documents are JSON objects (``dict``). The object ``get`` returns is shared with other
callers and with the memory tier: treat it as read-only.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

import cachetools
import psycopg

from pgcadence import db as dbmod, queries as q
from pgcadence.cache import refresh as registry
from pgcadence.cache.database import DatabaseTier
from pgcadence.cache.fileformat import (CorruptCacheFile, Entry, encode_payload, parse_dt, read_any_file, read_file,
                                        read_legacy_file, utcnow, write_file)
from pgcadence.cache.refresh import SingleFlight, flag
from pgcadence.cache.stats import CacheStats

logger = logging.getLogger("pgcadence.cache")

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_KEY = "doc"
_SAMPLE_MASK = 0xFF  # memory-hit latency is timed on one call in 256
_MISSING = object()


class CacheUnavailable(LookupError):
    """No tier holds the document and the fetcher could not build it."""


def db_enabled_by_env() -> bool:
    return flag("PGCADENCE_CACHE_DB")


def default_file(project: str, cache_type: str) -> Path:
    """$PGCADENCE_CACHE_DIR (else ./.pgcadence/cache)/<project>.<type>.json, the names
    quoted so that no name reaches outside that folder."""
    base = Path(os.environ.get("PGCADENCE_CACHE_DIR") or Path.cwd() / ".pgcadence" / "cache")
    return base / f"{quote(project, safe='')}.{quote(cache_type, safe='')}.json"


def _later(a: datetime | None, b: datetime | None) -> bool:
    """Fetch time ``a`` is strictly later than ``b`` (an unknown time is the earliest)."""
    return a is not None and (b is None or a > b)


class TieredCache:
    """A JSON document cached in memory, in a file and in PostgreSQL, rebuilt by ``fetcher``.

    Thread-safe; ``aget``/``aput``/``arefresh``/``astart``/``aclose`` are the asyncio forms.
    A project or cache_type name the database refuses raises ValueError (when the database
    can be asked at construction; else its writes are refused and logged).
    """

    def __init__(
        self,
        project: str,
        cache_type: str,
        fetcher: Callable[[], dict] | None,
        memory_ttl: float = 300,
        file_path: str | os.PathLike | None = None,
        *,
        dsn: str | None = None,
        db: bool | None = None,
        max_age: timedelta | float | None = None,
        validator: Callable[[dict], Any] | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        retry_base: float = 0.5,
        retry_cap: float = 30.0,
        stats_interval: float = 60.0,
        connect_timeout: float = 3.0,
        emergency_refresh: bool | None = None,
        background_retry: bool | None = None,
    ) -> None:
        if not isinstance(project, str) or not project or not isinstance(cache_type, str) or not cache_type:
            raise ValueError("a cache needs a project and a cache_type (non-empty strings)")
        self.project, self.cache_type = project, cache_type
        self._fetcher = fetcher
        self.memory_ttl = memory_ttl
        self.file_path = Path(file_path) if file_path is not None else default_file(project, cache_type)
        self._validator = validator
        self.max_bytes = max_bytes
        self.emergency_refresh = flag("PGCADENCE_CACHE_EMERGENCY_REFRESH") if emergency_refresh is None \
            else emergency_refresh
        self.db_enabled = db_enabled_by_env() if db is None else bool(db)
        self._stats = CacheStats()
        self._db: DatabaseTier | None = None
        if self.db_enabled:
            self._db = DatabaseTier(
                project, cache_type, dbmod.resolve_dsn(dsn), stats=self._stats, connect_timeout=connect_timeout,
                retry_base=retry_base, retry_cap=retry_cap, stats_interval=stats_interval,
                background_retry=flag("PGCADENCE_CACHE_BACKGROUND_RETRY") if background_retry is None
                else background_retry)
        self.max_age = max_age  # through the property: also the database tier's
        self._check_names()

        self._mem: cachetools.TTLCache = cachetools.TTLCache(maxsize=1, ttl=memory_ttl)
        self._lock = threading.Lock()          # memory tier and self._current
        self._save_lock = threading.Lock()     # one save at a time: file, memory, queue stay in order
        self._flight = SingleFlight()
        self._current: Entry | None = None     # newest version this process knows
        self.fetch_count = 0
        self._closed = False
        registry.opened(self)

    @property
    def max_age(self) -> timedelta | None:
        return self._max_age

    @max_age.setter
    def max_age(self, value: timedelta | float | None) -> None:
        self._max_age = timedelta(seconds=value) if isinstance(value, (int, float)) else value
        if self._db is not None:
            self._db.max_age = self._max_age

    def _check_names(self) -> None:
        """The database's own checks on the names (the rules are in sql/cache/checks.sql)."""
        if self._db is None:
            return
        try:
            self._db.run(lambda c: c.execute(f"select {q.CACHE_CHECK_TYPE}, {q.CACHE_PROJECT_ID}",
                                             (self.cache_type, self.project, False)))
        except psycopg.errors.InvalidParameterValue as exc:
            raise ValueError(exc.diag.message_primary or str(exc)) from None
        except psycopg.errors.InsufficientPrivilege:
            pass  # not the owner: cache_put checks them on the first write
        except psycopg.Error as exc:
            self._db.failed(exc)  # unreachable: the first write checks them

    # ------------------------------------------------------------ compatibility accessors
    @property
    def db_rejected(self) -> int:
        return self._db.rejected if self._db else 0

    @property
    def db_dropped(self) -> int:
        return self._db.dropped if self._db else 0

    @property
    def background_retry(self) -> bool:
        return self._db.background_retry if self._db else False

    # ------------------------------------------------------------ reads
    def get(self, default: Any = _MISSING) -> dict:
        """The document, from the first tier that has a copy not due for a refresh (see the
        module doc).

        Raises CacheUnavailable only when no tier has it and the fetcher fails (or there is
        none) — unless ``default`` is given, which is then returned instead.
        """
        # Hot path, without the lock: every change to self._mem happens under self._lock,
        # and a concurrent TTLCache lookup then yields the old entry, the new one or a
        # KeyError (each step of it is a single dict/OrderedDict operation under the GIL);
        # entries are immutable, so a reader never sees half a document. A KeyError (miss,
        # expired, or a write in progress) takes the locked path below.
        if next(self._stats.calls) & _SAMPLE_MASK:
            try:
                return self._mem[_KEY].data
            except KeyError:
                pass
        return self._get_slow(default)

    def _get_slow(self, default: Any = _MISSING) -> dict:
        entry = self._timed_memory_lookup()
        if entry is None:
            entry = self._load_below_memory()
        if entry is None:
            if default is _MISSING:
                raise CacheUnavailable(f"{self.project}/{self.cache_type}: no tier has it and the fetcher failed")
            return default
        return entry.data

    def get_entry(self) -> Entry | None:
        """Like get() but returns the Entry (data and fetch times), None when unavailable."""
        next(self._stats.calls)
        return self._timed_memory_lookup() or self._load_below_memory()

    def _timed_memory_lookup(self) -> Entry | None:
        t0 = time.perf_counter_ns()
        with self._lock:
            try:
                entry = self._mem[_KEY]
            except KeyError:
                entry = None
        self._stats.record("memory", entry is not None, time.perf_counter_ns() - t0, count_hit=False)
        return entry

    def _load_below_memory(self) -> Entry | None:
        file_entry = self._read_file_tier()
        verdict = self._db.verdict() if self._db is not None else None
        if verdict is None:  # nobody to ask: the file's copy as it is, else the fetcher
            if file_entry is not None:
                self._remember(file_entry)
                return file_entry
            return self._refresh_single_flight(None)
        due, stored = verdict
        held = file_entry
        if stored is not None and (held is None or _later(stored, held.last_fetch)):
            db_entry = self._db.read()  # the database holds a newer copy (another process saved it)
            if db_entry is not None:
                self._repopulate_file(db_entry)
                held = db_entry
        if held is None or (due and not _later(held.last_fetch, stored)):
            return self._refresh_single_flight(held)
        self._remember(held)
        return held

    def _due(self, held: Entry) -> bool:
        """PostgreSQL's answer for the copy held (not due while it cannot be asked, nor when
        the copy held is newer than the database's: its write is on the way)."""
        verdict = self._db.verdict() if self._db is not None else None
        if verdict is None:
            return False
        due, stored = verdict
        return bool(due) and not _later(held.last_fetch, stored)

    def _remember(self, entry: Entry) -> None:
        with self._lock:
            if self._current is None or entry.newer_or_same(self._current):
                self._current = entry
                self._mem[_KEY] = entry

    def _read_file_tier(self) -> Entry | None:
        t0 = time.perf_counter_ns()
        try:
            entry = read_file(self.file_path, project=self.project, cache_type=self.cache_type)
        except FileNotFoundError:
            self._stats.record("file", False, time.perf_counter_ns() - t0)
            return None
        except (CorruptCacheFile, OSError) as exc:
            logger.warning("cache file skipped: %s", exc)
            self._stats.record("file", False, time.perf_counter_ns() - t0, error=True)
            return None
        self._stats.record("file", True, time.perf_counter_ns() - t0)
        return entry

    def _repopulate_file(self, entry: Entry) -> None:
        try:
            with self._save_lock:
                write_file(self.file_path, project=self.project, cache_type=self.cache_type,
                           entry=entry, payload=entry.encoded())
        except OSError as exc:
            logger.warning("could not repopulate %s: %s", self.file_path, exc)

    # ------------------------------------------------------------ refresh
    def due_for_refresh(self) -> bool | None:
        """What PostgreSQL says (cache_due_for_refresh with this cache's max_age); None when
        the database tier is off or unreachable."""
        return self._db.due() if self._db is not None else None

    def refresh(self) -> Entry:
        """Rebuild through the fetcher now (single-flight). Raises what the fetcher raises."""
        with self._flight.lock:
            return self._fetch_and_save()

    def _refresh_single_flight(self, seen: Entry | None) -> Entry | None:
        """One fetcher call however many callers arrive; latecomers take its result.
        ``seen``: the copy this caller found (due), or None when every tier missed."""
        if seen is None and not self.emergency_refresh:
            return self._current  # every tier missed and emergency refresh is off
        try:
            entry, _ = self._flight.run(seen, lambda: self._current, self._fetch_and_save)
        except Exception as exc:  # the fetcher is user code: any failure degrades to the copy held
            logger.error("cache %s/%s: refresh failed: %s", self.project, self.cache_type, exc)
            if seen is not None:
                self._remember(seen)
            return seen
        with self._lock:
            self._mem[_KEY] = entry
        return entry

    def _fetch_and_save(self) -> Entry:
        if self._fetcher is None:
            raise CacheUnavailable(f"{self.project}/{self.cache_type}: no fetcher configured")
        t0 = time.perf_counter_ns()
        started = utcnow()
        try:
            data = self._fetcher()
        except Exception:
            self._stats.record("fetch", False, time.perf_counter_ns() - t0, error=True)
            raise
        self.fetch_count += 1
        self._stats.record("fetch", True, time.perf_counter_ns() - t0)
        return self.put(data, last_fetch=started)

    # ------------------------------------------------------------ writes
    def put(self, data: dict, last_fetch: datetime | None = None, last_rich_fetch: datetime | None = None) -> Entry:
        """Save a new version: validate → file → memory → PostgreSQL (background, retried).

        Raises ValueError when the document is invalid (nothing is written). Never raises
        for PostgreSQL trouble. A file write failure is logged and the save goes on.
        ``last_fetch`` defaults to now; a document older than the one held (by last_fetch)
        replaces nothing, as in cache_put, and the held entry is returned.
        """
        payload = self.validate(data)
        last_fetch, last_rich_fetch = parse_dt(last_fetch), parse_dt(last_rich_fetch)
        with self._save_lock:
            # stamped under the lock, so saves are ordered as their timestamps are
            entry = Entry(data, last_fetch or utcnow(), last_rich_fetch, payload)
            current = self._current
            if current is not None and current.newer_than(entry):
                # the rule cache_put applies in PostgreSQL, applied to the copies this process holds
                logger.info("cache %s/%s: not replacing a copy fetched at %s with one fetched at %s",
                            self.project, self.cache_type, current.last_fetch, entry.last_fetch)
                return current
            try:
                write_file(self.file_path, project=self.project, cache_type=self.cache_type,
                           entry=entry, payload=payload)
            except OSError as exc:
                logger.error("cache %s/%s: file write failed: %s", self.project, self.cache_type, exc)
            with self._lock:
                self._current = entry
                self._mem[_KEY] = entry
            if self._db is not None:
                self._db.enqueue(entry)
        return entry

    def validate(self, data: Any) -> bytes:
        """Check a document and return its compact JSON; ValueError when refused."""
        if not isinstance(data, dict):
            raise ValueError(f"cache data must be a JSON object (dict), not {type(data).__name__}")
        try:
            payload = encode_payload(data)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"cache data is not JSON-serialisable: {exc}") from None
        if len(payload) > self.max_bytes:
            raise ValueError(f"cache data is {len(payload)} bytes, over the limit of {self.max_bytes} bytes")
        if self._validator is not None and self._validator(data) is False:
            raise ValueError("cache data refused by the validator")
        return payload

    def import_file(self, path: str | os.PathLike) -> Entry:
        """Migrate an existing JSON cache file (plain JSON or an envelope) into every tier."""
        entry = read_any_file(Path(path))
        return self.put(entry.data, entry.last_fetch, entry.last_rich_fetch)

    # ------------------------------------------------------------ startup
    def start(self, refresh_if_stale: bool = True) -> Entry | None:
        """Startup flow: PostgreSQL → JSON file → memory, then refresh at once when due
        (or never fetched). A local file newer than the database copy (written while
        PostgreSQL was down, then the process stopped) or with no database copy at all (an
        existing JSON cache, plain or enveloped) is written to PostgreSQL instead, so
        nothing is lost. Returns what the cache holds, or None."""
        db_entry = self._db.read() if self._db is not None else None
        file_entry = self._read_file_tier()
        if file_entry is None and self.file_path.exists():
            try:
                file_entry = read_legacy_file(self.file_path)
            except (CorruptCacheFile, OSError) as exc:
                logger.warning("cache file %s is neither a cache file nor a JSON object: %s", self.file_path, exc)
        if file_entry is not None and (db_entry is None or not db_entry.newer_or_same(file_entry)):
            if self._db is not None:
                logger.info("cache %s/%s: writing %s to PostgreSQL (%s)", self.project, self.cache_type, self.file_path,
                            "no database copy" if db_entry is None else "newer than the database copy")
            entry: Entry | None = self.put(file_entry.data, file_entry.last_fetch, file_entry.last_rich_fetch)
        elif db_entry is not None:
            self._repopulate_file(db_entry)
            self._remember(db_entry)
            entry = db_entry
        else:
            entry = None
        if refresh_if_stale and entry is not None and self._due(entry):
            entry = self._refresh_single_flight(entry) or entry
        return entry

    # ------------------------------------------------------------ PostgreSQL writes
    def pending_writes(self) -> int:
        return self._db.pending_writes() if self._db is not None else 0

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Write pending data to PostgreSQL now (retrying with backoff); True when nothing is left."""
        return self._db.flush(timeout) if self._db is not None else True

    def close(self, timeout: float = 10.0) -> bool:
        """Graceful shutdown: flush pending writes (retrying until ``timeout``) and the stats,
        stop the writer, close the connection. True when everything reached PostgreSQL."""
        if self._closed:
            return True
        self._closed = True
        left = self._db.close(timeout) if self._db is not None else None
        if left is not None:
            logger.error("cache %s/%s: closing with a write PostgreSQL did not take (kept in %s)",
                         self.project, self.cache_type, self.file_path)
        registry.closed(self)
        return left is None

    def __enter__(self) -> "TieredCache":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ stats
    def stats(self) -> dict[str, dict]:
        """Per-tier counters of this process: hits, misses, errors, latency (mean µs; the
        memory tier's latency is sampled on one lookup in 256, its hits are all counted)."""
        return self._stats.snapshot()

    def flush_stats(self) -> bool:
        """Add this process's counter deltas to public.cache_stats now (the writer does it
        every ``stats_interval`` seconds and on close)."""
        return self._db.flush_stats() if self._db is not None else False

    # ------------------------------------------------------------ asyncio
    async def aget(self, default: Any = _MISSING) -> dict:
        if next(self._stats.calls) & _SAMPLE_MASK:  # memory hit: no thread hop (see get())
            try:
                return self._mem[_KEY].data
            except KeyError:
                pass
        return await asyncio.to_thread(self._get_slow, default)

    async def aput(self, data: dict, last_fetch: datetime | None = None, last_rich_fetch: datetime | None = None) -> Entry:
        return await asyncio.to_thread(self.put, data, last_fetch, last_rich_fetch)

    async def arefresh(self) -> Entry:
        return await asyncio.to_thread(self.refresh)

    async def astart(self, refresh_if_stale: bool = True) -> Entry | None:
        return await asyncio.to_thread(self.start, refresh_if_stale)

    async def aclose(self, timeout: float = 10.0) -> bool:
        return await asyncio.to_thread(self.close, timeout)
