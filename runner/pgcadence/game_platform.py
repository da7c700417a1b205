"""The game platform's two task types, the HTTP side: ``game_platform_sync`` and
``game_platform_totals_sweep`` (registered in the job queue's handler registry; see
docs/requirements.md, "Game platform").

SQL decides everything (sql/game_platform/): the upstream settings (``game_platform_config``),
the sync window (``game_platform_sync_window``), what fetched activity means
(``game_platform_record_activity``: de-duplication, needs_totals_refresh flags, advancing
after_time_unix, the summary, dry runs), which competitors to sweep and clearing their flag
(``game_platform_competitors_to_sweep`` / ``game_platform_store_totals``). This module only
sends the GETs (the shared upstream client, upstream.py) and hands the answers to SQL, as
``service_role``.

Upstream contract (base URL from ``game_platform_configure(base_url => ...)`` or the Vault
secret ``game_platform_base_url``; bearer API key from Vault ``game_platform_api_key`` if set):

* ``GET {base}/activities?after_time_unix=N[&coach_id=UUID]`` →
  ``{"activities": [{"id", "competitor_id", "occurred_at" (unix s), "points": {}}]}``
* ``GET {base}/competitors/{external_id}/totals`` → a JSON object (the totals)

Errors: 5xx, timeouts, connection errors and bodies over the size limit raise
:class:`UpstreamError` (the queue retries the job with backoff); a 4xx on the activity feed raises a clear error too (the job fails,
last_error says why); a 4xx for one competitor's totals is reported in the sweep's
``errors`` and the flag stays set.

Payload (both types): ``{"dryRun": bool, "coachId": uuid|null}``. A dry run fetches and
computes the summary but writes nothing.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import psycopg
from psycopg.types.json import Jsonb

from pgcadence import db, queries as q
from pgcadence.queue import JobContext, handler
from pgcadence.upstream import UpstreamClient

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

    def client(self) -> UpstreamClient:
        return UpstreamClient(self.base_url, self.api_key, self.timeout_ms)


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
        dsn = db.resolve_dsn(None)
    return await psycopg.AsyncConnection.connect(dsn, autocommit=True, connect_timeout=10)


async def _sql(conn: psycopg.AsyncConnection, query: str, params: tuple = (), *, all_rows: bool = False) -> Any:
    """Run one statement in its own transaction as service_role: its rows, or its first
    row (its only value when it has one)."""
    out = await db.as_service_role(conn, query, params, all_rows=all_rows)
    if all_rows or out is None:
        return out
    return out[0] if len(out) == 1 else out


class NotConfigured(UpstreamError):
    """No upstream base URL yet: the task is skipped, not failed (nothing to retry)."""


async def _upstream(conn: psycopg.AsyncConnection) -> Upstream:
    try:
        row = await _sql(conn, f"select base_url, api_key, timeout_ms, sweep_batch from {q.GAME_PLATFORM_CONFIG}")
    except psycopg.errors.NoDataFound as exc:
        raise NotConfigured(exc.diag.message_primary or str(exc)) from None
    return Upstream(*row)


def _task(name: str, work):
    """The queue handler of task type ``name``: ``work``, except that an installed but
    unconfigured module's task succeeds as skipped (nothing to retry)."""

    async def run(payload: dict, ctx: JobContext) -> dict:
        try:
            return await work(payload, ctx)
        except NotConfigured as exc:
            log.warning("%s skipped: the game platform module is not configured: %s", name, exc)
            return {"skipped": f"not configured: {exc}"}

    run.__name__ = name
    run.__doc__ = work.__doc__
    return handler(name)(run)


async def _get_json(client: UpstreamClient, path: str, params: dict | None = None) -> tuple[int, Any]:
    """GET base_url + path; (status, parsed body) for 2xx/4xx; UpstreamError for 5xx,
    timeouts, connection errors, bodies over the limit and a 2xx that is not JSON."""
    a = await client.get(path, params)
    if a.error is not None:
        raise UpstreamError(f"GET {path}: " + ("no answer within " f"{client.timeout_ms} ms" if a.timed_out
                                               else a.error[:300]))
    if a.status >= 500:
        raise UpstreamError(f"GET {path}: upstream answered {a.status}: {a.raw[:200].decode('utf-8', 'replace')}")
    if not a.json_ok and 200 <= a.status < 300:
        raise UpstreamError(f"GET {path}: answer is not JSON")
    return a.status, a.body


# ---------------------------------------------------------------- game_platform_sync
async def sync(payload: dict, ctx: JobContext | None = None) -> dict:
    """Incremental fetch since after_time_unix; new activity flags its competitors."""
    dry_run, coach = _options(payload)
    async with await _connect(ctx) as conn:
        up = await _upstream(conn)
        after = await _sql(conn, f"select {q.GAME_PLATFORM_SYNC_WINDOW}", (coach,))
        params = {"after_time_unix": str(after)}
        if coach:
            params["coach_id"] = coach
        async with up.client() as client:
            status, body = await _get_json(client, "/activities", params)
        if status != 200:
            detail = body.get("error") if isinstance(body, dict) else None
            raise UpstreamError(f"GET /activities: upstream answered {status}" + (f": {detail}" if detail else ""))
        activities = body.get("activities") if isinstance(body, dict) else body
        if not isinstance(activities, list):
            raise UpstreamError("GET /activities: expected {\"activities\": [...]}")
        return await _sql(conn, f"select {q.GAME_PLATFORM_RECORD_ACTIVITY}",
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
        rows = await _sql(conn, f"select id, external_id, last_activity_at from {q.GAME_PLATFORM_COMPETITORS_TO_SWEEP}",
                          (limit, coach), all_rows=True)
        summary = {"competitors": len(rows), "refreshed": 0, "cleared": 0, "dry_run": dry_run, "errors": []}
        async with up.client() as client:
            for cid, ext, seen in rows:
                path = f"/competitors/{quote(ext, safe='')}/totals"
                status, body = await _get_json(client, path)  # 5xx/timeouts raise: retried
                if status != 200 or not isinstance(body, dict):
                    summary["errors"].append({"competitor": ext, "status": status,
                                              "error": "upstream answered " + str(status) if status != 200
                                              else "totals must be a JSON object"})
                    continue
                summary["refreshed"] += 1
                if not dry_run:
                    cleared = await _sql(conn, f"select {q.GAME_PLATFORM_STORE_TOTALS}",
                                         (cid, Jsonb(body), seen))
                    summary["cleared"] += bool(cleared)
        return summary


game_platform_sync = _task(SYNC_TASK, sync)
game_platform_totals_sweep = _task(SWEEP_TASK, totals_sweep)
