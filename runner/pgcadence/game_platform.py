"""Seed 002's two task types, the HTTP side: ``game_platform_sync`` and
``game_platform_totals_sweep`` (registered in the job queue's handler registry).

SQL decides everything (sql/game_platform/): the upstream settings (``game_platform_config``),
the sync window (``game_platform_sync_window``), what fetched activity means
(``game_platform_record_activity``: de-duplication, needs_totals_refresh flags, advancing
after_time_unix, the summary, dry runs), which competitors to sweep and clearing their flag
(``game_platform_competitors_to_sweep`` / ``game_platform_store_totals``). This module only
sends the GETs and hands the answers to SQL, as ``service_role``.

Upstream contract (base URL from ``game_platform_configure(base_url => ...)`` or the Vault
secret ``game_platform_base_url``; bearer API key from Vault ``game_platform_api_key`` if set):

* ``GET {base}/activities?after_time_unix=N[&coach_id=UUID]`` →
  ``{"activities": [{"id", "competitor_id", "occurred_at" (unix s), "points": {}}]}``
* ``GET {base}/competitors/{external_id}/totals`` → a JSON object (the totals)

Errors: 5xx, timeouts and connection errors raise :class:`UpstreamError` (the queue retries
the job with backoff); a 4xx on the activity feed raises a clear error too (the job fails,
last_error says why); a 4xx for one competitor's totals is reported in the sweep's
``errors`` and the flag stays set.

Payload (both types): ``{"dryRun": bool, "coachId": uuid|null}``. A dry run fetches and
computes the summary but writes nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
import psycopg
from psycopg.types.json import Jsonb

from pgcadence.queue import JobContext, handler

log = logging.getLogger("pgcadence.game_platform")

SYNC_TASK = "game_platform_sync"
SWEEP_TASK = "game_platform_totals_sweep"


class UpstreamError(Exception):
    """The game platform answered badly (status and a short reason in the message)."""


@dataclass
class Upstream:
    base_url: str
    api_key: str | None
    timeout_ms: int
    sweep_batch: int


def _options(payload: Any) -> tuple[bool, str | None]:
    if not isinstance(payload, dict):
        raise ValueError("payload must be a JSON object")
    dry_run = payload.get("dryRun", False)
    if not isinstance(dry_run, bool):
        raise ValueError(f"payload.dryRun must be true or false, got {dry_run!r}")
    coach = payload.get("coachId")
    if coach is not None:
        try:
            coach = str(uuid.UUID(str(coach)))
        except ValueError:
            raise ValueError(f"payload.coachId must be a UUID, got {coach!r}") from None
    return dry_run, coach


async def _connect(ctx: JobContext | None) -> psycopg.AsyncConnection:
    dsn = getattr(ctx, "dsn", None)
    if dsn is None:
        from pgcadence import db

        dsn = db.resolve_dsn(None)
    return await psycopg.AsyncConnection.connect(dsn, autocommit=True, connect_timeout=10)


async def _sql(conn: psycopg.AsyncConnection, query: str, params: tuple = (), *, all_rows: bool = False) -> Any:
    """Run one statement in its own transaction as service_role."""
    async with conn.transaction():
        await conn.execute("select set_config('role', 'service_role', true), "
                           "set_config('request.jwt.claims', '{\"role\": \"service_role\"}', true)")
        cur = await conn.execute(query, params)
        if all_rows:
            return await cur.fetchall()
        row = await cur.fetchone()
    return None if row is None else row[0] if len(row) == 1 else row


class NotConfigured(UpstreamError):
    """No upstream base URL yet: the task is skipped, not failed (nothing to retry)."""


async def _upstream(conn: psycopg.AsyncConnection) -> Upstream:
    try:
        row = await _sql(conn, "select base_url, api_key, timeout_ms, sweep_batch from public.game_platform_config()")
    except psycopg.errors.NoDataFound as exc:
        raise NotConfigured(exc.diag.message_primary or str(exc)) from None
    return Upstream(*row)


def _skipped(task: str, exc: NotConfigured) -> dict:
    """The outcome of a task of an installed but unconfigured module: succeeded, skipped."""
    log.warning("%s skipped: the game platform module is not configured: %s", task, exc)
    return {"skipped": f"not configured: {exc}"}


async def _get_json(session: aiohttp.ClientSession, up: Upstream, path: str, params: dict | None = None) -> tuple[int, Any]:
    """GET base_url + path; returns (status, parsed body) for 2xx/4xx, raises on 5xx/timeouts."""
    headers = {"Accept": "application/json"}
    if up.api_key:
        headers["Authorization"] = f"Bearer {up.api_key}"
    try:
        async with session.get(up.base_url + path, params=params, headers=headers,
                               timeout=aiohttp.ClientTimeout(total=up.timeout_ms / 1000)) as resp:
            raw = await resp.read()
            status = resp.status
    except asyncio.TimeoutError:
        raise UpstreamError(f"GET {path}: no answer within {up.timeout_ms} ms") from None
    except aiohttp.ClientError as exc:
        text = f"{type(exc).__name__}: {exc}"
        if up.api_key:
            text = text.replace(up.api_key, "***")
        raise UpstreamError(f"GET {path}: {text[:300]}") from None
    if status >= 500:
        raise UpstreamError(f"GET {path}: upstream answered {status}: {raw[:200].decode('utf-8', 'replace')}")
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        if 200 <= status < 300:
            raise UpstreamError(f"GET {path}: answer is not JSON") from None
        body = None
    return status, body


def _session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar(), raise_for_status=False)


# ---------------------------------------------------------------- game_platform_sync
async def sync(payload: dict, ctx: JobContext | None = None) -> dict:
    """Incremental fetch since after_time_unix; new activity flags its competitors."""
    dry_run, coach = _options(payload)
    async with await _connect(ctx) as conn:
        up = await _upstream(conn)
        after = await _sql(conn, "select public.game_platform_sync_window(%s)", (coach,))
        params = {"after_time_unix": str(after)}
        if coach:
            params["coach_id"] = coach
        async with _session() as session:
            status, body = await _get_json(session, up, "/activities", params)
        if status != 200:
            detail = body.get("error") if isinstance(body, dict) else None
            raise UpstreamError(f"GET /activities: upstream answered {status}" + (f": {detail}" if detail else ""))
        activities = body.get("activities") if isinstance(body, dict) else body
        if not isinstance(activities, list):
            raise UpstreamError("GET /activities: expected {\"activities\": [...]}")
        return await _sql(conn, "select public.game_platform_record_activity(%s, %s, %s)",
                          (Jsonb(activities), coach, dry_run))


# ---------------------------------------------------------------- game_platform_totals_sweep
async def totals_sweep(payload: dict, ctx: JobContext | None = None) -> dict:
    """Fetch fresh totals for flagged competitors and store them (clears the flag)."""
    dry_run, coach = _options(payload)
    async with await _connect(ctx) as conn:
        up = await _upstream(conn)
        limit = payload.get("limit", up.sweep_batch)
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise ValueError(f"payload.limit must be a positive integer, got {limit!r}")
        rows = await _sql(conn, "select id, external_id, last_activity_at from public.game_platform_competitors_to_sweep(%s, %s)",
                          (limit, coach), all_rows=True)
        summary = {"competitors": len(rows), "refreshed": 0, "cleared": 0, "dry_run": dry_run, "errors": []}
        async with _session() as session:
            for cid, ext, seen in rows:
                path = f"/competitors/{quote(ext, safe='')}/totals"
                status, body = await _get_json(session, up, path)  # 5xx/timeouts raise: retried
                if status != 200 or not isinstance(body, dict):
                    summary["errors"].append({"competitor": ext, "status": status,
                                              "error": "upstream answered " + str(status) if status != 200
                                              else "totals must be a JSON object"})
                    continue
                summary["refreshed"] += 1
                if not dry_run:
                    cleared = await _sql(conn, "select public.game_platform_store_totals(%s, %s, %s)",
                                         (cid, Jsonb(body), seen))
                    summary["cleared"] += bool(cleared)
        return summary


@handler(SYNC_TASK)
async def game_platform_sync(payload: dict, ctx: JobContext) -> dict:
    """Game Platform incremental sync (seed 002): activity since after_time_unix, flags competitors."""
    try:
        return await sync(payload, ctx)
    except NotConfigured as exc:
        return _skipped(SYNC_TASK, exc)


@handler(SWEEP_TASK)
async def game_platform_totals_sweep(payload: dict, ctx: JobContext) -> dict:
    """Refresh totals of competitors flagged needs_totals_refresh (seed 002)."""
    try:
        return await totals_sweep(payload, ctx)
    except NotConfigured as exc:
        return _skipped(SWEEP_TASK, exc)
