"""Read latency of each tier of pgcadence.cache.TieredCache for a 100 kB document.

    .venv/bin/python -m bench.cache_bench              # starts a throwaway cluster
    .venv/bin/python -m bench.cache_bench --database URL

Targets (issue 8): memory hit p50 <= 5 us, file <= 1 ms, PostgreSQL <= 5 ms, and the
memory tier within 1.5x of a bare cachetools.TTLCache lookup measured in the same run.

Memory lookups are far below the clock's resolution, so they are timed in batches
(the p50 is the median of per-call means over batches, the tiered and the bare batches
interleaved). File and PostgreSQL reads are timed one by one.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cachetools

from pgcadence import migrate
from pgcadence.cache import TieredCache
from pgcadence.cache.fileformat import encode_payload


def document(target: int = 100 * 1024) -> dict:
    acts, i = [], 0
    doc = {"timestamp": "2026-11-23T10:00:00+00:00", "activities": acts}
    while True:
        acts.append({"id": 1_000_000 + i, "name": f"Morning run {i}", "distance_m": 5000 + i * 7,
                     "moving_time_s": 1500 + i, "polyline": "a~l~Fjk~uOwHJy@P" * 2, "kudos": i % 17})
        i += 1
        if i % 50 == 0 and len(encode_payload(doc)) >= target:
            return doc


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def batched(fn, batches: int, per_batch: int) -> list[float]:
    out = []
    for _ in range(batches):
        t0 = time.perf_counter_ns()
        for _ in range(per_batch):
            fn()
        out.append((time.perf_counter_ns() - t0) / per_batch / 1000)
    return out


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        fn()
        out.append((time.perf_counter_ns() - t0) / 1000)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database", help="a migrated pgcadence database (default: start a throwaway cluster)")
    ap.add_argument("--rounds", type=int, default=400, help="timed file and PostgreSQL reads")
    args = ap.parse_args()

    cluster = None
    url = args.database
    if not url:
        from tests.cluster import start_cluster

        cluster = start_cluster()
        url = cluster.url()
        migrate.apply(url, progress=lambda m: None)
    tmp = Path(tempfile.mkdtemp(prefix="cache-bench-"))
    try:
        doc = document()
        size = len(encode_payload(doc))
        c = TieredCache("bench", "strava", None, file_path=tmp / "bench.json", dsn=url)
        c.put(doc)
        assert c.flush(30), "PostgreSQL write did not complete"

        # memory: the tiered get() against a bare TTLCache lookup, interleaved
        bare = cachetools.TTLCache(maxsize=1, ttl=300)
        bare["doc"] = doc
        assert c.get() is doc
        tiered_b, bare_b = [], []
        for _ in range(30):
            tiered_b += batched(c.get, 10, 20_000)
            bare_b += batched(lambda: bare["doc"], 10, 20_000)
        mem_p50, bare_p50 = statistics.median(tiered_b), statistics.median(bare_b)

        # file: memory TTL ~0 so every get() misses memory, reads + verifies the file and
        # asks PostgreSQL whether the copy is due (cache_due_for_refresh); the file tier alone too
        f = TieredCache("bench", "strava", None, memory_ttl=1e-9, file_path=tmp / "bench.json", dsn=url)
        assert f.get() == doc
        file_t = timed(f._read_file_tier, args.rounds)
        file_get_t = timed(f.get, args.rounds)
        assert f.stats()["file"]["hits"] >= 2 * args.rounds

        # PostgreSQL: the database tier read (query, transfer, parse)
        d = TieredCache("bench", "strava", None, file_path=tmp / "absent.json", dsn=url)
        assert d._db.read().data == doc
        db_t = timed(d._db.read, args.rounds)

        # for information: a whole get() served by PostgreSQL, file repopulation (fsync) included
        def db_get():
            (tmp / "absent.json").unlink(missing_ok=True)
            d._mem.clear()
            d._current = None
            return d.get()

        db_get_t = timed(db_get, max(50, args.rounds // 4))

        ratio = mem_p50 / bare_p50
        rows = [
            ("memory hit (get)", mem_p50, pct(tiered_b, 0.9), "<= 5 us", mem_p50 <= 5),
            ("bare TTLCache lookup", bare_p50, pct(bare_b, 0.9), "", True),
            ("file (read+sha256+parse)", statistics.median(file_t), pct(file_t, 0.9), "<= 1000 us", statistics.median(file_t) <= 1000),
            ("get() from the file + due check in SQL", statistics.median(file_get_t), pct(file_get_t, 0.9), "(info)", True),
            ("PostgreSQL (cache_get)", statistics.median(db_t), pct(db_t, 0.9), "<= 5000 us", statistics.median(db_t) <= 5000),
            ("get() from PostgreSQL + file rewrite", statistics.median(db_get_t), pct(db_get_t, 0.9), "(info)", True),
        ]
        print(f"document: {size} bytes of JSON; Python {sys.version.split()[0]}, cachetools {cachetools.__version__}")
        print(f"{'tier':38} {'p50 us':>10} {'p90 us':>10}  target")
        for name, p50, p90, target, ok in rows:
            print(f"{name:38} {p50:10.2f} {p90:10.2f}  {target} {'' if not target or target == '(info)' else ('OK' if ok else 'MISSED')}")
        print(f"memory tier / bare TTLCache: {ratio:.2f}x (target <= 1.5x) {'OK' if ratio <= 1.5 else 'MISSED'}")
        for x in (c, f, d):
            x.close()
        return 0 if all(r[4] for r in rows) and ratio <= 1.5 else 1
    finally:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    raise SystemExit(main())
