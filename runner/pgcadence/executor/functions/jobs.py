"""``/api/jobs/run`` (docs/requirements.md, "Job queue"): cron calls it to process due jobs from the queue.

Service-only: the bearer token must be the Vault secret ``job_queue_runner_secret``
(compared in constant time) or a service_role JWT.
"""

from __future__ import annotations

import pgcadence.queue as queue_worker
from pgcadence.executor.errors import ApiError
from pgcadence.executor.registry import function

RUNNER_SECRET = "job_queue_runner_secret"
DEFAULT_LIMIT = 10


@function("jobs-run", path="/api/jobs/run", service_only=True, secret_name=RUNNER_SECRET,
          methods=("POST",), summary="Process due jobs from the job queue")
async def jobs_run(ctx):
    """Claims up to `limit` due jobs (body `{"limit": N}`, default 10, at most 100), runs
    their handlers and returns `{status, processed, succeeded, failed, results}`."""
    body = ctx.body if isinstance(ctx.body, dict) else {}
    limit = body.get("limit", DEFAULT_LIMIT)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise ApiError(400, "invalid_limit", "limit must be a positive integer")
    queue_worker.load_default_handlers()
    return await queue_worker.process_due(ctx.pool, min(limit, queue_worker.MAX_RUN_BATCH))
