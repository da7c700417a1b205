"""End to end without waiting for a tick: the job queue's worker trigger (migration 0010)
posts to /api/jobs/run through the net sender, and the executor runs the due job."""

from __future__ import annotations

import json
import os
import time

import psycopg

from pgcadence.executor import keys
from tests.serve_helpers import start_serve


def test_worker_trigger_posts_to_api_jobs_run_and_the_job_runs(migrated_url):
    """The worker trigger (migration 0010) reads endpoint and runner secret from
    Vault, /api/jobs/run checks the secret and processes the due job (the long-running
    worker is off, so only the HTTP path can run it)."""
    runner_secret = "runner-" + os.urandom(8).hex()
    with psycopg.connect(migrated_url, autocommit=True) as conn:
        keys.ensure_project_keys(conn, None)
        # jobs other tests left behind: /api/jobs/run claims only types it has handlers for,
        # so leftovers of other types would stay due and keep the trigger calling
        conn.execute("delete from job_queue where status in ('pending', 'running')")
        served = start_serve(migrated_url, "--no-worker", env={"PGCADENCE_HANDLERS": "tests.queue_handlers"})
        url = served.url
        try:
            keys.set_secret(conn, "job_queue_worker_endpoint", url + "/api/jobs/run")
            keys.set_secret(conn, "job_queue_runner_secret", runner_secret)
            job = conn.execute("select job_queue_enqueue('echo', '{\"n\": 7}'::jsonb)").fetchone()[0]
            req = conn.execute("select call_job_queue_worker()").fetchone()[0]
            assert req is not None
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                row = conn.execute("select status_code, content from net._http_response where id = %s", (req,)).fetchone()
                if row:
                    break
                time.sleep(0.2)
            assert row and row[0] == 200, row
            report = json.loads(row[1])
            assert report["status"] == "ok" and report["processed"] == 1 and report["succeeded"] == 1
            status, result = conn.execute("select status, result from job_queue where id = %s", (job,)).fetchone()
            assert status == "succeeded" and result["echo"] == {"n": 7}
            # nothing due now: the trigger makes no call at all
            assert conn.execute("select call_job_queue_worker()").fetchone()[0] is None
            # paused: no call, even with a job due (a wrong secret's 401 is in test_executor)
            conn.execute("select job_queue_enqueue('echo', '{}'::jsonb)")
            conn.execute("select job_queue_pause()")
            try:
                assert conn.execute("select call_job_queue_worker()").fetchone()[0] is None
            finally:
                conn.execute("select job_queue_resume()")
        finally:
            served.stop()
            conn.execute("delete from job_queue where task_type = 'echo'")
            conn.execute("delete from vault.secrets where name in ('job_queue_worker_endpoint', 'job_queue_runner_secret')")
