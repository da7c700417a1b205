"""Who rebuilds a cache, and only once at a time.

* ``SingleFlight``: one fetcher call however many threads ask at once; those that waited
  take the copy the call saved.
* This process's live caches (``lookup``) and its registered fetchers
  (``register_fetcher``): what the ``cache_refresh`` job handler (job.py) uses to rebuild
  a cache pg_cron found due.
* At interpreter exit every open cache is closed (its pending write flushed), unless
  ``PGCADENCE_CACHE_GRACEFUL_SHUTDOWN=off``.
"""

from __future__ import annotations

import atexit
import os
import threading
import weakref
from typing import Any, Callable, Protocol

from pgcadence.cache.fileformat import Entry


class TieredCache(Protocol):
    """What this module needs of a cache (tiered.py's TieredCache, which imports this module)."""

    project: str
    cache_type: str

    def due_for_refresh(self) -> bool | None: ...

    def refresh(self) -> Entry: ...

    def flush(self, timeout: float | None = 10.0) -> bool: ...

    def close(self, timeout: float = 10.0) -> bool: ...


def flag(name: str) -> bool:
    """A feature flag from the environment: on unless it says off/0/false/no."""
    return os.environ.get(name, "on").strip().lower() not in ("off", "0", "false", "no")


class SingleFlight:
    """Serialises rebuilds of one cache. ``run(seen, fn)``: unless a copy newer than
    ``seen`` (what the caller found) was saved while it waited, call ``fn``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def run(self, seen: Entry | None, current: Callable[[], Entry | None],
            fn: Callable[[], Entry]) -> tuple[Entry, bool]:
        """(the entry, whether ``fn`` ran)."""
        with self.lock:
            now = current()
            if now is not None and now.newer_than(seen):
                return now, False  # another caller rebuilt it while this one waited
            return fn(), True


_lock = threading.Lock()
_live: dict[tuple[str, str], "weakref.ref[TieredCache]"] = {}
_open: "weakref.WeakSet[TieredCache]" = weakref.WeakSet()
_fetchers: dict[tuple[str, str], tuple[Callable[[], dict], dict]] = {}


def opened(cache: TieredCache) -> None:
    with _lock:
        _live[(cache.project, cache.cache_type)] = weakref.ref(cache)
    _open.add(cache)


def closed(cache: TieredCache) -> None:
    _open.discard(cache)
    with _lock:
        ref = _live.get((cache.project, cache.cache_type))
        if ref is not None and ref() is cache:
            del _live[(cache.project, cache.cache_type)]


def open_caches() -> list[TieredCache]:
    """Every cache open in this process (what /metrics reports per tier)."""
    return list(_open)


def lookup(project: str, cache_type: str) -> TieredCache | None:
    """The live TieredCache of this process for (project, cache_type), if any."""
    with _lock:
        ref = _live.get((project, cache_type))
    return ref() if ref else None


def register_fetcher(project: str, cache_type: str, fetcher: Callable[[], dict], **cache_kwargs: Any) -> None:
    """Tell this process how to rebuild (project, cache_type) when a cache_refresh job
    arrives and no TieredCache for it is open here (e.g. in a ``pgcadence worker``
    process: register in a module loaded with ``-m``). ``cache_kwargs`` go to TieredCache."""
    with _lock:
        _fetchers[(project, cache_type)] = (fetcher, cache_kwargs)


def fetcher_for(project: str, cache_type: str) -> tuple[Callable[[], dict], dict] | None:
    with _lock:
        return _fetchers.get((project, cache_type))


@atexit.register
def _close_all_at_exit() -> None:
    if not flag("PGCADENCE_CACHE_GRACEFUL_SHUTDOWN"):
        return
    for cache in list(_open):
        cache.close(timeout=5)
