"""The admin API (``/api/admin/…``): JSON routes for everything the console's pages do.

Authorised like the pages: an admin's session cookie (state-changing methods also carry
its CSRF token in ``X-CSRF-Token``) or a project JWT in ``Authorization: Bearer``. Each
route runs one statement as the caller; the SQL function decides who may (42501 → 403)
and what is valid (22xxx, 23xxx → 400, P0002 → 404, 55xxx → 409), and its message is the answer's.
"""

from __future__ import annotations

import asyncio

import psycopg
from psycopg.types.json import Jsonb
from psycopg_pool import PoolTimeout
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from pgcadence.executor import auth, body as json_body, logs, ratelimit
from pgcadence.executor.admin import inputs, statements as sql, signin
from pgcadence.executor.admin.registry import ApiRoute, admin_route
from pgcadence.executor.context import RequestContext
from pgcadence.executor.errors import JSON, ApiError, error

MAX_BODY = 1024 * 1024


def sql_error(exc: psycopg.Error) -> ApiError:
    """An SQL error as the HTTP answer the console shows verbatim."""
    state = exc.sqlstate or ""
    message = (exc.diag.message_primary if exc.diag else None) or (str(exc).splitlines() or [type(exc).__name__])[0]
    if state == "42501":
        return ApiError(403, "permission_denied", message)
    if state == "P0002":
        return ApiError(404, "not_found", message)
    if state == "28000":
        return ApiError(401, "not_signed_in", message)
    if state[:2] in ("22", "23") or (not state and isinstance(exc, psycopg.DataError)):
        return ApiError(400, "invalid_input", message)  # (no state: psycopg refused a value, e.g. text with NUL)
    if state[:2] == "55":
        return ApiError(409, "conflict", message)
    return ApiError(500, "database_error", message)


async def one(ctx: RequestContext, statement: str, params: tuple = ()):
    """The first column of the first row of one statement run as the caller."""
    async with ctx.as_role() as conn:
        row = await (await conn.execute(statement, params)).fetchone()
    return row[0] if row else None


async def _body(request: Request) -> tuple[bytes, object]:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        raise ApiError(413, "payload_too_large", f"request body over the {MAX_BODY}-byte limit")
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            raise ApiError(413, "payload_too_large", f"request body over the {MAX_BODY}-byte limit")
    return raw, json_body.parse(raw)


def make_endpoint(route: ApiRoute):
    """The Starlette endpoint of one admin API route: authenticate, CSRF, run, map errors."""

    async def endpoint(request: Request) -> Response:
        state = request.scope.setdefault("state", {})
        state["function"] = route.name
        settings = request.app.state.settings
        try:
            async with asyncio.timeout(settings.request_timeout):
                try:
                    caller = await signin.caller_from(request)
                except auth.AuthError as exc:
                    return error(401, exc.code, exc.message, headers={"WWW-Authenticate": "Bearer"})
                if caller is None:
                    return error(401, "missing_authorization",
                                 "sign in at /admin/login, or send 'Authorization: Bearer <an admin user's JWT>'",
                                 headers={"WWW-Authenticate": "Bearer"})
                state["role"], state["auth"] = caller.role, caller.how
                signin.check_csrf(request, caller, request.headers.get(signin.CSRF_HEADER))
                limited = await ratelimit.check_request(request, route.limit_name, caller.role, caller.claims)
                if limited is not None:
                    return limited
                raw, body = await _body(request)
                ctx = RequestContext(function=route.name, request=request, request_id=state.get("request_id", ""),
                                     role=caller.role, claims=caller.claims, auth=caller.how, body=body, raw_body=raw,
                                     pool=request.app.state.pool)
                result = await route.handler(ctx)
        except ApiError as exc:
            return error(exc.status, exc.code, exc.message)
        except TimeoutError:
            return error(504, "timeout", f"'{route.name}' did not finish within {settings.request_timeout:g} s")
        except ClientDisconnect:
            return error(400, "client_disconnected", "the client went away while sending the body")
        except PoolTimeout:
            return error(503, "database_unavailable", "no database connection available; try again")
        except psycopg.Error as exc:
            err = sql_error(exc)
            if err.status == 500:
                state["exception"] = type(exc).__name__
                logs.event("handler_error", 40, exc_info=exc, function=route.name, request_id=state.get("request_id"))
            return error(err.status, err.code, err.message)
        if isinstance(result, Response):
            return result
        if isinstance(result, tuple):
            return JSON(result[1], status_code=result[0])
        return JSON(result)

    endpoint.__name__ = f"admin_{route.name}"
    return endpoint


