"""One job as a handler sees it: its context, decoding its payload, running its handler,
and the log line its outcome leaves.

Shared by the long-running worker (worker.py) and ``process_due`` (process_due.py).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import logging
import math
import os
import socket
import threading
import time
import uuid
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from pgcadence import redact
from pgcadence.logging_setup import PRERENDERED
from pgcadence.metrics import process as metrics
from pgcadence.queue.registry import Handler

# One line per finished attempt (operators follow a job by job_id across replicas):
# succeeded / released at the worker's job log level (info unless configured),
# a failed attempt that will be retried at warning, a job that ends failed at error.
job_log = logging.getLogger("pgcadence.queue.jobs")
OUTCOME_LEVELS = {"retry": logging.WARNING, "failed": logging.ERROR, "lost": logging.WARNING}


@dataclass(slots=True)
class JobContext:
    """What a handler knows about the job it runs."""

    id: str
    task_type: str
    attempt: int
    max_attempts: int
    worker_id: str
    payload: dict = field(repr=False, default_factory=dict)
    lease_lost: bool = False  # set when a heartbeat finds the job taken back: stop early
    dsn: str | None = field(repr=False, default=None)  # the runner's database, for handlers that need SQL
    lease_token: int = field(repr=False, default=0)  # the claim's token: what complete/fail/heartbeat are fenced on

    @property
    def dry_run(self) -> bool:
        return bool(self.payload.get("dryRun"))


class JobFailed(Exception):
    """A job the worker could not even hand to its handler (the message says why)."""


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def decode_payload(raw: str | None) -> dict:
    """The payload as the handler gets it. A row that cannot be decoded (too deep for
    Python, a number too long for an int) fails this job only, with the reason."""
    if raw is None or raw == "{}":  # the default payload: no decoder for it
        return {}
    try:
        value = json.loads(raw)
    except (RecursionError, ValueError) as exc:
        raise JobFailed(f"payload cannot be decoded: {type(exc).__name__}: {str(exc)[:200]}") from None
    if not isinstance(value, dict):
        raise JobFailed(f"payload is not a JSON object but {type(value).__name__}")
    return value


def encode_result(result: Any) -> str | None:
    """A handler's return value as JSON text (stored as job_queue.result)."""
    if result is None:
        return None
    try:
        text = json.dumps(result, default=str, allow_nan=False)
    except (ValueError, TypeError, RecursionError) as exc:
        raise JobFailed(f"the handler's result is not JSON: {type(exc).__name__}: {str(exc)[:200]}") from None
    if "\\u0000" in text:
        raise JobFailed("the handler's result holds a NUL character, which PostgreSQL cannot store")
    return text


def error_text(exc: BaseException) -> str:
    """What a failed attempt records as last_error (the database keeps the first 8 KiB)."""
    text = str(exc) if isinstance(exc, JobFailed) else f"{type(exc).__name__}: {exc}"
    return text.replace("\x00", "\\0")  # PostgreSQL text cannot hold NUL


async def run_handler(fn: Handler, is_async: bool, ctx: JobContext, executor: Executor | None = None) -> str | None:
    """Run ``fn(ctx.payload, ctx)``: awaited when async, in ``executor`` (a thread) when
    plain. Returns the result as JSON text; raises what the handler raised."""
    if is_async:
        result = await fn(ctx.payload, ctx)
    else:
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(executor, functools.partial(fn, ctx.payload, ctx))
        if inspect.isawaitable(result):
            result = await result
    return encode_result(result)


def is_async_handler(fn: Handler) -> bool:
    return inspect.iscoroutinefunction(fn)


