"""Everything that needs a real pg_cron tick, sharing one tick (pg_cron 1.4 fires on minute
boundaries, so each separate wait would cost up to a minute).

The module fixture sets every scenario up *before* the first test waits:

- the Supabase-style cron block, run as written (the two ``vault.create_secret`` calls with
  the placeholders filled in, and the ``cron.schedule(job_name => 'sync_game_platform_stats', …)``
  block with only the target changed from ``/functions/v1/sync`` to ``/functions/v1/echo``,
  which ``pgcadence serve`` provides). Its schedule is hourly; the fixture then
  switches it to every minute with ``cron.alter_job`` — the command stays as written;
- a job made by ``create_cron_job`` (issue 5) whose enqueued task a queue worker runs;
- the renewal of a system mandate that expires within the hour (the standing
  ``system-mandate-renewal`` job, switched to every minute, asks the executor with the
  service key from Vault);
- and the package's own heartbeat job, which every tick advances.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
import time
import uuid

import psycopg
import pytest

from pgcadence import mandates, vault
from pgcadence.executor import keys
from pgcadence.queue import QueueWorker
from tests.serve_helpers import start_serve

pytestmark = pytest.mark.slow

SEED_VAULT = """
select vault.create_secret('{project_url}', 'project_url');
select vault.create_secret('{service_role_key}', 'service_role_key');
"""

CRON_BLOCK = """
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
SYSTEM_USER = "add95fb0-f94f-4c88-99f1-313d7099579b"
MANDATE_SECRETS = [mandates.MANDATE_SECRET, mandates.SIGNING_KEY_SECRET]
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


def _final_run(conn, query: str, params: tuple):
    """pg_cron's record of a run (status first) once its outcome is written: pg_cron writes it
    after the command's transaction commits, so what the command did (a job enqueued and
    already run, a request already answered) can be seen a moment before."""
    def final():
        row = conn.execute(query, params).fetchone()
        return row if row is not None and row[0] in ("succeeded", "failed") else None
    return _wait("pg_cron's final record of the run", final, 30)


@pytest.fixture(scope="module")
def ticking(db_url):
    conn = psycopg.connect(db_url, autocommit=True)
    started = conn.execute("select now()").fetchone()[0]
    beats0 = conn.execute("select beats from pgcadence.cron_heartbeat").fetchone()[0]

    # --- executor + sender, Vault secrets and the cron block as written
    keys.ensure_project_keys(conn, None)
    service_key = keys.project_keys(conn)["service_role_key"]
    conn.execute("delete from vault.secrets where name in ('project_url', 'service_role_key')")
    served = start_serve(db_url, "--no-worker")
    for stmt in SEED_VAULT.format(project_url=served.url, service_role_key=service_key).strip().splitlines():
        conn.execute(stmt)
    block_job = conn.execute(CRON_BLOCK).fetchone()[0]
    block_row = conn.execute("select schedule, active, command from cron.job where jobid = %s", (block_job,)).fetchone()
    conn.execute("select cron.alter_job(%s, schedule := '* * * * *')", (block_job,))

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
    # --- a system mandate with an hour left: due for renewal (less than 48 h)
    conn.execute("delete from vault.secrets where name = any(%s)", (MANDATE_SECRETS,))
    expiring = mandates.rotate(conn, SYSTEM_USER, list(mandates.DEFAULT_SCOPES), 60)
    conn.execute("select cron.alter_job(jobid, schedule := '* * * * *') from cron.job "
                 "where jobname = 'system-mandate-renewal'")
    try:
        yield {"conn": conn, "started": started, "beats0": beats0, "served": served, "service_key": service_key,
               "block_job": block_job, "block_row": block_row, "cron_job": cron_job, "handled": handled,
               "expiring": expiring}
    finally:
        conn.execute("select cron.alter_job(jobid, schedule := '23 * * * *') from cron.job "
                     "where jobname = 'system-mandate-renewal'")
        conn.execute("delete from vault.secrets where name = any(%s)", (MANDATE_SECRETS,))
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


def test_the_vault_backed_cron_block_reaches_the_executor(ticking):
    conn, served = ticking["conn"], ticking["served"]
    schedule, active, command = ticking["block_row"]
    assert schedule == "0 * * * *" and active
    assert ticking["service_key"] not in command, "the key is read from Vault at run time, never pasted"

    def echo_row():
        rows = conn.execute("select status_code, content, error_msg from net._http_response where created >= %s "
                            "order by created", (ticking["started"],)).fetchall()
        return next(((st, json.loads(c), e) for st, c, e in rows if c and '"function":"echo"' in c), None)

    status, body, error = _wait("response row of the cron block's request", echo_row)
    assert (status, error) == (200, None)
    assert body["role"] == "service_role" and body["auth"] == "jwt"
    assert body["database"]["auth_role"] == "service_role"
    run = _final_run(conn, "select status, command from cron.job_run_details where jobid = %s and start_time >= %s "
                           "order by start_time limit 1", (ticking["block_job"], ticking["started"]))
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
    run = _final_run(conn, "select status, command from cron.job_run_details where jobid = %s "
                           "and coalesce(return_message, '') not like 'manual run%%' order by start_time limit 1",
                     (ticking["cron_job"],))
    assert run[0] == "succeeded", "pg_cron ran the job on its tick"
    assert "public.job_queue_enqueue(task_type => 'cron_e2e_echo'" in run[1]
    assert {"token": TOKEN} in ticking["handled"], "the worker's handler got the payload"
    attempts = conn.execute("select a.outcome, a.attempt from public.job_queue_attempts a join public.job_queue q "
                            "on q.id = a.job_id where q.payload ->> 'token' = %s order by a.finished_at limit 1",
                            (TOKEN,)).fetchone()
    assert attempts == ("succeeded", 1)


def test_the_system_mandate_is_renewed_before_it_expires(ticking):
    conn = ticking["conn"]
    renewed = _wait("renewed system mandate", lambda: conn.execute(
        "select metadata from public.mandate_audit where action = 'mandate_created' and created_at > %s "
        "and metadata->>'purpose' = 'renewal'", (ticking["started"],)).fetchone(), TICK_WAIT + 30)
    jws = vault.get_secret(conn, mandates.MANDATE_SECRET)
    assert jws != ticking["expiring"].jws
    m = mandates.verify(jws, mandates.signing_key(conn), "scp.get_programs")
    assert m.user_id == SYSTEM_USER and m.claims["jti"] == renewed[0]["jti"]
    assert m.expires_at > ticking["expiring"].expires_at + dt.timedelta(days=6), "a new seven-day mandate"
    assert conn.execute("select failing, last_success_at > %s from public.mandate_renewal_status()",
                        (ticking["started"],)).fetchone() == (False, True)
    run = _final_run(conn, "select r.status, r.command from cron.job_run_details r join cron.job j using (jobid) "
                           "where j.jobname = 'system-mandate-renewal' and r.start_time >= %s order by r.start_time "
                           "limit 1", (ticking["started"],))
    assert run[0] == "succeeded" and "call_mandate_renewal()" in run[1]
    rec = ticking["served"].wait_for(lambda r: r.get("function") == "renew-system-mandate" and r.get("status") == 200)
    assert rec["role"] == "service_role", "called with the service key from Vault"
