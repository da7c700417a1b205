"""Job queue benchmark, SQL only: claim + complete throughput of the SQL functions driven by
bare loops (no worker, no handler dispatch), sustained rate, claim latency at depth; and
enqueue → handler-start latency through the worker. Not part of `make test`. The worker
as users run it is compared with its peers in bench/worker_bench.py.

    .venv/bin/python -m bench.queue_bench                 # everything, throwaway cluster (fsync on)
    .venv/bin/python -m bench.queue_bench --only throughput --seconds 10
    .venv/bin/python -m bench.queue_bench --database URL  # an existing, migrated database (it is TRUNCATEd!)

Workers are separate processes, each with one connection, running the loop a real
worker runs: ``job_queue_claim(batch)`` then one ``job_queue_complete_batch`` for the
batch (no-op handler). "raw" is the same loop on a bare table with hand-written SQL
(SELECT … FOR UPDATE SKIP LOCKED LIMIT n / UPDATE … WHERE id = ANY): the floor this
package's functions are compared against, measured in the same run on the same cluster.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import statistics
import sys
import threading
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_OPTIONS = (
    "-c shared_preload_libraries=pg_cron -c cron.database_name=pgcadence -c cron.use_background_workers=on "
    "-c max_connections=100 -c listen_addresses=127.0.0.1 -c shared_buffers=512MB -c max_wal_size=4GB -c fsync=on "
    "-c autovacuum_naptime=10s"
)  # fsync on (pytest-postgresql starts postgres with -F), synchronous_commit on

RAW_SETUP = """
DROP TABLE IF EXISTS bench_raw;
CREATE TABLE bench_raw (id bigserial PRIMARY KEY, status text NOT NULL DEFAULT 'pending',
                        payload jsonb NOT NULL DEFAULT '{}', locked_by text, updated_at timestamptz);
