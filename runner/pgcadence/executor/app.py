"""The executor: an ASGI app (Starlette) serving every registered function.

    /functions/v1/<name>   each function in the registry (JSON in, JSON out)
    /api/jobs/run          the job-queue runner (service-only, shared secret or service_role)
    /healthz               liveness + database reachability (no auth)
    /openapi.json          OpenAPI 3.1 description of all of the above
    /admin, /api/admin/…   the admin console and its JSON API (executor/admin/)

Per request, in this order: body-size check on Content-Length (413), authentication
(401, before any handler code), body read with the size limit (413), JSON parse (400),
handler. The whole request is bounded by the per-request timeout (504). Errors are always
``{"error": "<stable_code>", "message": "..."}``.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Callable

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from pgcadence import __version__
from pgcadence.executor import auth, body as body_mod, cors, keys, logs, ratelimit
from pgcadence.executor.admin import routes as admin_console
from pgcadence.executor.config import ExecutorConfig
from pgcadence.executor.context import RequestContext
from pgcadence.executor.errors import JSON, ApiError, error
from pgcadence.executor.registry import ALL_METHODS, Function
from pgcadence.executor.sqlctx import make_pool
from pgcadence.metrics import process

DEFAULT_MAX_BODY = 1024 * 1024
DEFAULT_TIMEOUT = 60.0
JWT_SECRET_TTL = 30.0  # seconds a loaded project JWT secret is reused before re-reading Vault
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


@dataclass
class Settings:
    dsn: str
    registry: dict[str, Function]
    config: ExecutorConfig = field(default_factory=ExecutorConfig)
    max_body: int = DEFAULT_MAX_BODY
    request_timeout: float = DEFAULT_TIMEOUT
    pool_size: int = 10
    service_status: Callable[[], dict] | None = None  # for /healthz
    cors_origins: tuple[str, ...] | None = None  # None: $PGCADENCE_CORS_ORIGINS, else "*" (executor/cors.py)


class _Secrets:
    """The project JWT secrets (current, and the previous one during a key rotation's
    overlap window), read from Vault and reused for JWT_SECRET_TTL seconds; a token that
    does not verify makes them be read again at once (at most once a second), so keys
    from a rotation work as soon as it is committed."""

    def __init__(self, pool: AsyncConnectionPool) -> None:
        self.pool = pool
        self.values: list[str] = []
        self.loaded_at = 0.0
        self.lock = asyncio.Lock()

    async def _load(self, max_age: float) -> list[str]:
        if self.values and time.monotonic() - self.loaded_at < max_age:
            return self.values
        async with self.lock:
            if not (self.values and time.monotonic() - self.loaded_at < max_age):
                async with self.pool.connection() as conn:
                    values = await keys.averify_secrets(conn)
                if not values:
                    raise ApiError(503, "not_configured",
                                   f"no '{keys.JWT_SECRET}' in Vault: run 'pgcadence keys init'")
                self.values, self.loaded_at = values, time.monotonic()
        return self.values

    async def jwt_secret(self) -> str:
        return (await self._load(JWT_SECRET_TTL))[0]

    async def verify(self, token: str) -> dict:
        """Claims of a token signed with any secret that verifies now, or AuthError."""
        try:
            return auth.verify_any(token, await self._load(JWT_SECRET_TTL))
        except auth.AuthError as exc:
            if exc.code != "invalid_jwt":
                raise
            return auth.verify_any(token, await self._load(1.0))

    async def get(self, name: str) -> str | None:
        async with self.pool.connection() as conn:
            return await keys.aget_secret(conn, name)


def effective(fn: Function, config: ExecutorConfig) -> tuple[bool, bool]:
    """(enabled, verify_jwt) after config.toml; a service-only function always verifies."""
    s = config.for_function(fn.name)
    verify = fn.verify_jwt if s.verify_jwt is None else s.verify_jwt
    return s.enabled, verify or fn.service_only


async def authenticate(fn: Function, verify: bool, request: Request, secrets: _Secrets) -> tuple[str, dict, str]:
    """(role, claims, how) for this request, or AuthError -> 401."""
    header = auth.authorization_header(request.headers)
    if not verify:
        # public function: hand over the caller's claims when a valid JWT came along
        try:
            claims = await secrets.verify(auth.bearer_token(header))
            return claims["role"], claims, "jwt"
        except (auth.AuthError, ApiError):
            return "anon", {}, "none"
    token = auth.bearer_token(header)
    if fn.secret_name:
        if auth.secret_matches(token, await secrets.get(fn.secret_name)):
            return "service_role", {"role": "service_role", "iss": auth.ISSUER}, "secret"
        if token.count(".") != 2:
            raise auth.AuthError("invalid_secret",
                                 f"the bearer token is neither the '{fn.secret_name}' secret nor a service_role JWT")
    claims = await secrets.verify(token)
    if fn.service_only and claims["role"] != "service_role":
        raise auth.AuthError("service_role_required", f"'{fn.name}' requires the service_role key")
    return claims["role"], claims, "jwt"


async def read_body(request: Request, limit: int) -> bytes:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "payload_too_large", f"request body over the {limit}-byte limit")
        chunks.append(chunk)
    return b"".join(chunks)


def _as_response(result: Any) -> Response:
    if isinstance(result, Response):
        return result
    if result is None:
        return Response(status_code=204)
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], int):
        return JSON(result[1], status_code=result[0])
    return JSON(result)


def _internal_error(fn: Function, state: dict, exc: BaseException) -> Response:
    state["exception"] = type(exc).__name__
    logs.event("handler_error", 40, exc_info=exc, function=fn.name, request_id=state.get("request_id"))
    return error(500, "internal_error", f"internal error (request id {state.get('request_id')})")


def make_endpoint(fn: Function, settings: Settings):
    timeout = fn.timeout or settings.request_timeout

    async def endpoint(request: Request) -> Response:
        state = request.scope.setdefault("state", {})
        state["function"] = fn.name
        enabled, verify = effective(fn, settings.config)
        if not enabled:
            return error(404, "function_disabled", f"function '{fn.name}' is disabled in {settings.config.path}")
        if request.method not in fn.methods:
            return error(405, "method_not_allowed", f"'{fn.name}' accepts {', '.join(fn.methods)}",
                         headers={"Allow": ", ".join(fn.methods)})
        try:
            async with asyncio.timeout(timeout) as deadline:
                try:
                    declared = int(request.headers.get("content-length") or 0)
                except ValueError:
                    return error(400, "bad_request", "invalid Content-Length")
                if declared > settings.max_body:
                    raise ApiError(413, "payload_too_large", f"request body over the {settings.max_body}-byte limit")
                app_state = request.app.state
                try:
                    role, claims, how = await authenticate(fn, verify, request, app_state.secrets)
                except auth.AuthError as exc:
                    if fn.on_auth_error is not None:  # e.g. the signup flow's friendly errors
                        return _as_response(await fn.on_auth_error(request, exc))
                    return error(401, exc.code, exc.message, headers={"WWW-Authenticate": "Bearer"})
                state["role"] = role
                state["auth"] = how
                limited = await ratelimit.check_request(request, fn.name, role, claims)
                if limited is not None:
                    return limited
                raw = await read_body(request, settings.max_body)
                body = body_mod.parse(raw)
                ctx = RequestContext(function=fn.name, request=request, request_id=state.get("request_id", ""),
                                     role=role, claims=claims, auth=how, body=body, raw_body=raw,
                                     pool=app_state.pool)
                return _as_response(await fn.handler(ctx))
        except ApiError as exc:
            return error(exc.status, exc.code, exc.message)
        except TimeoutError as exc:
            if deadline.expired():
                return error(504, "timeout", f"'{fn.name}' did not finish within {timeout:g} s")
            return _internal_error(fn, state, exc)  # the handler's own timeout, not ours
        except ClientDisconnect:
            state["exception"] = "ClientDisconnect"
            return error(400, "client_disconnected", "the client went away while sending the body")
        except PoolTimeout:
            return error(503, "database_unavailable", "no database connection available; try again")
        except psycopg.errors.InsufficientPrivilege as exc:
            return error(403, "permission_denied", exc.diag.message_primary or "permission denied")
        except psycopg.DataError as exc:  # bad input that reached SQL (22xxx, or text with NUL): the caller's fault
            return error(400, "invalid_input", exc.diag.message_primary or str(exc).splitlines()[0])
        except psycopg.Error as exc:
            state["exception"] = type(exc).__name__
            logs.event("handler_error", 40, exc_info=exc, function=fn.name, request_id=state.get("request_id"))
            return error(500, "database_error", exc.diag.message_primary or type(exc).__name__)
        except Exception as exc:  # a bug in a handler: log it, tell the caller only the request id
            return _internal_error(fn, state, exc)

    endpoint.__name__ = f"fn_{fn.name}"
    return endpoint


# ------------------------------------------------------------------ built-in routes
async def healthz(request: Request) -> Response:
    """Liveness: the process answers and the database is reachable."""
    app_state = request.app.state
    db = "ok"
    try:
        async with asyncio.timeout(2):
            async with app_state.pool.connection() as conn:
                await conn.execute("select 1")
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        db = "unreachable"
    status = app_state.settings.service_status() if app_state.settings.service_status else {}
    ok = db == "ok"
    return JSON({"status": "ok" if ok else "degraded", "database": db, "version": __version__,
                 "functions": len(app_state.settings.registry), "services": status},
                status_code=200 if ok else 503)


_ERROR_SCHEMA = {
    "type": "object", "required": ["error", "message"],
    "properties": {"error": {"type": "string", "description": "stable error code"},
                   "message": {"type": "string"}},
}


def openapi_document(settings: Settings) -> dict:
    """OpenAPI 3.1 for the registered functions, with their effective auth."""
    def err(desc: str) -> dict:
        return {"description": desc, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}

    paths: dict = {
        "/healthz": {"get": {"operationId": "healthz", "summary": "Liveness and database reachability",
                             "security": [], "responses": {"200": {"description": "healthy"},
                                                           "503": {"description": "database unreachable"}}}},
    }
    for fn in sorted(settings.registry.values(), key=lambda f: f.path):
        enabled, verify = effective(fn, settings.config)
        if not enabled:
            continue
        responses = {"200": {"description": "the function's JSON result",
                             "content": {"application/json": {"schema": fn.response_schema or {"type": "object"}}}},
                     "400": err("invalid JSON body"), "413": err("body over the size limit"),
                     "500": err("handler failure"), "504": err("per-request timeout")}
        if verify:
            responses["401"] = err("missing, malformed, expired or wrongly signed credentials"
                                   + ("; or not the service_role" if fn.service_only else ""))
        op_base = {
            "summary": fn.summary or fn.name,
            "description": fn.description + (
                "\n\nService-only: requires role service_role" + (f" or the Vault secret `{fn.secret_name}`" if fn.secret_name else "")
                if fn.service_only else ""),
            "security": [{"bearerAuth": []}] if verify else [],
            "x-verify-jwt": verify,
            "x-service-only": fn.service_only,
            "responses": responses,
        }
        ops = {}
        for method in fn.methods:
            op = dict(op_base, operationId=f"{fn.name}_{method.lower()}")
            if method in ("POST", "PUT", "PATCH"):
                op["requestBody"] = {"required": False, "content": {"application/json": {
                    "schema": fn.request_schema or {"type": "object"}}}}
            ops[method.lower()] = op
        paths[fn.path] = ops
    paths.update(admin_console.openapi_paths())
    return {
        "openapi": "3.1.0",
        "info": {"title": "pgcadence executor", "version": __version__,
                 "description": "HTTP functions pg_net calls (Supabase Edge Functions conventions)."},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                                               "description": "a project JWT (anon, authenticated or service_role key)"},
                                **admin_console.SECURITY_SCHEMES},
            "schemas": {"Error": _ERROR_SCHEMA},
        },
    }


async def openapi(request: Request) -> Response:
    return JSON(openapi_document(request.app.state.settings))


async def _http_error(request: Request, exc: HTTPException) -> Response:
    codes = {404: "not_found", 405: "method_not_allowed"}
    allow = (exc.headers or {}).get("Allow")
    message = {404: "no such function or route",
               405: f"{request.url.path} accepts {allow}" if allow else None}.get(exc.status_code) or str(exc.detail)
    return error(exc.status_code, codes.get(exc.status_code, "http_error"), message, headers=exc.headers)


async def _unknown_function(request: Request) -> Response:
    name = request.path_params["name"]
    return error(404, "function_not_found", f"no function named '{name}'")


# ------------------------------------------------------------------ logging middleware
class RequestLog:
    """Pure ASGI middleware, outermost: request id, timing, one JSON log line and one
    metrics observation (metrics/process.py) per request, errors included."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = rid
        status = {"code": 0, "logged": False}
        t0 = time.perf_counter()

        def log_once() -> None:
            if status["logged"]:
                return
            status["logged"] = True
            seconds = time.perf_counter() - t0
            fields = {
                "request_id": rid,
                "method": scope.get("method"),
                "path": scope.get("path"),  # never the query string
                "function": state.get("function"),
                "status": status["code"] or 500,
                "duration_ms": round(seconds * 1000, 1),
            }
            for key in ("role", "auth", "exception"):
                if state.get(key):
                    fields[key] = state[key]
            logs.event("request", **fields)
            # unknown paths share one label: a scanner must not create a series per URL
            process.executor_request(state.get("function") or "-", fields["status"], seconds)

        async def send_wrapper(message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                log_once()  # before the last byte leaves: the line exists when the client has the answer
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            log_once()


# ------------------------------------------------------------------ the app
def create_app(settings: Settings, pool: AsyncConnectionPool | None = None) -> Starlette:
    """Build the executor. It opens (and closes) its own pool unless ``pool`` is given."""
    owns_pool = pool is None
    pool = pool or make_pool(settings.dsn, max_size=settings.pool_size)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        if owns_pool:
            await pool.open(wait=False)
        try:
            yield
        finally:
            if owns_pool:
                await pool.close()

    routes = [Route("/healthz", healthz, methods=["GET"]), Route("/openapi.json", openapi, methods=["GET"])]
    routes += admin_console.routes()
    for fn in settings.registry.values():
        # every method reaches the endpoint, which answers 405 with Allow for the ones
        # the function does not take (else /functions/v1/{name} below would say 404)
        routes.append(Route(fn.path, make_endpoint(fn, settings), methods=list(ALL_METHODS), name=fn.name))
    routes.append(Route("/functions/v1/{name}", _unknown_function,
                        methods=["GET", "POST", "PUT", "PATCH", "DELETE"]))
    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={HTTPException: _http_error})
    app.add_middleware(cors.Cors, origins=settings.cors_origins)  # inside RequestLog: preflights are logged too
    app.add_middleware(RequestLog)  # outermost: logs and counts every answer, errors included
    app.state.settings = settings
    app.state.pool = pool
    app.state.secrets = _Secrets(pool)
    return app
