"""Issue 3's end-to-end proof, on the migrated database with real pg_cron, sender and executor.

Seed 002 Phase 2 runs as written: the two ``vault.create_secret`` calls (placeholders
filled in) and the ``cron.schedule(job_name => 'sync_game_platform_stats', ...)`` block,
with only the target function changed from ``/functions/v1/sync`` to ``/functions/v1/echo``,
which ``pgcadence serve`` provides. A real pg_cron tick fires it, the net sender posts it,
the executor authenticates the service-role key from Vault, and ``net._http_response``
shows 200. The same tick proves the package's own heartbeat job runs.

The seed's schedule is hourly (``0 * * * *``); to see a tick within a minute the test then
switches the job to every minute with ``cron.alter_job`` — the command stays as written.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
import time

import psycopg
import pytest
from port_for import get_port

from runner.executor import keys
from tests.conftest import CLI, ROOT

SEED_VAULT = """
select vault.create_secret('{project_url}', 'project_url');
select vault.create_secret('{service_role_key}', 'service_role_key');
"""

SEED_SCHEDULE = """
select cron.schedule(
  job_name => 'sync_game_platform_stats',
  schedule => '0 * * * *',              -- top of every hour
  command  => $$
    select
      net.http_post(
        url := (select decrypted_secret from vault.decrypted_secrets where name = 'project_url') || '/functions/v1/echo',
        headers := jsonb_build_object(
          'Content-Type','application/json',
          'Authorization','Bearer ' || (select decrypted_secret from vault.decrypted_secrets where name = 'service_role_key')
        ),
        timeout_milliseconds := 10000
      );
  $$
);
"""


def _start_serve(url: str, *args: str, env: dict | None = None):
    """``pgcadence serve`` (executor + background services) on a free port, with its JSON log."""
    port = get_port(None)
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
    full_env.update(env or {})
    proc = subprocess.Popen([*CLI, "serve", "--database", url, "--port", str(port), *args],
                            cwd=ROOT, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stderr], daemon=True).start()
    records: list[dict] = []

    def wait_for(pred, timeout=60.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for rec in records:
                if pred(rec):
                    return rec
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError("serve never logged the expected line") from None
            try:
                records.append(json.loads(line))
            except ValueError:
                continue

    wait_for(lambda r: r.get("event") == "listening")
    return proc, f"http://127.0.0.1:{port}", wait_for


def _stop(proc) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture
def serve(migrated_url):
    """serve with seed 002's two Vault secrets removed, so the test can create them as the seed does."""
    with psycopg.connect(migrated_url, autocommit=True) as conn:
        keys.ensure_project_keys(conn, None)
        service_key = keys.project_keys(conn)["service_role_key"]
        conn.execute("delete from vault.secrets where name in ('project_url', 'service_role_key')")
    proc, url, wait_for = _start_serve(migrated_url)
    try:
        yield {"url": url, "service_key": service_key, "wait_for": wait_for}
    finally:
        _stop(proc)
        with psycopg.connect(migrated_url, autocommit=True) as conn:
            conn.execute("select cron.unschedule('sync_game_platform_stats') "
                         "where exists (select 1 from cron.job where jobname = 'sync_game_platform_stats')")
            conn.execute("delete from vault.secrets where name in ('project_url', 'service_role_key')")


@pytest.mark.slow
def test_seed_002_cron_block_reaches_the_executor(migrated_url, serve):
    with psycopg.connect(migrated_url, autocommit=True) as conn:
        for stmt in SEED_VAULT.format(project_url=serve["url"], service_role_key=serve["service_key"]).strip().splitlines():
            conn.execute(stmt)
        jobid = conn.execute(SEED_SCHEDULE).fetchone()[0]
        job = conn.execute("select schedule, active, command from cron.job where jobid = %s", (jobid,)).fetchone()
        assert job[0] == "0 * * * *" and job[1]
        assert serve["service_key"] not in job[2], "the key is read from Vault at run time, never pasted"
        beats0 = conn.execute("select beats from pgcadence.cron_heartbeat").fetchone()[0]
        conn.execute("select cron.alter_job(%s, schedule := '* * * * *')", (jobid,))
        started = conn.execute("select now()").fetchone()[0]

        deadline = time.monotonic() + 80
        row = None
        while time.monotonic() < deadline:
            rows = conn.execute("select status_code, content, error_msg from net._http_response "
                                "where created >= %s order by created", (started,)).fetchall()
            row = next(((st, json.loads(c), e) for st, c, e in rows if c and '"echo"' in c), None)
            if row:
                break
            time.sleep(1)
        assert row is not None, "no response row within 80 s of scheduling"
        status, body, error = row
        assert (status, error) == (200, None)
        assert body["role"] == "service_role" and body["auth"] == "jwt"
        assert body["database"]["auth_role"] == "service_role"

        run = conn.execute("select status, command from cron.job_run_details where jobid = %s "
                           "and start_time >= %s order by start_time limit 1", (jobid, started)).fetchone()
        assert run[0] == "succeeded" and "/functions/v1/echo" in run[1]
        assert conn.execute("select beats from pgcadence.cron_heartbeat").fetchone()[0] > beats0, \
            "the package's own heartbeat job ran on the same tick"
    # the executor logged the authenticated call
    rec = serve["wait_for"](lambda r: r.get("function") == "echo" and r.get("status") == 200)
    assert "Authorization" not in json.dumps(rec) and serve["service_key"] not in json.dumps(rec)


def test_worker_trigger_posts_to_api_jobs_run_and_the_job_runs(migrated_url):
    """Seed 002 Phase 3: the trigger (migration 0010) reads endpoint and runner secret from
    Vault, /api/jobs/run checks the secret and processes the due job (the long-running
    worker is off, so only the HTTP path can run it)."""
    runner_secret = "runner-" + os.urandom(8).hex()
    with psycopg.connect(migrated_url, autocommit=True) as conn:
        keys.ensure_project_keys(conn, None)
        proc, url, wait_for = _start_serve(migrated_url, "--no-worker",
                                           env={"PGCADENCE_HANDLERS": "tests.queue_handlers"})
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
            _stop(proc)
            conn.execute("delete from job_queue where task_type = 'echo'")
            conn.execute("delete from vault.secrets where name in ('job_queue_worker_endpoint', 'job_queue_runner_secret')")
