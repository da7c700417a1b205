"""Everything that needs a real pg_cron tick, sharing one tick (pg_cron 1.4 fires on minute
boundaries, so each separate wait would cost up to a minute).

The module fixture sets every scenario up *before* the first test waits:

- seed 002 Phase 2, run as written (the two ``vault.create_secret`` calls with the
  placeholders filled in, and the ``cron.schedule(job_name => 'sync_game_platform_stats', …)``
  block with only the target changed from ``/functions/v1/sync`` to ``/functions/v1/echo``,
  which ``pgcadence serve`` provides). The seed's schedule is hourly; the fixture then
  switches it to every minute with ``cron.alter_job`` — the command stays as written;
- a job made by ``create_cron_job`` (issue 5) whose enqueued task a queue worker runs;
- and the package's own heartbeat job, which every tick advances.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid

import psycopg
import pytest

from pgcadence.executor import keys
from pgcadence.queue import QueueWorker
from tests.serve_helpers import start_serve

pytestmark = pytest.mark.slow

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

CRON_JOB = "cron_e2e_every_minute"
TOKEN = f"e2e-{time.time_ns()}"
TICK_WAIT = 80  # seconds: one minute boundary plus slack for a loaded machine


def _wait(what: str, probe, timeout: float = TICK_WAIT):
    deadline = time.monotonic() + timeout
    while True:
        got = probe()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout} s")
        time.sleep(0.5)


@pytest.fixture(scope="module")
def ticking(db_url):
    conn = psycopg.connect(db_url, autocommit=True)
    started = conn.execute("select now()").fetchone()[0]
    beats0 = conn.execute("select beats from pgcadence.cron_heartbeat").fetchone()[0]

    # --- seed 002: executor + sender, Vault secrets and the cron block as written
    keys.ensure_project_keys(conn, None)
    service_key = keys.project_keys(conn)["service_role_key"]
    conn.execute("delete from vault.secrets where name in ('project_url', 'service_role_key')")
    served = start_serve(db_url, "--no-worker")
    for stmt in SEED_VAULT.format(project_url=served.url, service_role_key=service_key).strip().splitlines():
        conn.execute(stmt)
    seed_job = conn.execute(SEED_SCHEDULE).fetchone()[0]
    seed_row = conn.execute("select schedule, active, command from cron.job where jobid = %s", (seed_job,)).fetchone()
    conn.execute("select cron.alter_job(%s, schedule := '* * * * *')", (seed_job,))

    # --- issue 5: an admin creates a cron job; a queue worker runs what it enqueues
    handled: list[dict] = []

    def cron_e2e_echo(payload, ctx):
        handled.append(payload)
        return {"echo": payload}

    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    worker = QueueWorker(db_url, handlers={"cron_e2e_echo": cron_e2e_echo}, poll_interval=0.5)
    thread = threading.Thread(target=lambda: loop.run_until_complete(worker.run(stop)), daemon=True)
    thread.start()
    _wait("handler registration", lambda: conn.execute(
        "select 1 from public.job_handlers where task_type = 'cron_e2e_echo'").fetchone(), 30)
    admin = str(uuid.uuid4())
    conn.execute("insert into public.profiles (id, role) values (%s, 'admin')", (admin,))
    with conn.transaction():  # as an admin through the API role, as PostgREST would
        conn.execute("select set_config('role', 'authenticated', true), set_config('request.jwt.claims', %s, true)",
                     (json.dumps({"sub": admin, "role": "authenticated"}),))
        cron_job = conn.execute("select public.create_cron_job(%s, '* * * * *', 'cron_e2e_echo', %s::jsonb, 2)",
                                (CRON_JOB, json.dumps({"token": TOKEN}))).fetchone()[0]
    try:
        yield {"conn": conn, "started": started, "beats0": beats0, "served": served, "service_key": service_key,
               "seed_job": seed_job, "seed_row": seed_row, "cron_job": cron_job, "handled": handled}
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=60)
        served.stop()
        conn.execute("select cron.unschedule('sync_game_platform_stats')")
        conn.execute("select pgcadence.cron_unschedule(%s)", (CRON_JOB,))
        conn.execute("delete from public.profiles where id = %s", (admin,))
        conn.execute("delete from public.job_handlers where task_type = 'cron_e2e_echo'")
        conn.execute("delete from vault.secrets where name in ('project_url', 'service_role_key')")
        conn.close()
        assert not thread.is_alive(), "the queue worker did not stop"


def test_seed_002_cron_block_reaches_the_executor(ticking):
    conn, served = ticking["conn"], ticking["served"]
    schedule, active, command = ticking["seed_row"]
    assert schedule == "0 * * * *" and active
    assert ticking["service_key"] not in command, "the key is read from Vault at run time, never pasted"

    def echo_row():
        rows = conn.execute("select status_code, content, error_msg from net._http_response where created >= %s "
                            "order by created", (ticking["started"],)).fetchall()
        return next(((st, json.loads(c), e) for st, c, e in rows if c and '"function":"echo"' in c), None)

    status, body, error = _wait("response row of the seed's request", echo_row)
    assert (status, error) == (200, None)
    assert body["role"] == "service_role" and body["auth"] == "jwt"
    assert body["database"]["auth_role"] == "service_role"
    run = conn.execute("select status, command from cron.job_run_details where jobid = %s and start_time >= %s "
                       "order by start_time limit 1", (ticking["seed_job"], ticking["started"])).fetchone()
    assert run[0] == "succeeded" and "/functions/v1/echo" in run[1]
    rec = served.wait_for(lambda r: r.get("function") == "echo" and r.get("status") == 200)
    assert ticking["service_key"] not in json.dumps(rec), "the executor logs the call, never the key"


def test_the_package_heartbeat_ticks(ticking):
    conn = ticking["conn"]
    _wait("heartbeat", lambda: conn.execute("select beats > %s from pgcadence.cron_heartbeat",
                                            (ticking["beats0"],)).fetchone()[0])
    run = conn.execute("select r.status from cron.job_run_details r join cron.job j using (jobid) "
                       "where j.jobname = 'pgcadence_heartbeat' and r.start_time >= %s", (ticking["started"],)).fetchone()
    assert run is not None and run[0] in ("succeeded", "running")


def test_created_cron_job_fires_and_the_worker_runs_its_task(ticking):
    conn = ticking["conn"]
    _wait("processed cron_e2e_echo job", lambda: conn.execute(
        "select status = 'succeeded' from public.job_queue where task_type = 'cron_e2e_echo' "
        "and payload ->> 'token' = %s order by created_at limit 1", (TOKEN,)).fetchone() or [False])
    run = conn.execute("select status, command from cron.job_run_details where jobid = %s "
                       "and return_message not like 'manual run%%' order by start_time limit 1",
                       (ticking["cron_job"],)).fetchone()
    assert run is not None and run[0] == "succeeded", "pg_cron ran the job on its tick"
    assert "public.job_queue_enqueue(task_type => 'cron_e2e_echo'" in run[1]
    assert {"token": TOKEN} in ticking["handled"], "the worker's handler got the payload"
    attempts = conn.execute("select a.outcome, a.attempt from public.job_queue_attempts a join public.job_queue q "
                            "on q.id = a.job_id where q.payload ->> 'token' = %s order by a.finished_at limit 1",
                            (TOKEN,)).fetchone()
    assert attempts == ("succeeded", 1)
