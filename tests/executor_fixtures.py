"""Extra functions the executor tests register (``pgcadence serve --load tests.executor_fixtures``)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pgcadence.executor import logs
from pgcadence.executor.registry import function
from pgcadence.executor.services import SERVICES, ServiceSpec


@function("test-wait-for-file", verify_jwt=False, methods=("POST",))
async def wait_for_file(ctx):
    """Logs that it started, then waits until the file named in the body exists."""
    logs.event("test_handler_started", function=ctx.function)
    marker = Path(ctx.body["marker"])
    while not marker.exists():
        await asyncio.sleep(0.05)
    return {"finished": True}


class _TestService:
    """A background service that logs its start and its graceful stop."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn

    async def run(self, stop: asyncio.Event) -> None:
        logs.event("test_service_running")
        await stop.wait()
        logs.event("test_service_stopping")


SERVICES.append(ServiceSpec("test-svc", "a test service", _TestService))
