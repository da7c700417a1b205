"""Observability end to end: JSON logs, /metrics against SQL counts during a real run,
alert webhooks through the real net sender, Sentry through sentry-sdk's real transport."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import httpx
import psycopg
import pytest
from port_for import get_port
from prometheus_client.parser import text_string_to_metric_families

from pgcadence import logging_setup, redact
from pgcadence.executor import keys
from tests.conftest import CLI, ROOT, run_cli
from tests.net_helpers import WorkerThread
from tests.recorder import Recorder
from tests.serve_helpers import start_serve

DEADLINE = 60.0  # an upper bound for "eventually", never a performance assertion


@pytest.fixture
def queue_url(migrated_url):
    """An empty job queue, before and after the test; project keys in Vault."""
    def reset():
        with psycopg.connect(migrated_url, autocommit=True) as c:
            c.execute("TRUNCATE public.job_queue, public.job_queue_attempt_log")
    reset()
    with psycopg.connect(migrated_url, autocommit=True) as c:
        keys.ensure_project_keys(c, None)
    yield migrated_url
    reset()


def until(pred, what: str, timeout: float = DEADLINE):
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.1)


def sql(url: str, query: str, params=()) -> list[tuple]:
    with psycopg.connect(url, autocommit=True) as c:
        return c.execute(query, params).fetchall()


def scrape(url: str, headers: dict | None = None) -> dict[tuple[str, tuple], float]:
    """/metrics as {(sample name, sorted labels): value}."""
    r = httpx.get(url, headers=headers or {}, timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    out = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def samples(metrics: dict, name: str, **labels) -> dict[tuple, float]:
    return {k: v for k, v in metrics.items() if k[0] == name and set(labels.items()) <= set(k[1])}


# ---------------------------------------------------------------- logs
def test_every_log_line_is_json_with_the_same_keys_and_no_secret():
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setFormatter(logging_setup.JsonFormatter())
    log = logging.getLogger("pgcadence.test")
    log.addHandler(handler)
    log.propagate = False
    log.setLevel(logging.INFO)
    try:
        log.warning("job %s %s", "sync", "retry", extra={"event": "job", "id": "j-1", "attempt": 2,
                                                         "error": "connect to postgresql://app:hunter2@db/x failed"})
        log.info("sent", extra={"authorization": "Bearer abc.def.ghi", "api_key": "k-123", "task_type": "sync"})
        try:
            raise ValueError("token eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.c2lnbmF0dXJl leaked")
        except ValueError:
            log.exception("crashed")
    finally:
        log.removeHandler(handler)
    lines = [json.loads(line) for line in buf.getvalue().splitlines()]
    assert all({"time", "level", "logger", "event", "message", "pid"} <= set(line) for line in lines), lines
    first, second, third = lines
    assert (first["level"], first["event"], first["message"], first["id"], first["attempt"]) == \
        ("warning", "job", "job sync retry", "j-1", 2)
    assert first["error"] == "connect to postgresql://app:[redacted]@db/x failed"
    assert second["authorization"] == second["api_key"] == "[redacted]" and second["task_type"] == "sync"
    assert third["level"] == "error" and "ValueError" in third["exception"]
    assert "hunter2" not in buf.getvalue() and "eyJyb2xl" not in third["exception"] and "k-123" not in buf.getvalue()


def test_the_fast_job_line_is_the_line_the_formatter_writes(monkeypatch):
    """The worker renders its per-job line itself (it writes thousands a second): the text
    must be exactly the general formatter's, secrets masked the same way."""
    from pgcadence.queue import job

    formatter = logging_setup.JsonFormatter()
    records: list[logging.LogRecord] = []
    monkeypatch.setattr(job.job_log, "handle", records.append)
    monkeypatch.setattr(job.job_log, "isEnabledFor", lambda level: True)
    ids = ["3f1c2a4e-0000-4000-8000-000000000001", "postgresql://u:hunter2@db/x", 'quote " and \\ backslash',
           "", "beef-", "3F1C2A4E-0000-4000-8000-000000000001"]
    types = ["send_email", "eyJhbGciOi.eyJyb2xlIjoi.c2ln", "ünïcode"]
    workers = ["host:1:abc", "Bearer abc.def", "password=pw host=h"]
    attempts = [1, 3, None, 2.5, 2.0, 2]  # 2.0 and 2: equal keys, different text
    durations = [None, 0.01, 12.0, 3, 3.0, 1e-07, float("inf"), float("nan")]
    outcomes = ["succeeded", "lost", "released"]
    n = 0
    for i, (jid, tt, w) in enumerate((a, b, c) for a in ids for b in types for c in workers):
        ctx = job.JobContext(jid, tt, attempts[i % len(attempts)], 3, w)
        for d in durations:
            records.clear()
            job.log_outcome(ctx, outcomes[n % len(outcomes)], d, logging.INFO)
            (record,) = records
            # the cheap record has what makeRecord gives (times aside)
            made = job.job_log.makeRecord(job.job_log.name, record.levelno, job.__file__, 0, "job", None, None,
                                          extra={"fields": record.fields})
            timeless = {"created", "msecs", "relativeCreated", logging_setup.PRERENDERED}
            assert {k: v for k, v in vars(record).items() if k not in timeless} == \
                {k: v for k, v in vars(made).items() if k not in timeless}
            assert abs(record.created - made.created) < 5 and abs(record.relativeCreated - made.relativeCreated) < 5000
            fast = formatter.format(record)
            del record.__dict__[logging_setup.PRERENDERED]
            assert fast == formatter.format(record), (jid, tt, w, d)
            assert "hunter2" not in fast and "pw host" not in fast
            # a line handed straight to the handler (no record) is the same line
            handler = logging_setup._Handler(io.StringIO())
            handler._held = []  # as in a batch
            sink = handler.line_sink(job.job_log.name, logging.INFO)
            job.log_outcome(ctx, outcomes[n % len(outcomes)], d, logging.INFO, sink=sink)
            if outcomes[n % len(outcomes)] in job.OUTCOME_LEVELS:  # a warning: kept as a record
                assert handler._held == [] and len(records) == 2
            else:
                (held,) = handler._held
                timeless = re.compile(r'^\{"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"')
                assert timeless.sub("", held) == timeless.sub("", fast), (jid, tt, w, d)
            n += 1
    # repeated fields are rendered once and reused: equal numbers of another type are not
    for attempt, ms, text in ((2, 3, '"attempt":2,'), (2.0, 3.0, '"attempt":2.0,'), (2, 3, '"attempt":2,')):
        line = job._line(job.JobContext("j", "t", attempt, 3, "w"), "succeeded", ms, 1)
        assert text in line and line.endswith(f'"duration_ms":{ms!r}'), line
    # lines with an error or a next run keep the general path
    records.clear()
    job.log_outcome(job.JobContext("j", "t", 1, 3, "w"), "retry", 1.0, logging.INFO, error="boom", next_run_at="later")
    assert logging_setup.PRERENDERED not in records[0].__dict__



