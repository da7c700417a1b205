"""A real pg_cron tick runs the job the package scheduled (waits up to ~70 s)."""

import time

import psycopg
import pytest


@pytest.mark.slow
def test_pg_cron_tick_runs_the_heartbeat_job(migrated_url):
    with psycopg.connect(migrated_url, autocommit=True) as c:
        jobid = c.execute("select jobid from cron.job where jobname = 'pgcadence_heartbeat'").fetchone()[0]
        beats0 = c.execute("select beats from pgcadence.cron_heartbeat").fetchone()[0]
        started = c.execute("select now()").fetchone()[0]
        deadline = time.monotonic() + 75
        while time.monotonic() < deadline:
            beats = c.execute("select beats from pgcadence.cron_heartbeat").fetchone()[0]
            if beats > beats0:
                break
            time.sleep(1)
        else:
            pytest.fail("pg_cron did not run pgcadence_heartbeat within 75 s")
        run = c.execute(
            "select status, command from cron.job_run_details where jobid = %s and start_time >= %s "
            "order by start_time desc limit 1", (jobid, started)).fetchone()
    assert run is not None, "the run is recorded in cron.job_run_details"
    assert run[0] in ("succeeded", "running")
    assert "pgcadence.cron_beat" in run[1]


# ------------------------------------------------------------------ cron management end to end
# Shares the tick above: the job is created (and the worker started) before the module's
# first test waits, so both jobs ('* * * * *') fire on the same pg_cron tick.
E2E_JOB = "cron_e2e_every_minute"
E2E_TOKEN = f"e2e-{time.time_ns()}"


@pytest.fixture(scope="module", autouse=True)
def cron_e2e(db_url):
    migrated_url = db_url
    """A queue worker with an 'cron_e2e_echo' handler, and a job made by create_cron_job that enqueues it."""
    import asyncio
    import threading
    import uuid

    from runner.queue_worker import QueueWorker

    handled: list[dict] = []

    def echo(payload, ctx):
        """Echo handler of the cron end-to-end test."""
        handled.append(payload)
        return {"echo": payload}

    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    worker = QueueWorker(migrated_url, handlers={"cron_e2e_echo": echo}, poll_interval=0.5)
    thread = threading.Thread(target=lambda: loop.run_until_complete(worker.run(stop)), daemon=True)
    thread.start()
    admin = str(uuid.uuid4())
    with psycopg.connect(migrated_url, autocommit=True) as c:
        deadline = time.monotonic() + 30
        while not c.execute("select 1 from public.job_handlers where task_type = 'cron_e2e_echo'").fetchone():
            assert time.monotonic() < deadline, "the worker did not register its handler"
            time.sleep(0.1)
        c.execute("insert into public.profiles (id, role) values (%s, 'admin')", (admin,))
        with c.transaction():  # as an admin through the API role, as PostgREST would
            c.execute("select set_config('role', 'authenticated', true), set_config('request.jwt.claims', %s, true)",
                      (f'{{"sub": "{admin}", "role": "authenticated"}}',))
            jobid = c.execute("select public.create_cron_job(%s, '* * * * *', 'cron_e2e_echo', %s::jsonb, 2)",
                              (E2E_JOB, f'{{"token": "{E2E_TOKEN}"}}')).fetchone()[0]
    yield {"jobid": jobid, "handled": handled}
    loop.call_soon_threadsafe(stop.set)
    thread.join(timeout=60)
    with psycopg.connect(migrated_url, autocommit=True) as c:
        c.execute("select pgcadence.cron_unschedule(%s) from cron.job where jobname = %s", (E2E_JOB, E2E_JOB))
        c.execute("delete from public.profiles where id = %s", (admin,))
        c.execute("delete from public.job_handlers where task_type = 'cron_e2e_echo'")
    assert not thread.is_alive(), "the queue worker did not stop"


@pytest.mark.slow
def test_created_cron_job_fires_on_a_tick_and_the_worker_runs_its_task(migrated_url, cron_e2e):
    with psycopg.connect(migrated_url, autocommit=True) as c:
        deadline = time.monotonic() + 75
        while True:
            row = c.execute("select status from public.job_queue where task_type = 'cron_e2e_echo' "
                            "and payload ->> 'token' = %s order by created_at limit 1", (E2E_TOKEN,)).fetchone()
            if row and row[0] == "succeeded":
                break
            assert time.monotonic() < deadline, f"no processed cron_e2e_echo job within 75 s (queue row: {row})"
            time.sleep(0.5)
        run = c.execute("select status, command from cron.job_run_details where jobid = %s "
                        "and return_message not like 'manual run%%' order by start_time limit 1",
                        (cron_e2e["jobid"],)).fetchone()
        attempts = c.execute("select a.outcome, a.attempt from public.job_queue_attempts a join public.job_queue q on q.id = a.job_id "
                             "where q.payload ->> 'token' = %s order by a.finished_at limit 1", (E2E_TOKEN,)).fetchone()
    assert run is not None and run[0] == "succeeded", "pg_cron ran the job on its tick"
    assert "public.job_queue_enqueue(task_type => 'cron_e2e_echo'" in run[1]
    assert {"token": E2E_TOKEN} in cron_e2e["handled"], "the worker's handler got the payload"
    assert attempts == ("succeeded", 1)
