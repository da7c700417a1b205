"""What a /metrics scrape and an alert evaluation cost the database (SQL-only; not a test).

    .venv/bin/python -m bench.metrics_bench                  # throwaway cluster
    .venv/bin/python -m bench.metrics_bench --database URL   # a migrated database of yours
    .venv/bin/python -m bench.metrics_bench --sizes 10000,1000000 --calls 7

For each size, in one transaction that is rolled back at the end (nothing stays, even with
--database): N jobs in job_queue as a queue that keeps 14 days of history looks (90 %
succeeded, finished times spread over 14 days in insertion order; 5 % failed, each with
its failed attempt in job_queue_attempt_log; 5 % pending), ANALYZE, then --calls times
each of `SELECT * FROM pgcadence.metrics()` (what one scrape runs) and
`SELECT * FROM pgcadence.alerts_evaluate()` (what pg_cron runs every minute); prints the
median and range in ms as the client sees them. SQL-only: no HTTP, no Prometheus.
"""

from __future__ import annotations

import argparse
import statistics
import time

import psycopg

LOAD = """
INSERT INTO public.job_queue (task_type, status, run_at, attempts, started_at, finished_at, last_error)
SELECT 'type_' || (g %% 20),
       CASE WHEN g %% 20 = 0 THEN 'pending' WHEN g %% 20 = 1 THEN 'failed' ELSE 'succeeded' END,
       now() - (%(n)s - g) * interval '14 days' / %(n)s,
       CASE WHEN g %% 20 = 0 THEN 0 ELSE 1 END,
       CASE WHEN g %% 20 = 0 THEN NULL ELSE now() - (%(n)s - g) * interval '14 days' / %(n)s - interval '1 second' END,
       CASE WHEN g %% 20 = 0 THEN NULL ELSE now() - (%(n)s - g) * interval '14 days' / %(n)s END,
       CASE WHEN g %% 20 = 1 THEN 'RuntimeError: upstream said 502' END
  FROM generate_series(1, %(n)s) g
"""
LOAD_LOG = """
INSERT INTO public.job_queue_attempt_log (job_id, attempt, worker_id, started_at, finished_at, outcome, error)
SELECT id, 1, 'bench', started_at, finished_at, 'failed', last_error FROM public.job_queue WHERE status = 'failed'
 ORDER BY finished_at;
"""


def timed(conn: psycopg.Connection, sql: str, calls: int) -> tuple[list[float], int]:
    conn.execute(sql).fetchall()  # warm
    times, rows = [], 0
    for _ in range(calls):
        t0 = time.perf_counter()
        rows = len(conn.execute(sql).fetchall())
        times.append((time.perf_counter() - t0) * 1000)
    return times, rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database", help="a database migrated by pgcadence (default: a throwaway cluster)")
    ap.add_argument("--sizes", default="10000,1000000", help="comma-separated job counts")
    ap.add_argument("--calls", type=int, default=7, help="calls of each function per size")
    args = ap.parse_args()
    cluster = None
    dsn = args.database
    if not dsn:
        from pgcadence import migrate
        from tests.cluster import start_cluster

        cluster = start_cluster()
        dsn = cluster.url()
        migrate.apply(dsn, progress=lambda m: None)
    try:
        with psycopg.connect(dsn) as conn:
            for n in [int(s) for s in args.sizes.split(",")]:
                with conn.transaction(force_rollback=True):
                    conn.execute("DELETE FROM public.job_queue_attempt_log")
                    conn.execute("DELETE FROM public.job_queue")
                    t0 = time.perf_counter()
                    conn.execute(LOAD, {"n": n})
                    conn.execute(LOAD_LOG)
                    conn.execute("ANALYZE public.job_queue")
                    conn.execute("ANALYZE public.job_queue_attempt_log")
                    load_s = time.perf_counter() - t0
                    for label, sql in (("pgcadence.metrics()", "SELECT * FROM pgcadence.metrics()"),
                                       ("pgcadence.alerts_evaluate()", "SELECT * FROM pgcadence.alerts_evaluate()")):
                        times, rows = timed(conn, sql, args.calls)
                        print(f"{n:>9,} jobs (loaded in {load_s:.1f} s): {label:<28} {rows:>4} rows  "
                              f"median {statistics.median(times):7.1f} ms  (min {min(times):.1f}, max {max(times):.1f}; "
                              f"{args.calls} calls)")
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
