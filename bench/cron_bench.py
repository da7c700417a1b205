"""Benchmark of the cron management reads over a big run history (not a test).

    .venv/bin/python -m bench.cron_bench                  # throwaway cluster, 1,000,000 runs
    .venv/bin/python -m bench.cron_bench --rows 200000 --repeat 100
    .venv/bin/python -m bench.cron_bench --database URL   # a migrated database of yours
                                                          # (adds --rows runs of 50 bench_* jobs; removed at the end)

Fills cron.job_run_details with ROWS runs of 50 jobs spread over the last 30 days, then
times (p50 / p99 over --repeat calls, as the database owner):

- get_cron_job_runs(50)              the admin page's history table
- get_cron_job_runs(50, 'bench_17')  one job's history (CLI --job)
- get_cron_jobs()                    the job table: last run and 24 h failures per job
- cron_health()
- the same two history reads with the pgcadence_* indexes dropped (what pg_cron 1.4
  alone gives: a sequential scan and a top-N sort of the whole table)
- cron_history_cleanup() once (deletes what is older than 7 days).

Target (issue 5): get_cron_job_runs p50 under 20 ms with 1,000,000 rows.
"""

from __future__ import annotations

import argparse
import statistics
import time

import psycopg

INDEXES = {
    "pgcadence_job_run_details_start_time_idx": "CREATE INDEX pgcadence_job_run_details_start_time_idx ON cron.job_run_details (start_time)",
    "pgcadence_job_run_details_jobid_start_time_idx":
        "CREATE INDEX pgcadence_job_run_details_jobid_start_time_idx ON cron.job_run_details (jobid, start_time)",
}


def _pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


def _time(conn: psycopg.Connection, sql: str, repeat: int) -> tuple[float, float]:
    conn.execute(sql).fetchall()  # warm
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        conn.execute(sql).fetchall()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples), _pct(samples, 99)


def fill(conn: psycopg.Connection, rows: int) -> None:
    conn.execute("SELECT cron.schedule('bench_' || i, '0 0 1 1 *', 'SELECT 1') FROM generate_series(1, 50) i")
    t0 = time.perf_counter()
    conn.execute(
        """
        INSERT INTO cron.job_run_details (jobid, runid, job_pid, database, username, command, status, return_message, start_time, end_time)
        SELECT j.jobid, nextval('cron.runid_seq'), 4242, current_database(), current_user, 'SELECT 1',
               CASE WHEN g %% 97 = 0 THEN 'failed' ELSE 'succeeded' END,
               CASE WHEN g %% 97 = 0 THEN 'ERROR: boom' ELSE 'SELECT 1' END,
               now() - g * (interval '30 days' / %(rows)s), now() - g * (interval '30 days' / %(rows)s) + interval '40 ms'
        FROM generate_series(1, %(rows)s) g
        JOIN (SELECT jobid, row_number() OVER (ORDER BY jobid) - 1 AS k FROM cron.job WHERE jobname LIKE 'bench\\_%%') j
          ON j.k = g %% 50
        """, {"rows": rows})
    conn.execute("ANALYZE cron.job_run_details")
    size = conn.execute("SELECT pg_size_pretty(pg_total_relation_size('cron.job_run_details'))").fetchone()[0]
    print(f"inserted {rows:,} runs of 50 jobs in {time.perf_counter() - t0:.1f} s; history {size}")


def run(url: str, rows: int, repeat: int, keep: bool) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET jit = off")
        fill(conn, rows)
        cases = {
            "get_cron_job_runs(50)": "SELECT * FROM public.get_cron_job_runs(50)",
            "get_cron_job_runs(50, 'bench_17')": "SELECT * FROM public.get_cron_job_runs(50, 'bench_17')",
            "get_cron_jobs()": "SELECT * FROM public.get_cron_jobs()",
            "cron_health()": "SELECT * FROM public.cron_health()",
        }
        print(f"{'query':<40} {'p50 ms':>9} {'p99 ms':>9}")
        results = {}
        for name, sql in cases.items():
            p50, p99 = _time(conn, sql, repeat)
            results[name] = p50
            print(f"{name:<40} {p50:9.2f} {p99:9.2f}")
        plan = conn.execute("EXPLAIN SELECT * FROM cron.job_run_details x ORDER BY x.start_time DESC LIMIT 50").fetchall()
        print("plan of the history read: " + plan[1][0].strip() if len(plan) > 1 else plan[0][0])

        for name in INDEXES:
            conn.execute(f"DROP INDEX IF EXISTS cron.{name}")
        for name in ("get_cron_job_runs(50)", "get_cron_job_runs(50, 'bench_17')"):
            p50, p99 = _time(conn, cases[name], max(5, repeat // 10))
            print(f"{name + ' [no index]':<40} {p50:9.2f} {p99:9.2f}")
        for ddl in INDEXES.values():
            conn.execute(ddl)

        t0 = time.perf_counter()
        deleted = conn.execute("SELECT public.cron_history_cleanup()").fetchone()[0]
        print(f"cron_history_cleanup(): deleted {deleted:,} runs older than 7 days in {time.perf_counter() - t0:.2f} s")
        verdict = "PASS" if results["get_cron_job_runs(50)"] < 20 else "FAIL"
        print(f"{verdict}: get_cron_job_runs(50) p50 {results['get_cron_job_runs(50)']:.2f} ms with {rows:,} rows (target < 20 ms)")
        if not keep:
            conn.execute("DELETE FROM cron.job_run_details WHERE jobid IN (SELECT jobid FROM cron.job WHERE jobname LIKE 'bench\\_%')")
            conn.execute("SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname LIKE 'bench\\_%'")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database", metavar="URL", help="a migrated database (default: a throwaway cluster)")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=50)
    ap.add_argument("--keep", action="store_true", help="leave the bench jobs and runs in place")
    args = ap.parse_args()
    if args.database:
        run(args.database, args.rows, args.repeat, args.keep)
        return
    from pgcadence import migrate
    from tests.cluster import start_cluster

    cluster = start_cluster()
    try:
        migrate.apply(cluster.url(), progress=lambda m: None)
        run(cluster.url(), args.rows, args.repeat, args.keep)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
