"""Job queue flows on a real PostgreSQL: concurrency, crashes, backoff, restarts, the CLI.

No timed assertions: the tests wait (with generous deadlines) for states, then check
what the database recorded.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import psycopg
import pytest
from psycopg.types.json import Jsonb

from pgcadence import migrate
from pgcadence.queue import QueueWorker, process_due
from tests.cluster import pause_enqueuing_cron_jobs, resume_cron_jobs, start_cluster
from tests.conftest import ROOT, run_cli

DEFAULT_SETTINGS = "backoff_base = '10 seconds', backoff_cap = '1 hour', backoff_jitter = 0.25, paused = false"


@pytest.fixture
def queue_url(migrated_url):
    """An empty queue with default settings, before and after the test, and no standing
    pg_cron job that enqueues work meanwhile (the game platform's every 30 minutes, the
    cache's every minute): these tests count the queue's jobs and the workers' lines."""
    def reset():
        with psycopg.connect(migrated_url, autocommit=True) as c:
            c.execute("TRUNCATE public.job_queue, public.job_queue_attempt_log")
            c.execute(f"UPDATE pgcadence.job_queue_settings SET {DEFAULT_SETTINGS}")
    paused = pause_enqueuing_cron_jobs(migrated_url)
    reset()
    try:
        yield migrated_url
    finally:
        reset()
        resume_cron_jobs(migrated_url, paused)


def set_backoff(url: str, base: str, cap: str, jitter: float = 0.25) -> None:
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("UPDATE pgcadence.job_queue_settings SET backoff_base = %s, backoff_cap = %s, backoff_jitter = %s",
                  (base, cap, jitter))


def wait_for(pred, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def start_worker(url: str, log: Path, *extra: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
    return subprocess.Popen(
        [sys.executable, "-m", "pgcadence", "worker", "-d", url, "-m", "tests.queue_handlers", *extra],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"))


def stop_process(p: subprocess.Popen) -> None:
    if p.poll() is None:
        p.kill()
        p.wait(timeout=10)


def job_lines(log: Path) -> list[dict]:
    out = []
    for line in log.read_text().splitlines():
        if line.startswith("{"):
            rec = json.loads(line)
            if rec.get("event") == "job":
                out.append(rec)
    return out


# ---------------------------------------------------------------- 8 workers, 20,000 jobs
def test_eight_concurrent_workers_20k_jobs_exact_outcomes(queue_url):
    n_jobs, workers = 20_000, 8
    rng = random.Random(4)
    modes = ["ok"] * n_jobs
    idx = rng.sample(range(n_jobs), n_jobs // 10 + n_jobs // 20)
    for i in idx[: n_jobs // 10]:
        modes[i] = "fail"      # a random 10 %: the handler always raises → failed after 3 attempts
    for i in idx[n_jobs // 10:]:
        modes[i] = "flaky"     # a random 5 %: raises on attempt 1 only → succeeded on attempt 2
    set_backoff(queue_url, "1 millisecond", "4 milliseconds")
    with psycopg.connect(queue_url, autocommit=True) as c:
        for start in range(0, n_jobs, 5000):
            batch = [{"task_type": "t20k", "payload": {"i": i, "mode": modes[i]}, "max_attempts": 3}
                     for i in range(start, min(n_jobs, start + 5000))]
            c.execute("SELECT count(*) FROM public.job_queue_enqueue_batch(%s)", (Jsonb(batch),))

    lock = threading.Lock()
    in_flight: dict[str, str] = {}
    overlaps: list[tuple] = []
    processed: Counter = Counter()
    errors: list[BaseException] = []

    def work(wid: str) -> None:
        try:
            with psycopg.connect(queue_url, autocommit=True) as c:
                idle = 0
                while idle < 20:
                    rows = c.execute("SELECT id, payload, attempt, lease_token FROM public.job_queue_claim(50, %s, '1 minute')",
                                     (wid,)).fetchall()
                    if not rows:
                        left = c.execute("SELECT count(*) FROM public.job_queue WHERE status IN ('pending', 'running')"
                                         ).fetchone()[0]
                        idle = idle + 1 if left == 0 else 0
                        time.sleep(0.005)
                        continue
                    ok_ids, ok_tokens = [], []
                    for job_id, payload, attempt, token in rows:
                        with lock:
                            if job_id in in_flight:
                                overlaps.append((job_id, in_flight[job_id], wid))
                            in_flight[job_id] = wid
                            processed[(job_id, attempt)] += 1
                        mode = payload["mode"]
                        failed = mode == "fail" or (mode == "flaky" and attempt == 1)
                        if failed:
                            with lock:
                                del in_flight[job_id]
                            c.execute("SELECT * FROM public.job_queue_fail(%s, %s, %s)", (job_id, token, f"{mode} #{attempt}"))
                        else:
                            ok_ids.append(job_id)
                            ok_tokens.append(token)
                    with lock:
                        for job_id in ok_ids:
                            del in_flight[job_id]
                    if ok_ids:
                        done = c.execute("SELECT count(*) FROM public.job_queue_complete_batch(%s, %s::bigint[])",
                                         (ok_ids, ok_tokens)).fetchone()[0]
                        assert done == len(ok_ids)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"w{k}",)) for k in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors[0]
    assert not overlaps, f"jobs held by two workers at once: {overlaps[:5]}"
    assert all(v == 1 for v in processed.values()), "an attempt was handed out twice"

    want = {"ok": ("succeeded", 1), "flaky": ("succeeded", 2), "fail": ("failed", 3)}
    with psycopg.connect(queue_url) as c:
        rows = c.execute("SELECT (payload->>'i')::int, status, attempts, last_error FROM public.job_queue").fetchall()
        history = c.execute("SELECT outcome, count(*) FROM public.job_queue_attempts GROUP BY 1").fetchall()
    assert len(rows) == n_jobs, "jobs lost or duplicated"
    bad = [(i, st, att) for i, st, att, _ in rows if want[modes[i]] != (st, att)]
    assert not bad, f"{len(bad)} jobs ended wrong, e.g. {bad[:5]}"
    assert all(err == "fail #3" for i, _, _, err in rows if modes[i] == "fail"), "last_error keeps the last failure"
    n_fail, n_flaky = modes.count("fail"), modes.count("flaky")
    assert dict(history) == {"succeeded": n_jobs - n_fail, "failed": 3 * n_fail + n_flaky}
    assert sum(processed.values()) == n_jobs + 2 * n_fail + n_flaky


# ---------------------------------------------------------------- crash: SIGKILL mid-job
def test_sigkill_mid_job_is_taken_back_after_the_lease_and_completes_once(queue_url, tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    with psycopg.connect(queue_url, autocommit=True) as c:
        job_id = c.execute("SELECT public.job_queue_enqueue('sleepy', %s)",
                           (Jsonb({"marker_dir": str(markers), "seconds_first": 60, "seconds": 0.05}),)).fetchone()[0]
    first = start_worker(queue_url, tmp_path / "w1.log", "--lease", "2", "--poll-interval", "0.2", "--worker-id", "victim")
    second = None
    try:
        wait_for(lambda: list(markers.glob(f"{job_id}.1.*")), 30, "the first worker to start the job")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        second = start_worker(queue_url, tmp_path / "w2.log", "--lease", "2", "--poll-interval", "0.2",
                              "--worker-id", "rescuer")
        with psycopg.connect(queue_url, autocommit=True) as c:
            wait_for(lambda: c.execute("SELECT status = 'succeeded' FROM public.job_queue WHERE id = %s",
                                       (job_id,)).fetchone()[0], 30, "the job to be taken back and completed")
            job = c.execute("SELECT attempts, locked_by, result->>'pid' FROM public.job_queue WHERE id = %s", (job_id,)).fetchone()
            hist = c.execute("SELECT attempt, worker_id, outcome FROM public.job_queue_attempts WHERE job_id = %s ORDER BY attempt",
                             (job_id,)).fetchall()
        assert job[:2] == (2, "rescuer")
        assert hist == [(1, "victim", "lease_expired"), (2, "rescuer", "succeeded")]
        assert len(list(markers.glob(f"{job_id}.1.*"))) == 1 and len(list(markers.glob(f"{job_id}.2.*"))) == 1
        assert job[2] == str(second.pid), "completed by the second worker"
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=20) == 0
        # (only this job's lines: a standing pg_cron job of a module another test configured
        # may enqueue work of its own meanwhile, which the rescuer runs too)
        done = [r for r in job_lines(tmp_path / "w2.log") if r["outcome"] == "succeeded" and r["job_id"] == str(job_id)]
        assert [r["attempt"] for r in done] == [2]
        assert {"task_type", "attempt", "duration_ms", "outcome", "worker"} <= set(done[0])
    finally:
        stop_process(first)
        if second:
            stop_process(second)


def test_sigterm_releases_a_running_job_and_exits_cleanly(queue_url, tmp_path):
    markers = tmp_path / "m"
    markers.mkdir()
    with psycopg.connect(queue_url, autocommit=True) as c:
        job_id = c.execute("SELECT public.job_queue_enqueue('sleepy', %s)",
                           (Jsonb({"marker_dir": str(markers), "seconds": 60}),)).fetchone()[0]
    w = start_worker(queue_url, tmp_path / "w.log", "--shutdown-timeout", "0.5", "--poll-interval", "0.2")
    try:
        wait_for(lambda: list(markers.glob(f"{job_id}.1.*")), 30, "the job to start")
        w.send_signal(signal.SIGTERM)
        assert w.wait(timeout=20) == 0
    finally:
        stop_process(w)
    with psycopg.connect(queue_url) as c:
        st = c.execute("SELECT status, max_attempts, run_at <= now() FROM public.job_queue WHERE id = %s", (job_id,)).fetchone()
        hist = c.execute("SELECT attempt, outcome FROM public.job_queue_attempts WHERE job_id = %s", (job_id,)).fetchall()
    assert st == ("pending", 4, True), "released: due again, the attempt given back"
    assert hist == [(1, "released")]
    assert [r["outcome"] for r in job_lines(tmp_path / "w.log")] == ["released"]


# ---------------------------------------------------------------- backoff
def test_retries_follow_the_backoff_formula_then_fail(queue_url):
    base, cap = 0.2, 0.5
    set_backoff(queue_url, f"{base} seconds", f"{cap} seconds")

    def boom(payload, ctx):
        raise ValueError(f"no luck on attempt {ctx.attempt}")

    async def main():
        stop = asyncio.Event()
        w = QueueWorker(queue_url, handlers={"boom": boom}, concurrency=2, poll_interval=0.05, lease=10)
        task = asyncio.create_task(w.run(stop))
        async with await psycopg.AsyncConnection.connect(queue_url, autocommit=True) as c:
            cur = await c.execute("SELECT public.job_queue_enqueue('boom', '{}', max_attempts => 4)")
            job_id = (await cur.fetchone())[0]
            for _ in range(600):
                cur = await c.execute("SELECT status FROM public.job_queue WHERE id = %s", (job_id,))
                if (await cur.fetchone())[0] == "failed":
                    break
                await asyncio.sleep(0.02)
        stop.set()
        await task
        return job_id

    job_id = asyncio.run(main())
    with psycopg.connect(queue_url) as c:
        job = c.execute("SELECT status, attempts, last_error FROM public.job_queue WHERE id = %s", (job_id,)).fetchone()
        hist = c.execute("""SELECT attempt, outcome, extract(epoch FROM started_at), extract(epoch FROM finished_at)
                            FROM public.job_queue_attempts WHERE job_id = %s ORDER BY attempt""", (job_id,)).fetchall()
    assert job == ("failed", 4, "ValueError: no luck on attempt 4")
    assert [(a, o) for a, o, _, _ in hist] == [(1, "failed"), (2, "failed"), (3, "failed"), (4, "failed")]
    for (n, _, _, failed_at), (_, _, next_start, _) in zip(hist, hist[1:]):
        floor = min(cap, base * 2 ** (n - 1))
        assert float(next_start) - float(failed_at) >= floor, f"retry {n + 1} started before the backoff of {floor} s"


# ---------------------------------------------------------------- bad input and privileges
def test_bad_input_and_permissions_give_clear_errors(queue_url):
    with psycopg.connect(queue_url, autocommit=True) as c:
        cases = [
            ("SELECT * FROM public.job_queue_list('done')", psycopg.errors.InvalidParameterValue, 'unknown status "done"'),
            ("SELECT public.job_queue_enqueue('t', '{}', max_attempts => -2)", psycopg.errors.InvalidParameterValue,
             "max_attempts must be at least 1 (got -2)"),
            ("SELECT public.job_queue_enqueue('t', '\"text\"')", psycopg.errors.InvalidParameterValue,
             "payload must be a JSON object, got string"),
            ("SELECT public.job_queue_enqueue('t', jsonb_build_object('x', repeat('y', 400000)))",
             psycopg.errors.ProgramLimitExceeded, "the limit is 262144 bytes"),
        ]
        for sql, exc, text in cases:
            with pytest.raises(exc, match=text.replace("(", r"\(").replace(")", r"\)")):
                c.execute(sql)
        c.execute("SELECT public.job_queue_enqueue('t', '{}', dedupe_key => 'nightly')")
        with pytest.raises(psycopg.errors.UniqueViolation, match='dedupe_key "nightly" already exists'):
            c.execute("SELECT public.job_queue_enqueue('t', '{}', dedupe_key => 'nightly')")
        c.execute("INSERT INTO public.profiles (id, role) VALUES ('00000000-0000-0000-0000-00000000c0de', 'user') "
                  "ON CONFLICT (id) DO NOTHING")
        with c.transaction(force_rollback=True):
            c.execute("SET LOCAL ROLE authenticated")
            c.execute("""SET LOCAL request.jwt.claims = '{"sub": "00000000-0000-0000-0000-00000000c0de"}'""")
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="only service_role or an admin"):
                c.execute("SELECT public.job_queue_enqueue('t')")
        with c.transaction(force_rollback=True):
            c.execute("SET LOCAL ROLE anon")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                c.execute("SELECT * FROM public.job_queue")
        c.execute("DELETE FROM public.profiles WHERE id = '00000000-0000-0000-0000-00000000c0de'")


# ---------------------------------------------------------------- process_due (/api/jobs/run)
def test_the_task_type_rule_is_the_documented_rule(migrated_url):
    """job_queue's task type rule (the job_queue_row_rules trigger, written without a
    regular expression) accepts exactly what ^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$ accepts,
    on INSERT and on an UPDATE that assigns task_type; a rejected row is SQLSTATE 23514
    naming job_queue_task_type_check, as the CHECK constraint it replaces was."""
    rnd = random.Random(20261202)
    alphabet = "aZ09_.:-" + " \n\t/!$^é€"
    samples = ["", "a", "_a", "-a", ".a", ":a", "9", "a_", "a b", "é", "a\n", "\na", "a$", "A.b:c-d_e",
               "x" * 99, "x" * 100, "x" * 101, "_" * 5, "Z" + "-" * 99]
    samples += ["".join(rnd.choice(alphabet) for _ in range(rnd.choice([1, 2, 3, 5, 99, 100, 101])))
                for _ in range(1500)]
    with psycopg.connect(migrated_url) as c:
        expected = dict(c.execute("SELECT s, s ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$' FROM unnest(%s::text[]) AS s",
                                  (samples,)).fetchall())
        job = c.execute("INSERT INTO public.job_queue (task_type) VALUES ('ok') RETURNING id").fetchone()[0]
        accepted, differ = 0, []
        for n, sample in enumerate(samples):
            for statement in ("INSERT INTO public.job_queue (task_type) VALUES (%s)",
                              "UPDATE public.job_queue SET task_type = %s WHERE id = %s"):
                try:
                    with c.transaction():
                        c.execute(statement, (sample, job) if "UPDATE" in statement else (sample,))
                    ok = True
                except psycopg.errors.CheckViolation as exc:
                    assert exc.diag.constraint_name == "job_queue_task_type_check", exc
                    assert 'violates check constraint "job_queue_task_type_check"' in str(exc)
                    ok = False
                if ok != expected[sample]:
                    differ.append((statement.split()[0], sample))
                accepted += ok
        assert differ == []
        assert 0 < accepted < 2 * len(samples)  # the samples hold both kinds
        c.rollback()


def test_the_payload_rule_holds_and_claims_and_finishes_do_not_read_the_payload(queue_url):
    """A payload must be a JSON object however the row is written (SQLSTATE 23514 naming
    job_queue_payload_check). Claiming and finishing a job never assign its payload, so
    they must not read it: the rule, as a CHECK constraint, detoasted the whole payload
    on each of the two row versions a job's claim and finish write."""
    with psycopg.connect(queue_url, autocommit=True) as c:
        for statement in ("INSERT INTO public.job_queue (task_type, payload) VALUES ('p', '[1]')",
                          "INSERT INTO public.job_queue (task_type, payload) VALUES ('_p', '7')"):
            with pytest.raises(psycopg.errors.CheckViolation) as info:
                c.execute(statement)
            assert info.value.diag.constraint_name == "job_queue_payload_check"
        small = c.execute("SELECT public.job_queue_enqueue('p')").fetchone()[0]
        with pytest.raises(psycopg.errors.CheckViolation, match="job_queue_payload_check"):
            c.execute("UPDATE public.job_queue SET payload = '\"text\"' WHERE id = %s", (small,))
        assert c.execute("SELECT payload FROM public.job_queue WHERE id = %s", (small,)).fetchone()[0] == {}
        c.execute("SELECT public.job_queue_cancel(%s)", (small,))
        # 80 KB that does not compress: stored out of line, in job_queue's TOAST table
        big = {"blob": random.Random(7).randbytes(60_000).hex()[:80_000]}
        job = c.execute("SELECT public.job_queue_enqueue('p', %s)", (Jsonb(big),)).fetchone()[0]
        toast = c.execute("SELECT reltoastrelid FROM pg_class WHERE oid = 'public.job_queue'::regclass").fetchone()[0]

        def toast_blocks_read(sql: str, params: tuple) -> tuple[list, int]:
            """What the statement returned, and how many blocks of the TOAST table it read."""
            count = "SELECT pg_stat_get_xact_blocks_fetched(%s)"  # this backend's counts not yet reported
            with c.transaction():
                before = c.execute(count, (toast,)).fetchone()[0]
                rows = c.execute(sql, params).fetchall()
                return rows, c.execute(count, (toast,)).fetchone()[0] - before

        # the count works: a statement that reads the payload reads the TOAST table
        assert toast_blocks_read("SELECT length(payload::text) FROM public.job_queue WHERE id = %s", (job,))[1] > 0
        (claimed, _) = toast_blocks_read(
            "SELECT id, lease_token, payload FROM public.job_queue_claim(1, 'w-toast', '1 minute', '{p}')", ())
        assert claimed[0][0] == job and claimed[0][2] == big
        (done, blocks) = toast_blocks_read("SELECT public.job_queue_complete(%s, %s, NULL)", (job, claimed[0][1]))
        assert done == [(True,)]
        assert blocks == 0, "finishing a job read its payload"
        (_, blocks) = toast_blocks_read("UPDATE public.job_queue SET priority = 1 WHERE id = %s RETURNING id", (job,))
        assert blocks == 0, "an update that leaves the payload alone read it"
        assert c.execute("SELECT status, payload = %s FROM public.job_queue WHERE id = %s",
                         (Jsonb(big), job)).fetchone() == ("succeeded", True)


def test_finishing_a_job_writes_its_row_once_without_locking_it_first(queue_url):
    """A job's finish is one row update: the rules trigger fires only when task_type or
    payload is assigned, and a BEFORE UPDATE row trigger, whatever its column list, makes
    PostgreSQL lock every row the UPDATE changes first (a second WAL record per job).
    Read from the WAL (pg_walinspect) of the finishing transaction alone."""
    with psycopg.connect(queue_url, autocommit=True) as c:
        c.execute("CREATE EXTENSION pg_walinspect")
        try:
            c.execute("INSERT INTO public.job_queue (task_type) SELECT 'walk' FROM generate_series(1, 5)")
            claimed = c.execute("SELECT id, lease_token FROM public.job_queue_claim(5, 'w-wal', '1 minute', '{walk}')"
                                ).fetchall()
            assert len(claimed) == 5
            with c.transaction():
                c.execute("SET LOCAL synchronous_commit = on")  # its WAL is flushed, so readable, at commit
                xid = c.execute("SELECT pg_current_xact_id()::text::xid").fetchone()[0]
                start = c.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]
                done = c.execute("SELECT public.job_queue_complete_batch(%s, %s, NULL)",
                                 ([r[0] for r in claimed], [r[1] for r in claimed])).fetchall()
            end = c.execute("SELECT pg_current_wal_flush_lsn()").fetchone()[0]
            records = dict(c.execute(
                """SELECT record_type, count(*) FROM pg_get_wal_records_info(%s, %s)
                   WHERE xid = %s AND resource_manager = 'Heap' GROUP BY 1""", (start, end, xid)).fetchall())
            assert sorted(r[0] for r in done) == sorted(r[0] for r in claimed)
            assert records == {"UPDATE": 5}, records
            # and an UPDATE that assigns the payload is still checked, after the row is written
            with pytest.raises(psycopg.errors.CheckViolation, match="job_queue_payload_check"):
                c.execute("UPDATE public.job_queue SET payload = '[]' WHERE id = %s", (claimed[0][0],))
        finally:
            c.execute("DROP EXTENSION pg_walinspect")




def test_an_empty_payload_decodes_to_a_fresh_dict_each_time():
    """The default payload skips the JSON decoder; each job still gets its own dict (a
    handler may change it) and anything else still goes through the decoder's checks."""
    from pgcadence.queue.job import JobFailed, decode_payload

    first, second = decode_payload("{}"), decode_payload("{}")
    assert first == {} and second == {} and first is not second
    first["seen"] = True
    assert decode_payload("{}") == {}
    assert decode_payload('{"a": [1, {"b": null}]}') == {"a": [1, {"b": None}]}
    assert decode_payload(None) == {}
    with pytest.raises(JobFailed, match="not a JSON object"):
        decode_payload("[]")


def test_new_jobs_get_time_ordered_ids(queue_url):
    """A job's id starts with its enqueue time in milliseconds (the UUIDv7 layout: 48 bits
    of time, version 7, the RFC variant, 74 random bits), so jobs enqueued together sit
    together in the primary key that every claim and finish writes to; ids stay unique."""
    with psycopg.connect(queue_url, autocommit=True) as c:
        before = time.time()
        first = c.execute("SELECT public.job_queue_enqueue('ids')").fetchone()[0]
        time.sleep(0.005)
        batch = [r[0] for r in c.execute(
            "SELECT public.job_queue_enqueue_batch(jsonb_agg(jsonb_build_object('task_type', 'ids'))) "
            "FROM generate_series(1, 5000)").fetchall()]
        time.sleep(0.005)
        last = c.execute("SELECT public.job_queue_enqueue('ids')").fetchone()[0]
        inserted = c.execute("INSERT INTO public.job_queue (task_type) VALUES ('ids') RETURNING id").fetchone()[0]
        after = time.time()
    ids = [first, *batch, last, inserted]
    assert len(set(ids)) == len(ids)
    for job_id in ids:
        assert job_id.version == 7 and job_id.variant == uuid.RFC_4122, job_id
        ms = job_id.int >> 80
        assert before * 1000 - 1 <= ms <= after * 1000 + 1, (job_id, before, after)
    assert first.int >> 80 < min(j.int >> 80 for j in batch) <= max(j.int >> 80 for j in batch) < last.int >> 80
    assert len({j.int & ((1 << 62) - 1) for j in ids}) == len(ids)  # the random part differs


def test_a_success_adds_no_entry_to_the_status_index(queue_url):
    """A finish writes a new row version, and each index whose predicate it matches gets an
    entry: job_queue_status_run_at_idx holds pending, failed and cancelled jobs, not
    succeeded ones (nothing looks those up by run_at). After a vacuum its entries are
    exactly the table's rows in those statuses, with 200 succeeded rows beside them."""
    with psycopg.connect(queue_url, autocommit=True) as c:
        c.execute("SELECT public.job_queue_enqueue_batch(jsonb_agg(jsonb_build_object("
                  "'task_type', 'idx', 'max_attempts', 1))) FROM generate_series(1, 330)")
        claimed = c.execute("SELECT id, lease_token FROM public.job_queue_claim(300, 'w-idx', '5 minutes')").fetchall()
        ok, bad = claimed[:200], claimed[200:]
        c.execute("SELECT count(*) FROM public.job_queue_complete_and_claim(%s, %s, NULL, 0, 'w-idx', '5 minutes', NULL,"
                  " %s, %s, %s)", ([i for i, _ in ok], [t for _, t in ok], [i for i, _ in bad], [t for _, t in bad],
                                   ["no"] * len(bad)))
        c.execute("SELECT public.job_queue_cancel(id) FROM public.job_queue WHERE status = 'pending' LIMIT 10")
        c.execute("VACUUM (INDEX_CLEANUP ON) public.job_queue")  # index reltuples: the entries it counted
        by_status = dict(c.execute("SELECT status, count(*) FROM public.job_queue GROUP BY 1").fetchall())
        entries = c.execute("SELECT reltuples FROM pg_class WHERE oid = 'public.job_queue_status_run_at_idx'::regclass").fetchone()[0]
    assert by_status == {"succeeded": 200, "failed": 100, "pending": 20, "cancelled": 10}
    assert entries == 130


def test_a_success_whose_lease_ran_out_is_recorded_before_the_same_call_claims(queue_url):
    """job_queue_complete_and_claim records successes and claims in one statement: a job
    among the successes whose lease has run out (no one took it back yet) is finished,
    not taken back and handed out again by the claim of the same call."""
    with psycopg.connect(queue_url, autocommit=True) as c:
        job = c.execute("SELECT public.job_queue_enqueue('late')").fetchone()[0]
        other = c.execute("SELECT public.job_queue_enqueue('late')").fetchone()[0]
        (jid, tok), = c.execute("SELECT id, lease_token FROM public.job_queue_claim(1, 'w1', '1 minute', '{late}')").fetchall()
        assert jid == job
        c.execute("UPDATE public.job_queue SET locked_until = now() - interval '1 s' WHERE id = %s", (job,))
        rows = c.execute("""SELECT kind, id FROM public.job_queue_complete_and_claim(
                                ARRAY[%s]::uuid[], ARRAY[%s]::bigint[], NULL, 10, 'w1', '1 minute', '{late}')""",
                         (job, tok)).fetchall()
        assert [r for r in rows if r[0] != "wait"] == [("job", other)]
        assert c.execute("SELECT status FROM public.job_queue WHERE id = %s", (job,)).fetchone()[0] == "succeeded"
        assert c.execute("SELECT count(*) FROM public.job_queue_attempt_log WHERE job_id = %s", (job,)).fetchone()[0] == 0


def _explain_plans(c: psycopg.Connection) -> list[str]:
    """The plans of every statement ``c`` runs from now on, nested ones included (auto_explain
    sends them as notices), filled in as they come."""
    plans: list[str] = []
    c.add_notice_handler(lambda d: plans.append(d.message_primary or ""))
    c.execute("LOAD 'auto_explain'")
    for setting in ("auto_explain.log_min_duration = 0", "auto_explain.log_nested_statements = on",
                    "auto_explain.log_level = notice", "client_min_messages = notice"):
        c.execute(f"SET {setting}")
    return plans


def test_the_workers_plans_never_read_the_whole_queue(queue_url):
    """job_queue_complete_and_claim keeps one generic plan per statement per session, made
    maybe while the queue is small and kept while it grows: none of them may scan the
    whole table (a sequential scan, or a full index scan under a hash join), which a small
    table invites. The plans of every statement it runs, with successes, failures and
    claims, read through auto_explain."""
    with psycopg.connect(queue_url, autocommit=True) as c:
        c.execute("SELECT public.job_queue_enqueue_batch(jsonb_agg(jsonb_build_object('task_type', 'small'))) "
                  "FROM generate_series(1, 30)")
        plans = _explain_plans(c)
        ok, ok_tok, bad, bad_tok = [], [], [], []
        for _ in range(8):  # more than the five custom plans PL/pgSQL would try first
            rows = c.execute("""SELECT kind, id, lease_token FROM public.job_queue_complete_and_claim(
                                    %s::uuid[], %s::bigint[], NULL, 4, 'w-plans', '1 minute', '{small}',
                                    %s::uuid[], %s::bigint[], %s::text[])""",
                             (ok, ok_tok, bad, bad_tok, ["boom"] * len(bad))).fetchall()
            jobs = [(i, t) for kind, i, t in rows if kind == "job"]
            ok, ok_tok = [i for i, _ in jobs[:2]], [t for _, t in jobs[:2]]
            bad, bad_tok = [i for i, _ in jobs[2:]], [t for _, t in jobs[2:]]
    text = "\n".join(plans)
    assert "Update on job_queue q" in text and "LockRows" in text  # the plans were seen
    assert not re.search(r"Seq Scan on job_queue\s", text), text
    assert "JIT:" not in text, text  # no statement worth compiling: a compiled one-row read cost 17 ms
    lines = text.splitlines()
    # the claim's ordered scans of its partial indexes stop at LIMIT; the primary key is only probed
    full = [line for n, line in enumerate(lines) if re.search(r"Scan using job_queue_pkey on job_queue\s", line)
            and "Index Cond" not in " ".join(lines[n + 1:n + 3])]
    assert full == [], "primary key scans of job_queue without a condition:\n" + "\n".join(full)



def _claim(c: psycopg.Connection, n: int, types: str = "{pos}") -> list[str]:
    rows = c.execute("""SELECT kind, id::text FROM public.job_queue_complete_and_claim(
                            '{}', '{}', NULL, %s, 'w-pos', '1 minute', %s::text[])""", (n, types)).fetchall()
    return [i for kind, i in rows if kind == "job"]


def _enqueue(c: psycopg.Connection, n: int, **kw) -> list[str]:
    args = ", ".join(f"{k} => %({k})s" for k in kw)
    return [c.execute(f"SELECT public.job_queue_enqueue('pos'{', ' if kw else ''}{args})::text", kw).fetchone()[0]
            for _ in range(n)]


def test_a_claim_starts_where_the_sessions_last_claim_started(queue_url):
    """The claim index's head holds an entry for every job claimed since the last vacuum
    (dead, but only VACUUM removes them): a claim that walked it from the head read
    thousands of pages on a busy queue. A session's next claim starts where its last one
    started: with 20,000 dead entries at the head, the second claim reads a few pages."""
    with psycopg.connect(queue_url, autocommit=True) as c:
        c.execute("SELECT public.job_queue_enqueue_batch(jsonb_agg(jsonb_build_object('task_type', 'pos'))) "
                  "FROM generate_series(1, 20000)")
        for _ in range(2):  # claims take at most 10,000
            done = c.execute("""SELECT array_agg(id), array_agg(lease_token)
                                FROM public.job_queue_claim(10000, 'w-pos', '1 minute', '{pos}')""").fetchone()
            c.execute("SELECT count(*) FROM public.job_queue_complete_and_claim(%s, %s, NULL, 0)", done)
        c.execute("RESET pgcadence.claim_position")  # the next claim starts from the head
        _enqueue(c, 30)
        plans = _explain_plans(c)
        c.execute("SET auto_explain.log_analyze = on")
        c.execute("SET auto_explain.log_buffers = on")
        first, second = _claim(c, 10), _claim(c, 10)
        c.execute("RESET client_min_messages")
    assert len(first) == len(second) == 10 and not set(first) & set(second)
    # the statement that locks the jobs to claim (its first line: the buffers of the whole statement)
    reads = [int(re.search(r"Buffers: shared hit=(\d+)", p).group(1)) for p in plans if "LockRows" in p]
    assert len(reads) == 2, plans
    assert reads[0] > 60, reads  # the head: the dead entries' leaf pages (about 70)
    assert reads[1] < 30, reads  # from the position: a few index pages, the claimed jobs' heap pages


def test_the_claim_position_keeps_priorities_and_lasts_a_second(queue_url):
    """What starting from the position means for claim order: a job of a higher priority
    is claimed first at once; a job of the same priority that becomes due before the
    position (an earlier run_at) comes after the jobs from the position on, at once when
    those run out, and first again once a second has passed (the claim starts from the
    head); a claim for other task types starts from the head. A position set by hand,
    however wrong, claims only due jobs."""
    with psycopg.connect(queue_url, autocommit=True) as c:
        later = _enqueue(c, 3)
        assert _claim(c, 1) == later[:1]
        assert c.execute("SELECT current_setting('pgcadence.claim_position')").fetchone()[0].startswith("{pos}|0|")
        early = _enqueue(c, 1, run_at="2000-01-01T00:00:00Z")
        urgent = _enqueue(c, 1, priority=5)
        assert _claim(c, 1) == urgent  # a higher priority: the head of the index, read first
        assert _claim(c, 1) == early  # then the lower ones from their head
        assert _claim(c, 1) == later[1:2]
        early = _enqueue(c, 1, run_at="2000-01-01T00:00:01Z")
        assert _claim(c, 1) == later[2:]  # the same priority: from the position on
        assert _claim(c, 3) == early  # those ran out: then the earlier ones, in the same call
        now = _enqueue(c, 1)
        assert _claim(c, 1) == now
        early, now = _enqueue(c, 1, run_at="2000-01-01T00:00:02Z"), _enqueue(c, 2)
        assert _claim(c, 1) == now[:1]
        time.sleep(1.1)
        assert _claim(c, 1) == early  # a second later: from the head again
        assert _claim(c, 1) == now[1:]
        early, now = _enqueue(c, 1, run_at="2000-01-01T00:00:03Z"), _enqueue(c, 1)
        assert _claim(c, 1, "{pos,other}") == early  # other task types: from the head
        for bad in ("garbage", "{pos}|0|99999999999|99999999999", "{pos}|0|99999999999|" + str(time.time()),
                    "{pos}|7|1|" + str(time.time()), "{pos}|0|-1|" + str(time.time())):
            c.execute("SELECT set_config('pgcadence.claim_position', %s, false)", (bad,))
            future = _enqueue(c, 1, run_at="2999-01-01T00:00:00Z")
            assert _claim(c, 2) == now, bad  # the only due job, whatever the position says
            c.execute("UPDATE public.job_queue SET status = 'pending', locked_until = NULL WHERE id = %s", now)
            c.execute("DELETE FROM public.job_queue WHERE id = %s", future)

def test_a_large_batch_is_matched_to_its_tokens_by_hash_not_by_search(queue_url):
    """The worker's call matches each finished job to its lease token, result or error by
    a hash join over the arrays (linear in the batch), not by searching the arrays once per
    row (quadratic: 0.3 s of a call at 5,000): with 2,000 successes and 2,000 failures,
    a tenth of each with a stale token, every job gets its own result or error, the stale
    ones are reported lost and keep their state."""
    n = 2000
    with psycopg.connect(queue_url, autocommit=True) as c:
        c.execute("SELECT public.job_queue_enqueue_batch(jsonb_agg(jsonb_build_object('task_type', 'big', "
                  "'payload', jsonb_build_object('n', g)))) FROM generate_series(1, %s) g", (2 * n,))
        jobs = c.execute("SELECT id, lease_token, payload FROM public.job_queue_claim(%s, 'w-big', '5 minutes', '{big}')",
                         (2 * n,)).fetchall()
        assert len(jobs) == 2 * n
        ok, bad = jobs[:n], jobs[n:]
        ok_tok = [t + 1 if k % 10 == 0 else t for k, (_, t, _) in enumerate(ok)]  # every tenth: stale
        bad_tok = [t + 1 if k % 10 == 0 else t for k, (_, t, _) in enumerate(bad)]
        plans = _explain_plans(c)
        rows = c.execute("""SELECT kind, id FROM public.job_queue_complete_and_claim(
                                %s::uuid[], %s::bigint[], %s::jsonb[], 0, 'w-big', '5 minutes', '{big}',
                                %s::uuid[], %s::bigint[], %s::text[])""",
                         ([i for i, _, _ in ok], ok_tok, [Jsonb({"got": p["n"]}) for _, _, p in ok],
                          [i for i, _, _ in bad], bad_tok, [f"error {p['n']}" for _, _, p in bad])).fetchall()
        c.execute("RESET client_min_messages")
        lost = {i for kind, i in rows if kind == "lost"}
        assert lost == {i for k, (i, _, _) in enumerate(ok + bad) if k % 10 == 0}
        assert sum(1 for kind, _ in rows if kind == "retry") == n - n // 10
        state = {i: (s, r, e) for i, s, r, e in c.execute(
            "SELECT id, status, result, last_error FROM public.job_queue WHERE task_type = 'big'")}
        for k, (i, _, p) in enumerate(ok):
            assert state[i] == (("running", None, None) if k % 10 == 0 else ("succeeded", {"got": p["n"]}, None))
        for k, (i, _, p) in enumerate(bad):
            assert state[i] == (("running", None, None) if k % 10 == 0 else ("pending", None, f"error {p['n']}"))
    updates = [p for p in plans if "Update on job_queue q" in p and "Function Scan" in p]
    assert len(updates) >= 2, plans  # the successes' and the failures' statements
    for plan in updates:
        assert "Hash Join" in plan and "Nested Loop" not in plan and "array_position" not in plan, plan


def test_process_due_reports_as_documented(queue_url, caplog):
    def echo(payload, ctx):
        return {"got": payload["x"]}

    async def explode(payload, ctx):
        raise RuntimeError("upstream said 502")

    with psycopg.connect(queue_url, autocommit=True) as c:
        ok = c.execute("SELECT public.job_queue_enqueue('echo', '{\"x\": 7}')").fetchone()[0]
        bad = c.execute("SELECT public.job_queue_enqueue('explode', '{}', max_attempts => 1)").fetchone()[0]
        retry = c.execute("SELECT public.job_queue_enqueue('explode', '{}', max_attempts => 2)").fetchone()[0]
        unknown = c.execute("SELECT public.job_queue_enqueue('nobody_handles_this')").fetchone()[0]
        c.execute("SELECT public.job_queue_enqueue('echo', '{\"x\": 8}', run_at => now() + interval '1 hour')")

    async def main():
        async with await psycopg.AsyncConnection.connect(queue_url, autocommit=True) as conn:
            return await process_due(conn, 10, "api-run", handlers={"echo": echo, "explode": explode})

    with caplog.at_level("INFO", logger="pgcadence.queue"):
        report = asyncio.run(main())
    assert (report["status"], report["processed"], report["succeeded"], report["failed"]) == ("ok", 3, 1, 2)
    by_id = {r["id"]: r for r in report["results"]}
    assert by_id[str(ok)]["outcome"] == "succeeded" and by_id[str(ok)]["result"] == {"got": 7}
    assert by_id[str(bad)]["outcome"] == "failed" and by_id[str(bad)]["error"] == "RuntimeError: upstream said 502"
    assert by_id[str(retry)]["outcome"] == "retry" and "next_run_at" in by_id[str(retry)]
    assert str(unknown) not in by_id, "a task type without a handler here is not claimed"
    lines = {r.fields["job_id"]: r for r in caplog.records if getattr(r, "fields", {}).get("event") == "job"}
    assert sorted(lines) == sorted(by_id)
    assert all({"job_id", "task_type", "attempt", "duration_ms", "outcome"} <= set(r.fields) for r in lines.values())
    # a failed attempt is a warning, a job that ends failed an error, a success info
    assert [lines[str(j)].levelname for j in (ok, retry, bad)] == ["INFO", "WARNING", "ERROR"]
    with psycopg.connect(queue_url) as c:
        assert c.execute("SELECT result FROM public.job_queue WHERE id = %s", (ok,)).fetchone()[0] == {"got": 7}
        assert c.execute("SELECT status, attempts FROM public.job_queue WHERE id = %s", (unknown,)).fetchone() == (
            "pending", 0)


# ---------------------------------------------------------------- the worker: NOTIFY, pause
def test_worker_wakes_on_notify_and_honours_pause(queue_url):
    seen: list[int] = []

    def record(payload, ctx):
        seen.append(payload["n"])

    async def main():
        stop = asyncio.Event()
        # a poll interval far beyond the test: only NOTIFY can wake it
        w = QueueWorker(queue_url, handlers={"rec": record}, concurrency=4, poll_interval=600)
        task = asyncio.create_task(w.run(stop))
        await asyncio.wait_for(w.ready.wait(), 30)
        async with await psycopg.AsyncConnection.connect(queue_url, autocommit=True) as c:
            await c.execute("SELECT public.job_queue_enqueue('rec', '{\"n\": 1}')")
            for _ in range(500):
                if seen:
                    break
                await asyncio.sleep(0.02)
            await c.execute("SELECT public.job_queue_pause()")
            await c.execute("SELECT public.job_queue_enqueue('rec', '{\"n\": 2}')")
            await asyncio.sleep(0.5)
            paused_seen = list(seen)
            await c.execute("SELECT public.job_queue_resume()")
            for _ in range(500):
                if len(seen) == 2:
                    break
                await asyncio.sleep(0.02)
        stop.set()
        await task
        return paused_seen

    paused_seen = asyncio.run(main())
    assert paused_seen == [1], "nothing runs while paused"
    assert seen == [1, 2], "NOTIFY woke the worker for the first job and resume for the second"


def test_heartbeats_keep_a_long_job_longer_than_its_lease(queue_url):
    """A 3 s job under a 1.5 s lease: the worker's heartbeats keep rival claims off it."""
    def slow(payload, ctx):
        time.sleep(3)
        return {"lease_lost": ctx.lease_lost}

    async def main():
        stop = asyncio.Event()
        w = QueueWorker(queue_url, handlers={"slow": slow}, concurrency=1, lease=1.5, poll_interval=0.2)
        task = asyncio.create_task(w.run(stop))
        stolen = 0
        async with await psycopg.AsyncConnection.connect(queue_url, autocommit=True) as c:
            cur = await c.execute("SELECT public.job_queue_enqueue('slow')")
            job_id = (await cur.fetchone())[0]
            for _ in range(1000):  # let the worker take it first
                cur = await c.execute("SELECT locked_by FROM public.job_queue WHERE id = %s", (job_id,))
                if (await cur.fetchone())[0] == w.worker_id:
                    break
                await asyncio.sleep(0.01)
            for _ in range(1000):
                cur = await c.execute("SELECT count(*) FROM public.job_queue_claim(1, 'rival', '1 second')")
                stolen += (await cur.fetchone())[0]
                cur = await c.execute("SELECT status FROM public.job_queue WHERE id = %s", (job_id,))
                if (await cur.fetchone())[0] == "succeeded":
                    break
                await asyncio.sleep(0.1)
        stop.set()
        await task
        return job_id, stolen

    job_id, stolen = asyncio.run(main())
    assert stolen == 0, "a rival claimed the job while its worker was heartbeating"
    with psycopg.connect(queue_url) as c:
        assert c.execute("SELECT status, attempts, result FROM public.job_queue WHERE id = %s", (job_id,)).fetchone() == (
            "succeeded", 1, {"lease_lost": False})


# ---------------------------------------------------------------- PostgreSQL restart
@pytest.fixture(scope="module")
def restart_cluster():
    for attempt in range(3):  # a fresh cluster can answer "starting up" right after pg_ctl returns
        try:
            c = start_cluster()
            break
        except psycopg.OperationalError:
            if attempt == 2:
                raise
            time.sleep(1)
    migrate.apply(c.url(), progress=lambda m: None)
    yield c
    c.stop()


def test_worker_reconnects_when_postgresql_restarts(restart_cluster, tmp_path):
    url = restart_cluster.url()
    w = start_worker(url, tmp_path / "w.log", "--poll-interval", "0.5", "--concurrency", "4")

    def count_done():
        with psycopg.connect(url) as c:
            return c.execute("SELECT count(*) FROM public.job_queue WHERE status = 'succeeded'").fetchone()[0]

    try:
        with psycopg.connect(url, autocommit=True) as c:
            c.execute("SELECT count(*) FROM public.job_queue_enqueue_batch(%s)",
                      (Jsonb([{"task_type": "echo", "payload": {"n": i}} for i in range(20)]),))
        wait_for(lambda: count_done() == 20, 30, "the first 20 jobs")
        pg_ctl = restart_cluster.base / "pg_ctl"
        subprocess.run([str(pg_ctl), "restart", "-D", str(restart_cluster.base / "data"), "-m", "fast", "-w",
                        "-l", str(restart_cluster.base / "postgres.log")],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        with psycopg.connect(url, autocommit=True) as c:
            c.execute("SELECT count(*) FROM public.job_queue_enqueue_batch(%s)",
                      (Jsonb([{"task_type": "echo", "payload": {"n": i}} for i in range(20, 40)]),))
        wait_for(lambda: count_done() == 40, 60, "the 20 jobs enqueued after the restart")
        assert w.poll() is None, "the worker survived the restart"
        w.send_signal(signal.SIGTERM)
        assert w.wait(timeout=20) == 0
    finally:
        stop_process(w)
    with psycopg.connect(url) as c:
        assert c.execute("SELECT count(*), count(*) FILTER (WHERE attempts = 1) FROM public.job_queue").fetchone() == (40, 40)
    assert '"db_unavailable"' in (tmp_path / "w.log").read_text(), "it noticed the outage and reconnected"


# ---------------------------------------------------------------- CLI
def test_jobs_cli_round_trip(queue_url):
    d = ["--database", queue_url]
    r = run_cli("jobs", "enqueue", "report", "--payload", '{"dryRun": true}', "--max-attempts", "2", *d)
    assert r.returncode == 0, r.stderr
    job_id = r.stdout.strip()
    r = run_cli("jobs", "list", "--status", "pending", "--type", "report", *d)
    assert r.returncode == 0 and job_id in r.stdout and "0/2" in r.stdout
    r = run_cli("jobs", "show", job_id, *d)
    doc = json.loads(r.stdout)
    assert doc["payload"] == {"dryRun": True} and doc["attempt_history"] == []
    assert run_cli("jobs", "pause", *d).returncode == 0
    assert "PAUSED" in run_cli("jobs", "stats", *d).stdout
    assert "WARN  job queue: processing PAUSED" in run_cli("doctor", *d).stdout
    assert run_cli("jobs", "resume", *d).returncode == 0
    stats = run_cli("jobs", "stats", *d).stdout
    assert "processing: running" in stats and "report" in stats
    r = run_cli("jobs", "cancel", job_id, *d)
    assert r.returncode == 0 and "cancelled" in r.stdout
    r = run_cli("jobs", "cancel", job_id, *d)
    assert r.returncode == 1 and r.stderr.strip().count("\n") == 0 and "already cancelled" in r.stderr
    r = run_cli("jobs", "retry", job_id, *d)
    assert r.returncode == 0 and "pending" in r.stdout
    r = run_cli("jobs", "enqueue", "report", "--payload", "[1]", *d)
    assert r.returncode == 2 and "JSON object" in r.stderr
    r = run_cli("jobs", "enqueue", "report", "--max-attempts", "-1", *d)
    assert r.returncode == 1 and "max_attempts must be at least 1" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("jobs", "show", "not-a-uuid", *d)
    assert r.returncode == 2
    for verb in (["worker"], ["jobs", "enqueue"], ["jobs", "list"], ["jobs", "stats"]):
        assert run_cli(*verb, "--help").returncode == 0


def test_a_handler_sees_its_lease_lost(queue_url):
    """When a heartbeat finds the job taken back, the running handler's context says so
    (so a long handler can stop early), and its late outcome is fenced out."""
    seen: dict = {}

    def long(payload, ctx):
        deadline = time.monotonic() + 20
        while not ctx.lease_lost and time.monotonic() < deadline:
            time.sleep(0.05)
        seen["lease_lost"] = ctx.lease_lost
        return {"gave_up": True}

    async def main():
        stop = asyncio.Event()
        w = QueueWorker(queue_url, handlers={"long": long}, concurrency=1, lease=1.0, poll_interval=0.2)
        task = asyncio.create_task(w.run(stop))
        async with await psycopg.AsyncConnection.connect(queue_url, autocommit=True) as c:
            cur = await c.execute("SELECT public.job_queue_enqueue('long')")
            job_id = (await cur.fetchone())[0]
            for _ in range(1000):
                cur = await c.execute("SELECT locked_by FROM public.job_queue WHERE id = %s", (job_id,))
                if (await cur.fetchone())[0] == w.worker_id:
                    break
                await asyncio.sleep(0.01)
            # the lease runs out under it (as if the worker had stalled) and a rival takes the job,
            # in one transaction: the worker's own claims skip the locked row meanwhile
            async with c.transaction():
                await c.execute("UPDATE public.job_queue SET locked_until = now() - interval '1 s' WHERE id = %s",
                                (job_id,))
                cur = await c.execute("SELECT count(*) FROM public.job_queue_claim(1, 'rival', '1 minute')")
                assert (await cur.fetchone())[0] == 1
            for _ in range(400):
                if "lease_lost" in seen:
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.5)  # let the worker try to record its (fenced) outcome
            cur = await c.execute("SELECT status, locked_by, attempts FROM public.job_queue WHERE id = %s", (job_id,))
            row = await cur.fetchone()
        stop.set()
        await task
        return row

    status, locked_by, attempts = asyncio.run(main())
    assert seen.get("lease_lost") is True, "the handler's context never learned the lease was lost"
    assert (status, locked_by, attempts) == ("running", "rival", 2), "the lost attempt did not overwrite the rival's"


def test_a_handler_that_raises_cancelled_error_fails_its_attempt_and_the_worker_goes_on(queue_url):
    """CancelledError out of a handler (an inner task it awaited was cancelled) is that
    job's failure, not the worker's: the attempt is recorded as failed and the other
    jobs run (it used to end the job's task with nothing recorded: the job stayed
    'running', its lease extended by every heartbeat)."""
    async def cancelled(payload, ctx):
        inner = asyncio.ensure_future(asyncio.sleep(10))
        inner.cancel()
        await inner  # raises CancelledError into the handler

    async def fine(payload, ctx):
        await asyncio.sleep(0)
        return {"ok": payload["n"]}

    async def main():
        stop = asyncio.Event()
        w = QueueWorker(queue_url, handlers={"cancelled": cancelled, "fine": fine}, concurrency=2, lease=30,
                        poll_interval=0.2)
        task = asyncio.create_task(w.run(stop))
        async with await psycopg.AsyncConnection.connect(queue_url, autocommit=True) as c:
            cur = await c.execute("SELECT public.job_queue_enqueue('cancelled', max_attempts => 1)")
            bad = (await cur.fetchone())[0]
            for n in range(5):
                await c.execute("SELECT public.job_queue_enqueue('fine', jsonb_build_object('n', %s::int))", (n,))
            for _ in range(300):
                cur = await c.execute("SELECT count(*) FROM public.job_queue WHERE status IN ('pending', 'running')")
                if (await cur.fetchone())[0] == 0:
                    break
                await asyncio.sleep(0.05)
            cur = await c.execute("SELECT status, last_error FROM public.job_queue WHERE id = %s", (bad,))
            row = await cur.fetchone()
            cur = await c.execute("SELECT count(*) FROM public.job_queue WHERE task_type = 'fine' AND status = 'succeeded'")
            fine_done = (await cur.fetchone())[0]
        stop.set()
        stats = await task
        return row, fine_done, stats

    (status, error), fine_done, stats = asyncio.run(main())
    assert (status, error) == ("failed", "CancelledError: the handler was cancelled")
    assert fine_done == 5 and stats["failed"] == 1 and stats["succeeded"] == 5


# ---------------------------------------------------------------- chaos: what a fault run found
def _pg_ctl(cluster, *args: str) -> None:
    subprocess.run([str(cluster.base / "pg_ctl"), *args, "-D", str(cluster.base / "data"), "-w",
                    "-l", str(cluster.base / "postgres.log")],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)


def test_a_claim_a_crash_undid_cannot_be_finished_by_its_stale_worker(restart_cluster):
    """An immediate stop between claim and completion: the claim (committed asynchronously,
    as with synchronous_commit = off) is undone, the job is claimed again with the same
    attempt number, and the first claim's late outcome must not land on the second."""
    url = restart_cluster.url()
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("ALTER SYSTEM SET wal_writer_delay = '10s'")  # keep the async commit in memory
        c.execute("SELECT pg_reload_conf()")
    try:
        for _trial in range(5):
            with psycopg.connect(url, autocommit=True) as c:
                c.execute("TRUNCATE public.job_queue, public.job_queue_attempt_log")
                job = c.execute("SELECT public.job_queue_enqueue('crash_probe')").fetchone()[0]
                c.execute("CHECKPOINT")
            stale = psycopg.connect(url, autocommit=True)
            stale.execute("SET synchronous_commit = off")
            lost_token, lost_attempt = stale.execute(
                "SELECT lease_token, attempt FROM public.job_queue_claim(1, 'stale', '1 minute', '{crash_probe}')").fetchone()
            _pg_ctl(restart_cluster, "restart", "-m", "immediate")  # the crash
            stale.close()
            with psycopg.connect(url, autocommit=True) as c:
                if c.execute("SELECT status FROM public.job_queue WHERE id = %s", (job,)).fetchone()[0] == "running":
                    continue  # the claim reached the disk before the crash after all: try again
                token, attempt = c.execute(
                    "SELECT lease_token, attempt FROM public.job_queue_claim(1, 'fresh', '1 minute', '{crash_probe}')").fetchone()
                assert attempt == lost_attempt == 1, "the claim after the crash has the same attempt number"
                assert token != lost_token
                # the stale worker comes back and reports: none of it applies
                assert c.execute("SELECT count(*) FROM public.job_queue_fail(%s, %s, 'late failure')",
                                 (job, lost_token)).fetchone()[0] == 0
                assert not c.execute("SELECT public.job_queue_complete(%s, %s)", (job, lost_token)).fetchone()[0]
                assert c.execute("SELECT count(*) FROM public.job_queue_heartbeat(%s, %s, '1 minute')",
                                 ([job], [lost_token])).fetchone()[0] == 0
                assert not c.execute("SELECT public.job_queue_release(%s, %s)", (job, lost_token)).fetchone()[0]
                assert c.execute("SELECT status, locked_by, last_error FROM public.job_queue WHERE id = %s",
                                 (job,)).fetchone() == ("running", "fresh", None)
                assert c.execute("SELECT public.job_queue_complete(%s, %s)", (job, token)).fetchone()[0]
                assert c.execute("SELECT status, attempts, locked_by FROM public.job_queue WHERE id = %s",
                                 (job,)).fetchone() == ("succeeded", 1, "fresh")
                assert c.execute("SELECT attempt, worker_id, outcome FROM public.job_queue_attempts WHERE job_id = %s",
                                 (job,)).fetchall() == [(1, "fresh", "succeeded")]
            break
        else:
            pytest.fail("in five trials the crash never undid the claim")
    finally:
        with psycopg.connect(url, autocommit=True) as c:
            c.execute("ALTER SYSTEM RESET wal_writer_delay")
            c.execute("SELECT pg_reload_conf()")
            c.execute("TRUNCATE public.job_queue, public.job_queue_attempt_log")


def test_a_worker_isolates_rows_it_cannot_decode_and_survives_infinite_run_at(queue_url):
    """Rows written around enqueue's checks (a payload nested 10,000 deep, run_at infinity):
    the undecodable job fails with a clear error, the other jobs of its batch run, and the
    worker keeps running."""
    seen: list[int] = []

    async def echo(payload, ctx):
        seen.append(payload["n"])
        return {"n": payload["n"]}

    with psycopg.connect(queue_url, autocommit=True) as c:
        deep = c.execute("""INSERT INTO public.job_queue (task_type, payload, max_attempts)
                            VALUES ('echo', ('{"a": ' || repeat('[', 10000) || repeat(']', 10000) || '}')::jsonb, 1)
                            RETURNING id""").fetchone()[0]
        c.execute("""INSERT INTO public.job_queue (task_type, payload, run_at)
                     VALUES ('echo', '{"n": 50}', 'infinity'), ('echo', '{"n": 51}', '-infinity')""")
        c.execute("SELECT count(*) FROM public.job_queue_enqueue_batch(%s)",
                  (Jsonb([{"task_type": "echo", "payload": {"n": i}} for i in range(5)]),))

    async def main():
        stop = asyncio.Event()
        w = QueueWorker(queue_url, handlers={"echo": echo}, concurrency=10, poll_interval=0.2)
        task = asyncio.create_task(w.run(stop))
        for _ in range(600):
            if len(seen) >= 6:
                break
            await asyncio.sleep(0.05)
        async with await psycopg.AsyncConnection.connect(queue_url, autocommit=True) as c:
            await c.execute("SELECT public.job_queue_enqueue('echo', '{\"n\": 99}')")
            for _ in range(600):
                if 99 in seen:
                    break
                await asyncio.sleep(0.05)
        stop.set()
        return await task

    stats = asyncio.run(main())
    assert sorted(seen) == [0, 1, 2, 3, 4, 51, 99], "the rest ran (infinity never is due), and the worker kept running"
    with psycopg.connect(queue_url) as c:
        status, error = c.execute("SELECT status, last_error FROM public.job_queue WHERE id = %s", (deep,)).fetchone()
        assert status == "failed" and error.startswith("payload cannot be decoded: RecursionError")
        assert c.execute("SELECT status FROM public.job_queue WHERE run_at = 'infinity'").fetchone()[0] == "pending"
        assert c.execute("SELECT status FROM public.job_queue WHERE payload = '{\"n\": 51}'").fetchone()[0] == "succeeded"
    assert stats["failed"] == 1 and stats["reconnects"] == 0


def test_a_worker_started_while_the_database_is_down_waits_for_it(restart_cluster, tmp_path):
    url = restart_cluster.url()
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("TRUNCATE public.job_queue, public.job_queue_attempt_log")
    restart_cluster.executor.stop()
    log = tmp_path / "w.log"
    w = start_worker(url, log, "--poll-interval", "0.5")
    try:
        wait_for(lambda: '"db_unavailable"' in log.read_text(), 60, "the worker to notice the database is down")
        assert w.poll() is None, "the worker waits instead of exiting"
        restart_cluster.restart()
        with psycopg.connect(url, autocommit=True) as c:
            c.execute("SELECT count(*) FROM public.job_queue_enqueue_batch(%s)",
                      (Jsonb([{"task_type": "echo", "payload": {"n": i}} for i in range(5)]),))
            wait_for(lambda: c.execute("SELECT count(*) = 5 FROM public.job_queue WHERE status = 'succeeded'").fetchone()[0],
                     60, "the jobs to run once the database is up")
        w.send_signal(signal.SIGTERM)
        assert w.wait(timeout=30) == 0
    finally:
        stop_process(w)
        if not restart_cluster.executor.running():
            restart_cluster.restart()


def test_a_worker_claims_only_its_task_types_and_doctor_names_the_rest(queue_url, tmp_path):
    with psycopg.connect(queue_url, autocommit=True) as c:
        c.execute("DELETE FROM pgcadence.job_queue_workers")
        ok = c.execute("SELECT public.job_queue_enqueue('echo', '{\"n\": 1}')").fetchone()[0]
        other = c.execute("SELECT public.job_queue_enqueue('nobody_runs_this', '{}', priority => 100)").fetchone()[0]
    w = start_worker(queue_url, tmp_path / "w.log", "--poll-interval", "0.2")
    try:
        with psycopg.connect(queue_url, autocommit=True) as c:
            wait_for(lambda: c.execute("SELECT status = 'succeeded' FROM public.job_queue WHERE id = %s",
                                       (ok,)).fetchone()[0], 30, "the echo job")
            assert c.execute("SELECT status, attempts, last_error FROM public.job_queue WHERE id = %s",
                             (other,)).fetchone() == ("pending", 0, None), "a type it has no handler for waits, untouched"
            r = run_cli("doctor", "--database", queue_url)
            assert "WARN  job queue handlers: due jobs no running worker handles: nobody_runs_this (1)" in r.stdout
            assert "1 running worker(s)" in r.stdout
        w.send_signal(signal.SIGTERM)
        assert w.wait(timeout=30) == 0
        with psycopg.connect(queue_url) as c:
            assert c.execute("SELECT count(*) FROM pgcadence.job_queue_workers").fetchone()[0] == 0, \
                "a worker that stops says so"
    finally:
        stop_process(w)


def test_a_heartbeat_does_not_wait_for_a_row_another_transaction_locked(queue_url):
    """A worker's heartbeat and its round trip finishing jobs run on two connections and
    lock several of the same rows, each in its own order: the heartbeat waited, and the two
    deadlocked (a replica test saw it). Now the heartbeat skips a locked row — its lease
    stays as it was this time — and still reports the job held, so the worker does not
    mistake it for lost; the other leases are extended."""
    with psycopg.connect(queue_url, autocommit=True) as c:
        c.execute("SELECT public.job_queue_enqueue_batch(jsonb_agg(jsonb_build_object('task_type', 'hb'))) "
                  "FROM generate_series(1, 3)")
        rows = c.execute("SELECT id, lease_token FROM public.job_queue_claim(3, 'w-hb', '1 minute')").fetchall()
        ids, tokens = [r[0] for r in rows], [r[1] for r in rows]
        with psycopg.connect(queue_url) as holder:  # a transaction holding one job's row
            holder.execute("SELECT 1 FROM public.job_queue WHERE id = %s FOR UPDATE", (ids[1],))
            c.execute("SET lock_timeout = '3s'")  # before: LockNotAvailable after 3 s
            held = {r[0] for r in c.execute("SELECT * FROM public.job_queue_heartbeat(%s, %s, '5 minutes')",
                                            (ids, tokens))}
            holder.rollback()
        assert held == set(ids)
        left = dict(c.execute("SELECT id, round(extract(epoch FROM locked_until - now())) FROM public.job_queue "
                              "WHERE id = ANY (%s)", (ids,)).fetchall())
        assert 290 <= left[ids[0]] <= 300 and 290 <= left[ids[2]] <= 300, left
        assert 50 <= left[ids[1]] <= 60, left
        # a job that is no longer held is not reported, locked or not
        c.execute("SELECT public.job_queue_complete_batch(%s, %s::bigint[])", ([ids[0]], [tokens[0]]))
        assert {r[0] for r in c.execute("SELECT * FROM public.job_queue_heartbeat(%s, %s, '5 minutes')",
                                        (ids, [tokens[0], 1, tokens[2]]))} == {ids[2]}


def test_the_worker_retries_what_the_database_rolled_back_to_resolve_a_conflict():
    """A deadlock or a serialization failure rolls the worker's statement (one transaction)
    back and is worth retrying, as are a server going away and running out of connection
    slots; a wrong password or a missing database is not. A deadlock ended a replica's
    worker with "cannot connect to the database" before."""
    from pgcadence.queue.worker import retryable_error
    retry = [psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure, psycopg.errors.TooManyConnections,
             psycopg.errors.AdminShutdown, psycopg.errors.CannotConnectNow]
    give_up = [psycopg.errors.InvalidPassword, psycopg.errors.InvalidCatalogName]
    assert [retryable_error(cls("x")) for cls in retry] == [True] * len(retry)
    assert [retryable_error(cls("x")) for cls in give_up] == [False] * len(give_up)


def test_a_statement_error_that_is_not_about_connecting_is_not_called_one():
    """An error the server raised for a statement and that retrying does not fix ends the
    worker with the server's message, not with "cannot connect to the database" and the
    last line of its context (what a deadlock printed before it was retried)."""
    from pgcadence.errors import CadenceError

    async def refused():
        raise psycopg.errors.ProgramLimitExceeded("index row size 9000 exceeds maximum 2712\nCONTEXT:  PL/pgSQL function f")

    async def no_password():
        raise psycopg.errors.InvalidPassword('password authentication failed for user "x"')

    w = QueueWorker("postgresql://127.0.0.1:1/none", handlers={})
    with pytest.raises(CadenceError) as caught:
        asyncio.run(w._retrying("step", refused))
    assert str(caught.value) == ("the database refused the worker's step: index row size 9000 exceeds maximum 2712 "
                                 "(SQLSTATE 54000)")
    with pytest.raises(CadenceError, match='^cannot connect to the database: password authentication failed'):
        asyncio.run(w._retrying("step", no_password))


def test_the_worker_runs_on_uvloop_unless_told_otherwise(queue_url, tmp_path):
    """uvloop is a dependency and the worker's default loop; --event-loop asyncio (or
    $PGCADENCE_EVENT_LOOP) picks asyncio's. On either a job runs, the start line names the
    loop and SIGTERM stops the worker cleanly; an unknown loop is refused before anything
    starts."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k not in ("DATABASE_URL", "PGCADENCE_EVENT_LOOP")}
    for n, (extra, more_env, want) in enumerate([((), {}, "uvloop"), (("--event-loop", "asyncio"), {}, "asyncio"),
                                                 ((), {"PGCADENCE_EVENT_LOOP": "asyncio"}, "asyncio")]):
        log = tmp_path / f"w{n}.log"
        with psycopg.connect(queue_url, autocommit=True) as c:
            job = c.execute("SELECT public.job_queue_enqueue('echo', %s)", (Jsonb({"n": n}),)).fetchone()[0]
        w = subprocess.Popen([sys.executable, "-m", "pgcadence", "worker", "-d", queue_url, "-m", "tests.queue_handlers",
                              "--poll-interval", "0.2", *extra], cwd=ROOT, env={**env, **more_env},
                             stdout=subprocess.DEVNULL, stderr=log.open("w"))
        try:
            with psycopg.connect(queue_url, autocommit=True) as c:
                wait_for(lambda: c.execute("SELECT status = 'succeeded' FROM public.job_queue WHERE id = %s",
                                           (job,)).fetchone()[0], 30, f"the job on {want}")
            w.send_signal(signal.SIGTERM)
            assert w.wait(timeout=30) == 0
        finally:
            stop_process(w)
        lines = [json.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]
        (start,) = [x for x in lines if x["event"] == "worker_start"]
        assert start["event_loop"] == want, start
        assert [x["outcome"] for x in lines if x["event"] == "job"] == ["succeeded"]
    r = run_cli("worker", "--database", queue_url, "--event-loop", "trio")
    assert r.returncode == 2 and "Invalid value for '--event-loop'" in r.stderr and "Traceback" not in r.stderr


def test_a_worker_pointed_at_a_missing_database_or_queue_says_so(queue_url):
    """Waiting helps a database that is down, not one that does not exist or has no queue."""
    base = queue_url.rsplit("/", 1)[0]
    r = run_cli("worker", "--database", f"{base}/no_such_database")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith("pgcadence: error: cannot connect to the database")
    assert 'database "no_such_database" does not exist' in r.stderr
    r = run_cli("worker", "--database", f"{base}/postgres")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "the job queue is not installed in this database" in r.stderr.strip().splitlines()[-1]
