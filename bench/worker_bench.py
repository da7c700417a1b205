"""Queue workers as their users run them, compared on one cluster. Not part of `make test`.

    .venv/bin/python -m bench.worker_bench                       # everything, 2 rounds
    .venv/bin/python -m bench.worker_bench --rounds 3 --window 20 --warmup 5
    .venv/bin/python -m bench.worker_bench --only pgcadence --only raw
    .venv/bin/python -m bench.worker_bench --rounds 0 --sustained 60   # 60 s of 4 workers, rate per second

Contenders, each as separate OS processes on the same throwaway cluster (PostgreSQL 15,
fsync and synchronous_commit on):

- ``pgcadence``: ``pgcadence worker -m bench.handlers --concurrency C --batch-size B``
  (the CLI, default flags otherwise: per-job log lines at info, to a file);
- ``pgqueuer``: ``pgq run bench.peer_apps:pgqueuer_app --batch-size B`` (PgQueuer's CLI);
- ``procrastinate``: ``procrastinate --app bench.peer_apps.procrastinate_app worker --concurrency C``;
- ``raw``: the raw-SQL floor, pgbench running a SKIP LOCKED claim of B rows then one
  UPDATE completing them, on a bare table (SQL only: no worker, no handler).

The peers come from bench/.venv (PyPI, see bench/README.md). Handler shapes: ``noop``
(async, returns at once) and ``sleep`` (async, awaits asyncio.sleep(0.01)). Each run fills
the contender's queue, starts the processes, waits until their connections to the database
stop appearing (start-up differs between contenders and, on a loaded 2-core machine, can
take seconds), then ``--warmup`` seconds, then counts the
jobs finished during ``--window`` seconds (unfinished jobs counted in the database before
and after) and the CPU the workers and PostgreSQL used meanwhile (/proc). Rounds are
interleaved (every configuration once per round); the table shows each round and the median.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.queue_bench import BENCH_OPTIONS  # noqa: E402

PEER_PY = ROOT / "bench" / ".venv" / "bin"
TICKS = os.sysconf("SC_CLK_TCK")

# (processes, batch) configurations of the no-op handler; the sleep handler runs 1 × 200
NOOP_CONFIGS = ((1, 10), (1, 100), (4, 10), (4, 100))
SLEEP_CONFIGS = ((1, 200),)
FLOOR_SQL = """\\set n {batch}
WITH c AS (SELECT id FROM bench_raw WHERE status = 'pending' ORDER BY id LIMIT :n FOR UPDATE SKIP LOCKED)
UPDATE bench_raw r SET status = 'running', locked_by = :client_id, updated_at = now() FROM c WHERE r.id = c.id;
UPDATE bench_raw SET status = 'done', updated_at = now() WHERE locked_by = :client_id AND status = 'running';
"""
RAW_SETUP = """
DROP TABLE IF EXISTS bench_raw;
CREATE TABLE bench_raw (id bigserial PRIMARY KEY, status text NOT NULL DEFAULT 'pending',
                        payload jsonb NOT NULL DEFAULT '{}', locked_by integer, updated_at timestamptz);
CREATE INDEX bench_raw_pending ON bench_raw (id) WHERE status = 'pending';
CREATE INDEX bench_raw_running ON bench_raw (locked_by) WHERE status = 'running';
"""


# ---------------------------------------------------------------- CPU accounting
def _cpu_seconds(pids: list[int], reaped: bool = True) -> float:
    """CPU seconds used by these processes (and, with reaped, by their exited children)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime stime
        if reaped:
            total += int(fields[13]) + int(fields[14])  # cutime cstime
    return total / TICKS


