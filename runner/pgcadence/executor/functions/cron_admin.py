"""The cron admin API routes (``/api/admin/cron-jobs...``), part of the admin API.

Authorised like the admin console (an admin's session cookie with its CSRF token, or a
project JWT). Each route runs its SQL function *as the caller* (role ``authenticated``
with the user's claims, as PostgREST would), so the admin check inside the SQL function
decides: a non-admin gets 403, bad input 400 with the SQL error's message, an unknown job
404. Python only checks the shape of the JSON body.
"""

from __future__ import annotations

from psycopg.types.json import Jsonb

from pgcadence import queries as q
from pgcadence.executor.admin import inputs
from pgcadence.executor.admin.api import one
from pgcadence.executor.admin.inputs import INT4
from pgcadence.executor.admin.registry import admin_route
from pgcadence.executor.errors import ApiError

ADMIN_PATH = "/api/admin/cron-jobs"

_LIST_SQL = f"""
with j as materialized (select * from {q.GET_CRON_JOBS})
select jsonb_build_object(
  'jobs', (select coalesce(jsonb_agg(to_jsonb(j) order by j.jobname), '[]'::jsonb) from j),
  'runs', (select coalesce(jsonb_agg(to_jsonb(r) order by r.start_time desc nulls first), '[]'::jsonb)
             from {q.GET_CRON_JOB_RUNS} r),
  'summary', (select jsonb_build_object('total', count(*), 'active', count(*) filter (where j.active),
                                        'inactive', count(*) filter (where not j.active),
                                        'recentFailures', coalesce(sum(j.recent_failures), 0)) from j))
"""


@admin_route(ADMIN_PATH, methods=("GET",), name="admin-cron-jobs", summary="Cron jobs, recent runs and summary (admins)")
async def list_jobs(ctx):
    """`{jobs, runs, summary: {total, active, inactive, recentFailures}}`; query `limit` (runs, default 50)
    and `job` (runs of one job)."""
    text = ctx.query.get("limit", "50")
    if not (text.lstrip("-").isdigit() and len(text) <= 11 and INT4[0] <= int(text) <= INT4[1]):
        raise ApiError(400, "invalid_input", "'limit' must be an integer")
    job = inputs.text(ctx.query, "job")
    return await one(ctx, _LIST_SQL, (int(text), job))


@admin_route(ADMIN_PATH + "/create", methods=("POST",), name="admin-cron-jobs-create", summary="Create a cron job (admins)")
async def create_job(ctx):
    """Body `{jobName, schedule, taskType, payload, maxAttempts, timezone?}` (payload: an object or
    its JSON text); answers `{jobId}`."""
    body = ctx.body
    name = inputs.field(body, "jobName", (str,))
    schedule = inputs.field(body, "schedule", (str,))
    task_type = inputs.field(body, "taskType", (str,))
    # an object, or its JSON text straight from a textarea
    payload = inputs.json_object(body.get("payload") if body.get("payload") is not None else {}, "payload")
    attempts = inputs.field(body, "maxAttempts", (int,), required=False, default=3)
    tz = inputs.field(body, "timezone", (str,), required=False)
    job_id = await one(ctx, f"select {q.CREATE_CRON_JOB}", (name, schedule, task_type, Jsonb(payload), attempts, tz))
    return 201, {"jobId": job_id}


@admin_route(ADMIN_PATH + "/toggle", methods=("POST",), name="admin-cron-jobs-toggle", summary="Enable or disable a cron job (admins)")
async def toggle_job(ctx):
    """Body `{jobName, active}`; answers `{jobName, active}`."""
    name = inputs.field(ctx.body, "jobName", (str,))
    active = inputs.field(ctx.body, "active", (bool,))
    state = await one(ctx, f"select {q.TOGGLE_CRON_JOB}", (name, active))
    return {"jobName": name, "active": state}


@admin_route(ADMIN_PATH + "/schedule", methods=("POST",), name="admin-cron-jobs-schedule", summary="Change a cron job's schedule (admins)")
async def schedule_job(ctx):
    """Body `{jobName, schedule, timezone?}`; answers `{jobName, schedule, description}`."""
    name = inputs.field(ctx.body, "jobName", (str,))
    schedule = inputs.field(ctx.body, "schedule", (str,))
    tz = inputs.field(ctx.body, "timezone", (str,), required=False)
    description = await one(ctx, f"select {q.UPDATE_CRON_SCHEDULE}", (name, schedule, tz))
    return {"jobName": name, "schedule": schedule, "description": description}


@admin_route(ADMIN_PATH + "/delete", methods=("POST",), name="admin-cron-jobs-delete", summary="Delete a cron job (admins)")
async def delete_job(ctx):
    """Body `{jobName}`; answers `{jobName, deleted}`."""
    name = inputs.field(ctx.body, "jobName", (str,))
    deleted = await one(ctx, f"select {q.DELETE_CRON_JOB}", (name,))
    return {"jobName": name, "deleted": deleted}


@admin_route(ADMIN_PATH + "/run", methods=("POST",), name="admin-cron-jobs-run", summary="Run a cron job once, now (admins)")
async def run_job(ctx):
    """Body `{jobName}`; answers the recorded run `{runid, status, return_message, start_time, end_time}`."""
    name = inputs.field(ctx.body, "jobName", (str,))
    run = await one(ctx, f"select to_jsonb(r) from {q.RUN_CRON_JOB_NOW} r", (name,))
    return run
