"""The hybrid persistent cache: memory → JSON file → PostgreSQL → fetcher.

    fileformat.py  the JSON file: an envelope with the payload's sha256 and length, atomic writes
    database.py    the PostgreSQL tier: its connection, the background writer and its backoff
    stats.py       hit/miss/error/latency counters per tier
    refresh.py     single-flight rebuilds; this process's live caches and registered fetchers
    tiered.py      TieredCache, the cache itself
    job.py         the cache_refresh task type (registered on import of this package)
"""

from pgcadence.cache.fileformat import CorruptCacheFile, Entry
from pgcadence.cache.job import refresh_job
from pgcadence.cache.refresh import register_fetcher
from pgcadence.cache.tiered import CacheUnavailable, TieredCache

__all__ = ["CacheUnavailable", "CorruptCacheFile", "Entry", "TieredCache", "refresh_job", "register_fetcher"]