def test_job_lines_skip_the_record_only_where_nothing_else_would_see_it(monkeypatch):
    """logging_setup.direct(): the worker hands its common job lines to pgcadence's stderr
    handler as text, without a LogRecord, only inside a batch and only when that handler
    is the one place a record would go. Anything else on the way — a handler on the job
    logger or above it (caplog is one), a filter, another formatter, the level off — and
    every job gets its record as before."""
    from pgcadence.queue import job

    stream = io.StringIO()
    handler = logging_setup._Handler(stream)
    handler.setFormatter(logging_setup.JsonFormatter())
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [handler])
    monkeypatch.setattr(root, "filters", [])
    monkeypatch.setattr(job.job_log, "handlers", [])
    monkeypatch.setattr(job.job_log, "filters", [])
    monkeypatch.setattr(job.job_log, "level", logging.INFO)
    assert logging_setup.direct(job.job_log, logging.INFO) is None  # not in a batch
    with logging_setup.batched():
        assert logging_setup.direct(job.job_log, logging.INFO) is not None
        assert logging_setup.direct(job.job_log, logging.DEBUG) is None  # disabled: no line at all
        other = logging.Handler()
        job.job_log.addHandler(other)
        assert logging_setup.direct(job.job_log, logging.INFO) is None
        job.job_log.removeHandler(other)
        job.job_log.parent.addFilter(lambda r: True)
        assert logging_setup.direct(job.job_log, logging.INFO) is None
        job.job_log.parent.filters.clear()
        handler.setFormatter(logging.Formatter())
        assert logging_setup.direct(job.job_log, logging.INFO) is None
        handler.setFormatter(logging_setup.JsonFormatter())
        seen: list[logging.LogRecord] = []
        spy = logging.Handler()
        spy.emit = seen.append
        root.addHandler(spy)  # as caplog does
        assert logging_setup.direct(job.job_log, logging.INFO) is None
        root.removeHandler(spy)
        sink = logging_setup.direct(job.job_log, logging.INFO)
        job.log_outcome(job.JobContext("a", "t", 1, 3, "w"), "succeeded", 1.0, logging.INFO, sink=sink)
        job.log_outcome(job.JobContext("b", "t", 1, 3, "w"), "lost", 1.0, logging.INFO, sink=sink)
        assert stream.getvalue() == ""  # held for the batch's one write
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(x["job_id"], x["outcome"], x["level"], x["pid"]) for x in lines] == [
        ("a", "succeeded", "info", os.getpid()), ("b", "lost", "warning", os.getpid())]



