"""The hybrid persistent cache of seed 004: memory → JSON file → PostgreSQL → fetcher.

Read order (``TieredCache.get``):

1. memory — a ``cachetools.TTLCache`` (``memory_ttl`` seconds, default 300);
2. the JSON file — written atomically (temp file, fsync, rename) inside an envelope that
   carries the sha256 and length of the payload; a truncated, corrupted or invalid file is
   detected, counted as an error and skipped;
3. PostgreSQL — ``cache_get()`` (sql/cache/store.sql); a hit repopulates the file and memory;
4. emergency refresh — ``fetcher()`` builds the document anew (single-flight: one call
   however many threads ask at once).

A file or database copy older than ``max_age`` counts as stale: the next tier is tried,
then the fetcher; if that fails the stale copy is served (and the failure counted).

Save order (``put``): validate → file → memory → PostgreSQL. The database write goes
through a background writer that retries with exponential backoff (capped, jittered)
while PostgreSQL is unreachable. The queue holds at most one pending write per cache
(a newer document supersedes an older pending one, which the database would overwrite
anyway), so it is bounded by construction; ``close()`` (also run at interpreter exit)
flushes it. ``cache_put`` refuses to replace a newer copy with an older one, so a late
retry never rolls the database back.

Startup (``start``): load from PostgreSQL, repopulate the JSON file, refresh at once when
stale. A file with no database copy (an existing JSON cache from before) is migrated
into PostgreSQL.

Feature flags (environment, "off" to disable; constructor arguments override):
``PGCADENCE_CACHE_DB`` (``db=``) the PostgreSQL tier; ``PGCADENCE_CACHE_EMERGENCY_REFRESH``
(``emergency_refresh=``) calling the fetcher when every tier misses (a stale copy is still
refreshed); ``PGCADENCE_CACHE_BACKGROUND_RETRY`` (``background_retry=``) retrying failed
PostgreSQL writes; ``PGCADENCE_CACHE_GRACEFUL_SHUTDOWN`` flushing open caches at exit. With PostgreSQL unreachable nothing raises to the caller: reads are served
from memory/file (or the fetcher) and writes wait in the retry queue.

Documents are JSON objects (``dict``). The object ``get`` returns is shared with other
callers and with the memory tier: treat it as read-only.
"""

from __future__ import annotations

import asyncio
import atexit
import hashlib
import itertools
import json
import logging
import os
import random
import re
import threading
import time
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import cachetools
import orjson
import psycopg

from pgcadence.files import atomic_write

logger = logging.getLogger("pgcadence.cache")

FILE_FORMAT = "pgcadence-cache/1"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
TIERS = ("memory", "file", "db", "fetch")
_KEY = "doc"
_SAMPLE_MASK = 0xFF  # memory-hit latency is timed on one call in 256
_PREFIX = b'{"envelope":'
_MIDDLE = b',"payload":\n'
_SUFFIX = b"\n}\n"
_MISSING = object()
_NAME_RE = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
_TYPE_RE = r"^[a-z][a-z0-9_]{0,49}$"


class CacheUnavailable(LookupError):
    """No tier holds the document and the fetcher could not build it."""


class CorruptCacheFile(ValueError):
    """The JSON file failed its integrity check."""


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


def _parse_dt(value: Any) -> datetime | None:
    """An aware datetime from an ISO string (a naive one is taken as UTC)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _flag(name: str) -> bool:
    """Feature flags (seed 004): on unless the variable says off/0/false/no."""
    return os.environ.get(name, "on").strip().lower() not in ("off", "0", "false", "no")


def db_enabled_by_env() -> bool:
    return _flag("PGCADENCE_CACHE_DB")


@dataclass(frozen=True, slots=True)
class Entry:
    """One version of a cached document. Immutable: readers never see half an update."""

    data: dict
    last_fetch: datetime | None
    last_rich_fetch: datetime | None = None
    payload: bytes | None = None  # the compact JSON of data, when known

    def age(self, now: datetime | None = None) -> timedelta | None:
        return None if self.last_fetch is None else (now or utcnow()) - self.last_fetch


class TierStats:
    """Counters of one tier. Updated under the owning cache's stats lock."""

    __slots__ = ("hits", "misses", "errors", "latency_samples", "latency_total_ns")

    def __init__(self) -> None:
        self.hits = self.misses = self.errors = self.latency_samples = self.latency_total_ns = 0

    def as_dict(self) -> dict:
        mean = self.latency_total_ns / self.latency_samples / 1000 if self.latency_samples else None
        return {"hits": self.hits, "misses": self.misses, "errors": self.errors,
                "latency_samples": self.latency_samples, "latency_mean_us": mean,
                "latency_total_us": self.latency_total_ns / 1000}


