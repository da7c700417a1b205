"""Movies end to end (docs/requirements.md, "Movies"): pg_cron's SQL -> net.http_post -> the net sender -> the executor's
functions -> a TMDB-like API on 127.0.0.1 (tests/tmdb_fake.py) -> the database.

Everything is real: PostgreSQL, the net sender (pgcadence.net.sender), the executor on
uvicorn, the fake upstream's HTTP. The module cleans up what it wrote (movies, logs,
refresh jobs, its Vault secrets and the upstream settings).
"""

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

from pgcadence import migrate, vault
from pgcadence.executor import keys
from pgcadence.executor.app import Settings, create_app
from pgcadence.executor import load_builtin
from pgcadence.net.sender import NetWorker
from tests.test_movies_checklist import CHECK_LOGS
from tests.tmdb_fake import FakeTMDB

API_KEY = "tmdb-test-" + uuid.uuid4().hex
SECRETS = (keys.JWT_SECRET, keys.ANON_KEY, keys.SERVICE_ROLE_KEY, keys.PROJECT_URL, "tmdb_api_key")
DEFAULT_UPSTREAM = "SELECT public.tmdb_configure('https://api.themoviedb.org/3', 20, 10000, 'bearer', 'tmdb_api_key', 60, 3)"
CLEAN = """
DELETE FROM public.job_queue_attempt_log a USING public.job_queue j WHERE a.job_id = j.id AND j.task_type = 'refresh_movie';
DELETE FROM public.job_queue WHERE task_type = 'refresh_movie';
DELETE FROM public.movies; DELETE FROM public.scheduled_ingestion_log; DELETE FROM public.tmdb_api_logs;
DELETE FROM public.sync_state;
"""


class Stack:
    """The session database with the executor, the net sender and the fake upstream running."""

    def __init__(self, url: str, fake: FakeTMDB, base: str, service_key: str) -> None:
        self.url, self.fake, self.base, self.service_key = url, fake, base, service_key

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            cur = conn.execute(query, params)
            return cur.fetchall() if cur.description else []

    def one(self, query: str, params: tuple = ()):
        rows = self.sql(query, params)
        return rows[0][0] if rows else None

    def call_and_wait(self, query: str, timeout: float = 120) -> tuple[int, dict]:
        """Run a call_* function (committed), wait for its net response row; (status, body)."""
        rid = self.one(query)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            row = self.sql("SELECT status_code, content, error_msg FROM net._http_response WHERE id = %s", (rid,))
            if row:
                status, content, error = row[0]
                assert error is None, f"request {rid} failed: {error}"
                return status, json.loads(content) if content else None
            time.sleep(0.05)
        raise AssertionError(f"no response for net request {rid} within {timeout} s")

    def post(self, function: str, body: dict | None = None) -> httpx.Response:
        with httpx.Client(base_url=self.base, timeout=60) as client:
            return client.post(f"/functions/v1/{function}", json=body or {},
                               headers={"Authorization": f"Bearer {self.service_key}"})


