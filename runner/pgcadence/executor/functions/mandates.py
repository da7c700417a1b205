"""Cache warming, system mandates, sealed credentials, checkout sessions
(docs/requirements.md, "Cache warming" and "Audit trail and sessions").

    warm-cache-authenticated  verify_jwt     warm cached_programs from the provider's MCP server
                                             (any project key; other than service_role: enabled targets only)
    create-system-mandate     service-only   issue a signed system mandate (JWS)
    renew-system-mandate      service-only   renew SYSTEM_MANDATE_JWS (the hourly pg_cron job calls it)
    setup-system-user         public         {"action": "check"} (no key: only whether it is configured)
                                             / {"action": "store", ...} (service_role)
    cred-get                  verify_jwt     a credential, to its owner only (audited)
    cleanup-sessions          public         delete expired checkout sessions (verify_jwt = false)
    checkout-session          verify_jwt     save / load a checkout session (memory, then database)

Decisions live in SQL (cache_warm_plan, record_cache_warm, access_credential, log_audit,
save/load_checkout_session); this module does the HTTP, the cryptography and the waiting.
Secrets (SYSTEM_MANDATE_JWS, SCP_SERVICE_CRED_ID, MCP_SERVER_URL, MCP_ACCESS_TOKEN) are
read from Vault, else from the environment; CRED_SEAL_KEY only from the environment or
its key file (never the database).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import time
import uuid

import jwt
import psycopg
from cryptography.hazmat.primitives import serialization

from pgcadence import credentials, db, mandates, mcp_client, mcp_tools, queries as q, vault
from pgcadence.errors import CadenceError
from pgcadence.executor import inputs, keys, logs
from pgcadence.executor.errors import ApiError
from pgcadence.executor.functions import session_memory
from pgcadence.executor.registry import function

TOOL = "scp.get_programs"
DEFAULT_PROVIDER = "skiclubpro"

mcp_client.load_sdk()  # at start-up: a request must not wait most of a second for the import


def _now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _fail(status: int, message: str, **extra) -> tuple[int, dict]:
    return status, {"success": False, "error": message, **extra}


_config = mcp_tools.config  # a setting: the Vault secret of that name, else the environment


def _signing_key_from_pem(pem: str | None):
    if not pem:
        return None
    return serialization.load_pem_private_key(pem.encode(), password=None)


async def _audit(conn, action: str, *, user_id=None, org_ref=None, provider=None, credential_id=None,
                 metadata: dict | None = None) -> None:
    await conn.execute(f"select {q.LOG_AUDIT}",
                       (action, user_id, org_ref, provider, credential_id, json.dumps(metadata or {})))


def _uuid_or_none(value) -> str | None:
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError):
        return None


async def _sync(ctx, fn):
    """Run ``fn(conn)`` on a sync connection in a worker thread (admin paths that reuse the CLI code)."""
    dsn = ctx.request.app.state.settings.dsn

    def work():
        with db.connect(dsn) as conn:
            return fn(conn)

    return await asyncio.to_thread(work)


# ------------------------------------------------------------------ warm-cache-authenticated
def _semaphore(ctx, provider_url: str) -> asyncio.Semaphore:
    """One semaphore per provider per server: bounded concurrency across concurrent calls."""
    state = ctx.request.app.state
    sems = getattr(state, "mcp_semaphores", None)
    if sems is None:
        sems = state.mcp_semaphores = {}
    if provider_url not in sems:
        sems[provider_url] = asyncio.Semaphore(max(1, int(os.environ.get("WARM_CONCURRENCY_PER_PROVIDER", "2"))))
    return sems[provider_url]


def _parse_warm_body(body) -> tuple[str | None, str | None, bool]:
    body = {} if body is None else body
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object: {org_ref?, category?, force_refresh?}")
    org, cat, force = body.get("org_ref"), body.get("category"), body.get("force_refresh", False)
    for name, v in (("org_ref", org), ("category", cat)):
        if v is not None and (not isinstance(v, str) or not v.strip() or len(v) > 200):
            raise ValueError(f"{name} must be a non-empty string")
    if not isinstance(force, bool):
        raise ValueError("force_refresh must be true or false")
    return org, cat, force


FORCE_COOLDOWN_MINUTES = 15  # a force_refresh without the service key refreshes an entry at most this often


async def _plan(ctx, org_ref, category, targets_only: bool, refresh_after_minutes: int | None = None) -> list:
    async with ctx.as_role("service_role") as sconn:
        cur = await sconn.execute(
            f"select org_ref, category, fresh from {q.CACHE_WARM_PLAN}",
            (org_ref, category, targets_only,
             None if refresh_after_minutes is None else dt.timedelta(minutes=refresh_after_minutes)))
        return await cur.fetchall()


# Any project JWT, the anon key included, as the setup guide's manual test calls it. The
# anon key is public, so callers other than service_role may only warm enabled
# cache_warm_targets (no provider login for an org they choose, no audit rows about it),
# and their force_refresh refreshes an entry at most once per FORCE_COOLDOWN_MINUTES.
@function("warm-cache-authenticated", methods=("POST",), timeout=900,
          summary="Warm cached_programs from the provider's MCP server with the system mandate")
async def warm_cache_authenticated(ctx):
    """Body `{org_ref?, category?, force_refresh?}`; empty = every enabled cache_warm_targets row.
    Answers `{success, timestamp, summary: {total, success, failed}, results: [{org_ref, category, status}]}`;
    configuration errors are HTTP 500 with `{"success": false, "error": "..."}`."""
    try:
        org_ref, category, force = _parse_warm_body(ctx.body)
    except ValueError as exc:
        return _fail(400, str(exc))
    targets_only = ctx.role != "service_role"
    refresh_after = FORCE_COOLDOWN_MINUTES if force and targets_only else None
    force = force and not targets_only  # refresh fresh entries too: the service key only
    if targets_only:
        plan = await _plan(ctx, org_ref, category, True, refresh_after)
        if not plan and (org_ref or category):
            return _fail(403, "with this key only enabled cache_warm_targets can be warmed, and "
                              f"{org_ref or '*'}/{category or '*'} is not one")
        if not plan:
            return {"success": True, "timestamp": _now_iso(), "summary": {"total": 0, "success": 0, "failed": 0},
                    "results": []}
    started = time.perf_counter()

    async with ctx.connection() as conn:
        jws = await _config(conn, mandates.MANDATE_SECRET)
        if not jws:
            return await _config_failure(ctx, org_ref, category, started, "SYSTEM_MANDATE_JWS not configured")
        key = _signing_key_from_pem(await keys.aget_secret(conn, mandates.SIGNING_KEY_SECRET))
        try:
            mandate = mandates.verify(jws, key, TOOL)
        except mandates.MandateError as exc:
            claims_user = _uuid_or_none((_unverified(jws) or {}).get("user_id"))
            async with ctx.as_role("service_role") as sconn:
                await _audit(sconn, "mandate_rejected", user_id=claims_user, org_ref=org_ref,
                             metadata={"reason": exc.reason, "error": exc.message, "operation": TOOL,
                                       "function": ctx.function})
            return _fail(403, exc.message, reason=f"mandate_{exc.reason}")
        cred_id = await _config(conn, mandates.CRED_ID_SECRET)
        if not cred_id:
            return await _config_failure(ctx, org_ref, category, started, "SCP_SERVICE_CRED_ID not configured",
                                         user_id=mandate.user_id)
        if _uuid_or_none(cred_id) is None:
            return await _config_failure(ctx, org_ref, category, started,
                                         "SCP_SERVICE_CRED_ID is not a credential id (UUID)", user_id=mandate.user_id)
        mcp_url = await _config(conn, "MCP_SERVER_URL")
        mcp_token = await _config(conn, "MCP_ACCESS_TOKEN")
        mcp_timeout = await _config(conn, "MCP_TIMEOUT_SECONDS")  # tunable without a restart

    # the system credential: fetched (and audited) in SQL, opened here
    try:
        async with ctx.as_role("service_role") as sconn:
            cur = await sconn.execute(f"select * from {q.ACCESS_CREDENTIAL}",
                                      (cred_id, json.dumps({"purpose": "cache_warming"})))
            row = await cur.fetchone()
    except psycopg.errors.NoDataFound:
        return await _config_failure(ctx, org_ref, category, started,
                                     "SCP_SERVICE_CRED_ID does not name a stored credential", user_id=mandate.user_id)
    _cid, _owner, provider, _alias, ciphertext, key_fp = row
    try:
        secret = credentials.unseal(credentials.load_ring(), cred_id, ciphertext, key_fp)
    except credentials.SealError as exc:
        logs.event("credential_unseal_failed", logging.ERROR, function=ctx.function, credential_id=cred_id,
                   detail=str(exc))
        return await _config_failure(ctx, org_ref, category, started, "Failed to decrypt credentials",
                                     user_id=mandate.user_id, credential_id=cred_id, provider=provider)
    for name, value in (("MCP_SERVER_URL", mcp_url), ("MCP_ACCESS_TOKEN", mcp_token)):
        if not value:
            return await _config_failure(ctx, org_ref, category, started, f"{name} not configured",
                                         user_id=mandate.user_id, credential_id=cred_id, provider=provider)

    plan = await _plan(ctx, org_ref, category, targets_only, refresh_after)
    settings = mcp_client.McpSettings.from_env(mcp_tools.endpoint(mcp_url), mcp_token)
    try:
        if mcp_timeout and 0 < float(mcp_timeout) <= 300:
            settings.timeout = float(mcp_timeout)
    except ValueError:
        logs.event("bad_setting", logging.WARNING, function=ctx.function, setting="MCP_TIMEOUT_SECONDS")
    sem = _semaphore(ctx, mcp_url)
    stagger = max(0.0, float(os.environ.get("WARM_STAGGER_SECONDS", "0") or 0))
    ttl_hours = max(0.01, float(os.environ.get("CACHE_TTL_HOURS", "24") or 24))

    async def warm_one(index: int, org: str, cat: str) -> dict:
        if stagger and index:
            await asyncio.sleep(stagger * index)
        async with sem:
            t0 = time.perf_counter()
            programs, error, attempts = None, None, 1
            try:
                payload, attempts = await mcp_client.call_tool(
                    settings, TOOL, {"org_ref": org, "category": cat, "credentials": secret}, mandate.jws)
                programs = payload.get("programs") if isinstance(payload, dict) else payload
                if not isinstance(programs, list):
                    error = f"{TOOL} returned no list of programs"
            except mcp_client.McpCallError as exc:
                error, attempts = exc.message, exc.attempts
            duration_ms = int((time.perf_counter() - t0) * 1000)
        async with ctx.as_role("service_role") as sconn:
            cur = await sconn.execute(
                f"select {q.RECORD_CACHE_WARM}",
                (org, cat, json.dumps(programs if error is None else []), duration_ms, error, mandate.user_id,
                 cred_id, provider, dt.timedelta(hours=ttl_hours), attempts))
            status = (await cur.fetchone())[0]
        logs.event("cache_warm", function=ctx.function, org_ref=org, category=cat, status=status,
                   attempts=attempts, duration_ms=duration_ms)
        out = {"org_ref": org, "category": cat, "status": status}
        if error:
            out["error"] = error
        return out

    jobs, results = [], []
    for org, cat, fresh in plan:
        if fresh and not force:
            results.append({"org_ref": org, "category": cat, "status": "skipped"})
        else:
            jobs.append((org, cat))
    org_index = {o: i for i, o in enumerate(dict.fromkeys(o for o, _ in jobs))}  # stagger between orgs
    warmed = await asyncio.gather(*(warm_one(org_index[o], o, c) for o, c in jobs))
    results = sorted(results + list(warmed), key=lambda r: (r["org_ref"], r["category"]))
    failed = sum(r["status"] == "failed" for r in results)
    return {
        "success": failed == 0,
        "timestamp": _now_iso(),
        "summary": {"total": len(results), "success": len(results) - failed, "failed": failed},
        "results": results,
    }


def _unverified(jws: str) -> dict | None:
    try:
        return jwt.decode(jws, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return None


async def _config_failure(ctx, org_ref, category, started, message, *, user_id=None, credential_id=None,
                          provider=None):
    """HTTP 500 + {"success": false, "error": message}, and one cache_warm_failed row saying why."""
    async with ctx.as_role("service_role") as sconn:
        await _audit(sconn, "cache_warm_failed", user_id=user_id, org_ref=org_ref, provider=provider,
                     credential_id=credential_id,
                     metadata={"category": category, "error": message,
                               "duration_ms": int((time.perf_counter() - started) * 1000)})
    return _fail(500, message)


# ------------------------------------------------------------------ mandates and the system user
@function("create-system-mandate", service_only=True, methods=("POST",),
          summary="Issue a signed system mandate (JWS, Ed25519) for a user and scopes")
async def create_system_mandate(ctx):
    """Body `{user_id, scopes?, valid_duration_minutes?, store?}` (defaults: the three scp scopes,
    10080 minutes). `store: true` also saves it in Vault as SYSTEM_MANDATE_JWS."""
    body = ctx.body if isinstance(ctx.body, dict) else {}
    try:
        mandates.validate_request(body.get("user_id"), body.get("scopes"), body.get("valid_duration_minutes"))
    except ValueError as exc:
        return _fail(400, str(exc))
    store = body.get("store", False) is True

    def work(conn):
        with conn.transaction():
            m = mandates.create(conn, body.get("user_id"), body.get("scopes"), body.get("valid_duration_minutes"))
            if store:
                vault.set_secret(conn, mandates.MANDATE_SECRET, m.jws, "system mandate (JWS) for warm-cache-authenticated")
        return m

    m = await _sync(ctx, work)
    return {"success": True, "mandate_jws": m.jws, "mandate_id": m.claims["jti"], "user_id": m.user_id,
            "scopes": m.claims["scopes"], "expires_at": m.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "stored": store}


@function("renew-system-mandate", service_only=True, methods=("POST",), timeout=120,
          summary="Renew SYSTEM_MANDATE_JWS when it is due (the hourly pg_cron job calls it)")
async def renew_system_mandate(ctx):
    """Body `{force?: bool}`. When less than renew_before (48 h) remains (see
    public.mandate_renewal_plan()) or `force`: issue a new system mandate for the same user
    and scopes, store it in Vault (audited mandate_created, purpose renewal). A failure is
    HTTP 500, recorded for pgcadence doctor and audited mandate_renewal_failed."""
    body = ctx.body if isinstance(ctx.body, dict) else {}
    force = body.get("force", False)
    if not isinstance(force, bool):
        raise inputs.invalid("force must be true or false")
    source = body.get("source") if body.get("source") in ("cron", "manual") else "manual"

    def work(conn):
        due, minutes, expires = conn.execute(
            f"select due, duration_minutes, expires_at from {q.MANDATE_RENEWAL_PLAN}").fetchone()
        if not (due or force):
            conn.execute(f"select {q.RECORD_MANDATE_RENEWAL}", ("skipped",))
            return 200, {"renewed": False, "reason": "not due", "expires_at": expires}
        try:
            m = mandates.rotate(conn, minutes=minutes, purpose="renewal")
        except (CadenceError, psycopg.Error) as exc:
            message = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:500]
            conn.execute(f"select {q.RECORD_MANDATE_RENEWAL_FAILED}", ("failed", message, json.dumps({"source": source})))
            return 500, {"error": "renewal_failed", "message": message}
        return 200, {"renewed": True, "mandate_id": m.claims["jti"], "user_id": m.user_id,
                     "scopes": m.claims["scopes"], "expires_at": m.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")}

    status, answer = await _sync(ctx, work)
    logs.event("mandate_renewal", logging.INFO if status == 200 else logging.ERROR, function=ctx.function,
               renewed=answer.get("renewed", False), error=answer.get("message"))
    return status, answer


# `check` needs no key (the setup guide's troubleshooting calls it bare) and then says only
# whether things are configured; `store` needs the service_role key.
@function("setup-system-user", verify_jwt=False, methods=("POST",),
          summary="Check or store the system credential (SCP_SERVICE_CRED_ID)")
async def setup_system_user(ctx):
    """`{"action": "check"}`: is the system credential configured and stored? Without the
    service_role key the answer is only `{success, configured, exists, mandate: {configured}}`.
    `{"action": "store", "user_id", "email", "password", "provider"?, "alias"?}` (service_role):
    seal and store it (replacing the current one, same id) and save its id in Vault as
    SCP_SERVICE_CRED_ID."""
    body = ctx.body if isinstance(ctx.body, dict) else {}
    action = body.get("action")
    service = ctx.role == "service_role"
    if action == "check":
        async with ctx.connection() as conn:
            cred_id = await _config(conn, mandates.CRED_ID_SECRET)
            jws = await _config(conn, mandates.MANDATE_SECRET)
        row = None
        if _uuid_or_none(cred_id):
            async with ctx.as_role("service_role") as sconn:
                cur = await sconn.execute("select user_id, provider, alias, updated_at from public.stored_credentials "
                                          "where id = %s", (cred_id,))
                row = await cur.fetchone()
        if not service:
            return {"success": True, "configured": bool(cred_id), "exists": row is not None,
                    "mandate": {"configured": bool(jws)}}
        exp = mandates.unverified_expiry(jws) if jws else None
        return {"success": True, "configured": bool(cred_id), "exists": row is not None, "credential_id": cred_id,
                "user_id": row[0] if row else None, "provider": row[1] if row else None,
                "alias": row[2] if row else None,
                "mandate": {"configured": bool(jws),
                            "expires_at": exp.strftime("%Y-%m-%dT%H:%M:%SZ") if exp else None}}
    if action != "store":
        return _fail(400, 'action must be "check" or "store"')
    if not service:
        return _fail(401 if ctx.auth == "none" else 403, '"store" needs the service_role key')
    user_id = _uuid_or_none(body.get("user_id"))
    email, password = body.get("email"), body.get("password")
    if not user_id:
        return _fail(400, "user_id must be a UUID")
    if not (isinstance(email, str) and email and isinstance(password, str) and password):
        return _fail(400, "email and password are required")
    provider = body.get("provider") or DEFAULT_PROVIDER
    alias = body.get("alias") or "System Service Account"
    if not isinstance(provider, str) or not isinstance(alias, str):
        return _fail(400, "provider and alias must be strings")
    try:
        ring = credentials.load_ring()
        ring.active_key()
    except credentials.SealError as exc:
        return _fail(500, str(exc))

    def work(conn):
        with conn.transaction():
            vault._quiet(conn)
            current = vault.get_secret(conn, mandates.CRED_ID_SECRET)
            cid = _uuid_or_none(current)
            if cid:
                row = conn.execute("select user_id from public.stored_credentials where id = %s", (cid,)).fetchone()
                if row and str(row[0]) != user_id:
                    cid = None  # a different system user: a new credential
            cid = credentials.store(conn, ring, user_id=user_id, provider=provider, alias=alias,
                                    secret={"email": email, "password": password}, credential_id=cid)
            vault.set_secret(conn, mandates.CRED_ID_SECRET, cid, "id of the system credential in stored_credentials")
        return cid

    cid = await _sync(ctx, work)
    return {"success": True, "credential_id": cid, "user_id": user_id, "provider": provider, "alias": alias}


# ------------------------------------------------------------------ cred-get
def _user(ctx, what: str) -> str:
    """The signed-in user's id, or 403 (the anon and service_role keys are nobody)."""
    if ctx.role != "authenticated" or not ctx.sub:
        raise ApiError(403, "user_required", f"{what}: call it with the user's JWT")
    return ctx.sub


