"""Several runner processes on one database, as real processes: PostgreSQL is the only
coordinator.

- Three ``pgcadence serve`` replicas share 5,000 ``net.http_post`` requests to a local
  recording server and 20,000 jobs: each request is delivered exactly once with its
  response row, each job runs once and succeeds once, and the cron-triggered calls (the
  setup guide's Vault-backed block, the queue's worker trigger) go through any replica.
- Three replicas (``serve`` for the executor and the sender, ``worker`` for the queue),
  one of them killed with SIGKILL mid-run: nothing is lost; the only duplicates are the
  killed replica's in-flight requests and jobs, as the database recorded them (its net
  claims, its running jobs, then its attempts the queue logged as lease_expired), and the
  calls keep working through the survivors.

Handler runs are counted from files the handler appends to (tests/replica_handlers.py),
deliveries by the recording server: independently of what the database says. No timed
assertion: the tests wait (with generous deadlines) for states.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import psycopg
import pytest
from aiohttp import web
from port_for import get_port
from psycopg.types.json import Jsonb

from pgcadence import migrate
from pgcadence.executor import keys
from tests.cluster import pause_enqueuing_cron_jobs, start_cluster
from tests.conftest import CLI, ROOT
from tests.serve_helpers import Served, start_serve
from tests.test_ticks import CRON_BLOCK

pytestmark = pytest.mark.replicas

N_REQUESTS = 5_000
N_JOBS = 20_000
DEADLINE = 240.0  # "eventually" on a loaded machine; never a performance assertion
ECHO_COMMAND = re.search(r"\$\$(.*)\$\$", CRON_BLOCK, re.S).group(1)  # what pg_cron runs for the block


# ---------------------------------------------------------------- a server that counts deliveries
class CountingServer:
    """aiohttp on 127.0.0.1 (own thread): counts POSTed bodies' "n", answers 200 after
    ``delay`` seconds (so that the senders hold requests in flight for a while)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.port = get_port(None)
        self.count: Counter = Counter()
        self._lock = threading.Lock()
        self._ready = threading.Event()
        threading.Thread(target=self._main, daemon=True).start()
        assert self._ready.wait(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/deliver"

    async def _handle(self, request: web.Request) -> web.Response:
        n = (await request.json())["n"]
        with self._lock:
            self.count[n] += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        return web.json_response({"n": n})

    def _main(self) -> None:
        self.loop = asyncio.new_event_loop()
        app = web.Application()
        app.router.add_post("/deliver", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        self.loop.run_until_complete(self._runner.setup())
        self.loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port, backlog=1024).start())
        self._ready.set()
        self.loop.run_forever()

    def received(self) -> set[int]:
        """The bodies received so far (a consistent snapshot)."""
        with self._lock:
            return set(self.count)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)


# ---------------------------------------------------------------- fixtures and helpers
@pytest.fixture(scope="module")
def cluster_url():
    """A cluster of its own: tens of thousands of rows stay out of the session database."""
    c = start_cluster()
    try:
        migrate.apply(c.url(), progress=lambda m: None)
        with psycopg.connect(c.url(), autocommit=True) as conn:
            keys.ensure_project_keys(conn, None)
        pause_enqueuing_cron_jobs(c.url())  # the tests count every job in the queue
        yield c.url()
    finally:
        c.stop()


@pytest.fixture
def db(cluster_url):
    with psycopg.connect(cluster_url, autocommit=True) as conn:
        conn.execute("TRUNCATE public.job_queue, public.job_queue_attempt_log")
        conn.execute("DELETE FROM net._http_response")
        yield conn


def runner_env(runs: Path) -> dict:
    return {"PGCADENCE_HANDLERS": "tests.replica_handlers", "PGCADENCE_REPLICA_RUNS": str(runs)}


