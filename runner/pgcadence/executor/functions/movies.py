"""The movie edge functions: scheduled-ingest, daily-refresh, refresh-worker, ingest-movie
(see docs/requirements.md, "Movies").

All four are service-only: cron calls them through ``net.http_post`` with the
service-role key (``call_scheduled_ingest()``, ``call_daily_refresh()``,
``call_refresh_worker()``). The work is in pgcadence.movies and sql/movies/.
"""

from __future__ import annotations

import psycopg

from pgcadence import movies
from pgcadence.executor.errors import ApiError
from pgcadence.executor.registry import function


def _body(ctx) -> dict:
    if ctx.body is None:
        return {}
    if not isinstance(ctx.body, dict):
        raise ApiError(400, "invalid_body", "the body must be a JSON object")
    return ctx.body


def _int(body: dict, key: str, default: int | None, lo: int, hi: int) -> int:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ApiError(400, "invalid_body", f"'{key}' must be an integer between {lo} and {hi}")
    return value


async def _guard(coro):
    """SQL's argument errors are the caller's (400); a missing upstream key is 503."""
    try:
        return await coro
    except psycopg.errors.InvalidParameterValue as exc:  # 22023 raised by the SQL functions
        raise ApiError(400, "invalid_body", exc.diag.message_primary or str(exc)) from None
    except movies.NotConfigured as exc:
        raise ApiError(503, "not_configured", str(exc)) from None


@function("scheduled-ingest", service_only=True, methods=("POST",), timeout=300,
          summary="Ingest up to N movies from a source (mixed_daily, mixed_weekly, ...)")
async def scheduled_ingest(ctx):
    """Body `{"source": "mixed_daily", "limit": 30, "trigger": "cron"}`. mixed_daily reads
    now_playing + trending/movie/week, mixed_weekly popular + trending/movie/week;
    de-duplicated, up to the limit; each movie upserted and its details fetched; one
    scheduled_ingestion_log row per run."""
    body = _body(ctx)
    source = body.get("source", "mixed_daily")
    if not isinstance(source, str):
        raise ApiError(400, "invalid_body", "'source' must be a string")
    trigger = body.get("trigger", "manual")
    if trigger not in ("cron", "manual"):
        raise ApiError(400, "invalid_body", "'trigger' must be cron or manual")
    return await _guard(movies.scheduled_ingest(ctx.pool, source, _int(body, "limit", 30, 1, 500), trigger))


@function("daily-refresh", service_only=True, methods=("POST",),
          summary="Enqueue up to 100 stale movies for refresh")
async def daily_refresh(ctx):
    """Queues the stalest movies (not already queued) as refresh_movie jobs and updates
    sync_state.last_sync_at. Body (optional): `{"limit": 100}`."""
    body = _body(ctx)
    return await _guard(movies.daily_refresh(ctx.pool, _int(body, "limit", 100, 1, 10000)))


@function("refresh-worker", service_only=True, methods=("POST",), timeout=300,
          summary="Refresh up to 10 queued movies")
async def refresh_worker(ctx):
    """Claims up to 10 due jobs atomically (the job queue's SKIP LOCKED claim); each
    refresh_movie job runs ingest-movie; a failure is retried by the queue, at most 3
    attempts, its error kept. Body (optional): `{"limit": 10}`."""
    body = _body(ctx)
    return await _guard(movies.refresh_worker(ctx.pool, _int(body, "limit", 10, 1, 100),
                                              worker_id=f"refresh-worker:{ctx.request_id}"))


@function("ingest-movie", service_only=True, methods=("POST",), timeout=120,
          summary="Fetch one movie from the upstream and upsert it")
async def ingest_movie(ctx):
    """Body `{"tmdb_id": 550}`. Upserts the movie and sets last_refreshed_at; a 404 marks
    it gone; every call is logged in tmdb_api_logs. 502 when the upstream failed."""
    body = _body(ctx)
    key = next((k for k in ("tmdb_id", "movie_id", "id") if k in body), "tmdb_id")
    tmdb_id = _int(body, key, None, 1, 2**53)

    async def run():
        up = await movies.load_upstream(ctx.pool)
        async with up.client() as client:
            try:
                return await movies.ingest_movie(ctx.pool, client, tmdb_id)
            except movies.UpstreamError as exc:
                raise ApiError(502, "upstream_error", str(exc)) from None

    return await _guard(run())
