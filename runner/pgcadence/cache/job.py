"""The ``cache_refresh`` task type: pg_cron enqueues one job per due cache
(``pgcadence.cache_enqueue_due_refreshes``); this handler rebuilds it through the fetcher
of this process (its open TieredCache, or one registered with ``register_fetcher``) and
stores the result in every tier. Raising fails the attempt (the queue retries).

Registered in the job queue's registry when this package is imported, so any process that
imports ``pgcadence.cache`` (an app, or ``pgcadence worker -m pgcadence.cache``) runs them.
"""

from __future__ import annotations

from typing import Any

from pgcadence.cache import refresh as registry
from pgcadence.cache.fileformat import iso
from pgcadence.cache.tiered import TieredCache
from pgcadence.queue import handler

TASK_TYPE = "cache_refresh"


@handler(TASK_TYPE)
def refresh_job(payload: dict, ctx: Any = None) -> dict:
    """Rebuild a cache pg_cron found due for a refresh, in every tier."""
    project, cache_type = payload.get("project"), payload.get("cache_type")
    if not isinstance(project, str) or not isinstance(cache_type, str):
        raise ValueError(f"cache_refresh payload needs project and cache_type, got {payload!r}")
    cache = registry.lookup(project, cache_type)
    owned = False
    if cache is None:
        spec = registry.fetcher_for(project, cache_type)
        if spec is None:
            raise LookupError(f"no fetcher for cache {project}/{cache_type} in this process: open a TieredCache "
                              "for it or call pgcadence.cache.register_fetcher() in a module the worker loads (-m)")
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
    return {"project": project, "cache_type": cache_type, "last_fetch": iso(entry.last_fetch),
            "bytes": len(entry.payload or b"")}
