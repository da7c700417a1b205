"""The signup flow's backend (docs/signup.md; docs/requirements.md, "Audit trail and
sessions"): the provider's tools, the audited signup actions, a user's audit trail.

    mcp-tool        verify_jwt   {tool, arguments?, session_id?}: one provider tool, real or mock
    signup-action   verify_jwt   {session_id, action, ...}: select_provider, connect_account,
                                 find_programs, select_program, submit_registration
    audit-trail     verify_jwt   GET ?action=&session_id=&provider=&org_ref=&since=&until=&limit=

A tool that fails answers ``{"error": {"code", "message", "retryable", "action"}}`` with
the message a user should read (public.mcp_friendly_error); so does a refused or expired
JWT on mcp-tool and signup-action. The technical detail goes to the log and to the audit
row (``mcp_tool_failed``). Bad input is ``{"error": "invalid_input", "message": …}``.

What is allowed and what it means is decided in SQL (signup_step / signup_record,
mcp_tool, mcp_friendly_error, access_credential, store_credential); this module seals and
opens credentials, calls the tools and keeps the session's in-memory copy.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
import uuid
from contextlib import asynccontextmanager

import psycopg

from pgcadence import credentials, mandates, mcp_tools, queries as q
from pgcadence.executor import inputs, logs
from pgcadence.executor.errors import JSON, ApiError
from pgcadence.executor.functions import session_memory
from pgcadence.executor.registry import function

ACTIONS = ("select_provider", "connect_account", "find_programs", "select_program", "submit_registration")
_ACTION_NAME = r"^[a-z][a-z0-9_]{0,62}$"


# ------------------------------------------------------------------ friendly errors
async def _friendly(conn, tool: str | None, kind: str, sent: bool = True) -> tuple[int, dict]:
    cur = await conn.execute(f"select code, message, retryable, action, http_status from {q.MCP_FRIENDLY_ERROR}",
                             (tool, kind, sent))
    code, message, retryable, action, status = await cur.fetchone()
    return status, {"error": {"code": code, "message": message, "retryable": retryable, "action": action}}


async def friendly_auth_error(request, exc) -> JSON:
    """A missing, expired or bad JWT on a flow function: "Your session expired. Please log in again."."""
    kind = "session_expired" if exc.code == "jwt_expired" else "not_signed_in"
    logs.event("auth_refused", function=request.scope.get("state", {}).get("function"), code=exc.code,
               request_id=request.scope.get("state", {}).get("request_id"))
    async with request.app.state.pool.connection() as conn:
        status, body = await _friendly(conn, None, kind)
    return JSON(body, status_code=status, headers={"WWW-Authenticate": "Bearer"})


async def _signed_in_user(ctx, *, service_ok: bool) -> str | None:
    """The caller's user id; None for service_role when ``service_ok``. The anon key is nobody."""
    if ctx.role == "authenticated" and ctx.sub:
        return ctx.sub
    if ctx.role == "service_role":
        if service_ok:
            return None
        raise ApiError(403, "user_required", f"{ctx.function} acts for a user: call it with the user's JWT")
    async with ctx.connection() as conn:
        status, body = await _friendly(conn, None, "not_signed_in")
    raise _Answer(status, body)


class _Answer(Exception):
    """A finished answer raised out of a helper."""

    def __init__(self, status: int, body: dict) -> None:
        super().__init__(status)
        self.status, self.body = status, body


@asynccontextmanager
async def _sql_errors():
    """The flow's SQL errors as answers: bad argument, no session, out of order."""
    try:
        yield
    except psycopg.errors.InvalidParameterValue as exc:
        raise ApiError(400, "invalid_input", exc.diag.message_primary) from None
    except psycopg.errors.NoDataFound as exc:
        raise ApiError(404, "session_not_found", exc.diag.message_primary) from None
    except psycopg.errors.ObjectNotInPrerequisiteState as exc:
        raise ApiError(409, "out_of_order", exc.diag.message_primary) from None


def _answered(fn):
    async def wrapper(ctx):
        try:
            return await fn(ctx)
        except _Answer as a:
            return a.status, a.body

    wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
    return wrapper


# ------------------------------------------------------------------ running a tool
async def _audit(ctx, user: str | None, action: str, *, org_ref=None, provider=None, credential_id=None,
                 metadata: dict) -> None:
    """An audit row in the caller's name (service_role: no user)."""
    role = ctx.as_role() if user else ctx.as_role("service_role")
    async with role as conn:
        await conn.execute(f"select {q.LOG_AUDIT}",
                           (action, user, org_ref, provider, credential_id, json.dumps(metadata)))


