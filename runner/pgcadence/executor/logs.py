"""One JSON object per line on stderr: requests, service starts/stops/crashes.

Never logged: the Authorization header, request or response bodies, query strings.
"""

from __future__ import annotations

import json
import logging
import sys
import time

LOGGER_NAME = "pgcadence.executor"
log = logging.getLogger(LOGGER_NAME)


class JsonFormatter(logging.Formatter):
    """Executor events as they are; other ``pgcadence.*`` loggers (net sender, queue worker)
    get a ``logger`` field, and a message that is itself a JSON object is merged in."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        out = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "event": message,
        }
        if record.name != LOGGER_NAME:
            out["logger"] = record.name
            parsed = None
            if message.startswith("{"):
                try:
                    parsed = json.loads(message)
                except ValueError:
                    pass
            if isinstance(parsed, dict):
                out["event"] = parsed.pop("event", "log")
                out.update(parsed)
            else:
                out["event"], out["message"] = "log", message
        out.update(getattr(record, "fields", {}))
        if record.exc_info and record.exc_info[0] is not None:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, separators=(",", ":"))


def event(name: str, level: int = logging.INFO, exc_info=None, **fields) -> None:
    log.log(level, name, extra={"fields": fields}, exc_info=exc_info)


def setup(stream=None) -> None:
    """Send every ``pgcadence.*`` log (executor, services) to ``stream`` (stderr) as JSON
    lines, once per process."""
    parent = logging.getLogger("pgcadence")
    if any(getattr(h, "_pgcadence", False) for h in parent.handlers):
        return
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler._pgcadence = True  # type: ignore[attr-defined]
    parent.addHandler(handler)
    parent.setLevel(logging.INFO)
    parent.propagate = False
    log.setLevel(logging.INFO)
