"""Extra functions the executor tests register (``pgcadence serve --load tests.executor_fixtures``)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from runner.executor import logs
from runner.executor.registry import function


@function("test-wait-for-file", verify_jwt=False, methods=("POST",))
async def wait_for_file(ctx):
    """Logs that it started, then waits until the file named in the body exists."""
    logs.event("test_handler_started", function=ctx.function)
    marker = Path(ctx.body["marker"])
    while not marker.exists():
        await asyncio.sleep(0.05)
    return {"finished": True}