@pytest.fixture(scope="module")
def stack(db_url):
    migrate.apply(db_url, progress=lambda m: None)  # head, even after a test that rolled back
    migrated_url = db_url
    fake = FakeTMDB(API_KEY).start()
    port = get_port(None)
    base = f"http://127.0.0.1:{port}"
    with psycopg.connect(migrated_url, autocommit=True) as conn:
        before = {n: vault.get_secret(conn, n) for n in SECRETS}
        keys.ensure_project_keys(conn, base, replace_url=True)
        vault.set_secret(conn, "tmdb_api_key", API_KEY)
        conn.execute("SELECT public.tmdb_configure(base_url => %s, requests_per_second => 500, timeout_ms => 1000, "
                     "max_retry_after_s => 5)", (fake.base_url,))
        conn.execute(CLEAN)
        service_key = vault.get_secret(conn, keys.SERVICE_ROLE_KEY)

    app = create_app(Settings(dsn=migrated_url, registry=load_builtin(), request_timeout=120))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False))
    srv_thread = threading.Thread(target=server.run, name="executor", daemon=True)
    srv_thread.start()

    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    sender = NetWorker(migrated_url, poll_interval=0.2)
    net_thread = threading.Thread(target=lambda: loop.run_until_complete(sender.run(stop)), name="net", daemon=True)
    net_thread.start()
    deadline = time.monotonic() + 30
    while not (server.started and sender.ready.is_set()):
        assert time.monotonic() < deadline, "executor or net sender did not start"
        time.sleep(0.02)
    try:
        yield Stack(migrated_url, fake, base, service_key)
    finally:
        loop.call_soon_threadsafe(stop.set)
        net_thread.join(timeout=30)
        server.should_exit = True
        srv_thread.join(timeout=30)
        fake.stop()
        with psycopg.connect(migrated_url, autocommit=True) as conn:
            conn.execute(CLEAN)
            conn.execute(DEFAULT_UPSTREAM)
            for name, value in before.items():
                if value is None:
                    conn.execute("DELETE FROM vault.secrets WHERE name = %s", (name,))
                elif vault.get_secret(conn, name) != value:
                    vault.set_secret(conn, name, value)
        assert not net_thread.is_alive() and not srv_thread.is_alive()


@pytest.fixture
def fake(stack):
    stack.fake.reset()
    stack.mark = stack.one("SELECT coalesce(max(id), 0) FROM tmdb_api_logs")  # log rows of this test: id > mark
    yield stack.fake
    stack.fake.reset()


