"""The job queue's Python side: handlers (registry), running due jobs once
(``process_due``) and the long-running worker (``QueueWorker``). Everything that
decides something is SQL in sql/queue/."""

from pgcadence.queue.job import JobContext
from pgcadence.queue.process_due import MAX_RUN_BATCH, process_due
from pgcadence.queue.registry import (DEFAULT_HANDLER_MODULES, handler, load_default_handlers, load_handler_modules,
                                      registered_handlers)
from pgcadence.queue.worker import QueueWorker

__all__ = ["DEFAULT_HANDLER_MODULES", "MAX_RUN_BATCH", "JobContext", "QueueWorker", "handler", "load_default_handlers",
           "load_handler_modules", "process_due", "registered_handlers"]
