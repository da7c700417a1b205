"""``/metrics``: the Prometheus endpoint ``pgcadence serve`` runs on its own listen address.

Why a separate address: the executor's port is what pg_net and, behind a proxy, the
internet reach; the metrics port stays on loopback (``127.0.0.1:54331`` by default), where
only the host's own Prometheus (or an agent) scrapes it, without credentials, as
Prometheus exporters usually are. A scrape never queues behind function requests, and
the executor's request metrics are not polluted by scrapes. To expose it on a network,
pass ``--metrics-host 0.0.0.0 --metrics-auth service-role``: a scrape must then present
``Authorization: Bearer <service_role key>`` (Prometheus: ``authorization:
credentials_file``). docs/observability.md has the scrape configuration.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import time
from contextlib import asynccontextmanager

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pgcadence.executor import auth, keys
from pgcadence.executor.services import FatalServiceError
from pgcadence.executor.sqlctx import make_pool
from pgcadence.metrics import database, process

log = logging.getLogger("pgcadence.metrics")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 54331
AUTH_MODES = ("none", "service-role")
SECRET_TTL = 30.0  # seconds the project JWT secret is reused before Vault is read again


class _Families:
    """What one scrape exposes: the process registry plus the database snapshot."""

    def __init__(self, snapshot: database.Snapshot) -> None:
        self.snapshot = snapshot

    def collect(self):
        yield from process.REGISTRY.collect()
        yield from database.families(self.snapshot)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def create_app(dsn: str, auth_mode: str = "none", min_interval: float = 2.0) -> Starlette:
    """The ``/metrics`` app with its own small pool (one connection is enough)."""
    if auth_mode not in AUTH_MODES:
        raise ValueError(f"metrics auth must be one of {', '.join(AUTH_MODES)}")
    pool = make_pool(dsn, min_size=1, max_size=2)
    pool.kwargs["application_name"] = "pgcadence-metrics"
    db_metrics = database.DatabaseMetrics(pool, min_interval=min_interval)
    secret = {"value": None, "at": 0.0}

    async def authorized(request: Request) -> Response | None:
        if auth_mode == "none":
            return None
        try:
            if not secret["value"] or time.monotonic() - secret["at"] > SECRET_TTL:
                async with pool.connection() as conn:
                    secret["value"], secret["at"] = await keys.aget_secret(conn, keys.JWT_SECRET), time.monotonic()
            if not secret["value"]:
                return JSONResponse({"error": "not_configured", "message": f"no '{keys.JWT_SECRET}' in Vault"}, 503)
            claims = auth.verify(auth.bearer_token(request.headers.get("authorization")), secret["value"])
        except auth.AuthError as exc:
            return JSONResponse({"error": exc.code, "message": exc.message}, 401, headers={"WWW-Authenticate": "Bearer"})
        except Exception:  # noqa: BLE001 - the database is away: cannot check the key
            return JSONResponse({"error": "database_unavailable", "message": "cannot read the project key"}, 503)
        if claims.get("role") != "service_role":
            return JSONResponse({"error": "service_role_required", "message": "/metrics requires the service_role key"}, 403)
        return None

    async def metrics(request: Request) -> Response:
        denied = await authorized(request)
        if denied is not None:
            return denied
        snapshot = await db_metrics.snapshot()
        body = await asyncio.to_thread(generate_latest, _Families(snapshot))
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        await pool.open(wait=False)
        try:
            yield
        finally:
            await pool.close()

    return Starlette(routes=[Route("/metrics", metrics, methods=["GET"])], lifespan=lifespan)


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: ``serve`` owns the signals."""

    def capture_signals(self):  # noqa: D401
        return contextlib.nullcontext()


class MetricsServer:
    """The background service of ``pgcadence serve`` that listens for scrapes."""

    def __init__(self, dsn: str, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, auth_mode: str = "none",
                 required: bool = True) -> None:
        """``required``: a port that cannot be bound stops ``serve`` (the operator chose it);
        otherwise (the default port, e.g. taken by another serve on this host) /metrics is
        left out with one error line and everything else runs."""
        self.dsn, self.host, self.port, self.auth_mode, self.required = dsn, host, port, auth_mode, required

    async def run(self, stop: asyncio.Event) -> None:
        if self.auth_mode == "none" and not is_loopback(self.host):
            log.warning("metrics exposed without authentication",
                        extra={"event": "metrics_unauthenticated", "listen": f"{self.host}:{self.port}",
                               "fix": "--metrics-auth service-role, or a firewall"})
        config = uvicorn.Config(create_app(self.dsn, self.auth_mode), host=self.host, port=self.port, log_config=None,
                                access_log=False, lifespan="on", server_header=False, timeout_graceful_shutdown=5)
        server = _Server(config)
        task = asyncio.create_task(self._serve(server))
        stopper = asyncio.create_task(stop.wait())
        announcer = asyncio.create_task(self._announce(server))
        try:
            await asyncio.wait([task, stopper], return_when=asyncio.FIRST_COMPLETED)
            server.should_exit = True
            bind_failed = not await task
        finally:
            stopper.cancel()
            announcer.cancel()
        if bind_failed or (not server.started and not stop.is_set()):
            message = f"/metrics could not listen on {self.host}:{self.port} (port in use? pass --metrics-port, or --no-metrics)"
            if self.required:
                raise FatalServiceError(message)
            log.error(message, extra={"event": "metrics_unavailable", "listen": f"{self.host}:{self.port}"})
            await stop.wait()  # idle, not restarted: the rest of serve goes on

    @staticmethod
    async def _serve(server: uvicorn.Server) -> bool:
        """False when uvicorn could not bind (it raises SystemExit, which must not
        escape a task: asyncio would stop the whole loop with it)."""
        try:
            await server.serve()
        except SystemExit:
            return False
        return True

    async def _announce(self, server: uvicorn.Server) -> None:
        while not server.started:
            await asyncio.sleep(0.05)
        log.info("metrics listening", extra={"event": "metrics_listening", "url": self.url, "auth": self.auth_mode})

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/metrics"