@function("cred-get", methods=("POST",), summary="A stored credential, to its owner only (audited)")
async def cred_get(ctx):
    """Body `{"credential_id": uuid}`; answers `{id, provider, alias, email, password}` to the
    credential's owner (a user JWT) and writes `credentials_accessed`. Anyone else: 404."""
    _user(ctx, "cred-get returns a credential only to its owner")
    body = inputs.body_object(ctx.body, '{"credential_id": "<uuid>"}')
    cid = _uuid_or_none(body.get("credential_id"))
    if not cid:
        raise inputs.invalid("credential_id must be a UUID")
    try:
        async with ctx.as_role() as conn:
            cur = await conn.execute(f"select * from {q.ACCESS_CREDENTIAL}",
                                     (cid, json.dumps({"via": "cred-get"})))
            row = await cur.fetchone()
    except psycopg.errors.NoDataFound:
        raise ApiError(404, "credential_not_found", "credential not found") from None
    _id, _owner, provider, alias, ciphertext, key_fp = row
    try:
        secret = credentials.unseal(credentials.load_ring(), cid, ciphertext, key_fp)
    except credentials.SealError as exc:
        logs.event("credential_unseal_failed", logging.ERROR, function=ctx.function, credential_id=cid, detail=str(exc))
        raise ApiError(500, "decrypt_failed", "Failed to decrypt credentials") from None
    return {"id": cid, "provider": provider, "alias": alias, **{k: v for k, v in secret.items() if k not in ("id",)}}


