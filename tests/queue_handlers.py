"""Handlers the queue tests run inside real `pgcadence worker` processes (-m tests.queue_handlers)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from pgcadence.queue import handler


@handler("echo")
def echo(payload, ctx):
    return {"echo": payload, "attempt": ctx.attempt}


@handler("boom")
def boom(payload, ctx):
    raise RuntimeError(payload.get("message", "boom"))


@handler("sleepy")
def sleepy(payload, ctx):
    """Leaves a marker file per attempt (so a test knows it is mid-job), then sleeps."""
    marker = Path(payload["marker_dir"]) / f"{ctx.id}.{ctx.attempt}.{os.getpid()}"
    marker.write_text(str(time.time()))
    seconds = float(payload.get("seconds", 1))
    if ctx.attempt == 1:
        seconds = float(payload.get("seconds_first", seconds))
    time.sleep(seconds)
    return {"slept": seconds, "pid": os.getpid()}


@handler("noop_async")
async def noop_async(payload, ctx):
    return None