def test_a_job_line_is_not_lost_when_another_threads_batch_ends_first(monkeypatch):
    """Batches share the one stderr handler: when another thread's batch ends, it writes the
    lines held so far, this thread's included; a line this thread's sink takes afterwards
    is written at once, not appended to a list nobody will write."""
    stream = io.StringIO()
    handler = logging_setup._Handler(stream)
    handler.setFormatter(logging_setup.JsonFormatter())
    monkeypatch.setattr(logging.getLogger(), "handlers", [handler])
    log = logging.getLogger("pgcadence.queue.jobs")
    with logging_setup.batched():
        sink = logging_setup.direct(log, logging.WARNING)
        assert sink is not None
        sink('"event":"job","message":"job","job_id":"first"')
        def other_batch():
            with logging_setup.batched():
                pass  # ends first: writes what the handler holds

        other = threading.Thread(target=other_batch)
        other.start()
        other.join()
        sink('"event":"job","message":"job","job_id":"second"')
    ids = [json.loads(line)["job_id"] for line in stream.getvalue().splitlines()]
    assert ids == ["first", "second"]


def test_lines_of_a_batch_reach_the_stream_in_one_write(monkeypatch):
    writes: list[str] = []

    class Stream:
        def write(self, text):
            writes.append(text)

        def flush(self):
            pass

    handler = logging_setup._Handler(Stream())
    handler.setFormatter(logging_setup.JsonFormatter())
    root = logging.getLogger()
    # the one stderr handler (an earlier test in this process may have configured one)
    monkeypatch.setattr(root, "handlers", [h for h in root.handlers if not isinstance(h, logging_setup._Handler)])
    root.addHandler(handler)
    log = logging.getLogger("pgcadence_batch_test")
    old = log.level
    log.setLevel(logging.INFO)
    try:
        log.info("before")
        with logging_setup.batched():
            for i in range(5):
                log.info("line %d", i)
            with logging_setup.batched():  # nested: joins the outer batch
                log.info("inner")
            assert len(writes) == 1  # only "before" so far
        log.info("after")
    finally:
        root.removeHandler(handler)
        log.setLevel(old)
    assert len(writes) == 3
    batch = [json.loads(line)["message"] for line in writes[1].splitlines()]
    assert batch == ["line 0", "line 1", "line 2", "line 3", "line 4", "inner"]
    assert writes[1].endswith("\n") and json.loads(writes[2])["message"] == "after"


def test_redaction_keeps_ids_and_masks_secrets():
    assert redact.scrub({"task_type": "x", "dedupe_key": "d", "key_id": "k", "password": "p", "anon_key": "a"}) == \
        {"task_type": "x", "dedupe_key": "d", "key_id": "k", "password": "[redacted]", "anon_key": "[redacted]"}
    assert redact.scrub_text("host=db password='se cret' user=x") == "host=db password=[redacted] user=x"


def test_log_level_option_and_environment_variable():
    r = run_cli("--log-level", "loud", "status")
    assert r.returncode == 2 and "'loud' is not one of 'debug', 'info', 'warning', 'error'" in r.stderr
    r = run_cli("status", env={"PGCADENCE_LOG_LEVEL": "chatty"})
    assert r.returncode == 2 and "'chatty' is not one of" in r.stderr
    assert "--log-level [debug|info|warning|error]" in run_cli("--help").stdout