# ---------------------------------------------------------------- file tier
def encode_payload(data: Any) -> bytes:
    """Compact JSON; the standard library's, strict (NaN refused, as PostgreSQL does)."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def decode_payload(payload: bytes | str) -> Any:
    """Parse JSON with orjson (about twice as fast on a 100 kB document); what orjson
    does not take (integers beyond 64 bits) goes to the standard library, which also
    raises the error for really invalid JSON."""
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError:
        return json.loads(payload)


def write_file(path: Path, *, project: str, cache_type: str, entry: Entry, payload: bytes) -> None:
    """Write the envelope atomically: temp file in the same directory, fsync, rename, fsync dir.

    The file is one JSON document ``{"envelope": {...}, "payload": {...}}`` (``jq .payload``
    reads it) laid out so that the payload bytes can be checked against the envelope's
    sha256 and length without re-encoding them.
    """
    header = {
        "format": FILE_FORMAT, "project": project, "cache_type": cache_type,
        "last_fetch": _iso(entry.last_fetch), "last_rich_fetch": _iso(entry.last_rich_fetch),
        "saved_at": _iso(utcnow()), "length": len(payload), "sha256": hashlib.sha256(payload).hexdigest(),
    }
    blob = _PREFIX + json.dumps(header, separators=(",", ":")).encode() + _MIDDLE + payload + _SUFFIX
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, blob)


def read_file(path: Path, *, project: str | None = None, cache_type: str | None = None) -> Entry:
    """Read and verify an envelope file. FileNotFoundError when absent, CorruptCacheFile when bad."""
    raw = path.read_bytes()
    nl = raw.find(b"\n")
    if nl < 0 or not raw.startswith(_PREFIX) or not raw[: nl + 1].endswith(_MIDDLE):
        raise CorruptCacheFile(f"{path}: not a pgcadence cache file (no envelope)")
    try:
        header = json.loads(raw[len(_PREFIX): nl + 1 - len(_MIDDLE)])
        length, digest = int(header["length"]), str(header["sha256"])
    except (ValueError, KeyError, TypeError) as exc:
        raise CorruptCacheFile(f"{path}: unreadable envelope ({exc})") from None
    if header.get("format") != FILE_FORMAT:
        raise CorruptCacheFile(f"{path}: unknown format {header.get('format')!r}")
    if (project and header.get("project") != project) or (cache_type and header.get("cache_type") != cache_type):
        raise CorruptCacheFile(f"{path}: holds {header.get('project')}/{header.get('cache_type')}, not {project}/{cache_type}")
    start = nl + 1
    payload = raw[start: start + length]
    if len(payload) != length or raw[start + length:] != _SUFFIX:
        raise CorruptCacheFile(f"{path}: truncated or padded (payload {len(raw) - start - len(_SUFFIX)} bytes, envelope says {length})")
    if hashlib.sha256(payload).hexdigest() != digest:
        raise CorruptCacheFile(f"{path}: sha256 mismatch (file corrupted)")
    try:
        data = decode_payload(payload)
        last_fetch, last_rich = _parse_dt(header.get("last_fetch")), _parse_dt(header.get("last_rich_fetch"))
    except ValueError as exc:
        raise CorruptCacheFile(f"{path}: invalid JSON payload ({exc})") from None
    if not isinstance(data, dict):
        raise CorruptCacheFile(f"{path}: payload is not a JSON object")
    return Entry(data, last_fetch, last_rich, payload)


def read_legacy_file(path: Path) -> Entry:
    """A plain JSON cache file from before (the seed's format): an object, maybe with
    last_fetch / last_rich_fetch keys; the file's mtime stands in for a missing last_fetch."""
    try:
        data = json.loads(path.read_bytes())
    except ValueError as exc:
        raise CorruptCacheFile(f"{path}: invalid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise CorruptCacheFile(f"{path}: not a JSON object")
    try:
        last_fetch = _parse_dt(data.get("last_fetch")) or datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
        last_rich = _parse_dt(data.get("last_rich_fetch"))
    except ValueError as exc:
        raise CorruptCacheFile(f"{path}: bad timestamp ({exc})") from None
    return Entry(data, last_fetch, last_rich)


# ---------------------------------------------------------------- database tier
class _Database:
    """One lazily opened autocommit connection, shared under a lock, with a circuit breaker:
    after a connection failure reads skip the database until the writer reconnects."""

    def __init__(self, dsn: str, connect_timeout: float) -> None:
        self.dsn = dsn
        self.connect_timeout = connect_timeout
        self._conn: psycopg.Connection | None = None
        self._lock = threading.Lock()
        self.down_until = 0.0

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

    def close(self) -> None:
        with self._lock:
            self._drop()


def _is_retryable(exc: BaseException) -> bool:
    """Connection trouble is retried; the database refusing the data is not."""
    return isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)) and not isinstance(
        exc, psycopg.errors.ProgramLimitExceeded)


