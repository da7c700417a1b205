"""Background services ``pgcadence serve`` runs beside the executor, in the same process.

A service is any object with

    async def run(self, stop: asyncio.Event) -> None   # return soon after ``stop`` is set

(a plain ``def run(self, stop: threading.Event)`` also works: it runs in a thread). It is
built by a factory ``factory(dsn) -> service`` each time it (re)starts. Register it once:

    SERVICES.append(ServiceSpec("net", "the pg_net-compatible sender", lambda dsn: NetWorker(dsn)))

and ``pgcadence serve`` runs it by default and grows a ``--no-net`` flag. A service that
raises is logged and restarted with backoff (1 s doubling to 30 s); raise
``FatalServiceError`` instead to stop the whole process with that message.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from pgcadence.errors import CadenceError
from pgcadence.executor import logs


class FatalServiceError(CadenceError):
    """A service failure that must stop ``serve`` (not be retried)."""


@dataclass
class ServiceSpec:
    name: str  # short, lowercase: becomes the --no-<name> flag of serve
    help: str  # what it is, for --help ("the pg_net-compatible sender")
    factory: Callable[[str], Any]  # dsn -> object with run(stop)


# The services ``pgcadence serve`` runs by default, in this order.
SERVICES: list[ServiceSpec] = []

MAX_BACKOFF = 30.0
STABLE_AFTER = 60.0  # a service that ran this long restarts with the backoff reset


async def _run_once(obj: Any, stop: asyncio.Event) -> None:
    run = obj.run
    if inspect.iscoroutinefunction(run):
        await run(stop)
        return
    # a blocking service: its own thread, told to stop through a threading.Event
    tstop = threading.Event()

    async def relay() -> None:
        await stop.wait()
        tstop.set()

    relay_task = asyncio.create_task(relay())
    try:
        await asyncio.to_thread(run, tstop)
    finally:
        relay_task.cancel()


class Supervisor:
    """Runs services until ``stop`` is set, restarting crashed ones with backoff."""

    def __init__(self, stop: asyncio.Event, first_backoff: float = 1.0) -> None:
        self.stop = stop
        self.first_backoff = first_backoff
        self.status: dict[str, str] = {}

    async def run_service(self, name: str, factory: Callable[[], Any]) -> None:
        backoff = self.first_backoff
        while not self.stop.is_set():
            started = time.monotonic()
            self.status[name] = "running"
            logs.event("service_started", service=name)
            try:
                await _run_once(factory(), self.stop)
                if self.stop.is_set():
                    break
                logs.event("service_exited", logging.WARNING, service=name)
            except FatalServiceError:
                self.status[name] = "failed"
                raise
            except asyncio.CancelledError:
                self.status[name] = "stopped"
                raise
            except Exception as exc:  # noqa: BLE001 - a crashed service is restarted
                logs.event("service_crashed", logging.ERROR, exc_info=exc, service=name,
                           error=f"{type(exc).__name__}: {exc}")
            if time.monotonic() - started > STABLE_AFTER:
                backoff = self.first_backoff
            self.status[name] = "restarting"
            try:
                await asyncio.wait_for(self.stop.wait(), timeout=backoff)
            except TimeoutError:
                pass
            backoff = min(backoff * 2, MAX_BACKOFF)
        self.status[name] = "stopped"
        logs.event("service_stopped", service=name)


# ------------------------------------------------------------------ built-in services
# Registered once, here, with lazy imports so serve --help stays fast.


def _net(dsn):
    from pgcadence.net.sender import NetWorker

    return NetWorker(dsn)


SERVICES.append(ServiceSpec("net", "the pg_net-compatible sender (net.http_request_queue -> HTTP)", _net))


def _worker(dsn):
    from pgcadence.queue import QueueWorker, load_default_handlers

    try:
        load_default_handlers()
    except ImportError as exc:  # configuration, not a crash: restarting cannot help
        raise FatalServiceError(f"cannot import handler module: {exc} (check $PGCADENCE_HANDLERS)") from None
    return QueueWorker(dsn)


SERVICES.append(ServiceSpec("worker", "the job-queue worker (claims and runs due jobs)", _worker))