def test_worker_logs_failed_jobs_at_error_with_id_and_attempt_and_honours_the_level(queue_url, tmp_path):
    with psycopg.connect(queue_url, autocommit=True) as c:
        ok = c.execute("select job_queue_enqueue('echo', '{}')").fetchone()[0]
        bad = c.execute("""select job_queue_enqueue('boom', '{"message": "upstream 502"}', max_attempts => 1)""").fetchone()[0]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
    env["PGCADENCE_LOG_LEVEL"] = "warning"
    err = tmp_path / "worker.log"
    proc = subprocess.Popen([*CLI, "worker", "-d", queue_url, "-m", "tests.queue_handlers"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=err.open("w"))
    try:
        until(lambda: sql(queue_url, "select count(*) from job_queue where status in ('succeeded', 'failed')")[0][0] == 2,
              "both jobs finished")
        until(lambda: '"event":"job"' in err.read_text(), "the failed job is logged")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    lines = [json.loads(line) for line in err.read_text().splitlines() if line.startswith("{")]
    jobs = [line for line in lines if line["event"] == "job"]
    assert [(j["level"], j["job_id"], j["attempt"], j["outcome"], j["task_type"]) for j in jobs] == \
        [("error", str(bad), 1, "failed", "boom")], jobs
    assert "RuntimeError: upstream 502" in jobs[0]["error"] and jobs[0]["worker"]
    assert str(ok) not in err.read_text(), "a succeeded job is logged at info, below --log-level warning"
    assert all(line["level"] in ("warning", "error") for line in lines)


# ---------------------------------------------------------------- metrics
def test_metrics_match_the_database_during_a_real_run(queue_url):
    mport = get_port(None)
    served = start_serve(queue_url, "--metrics-port", str(mport), env={"PGCADENCE_HANDLERS": "tests.queue_handlers"})
    metrics_url = f"http://127.0.0.1:{mport}/metrics"
    try:
        served.wait_for(lambda r: r.get("event") == "metrics_listening")
        with psycopg.connect(queue_url, autocommit=True) as c:
            for i in range(6):
                c.execute("select job_queue_enqueue('echo', %s::jsonb)", (json.dumps({"i": i}),))
            for _ in range(3):
                c.execute("""select job_queue_enqueue('boom', '{}', max_attempts => 1)""")
            c.execute("select job_queue_enqueue('echo', '{}', run_at => now() + interval '1 day')")  # not due
            anon = keys.get_secret(c, keys.ANON_KEY)
        until(lambda: sql(queue_url, "select count(*) from job_queue where status in ('succeeded', 'failed')")[0][0] == 9,
              "the worker of serve ran the 9 due jobs")
        for _ in range(3):
            assert httpx.post(served.url + "/functions/v1/echo", timeout=30).status_code == 401
        for _ in range(2):
            assert httpx.post(served.url + "/functions/v1/echo", headers={"Authorization": f"Bearer {anon}"},
                              timeout=30).status_code == 200
        got = scrape(metrics_url)

        # from SQL at scrape time: every (task type, status) the table has, exactly
        for task_type, status, n in sql(queue_url, "select task_type, status, count(*) from job_queue group by 1, 2"):
            assert got[("pgcadence_queue_jobs", (("status", status), ("task_type", task_type)))] == n
        assert got[("pgcadence_queue_jobs", (("status", "pending"), ("task_type", "echo")))] == 1
        assert got[("pgcadence_queue_due_jobs", (("task_type", "echo"),))] == 0
        (failed_1h,) = sql(queue_url, """select count(*) from job_queue_attempt_log l join job_queue j on j.id = l.job_id
                                          where j.task_type = 'boom' and l.outcome = 'failed'""")[0]
        assert got[("pgcadence_queue_attempts_last_hour", (("outcome", "failed"), ("task_type", "boom")))] == failed_1h == 3
        assert got[("pgcadence_queue_attempts_last_hour", (("outcome", "succeeded"), ("task_type", "echo")))] == 6
        queued, in_flight, senders = sql(queue_url, "select queued, in_flight, senders from pgcadence.net_status()")[0]
        assert got[("pgcadence_net_requests_queued", ())] == queued
        assert got[("pgcadence_net_senders", ())] == senders >= 1  # serve's own sender
        (cron_jobs,) = sql(queue_url, "select count(*) from cron.job where database = current_database()")[0]
        assert len(samples(got, "pgcadence_cron_job_active")) == cron_jobs
        assert got[("pgcadence_database_up", ())] == 1

        # from this process: claims, completions and durations per worker, requests per function
        (worker,) = {dict(k[1])["worker"] for k in samples(got, "pgcadence_worker_claims_total")}
        assert sql(queue_url, "select count(*) from job_queue_attempts where worker_id = %s", (worker,))[0][0] == 9
        assert got[("pgcadence_worker_claims_total", (("worker", worker),))] == 9
        assert got[("pgcadence_worker_completions_total", (("outcome", "succeeded"), ("worker", worker)))] == 6
        assert got[("pgcadence_worker_completions_total", (("outcome", "failed"), ("worker", worker)))] == 3
        assert got[("pgcadence_job_duration_seconds_count", (("outcome", "succeeded"), ("task_type", "echo")))] == 6
        assert got[("pgcadence_job_duration_seconds_count", (("outcome", "failed"), ("task_type", "boom")))] == 3
        assert got[("pgcadence_executor_requests_total", (("function", "echo"), ("status", "401")))] == 3
        assert got[("pgcadence_executor_requests_total", (("function", "echo"), ("status", "200")))] == 2
        assert got[("pgcadence_executor_request_duration_seconds_count", (("function", "echo"),))] == 5
        assert ("process_cpu_seconds_total", ()) in got
    finally:
        served.stop()


class MetricsThread:
    """pgcadence.metrics.server.MetricsServer on a free port, in a thread with its own loop."""

    def __init__(self, dsn: str, auth_mode: str) -> None:
        import asyncio

        from pgcadence.metrics.server import MetricsServer

        self.server = MetricsServer(dsn, "127.0.0.1", get_port(None), auth_mode)
        self.loop = asyncio.new_event_loop()
        self.stop_event = asyncio.Event()
        self.thread = threading.Thread(target=lambda: self.loop.run_until_complete(self.server.run(self.stop_event)),
                                       daemon=True)
        self.thread.start()
        until(lambda: self._answers(), "the metrics server listens")

    def _answers(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.server.port), timeout=5).close()
            return True
        except OSError:
            return False

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(30)
        assert not self.thread.is_alive()


