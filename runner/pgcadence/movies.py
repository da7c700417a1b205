"""Movie ingestion and stale-driven refresh, the HTTP side (see docs/requirements.md,
"Movies"): talk to a TMDB-compatible API and hand every answer to SQL.

What is decided where (sql/movies/):

* SQL decides: which lists a source reads and how many pages (``scheduled_ingest_plan``),
  de-duplication and the limit (``ingest_movie_list``), upserts (``upsert_movie``), what an
  upstream answer means (``tmdb_log_call`` / ``record_movie_fetch``: ok, not_found, wait,
  retry, fail), the shared request rate and 429 pauses (``tmdb_rate_acquire``), staleness
  and what to enqueue (``enqueue_stale_movies``), the queue's claims and retries.
* Python only sends the GETs (the shared upstream client, upstream.py), sleeps as told,
  and reports back.

Every SQL call runs in its own short transaction as ``service_role`` (as a Supabase edge
function with the service-role key would).

Refresh work items are job_queue jobs of task type ``refresh_movie``; the handler below
is registered in the queue's handler registry, so any queue runner (``refresh-worker``,
``/api/jobs/run``, ``pgcadence worker -m pgcadence.movies``) refreshes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import aiohttp
import psycopg
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from pgcadence import db, queries as q
import pgcadence.queue as qw
from pgcadence.queue import handler
from pgcadence.upstream import Answer, UpstreamClient

TASK_TYPE = "refresh_movie"
DETAIL_CONCURRENCY = 4  # detail fetches in flight per scheduled-ingest run (the rate gate still applies)


class UpstreamError(Exception):
    """The upstream call failed; ``retryable`` says whether another attempt may succeed."""

    def __init__(self, message: str, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class NotConfigured(Exception):
    pass


@dataclass
class Upstream:
    base_url: str
    api_key: str
    auth_style: str  # bearer | query
    timeout_ms: int

    def client(self) -> UpstreamClient:
        return UpstreamClient(self.base_url, self.api_key, self.timeout_ms, auth_style=self.auth_style)


# ---------------------------------------------------------------- SQL
async def sql(pool: AsyncConnectionPool, query: str, params: tuple = ()) -> Any:
    """First column of the first row, in its own transaction as service_role."""
    async with pool.connection() as conn:
        row = await db.as_service_role(conn, query, params)
    return None if row is None else row[0]


async def load_upstream(pool: AsyncConnectionPool) -> Upstream:
    try:
        async with pool.connection() as conn:
            row = await db.as_service_role(conn, f"select base_url, api_key, auth_style, timeout_ms from {q.TMDB_CONFIG}")
    except psycopg.errors.NoDataFound as exc:  # P0002: no API key in Vault
        raise NotConfigured(exc.diag.message_primary or str(exc)) from None
    return Upstream(*row)


# ---------------------------------------------------------------- HTTP
async def _send(pool: AsyncConnectionPool, client: UpstreamClient, path: str, params: dict | None, record) -> dict:
    """GET through the rate gate until SQL's decision is not 'wait'; returns that decision."""
    waits = 0
    while True:
        delay = await sql(pool, f"select {q.TMDB_RATE_ACQUIRE}")
        if delay and delay > 0:
            await asyncio.sleep(delay)
        answer = await client.get(path, params)
        decision = await record(answer, waits)
        if decision["action"] != "wait":
            decision["answer"] = answer
            return decision
        waits += 1


# ---------------------------------------------------------------- ingest-movie
async def ingest_movie(pool: AsyncConnectionPool, client: UpstreamClient, tmdb_id: int) -> dict:
    """Fetch one movie and upsert it (404: marked gone). Raises UpstreamError otherwise."""

    async def record(a: Answer, waits: int) -> dict:
        return await sql(pool, f"select {q.RECORD_MOVIE_FETCH}",
                         (tmdb_id, a.endpoint, a.status, Jsonb(a.headers), None if a.body is None else Jsonb(a.body),
                          a.duration_ms, a.error, a.timed_out, waits))

    d = await _send(pool, client, f"/movie/{int(tmdb_id)}", None, record)
    if d["action"] in ("ok", "not_found"):
        return {"tmdb_id": int(tmdb_id), "result": d["result"], "status": d["answer"].status}
    raise UpstreamError(d["error"], retryable=d["action"] == "retry")


# ---------------------------------------------------------------- scheduled-ingest
async def _ingest(pool: AsyncConnectionPool, up: Upstream, plan: dict, limit: int, errors: list) -> tuple[dict, int]:
    """scheduled-ingest's upstream part: list pages, the SQL pick, then each movie's details."""
    refreshed = 0
    async with up.client() as client:
        results: list = []
        done: set[str] = set()
        for page in range(1, plan["pages"] + 1):
            for path in plan["lists"]:
                if path in done:
                    continue

                async def record(a: Answer, waits: int) -> dict:
                    return await sql(pool, f"select {q.TMDB_LOG_CALL}",
                                     (a.endpoint, None, a.status, Jsonb(a.headers), a.duration_ms, a.error,
                                      a.timed_out, waits))

                d = await _send(pool, client, path, {"page": page}, record)
                body = d["answer"].body
                if d["action"] != "ok" or not isinstance(body, dict) or not isinstance(body.get("results"), list):
                    errors.append({"endpoint": d["answer"].endpoint, "error": d.get("error") or "no results in the answer"})
                    done.add(path)
                    continue
                results.extend(body["results"])
                total = body.get("total_pages")
                if not isinstance(total, int) or page >= total:
                    done.add(path)
        picked = await sql(pool, f"select {q.INGEST_MOVIE_LIST}", (Jsonb(results), limit))

        sem = asyncio.Semaphore(DETAIL_CONCURRENCY)

        async def detail(tmdb_id: int) -> None:
            nonlocal refreshed
            async with sem:
                try:
                    r = await ingest_movie(pool, client, tmdb_id)
                    refreshed += r["result"] in ("inserted", "updated")
                except UpstreamError as exc:
                    errors.append({"tmdb_id": tmdb_id, "error": str(exc)})
                except psycopg.DataError as exc:  # a document the database refuses
                    errors.append({"tmdb_id": tmdb_id, "error": (exc.diag.message_primary or str(exc))[:500]})

        await asyncio.gather(*(detail(i) for i in picked["ids"]))
    return picked, refreshed


