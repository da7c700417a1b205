"""Benchmark of the pg_net-compatible sender (not a test).

    .venv/bin/python -m bench.net_bench                 # throwaway cluster, default sizes
    .venv/bin/python -m bench.net_bench --database URL  # a migrated database of yours
    .venv/bin/python -m bench.net_bench --sizes 1000,10000 --runs 3 --singles 300

What it measures, with `pgcadence net-worker` running as its own process (default
settings) and a tiny aiohttp server on 127.0.0.1 in another process answering 200:

- backlog: N `net.http_post` calls committed in one transaction; requests/s from that
  commit until the N-th response row exists, failures (anything but a 200 row), and
  per-request latency commit → response row (its `created`), p50/p99;
- back-to-back: one `net.http_post` committed, wait until its response row is visible,
  the next one; latency p50/p99 as the client sees it (polling every 1 ms).

Prints each run and the median over runs. Real pg_net, measured on the same kind of machine: ≈180–225
req/s at its default batch, ≈850 at batch 1000, back-to-back p50 ≈ 1 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psycopg
from port_for import get_port

ROOT = Path(__file__).resolve().parent.parent

SERVER = textwrap.dedent(
    """
    import sys
    from aiohttp import web
    async def ok(request):
        await request.read()
        return web.Response(text='{"ok":true}', content_type="application/json")
    app = web.Application()
    app.router.add_route("*", "/ok", ok)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
    """
)


def _wait_port(port: int, timeout: float = 15.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def _wait_sender(conn: psycopg.Connection, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if conn.execute("select senders from pgcadence.net_status()").fetchone()[0] > 0:
            return
        time.sleep(0.05)
    raise RuntimeError("the net-worker did not connect")


def _pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def backlog_run(conn: psycopg.Connection, url: str, n: int, sender_pid: int | None = None) -> dict:
    cpu0 = _cpu(sender_pid) if sender_pid else 0.0
    base = conn.execute("select coalesce(max(id), 0) from net._http_response").fetchone()[0]
    with conn.transaction():
        conn.execute(
            "select net.http_post(%s, jsonb_build_object('i', i)) from generate_series(1, %s) i", (url, n)
        )
    committed = conn.execute("select clock_timestamp()").fetchone()[0]
    t0 = time.monotonic()
    while True:
        done = conn.execute("select count(*) from net._http_response where id > %s", (base,)).fetchone()[0]
        if done >= n:
            break
        if time.monotonic() - t0 > 600:
            raise RuntimeError(f"only {done} of {n} responses after 600 s")
        time.sleep(0.01)
    rows = conn.execute(
        "select extract(epoch from created - %s) * 1000, status_code = 200 and error_msg is null"
        " from net._http_response where id > %s",
        (committed, base),
    ).fetchall()
    last = conn.execute(
        "select extract(epoch from max(created) - %s) from net._http_response where id > %s", (committed, base)
    ).fetchone()[0]
    lat = [max(0.0, float(r[0])) for r in rows]
    elapsed = max(float(last), 1e-6)
    # created is the start of the transaction that wrote the row; the run ends when the
    # last row is visible, which the wall clock below also bounds from above.
    wall = time.monotonic() - t0
    cpu_ms = (_cpu(sender_pid) - cpu0) * 1000 / n if sender_pid else float("nan")
    return {
        "cpu_ms": cpu_ms,
        "n": n,
        "rps": n / elapsed,
        "rps_wall": n / wall,
        "failures": sum(1 for r in rows if not r[1]),
        "p50": _pct(lat, 50),
        "p99": _pct(lat, 99),
    }


def singles_run(conn: psycopg.Connection, url: str, count: int) -> dict:
    lat = []
    failures = 0
    for i in range(count):
        rid = conn.execute("select net.http_post(%s, %s::jsonb)", (url, f'{{"i": {i}}}')).fetchone()[0]
        t0 = time.monotonic()
        while True:
            row = conn.execute("select status_code from net._http_response where id = %s", (rid,)).fetchone()
            if row is not None:
                break
            if time.monotonic() - t0 > 30:
                raise RuntimeError(f"request {rid} unanswered after 30 s")
            time.sleep(0.001)
        lat.append((time.monotonic() - t0) * 1000)
        failures += row[0] != 200
    return {"count": count, "p50": _pct(lat, 50), "p99": _pct(lat, 99), "max": max(lat), "failures": failures}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database", help="a database migrated by pgcadence (default: a throwaway cluster)")
    ap.add_argument("--sizes", default="1000,10000", help="backlog sizes (comma separated)")
    ap.add_argument("--runs", type=int, default=3, help="runs per measurement (medians are printed)")
    ap.add_argument("--singles", type=int, default=300, help="back-to-back requests per run")
    ap.add_argument("--worker-args", default="", help="extra arguments for pgcadence net-worker")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]

    cluster = None
    procs: list[subprocess.Popen] = []
    try:
        if args.database:
            dsn = args.database
        else:
            sys.path.insert(0, str(ROOT))
            from pgcadence import migrate
            from tests.cluster import start_cluster

            cluster = start_cluster()
            dsn = cluster.url()
            migrate.apply(dsn, progress=lambda m: None)
        port = get_port(None)
        procs.append(subprocess.Popen([sys.executable, "-c", SERVER, str(port)]))
        _wait_port(port)
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "pgcadence", "net-worker", "--database", dsn, *args.worker_args.split()],
            cwd=ROOT, env=env, stderr=subprocess.DEVNULL,
        ))
        url = f"http://127.0.0.1:{port}/ok"
        with psycopg.connect(dsn, autocommit=True) as conn:
            _wait_sender(conn)
            backlog_run(conn, url, 200)  # warm up connections and plans
            print(f"cpu cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f} (other work on the machine "
                  f"takes CPU from the sender); sender: pgcadence net-worker {args.worker_args or '(defaults)'}")
            for n in sizes:
                runs = []
                for r in range(args.runs):
                    res = backlog_run(conn, url, n, procs[-1].pid)
                    runs.append(res)
                    print(f"  backlog {n:>6}: {res['rps']:8.0f} req/s (wall {res['rps_wall']:.0f}), "
                          f"failures {res['failures']}, commit->row p50 {res['p50']:.0f} ms p99 {res['p99']:.0f} ms, "
                          f"sender CPU {res['cpu_ms']:.3f} ms/request, load average {os.getloadavg()[0]:.1f}")
                    conn.execute("select * from pgcadence.net_maintain('0 seconds')")
                print(f"backlog {n}: median {statistics.median(r['rps'] for r in runs):.0f} req/s, "
                      f"sender CPU {statistics.median(r['cpu_ms'] for r in runs):.3f} ms/request, "
                      f"failures {sum(r['failures'] for r in runs)}, "
                      f"commit->row median p50 {statistics.median(r['p50'] for r in runs):.0f} ms, "
                      f"p99 {statistics.median(r['p99'] for r in runs):.0f} ms")
            runs = []
            for r in range(args.runs):
                res = singles_run(conn, url, args.singles)
                runs.append(res)
                print(f"  back-to-back x{res['count']}: p50 {res['p50']:.1f} ms, p99 {res['p99']:.1f} ms, "
                      f"max {res['max']:.1f} ms, failures {res['failures']}")
            print(f"back-to-back: median p50 {statistics.median(r['p50'] for r in runs):.1f} ms, "
                  f"p99 {statistics.median(r['p99'] for r in runs):.1f} ms, "
                  f"failures {sum(r['failures'] for r in runs)}")
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