def test_finished_job_metrics_are_what_a_counter_and_a_histogram_would_expose():
    """The worker tallies finished attempts in plain numbers and builds the metric
    families when scraped; the text is line for line what prometheus_client's Counter and
    Histogram give for the same attempts (empty labels, no duration, bucket bounds,
    durations beyond the last bound included)."""
    import random

    from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

    from pgcadence.metrics import process

    tally, mine = process._FinishedJobs(), CollectorRegistry()
    mine.register(tally)
    theirs = CollectorRegistry()
    done = Counter("pgcadence_worker_completions",
                   "Job attempts a queue worker of this process finished, by outcome (succeeded, retry, failed, lost, "
                   "released).", ["worker", "outcome"], registry=theirs)
    took = Histogram("pgcadence_job_duration_seconds",
                     "Time a job attempt took in this process, by task type and outcome.", ["task_type", "outcome"],
                     registry=theirs, buckets=process._FinishedJobs.BOUNDS[:-1])
    rng = random.Random(7)
    attempts = []
    for _ in range(3000):
        worker, task_type = rng.choice(["w1", "w2", ""]), rng.choice(["echo", "x", ""])
        outcome = rng.choice(["succeeded", "failed", "lost", ""])
        ms = rng.choice([None, 0.0, 5.0, 10.0, 4.99, 600000.0, 700000.0, rng.random() * 3000])
        attempts.append((worker, task_type, outcome, ms))
    # one at a time (add) and a worker's run of attempts at once (add_many, as the worker reports a round trip)
    i = 0
    while i < len(attempts):
        run = [attempts[i]]
        while len(run) < rng.randrange(1, 40) and i + len(run) < len(attempts) and \
                attempts[i + len(run)][0] == run[0][0]:
            run.append(attempts[i + len(run)])
        if len(run) == 1 and rng.random() < 0.5:
            tally.add(*run[0])
        else:
            tally.add_many(run[0][0], [a[1:] for a in run])
        i += len(run)
    for worker, task_type, outcome, ms in attempts:
        done.labels(worker or "-", outcome or "unknown").inc()
        if ms is not None:
            took.labels(task_type or "-", outcome or "unknown").observe(ms / 1000)

    def lines(registry):
        return sorted(line for line in generate_latest(registry).decode().splitlines()
                      if "completions" in line or "job_duration" in line)

    assert len(lines(mine)) > 200
    assert lines(mine) == lines(theirs)