def _page(ctx, default_size: int = 25) -> tuple[int, int]:
    return (inputs.integer(ctx.query, "page", 1, 1, 100000), inputs.integer(ctx.query, "per_page", default_size, 1, 200))


def _job(ctx) -> str:
    return inputs.job_id(ctx.request.path_params["id"])


# ------------------------------------------------------------------ one statement, no arguments
def _plain(path: str, name: str, statement: str, doc: str, key: str | None = None, methods=("GET",)) -> None:
    """Register a route that runs ``statement`` and answers its value (as ``{key: value}`` with a key)."""

    async def handler(ctx):
        value = await one(ctx, statement)
        return value if key is None else {key: value}

    handler.__name__, handler.__doc__ = name, doc
    admin_route(path, methods=methods, name=name)(handler)


for _route in (
    ("/api/admin/overview", "overview", sql.OVERVIEW,
     "Cron and queue counts, the processing switch, net backlog, throughput of the last hour."),
    ("/api/admin/cron/health", "cron_health", sql.CRON_HEALTH, "cron_health(): one row per check with level ok/warn/fail.",
     "checks"),
    ("/api/admin/handlers", "handlers", sql.HANDLERS, "The registered task types (the create dialog's dropdown).",
     "handlers"),
    ("/api/admin/queue/metrics", "queue_metrics", sql.QUEUE_METRICS,
     "job_queue_metrics per task type, and whether processing is paused."),
    ("/api/admin/queue/pause", "queue_pause", sql.QUEUE_PAUSE, "Pause processing: claims return nothing, enqueue still works.",
     "paused", ("POST",)),
    ("/api/admin/queue/resume", "queue_resume", sql.QUEUE_RESUME, "Resume processing and wake the workers.", "paused",
     ("POST",)),
    ("/api/admin/audit/facets", "audit_facets", sql.AUDIT_FACETS, "Action names, orgs and providers for the audit filters."),
    ("/api/admin/caches", "caches", sql.CACHES, "The persistent cache store per project and type, with per-tier hit statistics."),
):
    _plain(*_route)


# ------------------------------------------------------------------ cron
@admin_route("/api/admin/cron/runs")
async def cron_runs(ctx):
    """Execution history, newest first: query `job`, `status` (succeeded, failed, running), `page`, `per_page`."""
    page, size = _page(ctx)
    return await one(ctx, sql.CRON_RUNS, (inputs.text(ctx.query, "job"), inputs.text(ctx.query, "status"), page, size))


@admin_route("/api/admin/cron/runs/{runid:int}")
async def cron_run(ctx):
    """One run with its full return message, start, end, duration, status and PID."""
    return await one(ctx, sql.CRON_RUN, (ctx.request.path_params["runid"],))


@admin_route("/api/admin/cron/preview")
async def cron_preview(ctx):
    """Validate a schedule: query `schedule`, `timezone`; answers its description and next five runs."""
    schedule = inputs.text(ctx.query, "schedule")
    if schedule is None:
        raise inputs.bad("'schedule' is required")
    return await one(ctx, sql.CRON_PREVIEW, (schedule, inputs.text(ctx.query, "timezone")))


# ------------------------------------------------------------------ job queue
@admin_route("/api/admin/jobs")
async def jobs(ctx):
    """Jobs, newest first: query `status`, `task_type`, `q` (text in payload or error), `page`, `per_page`."""
    page, size = _page(ctx)
    return await one(ctx, sql.JOBS, (inputs.text(ctx.query, "status"), inputs.text(ctx.query, "task_type"),
                                   inputs.text(ctx.query, "q"), page, size))


