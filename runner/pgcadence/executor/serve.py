"""``pgcadence serve``: the executor (uvicorn) and the background services, one process.

SIGTERM or SIGINT: stop accepting connections, let in-flight requests finish (up to the
request timeout + 5 s), tell every service to stop and wait for it, then exit 0. A second
signal forces the exit.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import uvicorn

from pgcadence import db
from pgcadence.errors import CadenceError
from pgcadence.executor import app as app_mod, config as config_mod, keys, load_builtin, logs
from pgcadence.executor.registry import REGISTRY
from pgcadence.executor.protocol import JsonErrorH11Protocol
from pgcadence.executor.services import SERVICES, Supervisor

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 54330
SERVICE_GRACE = 30.0  # seconds services get to stop before they are cancelled


@dataclass
class ServeOptions:
    dsn: str
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    config_path: Path | None = None
    executor: bool = True
    disabled: set[str] = field(default_factory=set)  # service names not to run
    load: list[str] = field(default_factory=list)  # extra handler modules to import
    max_body: int = app_mod.DEFAULT_MAX_BODY
    request_timeout: float = app_mod.DEFAULT_TIMEOUT
    pool_size: int = 10
    cors_origins: tuple[str, ...] = ()  # empty: $PGCADENCE_CORS_ORIGINS, else "*"
    not_started: dict[str, str] = field(default_factory=dict)  # service name -> why serve did not start it


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: ``serve`` owns the signals."""

    def capture_signals(self):  # noqa: D401
        import contextlib

        return contextlib.nullcontext()


def load_functions(modules: list[str]) -> dict:
    load_builtin()
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise CadenceError(f"cannot import handler module {name!r}: {exc}") from None
    return REGISTRY


REAL_PG_NET = "the real pg_net extension is installed in this database: its background worker sends net.http_* requests"


def skip_services_the_database_has(opts: ServeOptions) -> None:
    """Where the real pg_net is installed, its own worker sends the requests: serve does
    not start its sender (two senders of one queue would race pg_net's worker), and says so."""
    if "net" in opts.disabled:
        return
    try:
        with db.connect(opts.dsn) as conn:
            real = conn.execute("select exists (select 1 from pg_extension where extname = 'pg_net')").fetchone()[0]
    except Exception:  # noqa: BLE001 - unreachable now: the sender starts, waits and checks again itself
        return
    if real:
        opts.disabled.add("net")
        opts.not_started["net"] = REAL_PG_NET
        logs.event("net_sender_not_started", reason=REAL_PG_NET)


def check_database(dsn: str) -> None:
    """Fail fast, in one line, when the executor could not authenticate anyone."""
    with db.connect(dsn) as conn:
        keys.jwt_secret(conn)


def build_app(opts: ServeOptions, service_status: Callable[[], dict] | None = None):
    cfg = config_mod.load(opts.config_path)
    registry = load_functions(opts.load)
    for name in cfg.functions:
        if name not in registry:
            logs.event("config_unknown_function", logging.WARNING, function=name, config=str(cfg.path))
    settings = app_mod.Settings(dsn=opts.dsn, registry=registry, config=cfg, max_body=opts.max_body,
                                request_timeout=opts.request_timeout, pool_size=opts.pool_size,
                                service_status=service_status, cors_origins=opts.cors_origins or None)
    return app_mod.create_app(settings)


async def serve(opts: ServeOptions, extra: list[tuple[str, Callable[[], Any]]] = (),
                on_ready: Callable[[str], None] | None = None) -> None:
    """Run until a signal (or a fatal service error, which is re-raised after shutdown).

    ``extra``: more (name, factory) services, e.g. ``pgcadence run``'s heartbeat.
    """
    stop = asyncio.Event()
    supervisor = Supervisor(stop)
    load_functions(opts.load)  # before listing services: a --load module may register one
    skip_services_the_database_has(opts)
    services = [(s.name, (lambda s=s: s.factory(opts.dsn))) for s in SERVICES if s.name not in opts.disabled]
    services += list(extra)
    if not opts.executor and not services:
        raise CadenceError("nothing to run: the executor and every service are disabled")

    server = None
    if opts.executor:
        check_database(opts.dsn)
        application = build_app(opts, service_status=lambda: dict(supervisor.status))
        config = uvicorn.Config(application, host=opts.host, port=opts.port, log_config=None, access_log=False,
                                lifespan="on", server_header=False, http=JsonErrorH11Protocol,
                                timeout_graceful_shutdown=int(opts.request_timeout) + 5)
        server = _Server(config)

    loop = asyncio.get_running_loop()
    signals = {"count": 0}

    def on_signal(signame: str) -> None:
        signals["count"] += 1
        if signals["count"] == 1:
            logs.event("shutdown_requested", signal=signame)
            stop.set()
            if server:
                server.should_exit = True
        else:
            logs.event("shutdown_forced", logging.WARNING, signal=signame)
            if server:
                server.force_exit = True
            for t in service_tasks:
                t.cancel()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal, sig.name)

    service_tasks = [asyncio.create_task(supervisor.run_service(n, f), name=f"service:{n}") for n, f in services]
    server_task = asyncio.create_task(_run_server(server, stop), name="executor") if server else None
    ready_task = asyncio.create_task(_announce(server, opts, [n for n, _ in services], on_ready))
    stop_task = asyncio.create_task(stop.wait())
    failure: BaseException | None = None
    try:
        watched = [stop_task, *service_tasks] + ([server_task] if server_task else [])
        done, _ = await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
        for t in done:
            if t is not stop_task and not t.cancelled() and t.exception():
                failure = t.exception()
        if not stop.is_set() and failure is None:
            failure = CadenceError("the executor stopped unexpectedly")
    finally:
        stop.set()
        ready_task.cancel()
        if server:
            server.should_exit = True
        if server_task:
            try:
                await server_task
            except BaseException as exc:  # noqa: BLE001
                failure = failure or exc
        if service_tasks:
            _, pending = await asyncio.wait(service_tasks, timeout=SERVICE_GRACE)
            for t in pending:
                logs.event("service_cancelled", logging.WARNING, service=t.get_name())
                t.cancel()
            await asyncio.gather(*service_tasks, return_exceptions=True)
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        stop_task.cancel()
        logs.event("stopped")
    if failure is not None:
        if isinstance(failure, CadenceError):
            raise failure
        raise CadenceError(f"serve failed: {type(failure).__name__}: {failure}") from failure


async def _run_server(server: uvicorn.Server, stop: asyncio.Event) -> None:
    try:
        await server.serve()
    except SystemExit:  # uvicorn exits when it cannot bind
        raise CadenceError(f"the executor could not listen on {server.config.host}:{server.config.port} "
                           "(port in use? pass --port)") from None
    if not server.started and not stop.is_set():
        raise CadenceError(f"the executor could not start on {server.config.host}:{server.config.port}")


async def _announce(server, opts: ServeOptions, names: list[str], on_ready) -> None:
    if server:
        while not server.started:
            await asyncio.sleep(0.05)
        url = f"http://{opts.host}:{opts.port}"
        logs.event("listening", url=url, functions=sorted(REGISTRY), services=names)
    else:
        url = ""
        logs.event("services_only", services=names)
    if on_ready:
        on_ready(url)