# ---------------------------------------------------------------- fetcher registry
_registry_lock = threading.Lock()
_registry: dict[tuple[str, str], "weakref.ref[TieredCache]"] = {}
_open_caches: "weakref.WeakSet[TieredCache]" = weakref.WeakSet()


_fetchers: dict[tuple[str, str], tuple[Callable[[], dict], dict]] = {}


def lookup(project: str, cache_type: str) -> "TieredCache | None":
    """The live TieredCache of this process for (project, cache_type), if any."""
    with _registry_lock:
        ref = _registry.get((project, cache_type))
    return ref() if ref else None


def register_fetcher(project: str, cache_type: str, fetcher: Callable[[], dict], **cache_kwargs: Any) -> None:
    """Tell this process how to rebuild (project, cache_type) when a cache_refresh job
    arrives and no TieredCache for it is open here (e.g. in a ``pgcadence worker``
    process: register in a module loaded with ``-m``). ``cache_kwargs`` go to TieredCache."""
    with _registry_lock:
        _fetchers[(project, cache_type)] = (fetcher, cache_kwargs)


def refresh_job(payload: dict, ctx: Any = None) -> dict:
    """Handler of the ``cache_refresh`` jobs pg_cron enqueues for due caches
    (pgcadence.cache_enqueue_due_refreshes): rebuild through the configured fetcher and
    store the result in every tier. Raising fails the attempt (the queue retries)."""
    project, cache_type = payload.get("project"), payload.get("cache_type")
    if not isinstance(project, str) or not isinstance(cache_type, str):
        raise ValueError(f"cache_refresh payload needs project and cache_type, got {payload!r}")
    cache = lookup(project, cache_type)
    owned = False
    if cache is None:
        with _registry_lock:
            spec = _fetchers.get((project, cache_type))
        if spec is None:
            raise LookupError(f"no fetcher for cache {project}/{cache_type} in this process: open a TieredCache "
                              "for it or call pgcadence.cache.tiered.register_fetcher() in a module the worker loads (-m)")
        cache, owned = TieredCache(project, cache_type, spec[0], **spec[1]), True
    try:
        if cache.due_for_refresh() is False:  # refreshed since the job was enqueued
            return {"project": project, "cache_type": cache_type, "skipped": "not due any more"}
        entry = cache.refresh()
        stored = cache.flush(timeout=30)
    finally:
        if owned:
            cache.close(timeout=30)
    if not stored:
        raise RuntimeError(f"cache {project}/{cache_type} refreshed but not yet stored in PostgreSQL (queued for retry)")
    return {"project": project, "cache_type": cache_type, "last_fetch": _iso(entry.last_fetch),
            "bytes": len(entry.payload or b"")}


@atexit.register
def _close_all_at_exit() -> None:
    if not _flag("PGCADENCE_CACHE_GRACEFUL_SHUTDOWN"):
        return
    for cache in list(_open_caches):
        cache.close(timeout=5)


