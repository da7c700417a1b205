"""The movie module's documented verification checklist, manual tests and log checks
(docs/requirements.md, "Movies"): the queries a DBA would run, run as written
on the migrated database (in a transaction that is rolled back). test_movies.py runs the
"Check Logs" queries again after a real ingest/refresh, when the logs have content."""

from __future__ import annotations

import json

import psycopg
import pytest

# ---- the verification checklist (verbatim)
EXTENSIONS = "SELECT * FROM pg_extension WHERE extname IN ('pg_cron', 'pg_net');"
CRON_JOBS = "SELECT jobname, schedule, command FROM cron.job;"
TABLES = """SELECT table_name FROM information_schema.tables 
WHERE table_schema = 'public' 
AND table_name IN ('refresh_queue', 'sync_state');"""
FUNCTIONS = """SELECT routine_name FROM information_schema.routines 
WHERE routine_schema = 'public' 
AND routine_name IN ('get_service_role_key', 'get_supabase_url', 'call_scheduled_ingest', 'call_daily_refresh', 'call_refresh_worker', 'get_stale_movies');"""

# ---- the manual tests (verbatim)
TEST_INGEST = "SELECT call_scheduled_ingest('mixed_daily', 5, 'manual');"
TEST_ENQUEUE = "SELECT call_daily_refresh();"
TEST_QUEUE = "SELECT * FROM refresh_queue ORDER BY queued_at DESC LIMIT 10;"
TEST_WORKER = "SELECT call_refresh_worker();"

# ---- the log checks (verbatim)
CHECK_LOGS = (
    "SELECT * FROM scheduled_ingestion_log ORDER BY created_at DESC LIMIT 10;",
    "SELECT status, COUNT(*) FROM refresh_queue GROUP BY status;",
    "SELECT * FROM sync_state;",
)

MOVIE_JOBS = {
    # name: (local schedule, time zone, inner command)
    "scheduled_ingest_daily": ("0 3 * * *", "America/Los_Angeles", "SELECT public.call_scheduled_ingest('mixed_daily', 30, 'cron')"),
    "scheduled_ingest_weekly": ("0 2 * * 0", "America/Los_Angeles", "SELECT public.call_scheduled_ingest('mixed_weekly', 80, 'cron')"),
    "daily_refresh_enqueue": ("30 3 * * *", "America/Los_Angeles", "SELECT public.call_daily_refresh()"),
    "refresh_worker": ("*/10 * * * *", None, "SELECT public.call_refresh_worker()"),
}
PROJECT_URL = "http://127.0.0.1:9/project"
SERVICE_KEY = "test-service-role-key-not-a-real-jwt"


def _set_secret(conn, name: str, value: str) -> None:
    row = conn.execute("SELECT id FROM vault.decrypted_secrets WHERE name = %s", (name,)).fetchone()
    if row:
        conn.execute("SELECT vault.update_secret(%s, %s)", (row[0], value))
    else:
        conn.execute("SELECT vault.create_secret(%s, %s)", (value, name))


def test_verification_checklist(conn):
    ext = {r[1] for r in conn.execute(EXTENSIONS).fetchall()}
    assert "pg_cron" in ext
    # pg_net is the extension on Supabase; here the net schema shim stands in for it (docs/compat.md)
    assert "pg_net" in ext or conn.execute("SELECT to_regprocedure('net.http_post(text, jsonb, jsonb, jsonb, integer)') IS NOT NULL").fetchone()[0]

    jobs = {name: (schedule, command) for name, schedule, command in conn.execute(CRON_JOBS).fetchall()}
    assert set(MOVIE_JOBS) <= set(jobs), "the four movie jobs"
    assert jobs["refresh_worker"] == ("*/10 * * * *", "SELECT public.call_refresh_worker()")
    for name, (local, tz, inner) in MOVIE_JOBS.items():
        meta = conn.execute("SELECT local_schedule, timezone, inner_command FROM pgcadence.cron_job_meta WHERE jobname = %s",
                            (name,)).fetchone()
        assert meta == (local, tz, inner), name
        if tz:  # pg_cron runs UTC: the Pacific schedule goes through the time-zone guard
            assert "America/Los_Angeles" in jobs[name][1] and "cron_if_local" in jobs[name][1]

    assert sorted(r[0] for r in conn.execute(TABLES).fetchall()) == ["refresh_queue", "sync_state"]
    assert sorted(r[0] for r in conn.execute(FUNCTIONS).fetchall()) == sorted(
        ["get_service_role_key", "get_supabase_url", "call_scheduled_ingest", "call_daily_refresh",
         "call_refresh_worker", "get_stale_movies"])