def test_metrics_behind_the_service_key(queue_url):
    with psycopg.connect(queue_url, autocommit=True) as c:
        anon, service = keys.get_secret(c, keys.ANON_KEY), keys.get_secret(c, keys.SERVICE_ROLE_KEY)
    m = MetricsThread(queue_url, "service-role")
    try:
        assert httpx.get(m.server.url, timeout=30).status_code == 401
        assert httpx.get(m.server.url, headers={"Authorization": "Bearer not.a.jwt"}, timeout=30).status_code == 401
        r = httpx.get(m.server.url, headers={"Authorization": f"Bearer {anon}"}, timeout=30)
        assert r.status_code == 403 and r.json()["error"] == "service_role_required"
        assert scrape(m.server.url, {"Authorization": f"Bearer {service}"})[("pgcadence_database_up", ())] == 1
    finally:
        m.close()
    m = MetricsThread("postgresql://nobody@127.0.0.1:1/none", "none")
    try:  # the database is away: the scrape still answers, and says so
        got = scrape(m.server.url)
        assert got[("pgcadence_database_up", ())] == 0 and ("process_cpu_seconds_total", ()) in got
    finally:
        m.close()


def test_cache_tier_lookups_and_latency_of_this_process(tmp_path):
    from pgcadence.cache.tiered import TieredCache
    from pgcadence.metrics import process

    def collected() -> dict:
        return {(s.name, tuple(sorted(s.labels.items()))): s.value
                for fam in process.REGISTRY.collect() if fam.name.startswith("pgcadence_cache_tier")
                for s in fam.samples}

    cache = TieredCache("metricsproj", "tiers", lambda: {"n": 1}, file_path=tmp_path / "c.json", db=False)
    try:
        cache.start()
        for _ in range(3):
            assert cache.get() == {"n": 1}
        got = collected()
        base = (("cache_type", "tiers"), ("project", "metricsproj"))
        stats = cache.stats()
        assert got[("pgcadence_cache_tier_lookups_total", (*base[:1], ("project", "metricsproj"), ("result", "hit"), ("tier", "memory")))] \
            == stats["memory"]["hits"] >= 2
        assert got[("pgcadence_cache_tier_latency_seconds_count", (*base, ("tier", "fetch")))] == stats["fetch"]["latency_samples"] >= 1
        assert got[("pgcadence_cache_tier_latency_seconds_sum", (*base, ("tier", "fetch")))] > 0
    finally:
        cache.close()
    assert not any(dict(k[1]).get("project") == "metricsproj" for k in collected()), "a closed cache is not reported"


def test_a_busy_metrics_port_is_one_clear_error(queue_url):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = run_cli("serve", "--database", queue_url, "--port", str(get_port(None)), "--metrics-port", str(port),
                    "--no-worker", "--no-net")
    assert r.returncode == 1, r.stderr
    assert f"/metrics could not listen on 127.0.0.1:{port} (port in use? pass --metrics-port, or --no-metrics)" in r.stderr
    assert "Traceback" not in r.stderr


def test_a_busy_default_metrics_port_leaves_metrics_out_and_serve_running(queue_url):
    """Two serves on one host (or a port taken by something else): the second runs without /metrics."""
    from pgcadence.metrics.server import DEFAULT_PORT

    blocker = socket.socket()
    try:
        blocker.bind(("127.0.0.1", DEFAULT_PORT))
        blocker.listen()
    except OSError:
        pass  # already taken by another process: the same situation
    try:
        served = start_serve(queue_url, "--no-worker", "--no-net")
        try:
            line = served.wait_for(lambda r: r.get("event") == "metrics_unavailable")
            assert line["level"] == "error" and "pass --metrics-port" in line["message"]
            assert httpx.get(served.url + "/healthz", timeout=30).status_code == 200
        finally:
            served.stop()
        assert served.proc.returncode == 0
    finally:
        blocker.close()