def start_worker(url: str, runs: Path, worker_id: str, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
    env.update(runner_env(runs))
    return subprocess.Popen([*CLI, "worker", "-d", url, "--worker-id", worker_id, "--lease", "2",
                             "--poll-interval", "0.5", "--concurrency", "20"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"))


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGCONT)
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def net_sender_id(served: Served) -> int:
    rec = served.wait_for(lambda r: re.match(r"net sender \d+ ready", r.get("message", "")))
    return int(rec["message"].split()[2])


def wait_idle(conn, application_name: str) -> None:
    """Until no statement of the connections named ``application_name`` is running."""
    deadline = time.monotonic() + 60
    while True:
        connected, active = conn.execute(
            "select count(*), count(*) filter (where state = 'active') from pg_stat_activity"
            " where application_name = %s", (application_name,)).fetchone()
        assert connected, f"no connection is named {application_name!r}"
        if not active:
            return
        assert time.monotonic() < deadline, f"{application_name}: a statement never finished"
        time.sleep(0.01)


def enqueue(conn, target: str, sleep: float = 0.0) -> dict[int, int]:
    """N_JOBS replica_mark jobs, then N_REQUESTS posts to ``target`` (bodies {"n": 1..N}) in
    one transaction; returns request id -> n."""
    payload = {"sleep": sleep} if sleep else {}
    for start in range(0, N_JOBS, 5000):
        batch = [{"task_type": "replica_mark", "payload": payload} for _ in range(start, min(N_JOBS, start + 5000))]
        conn.execute("select count(*) from public.job_queue_enqueue_batch(%s)", (Jsonb(batch),))
    with conn.transaction():
        ids = dict(conn.execute("select net.http_post(%s, jsonb_build_object('n', i)), i from generate_series(1, %s) i",
                                (target, N_REQUESTS)).fetchall())
    return ids


def wait_until_done(conn, ids: dict[int, int]) -> None:
    deadline = time.monotonic() + DEADLINE
    while True:
        answered, queued, succeeded = conn.execute(
            "select (select count(*) from net._http_response where id = any(%s)),"
            " (select count(*) from net.http_request_queue),"
            " (select count(*) from public.job_queue where status = 'succeeded')", (list(ids),)).fetchone()
        if answered == N_REQUESTS and queued == 0 and succeeded == N_JOBS:
            return
        assert time.monotonic() < deadline, f"not done: {answered} answered, {queued} queued, {succeeded} succeeded"
        time.sleep(0.5)


def handler_runs(runs: Path) -> Counter:
    """(job id, attempt) -> how many times a handler ran it, over every process."""
    out: Counter = Counter()
    for path in runs.glob("*.runs"):
        for line in path.read_text().splitlines():
            job, attempt, _ = line.split()
            out[(job, int(attempt))] += 1
    return out


def check_responses(conn, ids: dict[int, int]) -> None:
    rows = conn.execute("select status_code, count(*), count(distinct id) from net._http_response "
                        "where id = any(%s) group by 1", (list(ids),)).fetchall()
    assert rows == [(200, N_REQUESTS, N_REQUESTS)], rows
    assert conn.execute("select count(*) from pgcadence.net_claims").fetchone()[0] == 0


def cron_calls_through(conn, served: list[Served]) -> None:
    """The setup guide's Vault-backed block, with project_url on each replica in turn:
    whichever sender takes the request, the replica it names serves it."""
    for s in served:
        conn.execute("delete from vault.secrets where name = 'project_url'")
        conn.execute("select vault.create_secret(%s, 'project_url')", (s.url,))
        ids = [conn.execute(ECHO_COMMAND).fetchone()[0] for _ in range(10)]
        deadline = time.monotonic() + 60
        while True:
            rows = conn.execute("select status_code, content from net._http_response where id = any(%s)",
                                (ids,)).fetchall()
            if len(rows) == len(ids):
                break
            assert time.monotonic() < deadline, f"cron-style calls to {s.url} unanswered"
            time.sleep(0.1)
        assert {st for st, _ in rows} == {200}, rows
        assert all(json.loads(c)["role"] == "service_role" for _, c in rows)
        s.wait_for(lambda r: r.get("function") == "echo" and r.get("status") == 200)


# ---------------------------------------------------------------- three serve replicas, no fault
def test_three_serve_replicas_deliver_each_request_once_and_run_each_job_once(cluster_url, db, tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    server = CountingServer()
    served: list[Served] = []
    try:
        served = [start_serve(cluster_url, "--no-metrics", env=runner_env(runs)) for _ in range(3)]
        senders = {net_sender_id(s) for s in served}
        assert len(senders) == 3, "three senders, each with its own id"
        ids = enqueue(db, server.url)
        wait_until_done(db, ids)

        # every request delivered exactly once, every response row there
        assert set(server.count) == set(range(1, N_REQUESTS + 1))
        assert [n for n, c in server.count.items() if c != 1] == [], "a request was delivered twice"
        check_responses(db, ids)

        # every job ran once and succeeded once, spread over the three replicas
        runs_by_job = handler_runs(runs)
        assert len(runs_by_job) == N_JOBS and set(runs_by_job.values()) == {1}
        assert {attempt for _, attempt in runs_by_job} == {1}
        assert db.execute("select count(*), count(distinct id) from public.job_queue "
                          "where status = 'succeeded' and attempts = 1").fetchone() == (N_JOBS, N_JOBS)
        assert db.execute("select outcome, count(*), count(distinct job_id) from public.job_queue_attempts "
                          "group by 1").fetchall() == [("succeeded", N_JOBS, N_JOBS)]
        assert len(list(runs.glob("*.runs"))) == 3, "each replica's worker ran jobs"

        # cron-triggered calls work through each replica
        cron_calls_through(db, served)
    finally:
        for s in served:
            s.stop()
        server.close()


# ---------------------------------------------------------------- SIGKILL one replica mid-run
def test_a_replica_killed_mid_run_loses_nothing_and_duplicates_only_its_in_flight_work(cluster_url, db, tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    server = CountingServer(delay=1.0)
    served: list[Served] = []
    workers: list[subprocess.Popen] = []
    try:
        served = [start_serve(cluster_url, "--no-metrics", "--no-worker") for _ in range(3)]
        workers = [start_worker(cluster_url, runs, f"replica-{k}", tmp_path / f"worker{k}.log") for k in range(3)]
        victim_serve, victim_worker, victim_sender = served[2].proc, workers[2], net_sender_id(served[2])
        ids = enqueue(db, server.url, sleep=0.02)

        # mid-run: once the victim has jobs running and requests it sent a while ago (their
        # answers take a second), freeze it (SIGSTOP) so that what it holds can be read from
        # the database, then kill it (SIGKILL)
        deadline = time.monotonic() + DEADLINE
        while True:
            assert time.monotonic() < deadline, "the victim never had requests and jobs in flight at once"
            progress = sum(server.count.values())
            claims, running = db.execute(
                "select (select count(*) from pgcadence.net_claims where worker = %s"
                "                                              and claimed_at < now() - interval '300 ms'),"
                " (select count(*) from public.job_queue where status = 'running' and locked_by = 'replica-2')",
                (victim_sender,)).fetchone()
            if progress >= 200 and claims and running:
                for p in (victim_serve, victim_worker):
                    p.send_signal(signal.SIGSTOP)
                # a statement it sent just before still runs and commits (a claim among
                # them): read what it holds once none of its statements is running
                wait_idle(db, "pgcadence-worker replica-2")
                in_flight_requests = {r[0] for r in db.execute(
                    "select id from pgcadence.net_claims where worker = %s", (victim_sender,))}
                received_before = server.received()
                in_flight_jobs = {str(r[0]) for r in db.execute(
                    "select id from public.job_queue where status = 'running' and locked_by = 'replica-2'")}
                # (wait for a claim the server has already received: its answer never gets
                # recorded, so it must go out once more; how soon a claim is sent depends on load)
                if in_flight_jobs and any(ids[rid] in received_before for rid in in_flight_requests):
                    break
                for p in (victim_serve, victim_worker):
                    p.send_signal(signal.SIGCONT)
            time.sleep(0.01)
        for p in (victim_serve, victim_worker):
            p.send_signal(signal.SIGKILL)
            p.wait(timeout=30)
        wait_until_done(db, ids)

        # requests: nothing lost; delivered twice only if the killed sender held it
        assert set(server.count) == set(range(1, N_REQUESTS + 1)), "a request was never delivered"
        check_responses(db, ids)
        twice = {rid for rid, n in ids.items() if server.count[n] == 2}
        assert max(server.count.values()) <= 2
        assert twice <= in_flight_requests, f"duplicates outside the killed sender's claims: {sorted(twice - in_flight_requests)[:5]}"
        # a claimed request the server had already received when the victim froze was sent
        # by the victim (claims are exclusive) and never recorded: it went out once more
        sent_by_victim = {rid for rid in in_flight_requests if ids[rid] in received_before}
        assert sent_by_victim and sent_by_victim <= twice

        # jobs: every one succeeded once; only the killed worker's running jobs ran again,
        # and exactly those are logged as its lease_expired attempts
        assert db.execute("select count(*) from public.job_queue where status = 'succeeded'").fetchone()[0] == N_JOBS
        assert db.execute("select count(*), count(distinct job_id) from public.job_queue_attempts "
                          "where outcome = 'succeeded'").fetchone() == (N_JOBS, N_JOBS)
        expired = {str(r[0]) for r in db.execute(
            "select job_id from public.job_queue_attempts where outcome = 'lease_expired' and worker_id = 'replica-2'")}
        assert expired == in_flight_jobs
        assert db.execute("select count(*) from public.job_queue_attempts "
                          "where outcome not in ('succeeded', 'lease_expired')").fetchone()[0] == 0
        runs_by_job: Counter = Counter()
        for (job, _attempt), count in handler_runs(runs).items():
            runs_by_job[job] += count
        assert len(runs_by_job) == N_JOBS, "a job never ran"
        ran_again = {job for job, count in runs_by_job.items() if count > 1}
        assert ran_again <= in_flight_jobs and max(runs_by_job.values()) <= 2
        again = db.execute("select count(*) from public.job_queue where attempts = 2").fetchone()[0]
        assert again == len(in_flight_jobs), "each killed attempt was taken back once"

        print(f"\nkilled replica held {len(in_flight_requests)} request(s) ({len(sent_by_victim)} already received) "
              f"and {len(in_flight_jobs)} job(s); "
              f"{len(twice)} request(s) delivered twice, {len(ran_again)} job(s) run twice")

        # the calls keep working through the survivors
        cron_calls_through(db, served[:2])
    finally:
        for p in workers:
            stop(p)
        for s in served:
            if s.proc.poll() is None:
                s.stop()
        server.close()