# ------------------------------------------------------------------ sessions
@function("cleanup-sessions", verify_jwt=False, methods=("POST",),
          summary="Delete expired checkout sessions (public, as verify_jwt = false)")
async def cleanup_sessions(ctx):
    """Runs cleanup_expired_checkout_sessions(); answers `{success, deleted, timestamp}`."""
    async with ctx.as_role("service_role") as conn:
        cur = await conn.execute(f"select {q.CLEANUP_EXPIRED_CHECKOUT_SESSIONS}")
        deleted = (await cur.fetchone())[0]
    logs.event("sessions_cleaned", function=ctx.function, deleted=deleted)
    return {"success": True, "deleted": deleted, "timestamp": _now_iso()}


@function("checkout-session", methods=("POST",), summary="Save or load a checkout session (memory, then database)")
async def checkout_session(ctx):
    """`{"session_id", "context", "provider_id"?}` saves (memory + database, TTL 24 h);
    `{"session_id"}` loads: from memory, else from the database (after a restart), else 404.
    Session ids are per user. Errors are `{"error": code, "message"}`; a field that cannot
    be stored (NUL, lone surrogate, NaN, nested deeper than 32) is a 400 naming it."""
    user = _user(ctx, "checkout sessions belong to a user")
    body = inputs.body_object(ctx.body, '{"session_id", "context"?, "provider_id"?}')
    sid = inputs.text(body, "session_id", max_len=200)
    if "context" in body:
        context = body["context"]
        if not isinstance(context, dict):
            raise inputs.invalid("context must be a JSON object")
        provider_id = inputs.text(body, "provider_id", required=False, max_len=200)
        async with ctx.as_role() as conn:
            cur = await conn.execute(f"select {q.SAVE_CHECKOUT_SESSION}",
                                     (sid, json.dumps(context), provider_id))
            expires = (await cur.fetchone())[0]
            if provider_id is None:  # the stored one stays
                cur = await conn.execute(f"select provider_id from {q.LOAD_CHECKOUT_SESSION}", (sid,))
                provider_id = (await cur.fetchone())[0]
        entry = session_memory.remember(ctx.request, user, sid, context, provider_id, expires)
        return {**entry, "source": "saved"}
    entry = session_memory.recall(ctx.request, user, sid)
    if entry:
        return {**entry, "source": "memory"}
    async with ctx.as_role() as conn:
        cur = await conn.execute(f"select provider_id, context, expires_at from {q.LOAD_CHECKOUT_SESSION}", (sid,))
        row = await cur.fetchone()
    if row is None:
        session_memory.forget(ctx.request, user, sid)
        raise ApiError(404, "session_not_found", "no such session (or it expired)")
    entry = session_memory.remember(ctx.request, user, sid, row[1], row[0], row[2])
    return {**entry, "source": "database"}
