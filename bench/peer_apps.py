"""PgQueuer and Procrastinate as their users run them, for bench/worker_bench.py.

Runs only in the benchmark's own environment (bench/.venv, see bench/README.md); nothing
of the peers is vendored. The handler shape comes from $BENCH_HANDLER (noop | sleep), the
database from $BENCH_DSN.

    pgq run bench.peer_apps:pgqueuer_app --batch-size 10          # a PgQueuer consumer
    procrastinate --app bench.peer_apps.procrastinate_app worker --concurrency 10
    python -m bench.peer_apps fill pgqueuer|procrastinate N       # (re)install and fill
"""

from __future__ import annotations

import asyncio
import os
import sys
from contextlib import asynccontextmanager

DSN = os.environ.get("BENCH_DSN", "")
SLEEP = os.environ.get("BENCH_HANDLER", "noop") == "sleep"


# ---------------------------------------------------------------- PgQueuer
@asynccontextmanager
async def pgqueuer_app():
    import asyncpg
    from pgqueuer import PgQueuer
    from pgqueuer.db import AsyncpgDriver

    conn = await asyncpg.connect(DSN)
    pgq = PgQueuer(AsyncpgDriver(conn))

    @pgq.entrypoint("bench")
    async def bench(job) -> None:
        if SLEEP:
            await asyncio.sleep(0.01)

    try:
        yield pgq
    finally:
        await conn.close()


async def _pgqueuer_fill(n: int) -> None:
    import asyncpg
    from pgqueuer.queries import Queries

    conn = await asyncpg.connect(DSN)
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


# ---------------------------------------------------------------- Procrastinate
def _procrastinate():
    import procrastinate

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=DSN))

    @app.task(name="bench")
    async def bench() -> None:
        if SLEEP:
            await asyncio.sleep(0.01)

    return app, bench


procrastinate_app, _proc_task = _procrastinate()


async def _procrastinate_fill(n: int) -> None:
    import psycopg

    with psycopg.connect(DSN, autocommit=True) as c:
        c.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    async with procrastinate_app.open_async():
        await procrastinate_app.schema_manager.apply_schema_async()
        for start in range(0, n, 5000):
            await _proc_task.batch_defer_async(*([{}] * min(5000, n - start)))
    with psycopg.connect(DSN, autocommit=True) as c:
        c.execute("VACUUM ANALYZE")


if __name__ == "__main__":
    _, what, lib, count = sys.argv
    assert what == "fill"
    asyncio.run((_pgqueuer_fill if lib == "pgqueuer" else _procrastinate_fill)(int(count)))