def test_cron_path_end_to_end(stack, fake):
    """Ingest from the fake upstream through call_scheduled_ingest(), age rows, run
    call_daily_refresh() and call_refresh_worker(): last_refreshed_at moves, the queue
    drains, the logs fill; a movie the upstream answers 500 for ends failed after 3 tries
    with its error kept while the others succeed."""
    fake.always("/movie/1007", 500)

    status, report = stack.call_and_wait("SELECT call_scheduled_ingest('mixed_daily', 30, 'manual')")
    assert status == 200, report
    assert (report["fetched"], report["inserted"], report["updated"]) == (30, 30, 0)
    assert report["errors"] == [{"tmdb_id": 1007, "error": "HTTP 500 from /movie/1007"}]
    # mixed_daily = now_playing (1001..1025) + trending/movie/week (1015..1034), de-duplicated, first 30
    assert stack.one("SELECT array_agg(tmdb_id ORDER BY tmdb_id) FROM movies") == list(range(1001, 1031))
    assert stack.one("SELECT count(*) FROM movies WHERE last_refreshed_at IS NOT NULL") == 29
    log = stack.sql("SELECT source, requested_limit, trigger, status, fetched_count, inserted_count, updated_count, "
                    "refreshed_count, error_count FROM scheduled_ingestion_log")
    assert log == [("mixed_daily", 30, "manual", "partial", 30, 30, 0, 29, 1)]
    assert {p for p in (r["path"] for r in fake.requests) if not p[7:].isdigit()} == \
        {"/movie/now_playing", "/trending/movie/week"}
    assert all(r["authorization"] == f"Bearer {API_KEY}" for r in fake.requests)
    assert stack.one("SELECT count(*) FROM tmdb_api_logs WHERE status_code = 200") == 32  # 3 list pages + 29 movies
    assert stack.one("SELECT count(*) FROM tmdb_api_logs WHERE endpoint LIKE %s", (f"%{API_KEY}%",)) == 0

    # age three refreshed movies so the rule calls them stale (1007 was never refreshed)
    stack.sql("UPDATE movies SET last_refreshed_at = now() - interval '400 days' WHERE tmdb_id IN (1001, 1002, 1004)")
    aged = dict(stack.sql("SELECT tmdb_id, last_refreshed_at FROM movies WHERE tmdb_id IN (1001, 1002, 1004)"))
    assert stack.one("SELECT array_agg(tmdb_id ORDER BY tmdb_id) FROM get_stale_movies(100)") == [1001, 1002, 1004, 1007]

    status, enq = stack.call_and_wait("SELECT call_daily_refresh()")
    assert status == 200 and enq["enqueued"] == 4, enq
    assert stack.one("SELECT last_sync_at > now() - interval '5 minutes' FROM sync_state WHERE sync_name = 'daily_refresh'")
    status, again = stack.call_and_wait("SELECT call_daily_refresh()")
    assert again["enqueued"] == 0, "movies already queued are not queued twice"
    assert stack.one("SELECT count(*) FROM refresh_queue WHERE status = 'pending'") == 4

    fake.reset()
    fake.always("/movie/1007", 500)
    rounds = []
    for _ in range(3):
        status, run = stack.call_and_wait("SELECT call_refresh_worker()")
        assert status == 200, run
        rounds.append((run["processed"], run["succeeded"], run["failed"]))
        # the queue's backoff would make the retry wait; let it be due now
        stack.sql("UPDATE job_queue SET run_at = now() WHERE task_type = 'refresh_movie' AND status = 'pending'")
    assert rounds == [(4, 3, 1), (1, 0, 1), (1, 0, 1)]

    rows = {r[0]: r[1:] for r in stack.sql("SELECT work_id, status, retry_count, attempts, last_error FROM refresh_queue")}
    assert rows[1007] == ("failed", 3, 3, "UpstreamError: HTTP 500 from /movie/1007")
    assert all(rows[i][:3] == ("succeeded", 0, 1) for i in (1001, 1002, 1004))
    assert len(fake.hits("/movie/1007")) == 3, "exactly three tries"
    assert stack.one("SELECT count(*) FROM job_queue WHERE task_type = 'refresh_movie' AND status IN ('pending', 'running')") == 0
    moved = dict(stack.sql("SELECT tmdb_id, last_refreshed_at FROM movies WHERE tmdb_id IN (1001, 1002, 1004)"))
    assert all(moved[i] > aged[i] for i in aged), "last_refreshed_at moved"
    assert stack.one("SELECT last_refreshed_at FROM movies WHERE tmdb_id = 1007") is None
    assert stack.one("SELECT count(*) FROM tmdb_api_logs WHERE tmdb_id = 1007 AND status_code = 500") == 4

    # the documented log checks, as written
    ingest_log, queue_status, sync = (stack.sql(q) for q in CHECK_LOGS)
    assert len(ingest_log) == 1 and ingest_log[0][1] == "mixed_daily"
    assert dict(queue_status) == {"succeeded": 3, "failed": 1}
    assert [r[0] for r in sync] == ["daily_refresh"]


def test_429_retry_after_is_honoured(stack, fake):
    fake.script("/movie/1010", (429, {"Retry-After": "1"}), (200,))
    r = stack.post("ingest-movie", {"tmdb_id": 1010})
    assert r.status_code == 200, r.text
    assert r.json()["result"] in ("inserted", "updated")
    hits = fake.hits("/movie/1010")
    assert len(hits) == 2
    assert hits[1]["at"] - hits[0]["at"] >= 0.9, "the second request waited for Retry-After"
    assert stack.sql("SELECT status_code, retry_after FROM tmdb_api_logs WHERE id > %s AND tmdb_id = 1010 ORDER BY id",
                     (stack.mark,)) == \
        [(429, "1"), (200, None)]
    assert stack.one("SELECT last_refreshed_at > now() - interval '5 minutes' FROM movies WHERE tmdb_id = 1010")


