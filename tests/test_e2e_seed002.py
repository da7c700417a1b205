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


@pytest.fixture
def serve(migrated_url):
    """``pgcadence serve`` (executor + net sender) on a free port, its JSON log lines collected."""
    port = get_port(None)
    with psycopg.connect(migrated_url, autocommit=True) as conn:
        keys.ensure_project_keys(conn, None)
        service_key = keys.project_keys(conn)["service_role_key"]
        conn.execute("delete from vault.secrets where name in ('project_url', 'service_role_key')")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
    proc = subprocess.Popen([*CLI, "serve", "--database", migrated_url, "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
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
    try:
        yield {"url": f"http://127.0.0.1:{port}", "service_key": service_key, "wait_for": wait_for}
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
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
