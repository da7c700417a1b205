"""An installed but unconfigured module never fails its standing jobs: they skip, the
skip is counted, and doctor says why (sql/base/modules.sql)."""

from __future__ import annotations

import psycopg
import pytest

from tests.conftest import run_cli
from tests.test_game_platform import enqueue, job, run_due


def _skips(conn, module: str) -> dict[str, int]:
    return dict(conn.execute("select job, skips from pgcadence.module_skips where module = %s", (module,)).fetchall())


def _queued(conn) -> int:
    return conn.execute("select count(*) from net.http_request_queue").fetchone()[0]


@pytest.fixture
def conn(conn):
    """A rolled-back transaction whose cron calls have somewhere to go (Vault project_url
    and service_role_key, as `pgcadence up` stores them)."""
    conn.execute("delete from vault.secrets where name in ('project_url', 'service_role_key')")
    conn.execute("select vault.create_secret('http://127.0.0.1:9', 'project_url'), "
                 "vault.create_secret('not-a-real-key', 'service_role_key')")
    return conn


def test_movies_jobs_skip_without_an_api_key_and_run_with_one(conn):
    conn.execute("delete from vault.secrets where name = 'tmdb_api_key'")
    conn.execute("delete from pgcadence.module_skips")
    queued = _queued(conn)
    assert conn.execute("select pgcadence.module_unconfigured('movies')").fetchone()[0].startswith("no upstream API key")
    assert conn.execute("select public.call_daily_refresh()").fetchone()[0] is None
    assert conn.execute("select public.call_refresh_worker()").fetchone()[0] is None
    assert conn.execute("select public.call_scheduled_ingest('mixed_daily', 30, 'cron')").fetchone()[0] is None
    assert _queued(conn) == queued, "a skipped job sends nothing"
    assert _skips(conn, "movies") == {"daily-refresh": 1, "refresh-worker": 1, "scheduled-ingest": 1}
    conn.execute("select public.call_daily_refresh()")
    assert _skips(conn, "movies")["daily-refresh"] == 2

    conn.execute("select vault.create_secret('k-123', 'tmdb_api_key')")
    assert conn.execute("select pgcadence.module_unconfigured('movies')").fetchone()[0] is None
    assert conn.execute("select public.call_daily_refresh()").fetchone()[0] is not None
    assert _queued(conn) == queued + 1


def test_the_cache_warming_job_skips_until_mandates_are_set_up(conn):
    conn.execute("delete from vault.secrets where name in ('SYSTEM_MANDATE_JWS', 'SCP_SERVICE_CRED_ID')")
    queued = _queued(conn)
    command = conn.execute("select command from cron.job where jobname = 'daily-cache-warming'").fetchone()[0]
    conn.execute(command)  # what pg_cron runs
    assert _queued(conn) == queued
    assert _skips(conn, "mandates").get("daily-cache-warming", 0) >= 1
    reason = conn.execute("select pgcadence.module_unconfigured('mandates')").fetchone()[0]
    assert "SCP_SERVICE_CRED_ID" in reason and "SYSTEM_MANDATE_JWS" in reason
    conn.execute("select vault.create_secret('x.y.z', 'SYSTEM_MANDATE_JWS'), "
                 "vault.create_secret('00000000-0000-0000-0000-000000000001', 'SCP_SERVICE_CRED_ID')")
    conn.execute(command)
    assert _queued(conn) == queued + 1


@pytest.fixture
def unconfigured_platform(migrated_url):
    with psycopg.connect(migrated_url, autocommit=True) as c:
        c.execute("TRUNCATE public.job_queue, public.job_queue_attempt_log")
        c.execute("UPDATE pgcadence.game_platform_settings SET base_url = NULL")
        c.execute("DELETE FROM vault.secrets WHERE name = 'game_platform_base_url'")
    yield migrated_url


def test_game_platform_tasks_succeed_as_skipped_without_a_base_url(unconfigured_platform):
    url = unconfigured_platform
    jid = enqueue(url, "game_platform_sync", {"incremental": True})
    report = run_due(url)
    assert report["succeeded"] == 1 and report["failed"] == 0, report
    row = job(url, jid)
    assert row["status"] == "succeeded" and row["attempts"] == 1
    assert row["result"]["skipped"].startswith("not configured: the game platform base URL is not configured")


def test_doctor_names_the_unconfigured_module_and_its_skips(migrated_url):
    with psycopg.connect(migrated_url, autocommit=True) as c:
        c.execute("UPDATE pgcadence.game_platform_settings SET base_url = NULL")
        c.execute("DELETE FROM vault.secrets WHERE name = 'game_platform_base_url'")
        c.execute("insert into pgcadence.module_skips (module, job, reason, skips) "
                  "values ('game_platform', 'test', 'x', 3) on conflict (module, job) do update set skips = 3, last_at = now()")
    try:
        r = run_cli("doctor", "--database", migrated_url)
        line = next(ln for ln in r.stdout.splitlines() if "module game_platform" in ln)
        assert line.startswith("WARN") and "not configured (no upstream base URL" in line
        assert "3 skipped run(s) in 24 h" in line and "pgcadence modules disable game_platform" in line
        assert "FAIL  module" not in r.stdout
    finally:
        with psycopg.connect(migrated_url, autocommit=True) as c:
            c.execute("delete from pgcadence.module_skips where job = 'test'")
