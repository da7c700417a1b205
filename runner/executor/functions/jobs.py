"""``/api/jobs/run`` (seed 002): cron calls it to process due jobs from the queue.

Service-only: the bearer token must be the Vault secret ``job_queue_runner_secret``
(compared in constant time) or a service_role JWT.
"""

from __future__ import annotations

from runner.executor.registry import function

RUNNER_SECRET = "job_queue_runner_secret"


@function("jobs-run", path="/api/jobs/run", service_only=True, secret_name=RUNNER_SECRET,
          methods=("POST",), summary="Process due jobs from the job queue")
async def jobs_run(ctx):
    """Claims up to N due jobs, runs their handlers and returns a report
    `{status, processed, succeeded, failed, results}`."""
    # placeholder until the job queue lands (issue 4): nothing to process yet
    return {"status": "ok", "processed": 0, "succeeded": 0, "failed": 0, "results": []}