def log_outcome(ctx: JobContext, outcome: str, duration_ms: float | None, level: int,
                error: str | None = None, next_run_at: Any = None, sink: Any = None, counted: bool = False) -> None:
    """One structured line per finished attempt, fields for a JSON formatter; counted in
    the process metrics whatever the log level (``counted``: the caller did, for a batch at
    once with metrics.jobs_finished). ``sink``: logging_setup.direct(job_log, level),
    looked up once per batch by the caller: a common line then goes to it as text."""
    if not counted:
        metrics.job_finished(ctx.worker_id, ctx.task_type, outcome, duration_ms)
    if sink is not None and error is None and next_run_at is None and outcome not in OUTCOME_LEVELS:
        sink(_line(ctx, outcome, duration_ms, _PID[0]))
        return
    level = OUTCOME_LEVELS.get(outcome, level)
    if not job_log.isEnabledFor(level):
        return
    fields = {"event": "job", "job_id": ctx.id, "task_type": ctx.task_type, "attempt": ctx.attempt,
              "outcome": outcome, "worker": ctx.worker_id}
    if duration_ms is not None:
        fields["duration_ms"] = duration_ms
    if error is not None:
        fields["error"] = error
    if next_run_at is not None:
        fields["next_run_at"] = next_run_at
    record = _record(level, fields)
    if error is None and next_run_at is None:
        # the common line, rendered here at a fraction of the JSON formatter's cost (same text)
        record.__dict__[PRERENDERED] = _line(ctx, outcome, duration_ms, record.process)
    job_log.handle(record)


def _line(ctx: JobContext, outcome: str, duration_ms: float | None, pid: int) -> str:
    """The PRERENDERED text of a job line without error or next run."""
    line = (f'"event":"job","message":"job","pid":{pid},"job_id":{_text(ctx.id)},'
            f'{_fields(ctx.task_type, ctx.attempt, outcome, ctx.worker_id)}')
    if duration_ms is not None:
        line += f',"duration_ms":{_duration(duration_ms)}'
    return line


@functools.lru_cache(maxsize=1024, typed=True)  # typed: 2 and 2.0 are written differently
def _fields(task_type: Any, attempt: Any, outcome: Any, worker: Any) -> str:
    """The fields of a job line that repeat from job to job (few task types, attempts and
    outcomes; one worker), rendered once."""
    return (f'"task_type":{_text(task_type)},"attempt":{_number(attempt)},"outcome":{_text(outcome)},'
            f'"worker":{_text(worker)}')


_templates: dict[int, dict] = {}  # level -> the attributes of an earlier job record of this thread
_PID = [os.getpid()]


def _forked() -> None:  # a child's lines and records carry its own pid
    _templates.clear()
    _PID[0] = os.getpid()


os.register_at_fork(after_in_child=_forked)


def _record(level: int, fields: dict) -> logging.LogRecord:
    """A LogRecord for a job line, as job_log.makeRecord would make it (no caller lookup:
    findCaller walks the stack), at a fraction of the cost: the attributes that do not
    change from job to job (file, module, thread, process …) are copied from the last one."""
    template = _templates.get(level)
    if (template is None or template["thread"] != threading.get_ident()
            or logging.getLogRecordFactory() is not logging.LogRecord):
        record = job_log.makeRecord(job_log.name, level, __file__, 0, "job", None, None, extra={"fields": fields})
        _templates[level] = dict(vars(record))
        return record
    record = logging.LogRecord.__new__(logging.LogRecord)
    attrs = record.__dict__
    attrs.update(template)
    now = time.time()
    attrs["created"] = now
    attrs["msecs"] = int((now - int(now)) * 1000) + 0.0  # as LogRecord.__init__
    attrs["relativeCreated"] = template["relativeCreated"] + (now - template["created"]) * 1000
    attrs["fields"] = fields
    return record


_ID_CHARS = "0123456789abcdef-"


def _text(value: Any) -> str:
    """A string field as the JSON formatter writes it: scrubbed, then encoded."""
    if type(value) is str and not value.strip(_ID_CHARS):
        return f'"{value}"'  # a job id (hex digits and dashes): nothing to mask or escape
    return json.dumps(redact.scrub_text(value) if isinstance(value, str) else value, default=str)


def _number(value: Any) -> str:
    """A number field as the JSON formatter writes it."""
    if type(value) is int or (type(value) is float and math.isfinite(value)):
        return repr(value)
    return _text(value)


@functools.lru_cache(maxsize=4096, typed=True)
def _duration(value: Any) -> str:
    """_number of a duration: rounded to 0.01 ms, quick jobs repeat a few values."""
    return _number(value)
