"""The hybrid cache (docs/requirements.md, "Persistent cache"): fallback, integrity, concurrency, migration,
smart refresh, restart, queued writes. Real PostgreSQL throughout; no mocks."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import sys
import threading
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from pgcadence import cache as cache_mod, migrate
from pgcadence.cache.fileformat import FILE_FORMAT, read_file, utcnow
from pgcadence.cache.tiered import CacheUnavailable, TieredCache
from tests.cluster import start_cluster
from tests.conftest import ROOT, run_cli

CLOSED = "postgresql://postgres@127.0.0.1:1/pgcadence"  # nothing listens on port 1


def _project() -> str:
    return "t" + uuid.uuid4().hex[:10]


def _db_row(url, project, cache_type="strava"):
    with psycopg.connect(url) as c:
        return c.execute("select data, last_fetch, data_size from public.cache_get(%s, %s)",
                         (project, cache_type)).fetchone()


class Counter:
    """A fetcher that counts its calls and can be held until released."""

    def __init__(self, hold: threading.Event | None = None, fail: bool = False):
        self.calls = 0
        self.lock = threading.Lock()
        self.hold = hold
        self.fail = fail

    def __call__(self):
        with self.lock:
            self.calls += 1
            n = self.calls
        if self.hold is not None:
            assert self.hold.wait(30)
        if self.fail:
            raise RuntimeError("upstream API down")
        return {"fetched": n, "activities": [{"id": i} for i in range(50)]}


@pytest.fixture
def make(tmp_path, migrated_url):
    made = []

    def _make(project=None, fetcher=None, **kw):
        kw.setdefault("dsn", migrated_url)
        kw.setdefault("file_path", tmp_path / f"{project}.json")
        kw.setdefault("retry_base", 0.05)
        kw.setdefault("retry_cap", 0.5)
        c = TieredCache(project, "strava", fetcher, **kw)
        made.append(c)
        return c

    yield _make
    for c in made:
        c.close(timeout=5)
    with psycopg.connect(migrated_url, autocommit=True) as conn:  # leave no cache for pg_cron to refresh
        for project in {c.project for c in made if c.db_enabled and c._db.dsn == migrated_url}:
            conn.execute("select public.cache_purge(%s)", (project,))


# ------------------------------------------------------------------ basic flow
def test_save_goes_to_every_tier_and_reads_come_back_in_order(make, migrated_url):
    p = _project()
    c = make(p, Counter())
    doc = {"activities": [1, 2, 3], "total": 3}
    c.put(doc)
    assert c.flush(10)
    data, last_fetch, size = _db_row(migrated_url, p)
    assert data == doc and last_fetch.tzinfo is not None and size == len(json.dumps(doc))
    assert read_file(c.file_path).data == doc
    assert c.get() == doc and c.stats()["memory"]["hits"] >= 1

    # a second process-like instance: memory empty → file
    c2 = make(p, Counter(fail=True))
    assert c2.get() == doc
    s = c2.stats()
    assert s["file"]["hits"] == 1 and s["db"]["hits"] == 0 and s["fetch"]["hits"] == 0

    # file gone → PostgreSQL, and the file is repopulated
    os.unlink(c.file_path)
    c3 = make(p, Counter(fail=True))
    assert c3.get() == doc
    assert c3.stats()["db"]["hits"] == 1
    assert read_file(c.file_path).data == doc


def test_invalid_data_is_refused_and_nothing_is_written(make, migrated_url):
    p = _project()
    c = make(p, None, max_bytes=1000)
    for bad in ([1, 2], "text", {"x": float("nan")}, {"x": object()}, {"big": "x" * 2000}):
        with pytest.raises(ValueError):
            c.put(bad)
    assert c.flush(5)
    assert not c.file_path.exists()
    assert _db_row(migrated_url, p) is None
    with pytest.raises(CacheUnavailable):
        c.get()
    assert c.get(default={"empty": True}) == {"empty": True}


def test_database_refuses_oversized_data_with_a_clear_error(conn):
    conn.execute("update pgcadence.cache_settings set max_data_bytes = 100")
    with pytest.raises(psycopg.errors.ProgramLimitExceeded, match=r"over the limit of 100 bytes"):
        conn.execute("select public.cache_put('bigproj', 'strava', %s::jsonb)", (json.dumps({"x": "y" * 200}),))


# ------------------------------------------------------------------ fallback
def test_fallback_when_postgresql_is_unreachable(tmp_path):
    """Closed port: reads from memory and file, emergency fetch, no exception reaches the caller."""
    f = tmp_path / "down.json"
    fetch = Counter()
    c = TieredCache("downproj", "strava", fetch, file_path=f, dsn=CLOSED, retry_base=0.05, retry_cap=0.2)
    try:
        assert c.start() is None                     # nothing anywhere, DB down: no exception
        first = c.get()                              # emergency refresh through the fetcher
        assert first["fetched"] == 1 and fetch.calls == 1
        c.put({"v": 2})
        assert c.get() == {"v": 2}
        assert c.pending_writes() == 1               # waiting for PostgreSQL
        assert c.stats()["db"]["errors"] >= 1
    finally:
        assert c.close(timeout=0.5) is False         # could not reach PostgreSQL; data kept in the file
    c2 = TieredCache("downproj", "strava", Counter(fail=True), file_path=f, dsn=CLOSED)
    try:
        assert c2.get() == {"v": 2}                  # served from the file
    finally:
        c2.close(timeout=0.2)


def test_feature_flag_turns_the_database_tier_off(tmp_path, migrated_url, monkeypatch):
    monkeypatch.setenv("PGCADENCE_CACHE_DB", "off")
    p = _project()
    c = TieredCache(p, "strava", Counter(), file_path=tmp_path / "f.json", dsn=migrated_url)
    try:
        assert c.db_enabled is False
        c.put({"only": "local"})
        assert c.flush(1) and c.get() == {"only": "local"}
    finally:
        c.close()
    assert _db_row(migrated_url, p) is None


@pytest.fixture(scope="module")
def own_cluster():
    cl = start_cluster()
    migrate.apply(cl.url(), progress=lambda m: None)
    yield cl
    cl.stop()


def test_writes_queued_while_postgresql_is_down_are_written_when_it_comes_back(own_cluster, tmp_path):
    url = own_cluster.url()
    p = _project()
    c = TieredCache(p, "strava", Counter(fail=True), file_path=tmp_path / "q.json", dsn=url,
                    retry_base=0.05, retry_cap=0.3)
    try:
        c.put({"v": 1})
        assert c.flush(10) and _db_row(url, p)[0] == {"v": 1}
        own_cluster.executor.stop()
        try:
            for v in (2, 3, 4):                      # written while down: no exception
                c.put({"v": v})
            assert c.get() == {"v": 4}
            assert not c.flush(0.5) and c.pending_writes() == 1  # superseded versions coalesce
            fresh = TieredCache(p, "strava", Counter(fail=True), file_path=c.file_path, dsn=url)
            assert fresh.get() == {"v": 4}           # another reader: the file serves it
            fresh.close(timeout=0.1)
        finally:
            own_cluster.restart()
        assert c.flush(30), "the queued write must reach PostgreSQL once it is back"
        assert _db_row(url, p)[0] == {"v": 4}
    finally:
        c.close()


# ------------------------------------------------------------------ integrity
def _rewrite(path: Path, mutate) -> None:
    raw = path.read_bytes()
    path.write_bytes(mutate(raw))


@pytest.mark.parametrize("damage", ["flipped_byte", "truncated", "invalid_json_with_valid_hash", "garbage", "other_cache"])
def test_damaged_file_is_detected_skipped_and_repaired(make, migrated_url, damage):
    p = _project()
    good = {"activities": list(range(100)), "name": "ok"}
    c = make(p, Counter(fail=True))
    c.put(good)
    assert c.flush(10)
    path = c.file_path
    if damage == "flipped_byte":
        _rewrite(path, lambda raw: raw.replace(b"[0,1,2", b"[0,7,2"))
    elif damage == "truncated":
        _rewrite(path, lambda raw: raw[: len(raw) // 2])
    elif damage == "invalid_json_with_valid_hash":
        bad = b'{"activities": [1, 2,'
        header = {"format": FILE_FORMAT, "project": p, "cache_type": "strava", "last_fetch": utcnow().isoformat(),
                  "length": len(bad), "sha256": hashlib.sha256(bad).hexdigest()}
        path.write_bytes(b'{"envelope":' + json.dumps(header).encode() + b',"payload":\n' + bad + b"\n}\n")
    elif damage == "garbage":
        path.write_bytes(os.urandom(300))
    else:
        c_other = make(_project(), None, file_path=path)
        c_other.put({"someone": "else"})
    assert path.read_bytes() != b""
    reader = make(p, Counter(fail=True))
    assert reader.get() == good                      # skipped the file, served by PostgreSQL
    s = reader.stats()
    assert s["file"]["errors"] == 1 and s["file"]["hits"] == 0 and s["db"]["hits"] == 1
    assert read_file(path).data == good              # the file was repaired from PostgreSQL


def test_damaged_file_and_no_database_falls_back_to_the_fetcher(tmp_path):
    f = tmp_path / "x.json"
    f.write_text('{"envelope": {"format": "pgcadence-cache/1"}, "payload":\n{"a": 1')
    fetch = Counter()
    c = TieredCache("nodb", "strava", fetch, file_path=f, db=False)
    assert c.get()["fetched"] == 1 and fetch.calls == 1
    assert read_file(f).data["fetched"] == 1
    c.close()


# ------------------------------------------------------------------ concurrency
def test_16_threads_reading_and_writing_never_see_a_torn_document(make, migrated_url):
    p = _project()
    writer_cache = make(p, None, memory_ttl=0.001)    # memory expires at once: reads hit the file too
    reader_cache = make(p, None, memory_ttl=0.001, db=False, file_path=writer_cache.file_path)
    writer_cache.put({"version": 0, "items": [0] * 2000, "check": 0})
    errors: list[str] = []
    barrier = threading.Barrier(16)
    rounds = 60

    def check(doc):
        v = doc["version"]
        if doc["check"] != v or len(doc["items"]) != 2000 or any(x != v for x in doc["items"]):
            errors.append(f"torn document at version {v}")

    def writer(k):
        barrier.wait()
        for i in range(rounds):
            v = k * 1000 + i
            writer_cache.put({"version": v, "items": [v] * 2000, "check": v})

    def reader(k):
        barrier.wait()
        for i in range(rounds * 3):
            try:
                check((writer_cache if k % 2 else reader_cache).get())
            except Exception as exc:  # noqa: BLE001 - any failure is what we look for
                errors.append(repr(exc))

    threads = [threading.Thread(target=writer if k < 4 else reader, args=(k,)) for k in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors[:5]
    assert writer_cache.flush(20)
    last = writer_cache.get()
    check(last)
    assert _db_row(migrated_url, p)[0]["version"] == last["version"]
    assert read_file(writer_cache.file_path).data["version"] == last["version"]


# Tests that leave a cache due for refresh use the module's own cluster: the session
# database's pg_cron would otherwise enqueue cache_refresh jobs other areas' tests could see.
@pytest.fixture
def own_url(own_cluster) -> str:
    return own_cluster.url()


def test_a_stale_cache_is_refreshed_exactly_once_with_16_callers(make, own_url):
    migrated_url = own_url
    p = _project()
    old = utcnow() - timedelta(days=2)
    seed = make(p, None, max_age=timedelta(hours=6), dsn=own_url)
    seed.put({"fetched": 0}, last_fetch=old)
    assert seed.flush(10)
    with psycopg.connect(migrated_url) as c:
        assert c.execute("select public.cache_due_for_refresh(%s, 'strava')", (p,)).fetchone()[0] is True

    release = threading.Event()
    fetch = Counter(hold=release)
    c = make(p, fetch, max_age=timedelta(hours=6), file_path=seed.file_path, dsn=own_url)
    barrier = threading.Barrier(17)
    results = []

    def call():
        barrier.wait()
        results.append(c.get())

    threads = [threading.Thread(target=call) for _ in range(16)]
    for t in threads:
        t.start()
    barrier.wait()
    release.set()
    for t in threads:
        t.join(60)
    assert fetch.calls == 1
    assert len(results) == 16 and all(r["fetched"] == 1 for r in results)
    assert c.flush(10)
    with psycopg.connect(migrated_url) as conn:
        assert conn.execute("select public.cache_due_for_refresh(%s, 'strava')", (p,)).fetchone()[0] is False


def test_asyncio_callers_share_one_refresh(make):
    p = _project()
    release = threading.Event()
    fetch = Counter(hold=release)
    c = make(p, fetch)

    async def main():
        tasks = [asyncio.create_task(c.aget()) for _ in range(16)]
        await asyncio.sleep(0)
        release.set()
        return await asyncio.gather(*tasks)

    results = asyncio.run(main())
    assert fetch.calls == 1 and all(r["fetched"] == 1 for r in results)
    assert asyncio.run(c.aget())["fetched"] == 1


def test_failed_refresh_serves_the_stale_copy(make, own_url):
    p = _project()
    c = make(p, Counter(fail=True), max_age=60, dsn=own_url)
    c.put({"old": True}, last_fetch=utcnow() - timedelta(hours=1))
    assert c.flush(10) and c.due_for_refresh() is True  # PostgreSQL says it is due
    c2 = make(p, Counter(fail=True), max_age=60, file_path=c.file_path, dsn=own_url)
    assert c2.get() == {"old": True}
    assert c2.stats()["fetch"]["errors"] == 1


def test_postgresql_decides_what_is_due_not_the_runner(make, own_url):
    """The same copy is due or not as the database's rule says (its max_age, else the
    stored one); while nobody can be asked, the copy held is served as it is."""
    p = _project()
    seed = make(p, None, dsn=own_url)
    seed.put({"v": 1}, last_fetch=utcnow() - timedelta(minutes=30))
    assert seed.flush(10)
    fetch = Counter()
    lenient = make(p, fetch, max_age=timedelta(hours=1), file_path=seed.file_path, dsn=own_url)
    assert lenient.get() == {"v": 1} and fetch.calls == 0
    strict = make(p, fetch, max_age=timedelta(minutes=15), file_path=seed.file_path, dsn=own_url)
    assert strict.get()["fetched"] == 1 and fetch.calls == 1
    # the fetched copy reaches PostgreSQL behind the caller's back: let it land before the
    # row is made old below, or it lands after and makes it fresh (failed once in CI)
    assert strict.flush(10)
    with psycopg.connect(own_url, autocommit=True) as conn:  # the stored rule, for a cache without its own max_age
        conn.execute("select public.cache_set_max_age(%s, 'strava', interval '1 minute')", (p,))
        conn.execute("update public.cache_storage c set last_fetch = now() - interval '1 hour' from public.projects pr"
                     " where pr.id = c.project_id and pr.project_name = %s", (p,))
    plain = make(p, fetch, file_path=seed.file_path.with_name("plain.json"), dsn=own_url)
    assert plain.get()["fetched"] == 2 and fetch.calls == 2
    offline = make(p, Counter(fail=True), max_age=timedelta(seconds=1), file_path=seed.file_path, db=False)
    assert offline.get()["fetched"] == 1 and offline.stats()["fetch"]["errors"] == 0  # no database to ask: not due


# ------------------------------------------------------------------ startup and migration
def test_startup_loads_postgresql_populates_the_file_and_refreshes_when_stale(make, own_url, tmp_path):
    migrated_url = own_url
    p = _project()
    writer = make(p, None, file_path=tmp_path / "writer.json", dsn=own_url)
    writer.put({"fetched": 0}, last_fetch=utcnow() - timedelta(minutes=30))
    assert writer.flush(10)

    fresh_file = tmp_path / "restarted.json"
    fetch = Counter()
    c = make(p, fetch, file_path=fresh_file, max_age=timedelta(hours=1), dsn=own_url)
    assert c.start().data == {"fetched": 0}          # not stale: no fetch
    assert fetch.calls == 0 and read_file(fresh_file).data == {"fetched": 0}

    stale = make(p, fetch, file_path=tmp_path / "stale.json", max_age=timedelta(minutes=15), dsn=own_url)
    assert stale.start().data["fetched"] == 1        # stale: refreshed at once
    assert fetch.calls == 1
    assert stale.flush(10) and _db_row(migrated_url, p)[0]["fetched"] == 1


def test_existing_json_file_is_migrated_into_postgresql(make, migrated_url, tmp_path):
    p = _project()
    legacy = tmp_path / "strava_cache.json"
    legacy.write_text(json.dumps({"timestamp": "2026-01-01T00:00:00", "activities": [{"id": 7}],
                                  "last_fetch": "2026-11-01T10:00:00+00:00"}))
    c = make(p, Counter(fail=True), file_path=legacy)
    entry = c.start(refresh_if_stale=False)
    assert entry.data["activities"] == [{"id": 7}]
    assert c.flush(10)
    data, last_fetch, _ = _db_row(migrated_url, p)
    assert data["activities"] == [{"id": 7}] and last_fetch.isoformat().startswith("2026-11-01T10:00:00")
    assert read_file(legacy).data == data            # rewritten as a verified cache file

    # the CLI does the same for a file kept elsewhere
    other = tmp_path / "fundraising_cache.json"
    other.write_text(json.dumps({"total_raised": 1234}))
    r = run_cli("cache", "import", p, "fundraising", str(other), "--database", migrated_url)
    assert r.returncode == 0, r.stderr
    assert _db_row(migrated_url, p, "fundraising")[0] == {"total_raised": 1234}
    r = run_cli("cache", "import", p, "fundraising", str(legacy.parent / "missing.json"), "--database", migrated_url)
    assert r.returncode == 2


RESTART_SCRIPT = """
import json, sys
from pgcadence.cache.tiered import TieredCache
mode, url, path, project = sys.argv[1:5]
def fetcher():
    raise RuntimeError("no upstream in this process")
