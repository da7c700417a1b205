"""Cron management flows: the admin HTTP routes on a real uvicorn server (SQL runs as the
caller), the ``pgcadence cron`` CLI, doctor, and the queue worker registering its handlers."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid

import httpx
import psycopg
import pytest
import uvicorn
from port_for import get_port

from pgcadence.executor import auth, keys
from pgcadence.executor.app import Settings, create_app
from pgcadence.executor.config import ExecutorConfig
from pgcadence.executor import load_builtin
from pgcadence.queue import QueueWorker
from tests.conftest import run_cli

ADMIN = str(uuid.uuid4())
USER = str(uuid.uuid4())
JOB = "http_test_job"


@pytest.fixture(scope="module")
def admin_db(db_url):
    """Project keys in Vault, an admin and a plain user in profiles, a registered task type."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        created = keys.ensure_project_keys(conn, "http://127.0.0.1:1")
        conn.execute("insert into public.profiles (id, role) values (%s, 'admin'), (%s, 'user')", (ADMIN, USER))
        conn.execute("select public.register_job_handler('cron_http_echo', 'test')")
    yield db_url
    with psycopg.connect(db_url, autocommit=True) as conn:
        for name in ("http_test_job", "cli_test_job"):
            conn.execute("select pgcadence.cron_unschedule(j.jobname) from cron.job j where j.jobname = %s", (name,))
        conn.execute("delete from public.profiles where id in (%s, %s)", (ADMIN, USER))
        conn.execute("delete from public.job_handlers where task_type in ('cron_http_echo', 'cron_worker_probe')")
        if created:
            conn.execute("delete from vault.secrets where name = any(%s)", (created,))


@pytest.fixture(scope="module")
def http(admin_db):
    settings = Settings(dsn=admin_db, registry=load_builtin(), config=ExecutorConfig(), request_timeout=30)
    srv = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=get_port(None),
                                        log_config=None, access_log=False))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        assert thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    with psycopg.connect(admin_db, autocommit=True) as conn:
        secret = keys.get_secret(conn, keys.JWT_SECRET)
        anon = keys.project_keys(conn)[keys.ANON_KEY]
    with httpx.Client(base_url=f"http://127.0.0.1:{srv.config.port}", timeout=30) as client:
        client.tokens = {
            "admin": auth.mint(secret, "authenticated", sub=ADMIN),
            "user": auth.mint(secret, "authenticated", sub=USER),
            "stranger": auth.mint(secret, "authenticated", sub=str(uuid.uuid4())),
            "anon": anon,
        }
        yield client
    srv.should_exit = True
    thread.join(timeout=30)
    assert not thread.is_alive()


def _as(client, who: str) -> dict:
    return {"Authorization": f"Bearer {client.tokens[who]}"}


def test_admin_routes_create_toggle_schedule_list(http, admin_db):
    body = {"jobName": JOB, "schedule": "*/30 * * * *", "taskType": "cron_http_echo",
            "payload": {"dryRun": False, "coachId": None}, "maxAttempts": 4}
    r = http.post("/api/admin/cron-jobs/create", json=body, headers=_as(http, "admin"))
    assert r.status_code == 201, r.text
    job_id = r.json()["jobId"]
    with psycopg.connect(admin_db) as conn:
        row = conn.execute("select jobid, schedule, command from cron.job where jobname = %s", (JOB,)).fetchone()
    assert row[0] == job_id and row[1] == "*/30 * * * *"
    assert "'cron_http_echo'" in row[2] and '"coachId": null' in row[2]

    r = http.post("/api/admin/cron-jobs/toggle", json={"jobName": JOB, "active": False}, headers=_as(http, "admin"))
    assert r.status_code == 200 and r.json() == {"jobName": JOB, "active": False}, r.text
    r = http.post("/api/admin/cron-jobs/schedule", json={"jobName": JOB, "schedule": "0 3 * * *", "timezone": "America/Los_Angeles"},
                  headers=_as(http, "admin"))
    assert r.status_code == 200 and r.json()["description"] == "Daily at 03:00 (America/Los_Angeles)", r.text

    r = http.get("/api/admin/cron-jobs", params={"limit": 5}, headers=_as(http, "admin"))
    assert r.status_code == 200, r.text
    data = r.json()
    mine = next(j for j in data["jobs"] if j["jobname"] == JOB)
    assert mine["active"] is False and mine["timezone"] == "America/Los_Angeles"
    assert mine["schedule"] == "0 3 * * *" and mine["cron_schedule"] == "0 10-11 * * *"
    assert mine["payload"] == {"dryRun": False, "coachId": None} and mine["max_attempts"] == 4
    standing = {j["jobname"]: j for j in data["jobs"] if j["managed_by"] == "pgcadence"}
    assert {"game_platform_sync_incremental", "game_platform_totals_sweep_hourly", "cron_history_cleanup"} <= set(standing)
    assert all(j["command"] is None for j in standing.values()) and mine["managed_by"] == "admin" and mine["command"]
    assert data["summary"]["total"] == len(data["jobs"])
    assert data["summary"]["inactive"] >= 1 and data["summary"]["active"] + data["summary"]["inactive"] == data["summary"]["total"]
    assert len(data["runs"]) <= 5

    r = http.post("/api/admin/cron-jobs/run", json={"jobName": JOB}, headers=_as(http, "admin"))
    assert r.status_code == 200 and r.json()["status"] == "succeeded", r.text
    assert r.json()["return_message"].startswith(f"manual run by user {ADMIN}")
    r = http.get("/api/admin/cron-jobs", params={"job": JOB}, headers=_as(http, "admin"))
    assert [x["jobname"] for x in r.json()["runs"]] == [JOB]


