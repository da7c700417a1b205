"""The executor's events (requests, service starts/stops/crashes) as log records.

The format is the process-wide one (:mod:`pgcadence.logging_setup`): one JSON object per
line on stderr. Never logged: the Authorization header, request or response bodies,
query strings.
"""

from __future__ import annotations

import logging

from pgcadence import logging_setup
from pgcadence.logging_setup import JsonFormatter  # noqa: F401 - kept importable from here

LOGGER_NAME = "pgcadence.executor"
log = logging.getLogger(LOGGER_NAME)


def event(name: str, level: int = logging.INFO, exc_info=None, **fields) -> None:
    """Log event ``name`` with ``fields`` as keys of its JSON line."""
    log.log(level, name, extra={"_pgcadence_event": name, "fields": fields}, exc_info=exc_info)


def setup(stream=None) -> None:
    """JSON lines on stderr for this process (a no-op when the CLI configured logging)."""
    logging_setup.configure(stream=stream)
