"""Throwaway PostgreSQL clusters for the tests, started through pytest-postgresql.

pytest-postgresql drives ``pg_ctl``; PostgreSQL refuses to run as root, so when the
tests run as root (CI does) ``pg_ctl`` is a generated wrapper that runs the real one
as the ``postgres`` OS user, in a directory that user owns.
"""

from __future__ import annotations

import os
import pwd
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from port_for import get_port
from pytest_postgresql.executors import PostgreSQLExecutor

from pgcadence.embedded import SERVER_USER, pg_bindir
from pgcadence.vault import ensure_key_file

CRON_OPTIONS = (
    "-c shared_preload_libraries=pg_cron -c cron.database_name=pgcadence "
    "-c cron.use_background_workers=on -c cron.max_running_jobs=8 -c max_worker_processes=32 "
    "-c max_connections=200 -c fsync=off -c listen_addresses=127.0.0.1"
)
PLAIN_OPTIONS = "-c fsync=off -c listen_addresses=127.0.0.1"


@dataclass
class TestCluster:
    executor: PostgreSQLExecutor
    base: Path
    extra_dirs: list[Path] = field(default_factory=list)  # removed with the cluster (e.g. a key script's)

    @property
    def port(self) -> int:
        return self.executor.port

    def url(self, dbname: str = "pgcadence") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def restart(self) -> None:
        """Start the stopped server and return once it accepts connections (the executor
        returns when the port opens, which can be before: "the database system is
        starting up")."""
        self.executor.start()
        _connect_when_ready(self.url("postgres")).close()

    def stop(self) -> None:
        try:
            if self.executor.running():
                self.executor.stop()
        finally:
            for path in (self.base, *self.extra_dirs):
                shutil.rmtree(path, ignore_errors=True)


def _wrapper(base: Path) -> Path:
    real = pg_bindir() / "pg_ctl"
    script = base / "pg_ctl"
    if os.geteuid() == 0:
        body = f'#!/bin/sh\ncd /\nexec runuser -u {SERVER_USER} -- "{real}" "$@"\n'
    else:
        body = f'#!/bin/sh\nexec "{real}" "$@"\n'
    script.write_text(body)
    script.chmod(0o755)
    return script


def _connect_when_ready(url: str, timeout: float = 60.0) -> psycopg.Connection:
    """The executor returns once the TCP port is open, which can be before the server
    accepts connections ("the database system is starting up") on a busy machine."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return psycopg.connect(url, autocommit=True)
        except psycopg.OperationalError as exc:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def server_owned_dir(prefix: str) -> Path:
    """A fresh directory under /tmp that the server's OS user owns."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    if os.geteuid() == 0:
        pw = pwd.getpwnam(SERVER_USER)
        os.chown(path, pw.pw_uid, pw.pw_gid)
    return path


def start_cluster(options: str = CRON_OPTIONS, dbname: str = "pgcadence",
                  extra_dirs: list[Path] | None = None) -> TestCluster:
    base = server_owned_dir("pgcadence-test-")
    executor = PostgreSQLExecutor(
        executable=str(_wrapper(base)),
        host="127.0.0.1",
        port=get_port(None),
        datadir=str(base / "data"),
        unixsocketdir=str(base),
        logfile=str(base / "postgres.log"),
        startparams="-w",
        dbname=dbname,
        postgres_options=options,
    )
    cluster = TestCluster(executor, base, list(extra_dirs or []))
    try:
        executor.start()
        # the Vault key ring the server reads at call time (migration 0002)
        ensure_key_file(base / "data", SERVER_USER if os.geteuid() == 0 else None)
        with _connect_when_ready(cluster.url("postgres")) as conn:
            conn.execute(f'create database "{dbname}"')
    except BaseException:
        cluster.stop()
        raise
    return cluster


# Standing pg_cron jobs that put work in the queue on their own (the game platform's at
# :00 and :30, the cache's due refreshes every minute): tests that count the queue's jobs
# switch them off for their duration.
_ENQUEUING = ("SELECT jobid FROM cron.job WHERE active AND (command LIKE '%%job_queue_enqueue%%'"
              " OR jobname = 'pgcadence_cache_refresh')")


def pause_enqueuing_cron_jobs(url: str) -> list[int]:
    """Deactivate them; returns their ids for :func:`resume_cron_jobs`."""
    with psycopg.connect(url, autocommit=True) as c:
        ids = [r[0] for r in c.execute(_ENQUEUING)]
        for jobid in ids:
            c.execute("SELECT cron.alter_job(%s, active => false)", (jobid,))
    return ids


def resume_cron_jobs(url: str, ids: list[int]) -> None:
    with psycopg.connect(url, autocommit=True) as c:
        for jobid in ids:
            c.execute("SELECT cron.alter_job(%s, active => true)", (jobid,))