# ---------------------------------------------------------------- the cache
class TieredCache:
    """A JSON document cached in memory, in a file and in PostgreSQL, rebuilt by ``fetcher``.

    Thread-safe; ``aget``/``aput``/``arefresh``/``astart``/``aclose`` are the asyncio forms.
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
        if not re.match(_NAME_RE, project or ""):
            raise ValueError(f"invalid project name {project!r}")
        if not re.match(_TYPE_RE, cache_type or ""):
            raise ValueError(f"invalid cache_type {cache_type!r}: lowercase letters, digits, '_'")
        self.project, self.cache_type = project, cache_type
        self._fetcher = fetcher
        self.memory_ttl = memory_ttl
        if file_path is None:
            base = Path(os.environ.get("PGCADENCE_CACHE_DIR") or Path.cwd() / ".pgcadence" / "cache")
            file_path = base / f"{project}.{cache_type}.json"
        self.file_path = Path(file_path)
        self.max_age = timedelta(seconds=max_age) if isinstance(max_age, (int, float)) else max_age
        self._validator = validator
        self.max_bytes = max_bytes
        self.retry_base, self.retry_cap = retry_base, retry_cap
        self.stats_interval = stats_interval

        self.db_enabled = db_enabled_by_env() if db is None else bool(db)
        self.emergency_refresh = _flag("PGCADENCE_CACHE_EMERGENCY_REFRESH") if emergency_refresh is None else emergency_refresh
        self.background_retry = _flag("PGCADENCE_CACHE_BACKGROUND_RETRY") if background_retry is None else background_retry
        if self.db_enabled:
            from pgcadence import db as dbmod

            self._db: _Database | None = _Database(dbmod.resolve_dsn(dsn), connect_timeout)
        else:
            self._db = None

        self._mem: cachetools.TTLCache = cachetools.TTLCache(maxsize=1, ttl=memory_ttl)
        self._lock = threading.Lock()          # memory tier and hot counters
        self._save_lock = threading.Lock()     # one save at a time: file, memory, queue stay in order
        self._refresh_lock = threading.Lock()  # single-flight fetcher
        self._stats_lock = threading.Lock()
        # get() calls; memory hits are calls minus the counted memory misses. next() on an
        # itertools.count is one C call, so concurrent callers never lose a count.
        self._calls = itertools.count(1)
        self._current: Entry | None = None     # newest version this process knows
        self._stats = {t: TierStats() for t in TIERS}
        self._flushed = {t: (0, 0, 0, 0, 0) for t in TIERS}
        self.fetch_count = 0

        # background writer state
        self._cond = threading.Condition()
        self._pending: Entry | None = None     # latest write not yet in PostgreSQL
        self._in_flight = False
        self._failures = 0
        self._next_attempt = 0.0
        self._next_stats = time.monotonic() + stats_interval
        self._closing = False
        self._closed = False
        self._writer: threading.Thread | None = None
        self.db_rejected = 0                   # writes PostgreSQL refused (not retried)
        self.db_dropped = 0                    # failed writes not retried (background_retry off)
        self._db_down = False

        with _registry_lock:
            _registry[(project, cache_type)] = weakref.ref(self)
        _open_caches.add(self)

    # ------------------------------------------------------------ reads
    def get(self, default: Any = _MISSING) -> dict:
        """The document, from the first tier that has a fresh copy (see the module doc).

        Raises CacheUnavailable only when no tier has it and the fetcher fails (or there is
        none) — unless ``default`` is given, which is then returned instead.
        """
        # Hot path, without the lock: every change to self._mem happens under self._lock,
        # and a concurrent TTLCache lookup then yields the old entry, the new one or a
        # KeyError (each step of it is a single dict/OrderedDict operation under the GIL);
        # entries are immutable, so a reader never sees half a document. A KeyError (miss,
        # expired, or a write in progress) takes the locked path below.
        if next(self._calls) & _SAMPLE_MASK:
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
        next(self._calls)
        return self._timed_memory_lookup() or self._load_below_memory()

    def _timed_memory_lookup(self) -> Entry | None:
        t0 = time.perf_counter_ns()
        with self._lock:
            try:
                entry = self._mem[_KEY]
            except KeyError:
                entry = None
        self._record("memory", entry is not None, time.perf_counter_ns() - t0, count_hit=False)
        return entry

    def _load_below_memory(self) -> Entry | None:
        file_entry = self._read_file_tier()
        if file_entry is not None and not self._is_stale(file_entry):
            self._remember(file_entry)
            return file_entry
        db_entry = self._read_db_tier()
        best = _newest(file_entry, db_entry)
        if best is not None and best is db_entry:
            self._repopulate_file(db_entry)
        if best is not None and not self._is_stale(best):
            self._remember(best)
            return best
        return self._refresh_single_flight(best)

    def _is_stale(self, entry: Entry) -> bool:
        if self.max_age is None:
            return False
        return entry.last_fetch is None or utcnow() - entry.last_fetch > self.max_age

    def _remember(self, entry: Entry) -> None:
        with self._lock:
            if self._current is None or _newer_or_same(entry, self._current):
                self._current = entry
                self._mem[_KEY] = entry

    def _read_file_tier(self) -> Entry | None:
        t0 = time.perf_counter_ns()
        try:
            entry = read_file(self.file_path, project=self.project, cache_type=self.cache_type)
        except FileNotFoundError:
            self._record("file", False, time.perf_counter_ns() - t0)
            return None
        except (CorruptCacheFile, OSError) as exc:
            logger.warning("cache file skipped: %s", exc)
            self._record("file", False, time.perf_counter_ns() - t0, error=True)
            return None
        self._record("file", True, time.perf_counter_ns() - t0)
        return entry

    def _read_db_tier(self) -> Entry | None:
        if self._db is None or time.monotonic() < self._db.down_until:
            return None
        with self._cond:
            self._ensure_writer()  # it also flushes the stats
        t0 = time.perf_counter_ns()
        try:
            row = self._db.run(lambda c: c.execute(
                "select data::text, last_fetch, last_rich_fetch from public.cache_get(%s, %s)",
                (self.project, self.cache_type)).fetchone())
        except psycopg.Error as exc:
            self._db_failed(exc)
            self._record("db", False, time.perf_counter_ns() - t0, error=True)
            return None
        if row is None:
            self._record("db", False, time.perf_counter_ns() - t0)
            return None
        payload = row[0].encode()
        entry = Entry(decode_payload(payload), row[1], row[2], payload)
        self._record("db", True, time.perf_counter_ns() - t0)
        return entry

    def _repopulate_file(self, entry: Entry) -> None:
        try:
            with self._save_lock:
                write_file(self.file_path, project=self.project, cache_type=self.cache_type,
                           entry=entry, payload=entry.payload or encode_payload(entry.data))
        except OSError as exc:
            logger.warning("could not repopulate %s: %s", self.file_path, exc)

    def _db_failed(self, exc: BaseException) -> None:
        if self._db is not None and _is_retryable(exc):
            self._db.down_until = time.monotonic() + self._backoff(max(self._failures, 1))
        was_down, self._db_down = self._db_down, True
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        logger.log(logging.DEBUG if was_down else logging.WARNING,
                   "cache %s/%s: PostgreSQL unavailable, serving memory/file and queueing writes: %s",
                   self.project, self.cache_type, reason)

    # ------------------------------------------------------------ refresh
    def due_for_refresh(self) -> bool | None:
        """What PostgreSQL says (cache_due_for_refresh with this cache's max_age); None when
        the database tier is off or unreachable."""
        if self._db is None:
            return None
        try:
            return self._db.run(lambda c: c.execute(
                "select public.cache_due_for_refresh(%s, %s, %s)",
                (self.project, self.cache_type, self.max_age)).fetchone()[0])
        except psycopg.Error as exc:
            self._db_failed(exc)
            return None

    def refresh(self) -> Entry:
        """Rebuild through the fetcher now (single-flight). Raises what the fetcher raises."""
        with self._refresh_lock:
            return self._fetch_and_save()

    def _refresh_single_flight(self, stale: Entry | None) -> Entry | None:
        """One fetcher call however many callers arrive; latecomers take its result."""
        if stale is None and not self.emergency_refresh:
            return self._current  # every tier missed and emergency refresh is off
        with self._refresh_lock:
            current = self._current
            if current is not None and not self._is_stale(current) and (
                    stale is None or _newer_or_same(current, stale)):
                with self._lock:
                    self._mem[_KEY] = current
                return current
            try:
                return self._fetch_and_save()
            except Exception as exc:  # the fetcher is user code: any failure degrades to the stale copy
                logger.error("cache %s/%s: refresh failed: %s", self.project, self.cache_type, exc)
                if stale is not None:
                    self._remember(stale)
                return stale

    def _fetch_and_save(self) -> Entry:
        if self._fetcher is None:
            raise CacheUnavailable(f"{self.project}/{self.cache_type}: no fetcher configured")
        t0 = time.perf_counter_ns()
        started = utcnow()
        try:
            data = self._fetcher()
        except Exception:
            self._record("fetch", False, time.perf_counter_ns() - t0, error=True)
            raise
        self.fetch_count += 1
        self._record("fetch", True, time.perf_counter_ns() - t0)
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
        last_fetch, last_rich_fetch = _parse_dt(last_fetch), _parse_dt(last_rich_fetch)
        with self._save_lock:
            # stamped under the lock, so saves are ordered as their timestamps are
            entry = Entry(data, last_fetch or utcnow(), last_rich_fetch, payload)
            current = self._current
            if current is not None and current.last_fetch is not None and entry.last_fetch < current.last_fetch:
                # the rule cache_put applies in PostgreSQL, applied to every tier
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
                self._enqueue(entry)
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
        path = Path(path)
        try:
            entry = read_file(path)
        except CorruptCacheFile:
            entry = read_legacy_file(path)
        return self.put(entry.data, entry.last_fetch, entry.last_rich_fetch)

    # ------------------------------------------------------------ startup
    def start(self, refresh_if_stale: bool = True) -> Entry | None:
        """Startup flow: PostgreSQL → JSON file → memory, then refresh at once when stale
        (or never fetched). A local file newer than the database copy (written while
        PostgreSQL was down, then the process stopped) or with no database copy at all (an
        existing JSON cache, plain or enveloped) is written to PostgreSQL instead, so
        nothing is lost. Returns what the cache holds, or None."""
        db_entry = self._read_db_tier()
        file_entry = self._read_file_tier()
        if file_entry is None and self.file_path.exists():
            try:
                file_entry = read_legacy_file(self.file_path)
            except (CorruptCacheFile, OSError) as exc:
                logger.warning("cache file %s is neither a cache file nor a JSON object: %s", self.file_path, exc)
        if file_entry is not None and (db_entry is None or not _newer_or_same(db_entry, file_entry)):
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
        if refresh_if_stale and entry is not None and self._is_stale(entry):
            entry = self._refresh_single_flight(entry) or entry
        return entry

    # ------------------------------------------------------------ background writer
    def _enqueue(self, entry: Entry) -> None:
        with self._cond:
            if self._closed:
                logger.error("cache %s/%s closed: write kept in the file only", self.project, self.cache_type)
                return
            self._pending = entry  # supersedes an older pending version
            self._next_attempt = 0.0 if self._failures == 0 else self._next_attempt
            self._ensure_writer()
            self._cond.notify_all()

    def _ensure_writer(self) -> None:
        # called with self._cond held
        if self._writer is None and not self._closing:
            self._writer = threading.Thread(target=self._writer_loop, daemon=True,
                                            name=f"cache-writer-{self.project}/{self.cache_type}")
            self._writer.start()

    def _backoff(self, failures: int) -> float:
        delay = min(self.retry_cap, self.retry_base * (2 ** min(failures - 1, 30)))
        return delay * random.uniform(0.5, 1.0)

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
                self._write_entry(entry)
            if time.monotonic() >= self._next_stats:
                self.flush_stats()
                self._next_stats = time.monotonic() + self.stats_interval
            with self._cond:
                self._in_flight = False
                self._cond.notify_all()

    def _write_entry(self, entry: Entry) -> None:
        assert self._db is not None
        payload = (entry.payload or encode_payload(entry.data)).decode()
        try:
            written = self._db.run(lambda c: c.execute(
                "select written from public.cache_put(%s, %s, %s::jsonb, %s, %s, %s)",
                (self.project, self.cache_type, payload, entry.last_fetch, entry.last_rich_fetch,
                 self.max_age)).fetchone()[0])
        except psycopg.Error as exc:
            if _is_retryable(exc) and not self.background_retry:
                self.db_dropped += 1
                self._db_failed(exc)
                self._record("db", False, 0, error=True, count_miss=False)
                logger.error("cache %s/%s: PostgreSQL write failed and background retry is off (kept in file "
                             "and memory)", self.project, self.cache_type)
            elif _is_retryable(exc):
                with self._cond:
                    self._failures += 1
                    if self._pending is None:
                        self._pending = entry
                    self._next_attempt = time.monotonic() + self._backoff(self._failures)
                self._db_failed(exc)
                self._record("db", False, 0, error=True, count_miss=False)
            else:
                self.db_rejected += 1
                logger.error("cache %s/%s: PostgreSQL refused the write (kept in file and memory): %s",
                             self.project, self.cache_type, str(exc).strip().splitlines()[0])
            return
        with self._cond:
            self._failures = 0
            self._next_attempt = 0.0
        if self._db_down:
            self._db_down = False
            logger.warning("cache %s/%s: PostgreSQL is back; queued write stored", self.project, self.cache_type)
        if not written:
            logger.info("cache %s/%s: PostgreSQL already holds a newer copy", self.project, self.cache_type)

    def pending_writes(self) -> int:
        with self._cond:
            return int(self._pending is not None) + int(self._in_flight)

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Write pending data to PostgreSQL now (retrying with backoff); True when nothing is left."""
        if self._db is None:
            return True
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

    def close(self, timeout: float = 10.0) -> bool:
        """Graceful shutdown: flush pending writes (retrying until ``timeout``) and the stats,
        stop the writer, close the connection. True when everything reached PostgreSQL."""
        if self._closed:
            return True
        ok = self.flush(timeout)
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._writer is not None:
            self._writer.join(timeout=max(1.0, timeout))
        with self._cond:
            self._closed = True
            left = self._pending
        if left is not None:
            logger.error("cache %s/%s: closing with a write PostgreSQL did not take (kept in %s)",
                         self.project, self.cache_type, self.file_path)
        self.flush_stats()
        if self._db is not None:
            self._db.close()
        _open_caches.discard(self)
        with _registry_lock:
            if (ref := _registry.get((self.project, self.cache_type))) is not None and ref() is self:
                del _registry[(self.project, self.cache_type)]
        return ok and left is None

    def __enter__(self) -> "TieredCache":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ stats
    def _record(self, tier: str, hit: bool, ns: int, *, error: bool = False, count_hit: bool = True,
                count_miss: bool = True) -> None:
        with self._stats_lock:
            s = self._stats[tier]
            if hit:
                if count_hit:
                    s.hits += 1
            elif count_miss:
                s.misses += 1
            if error:
                s.errors += 1
            if ns:
                s.latency_samples += 1
                s.latency_total_ns += ns

    def stats(self) -> dict[str, dict]:
        """Per-tier counters of this process: hits, misses, errors, latency (mean µs; the
        memory tier's latency is sampled on one lookup in 256, its hits are all counted)."""
        with self._stats_lock:
            calls = int(repr(self._calls)[6:-1]) - 1  # "count(N)": N is the next value
            out = {t: s.as_dict() for t, s in self._stats.items()}
        out["memory"]["hits"] = max(0, calls - out["memory"]["misses"])
        return out

    def flush_stats(self) -> bool:
        """Add this process's counter deltas to public.cache_stats (batched; called by the
        writer every ``stats_interval`` seconds and by close())."""
        if self._db is None or time.monotonic() < self._db.down_until:
            return False
        now = self.stats()
        deltas, snapshot = {}, {}
        for t in TIERS:
            s = now[t]
            cur = (s["hits"], s["misses"], s["errors"], s["latency_samples"], int(s["latency_total_us"] * 1000))
            prev = self._flushed[t]
            d = [a - b for a, b in zip(cur, prev)]
            snapshot[t] = cur
            if any(d):
                deltas[t] = {"hits": d[0], "misses": d[1], "errors": d[2], "latency_samples": d[3],
                             "latency_total_us": d[4] / 1000}
        if not deltas:
            return True
        try:
            self._db.run(lambda c: c.execute("select public.cache_record_stats(%s, %s, %s::jsonb)",
                                             (self.project, self.cache_type, json.dumps(deltas))))
        except psycopg.Error as exc:
            logger.warning("cache %s/%s: stats not recorded: %s", self.project, self.cache_type, exc)
            return False
        self._flushed = snapshot
        return True

    # ------------------------------------------------------------ asyncio
    async def aget(self, default: Any = _MISSING) -> dict:
        if next(self._calls) & _SAMPLE_MASK:  # memory hit: no thread hop (see get())
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


def _newer_or_same(a: Entry, b: Entry) -> bool:
    if a.last_fetch is None or b.last_fetch is None:
        return b.last_fetch is None
    return a.last_fetch >= b.last_fetch


def _newest(a: Entry | None, b: Entry | None) -> Entry | None:
    if a is None or b is None:
        return a or b
    return a if _newer_or_same(a, b) else b


# The cache_refresh task type, in the job queue's registry: any process that imports
# pgcadence.cache.tiered (an app, or `pgcadence worker -m pgcadence.cache.tiered`) can run refresh jobs.
from pgcadence.queue import handler as _queue_handler  # noqa: E402

_queue_handler("cache_refresh")(refresh_job)