def _tree(pid: int) -> list[int]:
    """pid and its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            kids = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except FileNotFoundError:
            continue
        todo.extend(int(k) for k in kids)
    return out


def _postgres_pids(url: str) -> list[int]:
    """The postmaster and every process it started (backends, WAL writer, checkpointer, autovacuum)."""
    with psycopg.connect(url) as c:
        backend = c.execute("SELECT pg_backend_pid()").fetchone()[0]
        postmaster = int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
    return _tree(postmaster)


# ---------------------------------------------------------------- contenders
class Contender:
    name = ""

    def __init__(self, base_url: str, workdir: Path) -> None:
        self.base = base_url.rsplit("/", 1)[0]
        self.workdir = workdir

    def url(self) -> str:
        raise NotImplementedError

    def fill(self, n: int, shape: str) -> None:
        raise NotImplementedError

    def unfinished(self) -> int:
        raise NotImplementedError

    def start(self, procs: int, batch: int, shape: str) -> list[subprocess.Popen]:
        raise NotImplementedError

    def command(self, procs: int, batch: int, shape: str) -> str:
        raise NotImplementedError

    def estimate(self, procs: int, batch: int, shape: str) -> int:
        """Jobs/s to fill for (generously, for this 2-core machine; a run that empties its
        queue says so)."""
        raise NotImplementedError

    def _db(self, name: str) -> str:
        with psycopg.connect(f"{self.base}/postgres", autocommit=True) as c:
            if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                c.execute(f"CREATE DATABASE {name}")
        return f"{self.base}/{name}"


class Pgcadence(Contender):
    name = "pgcadence"

    def __init__(self, base_url, workdir):
        super().__init__(base_url, workdir)
        self._url = base_url

    def url(self):
        return self._url

    def fill(self, n, shape):
        with psycopg.connect(self._url, autocommit=True) as c:
            c.execute("TRUNCATE public.job_queue, public.job_queue_attempt_log")
            c.execute("DELETE FROM pgcadence.job_queue_workers")
            c.execute("""INSERT INTO public.job_queue (task_type, run_at)
                         SELECT %s, now() - interval '1 hour' + g * interval '1 microsecond' FROM generate_series(1, %s) g""",
                      (f"bench_{shape}", n))
            c.execute("VACUUM ANALYZE public.job_queue")

    def unfinished(self):
        with psycopg.connect(self._url) as c:
            return c.execute("SELECT count(*) FROM public.job_queue WHERE status IN ('pending', 'running')").fetchone()[0]

    def argv(self, batch, shape):
        # the no-op runs name their batch; the sleep run is `--concurrency 200` alone (batch = concurrency)
        extra = ["--batch-size", str(batch)] if shape == "noop" else []
        return [str(ROOT / ".venv" / "bin" / "pgcadence"), "worker", "-d", self._url, "-m", "bench.handlers",
                "--concurrency", str(batch), *extra]

    def command(self, procs, batch, shape):
        extra = f" --batch-size {batch}" if shape == "noop" else ""
        return f"{procs} × pgcadence worker -d URL -m bench.handlers --concurrency {batch}{extra}"

    def start(self, procs, batch, shape):
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
        return [subprocess.Popen(self.argv(batch, shape), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                 stderr=(self.workdir / f"pgcadence-{i}.log").open("w"), start_new_session=True)
                for i in range(procs)]

    def estimate(self, procs, batch, shape):
        # up to 9,500 jobs/s at batch 10 and 30,000 at 100 seen here, and the queue drains
        # from the first connection on (before the warm-up)
        return 20_000 if shape == "sleep" else (15_000 if batch == 10 else 40_000)


class PgQueuer(Contender):
    name = "pgqueuer"

    def url(self):
        return self._db("bench_pgqueuer")

    def _env(self, shape):
        return {**os.environ, "BENCH_DSN": self.url(), "BENCH_HANDLER": shape, "PYTHONPATH": str(ROOT)}

    def fill(self, n, shape):
        subprocess.run([str(PEER_PY / "python"), "-m", "bench.peer_apps", "fill", "pgqueuer", str(n)],
                       cwd=ROOT, env=self._env(shape), check=True, timeout=900)

    def unfinished(self):
        with psycopg.connect(self.url()) as c:
            return c.execute("SELECT count(*) FROM pgqueuer").fetchone()[0]

    def command(self, procs, batch, shape):
        extra = f" --max-concurrent-tasks {2 * min(batch, 100)}" if shape == "sleep" else ""
        return f"{procs} × pgq run bench.peer_apps:pgqueuer_app --batch-size {min(batch, 100)}{extra}"

    def start(self, procs, batch, shape):
        argv = [str(PEER_PY / "pgq"), "run", "bench.peer_apps:pgqueuer_app", "--batch-size", str(min(batch, 100))]
        if shape == "sleep":
            argv += ["--max-concurrent-tasks", str(2 * min(batch, 100))]
        return [subprocess.Popen(argv, cwd=ROOT, env=self._env(shape), stdout=subprocess.DEVNULL,
                                 stderr=(self.workdir / f"pgqueuer-{i}.log").open("w"), start_new_session=True)
                for i in range(procs)]

    def estimate(self, procs, batch, shape):
        # up to 7,500 jobs/s at batch 10 and 16,000 at 100 seen here (four processes)
        return 15_000 if shape == "sleep" else (10_000 if batch == 10 else 25_000)


class Procrastinate(Contender):
    name = "procrastinate"

    def url(self):
        return self._db("bench_procrastinate")

    def _env(self, shape):
        return {**os.environ, "BENCH_DSN": self.url(), "BENCH_HANDLER": shape, "PYTHONPATH": str(ROOT)}

    def fill(self, n, shape):
        subprocess.run([str(PEER_PY / "python"), "-m", "bench.peer_apps", "fill", "procrastinate", str(n)],
                       cwd=ROOT, env=self._env(shape), check=True, timeout=900)

    def unfinished(self):
        with psycopg.connect(self.url()) as c:
            return c.execute("SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')").fetchone()[0]

    def command(self, procs, batch, shape):
        return f"{procs} × procrastinate --app bench.peer_apps.procrastinate_app worker --concurrency {batch}"

    def start(self, procs, batch, shape):
        argv = [str(PEER_PY / "procrastinate"), "--app", "bench.peer_apps.procrastinate_app", "worker",
                "--concurrency", str(batch)]
        return [subprocess.Popen(argv, cwd=ROOT, env=self._env(shape), stdout=subprocess.DEVNULL,
                                 stderr=(self.workdir / f"procrastinate-{i}.log").open("w"), start_new_session=True)
                for i in range(procs)]

    def estimate(self, procs, batch, shape):
        return 2_000


class RawFloor(Contender):
    """pgbench: the SQL-only floor (no worker, no handler)."""
    name = "raw"

    def url(self):
        return self._db("bench_raw")

    def fill(self, n, shape):
        with psycopg.connect(self.url(), autocommit=True) as c:
            c.execute(RAW_SETUP)
            c.execute("INSERT INTO bench_raw (payload) SELECT '{}' FROM generate_series(1, %s)", (n,))
            c.execute("VACUUM ANALYZE bench_raw")

    def unfinished(self):
        with psycopg.connect(self.url()) as c:
            return c.execute("SELECT count(*) FROM bench_raw WHERE status <> 'done'").fetchone()[0]

    def command(self, procs, batch, shape):
        return f"pgbench -n -M prepared -c {procs} -j {procs} -T WINDOW -f floor.sql  (floor.sql: claim {batch} + complete)"

    def start(self, procs, batch, shape):
        script = self.workdir / f"floor-{batch}.sql"
        script.write_text(FLOOR_SQL.format(batch=batch))
        pgbench = "/usr/lib/postgresql/15/bin/pgbench"
        argv = [pgbench, "-n", "-M", "prepared", "-c", str(procs), "-j", str(procs), "-T", "3600", "-f", str(script),
                self.url()]
        return [subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=(self.workdir / "pgbench.log").open("w"),
                                 start_new_session=True)]

    def estimate(self, procs, batch, shape):
        return 20_000 if batch == 10 else 60_000


# ---------------------------------------------------------------- one run
def _wait_connected(url: str, procs: int, settle: float = 1.0, limit: float = 60) -> float:
    """Wait until at least ``procs`` client connections to ``url``'s database exist and
    their number has not changed for ``settle`` seconds (each process has connected and
    opened what it keeps open); returns the seconds waited. The warm-up starts after it."""
    t0 = last_change = time.monotonic()
    seen = -1
    with psycopg.connect(url, autocommit=True) as c:
        while time.monotonic() - t0 < limit:
            n = c.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                          "AND datname = current_database() AND pid <> pg_backend_pid()").fetchone()[0]
            now = time.monotonic()
            if n != seen:
                seen, last_change = n, now
            elif n >= procs and now - last_change >= settle:
                break
            time.sleep(0.1)
    return time.monotonic() - t0


def _checkpoint(url: str) -> None:
    """Start the sustained run from a checkpoint: the WAL its fill of millions of rows
    writes would otherwise start one (full-page writes, the checkpointer's I/O) inside the
    window, at a moment that depends on the fill, and first/last would measure that. The
    short runs are left as they are: starting each right after a checkpoint makes every
    window one of full-page writes, which is no more typical."""
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("CHECKPOINT")


def run_once(c: Contender, procs: int, batch: int, shape: str, warmup: float, window: float, pg_url: str) -> dict:
    n = int(c.estimate(procs, batch, shape) * (warmup + window + 10))
    c.fill(n, shape)
    workers = c.start(procs, batch, shape)
    try:
        _wait_connected(c.url(), procs)
        time.sleep(warmup)
        if any(p.poll() is not None for p in workers):
            raise RuntimeError(f"{c.name}: a process exited early (see its log in the work directory)")
        pg = _postgres_pids(pg_url)
        mine = [q for p in workers for q in _tree(p.pid)]
        left0, cpu0, pg0, t0 = c.unfinished(), _cpu_seconds(mine), _cpu_seconds(pg, reaped=False), time.monotonic()
        time.sleep(window)
        left1, cpu1, pg1, t1 = c.unfinished(), _cpu_seconds(mine), _cpu_seconds(pg, reaped=False), time.monotonic()
    finally:
        for p in workers:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
    if left1 == 0:
        print(f"  warning: {c.name} ran out of jobs; the rate is a lower bound", flush=True)
    el = t1 - t0
    return {"rate": (left0 - left1) / el, "cpu": 100 * (cpu1 - cpu0) / el, "pg_cpu": 100 * (pg1 - pg0) / el}


def sustained(c: Pgcadence, seconds: float, warmup: float) -> None:
    """4 × pgcadence worker (batch 100, no-op) for ``seconds``: jobs finished per second
    (from job_queue.finished_at), first third against last third."""
    c.fill(int(40_000 * (seconds + warmup + 10)), "noop")
    _checkpoint(c.url())
    workers = c.start(4, 100, "noop")
    try:
        _wait_connected(c.url(), 4)
        time.sleep(warmup)
        with psycopg.connect(c.url()) as conn:
            t0 = conn.execute("SELECT now()").fetchone()[0]
        time.sleep(seconds)
    finally:
        for p in workers:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    with psycopg.connect(c.url()) as conn:
        per = dict(conn.execute(
            """SELECT floor(extract(epoch FROM finished_at - %s))::int, count(*) FROM public.job_queue
               WHERE status = 'succeeded' AND finished_at >= %s AND finished_at < %s + make_interval(secs => %s)
               GROUP BY 1""", (t0, t0, t0, seconds)).fetchall())
        dead = conn.execute("""SELECT autovacuum_count, n_dead_tup, n_live_tup FROM pg_stat_user_tables
                               WHERE relid = 'public.job_queue'::regclass""").fetchone()
    n = int(seconds)
    third = n // 3
    first = sum(per.get(i, 0) for i in range(third)) / third
    last = sum(per.get(i, 0) for i in range(n - third, n)) / third
    print(f"\nsustained: 4 × pgcadence worker --concurrency 100 --batch-size 100, no-op, {n} s")
    print("  per second: " + " ".join(f"{per.get(i, 0) / 1000:.1f}k" for i in range(n)))
    print(f"  overall {sum(per.values()) / n:,.0f} jobs/s; first {third} s {first:,.0f} jobs/s; last {third} s "
          f"{last:,.0f} jobs/s; last/first = {last / first:.3f}")
    print(f"  job_queue after the run: {dead[0]} autovacuum run(s), {dead[1]:,} dead / {dead[2]:,} live tuples")
    if c.unfinished() == 0:
        print("  warning: the workers ran out of jobs; the last seconds measure an empty queue")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--warmup", type=float, default=5)
    ap.add_argument("--window", type=float, default=20)
    ap.add_argument("--only", action="append", choices=["pgcadence", "pgqueuer", "procrastinate", "raw"])
    ap.add_argument("--shapes", default="noop,sleep")
    ap.add_argument("--json", help="also write the raw figures to this file")
    ap.add_argument("--sustained", type=float, default=0, metavar="SECONDS",
                    help="afterwards, run 4 pgcadence workers this long and show their rate per second")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the cluster and the workers on the way out
    names = args.only or ["pgcadence", "pgqueuer", "procrastinate", "raw"]
    if any(n in ("pgqueuer", "procrastinate") for n in names) and not (PEER_PY / "python").exists():
        sys.exit("bench/.venv is missing: see bench/README.md for the two lines that create it")
    from pgcadence import migrate
    from tests.cluster import start_cluster

    cluster = start_cluster(BENCH_OPTIONS)
    workdir = Path(tempfile.mkdtemp(prefix="pgcadence-worker-bench-"))
    try:
        url = cluster.url()
        migrate.apply(url, progress=lambda m: None)
        with psycopg.connect(url) as c:
            print("PostgreSQL", c.execute("show server_version").fetchone()[0], "| fsync",
                  c.execute("show fsync").fetchone()[0], "| synchronous_commit",
                  c.execute("show synchronous_commit").fetchone()[0], "|", os.cpu_count(), "CPUs | load",
                  " ".join(f"{x:.1f}" for x in os.getloadavg()), flush=True)
        contenders = {cls.name: cls(url, workdir) for cls in (Pgcadence, PgQueuer, Procrastinate, RawFloor)
                      if cls.name in names}
        plan = []
        for shape in args.shapes.split(","):
            for procs, batch in (NOOP_CONFIGS if shape == "noop" else SLEEP_CONFIGS):
                for name in contenders:
                    if name == "raw" and shape == "sleep":
                        continue
                    plan.append((name, shape, procs, batch))
        results: dict[tuple, list[dict]] = {}
        for rnd in range(1, args.rounds + 1):
            for name, shape, procs, batch in plan:
                r = run_once(contenders[name], procs, batch, shape, args.warmup, args.window, url)
                results.setdefault((name, shape, procs, batch), []).append(r)
                print(f"round {rnd}: {name:13s} {shape:5s} {procs}×{batch:<3d} {r['rate']:9,.0f} jobs/s  "
                      f"workers {r['cpu']:5.0f}% CPU  PostgreSQL {r['pg_cpu']:5.0f}% CPU  (load {os.getloadavg()[0]:.1f})",
                      flush=True)
        print("\n| handler | processes × batch | contender | rounds (jobs/s) | median jobs/s | worker CPU % | PostgreSQL CPU % | vs PgQueuer |")
        print("|---|---|---|---|---|---|---|---|")
        for name, shape, procs, batch in plan if results else ():
            rs = results[(name, shape, procs, batch)]
            med = statistics.median(r["rate"] for r in rs)
            peer = results.get(("pgqueuer", shape, procs, batch))
            ratio = f"{med / statistics.median(r['rate'] for r in peer):.2f}×" if peer and name != "pgqueuer" else ""
            rounds = " / ".join(f"{r['rate']:,.0f}" for r in rs)
            print(f"| {shape} | {procs} × {batch} | {name} | {rounds} | {med:,.0f} | "
                  f"{statistics.median(r['cpu'] for r in rs):.0f} | {statistics.median(r['pg_cpu'] for r in rs):.0f} | {ratio} |")
        print("\ncommands:")
        seen = set()
        for name, shape, procs, batch in plan if results else ():
            cmd = contenders[name].command(procs, batch, shape)
            if cmd not in seen:
                seen.add(cmd)
                print(f"  {cmd}")
        if args.json:
            Path(args.json).write_text(json.dumps({" ".join(map(str, k)): v for k, v in results.items()}, indent=1))
        if args.sustained:
            sustained(Pgcadence(url, workdir), args.sustained, args.warmup)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
