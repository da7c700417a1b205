"""The cron admin API routes (``/api/admin/cron-jobs...``), part of the admin API.

Authorised like the admin console (an admin's session cookie with its CSRF token, or a
project JWT). Each route runs its SQL function *as the caller* (role ``authenticated``
with the user's claims, as PostgREST would), so the admin check inside the SQL function
decides: a non-admin gets 403, bad input 400 with the SQL error's message, an unknown job
404. Python only checks the shape of the JSON body.
"""

from __future__ import annotations

import psycopg
from psycopg.types.json import Jsonb

from pgcadence import queries as q
from pgcadence.executor.admin import inputs
from pgcadence.executor.admin.registry import admin_route
from pgcadence.executor.errors import ApiError

ADMIN_PATH = "/api/admin/cron-jobs"

_LIST_SQL = f"""
with j as materialized (select * from {q.GET_CRON_JOBS})
select (select coalesce(jsonb_agg(to_jsonb(j) order by j.jobname), '[]'::jsonb) from j),
       (select coalesce(jsonb_agg(to_jsonb(r) order by r.start_time desc nulls first), '[]'::jsonb)
          from {q.GET_CRON_JOB_RUNS} r),
       (select jsonb_build_object('total', count(*), 'active', count(*) filter (where j.active),
                                  'inactive', count(*) filter (where not j.active),
                                  'recentFailures', coalesce(sum(j.recent_failures), 0)) from j)
"""


INT4 = (-(2**31), 2**31 - 1)  # what an SQL integer argument holds


def _field(body, name: str, kinds: tuple[type, ...], *, required: bool = True, default=None):
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_input", "the request body must be a JSON object")
    if name not in body or body[name] is None:
        if required:
            raise ApiError(400, "invalid_input", f"'{name}' is required")
        return default
    value = body[name]
    if not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool)):
        wanted = " or ".join({str: "a string", bool: "true or false", int: "an integer", dict: "a JSON object"}[k] for k in kinds)
        raise ApiError(400, "invalid_input", f"'{name}' must be {wanted}")
    if isinstance(value, int) and not isinstance(value, bool) and not INT4[0] <= value <= INT4[1]:
        raise ApiError(400, "invalid_input", f"'{name}' is out of range (an integer between {INT4[0]} and {INT4[1]})")
    return value


async def _call(ctx, sql: str, params: tuple):
    """Run one statement as the caller; map SQL errors to HTTP answers."""
    try:
        async with ctx.as_role() as conn:
            cur = await conn.execute(sql, params)
            return await cur.fetchone()
    except psycopg.Error as exc:
        state = exc.sqlstate or ""
        if state == "P0002":  # no such job
            raise ApiError(404, "not_found", exc.diag.message_primary or "not found") from None
        if state[:2] in ("22", "23"):  # data exceptions (validation), unique violations
            raise ApiError(400, "invalid_input", exc.diag.message_primary or type(exc).__name__) from None
        raise  # 42501 -> 403, anything else -> 500 (the app's mapping)


@admin_route(ADMIN_PATH, methods=("GET",), name="admin-cron-jobs", summary="Cron jobs, recent runs and summary (admins)")
async def list_jobs(ctx):
    """`{jobs, runs, summary: {total, active, inactive, recentFailures}}`; query `limit` (runs, default 50)
    and `job` (runs of one job)."""
    text = ctx.query.get("limit", "50")
    if not (text.lstrip("-").isdigit() and len(text) <= 11 and INT4[0] <= int(text) <= INT4[1]):
        raise ApiError(400, "invalid_input", "'limit' must be an integer")
    job = ctx.query.get("job") or None
    if job is not None and "\x00" in job:
        raise ApiError(400, "invalid_input", "'job' contains a NUL character")
    jobs, runs, summary = await _call(ctx, _LIST_SQL, (int(text), job))
    return {"jobs": jobs, "runs": runs, "summary": summary}


@admin_route(ADMIN_PATH + "/create", methods=("POST",), name="admin-cron-jobs-create", summary="Create a cron job (admins)")
async def create_job(ctx):
    """Body `{jobName, schedule, taskType, payload, maxAttempts, timezone?}` (payload: an object or
    its JSON text); answers `{jobId}`."""
    body = ctx.body
    name = _field(body, "jobName", (str,))
    schedule = _field(body, "schedule", (str,))
    task_type = _field(body, "taskType", (str,))
    # an object, or its JSON text straight from a textarea
    payload = inputs.json_object(body.get("payload") if body.get("payload") is not None else {}, "payload")
    attempts = _field(body, "maxAttempts", (int,), required=False, default=3)
    tz = _field(body, "timezone", (str,), required=False)
    (job_id,) = await _call(ctx, f"select {q.CREATE_CRON_JOB}",
                            (name, schedule, task_type, Jsonb(payload), attempts, tz))
    return 201, {"jobId": job_id}


@admin_route(ADMIN_PATH + "/toggle", methods=("POST",), name="admin-cron-jobs-toggle", summary="Enable or disable a cron job (admins)")
async def toggle_job(ctx):
    """Body `{jobName, active}`; answers `{jobName, active}`."""
    name = _field(ctx.body, "jobName", (str,))
    active = _field(ctx.body, "active", (bool,))
    (state,) = await _call(ctx, f"select {q.TOGGLE_CRON_JOB}", (name, active))
    return {"jobName": name, "active": state}


@admin_route(ADMIN_PATH + "/schedule", methods=("POST",), name="admin-cron-jobs-schedule", summary="Change a cron job's schedule (admins)")
async def schedule_job(ctx):
    """Body `{jobName, schedule, timezone?}`; answers `{jobName, schedule, description}`."""
    name = _field(ctx.body, "jobName", (str,))
    schedule = _field(ctx.body, "schedule", (str,))
    tz = _field(ctx.body, "timezone", (str,), required=False)
    (description,) = await _call(ctx, f"select {q.UPDATE_CRON_SCHEDULE}", (name, schedule, tz))
    return {"jobName": name, "schedule": schedule, "description": description}


@admin_route(ADMIN_PATH + "/delete", methods=("POST",), name="admin-cron-jobs-delete", summary="Delete a cron job (admins)")
async def delete_job(ctx):
    """Body `{jobName}`; answers `{jobName, deleted}`."""
    name = _field(ctx.body, "jobName", (str,))
    (deleted,) = await _call(ctx, f"select {q.DELETE_CRON_JOB}", (name,))
    return {"jobName": name, "deleted": deleted}


@admin_route(ADMIN_PATH + "/run", methods=("POST",), name="admin-cron-jobs-run", summary="Run a cron job once, now (admins)")
async def run_job(ctx):
    """Body `{jobName}`; answers the recorded run `{runid, status, return_message, start_time, end_time}`."""
    name = _field(ctx.body, "jobName", (str,))
    (run,) = await _call(ctx, f"select to_jsonb(r) from {q.RUN_CRON_JOB_NOW} r", (name,))
    return run