@pytest.mark.parametrize("utc, local", [("2026-01-15 11:00:00+00", "03:00 PST"), ("2026-07-15 10:00:00+00", "03:00 PDT")])
def test_pt_jobs_fire_at_pacific_wall_clock_time(conn, utc, local):
    due = lambda s, at: conn.execute("SELECT pgcadence.cron_local_due(%s, 'America/Los_Angeles', %s::timestamptz)",  # noqa: E731
                                     (s, at)).fetchone()[0]
    assert due("0 3 * * *", utc), f"scheduled_ingest_daily fires at {local}"
    other = "2026-01-15 10:00:00+00" if "PST" in local else "2026-07-15 11:00:00+00"
    assert not due("0 3 * * *", other), "and not an hour off"


def test_manual_testing_queries(conn):
    _set_secret(conn, "project_url", PROJECT_URL)
    _set_secret(conn, "service_role_key", SERVICE_KEY)
    _set_secret(conn, "tmdb_api_key", "movies-test-key")  # configured (else the cron calls skip)

    rid = conn.execute(TEST_INGEST).fetchone()[0]
    method, url, headers, body = conn.execute(
        "SELECT method, url, headers, convert_from(body, 'UTF8') FROM net.http_request_queue WHERE id = %s", (rid,)).fetchone()
    assert (method, url) == ("POST", PROJECT_URL + "/functions/v1/scheduled-ingest")
    assert headers["Authorization"] == f"Bearer {SERVICE_KEY}"
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"source": "mixed_daily", "limit": 5, "trigger": "manual"}

    rid = conn.execute(TEST_ENQUEUE).fetchone()[0]
    assert conn.execute("SELECT url FROM net.http_request_queue WHERE id = %s", (rid,)).fetchone()[0] == \
        PROJECT_URL + "/functions/v1/daily-refresh"
    cols = [c.name for c in conn.execute(TEST_QUEUE).description]
    assert {"work_id", "status", "priority", "retry_count", "last_error", "queued_at"} <= set(cols)
    rid = conn.execute(TEST_WORKER).fetchone()[0]
    assert conn.execute("SELECT url FROM net.http_request_queue WHERE id = %s", (rid,)).fetchone()[0] == \
        PROJECT_URL + "/functions/v1/refresh-worker"

    for q in CHECK_LOGS:
        conn.execute(q).fetchall()  # they run as written (content: test_movies.py)

    # no secret in any cron command
    commands = [r[0] for r in conn.execute("SELECT command FROM cron.job").fetchall()]
    assert not any(SERVICE_KEY in c for c in commands)


def test_call_scheduled_ingest_refuses_bad_arguments_before_queueing(conn):
    _set_secret(conn, "project_url", PROJECT_URL)
    _set_secret(conn, "service_role_key", SERVICE_KEY)
    before = conn.execute("SELECT count(*) FROM net.http_request_queue").fetchone()[0]
    for args in (("'nope'", "5", "'manual'"), ("'mixed_daily'", "0", "'manual'"), ("'mixed_daily'", "5", "'sometimes'")):
        with pytest.raises(psycopg.Error) as err:
            with conn.transaction():
                conn.execute(f"SELECT call_scheduled_ingest({', '.join(args)})")
        assert err.value.sqlstate == "22023"
    assert conn.execute("SELECT count(*) FROM net.http_request_queue").fetchone()[0] == before