def test_429_beyond_the_limit_fails_the_attempt(stack, fake):
    fake.script("/movie/1011", (429, {"Retry-After": "30"}))  # more than max_retry_after_s (5)
    r = stack.post("ingest-movie", {"tmdb_id": 1011})
    assert r.status_code == 502
    assert "rate limited" in r.json()["message"]
    assert len(fake.hits("/movie/1011")) == 1
    stack.sql("UPDATE pgcadence.movies_settings SET next_request_at = now()")  # lift the 30 s pause for the next tests


def test_404_marks_the_movie_gone_and_not_stale(stack, fake):
    stack.sql("""SELECT upsert_movie('{"id": 777001, "title": "Withdrawn", "release_date": "2020-01-01"}', false)""")
    assert stack.one("SELECT is_stale(m) FROM movies m WHERE tmdb_id = 777001")
    r = stack.post("ingest-movie", {"tmdb_id": 777001})
    assert r.status_code == 200 and r.json()["result"] == "gone"
    assert stack.sql("SELECT gone, stale_at FROM movies WHERE tmdb_id = 777001") == [(True, None)]
    assert stack.one("SELECT count(*) FROM get_stale_movies(1000) WHERE tmdb_id = 777001") == 0
    assert stack.one("SELECT status_code FROM tmdb_api_logs WHERE id > %s AND tmdb_id = 777001", (stack.mark,)) == 404
    assert len(fake.hits("/movie/777001")) == 1, "a 404 is not retried"


def test_slow_upstream_times_out_and_is_retryable(stack, fake):
    fake.always("/movie/1012", 200, delay=2.0)  # the upstream timeout is 1000 ms
    r = stack.post("ingest-movie", {"tmdb_id": 1012})
    assert r.status_code == 502
    assert "timed out" in r.json()["message"]
    assert stack.sql("SELECT timed_out, status_code FROM tmdb_api_logs WHERE id > %s AND tmdb_id = 1012", (stack.mark,)) == [(True, None)]


def test_wrong_api_key_is_a_failure_without_the_key_in_logs(stack, fake):
    with psycopg.connect(stack.url, autocommit=True) as conn:
        vault.set_secret(conn, "tmdb_api_key", "wrong-key")
        conn.execute("SELECT tmdb_configure(auth_style => 'query')")
    try:
        r = stack.post("ingest-movie", {"tmdb_id": 1013})
    finally:
        with psycopg.connect(stack.url, autocommit=True) as conn:
            vault.set_secret(conn, "tmdb_api_key", API_KEY)
            conn.execute("SELECT tmdb_configure(auth_style => 'bearer')")
    assert r.status_code == 502 and "HTTP 401" in r.json()["message"]
    assert fake.hits("/movie/1013")[0]["query"] == {"api_key": "wrong-key"}
    assert stack.sql("SELECT endpoint, status_code FROM tmdb_api_logs WHERE id > %s AND tmdb_id = 1013", (stack.mark,)) == [("/movie/1013", 401)]


def test_refresh_worker_leaves_jobs_it_has_no_handler_for(stack, fake):
    job = stack.one("SELECT job_queue_enqueue('movies_test_unhandled', '{}'::jsonb, priority => 1000)")
    try:
        r = stack.post("refresh-worker", {"limit": 5})
        assert r.status_code == 200, r.text
        assert r.json()["failed"] == 0 and str(job) not in {x["id"] for x in r.json()["results"]}
        assert stack.sql("SELECT status, attempts, last_error FROM job_queue WHERE id = %s", (job,)) == [("pending", 0, None)]
        assert stack.one("SELECT count(*) FROM job_queue_attempts WHERE job_id = %s", (job,)) == 0
    finally:
        stack.sql("DELETE FROM job_queue_attempt_log WHERE job_id = %s", (job,))
        stack.sql("DELETE FROM job_queue WHERE id = %s", (job,))


