"""Benchmark of get_stale_movies() (the movies module) at 10k and 1M movies (not a test).

    .venv/bin/python -m bench.movies_bench                  # throwaway cluster
    .venv/bin/python -m bench.movies_bench --database URL   # a migrated database of yours
    .venv/bin/python -m bench.movies_bench --sizes 10000,1000000 --calls 300

For each size, in one transaction that is rolled back at the end (nothing is left behind,
even with --database): N synthetic movies (release dates 1950..today, popularity skewed
towards small values, last refresh spread over the past 200 days, 1 % never refreshed,
0.5 % gone), ANALYZE, then `SELECT * FROM get_stale_movies(100)` called --calls times;
prints p50/p95 in ms as the client sees them, and the plan of the function's query (it
must be an Index Scan on movies_stale_at_idx, never a Seq Scan). Target: p50 < 10 ms at
1M and within 2x of the 10k figure.
"""

from __future__ import annotations

import argparse
import statistics
import time

import psycopg

LOAD = """
INSERT INTO public.movies (tmdb_id, title, release_date, popularity, data, last_refreshed_at, gone_at)
SELECT i,
       'Movie ' || i,
       date '1950-01-01' + (random() * (current_date - date '1950-01-01'))::int,
       round((power(random(), 4) * 300)::numeric, 3)::float8,
       jsonb_build_object('id', i),
       CASE WHEN i %% 100 = 0 THEN NULL ELSE now() - random() * interval '200 days' END,
       CASE WHEN i %% 200 = 1 THEN now() END
  FROM generate_series(%s::bigint, %s::bigint) AS i
"""

PLAN = """
EXPLAIN (COSTS OFF)
SELECT m.tmdb_id, m.title, m.release_date, m.popularity, m.last_refreshed_at, m.stale_at
  FROM public.movies m WHERE m.stale_at <= now() ORDER BY m.stale_at, m.tmdb_id LIMIT 100
"""


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def measure(conn: psycopg.Connection, calls: int) -> list[float]:
    times = []
    for _ in range(20):  # warm the cache and the plan
        conn.execute("SELECT * FROM public.get_stale_movies(100)").fetchall()
    for _ in range(calls):
        t0 = time.perf_counter()
        rows = conn.execute("SELECT * FROM public.get_stale_movies(100)").fetchall()
        times.append((time.perf_counter() - t0) * 1000)
        assert len(rows) == 100, f"expected 100 stale movies, got {len(rows)}"
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database", help="a database migrated by pgcadence (default: a throwaway cluster)")
    ap.add_argument("--sizes", default="10000,1000000", help="comma-separated movie counts")
    ap.add_argument("--calls", type=int, default=300, help="get_stale_movies(100) calls per size")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    cluster = None
    dsn = args.database
    if not dsn:
        from pgcadence import migrate
        from tests.cluster import start_cluster

        cluster = start_cluster()
        dsn = cluster.url()
        migrate.apply(dsn, progress=lambda m: None)
    results = {}
    try:
        with psycopg.connect(dsn) as conn:
            for n in sizes:
                with conn.transaction(force_rollback=True):
                    conn.execute("DELETE FROM public.movies")
                    t0 = time.perf_counter()
                    conn.execute(LOAD, (1, n))
                    conn.execute("ANALYZE public.movies")
                    load_s = time.perf_counter() - t0
                    stale = conn.execute("SELECT count(*) FROM public.movies WHERE stale_at <= now()").fetchone()[0]
                    plan = [r[0] for r in conn.execute(PLAN).fetchall()]
                    times = measure(conn, args.calls)
                    results[n] = statistics.median(times)
                    print(f"{n:>9,} movies ({stale:,} stale; loaded in {load_s:.1f} s): get_stale_movies(100) "
                          f"p50 {statistics.median(times):.3f} ms  p95 {_pct(times, 95):.3f} ms  ({args.calls} calls)")
                    print("           plan: " + " / ".join(line.strip() for line in plan))
                    if any("Seq Scan" in line for line in plan):
                        print("           WARNING: sequential scan")
        if len(sizes) >= 2:
            lo, hi = results[sizes[0]], results[sizes[-1]]
            print(f"ratio p50 {sizes[-1]:,} / {sizes[0]:,}: {hi / lo:.2f}x (target <= 2x; p50 at the largest < 10 ms)")
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
