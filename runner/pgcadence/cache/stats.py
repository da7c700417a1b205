"""Hit, miss, error and latency counters of one cache, per tier, and what changed since
they were last added to ``public.cache_stats`` (batched: the database tier's writer
flushes them every minute and on close)."""

from __future__ import annotations

import itertools
import threading

TIERS = ("memory", "file", "db", "fetch")


class TierStats:
    """Counters of one tier."""

    __slots__ = ("hits", "misses", "errors", "latency_samples", "latency_total_ns")

    def __init__(self) -> None:
        self.hits = self.misses = self.errors = self.latency_samples = self.latency_total_ns = 0

    def as_dict(self) -> dict:
        mean = self.latency_total_ns / self.latency_samples / 1000 if self.latency_samples else None
        return {"hits": self.hits, "misses": self.misses, "errors": self.errors,
                "latency_samples": self.latency_samples, "latency_mean_us": mean,
                "latency_total_us": self.latency_total_ns / 1000}


class CacheStats:
    """Thread-safe counters. Memory hits are not counted one by one (the hot path only
    bumps ``calls``): they are every call minus the counted memory misses."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # get() calls. next() on an itertools.count is one C call, so concurrent callers never lose a count.
        self.calls = itertools.count(1)
        self._tiers = {t: TierStats() for t in TIERS}
        self._flushed = {t: (0, 0, 0, 0, 0) for t in TIERS}

    def record(self, tier: str, hit: bool, ns: int, *, error: bool = False, count_hit: bool = True,
               count_miss: bool = True) -> None:
        with self._lock:
            s = self._tiers[tier]
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

    def snapshot(self) -> dict[str, dict]:
        """Per-tier counters of this process (the memory tier's latency is sampled)."""
        with self._lock:
            calls = int(repr(self.calls)[6:-1]) - 1  # "count(N)": N is the next value
            out = {t: s.as_dict() for t, s in self._tiers.items()}
        out["memory"]["hits"] = max(0, calls - out["memory"]["misses"])
        return out

    def deltas(self) -> tuple[dict, dict]:
        """(what changed since the last ``flushed``, the snapshot to pass to it)."""
        now = self.snapshot()
        deltas, snapshot = {}, {}
        for t in TIERS:
            s = now[t]
            cur = (s["hits"], s["misses"], s["errors"], s["latency_samples"], int(s["latency_total_us"] * 1000))
            d = [a - b for a, b in zip(cur, self._flushed[t])]
            snapshot[t] = cur
            if any(d):
                deltas[t] = {"hits": d[0], "misses": d[1], "errors": d[2], "latency_samples": d[3],
                             "latency_total_us": d[4] / 1000}
        return deltas, snapshot

    def flushed(self, snapshot: dict) -> None:
        """The deltas up to ``snapshot`` reached the database."""
        self._flushed = snapshot
