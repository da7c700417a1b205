"""Queue handlers: the registry task types are looked up in, and loading handler modules.

A handler is ``(payload: dict, context: JobContext) -> result`` (plain or ``async``),
registered under a task type::

    from pgcadence.queue import handler

    @handler("send_digest")
    def send_digest(payload, ctx):
        ...
        return {"sent": 3}        # stored as job_queue.result (jsonb)

A worker claims only the task types it has handlers for; jobs of other types wait for a
worker that has them.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any, Callable, Iterable

Handler = Callable[..., Any]
_REGISTRY: dict[str, Handler] = {}

# The package's own handler modules, loaded by `pgcadence serve`, `pgcadence worker` and
# /api/jobs/run so that every task type the migrations schedule has its handler.
DEFAULT_HANDLER_MODULES: tuple[str, ...] = ("pgcadence.movies", "pgcadence.cache", "pgcadence.game_platform",
                                            "pgcadence.mcp_tools", "pgcadence.demo")


def handler(task_type: str, registry: dict[str, Handler] | None = None) -> Callable[[Handler], Handler]:
    """Decorator: register ``fn(payload, context)`` for ``task_type``."""

    def register(fn: Handler) -> Handler:
        (_REGISTRY if registry is None else registry)[task_type] = fn
        return fn

    return register


def registered_handlers() -> dict[str, Handler]:
    """A copy of the default registry."""
    return dict(_REGISTRY)


def load_handler_modules(names: Iterable[str]) -> None:
    """Import modules whose ``@handler`` decorators fill the default registry.

    The current directory is importable, as with ``python -m`` (uvicorn and celery do the same).
    """
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    for name in names:
        name = name.strip()
        if name:
            importlib.import_module(name)


def load_default_handlers() -> None:
    """Import the package's handler modules and those named in $PGCADENCE_HANDLERS
    (comma-separated); idempotent, imports are cached."""
    extra = [m for m in os.environ.get("PGCADENCE_HANDLERS", "").split(",") if m.strip()]
    load_handler_modules([*DEFAULT_HANDLER_MODULES, *extra])
