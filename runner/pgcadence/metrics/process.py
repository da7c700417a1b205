"""Metrics only this process knows: counters and histograms kept in memory.

The queue worker calls :func:`job_claimed` and :func:`jobs_finished` (``process_due``
:func:`job_finished`), the executor's middleware :func:`executor_request`; the cache tier
latency of this process's open caches is read when scraped. Everything is registered in
:data:`REGISTRY` (not prometheus_client's global one), with the usual process and Python
collectors.
"""

from __future__ import annotations

import sys
import threading
from bisect import bisect_left

from prometheus_client import (CollectorRegistry, Counter, GCCollector, Histogram, PlatformCollector, ProcessCollector,
                               disable_created_metrics)
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, SummaryMetricFamily
from prometheus_client.utils import floatToGoString

disable_created_metrics()  # no *_created series: Prometheus does not use them
REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

WORKER_CLAIMS = Counter(
    "pgcadence_worker_claims", "Jobs claimed by a queue worker of this process.", ["worker"], registry=REGISTRY)
EXECUTOR_REQUESTS = Counter(
    "pgcadence_executor_requests", "HTTP requests the executor answered, by function and status code.",
    ["function", "status"], registry=REGISTRY)
EXECUTOR_LATENCY = Histogram(
    "pgcadence_executor_request_duration_seconds", "Time the executor took to answer, by function.",
    ["function"], registry=REGISTRY,
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120))


# ------------------------------------------------------------------ hooks
def job_claimed(worker: str, n: int = 1) -> None:
    """A worker claimed ``n`` jobs."""
    if n:
        WORKER_CLAIMS.labels(worker).inc(n)


class _FinishedJobs:
    """pgcadence_worker_completions (by worker and outcome) and
    pgcadence_job_duration_seconds (by task type and outcome), tallied in plain numbers
    under one lock and turned into metric families when scraped: the same series a
    Counter and a Histogram would expose, at a fraction of their cost per job (each
    takes a lock of its own per update, and the worker finishes thousands of jobs a
    second)."""

    BOUNDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, float("inf"))

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._completions: dict[tuple[str, str], int] = {}
        self._durations: dict[tuple[str, str], list] = {}  # -> [count per bucket (not cumulative), sum]

    def add(self, worker: str, task_type: str, outcome: str, duration_ms: float | None) -> None:
        self.add_many(worker, ((task_type, outcome, duration_ms),))

    def add_many(self, worker: str, finished) -> None:
        """Tally ``finished``, (task type, outcome, duration in ms or None) per attempt,
        under one lock: the worker hands over a round trip's jobs at once."""
        worker = worker or "-"
        bounds = self.BOUNDS
        with self._lock:
            completions, durations = self._completions, self._durations
            for task_type, outcome, duration_ms in finished:
                outcome = outcome or "unknown"
                key = (worker, outcome)
                completions[key] = completions.get(key, 0) + 1
                if duration_ms is None:
                    continue
                seconds = duration_ms / 1000
                key = (task_type or "-", outcome)
                tally = durations.get(key)
                if tally is None:
                    tally = durations[key] = [[0] * len(bounds), 0.0]
                tally[0][bisect_left(bounds, seconds)] += 1  # the first bucket whose bound is >= it
                tally[1] += seconds

    def collect(self):
        with self._lock:
            completions = dict(self._completions)
            durations = {k: (list(v[0]), v[1]) for k, v in self._durations.items()}
        done = CounterMetricFamily(
            "pgcadence_worker_completions",
            "Job attempts a queue worker of this process finished, by outcome (succeeded, retry, failed, lost, released).",
            labels=["worker", "outcome"])
        for labels, n in completions.items():
            done.add_metric(list(labels), n)
        took = HistogramMetricFamily(
            "pgcadence_job_duration_seconds", "Time a job attempt took in this process, by task type and outcome.",
            labels=["task_type", "outcome"])
        for labels, (counts, total) in durations.items():
            cumulative, buckets = 0, []
            for bound, n in zip(self.BOUNDS, counts):
                cumulative += n
                buckets.append((floatToGoString(bound), cumulative))
            took.add_metric(list(labels), buckets, total)
        yield done
        yield took


FINISHED_JOBS = _FinishedJobs()
REGISTRY.register(FINISHED_JOBS)


def job_finished(worker: str, task_type: str, outcome: str, duration_ms: float | None) -> None:
    """One finished attempt, as the worker logs it."""
    FINISHED_JOBS.add(worker, task_type, outcome, duration_ms)


def jobs_finished(worker: str, finished) -> None:
    """Finished attempts of one worker: (task type, outcome, duration in ms or None) each."""
    FINISHED_JOBS.add_many(worker, finished)


def executor_request(function: str, status: int, seconds: float) -> None:
    """One answered HTTP request."""
    EXECUTOR_REQUESTS.labels(function, str(status)).inc()
    EXECUTOR_LATENCY.labels(function).observe(seconds)


# ------------------------------------------------------------------ cache tiers
class _CacheTiers:
    """Per-tier lookups and latency of the caches open in this process (pgcadence.cache);
    nothing when the cache module was never imported."""

    def collect(self):
        refresh = sys.modules.get("pgcadence.cache.refresh")  # not imported: no cache is open
        caches = refresh.open_caches() if refresh is not None else []
        lookups = CounterMetricFamily("pgcadence_cache_tier_lookups",
                                      "Lookups of the caches open in this process, by tier and result (hit, miss, error).",
                                      labels=["project", "cache_type", "tier", "result"])
        latency = SummaryMetricFamily("pgcadence_cache_tier_latency_seconds",
                                      "Timed lookups of the caches open in this process, by tier (memory: one in 256 sampled).",
                                      labels=["project", "cache_type", "tier"])
        for cache in caches:
            try:
                stats = cache.stats()
            except Exception:  # noqa: BLE001 - a closing cache: skip it this time
                continue
            for tier, s in stats.items():
                base = [str(cache.project), str(cache.cache_type), tier]
                for result, key in (("hit", "hits"), ("miss", "misses"), ("error", "errors")):
                    lookups.add_metric(base + [result], s.get(key, 0))
                latency.add_metric(base, count_value=s.get("latency_samples", 0),
                                   sum_value=s.get("latency_total_us", 0.0) / 1e6)
        yield lookups
        yield latency


REGISTRY.register(_CacheTiers())