CREATE INDEX bench_raw_pending ON bench_raw (id) WHERE status = 'pending';
"""
RAW_CLAIM = """WITH c AS (SELECT id FROM bench_raw WHERE status = 'pending' ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)
               UPDATE bench_raw r SET status = 'running', locked_by = %s, updated_at = now() FROM c WHERE r.id = c.id
               RETURNING r.id"""
RAW_DONE = "UPDATE bench_raw SET status = 'done', updated_at = now() WHERE id = ANY(%s)"
CLAIM = "SELECT id, lease_token FROM public.job_queue_claim(%s, %s, '5 minutes')"
DONE = "SELECT count(*) FROM public.job_queue_complete_batch(%s::uuid[], %s::bigint[])"
DONE_AND_CLAIM = """SELECT id, lease_token FROM public.job_queue_complete_and_claim(%s::uuid[], %s::bigint[], NULL, %s, %s,
                    '5 minutes') WHERE kind = 'job'"""
MODES = {"pgc": "SQL only: claim + complete", "pgc1": "SQL only: complete_and_claim", "raw": "SQL only: raw floor"}


def fill(url: str, pending: int, finished: int = 0, raw: bool = False) -> None:
    with psycopg.connect(url, autocommit=True) as c:
        if raw:
            c.execute(RAW_SETUP)
            c.execute("INSERT INTO bench_raw (payload) SELECT '{}' FROM generate_series(1, %s)", (pending,))
            c.execute("VACUUM ANALYZE bench_raw")
            return
        c.execute("TRUNCATE public.job_queue, public.job_queue_attempt_log")
        c.execute("UPDATE pgcadence.job_queue_settings SET paused = false")
        step = 250_000
        for start in range(0, finished, step):
            c.execute("""INSERT INTO public.job_queue (task_type, status, attempts, started_at, finished_at, run_at)
                         SELECT 'bench', 'succeeded', 1, now(), now(), now() - interval '2 hours'
                         FROM generate_series(1, %s)""", (min(step, finished - start),))
        for start in range(0, pending, step):
            # distinct run_at in the past, in enqueue order, as a steady producer leaves them
            c.execute("""INSERT INTO public.job_queue (task_type, run_at)
                         SELECT 'bench', now() - interval '1 hour' + (g + %s) * interval '1 microsecond'
                         FROM generate_series(1, %s) g""", (start, min(step, pending - start)))
        c.execute("VACUUM ANALYZE public.job_queue")
        c.execute("VACUUM ANALYZE public.job_queue_attempt_log")


def _worker(url: str, wid: str, batch: int, t_start: float, t_end: float, mode: str, out: mp.Queue) -> None:
    buckets: dict[int, int] = {}
    lat: list[float] = []
    prev: list = []
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("SELECT 1")
        while time.time() < t_start:
            time.sleep(0.001)
        while True:
            if time.time() >= t_end:
                break
            t0 = time.perf_counter()
            if mode == "raw":
                rows = [(r[0], None) for r in c.execute(RAW_CLAIM, (batch, wid)).fetchall()]
            elif mode == "pgc":
                rows = c.execute(CLAIM, (batch, wid)).fetchall()
            else:  # pgc1: the previous batch is completed by the same call
                rows = c.execute(DONE_AND_CLAIM, ([r[0] for r in prev], [r[1] for r in prev], batch, wid)).fetchall()
                if prev:
                    sec = int(time.time() - t_start)
                    buckets[sec] = buckets.get(sec, 0) + len(prev)
                prev = rows
            lat.append(time.perf_counter() - t0)
            if not rows:
                break
            if mode == "pgc1":
                continue
            if mode == "raw":
                c.execute(RAW_DONE, ([r[0] for r in rows],))
            else:
                c.execute(DONE, ([r[0] for r in rows], [r[1] for r in rows]))
            sec = int(time.time() - t_start)
            buckets[sec] = buckets.get(sec, 0) + len(rows)
        if prev:
            c.execute(DONE, ([r[0] for r in prev], [r[1] for r in prev]))
    out.put((buckets, lat))


def run_workers(url: str, workers: int, batch: int, seconds: float, mode: str = "pgc"):
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    t_start = time.time() + 2.0  # let every process connect first
    procs = [ctx.Process(target=_worker, args=(url, f"bench-{i}", batch, t_start, t_start + seconds, mode, out))
             for i in range(workers)]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    buckets: dict[int, int] = {}
    lat: list[float] = []
    for b, l in results:
        lat.extend(l)
        for k, v in b.items():
            buckets[k] = buckets.get(k, 0) + v
    total = sum(buckets.values())
    elapsed = min(seconds, (max(buckets) + 1) if buckets else seconds)
    return total / elapsed, buckets, lat


def throughput(url: str, seconds: float, results: dict, repeat: int = 1) -> None:
    print(f"\n== claim + complete throughput (no-op handler, {seconds:.0f} s per configuration, "
          f"best of {repeat} interleaved round(s))")
    configs = [(w, b, m) for w, b in ((1, 10), (1, 100), (4, 10), (4, 100)) for m in ("pgc", "pgc1", "raw")]
    for rnd in range(repeat):
        for workers, batch, mode in configs:
            n = int((60_000 if batch == 100 else 15_000) * seconds)
            fill(url, pending=n, raw=mode == "raw")
            rate, _, _ = run_workers(url, workers, batch, seconds, mode=mode)
            key = (mode, workers, batch)
            results[key] = max(results.get(key, 0), rate)
            if repeat > 1:
                print(f"  round {rnd + 1}: {MODES[mode]:30s} workers={workers} batch={batch:3d}: {rate:9,.0f} jobs/s")
    for workers, batch, mode in configs:
        print(f"  {MODES[mode]:30s} workers={workers} batch={batch:3d}: {results[(mode, workers, batch)]:9,.0f} jobs/s")


def sustained(url: str, seconds: float, workers: int, batch: int, mode: str) -> None:
    print(f"\n== sustained: {MODES[mode]}, {workers} workers, batch {batch}, {seconds:.0f} s")
    fill(url, pending=int(40_000 * seconds))
    rate, buckets, _ = run_workers(url, workers, batch, seconds, mode=mode)
    third = int(seconds // 3)
    first = sum(buckets.get(s, 0) for s in range(0, third)) / third
    last = sum(buckets.get(s, 0) for s in range(int(seconds) - third, int(seconds))) / third
    print("  per second: " + " ".join(f"{buckets.get(s, 0) // 1000}k" for s in range(int(seconds))))
    print(f"  overall {rate:,.0f} jobs/s; first {third} s {first:,.0f} jobs/s; last {third} s {last:,.0f} jobs/s; "
          f"last/first = {last / first:.3f}")
    with psycopg.connect(url) as c:
        st = c.execute("""SELECT autovacuum_count, n_dead_tup, n_live_tup FROM pg_stat_user_tables
                          WHERE relid = 'public.job_queue'::regclass""").fetchone()
    print(f"  job_queue after the run: {st[0]} autovacuum run(s), {st[1]:,} dead / {st[2]:,} live tuples")


def claim_latency(url: str) -> None:
    print("\n== claim latency (job_queue_claim(10) then complete, 1 worker; median of the claim call;\n"
          "   synchronous_commit off in this session so that the WAL flush does not drown the statement)")
    out = {}
    for label, pending, finished in (("10k pending", 10_000, 0), ("1M pending + 1M finished", 1_000_000, 1_000_000)):
        t0 = time.time()
        fill(url, pending=pending, finished=finished)
        print(f"  filled {label} in {time.time() - t0:.0f} s")
        with psycopg.connect(url, autocommit=True) as c:
            c.execute("SET synchronous_commit = off")
            lat = []
            for _ in range(700):
                t = time.perf_counter()
                rows = c.execute(CLAIM, (10, "lat")).fetchall()
                lat.append(time.perf_counter() - t)
                c.execute(DONE, ([r[0] for r in rows], [r[1] for r in rows]))
        lat = lat[100:]  # after warm-up (plan cache, buffers)
        out[label] = statistics.median(lat)
        print(f"  {label:26s}: p50 {out[label] * 1000:.3f} ms, p90 {sorted(lat)[int(len(lat) * .9)] * 1000:.3f} ms")
    print(f"  ratio deep/shallow: {out['1M pending + 1M finished'] / out['10k pending']:.2f}")


def enqueue_latency(url: str, n: int = 300) -> None:
    """Enqueue → handler start through QueueWorker (what `pgcadence worker` runs), idle queue."""
    from pgcadence import event_loop
    from pgcadence.queue import QueueWorker

    print(f"\n== enqueue → handler start latency through the worker ({n} jobs, one every 20 ms)")
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("TRUNCATE public.job_queue, public.job_queue_attempt_log")
    starts: dict[int, float] = {}

    async def mark(payload, ctx):
        starts[payload["n"]] = time.time()

    sent: dict[int, float] = {}

    def producer(ready: threading.Event):
        ready.wait()
        with psycopg.connect(url, autocommit=True) as c:
            for i in range(n):
                sent[i] = time.time()
                c.execute("SELECT public.job_queue_enqueue('mark', jsonb_build_object('n', %s::int))", (i,))
                time.sleep(0.02)

    async def main():
        stop = asyncio.Event()
        w = QueueWorker(url, handlers={"mark": mark}, concurrency=10, poll_interval=5)
        task = asyncio.create_task(w.run(stop))
        await w.ready.wait()
        ready = threading.Event()
        th = threading.Thread(target=producer, args=(ready,))
        th.start()
        ready.set()
        while len(starts) < n:
            await asyncio.sleep(0.05)
        stop.set()
        await task
        th.join()

    event_loop.run(main(), event_loop.loop_factory())  # the loop `pgcadence worker` runs on
    lat = sorted((starts[i] - sent[i]) * 1000 for i in range(n))
    print(f"  p50 {statistics.median(lat):.1f} ms, p90 {lat[int(n * .9)]:.1f} ms, max {lat[-1]:.1f} ms")


def worker_throughput(url: str, seconds: float) -> None:
    """QueueWorker with a no-op async handler, one process (Python-bound)."""
    from pgcadence import event_loop
    from pgcadence.queue import QueueWorker

    print(f"\n== QueueWorker (the worker's event loop, no-op async handler, concurrency 200, batch 100), 1 process, {seconds:.0f} s")
    fill(url, pending=int(20_000 * seconds))

    async def noop(payload, ctx):
        return None

    async def main():
        stop = asyncio.Event()
        w = QueueWorker(url, handlers={"bench": noop}, concurrency=200, batch_size=100, poll_interval=1)
        task = asyncio.create_task(w.run(stop))
        await w.ready.wait()
        t0, c0 = time.time(), w.stats["succeeded"]
        await asyncio.sleep(seconds)
        rate = (w.stats["succeeded"] - c0) / (time.time() - t0)
        stop.set()
        await task
        return rate

    print(f"  {event_loop.run(main(), event_loop.loop_factory()):,.0f} jobs/s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database", help="migrated database to use (its job_queue is TRUNCATEd)")
    ap.add_argument("--seconds", type=float, default=10, help="seconds per throughput configuration")
    ap.add_argument("--repeat", type=int, default=1, help="interleaved rounds per throughput configuration (best kept)")
    ap.add_argument("--sustained-seconds", type=float, default=60)
    ap.add_argument("--sustained-mode", choices=["pgc", "pgc1"], default="pgc1")
    ap.add_argument("--only", choices=["throughput", "sustained", "latency", "enqueue", "worker"], action="append")
    args = ap.parse_args()
    only = set(args.only or ["throughput", "sustained", "latency", "enqueue", "worker"])
    cluster = None
    url = args.database
    if not url:
        from pgcadence import migrate
        from tests.cluster import start_cluster

        cluster = start_cluster(BENCH_OPTIONS)
        url = cluster.url()
        migrate.apply(url, progress=lambda m: None)
    try:
        with psycopg.connect(url) as c:
            print("PostgreSQL", c.execute("show server_version").fetchone()[0], "| fsync",
                  c.execute("show fsync").fetchone()[0], "| synchronous_commit",
                  c.execute("show synchronous_commit").fetchone()[0], "|", mp.cpu_count(), "CPUs")
        results: dict = {}
        if "throughput" in only:
            throughput(url, args.seconds, results, args.repeat)
            floor = max(v for k, v in results.items() if k[0] == "raw")
            for mode in ("pgc", "pgc1"):
                key = max((k for k in results if k[0] == mode), key=results.get)
                print(f"  best {MODES[mode]}: {results[key]:,.0f} jobs/s (workers={key[1]}, batch={key[2]}) "
                      f"= {results[key] / floor:.0%} of the best raw SQL floor ({floor:,.0f})")
        if "worker" in only:
            worker_throughput(url, args.seconds)
        if "enqueue" in only:
            enqueue_latency(url)
        if "sustained" in only:
            sustained(url, args.sustained_seconds, workers=4, batch=100, mode=args.sustained_mode)
        if "latency" in only:
            claim_latency(url)
    finally:
        if cluster:
            cluster.stop()


if __name__ == "__main__":
    main()