async def _open_credential(ctx, user: str | None, credential_id: str, meta: dict) -> dict:
    """The session's credential, opened to log in (audited credentials_accessed)."""
    role = ctx.as_role() if user else ctx.as_role("service_role")
    try:
        async with role as conn:
            cur = await conn.execute(f"select * from {q.ACCESS_CREDENTIAL}", (credential_id, json.dumps(meta)))
            _cid, _owner, _provider, _alias, ciphertext, key_fp = await cur.fetchone()
    except psycopg.errors.NoDataFound:
        raise ApiError(409, "out_of_order", "the session's credential no longer exists: connect the account again") \
            from None
    try:
        return credentials.unseal(credentials.load_ring(), credential_id, ciphertext, key_fp)
    except credentials.SealError as exc:
        logs.event("credential_unseal_failed", logging.ERROR, function=ctx.function, credential_id=credential_id,
                   detail=str(exc))
        raise ApiError(500, "decrypt_failed", "Failed to decrypt credentials") from None


async def _run_tool(ctx, spec: mcp_tools.ToolSpec, arguments: dict, user: str | None,
                    meta: dict) -> mcp_tools.ToolResult:
    """Run a tool; a failure is audited (mcp_tool_failed, with the detail) and raised as the friendly answer."""
    async with ctx.connection() as conn:
        mode = await mcp_tools.load_mode(conn)
    dsn = ctx.request.app.state.settings.dsn

    async def mandate() -> str | None:
        if user:
            return (await asyncio.to_thread(mandates.mint_for_user, dsn, user, spec.scopes, ctx.function)).jws
        async with ctx.connection() as conn:
            return await mcp_tools.config(conn, mandates.MANDATE_SECRET)

    try:
        return await mcp_tools.run(mode, spec, arguments, mandate)
    except mcp_tools.ToolFailure as f:
        await _audit(ctx, user, "mcp_tool_failed", org_ref=meta.get("org_ref"), provider=meta.get("provider"),
                     metadata={**{k: v for k, v in meta.items() if v is not None}, "tool": spec.tool, "kind": f.kind,
                               "error": f.message[:500], "attempts": f.attempts, "sent": f.sent,
                               "source": "real" if mode.use_real else "mock"})
        logs.event("mcp_tool_failed", logging.WARNING, function=ctx.function, tool=spec.tool, kind=f.kind,
                   attempts=f.attempts, sent=f.sent, detail=f.message, request_id=ctx.request_id)
        async with ctx.connection() as conn:
            status, body = await _friendly(conn, spec.tool, f.kind, f.sent)
        raise _Answer(status, body) from None


async def _spec(ctx, name: str) -> mcp_tools.ToolSpec:
    async with ctx.connection() as conn:
        spec = await mcp_tools.tool_spec(conn, name)
        if spec is None:
            cur = await conn.execute("select string_agg(tool, ', ' order by tool) from public.mcp_tools")
            known = (await cur.fetchone())[0]
            raise ApiError(400, "unknown_tool", f"unknown tool {name!r}: one of {known}")
    return spec


# ------------------------------------------------------------------ mcp-tool
@function("mcp-tool", methods=("POST",), timeout=300, on_auth_error=friendly_auth_error,
          summary="Call one of the provider's tools (real MCP server or the mocks)")
@_answered
async def mcp_tool(ctx):
    """Body `{"tool": "scp.search_providers" (or search_provider), "arguments": {...},
    "session_id"?}` with the user's JWT (service_role: on the system mandate). With a
    session, its org_ref is the default argument and a tool that logs in gets the session's
    credential (audited credentials_accessed). Answers `{tool, source: real|mock|mock_fallback,
    fallback, result}`; a failure `{"error": {code, message, retryable, action}}`."""
    user = await _signed_in_user(ctx, service_ok=True)
    body = inputs.body_object(ctx.body, '{"tool", "arguments"?, "session_id"?}')
    spec = await _spec(ctx, inputs.text(body, "tool", max_len=100))
    arguments = body.get("arguments", {})
    if not isinstance(arguments, dict):
        raise inputs.invalid("arguments must be a JSON object")
    sid = inputs.text(body, "session_id", required=False)
    context: dict = {}
    if sid:
        if not user:
            raise inputs.invalid("session_id needs the user's JWT (sessions belong to a user)")
        entry = await _load_session(ctx, user, sid)
        context = entry["context"] if isinstance(entry["context"], dict) else {}
        if "org_ref" not in arguments and context.get("org_ref") and spec.tool != "scp.search_providers":
            arguments = {**arguments, "org_ref": context["org_ref"]}
    meta = {"sessionId": sid, "provider": context.get("provider"), "org_ref": arguments.get("org_ref")
            if isinstance(arguments.get("org_ref"), str) else None}
    if spec.needs_login and "credentials" not in arguments and context.get("credential_id"):
        secret = await _open_credential(ctx, user, context["credential_id"],
                                        {**{k: v for k, v in meta.items() if v}, "tool": spec.tool})
        arguments = {**arguments, "credentials": secret}
    result = await _run_tool(ctx, spec, arguments, user, meta)
    if not spec.read_only:  # a registration outside signup-action is audited all the same
        data = result.data if isinstance(result.data, dict) else {}
        await _audit(ctx, user, "registration_completed", org_ref=meta["org_ref"], provider=meta["provider"],
                     metadata={**{k: v for k, v in meta.items() if v is not None}, "via": "mcp-tool",
                               "program_id": str(arguments.get("program_id")),
                               "confirmation_id": data.get("confirmation_id"), "source": result.source})
    return result.answer(spec.tool)