c = TieredCache(project, "strava", fetcher, file_path=path, dsn=url)
if mode == "write":
    c.put({"written_by": "first process", "n": 42})
    # no flush: close() at interpreter exit must push the write to PostgreSQL
else:
    c.start(refresh_if_stale=False)
    print(json.dumps(c.get()))
"""


def test_data_written_before_a_restart_is_read_after_it(migrated_url, tmp_path):
    p = _project()
    path = tmp_path / "restart.json"

    def run(mode, file):
        r = subprocess.run([sys.executable, "-c", RESTART_SCRIPT, mode, migrated_url, str(file), p],
                           capture_output=True, text=True, cwd=ROOT, timeout=60)
        assert r.returncode == 0, r.stderr
        return r.stdout

    run("write", path)
    assert json.loads(run("read", path)) == {"written_by": "first process", "n": 42}
    assert _db_row(migrated_url, p)[0] == {"written_by": "first process", "n": 42}
    # a restart on a fresh machine (no file): PostgreSQL has it
    assert json.loads(run("read", tmp_path / "new-disk.json")) == {"written_by": "first process", "n": 42}


# ------------------------------------------------------------------ stats and CLI
def test_stats_are_persisted_and_the_cli_shows_them(make, migrated_url):
    p = _project()
    c = make(p, Counter())
    c.get()          # miss → fetch
    for _ in range(300):
        c.get()      # memory hits
    c.close()
    r = run_cli("cache", "stats", "--json", "--database", migrated_url)
    assert r.returncode == 0, r.stderr
    rows = {t["tier"]: t for t in json.loads(r.stdout)["tiers"] if t["project"] == p}
    assert rows["memory"]["hits"] >= 300 and rows["fetch"]["hits"] == 1 and rows["memory"]["latency_mean_us"] > 0
    r = run_cli("cache", "stats", "--database", migrated_url)
    assert r.returncode == 0 and p in r.stdout and "memory" in r.stdout

    r = run_cli("cache", "ls", "--database", migrated_url)
    assert r.returncode == 0 and p in r.stdout
    r = run_cli("cache", "get", p, "strava", "--database", migrated_url)
    assert r.returncode == 0 and json.loads(r.stdout)["fetched"] == 1
    r = run_cli("cache", "get", p, "nope", "--database", migrated_url)
    assert r.returncode == 1 and r.stderr.strip().count("\n") == 0 and "no cache" in r.stderr
    r = run_cli("cache", "purge", p, "strava", "--yes", "--database", migrated_url)
    assert r.returncode == 0 and "1 cache(s) deleted" in r.stdout
    assert _db_row(migrated_url, p) is None


@pytest.mark.parametrize("verb", ["ls", "get", "purge", "stats", "import"])
def test_cache_verbs_have_help(verb):
    from click.testing import CliRunner

    from pgcadence.cli import cli

    r = CliRunner().invoke(cli, ["cache", verb, "--help"], prog_name="pgcadence")
    assert r.exit_code == 0 and f"Usage: pgcadence cache {verb}" in r.output and len(r.output.splitlines()) > 3


# ------------------------------------------------------------------ refresh timing in the database
def test_pg_cron_scheduler_enqueues_one_refresh_per_due_cache_and_the_handler_rebuilds_it(own_cluster, tmp_path):
    """The job pg_cron runs every minute (called directly here), the queue's dedupe, and the
    registered cache_refresh handler run by the real queue code (process_due)."""
    from pgcadence.queue import process_due, registered_handlers

    url = own_cluster.url()
    due, fresh, orphan = _project(), _project(), _project()
    made = []

    def make(p, fetcher, **kw):
        c = TieredCache(p, "strava", fetcher, dsn=url, file_path=tmp_path / f"{p}.json", **kw)
        made.append(c)
        return c

    with psycopg.connect(url, autocommit=True) as conn:  # this cluster is ours: start from an empty store and queue
        conn.execute("select public.cache_purge()")
        # no other standing job may enqueue while this test runs its own queue (e.g. the half-hourly
        # game platform sync): process_due below must see the cache jobs only
        conn.execute("update cron.job set active = false where database = current_database() and active")
        conn.execute("delete from public.job_queue")
    try:
        make(due, None, max_age=timedelta(minutes=15)).put({"fetched": 0}, last_fetch=utcnow() - timedelta(hours=1))
        make(fresh, None, max_age=timedelta(hours=6)).put({"fetched": 0})
        make(orphan, None, max_age=timedelta(minutes=15)).put({"fetched": 0}, last_fetch=utcnow() - timedelta(hours=1))
        for c in made:
            assert c.flush(10)
        made.pop().close()  # nobody in this process can rebuild `orphan`

        with psycopg.connect(url, autocommit=True) as conn:
            # (a pg_cron tick may have got there first: the jobs below are what counts)
            assert conn.execute("select pgcadence.cache_enqueue_due_refreshes()").fetchone()[0] in (0, 1, 2)
            assert conn.execute("select pgcadence.cache_enqueue_due_refreshes()").fetchone()[0] == 0  # one at a time
            jobs = conn.execute("select payload->>'project' from public.job_queue where task_type = 'cache_refresh'"
                                " and status = 'pending'").fetchall()
            assert sorted(j[0] for j in jobs) == sorted([due, orphan])
            assert conn.execute("select refresh_enqueued_at is not null from public.cache_storage c join public.projects p"
                                " on p.id = c.project_id where p.project_name = %s", (due,)).fetchone()[0]

        fetch = Counter()
        worker_side = make(due, fetch, max_age=timedelta(minutes=15))  # the process holding the fetcher

        async def run():
            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as aconn:
                return await process_due(aconn, 10, handlers=registered_handlers())

        report = asyncio.run(run())
        by_project = {r["result"]["project"] if "result" in r else "?": r for r in report["results"]}
        assert report["processed"] == 2 and report["succeeded"] == 1 and report["failed"] == 1, report
        assert by_project[due]["outcome"] == "succeeded" and fetch.calls == 1
        failed = [r for r in report["results"] if r["outcome"] != "succeeded"][0]
        assert "no fetcher for cache " + orphan in failed["error"]

        row = _db_row(url, due)
        assert row[0]["fetched"] == 1 and utcnow() - row[1] < timedelta(minutes=5)
        with psycopg.connect(url, autocommit=True) as conn:
            assert conn.execute("select public.cache_due_for_refresh(%s, 'strava')", (due,)).fetchone()[0] is False
            assert conn.execute("select pgcadence.cache_enqueue_due_refreshes()").fetchone()[0] == 0  # orphan still live

        # a worker process that registers a fetcher (no TieredCache open) rebuilds the orphan on retry
        cache_mod.register_fetcher(orphan, "strava", lambda: {"fetched": "by worker"}, dsn=url,
                                   file_path=tmp_path / "orphan-worker.json")
        assert cache_mod.refresh_job({"project": orphan, "cache_type": "strava"}, None)["project"] == orphan
        assert _db_row(url, orphan)[0] == {"fetched": "by worker"}
        assert worker_side.due_for_refresh() is False
        assert cache_mod.refresh_job({"project": due, "cache_type": "strava"}, None)["skipped"] == "not due any more"
    finally:
        for c in made:
            c.close()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("update cron.job set active = true where database = current_database()")


def test_startup_keeps_a_local_write_newer_than_postgresql(make, migrated_url, tmp_path):
    """A write that only reached the file (PostgreSQL down, then the process stopped) wins at
    the next startup: it is written to PostgreSQL instead of being overwritten by the older copy."""
    p = _project()
    path = tmp_path / "local.json"
    online = make(p, None, file_path=tmp_path / "other.json")
    online.put({"v": "old"}, last_fetch=utcnow() - timedelta(minutes=10))
    assert online.flush(10)
    offline = TieredCache(p, "strava", None, file_path=path, dsn=CLOSED, retry_base=0.05, retry_cap=0.1)
    offline.put({"v": "new, never reached PostgreSQL"})
    offline.close(timeout=0.2)

    restarted = make(p, Counter(fail=True), file_path=path)
    assert restarted.start().data == {"v": "new, never reached PostgreSQL"}
    assert restarted.flush(10)
    assert _db_row(migrated_url, p)[0] == {"v": "new, never reached PostgreSQL"}


def test_feature_flags_emergency_refresh_and_background_retry(tmp_path, monkeypatch, own_url):
    """(A due cache: on the module's own cluster, see own_url.)"""
    monkeypatch.setenv("PGCADENCE_CACHE_EMERGENCY_REFRESH", "off")
    fetch = Counter()
    c = TieredCache(_project(), "strava", fetch, file_path=tmp_path / "e.json", dsn=own_url)
    assert c.emergency_refresh is False
    assert c.get(default={"placeholder": True}) == {"placeholder": True} and fetch.calls == 0
    c.put({"v": 1}, last_fetch=utcnow() - timedelta(days=1))
    assert c.flush(10)
    c.max_age = timedelta(hours=1)
    c._mem.clear()
    assert c.get()["fetched"] == 1 and fetch.calls == 1  # a due copy is still refreshed
    c.close()
    with psycopg.connect(own_url, autocommit=True) as conn:
        conn.execute("select public.cache_purge(%s)", (c.project,))

    monkeypatch.setenv("PGCADENCE_CACHE_BACKGROUND_RETRY", "off")
    d = TieredCache("flags", "strava", None, file_path=tmp_path / "r.json", dsn=CLOSED)
    d.put({"v": 2})
    assert d.flush(10) and d.pending_writes() == 0 and d.db_dropped == 1  # tried once, not retried
    assert d.get() == {"v": 2} and read_file(d.file_path).data == {"v": 2}
    d.close()