def test_mixed_weekly_reads_popular_and_trending(stack, fake):
    r = stack.post("scheduled-ingest", {"source": "mixed_weekly", "limit": 25, "trigger": "manual"})
    assert r.status_code == 200, r.text
    assert r.json()["fetched"] == 25 and r.json()["errors"] == []
    paths = {h["path"] for h in fake.requests if not h["path"][7:].isdigit()}
    assert paths == {"/movie/popular", "/trending/movie/week"}
    # popular page 1 first (1040, 1039, 1038, 1020..1036), then trending's new ids
    ids = stack.one("SELECT array_agg(tmdb_id) FROM movies WHERE tmdb_id IN (1038, 1039, 1040)")
    assert sorted(ids) == [1038, 1039, 1040]


def test_bad_requests_are_400_and_need_the_service_role(stack, fake):
    assert stack.post("scheduled-ingest", {"source": "nonsense", "limit": 5}).status_code == 400
    assert stack.post("scheduled-ingest", {"limit": 0}).status_code == 400
    assert stack.post("ingest-movie", {"tmdb_id": "x"}).status_code == 400
    anon = stack.one("SELECT decrypted_secret FROM vault.decrypted_secrets WHERE name = 'anon_key'")
    with httpx.Client(base_url=stack.base) as client:
        r = client.post("/functions/v1/daily-refresh", json={}, headers={"Authorization": f"Bearer {anon}"})
    assert r.status_code == 401
    assert fake.requests == []


def test_cli_ingest_status_configure(stack, fake):
    from tests.conftest import run_cli

    r = run_cli("movies", "ingest", "now_playing", "--limit", "3", "--database", stack.url)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["fetched"] == 3
    assert stack.one("SELECT trigger FROM scheduled_ingestion_log ORDER BY id DESC LIMIT 1") == "manual"
    r = run_cli("movies", "status", "--database", stack.url)
    assert r.returncode == 0, r.stderr
    assert "movies: " in r.stdout and "last ingestion: " in r.stdout and "now_playing (manual)" in r.stdout
    assert API_KEY not in r.stdout
    r = run_cli("movies", "ingest", "nonsense", "--database", stack.url)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "unknown source" in r.stderr
    r = run_cli("movies", "configure", "--auth-style", "nope", "--database", stack.url)
    assert r.returncode == 2
    r = run_cli("doctor", "--database", stack.url)
    assert "PASS  module movies: enabled and configured" in r.stdout and "PASS  movies cron jobs" in r.stdout


def test_request_rate_is_honoured(stack, fake):
    stack.sql("SELECT tmdb_configure(requests_per_second => 4)")
    try:
        r = stack.post("scheduled-ingest", {"source": "now_playing", "limit": 3, "trigger": "manual"})
    finally:
        stack.sql("SELECT tmdb_configure(requests_per_second => 500)")
    assert r.status_code == 200 and r.json()["fetched"] == 3, r.text
    at = sorted(h["at"] for h in fake.requests)
    assert len(at) == 5  # two list pages (the plan reads one extra for overlap), three movies
    assert at[-1] - at[0] >= 0.9, "5 requests at 4 per second span at least 4 x 250 ms"


def test_missing_api_key_is_logged_and_refused(stack, fake):
    stack.sql("SELECT tmdb_configure(api_key_secret => 'tmdb_api_key_missing_for_test')")
    try:
        r = stack.post("scheduled-ingest", {"source": "mixed_daily", "limit": 5, "trigger": "manual"})
        single = stack.post("ingest-movie", {"tmdb_id": 1001})
    finally:
        stack.sql("SELECT tmdb_configure(api_key_secret => 'tmdb_api_key')")
    assert r.status_code == 200 and r.json()["status"] == "failed"
    assert "tmdb_api_key_missing_for_test" in r.json()["errors"][0]["error"]
    assert stack.sql("SELECT status, error_count FROM scheduled_ingestion_log ORDER BY id DESC LIMIT 1") == [("failed", 1)]
    assert single.status_code == 503 and single.json()["error"] == "not_configured"
    assert fake.requests == []