async def _load_session(ctx, user: str, sid: str) -> dict:
    entry = session_memory.recall(ctx.request, user, sid)
    if entry:
        return entry
    async with ctx.as_role() as conn:
        cur = await conn.execute(f"select provider_id, context, expires_at from {q.LOAD_CHECKOUT_SESSION}", (sid,))
        row = await cur.fetchone()
    if row is None:
        raise ApiError(404, "session_not_found", f"no checkout session {sid!r} (or it expired)")
    return session_memory.remember(ctx.request, user, sid, row[1], row[0], row[2])


# ------------------------------------------------------------------ signup-action
@function("signup-action", methods=("POST",), timeout=300, on_auth_error=friendly_auth_error,
          summary="One step of the signup flow on a checkout session, audited")
@_answered
async def signup_action(ctx):
    """Body `{"session_id", "action", ...}` with the user's JWT:

    - `select_provider` `{provider, org_ref, provider_name?}` (creates the session)
    - `connect_account` `{email, password, alias?}` (sealed and stored: credentials_submitted)
    - `find_programs` `{category?}` (logs in with the credential: credentials_accessed; scp.get_programs)
    - `select_program` `{program_id}`
    - `submit_registration` `{answers?}` (scp.submit_registration, never retried once sent)

    Each updates the session's context (database, then memory) and writes its audit row
    with sessionId, provider and org_ref. Answers `{session_id, action, step, context,
    expires_at, ...}`; a tool failure `{"error": {code, message, retryable, action}}`;
    bad input 400, no session 404, a step out of order 409."""
    user = await _signed_in_user(ctx, service_ok=False)
    body = inputs.body_object(ctx.body, '{"session_id", "action", ...}')
    sid = inputs.text(body, "session_id", max_len=200)
    action = inputs.text(body, "action", max_len=60)
    if action not in ACTIONS:
        raise inputs.invalid(f"action must be one of {', '.join(ACTIONS)}")
    args = {k: v for k, v in body.items() if k not in ("session_id", "action", "email", "password")}
    secret = None
    if action == "connect_account":
        secret = {"email": inputs.text(body, "email", max_len=320), "password": inputs.text(body, "password",
                                                                                            max_len=1000)}
    async with _sql_errors():
        async with ctx.as_role() as conn:
            cur = await conn.execute(f"select {q.SIGNUP_STEP}", (sid, action, json.dumps(args)))
            step = (await cur.fetchone())[0]
    meta = {"sessionId": sid, "provider": step.get("provider"), "org_ref": step.get("org_ref")}
    extra: dict = {}
    result: dict = {}
    if action == "connect_account":
        ring = credentials.load_ring()
        try:
            ring.active_key()
        except credentials.SealError as exc:
            logs.event("credential_seal_failed", logging.ERROR, function=ctx.function, detail=str(exc))
            raise ApiError(500, "not_configured", "credentials cannot be stored here (CRED_SEAL_KEY not configured)") \
                from None
        result = {"credential_id": str(uuid.uuid4())}
    elif action == "find_programs":
        spec = await _spec(ctx, "scp.get_programs")
        login = await _open_credential(ctx, user, step["credential_id"], {**meta, "purpose": "find_programs"})
        run = await _run_tool(ctx, spec, {"org_ref": step["org_ref"], "category": step["category"],
                                          "credentials": login}, user, meta)
        data = run.data if isinstance(run.data, dict) else {"programs": run.data}
        result = {"programs": data.get("programs")}
        extra = {"source": run.source, "fallback": run.source == "mock_fallback"}
    elif action == "submit_registration":
        spec = await _spec(ctx, "scp.submit_registration")
        login = await _open_credential(ctx, user, step["credential_id"],
                                       {**meta, "purpose": "submit_registration"})
        run = await _run_tool(ctx, spec, {"org_ref": step["org_ref"], "program_id": step["program_id"],
                                          "answers": step.get("answers") or {}, "credentials": login}, user, meta)
        data = run.data if isinstance(run.data, dict) else {}
        result = {"confirmation_id": data.get("confirmation_id"), "status": data.get("status")}
        extra = {"source": run.source}
    async with _sql_errors():
        async with ctx.as_role() as conn:
            cur = await conn.execute(f"select context, expires_at from {q.SIGNUP_RECORD}",
                                     (sid, action, json.dumps(args), json.dumps(result)))
            context, expires = await cur.fetchone()
            if action == "connect_account":  # in the same transaction as the context and its audit row
                ct, fp = credentials.seal(ring, result["credential_id"], secret)
                await conn.execute(f"select {q.STORE_CREDENTIAL}",
                                   (result["credential_id"], user, step["provider"], step["alias"], ct, fp,
                                    json.dumps(meta)))
    session_memory.remember(ctx.request, user, sid, context, step.get("provider"), expires)
    logs.event("signup_action", function=ctx.function, action=action, step=context.get("step"),
               request_id=ctx.request_id)
    return {"session_id": sid, "action": action, "step": context.get("step"), "context": context,
            "expires_at": expires, **extra}


