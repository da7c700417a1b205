"""The handler the replica tests run inside real runner processes
(``PGCADENCE_HANDLERS=tests.replica_handlers``).

``replica_mark`` appends one line per run, ``<job id> <attempt> <pid>``, to
``$PGCADENCE_REPLICA_RUNS/<pid>.runs`` with a single ``write`` on an O_APPEND descriptor:
a line written is in the kernel's hands, so a process killed with SIGKILL right after
still leaves it. The tests count handler runs from these files, independently of what the
database recorded.
"""

from __future__ import annotations

import asyncio
import os

from pgcadence.queue import handler

_fd: int | None = None


def _runs_fd() -> int:
    global _fd
    if _fd is None:
        path = os.path.join(os.environ["PGCADENCE_REPLICA_RUNS"], f"{os.getpid()}.runs")
        _fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    return _fd


@handler("replica_mark")
async def replica_mark(payload, ctx):
    os.write(_runs_fd(), f"{ctx.id} {ctx.attempt} {os.getpid()}\n".encode())
    if payload.get("sleep"):
        await asyncio.sleep(float(payload["sleep"]))
    return None