@pytest.mark.parametrize("who", ["user", "stranger", "anon"])
def test_non_admins_get_403_and_change_nothing(http, admin_db, who):
    calls = [("get", "/api/admin/cron-jobs", None),
             ("post", "/api/admin/cron-jobs/create", {"jobName": "sneaky_job", "schedule": "* * * * *", "taskType": "cron_http_echo"}),
             ("post", "/api/admin/cron-jobs/toggle", {"jobName": "pgcadence_heartbeat", "active": False}),
             ("post", "/api/admin/cron-jobs/schedule", {"jobName": "pgcadence_heartbeat", "schedule": "0 0 1 1 *"})]
    for method, path, body in calls:
        r = http.request(method, path, json=body, headers=_as(http, who))
        assert r.status_code == 403, (path, r.text)
        assert r.json()["error"] == "permission_denied"
        # anon may not even execute the functions; signed-in non-admins meet the check inside
        assert ("permission denied for function" if who == "anon" else "only an admin") in r.json()["message"]
    with psycopg.connect(admin_db) as conn:
        assert conn.execute("select schedule, active from cron.job where jobname = 'pgcadence_heartbeat'").fetchone() == ("* * * * *", True)
        assert conn.execute("select count(*) from cron.job where jobname = 'sneaky_job'").fetchone()[0] == 0


def test_no_token_is_401(http):
    assert http.get("/api/admin/cron-jobs").status_code == 401


@pytest.mark.parametrize("path,body,status,message", [
    ("/create", {"jobName": "x", "schedule": "* * * * *", "taskType": "cron_http_echo"}, 400, 'invalid job_name "x"'),
    ("/create", {"jobName": "bad_sched", "schedule": "30 seconds", "taskType": "cron_http_echo"}, 400, "pg_cron 1.4"),
    ("/create", {"jobName": "bad_sched", "schedule": "0 25 * * *", "taskType": "cron_http_echo"}, 400, 'invalid hour field "25"'),
    ("/create", {"jobName": "bad_type", "schedule": "* * * * *", "taskType": "nope"}, 400, 'unknown task_type "nope"'),
    ("/create", {"jobName": "bad_payload", "schedule": "* * * * *", "taskType": "cron_http_echo", "payload": [1]}, 400, "'payload' must be a JSON object"),
    ("/create", {"jobName": "bad_attempts", "schedule": "* * * * *", "taskType": "cron_http_echo", "maxAttempts": 0}, 400, "max_attempts must be between 1 and 100"),
    ("/create", {"schedule": "* * * * *"}, 400, "'jobName' is required"),
    ("/create", {"jobName": "cron_history_cleanup", "schedule": "* * * * *", "taskType": "cron_http_echo"}, 400, "already exists"),
    ("/create", {"jobName": "pgcadence_heartbeat", "schedule": "* * * * *", "taskType": "cron_http_echo"}, 400,
     "names starting with pgcadence_ are reserved"),
    ("/toggle", {"jobName": "pgcadence_heartbeat", "active": "yes"}, 400, "'active' must be true or false"),
    ("/toggle", {"jobName": "no_such_job", "active": True}, 404, 'no cron job named "no_such_job"'),
    ("/toggle", {"jobName": "pgcadence_heartbeat", "active": False}, 403, "is a standing job of pgcadence"),
    ("/delete", {"jobName": "cron_history_cleanup"}, 403, "is a standing job of pgcadence"),
    ("/schedule", {"jobName": JOB, "schedule": "* * * * * *"}, 400, "6 fields"),
    ("/schedule", {"jobName": JOB, "schedule": "0 0 $ * *"}, 400, "needs pg_cron 1.6"),
])
def test_bad_input_is_400_with_the_sql_message(http, path, body, status, message):
    r = http.post("/api/admin/cron-jobs" + path, json=body, headers=_as(http, "admin"))
    assert r.status_code == status, r.text
    assert message in r.json()["message"], r.text


