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
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "event": record.getMessage(),
        }
        out.update(getattr(record, "fields", {}))
        if record.exc_info and record.exc_info[0] is not None:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, separators=(",", ":"))


def event(name: str, level: int = logging.INFO, exc_info=None, **fields) -> None:
    log.log(level, name, extra={"fields": fields}, exc_info=exc_info)


def setup(stream=None) -> None:
    """Send the executor's log to ``stream`` (stderr) as JSON lines, once."""
    if any(getattr(h, "_pgcadence", False) for h in log.handlers):
        return
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler._pgcadence = True  # type: ignore[attr-defined]
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
