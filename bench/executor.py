"""Executor latency and throughput: ``pgcadence serve`` on loopback, real JWT checks.

    .venv/bin/python -m bench.executor --database URL [--requests 500] [--concurrency 32]

The database needs the project keys (``pgcadence up`` or ``pgcadence keys init``).
Measures, per route: back-to-back single requests (p50/p99) and requests/s with N in flight.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time

import httpx
import psycopg
from port_for import get_port

from pgcadence.executor import keys


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


async def measure(base: str, path: str, headers: dict, n: int, conc: int) -> str:
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=httpx.Limits(max_connections=conc)) as c:
        lat = []
        for _ in range(n):
            t0 = time.perf_counter()
            r = await c.post(path, headers=headers, json={"n": 1})
            lat.append((time.perf_counter() - t0) * 1000)
            assert r.status_code in (200, 401), r.text
        sem = asyncio.Semaphore(conc)
        failures = 0

        async def one():
            nonlocal failures
            async with sem:
                r = await c.post(path, headers=headers, json={"n": 1})
                failures += r.status_code not in (200, 401)

        t0 = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(n * 4)))
        rate = n * 4 / (time.perf_counter() - t0)
    return (f"{path:<24} status {r.status_code}  back-to-back p50 {statistics.median(lat):6.2f} ms  "
            f"p99 {pct(lat, 0.99):6.2f} ms   {conc} in flight: {rate:7.0f} req/s  failures {failures}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database", required=True)
    ap.add_argument("--requests", type=int, default=500)
    ap.add_argument("--concurrency", type=int, default=32)
    args = ap.parse_args()
    with psycopg.connect(args.database, autocommit=True) as conn:
        service = keys.get_secret(conn, keys.SERVICE_ROLE_KEY)
        runner = keys.get_secret(conn, "job_queue_runner_secret")
    port = get_port(None)
    proc = subprocess.Popen([sys.executable, "-m", "pgcadence", "serve", "--database", args.database, "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=os.environ.copy())
    try:
        proc.stdout.readline()  # "pgcadence serve: executor on …"
        base = f"http://127.0.0.1:{port}"
        cases = [("/functions/v1/echo", {"Authorization": f"Bearer {service}"}),
                 ("/functions/v1/echo", {"Authorization": "Bearer bad.jwt.here"})]
        if runner:
            cases.append(("/api/jobs/run", {"Authorization": f"Bearer {runner}"}))
        for path, headers in cases:
            print(asyncio.run(measure(base, path, headers, args.requests, args.concurrency)))
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