# ------------------------------------------------------------------ audit-trail
def _when(value: str | None, name: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        t = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise inputs.invalid(f"{name} must be an ISO 8601 time, e.g. 2025-01-15T14:30:00Z") from None
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


@function("audit-trail", methods=("GET",), summary="The caller's audit trail (admins and service_role: everyone's)")
async def audit_trail(ctx):
    """Query `?action=a,b&session_id=&provider=&org_ref=&since=&until=&user_id=&limit=` (limit
    1-1000, default 100; times ISO 8601). Rows newest first; a user sees their own rows,
    an admin (profiles.role = admin) and service_role everyone's — RLS decides, not this
    function. Answers `{entries: [...], count, next_until}` (`next_until`: pass it as
    `until` for the next page)."""
    if not ((ctx.role == "authenticated" and ctx.sub) or ctx.role == "service_role"):
        raise ApiError(403, "user_required", "the audit trail is read with the user's JWT (or the service_role key)")
    query = ctx.query
    for name in query.keys():
        if name not in ("action", "session_id", "provider", "org_ref", "since", "until", "user_id", "limit"):
            raise inputs.invalid(f"unknown parameter {name[:60]!r}")
    params = {name: inputs.text(dict(query), name, required=False, max_len=200)
              for name in ("action", "session_id", "provider", "org_ref", "since", "until", "user_id", "limit")}
    actions = None
    if params["action"]:
        actions = [a.strip() for a in params["action"].split(",") if a.strip()]
        if not actions or not all(re.match(_ACTION_NAME, a) for a in actions):
            raise inputs.invalid("action must be audit action names, comma-separated")
    user_id = None
    if params["user_id"]:
        try:
            user_id = str(uuid.UUID(params["user_id"]))
        except ValueError:
            raise inputs.invalid("user_id must be a UUID") from None
    try:
        limit = int(params["limit"] or 100)
    except ValueError:
        raise inputs.invalid("limit must be an integer from 1 to 1000") from None
    if not 1 <= limit <= 1000:
        raise inputs.invalid("limit must be an integer from 1 to 1000")
    async with ctx.as_role() as conn:
        cur = await conn.execute(
            f"select id, created_at, user_id, action, org_ref, provider, credential_id, metadata from {q.AUDIT_TRAIL}",
            (actions, params["session_id"], params["provider"], params["org_ref"], _when(params["since"], "since"),
             _when(params["until"], "until"), user_id, limit))
        rows = await cur.fetchall()
    cols = ("id", "created_at", "user_id", "action", "org_ref", "provider", "credential_id", "metadata")
    entries = [dict(zip(cols, r)) for r in rows]
    for e in entries:
        e["created_at"] = e["created_at"].astimezone(dt.timezone.utc).isoformat(timespec="microseconds").replace(
            "+00:00", "Z")
    return {"entries": entries, "count": len(entries),
            "next_until": entries[-1]["created_at"] if len(entries) == limit else None}
