"""Metrics the database holds, read from ``pgcadence.metrics()`` when scraped.

One query per scrape (shared by concurrent scrapes, and reused for ``min_interval``
seconds so that several Prometheus servers cost one query), over the executor's
database connection. When the database cannot answer, the scrape still succeeds with
``pgcadence_database_up 0`` and the process metrics.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field

from prometheus_client import Metric
from psycopg_pool import AsyncConnectionPool

from pgcadence import queries as q
log = logging.getLogger("pgcadence.metrics")

QUERY = f"SELECT metric, kind, help, labels, value FROM {q.METRICS}"
TIMEOUT = 5.0  # seconds a scrape waits for the database (Prometheus gives up on a scrape after 10 s)


@dataclass
class Snapshot:
    rows: list[tuple] = field(default_factory=list)
    ok: bool = False
    seconds: float = 0.0
    taken_at: float = 0.0
    error: str | None = None


def families(snapshot: Snapshot) -> list[Metric]:
    """The snapshot's rows as Prometheus metric families, plus the scrape's own gauges."""
    out: dict[str, Metric] = {}
    for name, kind, help_text, labels, value in snapshot.rows:
        m = out.get(name)
        if m is None:
            m = out[name] = Metric(name, help_text, "counter" if kind == "counter" else "gauge")
        if isinstance(labels, str):
            labels = json.loads(labels)
        sample = name + "_total" if m.type == "counter" else name
        m.add_sample(sample, {k: "" if v is None else str(v) for k, v in (labels or {}).items()},
                     float("nan") if value is None else float(value))
    up = Metric("pgcadence_database_up", "1 when the database answered this scrape's metrics query, else 0.", "gauge")
    up.add_sample("pgcadence_database_up", {}, 1.0 if snapshot.ok else 0.0)
    took = Metric("pgcadence_database_metrics_query_seconds", "Time the metrics query took.", "gauge")
    took.add_sample("pgcadence_database_metrics_query_seconds", {}, snapshot.seconds)
    return [*out.values(), up, took]


class DatabaseMetrics:
    """Fetches and caches snapshots of ``pgcadence.metrics()`` through ``pool``."""

    def __init__(self, pool: AsyncConnectionPool, min_interval: float = 2.0) -> None:
        self.pool = pool
        self.min_interval = min_interval
        self._last = Snapshot()
        self._lock = asyncio.Lock()

    async def snapshot(self) -> Snapshot:
        async with self._lock:  # concurrent scrapes share one query
            if self._last.taken_at and time.monotonic() - self._last.taken_at < self.min_interval:
                return self._last
            t0 = time.monotonic()
            snap = Snapshot(taken_at=t0)
            try:
                async with asyncio.timeout(TIMEOUT):
                    async with self.pool.connection() as conn:
                        cur = await conn.execute(QUERY)
                        snap.rows = await cur.fetchall()
                snap.ok = True
            except Exception as exc:  # noqa: BLE001 - a scrape reports the database as down, it does not fail
                snap.error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
                if not self._last.error:
                    log.warning("metrics query failed", extra={"event": "metrics_query_failed", "error": snap.error})
            snap.seconds = time.monotonic() - t0
            self._last = snap
            return snap
