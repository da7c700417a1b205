"""``process_due``: claim due jobs once, run them, record the outcomes (what
``/api/jobs/run`` calls when pg_cron triggers the worker endpoint)."""

from __future__ import annotations

import asyncio
import json
import time
from contextlib import asynccontextmanager
from datetime import timedelta

from psycopg_pool import AsyncConnectionPool

from pgcadence.metrics import process as metrics
from pgcadence.queue import sql
from pgcadence.queue.job import (JobContext, decode_payload, default_worker_id, error_text, is_async_handler,
                                 log_outcome, run_handler)
from pgcadence.queue.registry import Handler, registered_handlers

MAX_RUN_BATCH = 100  # the most jobs one call takes (the route's limit)


@asynccontextmanager
async def _borrow(conn_or_pool):
    if isinstance(conn_or_pool, AsyncConnectionPool):
        async with conn_or_pool.connection() as conn:
            yield conn
    else:
        yield conn_or_pool


async def process_due(conn_or_pool, n: int = 10, worker_id: str | None = None, *,
                      handlers: dict[str, Handler] | None = None, lease: float = 300.0,
                      dsn: str | None = None, log_level: int = 20) -> dict:
    """Claim up to ``n`` due jobs (capped at 100) of the task types in ``handlers``, run
    their handlers concurrently, record every outcome in one statement, and return::

        {"status": "ok", "processed": 3, "succeeded": 2, "failed": 1, "results": [...]}

    ``conn_or_pool``: an autocommit ``psycopg.AsyncConnection`` or an ``AsyncConnectionPool``.
    ``failed`` counts failed attempts (whether a retry is scheduled or not). Jobs of other
    task types are left for a worker that has their handler.
    ``dsn`` (default: a pool's conninfo) is handed to handlers as ``context.dsn``.
    """
    handlers = registered_handlers() if handlers is None else handlers
    if dsn is None and isinstance(conn_or_pool, AsyncConnectionPool):
        dsn = conn_or_pool.conninfo
    worker_id = worker_id or default_worker_id()
    n = max(1, min(int(n), MAX_RUN_BATCH))
    rows = []
    if handlers:
        async with _borrow(conn_or_pool) as conn:
            cur = await conn.execute(sql.CLAIM, (n, worker_id, timedelta(seconds=lease), sorted(handlers)))
            rows = await cur.fetchall()
        metrics.job_claimed(worker_id, len(rows))

    async def one(row) -> tuple[JobContext, dict, str | None, str | None]:
        job_id, token, task_type, raw, attempt, max_attempts = row
        ctx = JobContext(job_id, task_type, attempt, max_attempts, worker_id, dsn=dsn, lease_token=token)
        rec = {"id": job_id, "task_type": task_type, "attempt": attempt, "worker": worker_id}
        t0 = time.monotonic()
        try:
            ctx.payload = decode_payload(raw)
            fn = handlers[task_type]
            result = await run_handler(fn, is_async_handler(fn), ctx)
        except Exception as exc:  # noqa: BLE001 - a handler's failure is data
            rec["duration_ms"] = round((time.monotonic() - t0) * 1000, 1)
            return ctx, rec, None, error_text(exc)
        rec["duration_ms"] = round((time.monotonic() - t0) * 1000, 1)
        return ctx, rec, result, None

    ran = list(await asyncio.gather(*(one(r) for r in rows)))
    ok = [(c, rec, res) for c, rec, res, err in ran if err is None]
    bad = [(c, rec, err) for c, rec, _, err in ran if err is not None]
    outcomes: dict[str, tuple] = {}
    if ran:
        async with _borrow(conn_or_pool) as conn:
            cur = await conn.execute(sql.STEP, (
                [c.id for c, _, _ in ok], [c.lease_token for c, _, _ in ok], [res for _, _, res in ok] or None,
                0, worker_id, timedelta(seconds=lease), None,
                [c.id for c, _, _ in bad], [c.lease_token for c, _, _ in bad], [err for _, _, err in bad]))
            for kind, job_id, *_, run_at, _wait in await cur.fetchall():
                outcomes[job_id] = (kind, run_at)
    results = []
    for ctx, rec, res in ok:
        kind, _ = outcomes.get(ctx.id, ("succeeded", None))
        rec["outcome"] = kind
        if kind == "succeeded" and res is not None:
            rec["result"] = json.loads(res)
        log_outcome(ctx, kind, rec["duration_ms"], log_level)
        results.append(rec)
    for ctx, rec, err in bad:
        kind, run_at = outcomes.get(ctx.id, ("lost", None))
        rec.update(outcome=kind, error=err)
        if kind == "retry":
            rec["next_run_at"] = run_at
        log_outcome(ctx, kind, rec["duration_ms"], log_level, error=err, next_run_at=run_at if kind == "retry" else None)
        results.append(rec)
    return {
        "status": "ok",
        "processed": len(results),
        "succeeded": sum(r["outcome"] == "succeeded" for r in results),
        "failed": sum(r["outcome"] in ("retry", "failed") for r in results),
        "results": results,
    }
