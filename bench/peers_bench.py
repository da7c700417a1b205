"""Peer queues for bench/queue_bench.py, run with the benchmark's own environment:

    python3 -m venv bench/.venv
    bench/.venv/bin/pip install "pgqueuer==1.6.0" "procrastinate==3.10.*" asyncpg "psycopg[binary]"

    bench/.venv/bin/python bench/peers_bench.py --database URL --lib pgqueuer --workers 1 --batch 100 --seconds 10

Fills the peer's own schema in the given database with no-op jobs, runs ``--workers``
consumer processes for ``--seconds``, prints one JSON line {"lib", "workers", "batch", "rate"}.
Nothing of the peers is vendored: they are imported from bench/.venv.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import time
from datetime import timedelta


# ---------------------------------------------------------------- PgQueuer
async def _pgq_fill(dsn: str, n: int) -> None:
    import asyncpg
    from pgqueuer.queries import Queries

    conn = await asyncpg.connect(dsn)
    q = Queries.from_asyncpg_connection(conn)
    try:
        await q.uninstall()
    except Exception:  # noqa: BLE001 - not installed yet
        pass
    await q.install()
    for start in range(0, n, 20_000):
        k = min(20_000, n - start)
        await q.enqueue(["bench"] * k, [None] * k, [0] * k)
    await conn.execute("VACUUM ANALYZE")
    await conn.close()


async def _pgq_consume(dsn: str, batch: int, t_start: float, t_end: float) -> int:
    import asyncpg
    from pgqueuer import PgQueuer

    conn = await asyncpg.connect(dsn)
    pgq = PgQueuer.from_asyncpg_connection(conn)
    done = 0

    @pgq.entrypoint("bench")
    async def bench(job) -> None:
        nonlocal done
        if time.time() < t_end:
            done += 1

    async def stopper():
        await asyncio.sleep(t_end - time.time())
        pgq.shutdown.set()

    while time.time() < t_start:
        await asyncio.sleep(0.001)
    task = asyncio.create_task(stopper())
    await pgq.qm.run(batch_size=batch, dequeue_timeout=timedelta(seconds=1))
    task.cancel()
    await conn.close()
    return done


# ---------------------------------------------------------------- Procrastinate
def _proc_app(dsn: str):
    import procrastinate

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=dsn))

    @app.task(name="bench")
    async def bench() -> None:
        return None

    return app, bench


async def _proc_fill(dsn: str, n: int) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as c:
        c.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    app, bench = _proc_app(dsn)
    async with app.open_async():
        await app.schema_manager.apply_schema_async()
        for start in range(0, n, 2000):
            await bench.batch_defer_async(*([{}] * min(2000, n - start)))
    with psycopg.connect(dsn, autocommit=True) as c:
        c.execute("VACUUM ANALYZE")


async def _proc_consume(dsn: str, batch: int, t_start: float, t_end: float) -> int:
    import procrastinate

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=dsn))
    done = 0

    @app.task(name="bench")
    async def bench() -> None:
        nonlocal done
        if time.time() < t_end:
            done += 1

    async with app.open_async():
        while time.time() < t_start:
            await asyncio.sleep(0.001)
        worker = asyncio.create_task(app.run_worker_async(concurrency=batch, wait=True, install_signal_handlers=False,
                                                          fetch_job_polling_interval=0.5))
        await asyncio.sleep(t_end - time.time())
        worker.cancel()
        try:
            await worker
        except asyncio.CancelledError:
            pass
    return done


# ---------------------------------------------------------------- driver
def _consumer(lib: str, dsn: str, batch: int, t_start: float, t_end: float, out) -> None:
    fn = _pgq_consume if lib == "pgqueuer" else _proc_consume
    out.put(asyncio.run(fn(dsn, batch, t_start, t_end)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database", required=True)
    ap.add_argument("--lib", choices=["pgqueuer", "procrastinate"], required=True)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--batch", type=int, default=10, help="PgQueuer batch_size; Procrastinate concurrency")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--jobs", type=int, default=0, help="jobs to enqueue first (default: enough)")
    args = ap.parse_args()
    n = args.jobs or int((20_000 if args.lib == "pgqueuer" else 2_000) * args.seconds * max(1, args.workers / 2))
    asyncio.run((_pgq_fill if args.lib == "pgqueuer" else _proc_fill)(args.database, n))
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    t_start = time.time() + 3.0
    procs = [ctx.Process(target=_consumer, args=(args.lib, args.database, args.batch, t_start, t_start + args.seconds, out))
             for _ in range(args.workers)]
    for p in procs:
        p.start()
    total = sum(out.get() for _ in procs)
    for p in procs:
        p.join()
    print(json.dumps({"lib": args.lib, "workers": args.workers, "batch": args.batch, "jobs": n,
                      "rate": round(total / args.seconds)}))


if __name__ == "__main__":
    main()