# ---------------------------------------------------------------- alerts
@pytest.fixture
def alerting(queue_url):
    """Only task_failures on, clean state, the webhook a local recording server, a net sender."""
    recorder = Recorder()
    hook = recorder.url("/hooks/T000/B000/secret-token")

    def reset(enabled_only: str | None):
        with psycopg.connect(queue_url, autocommit=True) as c:
            c.execute("""UPDATE public.alert_rules SET enabled = (%s::text IS NULL OR name = %s), firing = false, since = NULL,
                                subjects = '[]', notified = NULL, notified_subjects = '{}', last_firing_at = NULL,
                                silenced_until = NULL, eval_error = NULL""", (enabled_only, enabled_only))
            c.execute("DELETE FROM public.alert_events")
            c.execute("DELETE FROM vault.secrets WHERE name = 'alert_webhook_url'")

    reset("task_failures")
    with psycopg.connect(queue_url, autocommit=True) as c:
        c.execute("select vault.create_secret(%s, 'alert_webhook_url')", (hook,))
    sender = WorkerThread(queue_url)
    try:
        yield queue_url, recorder, hook
    finally:
        sender.close()
        recorder.close()
        reset(None)


def _evaluate_as_two_replicas_and_twice(url: str) -> None:
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def replica():
        try:
            with psycopg.connect(url, autocommit=True) as c:
                barrier.wait(30)
                c.execute("select * from pgcadence.alerts_evaluate()").fetchall()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=replica) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    for _ in range(2):
        sql(url, "select * from pgcadence.alerts_evaluate()")


def _delivered(url: str, hook: str) -> None:
    until(lambda: sql(url, "select count(*) from net.http_request_queue where url = %s", (hook,))[0][0] == 0,
          "the sender delivered every webhook request")


def test_failing_task_type_alerts_once_and_resolves_once(alerting):
    url, recorder, hook = alerting
    with psycopg.connect(url, autocommit=True) as c:
        for _ in range(3):
            c.execute("select job_queue_enqueue('flaky_sync', '{}', max_attempts => 1)")
        c.execute("""select count(*) from (select job_queue_fail(j.id, j.lease_token, 'HTTP 503 from upstream')
                                             from job_queue_claim(10, 'test-worker', '1 minute') j) s""")
    _evaluate_as_two_replicas_and_twice(url)
    _delivered(url, hook)
    posts = recorder.wait_for(lambda got: len(got) >= 1)
    assert len(posts) == 1, [p.body for p in posts]
    firing = posts[0].json()
    assert posts[0].path == "/hooks/T000/B000/secret-token" and posts[0].headers["Content-Type"] == "application/json"
    assert firing["text"].startswith("[pgcadence] FIRING task_failures on ")
    assert firing["attachments"][0]["fields"] == [
        {"title": "flaky_sync", "value": "3 failed attempts within 15 minutes; last error: HTTP 503 from upstream", "short": False}]
    assert sql(url, "select status, delivery from public.alert_events order by id") == [("firing", "sent")]

    # recovery: the failures leave the 15-minute window
    sql(url, "update job_queue_attempt_log set finished_at = finished_at - interval '1 day' returning 1")
    _evaluate_as_two_replicas_and_twice(url)
    _delivered(url, hook)
    posts = recorder.wait_for(lambda got: len(got) >= 2)
    assert len(posts) == 2
    assert posts[1].json()["text"].startswith("[pgcadence] RESOLVED task_failures on ")
    assert posts[1].json()["attachments"][0]["color"] == "good"
    assert sql(url, "select status, delivery from public.alert_events order by id") == [("firing", "sent"), ("resolved", "sent")]
    # what the webhook answered is where pg_net keeps it
    rids = [r[0] for r in sql(url, "select request_id from public.alert_events order by id")]
    assert sql(url, "select count(*) from net._http_response where id = any(%s) and status_code = 200", (rids,))[0][0] == 2


def test_the_evaluation_runs_every_minute_in_pg_cron(migrated_url):
    assert sql(migrated_url, "select schedule, command, active from cron.job where jobname = 'pgcadence_alerts_evaluate'") == \
        [("* * * * *", "SELECT pgcadence.alerts_evaluate()", True)]