@admin_route("/api/admin/jobs", methods=("POST",), name="jobs_enqueue")
async def jobs_enqueue(ctx):
    """Enqueue a job: body `{taskType, payload (object or JSON text), maxAttempts?, delaySeconds?, priority?}`; answers `{id}`."""
    task_type = inputs.field(ctx.body, "taskType", (str,))
    payload = inputs.json_object(inputs.field(ctx.body, "payload", (dict, str), required=False, default={}), "payload")
    attempts = inputs.field(ctx.body, "maxAttempts", (int,), required=False, default=3)
    delay = inputs.field(ctx.body, "delaySeconds", (int,), required=False, default=0)
    priority = inputs.field(ctx.body, "priority", (int,), required=False, default=0)
    job = await one(ctx, sql.JOB_ENQUEUE, (task_type, Jsonb(payload), delay, attempts, priority))
    return 201, {"id": job}


@admin_route("/api/admin/jobs/bulk", methods=("POST",), name="jobs_bulk")
async def jobs_bulk(ctx):
    """Retry or cancel a filtered set: body `{action: retry|cancel, status, taskType?, q?, dryRun}`
    (dryRun, the default, only counts: confirm with the count, then send dryRun false)."""
    action = inputs.field(ctx.body, "action", (str,))
    status = inputs.field(ctx.body, "status", (str,), required=False)
    task_type = inputs.field(ctx.body, "taskType", (str,), required=False) or None
    search = inputs.field(ctx.body, "q", (str,), required=False) or None
    dry_run = inputs.field(ctx.body, "dryRun", (bool,), required=False, default=True)
    return await one(ctx, sql.JOB_BULK, (action, status or None, task_type, search, dry_run))


@admin_route("/api/admin/jobs/{id}")
async def job(ctx):
    """One job with payload, result, last error and its attempt history."""
    return await one(ctx, sql.JOB, (_job(ctx),))


@admin_route("/api/admin/jobs/{id}/retry", methods=("POST",), name="job_retry")
async def job_retry(ctx):
    """Run a finished job again (one more attempt); a pending one becomes due now."""
    return {"id": _job(ctx), "status": await one(ctx, sql.JOB_RETRY, (_job(ctx),))}


@admin_route("/api/admin/jobs/{id}/cancel", methods=("POST",), name="job_cancel")
async def job_cancel(ctx):
    """Cancel a pending or running job."""
    return {"id": _job(ctx), "status": await one(ctx, sql.JOB_CANCEL, (_job(ctx),))}


@admin_route("/api/admin/jobs/{id}/run-now", methods=("POST",), name="job_run_now")
async def job_run_now(ctx):
    """Make a pending job due now."""
    return {"id": _job(ctx), "status": await one(ctx, sql.JOB_RUN_NOW, (_job(ctx),))}


# ------------------------------------------------------------------ audit, net
@admin_route("/api/admin/audit")
async def audit(ctx):
    """The audit trail: query `action` (LIKE pattern, e.g. cache_warm_%), `org`, `provider`, `user`,
    `since`, `until` (ISO times), `sort` (created_at, action, org_ref, provider, user_id), `dir` (asc|desc), `page`, `per_page`."""
    page, size = _page(ctx, 50)
    direction = inputs.text(ctx.query, "dir") or "desc"
    if direction not in ("asc", "desc"):
        raise inputs.bad("'dir' must be asc or desc")
    user = inputs.text(ctx.query, "user")
    if user is not None:
        try:
            user = inputs.job_id(user)
        except ApiError:
            raise inputs.bad("'user' must be a user id (uuid)") from None
    params = (inputs.text(ctx.query, "action", max_len=100), inputs.text(ctx.query, "org"),
              inputs.text(ctx.query, "provider"), user, inputs.text(ctx.query, "since", max_len=40),
              inputs.text(ctx.query, "until", max_len=40), inputs.text(ctx.query, "sort") or "created_at",
              direction == "desc", page, size)
    return await one(ctx, sql.AUDIT, params)


@admin_route("/api/admin/net")
async def net(ctx):
    """HTTP requests from SQL: backlog, queued requests, responses (query `outcome`: ok, http_error, timeout, error)."""
    page, size = _page(ctx)
    return await one(ctx, sql.NET, (inputs.text(ctx.query, "outcome"), page, size))


@admin_route("/api/admin/net/{id:int}")
async def net_request(ctx):
    """One request and its response, secret-bearing headers redacted."""
    return await one(ctx, sql.NET_REQUEST, (ctx.request.path_params["id"],))


