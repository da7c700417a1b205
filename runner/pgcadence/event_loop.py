"""The event loop ``pgcadence worker`` runs on.

uvloop (libuv's loop for asyncio, a dependency on Linux and macOS) where it is
installed, else asyncio's own loop. With handlers that sleep, the loop's own work —
timers, waking the slots, socket readiness of the round trips — was about a quarter of a
worker's CPU per job, and uvloop does it in C (bench/README.md). ``--event-loop asyncio``
(or ``$PGCADENCE_EVENT_LOOP``) picks asyncio's loop, e.g. to rule the loop out when
chasing a problem. ``pgcadence serve`` keeps asyncio's loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from pgcadence.errors import CadenceError

ENV = "PGCADENCE_EVENT_LOOP"
CHOICES = ("auto", "uvloop", "asyncio")

T = TypeVar("T")


def loop_factory(choice: str = "auto") -> Callable[[], asyncio.AbstractEventLoop] | None:
    """The factory of the loop ``choice`` names (None: asyncio's default). ``auto``: uvloop
    when it can be imported. CadenceError for an unknown choice or a missing uvloop."""
    if choice not in CHOICES:
        raise CadenceError(f"unknown event loop {choice!r} (use one of: {', '.join(CHOICES)})")
    if choice == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        if choice == "uvloop":
            raise CadenceError("the uvloop event loop is not installed here (pip install uvloop), "
                               "or use --event-loop asyncio") from None
        return None
    return uvloop.new_event_loop


def run(coro: Coroutine[Any, Any, T], factory: Callable[[], asyncio.AbstractEventLoop] | None) -> T:
    """asyncio.run(coro) on a loop of ``factory`` (from loop_factory; None: asyncio's)."""
    if factory is None:
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(coro)


def name(loop: asyncio.AbstractEventLoop) -> str:
    """``uvloop`` or ``asyncio``: what a worker reports in its start line."""
    return "uvloop" if type(loop).__module__.startswith("uvloop") else "asyncio"