async def scheduled_ingest(pool: AsyncConnectionPool, source: str, limit: int, trigger: str) -> dict:
    """Read the source's lists, upsert up to ``limit`` distinct movies, fetch each one's
    details, and write one scheduled_ingestion_log row."""
    started = datetime.now(timezone.utc)
    t0 = time.monotonic()
    plan = await sql(pool, f"select {q.SCHEDULED_INGEST_PLAN}", (source, limit))
    errors: list[dict] = []
    picked = {"ids": [], "fetched": 0, "inserted": 0, "updated": 0}
    refreshed = 0
    try:
        up = await load_upstream(pool)
    except NotConfigured as exc:
        errors.append({"error": str(exc)})
        up = None
    if up is not None:
        try:
            picked, refreshed = await _ingest(pool, up, plan, limit, errors)
        except (aiohttp.ClientError, ValueError, KeyError, TypeError) as exc:  # unexpected upstream data: keep the log row
            errors.append({"error": f"{type(exc).__name__}: {exc}"[:500]})
    duration = round((time.monotonic() - t0) * 1000)
    log_id = await sql(pool, f"select {q.LOG_SCHEDULED_INGESTION}",
                       (source, limit, trigger, picked["fetched"], picked["inserted"], picked["updated"], refreshed,
                        Jsonb(errors), duration, started))
    return {"status": "ok" if not errors else ("partial" if picked["fetched"] else "failed"),
            "log_id": log_id, "source": source, "limit": limit, "trigger": trigger,
            "fetched": picked["fetched"], "inserted": picked["inserted"], "updated": picked["updated"],
            "refreshed": refreshed, "errors": errors, "duration_ms": duration}


# ---------------------------------------------------------------- daily-refresh / refresh-worker
async def daily_refresh(pool: AsyncConnectionPool, limit: int = 100) -> dict:
    """Enqueue up to ``limit`` stale movies not already queued (SQL does it all)."""
    return await sql(pool, f"select {q.ENQUEUE_STALE_MOVIES}", (limit,))


def refresh_handler(pool: AsyncConnectionPool, client: UpstreamClient | None, config_error: str | None = None):
    """The refresh_movie queue handler bound to a pool and an upstream client."""

    async def refresh_movie(payload: dict, ctx) -> dict:  # noqa: ARG001 - the queue's handler signature
        if client is None:
            raise NotConfigured(config_error or "the TMDB upstream is not configured")
        tmdb_id = payload.get("tmdb_id")
        if not isinstance(tmdb_id, int) or tmdb_id < 1:
            raise ValueError(f"refresh_movie: payload.tmdb_id must be a positive integer, got {tmdb_id!r}")
        return await ingest_movie(pool, client, tmdb_id)

    return refresh_movie


async def refresh_worker(pool: AsyncConnectionPool, n: int = 10, worker_id: str | None = None,
                         lease: float = 300.0) -> dict:
    """Claim up to ``n`` due jobs with the job queue's own claim (``job_queue_claim``: one
    statement, SKIP LOCKED, lease) and run them: refresh_movie jobs refresh one movie each
    (ingest-movie), other task types run their registered handler. Outcomes go through the
    queue's complete/fail (3 attempts, then failed, error kept). The claim takes only the
    task types this process has handlers for, so sharing the queue with other task types
    never fails their jobs.

    Returns the queue's report: {status, processed, succeeded, failed, results}.
    """
    try:
        up, err = await load_upstream(pool), None
    except NotConfigured as exc:
        up, err = None, str(exc)
    async with up.client() if up is not None else contextlib.nullcontext() as client:
        handlers = {**qw.registered_handlers(), TASK_TYPE: refresh_handler(pool, client, err)}
        return await qw.process_due(pool, n, worker_id, handlers=handlers, lease=lease)


# ---------------------------------------------------------------- the queue's registry
_worker_pool: AsyncConnectionPool | None = None


@handler(TASK_TYPE)
async def refresh_movie(payload: dict, ctx) -> dict:
    """refresh_movie in a plain ``pgcadence worker -m pgcadence.movies`` process: connects with
    the same settings as the CLI (DATABASE_URL / PG* / the embedded cluster)."""
    global _worker_pool
    if _worker_pool is None:
        _worker_pool = AsyncConnectionPool(db.resolve_dsn(None), min_size=1, max_size=4, open=False,
                                           kwargs={"autocommit": True})
        await _worker_pool.open()
    up = await load_upstream(_worker_pool)
    async with up.client() as client:
        return await refresh_handler(_worker_pool, client)(payload, ctx)
