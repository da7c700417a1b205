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