def test_cli_cron_verbs(admin_db):
    env = {"DATABASE_URL": admin_db}
    r = run_cli("cron", "create", "cli_test_job", "0 */2 * * *", "cron_http_echo", "--payload", '{"a": 1}', env=env)
    assert r.returncode == 0 and "created cli_test_job" in r.stdout and "Every 2 hours" in r.stdout, r.stderr
    r = run_cli("cron", "list", env=env)
    assert r.returncode == 0
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith("cli_test_job"))
    assert "0 */2 * * *" in line and "Every 2 hours" in line and "yes" in line
    assert "game_platform_sync_incremental" in r.stdout and "Every 30 minutes" in r.stdout
    assert run_cli("cron", "toggle", "cli_test_job", "off", env=env).stdout.strip() == "cli_test_job is now inactive"
    r = run_cli("cron", "schedule", "cli_test_job", "0 2 * * sun", "--timezone", "America/Los_Angeles", env=env)
    assert r.stdout.strip() == "cli_test_job: Every Sunday at 02:00 (America/Los_Angeles)", r.stderr
    r = run_cli("cron", "run", "cli_test_job", env=env)
    assert r.returncode == 0 and "succeeded: manual run by role" in r.stdout, r.stderr
    r = run_cli("cron", "history", "--job", "cli_test_job", "--limit", "5", env=env)
    assert r.returncode == 0 and "cli_test_job" in r.stdout and "manual run" in r.stdout
    r = run_cli("cron", "describe", "0 3 * * *", "--timezone", "Europe/Berlin", env=env)
    assert r.returncode == 0 and r.stdout.startswith("Daily at 03:00 (Europe/Berlin); next run 20")
    r = run_cli("cron", "delete", "cli_test_job", env=env)  # asks; no terminal: refuses, the job stays
    assert r.returncode == 1 and "refusing without --yes" in r.stderr
    assert "cli_test_job" in run_cli("cron", "list", env=env).stdout
    assert run_cli("cron", "delete", "cli_test_job", "-y", env=env).returncode == 0
    # errors: one line, exit 1
    r = run_cli("cron", "create", "cli_test_job", "61 * * * *", "cron_http_echo", env=env)
    assert r.returncode == 1 and r.stderr.strip().count("\n") == 0 and 'invalid minute field "61"' in r.stderr
    r = run_cli("cron", "delete", "cli_test_job", "--yes", env=env)
    assert r.returncode == 1 and 'no cron job named "cli_test_job"' in r.stderr
    r = run_cli("cron", "create", "x_job", "* * * * *", "t", "--payload", "{oops", env=env)
    assert r.returncode == 2 and "not valid JSON" in r.stderr


def test_doctor_prints_cron_health(admin_db):
    r = run_cli("doctor", env={"DATABASE_URL": admin_db})
    for check in ("cron: last run failed", "cron: never ran", "cron: long or overlapping runs", "cron: net queue backlog",
                  "cron: run history", "cron: time-zone schedules", "cron: task handlers"):
        assert check in r.stdout, r.stdout


def test_queue_worker_registers_its_handlers(admin_db):
    def probe(payload, ctx):
        """Probe handler for the registration test."""
        return payload

    async def main():
        stop = asyncio.Event()
        worker = QueueWorker(admin_db, handlers={"cron_worker_probe": probe}, poll_interval=0.2)
        task = asyncio.create_task(worker.run(stop))
        await asyncio.wait_for(worker.ready.wait(), 30)
        stop.set()
        await task

    asyncio.run(main())
    with psycopg.connect(admin_db) as conn:
        row = conn.execute("select description from public.job_handlers where task_type = 'cron_worker_probe'").fetchone()
    assert row == ("Probe handler for the registration test.",)


def test_failed_runs_show_in_history_with_their_whole_error(admin_db):
    env = {"DATABASE_URL": admin_db}
    message = "a failure message well over sixty characters long, so nothing may cut it short: THE END"
    command = f"DO $$BEGIN RAISE EXCEPTION '{message}'; END$$"
    with psycopg.connect(admin_db, autocommit=True) as conn:
        conn.execute("select cron.schedule('cli_failing_job', '0 0 1 1 *', %s)", (command,))
        # as if created through create_cron_job (the cron verbs, like the admin console, see
        # and run only those; it schedules queue tasks, never a failing command)
        conn.execute("insert into pgcadence.cron_job_meta (jobname, local_schedule, inner_command, created_via) "
                     "values ('cli_failing_job', '0 0 1 1 *', %s, 'admin')", (command,))
    try:
        r = run_cli("cron", "run", "cli_failing_job", env=env)
        assert r.returncode == 1 and "cli_failing_job failed" in r.stderr
        r = run_cli("cron", "history", "--failed", env=env)
        assert r.returncode == 0, r.stderr
        assert "cli_failing_job  FAILED" in r.stdout and message in r.stdout and "THE END" in r.stdout
        r = run_cli("cron", "history", "--failed", "--job", "cli_failing_job", "--json", env=env)
        runs = json.loads(r.stdout)
        assert runs and all(x["status"] == "failed" for x in runs) and message in runs[0]["return_message"]
    finally:
        with psycopg.connect(admin_db, autocommit=True) as conn:
            conn.execute("select pgcadence.cron_unschedule('cli_failing_job')")
