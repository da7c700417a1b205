"""The two handler shapes of bench/worker_bench.py, for `pgcadence worker -m bench.handlers`."""

from __future__ import annotations

import asyncio

from pgcadence.queue import handler


@handler("bench_noop")
async def bench_noop(payload, ctx):
    """No work at all: what the worker itself costs per job."""
    return None


@handler("bench_sleep")
async def bench_sleep(payload, ctx):
    """Waits 10 ms (an I/O-bound handler): what concurrency buys."""
    await asyncio.sleep(0.01)
