"""One logging setup for every pgcadence process: JSON lines on stderr.

``pgcadence serve``, ``worker``, ``net-worker`` and every other verb log through the
standard ``logging`` module; :func:`configure` (called once by the root command) sends
every record to stderr as one JSON object per line with the same keys everywhere::

    {"time": "2025-01-31T12:00:00.123Z", "level": "warning", "logger": "pgcadence.queue",
     "event": "job", "message": "job retry", "pid": 4242, "id": "…", "attempt": 2, …}

- ``event`` is a stable name to filter on (``jq 'select(.event == "request")'``): the
  name given to ``pgcadence.executor.logs.event()``, an ``event`` field in ``extra=``, or
  ``log`` for a plain message;
- ``message`` is the human text;
- every ``extra={...}`` field of the record becomes a key (ids: ``request_id``, ``id``,
  ``attempt``, ``worker``, ``task_type`` …), so an operator can follow one request or one
  job across replicas;
- values under secret-looking keys (authorization, password, token, secret, key, dsn,
  cookie …) are replaced by ``[redacted]``, and passwords in URLs, bearer tokens and JWTs
  are masked in every string, exceptions included (:mod:`pgcadence.redact`).

The level comes from ``--log-level`` on the root command or ``PGCADENCE_LOG_LEVEL``
(debug, info, warning, error; default info) and applies to pgcadence's own loggers;
libraries (aiohttp, uvicorn, psycopg …) log warnings and errors only, unless the level
is debug.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable

from pgcadence import redact

ENV_LEVEL = "PGCADENCE_LOG_LEVEL"
LEVELS = ("debug", "info", "warning", "error")
DEFAULT_LEVEL = "info"

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}
_OWN = {"fields", "event", "_pgcadence_event"}  # handled explicitly below


def level_from(value: str | None) -> int:
    """``debug``/``info``/``warning``/``error`` (any case) to a logging level; ValueError otherwise."""
    name = (value or DEFAULT_LEVEL).strip().lower()
    if name not in LEVELS:
        raise ValueError(f"unknown log level {value!r} (use one of: {', '.join(LEVELS)})")
    return getattr(logging, name.upper())


@functools.lru_cache(maxsize=256)
def _name(logger: str) -> str:
    return json.dumps(redact.scrub_text(logger))


_second: list = [None, ""]  # the last second formatted and its text: strftime once a second


def _seconds(sec: int) -> str:
    if _second[0] != sec:
        _second[:] = [sec, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec))]
    return _second[1]


def _timestamp(record: logging.LogRecord) -> str:
    return f"{_seconds(int(record.created))}.{int(record.msecs):03d}Z"


def _stamp(created: float) -> str:
    """_timestamp of a record made at ``created`` (time.time())."""
    sec = int(created)
    return f"{_seconds(sec)}.{int((created - sec) * 1000):03d}Z"


# A record may carry its fields already rendered (the queue worker's per-job lines, one
# per job at thousands a second): ``record._pgcadence_json`` is the text of the keys after
# "logger", i.e. '"event":…,"message":…,"pid":…,…' with every value encoded and scrubbed as
# format() would. Only set it when the record has no exception and no other extra fields.
PRERENDERED = "_pgcadence_json"


class JsonFormatter(logging.Formatter):
    """A record as one JSON object; see the module docstring for the keys."""

    def format(self, record: logging.LogRecord) -> str:
        pre = record.__dict__.get(PRERENDERED)
        if pre is not None:
            return f'{{"time":"{_timestamp(record)}","level":"{record.levelname.lower()}","logger":{_name(record.name)},{pre}}}'
        message = record.getMessage()
        out: dict = {"time": _timestamp(record), "level": record.levelname.lower(), "logger": record.name}
        event = getattr(record, "_pgcadence_event", None) or getattr(record, "event", None)
        fields: dict = {}
        if event is None and message.startswith("{"):
            # older call sites log a JSON object as the message: its keys become fields
            try:
                parsed = json.loads(message)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict):
                event = parsed.pop("event", None)
                fields.update(parsed)
                message = str(event or "log")
        out["event"] = str(event or "log")
        out["message"] = message
        out["pid"] = record.process
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in _OWN and not key.startswith("_"):
                fields[key] = value
        fields.update(getattr(record, "fields", None) or {})
        for key, value in fields.items():
            if key not in ("time", "level", "logger", "pid"):
                out[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            out["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            out["exception"] = record.exc_text
        return json.dumps(redact.scrub(out), default=str, separators=(",", ":"))


class _Handler(logging.StreamHandler):
    """The stderr handler :func:`configure` installs (marked, so it is installed once).
    Inside :func:`batched` it collects lines and writes them with one call."""

    def __init__(self, stream=None) -> None:
        super().__init__(stream)
        self._held: list[str] | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self._held is None:
            return super().emit(record)
        try:
            self._held.append(self.format(record))
        except Exception:  # noqa: BLE001 - as StreamHandler.emit
            self.handleError(record)

    def line_sink(self, logger: str, level: int) -> Callable[[str], None]:
        """Inside :func:`batched`: a function that takes the PRERENDERED text of a record of
        ``logger`` at ``level`` and holds the line format() would write for it, stamped
        with the time of this call (the lines of one batch are logged within it)."""
        prefix = (f'{{"time":"{_stamp(time.time())}","level":"{logging.getLevelName(level).lower()}",'
                  f'"logger":{_name(logger)},')
        held, lock = self._held, self.lock
        if held is None:
            raise RuntimeError("line_sink() outside batched()")

        def add(pre: str) -> None:
            line = prefix + pre + "}"
            with lock:
                if self._held is held:
                    held.append(line)
                    return
                try:  # another thread's batch ended and wrote this one's lines: as emit would
                    self.stream.write(line + "\n")
                    self.flush()
                except Exception:  # noqa: BLE001 - as release_held
                    pass
        return add

    def release_held(self) -> None:
        with self.lock:
            held, self._held = self._held, None
            if held:
                try:
                    self.stream.write("\n".join(held) + "\n")
                    self.flush()
                except Exception:  # noqa: BLE001 - a closed or full stream must not stop the worker
                    pass


_batch = threading.local()


@contextlib.contextmanager
def batched():
    """Lines logged inside (by any thread) reach stderr in one write when it ends: the
    queue worker wraps the lines of a batch of jobs in it (a write per line cost as much
    as the rest of the line). Nested uses join the outer one."""
    handler = next((h for h in logging.getLogger().handlers if isinstance(h, _Handler)), None)
    if handler is None or getattr(_batch, "on", False):
        yield
        return
    with handler.lock:
        if handler._held is None:
            handler._held = []
    _batch.on = True
    try:
        yield
    finally:
        _batch.on = False
        handler.release_held()


def direct(logger: logging.Logger, level: int) -> Callable[[str], None] | None:
    """When the stderr handler is the one place a record of ``logger`` at ``level`` would
    go and it is holding a batch's lines (:func:`batched`) — the record enabled, no filter,
    no other handler and no other formatter on the way, the standard LogRecord, pids
    logged —, its :meth:`_Handler.line_sink`: a caller that logs a line per job may give it
    the line and skip building a record nobody else would see. None: log records as usual
    (a handler attached anywhere on the way, caplog for one, sees them all). Valid until
    the batch ends."""
    if not logger.isEnabledFor(level) or logging.getLogRecordFactory() is not logging.LogRecord \
            or not logging.logProcesses:
        return None
    found = None
    node: logging.Logger | None = logger
    while node is not None:
        if node.filters:
            return None
        for h in node.handlers:
            if (found is not None or type(h) is not _Handler or h.filters or level < h.level
                    or type(h.formatter) is not JsonFormatter):
                return None
            found = h
        node = node.parent if node.propagate else None
    return found.line_sink(logger.name, level) if found is not None and found._held is not None else None


def configure(level: str | int | None = None, stream=None) -> None:
    """Send every log record of this process to ``stream`` (stderr) as JSON lines.

    ``level``: a name or a logging level; None keeps the level an earlier call set,
    else takes ``$PGCADENCE_LOG_LEVEL``, else info. Safe to call more than once.
    """
    root = logging.getLogger()
    ours = logging.getLogger("pgcadence")
    handler = next((h for h in root.handlers if isinstance(h, _Handler)), None)
    if handler is None:
        handler = _Handler(stream or sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    elif stream is not None:
        handler.setStream(stream)
    if level is None and ours.level != logging.NOTSET:
        return  # configured before: keep that level
    if level is None:
        level = os.environ.get(ENV_LEVEL) or DEFAULT_LEVEL
    lvl = level if isinstance(level, int) else level_from(level)
    ours.setLevel(lvl)
    ours.propagate = True
    root.setLevel(lvl if lvl <= logging.DEBUG else max(lvl, logging.WARNING))
    # libraries: warnings and errors only, unless debugging (their info lines are noise)
    for name in ("aiohttp", "uvicorn", "uvicorn.error", "psycopg", "psycopg.pool", "httpx", "mcp"):
        logging.getLogger(name).setLevel(logging.NOTSET if lvl <= logging.DEBUG else logging.WARNING)
    # handlers other loggers attached before (e.g. an earlier logging.basicConfig) would
    # print a second, non-JSON copy of each line
    for h in list(root.handlers):
        if h is not handler and isinstance(h, logging.StreamHandler) and h.stream in (sys.stderr, sys.stdout):
            root.removeHandler(h)
    for h in list(ours.handlers):
        ours.removeHandler(h)
