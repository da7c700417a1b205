"""The game platform's task types through the real queue: a real HTTP server on 127.0.0.1 plays the
game platform; jobs are enqueued with job_queue_enqueue and run by process_due with the
default handler registry (pgcadence.game_platform loaded as the worker loads it)."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import psycopg
import pytest
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

import pgcadence.queue as queue_worker
from pgcadence.queue import QueueWorker, process_due, registered_handlers

COACH_A = "00000000-0000-0000-0000-00000000aaaa"
COACH_B = "00000000-0000-0000-0000-00000000bbbb"


class FakePlatform:
    """The game platform: activities (each with its coach) and per-competitor totals."""

    def __init__(self) -> None:
        self.activities: list[dict] = []  # {"id", "competitor_id", "coach_id", "occurred_at", "points"}
        self.totals: dict[str, dict] = {}
        self.fail_with: int | None = None  # answer every request with this status
        self.stall = False  # hold every request until `release` is set (timeouts)
        self.release = threading.Event()
        self.requests: list[tuple[str, dict, str | None]] = []
        platform = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):  # quiet
                pass

            def _send(self, status: int, body) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self):
                url = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                platform.requests.append((url.path, q, self.headers.get("Authorization")))
                if platform.stall:
                    platform.release.wait(30)
                if platform.fail_with:
                    return self._send(platform.fail_with, {"error": "platform is down"})
                if url.path == "/activities":
                    after = int(q.get("after_time_unix", "0"))
                    rows = [a for a in platform.activities if a["occurred_at"] > after
                            and (not q.get("coach_id") or a["coach_id"] == q["coach_id"])]
                    return self._send(200, {"activities": [{k: v for k, v in a.items() if k != "coach_id"}
                                                           for a in rows]})
                parts = url.path.strip("/").split("/")
                if len(parts) == 3 and parts[0] == "competitors" and parts[2] == "totals":
                    if parts[1] in platform.totals:
                        return self._send(200, platform.totals[parts[1]])
                    return self._send(404, {"error": "no such competitor"})
                return self._send(404, {"error": "no route"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def add(self, ext_id: str, competitor: str, coach: str, at: int, score: int = 1) -> None:
        self.activities.append({"id": ext_id, "competitor_id": competitor, "coach_id": coach,
                                "occurred_at": at, "points": {"score": score}})


@pytest.fixture
def platform():
    p = FakePlatform()
    p.thread.start()
    yield p
    p.release.set()
    p.server.shutdown()
    p.server.server_close()
    p.thread.join(timeout=10)


@pytest.fixture
def game_db(migrated_url, platform):
    """Empty queue and game tables, the upstream pointed at the fake platform, three competitors."""
    def reset(base_url):
        with psycopg.connect(migrated_url, autocommit=True) as c:
            c.execute("TRUNCATE public.job_queue, public.job_queue_attempt_log")
            c.execute("UPDATE pgcadence.job_queue_settings SET backoff_base = '10 seconds', backoff_cap = '1 hour', "
                      "backoff_jitter = 0.25, paused = false")
            c.execute("TRUNCATE public.game_platform_activity, public.game_platform_sync_state, public.competitors")
            c.execute("DELETE FROM vault.secrets WHERE name = 'game_platform_api_key'")
            c.execute("UPDATE pgcadence.game_platform_settings SET base_url = %s, timeout_ms = 5000", (base_url,))
    reset(platform.url)
    with psycopg.connect(migrated_url, autocommit=True) as c:
        c.execute("""INSERT INTO public.competitors (coach_id, external_id, display_name) VALUES
                     (%s, 'ada', 'Ada'), (%s, 'bob', 'Bob'), (%s, 'cy', 'Cy')""", (COACH_A, COACH_A, COACH_B))
    yield migrated_url
    reset(None)


def enqueue(url: str, task_type: str, payload: dict, max_attempts: int = 3) -> str:
    with psycopg.connect(url, autocommit=True) as c:
        return str(c.execute("SELECT public.job_queue_enqueue(%s, %s, now(), %s)",
                             (task_type, Jsonb(payload), max_attempts)).fetchone()[0])


def run_due(url: str) -> dict:
    async def go():
        async with AsyncConnectionPool(url, min_size=1, max_size=2, kwargs={"autocommit": True}) as pool:
            return await process_due(pool, 10, "game-test", handlers=registered_handlers())
    queue_worker.load_default_handlers()
    return asyncio.run(go())


def job(url: str, job_id: str) -> dict:
    with psycopg.connect(url) as c:
        cur = c.execute("SELECT status, attempts, result, last_error, run_at > now() AS later FROM public.job_queue WHERE id = %s",
                        (job_id,))
        return dict(zip([d.name for d in cur.description], cur.fetchone()))


def q(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(url) as c:
        return c.execute(sql, params).fetchall()


def flagged(url: str) -> list[str]:
    return [r[0] for r in q(url, "SELECT external_id FROM public.competitors WHERE needs_totals_refresh ORDER BY 1")]


def test_handlers_are_loaded_by_default():
    queue_worker.load_default_handlers()
    assert {"game_platform_sync", "game_platform_totals_sweep"} <= set(registered_handlers())
    assert "pgcadence.game_platform" in queue_worker.DEFAULT_HANDLER_MODULES


def test_incremental_sync_dry_run_coach_scope_and_sweep(game_db, platform):
    url = game_db
    platform.add("a1", "ada", COACH_A, 1000, 3)
    platform.add("a2", "cy", COACH_B, 1100, 4)
    platform.add("a3", "ghost", COACH_B, 1200)  # unknown here: reported, not stored

    # dryRun: fetches, reports, writes nothing
    jid = enqueue(url, "game_platform_sync", {"dryRun": True})
    report = run_due(url)
    assert report["succeeded"] == 1, report
    row = job(url, jid)
    assert row["status"] == "succeeded"
    assert {k: row["result"][k] for k in ("fetched", "new_activities", "flagged", "dry_run")} == \
        {"fetched": 3, "new_activities": 2, "flagged": 2, "dry_run": True}
    assert q(url, "SELECT count(*) FROM public.game_platform_activity") == [(0,)]
    assert flagged(url) == []
    assert q(url, "SELECT count(*) FROM public.game_platform_sync_state") == [(0,)]

    # the real run: stores, flags, advances after_time_unix
    jid = enqueue(url, "game_platform_sync", {"incremental": True})
    run_due(url)
    row = job(url, jid)
    assert row["status"] == "succeeded", row
    res = row["result"]
    assert (res["fetched"], res["new_activities"], res["flagged"], res["dry_run"]) == (3, 2, 2, False)
    assert res["errors"] == [{"index": 2, "id": "a3", "error": "unknown competitor ghost"}]
    assert flagged(url) == ["ada", "cy"]
    assert q(url, "SELECT after_time_unix FROM public.game_platform_sync_state WHERE scope = 'all'") == [(1200,)]
    assert platform.requests[-1][1] == {"after_time_unix": "0"}

    # second run: asks only for newer activity, gets only that
    platform.add("a4", "bob", COACH_A, 1300)
    jid = enqueue(url, "game_platform_sync", {})
    run_due(url)
    res = job(url, jid)["result"]
    assert platform.requests[-1][1] == {"after_time_unix": "1200"}
    assert (res["fetched"], res["new_activities"], res["flagged"]) == (1, 1, 1)
    assert flagged(url) == ["ada", "bob", "cy"]

    # coachId: only that coach's activity is asked for and stored, in the coach's own window
    platform.add("a5", "ada", COACH_A, 1400)
    platform.add("a6", "cy", COACH_B, 1500)
    jid = enqueue(url, "game_platform_sync", {"coachId": COACH_B})
    run_due(url)
    res = job(url, jid)["result"]
    assert platform.requests[-1][1] == {"after_time_unix": "0", "coach_id": COACH_B}
    assert (res["fetched"], res["new_activities"], res["scope"]) == (3, 1, f"coach:{COACH_B}")  # a2, ghost's a3, a6
    assert [r[0] for r in q(url, "SELECT external_id FROM public.game_platform_activity ORDER BY 1")] == \
        ["a1", "a2", "a4", "a6"]
    assert q(url, "SELECT scope, after_time_unix FROM public.game_platform_sync_state ORDER BY 1") == \
        [("all", 1300), (f"coach:{COACH_B}", 1500)]  # the global window did not move

    # totals sweep: one coach first, then everyone; a 404 keeps the flag and is reported
    platform.totals.update({"ada": {"score": 30}, "cy": {"score": 9}})
    jid = enqueue(url, "game_platform_totals_sweep", {"coachId": COACH_B})
    run_due(url)
    assert job(url, jid)["result"] == {"competitors": 1, "refreshed": 1, "cleared": 1, "dry_run": False, "errors": []}
    assert flagged(url) == ["ada", "bob"]
    jid = enqueue(url, "game_platform_totals_sweep", {"dryRun": True})
    run_due(url)
    assert job(url, jid)["result"]["refreshed"] == 1 and flagged(url) == ["ada", "bob"]
    jid = enqueue(url, "game_platform_totals_sweep", {})
    run_due(url)
    res = job(url, jid)["result"]
    assert (res["competitors"], res["refreshed"], res["cleared"]) == (2, 1, 1)
    assert res["errors"] == [{"competitor": "bob", "status": 404, "error": "upstream answered 404"}]
    assert flagged(url) == ["bob"]
    assert q(url, "SELECT external_id, totals FROM public.competitors WHERE totals IS NOT NULL ORDER BY 1") == \
        [("ada", {"score": 30}), ("cy", {"score": 9})]
    assert all(p in ("/activities", "/competitors/ada/totals", "/competitors/bob/totals", "/competitors/cy/totals")
               for p, _, _ in platform.requests)


def test_upstream_500_is_retried_with_backoff(game_db, platform):
    url = game_db
    platform.add("a1", "ada", COACH_A, 1000)
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("SELECT vault.create_secret('gp-key-123', 'game_platform_api_key')")
    platform.fail_with = 500
    jid = enqueue(url, "game_platform_sync", {})
    report = run_due(url)
    assert report["failed"] == 1 and report["results"][0]["outcome"] == "retry"
    row = job(url, jid)
    assert row["status"] == "pending" and row["attempts"] == 1 and row["later"], row
    assert "upstream answered 500" in row["last_error"] and "gp-key-123" not in row["last_error"]
    assert q(url, "SELECT count(*) FROM public.game_platform_activity") == [(0,)]
    assert run_due(url)["processed"] == 0  # backoff: not due yet
    assert platform.requests[0][2] == "Bearer gp-key-123"

    # the platform recovers; once due, the retry succeeds
    platform.fail_with = None
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("UPDATE public.job_queue SET run_at = now() WHERE id = %s", (jid,))
    run_due(url)
    row = job(url, jid)
    assert row["status"] == "succeeded" and row["attempts"] == 2
    assert row["result"]["new_activities"] == 1
    assert flagged(url) == ["ada"]


def test_client_error_and_bad_payload_fail_clearly(game_db, platform):
    url = game_db
    platform.fail_with = 403
    jid = enqueue(url, "game_platform_sync", {}, max_attempts=1)
    run_due(url)
    row = job(url, jid)
    assert row["status"] == "failed"
    assert row["last_error"] == "UpstreamError: GET /activities: upstream answered 403: platform is down"
    jid = enqueue(url, "game_platform_sync", {"coachId": "not-a-uuid"}, max_attempts=1)
    run_due(url)
    assert job(url, jid)["last_error"] == "ValueError: payload.coachId must be a UUID, got 'not-a-uuid'"


def test_upstream_timeout_fails_the_attempt(game_db, platform):
    url = game_db
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("SELECT game_platform_configure(timeout_ms => 200)")
    platform.stall = True
    jid = enqueue(url, "game_platform_sync", {})
    run_due(url)
    row = job(url, jid)
    assert row["status"] == "pending" and row["attempts"] == 1
    assert row["last_error"] == "UpstreamError: GET /activities: no answer within 200 ms"


def test_long_running_worker_runs_the_sync(game_db, platform):
    """QueueWorker hands its own dsn to the handler (context.dsn)."""
    url = game_db
    platform.add("a1", "bob", COACH_A, 1000)
    jid = enqueue(url, "game_platform_sync", {"coachId": COACH_A})
    queue_worker.load_default_handlers()

    async def go():
        stop = asyncio.Event()
        worker = QueueWorker(url, handlers=registered_handlers(), concurrency=2, poll_interval=0.2)
        task = asyncio.create_task(worker.run(stop))
        for _ in range(300):
            if job(url, jid)["status"] != "pending" and job(url, jid)["status"] != "running":
                break
            await asyncio.sleep(0.05)
        stop.set()
        return await task

    stats = asyncio.run(go())
    assert stats["succeeded"] == 1, stats
    row = job(url, jid)
    assert row["status"] == "succeeded" and row["result"]["new_activities"] == 1
    assert flagged(url) == ["bob"]


def test_an_oversized_answer_fails_the_attempt_like_a_timeout(game_db, platform, monkeypatch):
    """The shared upstream client's body limit: the attempt fails (retried), nothing is stored."""
    url = game_db
    monkeypatch.setenv("PGCADENCE_UPSTREAM_MAX_RESPONSE_BYTES", "2000")
    for i in range(40):
        platform.add(f"a{i}", "ada", COACH_A, 1000 + i)
    jid = enqueue(url, "game_platform_sync", {})
    report = run_due(url)
    assert report["results"][0]["outcome"] == "retry", report
    row = job(url, jid)
    assert row["status"] == "pending" and row["attempts"] == 1
    assert row["last_error"] == ("UpstreamError: GET /activities: response body over 2000 bytes "
                                 "(the limit is PGCADENCE_UPSTREAM_MAX_RESPONSE_BYTES)")
    assert q(url, "SELECT count(*) FROM public.game_platform_activity") == [(0,)]