def test_the_standalone_worker_reports_a_failed_job_to_sentry(queue_url, tmp_path):
    """Deployments run `pgcadence worker` processes apart from serve (docs/deploying.md):
    they report to Sentry too, and send what is queued before they exit."""
    ingest = Recorder()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
    env["SENTRY_DSN"] = f"http://publickey@127.0.0.1:{ingest.port}/42"
    with psycopg.connect(queue_url, autocommit=True) as c:
        job = c.execute("""select job_queue_enqueue('boom', '{"message": "worker probe"}', max_attempts => 1)""").fetchone()[0]
    err = tmp_path / "worker.log"
    proc = subprocess.Popen([*CLI, "worker", "-d", queue_url, "-m", "tests.queue_handlers", "--poll-interval", "0.2"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err.open("w"))
    try:
        until(lambda: sql(queue_url, "select status from job_queue where id = %s", (job,))[0][0] == "failed", "the job failed")
    finally:
        proc.send_signal(signal.SIGTERM)  # stops at once: whatever Sentry still holds is flushed on the way out
        assert proc.wait(timeout=60) == 0, err.read_text()
    try:
        got = ingest.wait_for(lambda rec: any(e.get("tags", {}).get("task_type") == "boom" for e in _events(rec)))
    finally:
        ingest.close()
    failed = next(e for e in _events(got) if e.get("tags", {}).get("task_type") == "boom")
    assert failed["extra"]["job_id"] == str(job) and failed["tags"]["component"] == "worker"
    assert "RuntimeError: worker probe" in failed["extra"]["error"]

def test_doctor_shows_active_alerts_and_failed_jobs(alerting):
    url, _, _ = alerting
    with psycopg.connect(url, autocommit=True) as c:
        for _ in range(3):
            c.execute("select job_queue_enqueue('nightly_export', '{}', max_attempts => 1)")
        c.execute("""select count(*) from (select job_queue_fail(j.id, j.lease_token, 'disk full')
                                             from job_queue_claim(10, 'test-worker', '1 minute') j) s""")
        c.execute("select * from pgcadence.alerts_evaluate()")
    r = run_cli("doctor", "--database", url)
    assert "WARN  alert task_failures: FIRING nightly_export: 3 failed attempts within 15 minutes; last error: disk full" in r.stdout
    assert "WARN  failed jobs (24 h): 3 job(s) ended failed: nightly_export (3); latest error of nightly_export: disk full" in r.stdout


# ---------------------------------------------------------------- Sentry
def _events(received) -> list[dict]:
    return [payload for r in received if r.path.endswith("/envelope/")
            for header, payload in r.envelope_items() if header.get("type") == "event" and payload]


def test_sentry_receives_job_failures_and_executor_errors(queue_url):
    ingest = Recorder()
    dsn = f"http://publickey@127.0.0.1:{ingest.port}/42"
    served = start_serve(queue_url, "--no-metrics", "--load", "tests.observability_fixtures",
                         env={"SENTRY_DSN": dsn, "PGCADENCE_HANDLERS": "tests.queue_handlers"})
    try:
        served.wait_for(lambda r: r.get("event") == "sentry_enabled")
        with psycopg.connect(queue_url, autocommit=True) as c:
            job = c.execute("""select job_queue_enqueue('boom', '{"message": "sentry probe"}', max_attempts => 1)""").fetchone()[0]
        r = httpx.post(served.url + "/functions/v1/test-crash", timeout=30)
        assert r.status_code == 500 and r.json()["error"] == "internal_error"
        got = ingest.wait_for(lambda rec: any(e.get("tags", {}).get("task_type") == "boom" for e in _events(rec))
                              and any(e.get("tags", {}).get("function") == "test-crash" for e in _events(rec)))
    finally:
        served.stop()
        ingest.close()
    events = _events(got)
    failed = next(e for e in events if e.get("tags", {}).get("task_type") == "boom")
    assert failed["level"] == "error" and failed["extra"]["job_id"] == str(job) and failed["extra"]["attempt"] == 1
    assert "RuntimeError: sentry probe" in failed["extra"]["error"]
    assert failed["fingerprint"] == ["pgcadence-job", "failed", "boom"]
    crash = next(e for e in events if e.get("tags", {}).get("function") == "test-crash")
    (exc,) = crash["exception"]["values"]
    assert exc["type"] == "RuntimeError" and "kaboom" in exc["value"]
    assert "hunter2" not in json.dumps(events) and "postgresql://app:[redacted]@db.internal/prod" in exc["value"]
