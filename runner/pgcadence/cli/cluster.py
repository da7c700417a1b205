"""The embedded cluster: ``up``, ``down`` and ``run`` (what ``make run`` calls).

A second ``up`` or ``run`` never touches a cluster that runs already: it says what runs
where and exits 1. A busy port is refused before anything starts.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from pathlib import Path

import click
import psycopg

from pgcadence import credentials, db, embedded
from pgcadence.cli import admin as cli_admin, executor as cli_executor
from pgcadence.cli.common import lines
from pgcadence.cli.migrate import apply_all
from pgcadence.errors import CadenceError
from pgcadence.executor import keys, logs
from pgcadence.executor.serve import DEFAULT_HOST, DEFAULT_PORT as SERVE_PORT, check_database, serve as serve_async
from pgcadence.executor.services import FatalServiceError

data_dir_option = click.option(
    "--data-dir", type=click.Path(file_okay=False, path_type=Path),
    help="Where the cluster lives. Default: $PGCADENCE_HOME, ./.pgcadence in a checkout, else ~/.local/share/pgcadence.",
)
port_option = click.option("--port", type=click.IntRange(1024, 65535), default=embedded.DEFAULT_PORT,
                           show_default=True, help="TCP port of PostgreSQL on 127.0.0.1.")
serve_port_option = click.option("--serve-port", type=click.IntRange(1024, 65535), default=SERVE_PORT,
                                 show_default=True, help="Port of the executor (stored in Vault as project_url).")


def _cluster(data_dir: Path | None, port: int = embedded.DEFAULT_PORT) -> embedded.Cluster:
    return embedded.Cluster((data_dir or embedded.default_base()).resolve(), port=port)


def _refuse_if_running(cluster: embedded.Cluster) -> None:
    running = cluster.summary()
    if running:
        raise CadenceError(f"the embedded cluster in {cluster.base} is already {running}: use it as it is "
                           "('pgcadence status'), or stop it first ('pgcadence down')")


def _free(port: int, option: str) -> None:
    if embedded.port_in_use(port):
        raise CadenceError(f"port {port} on 127.0.0.1 is in use by another program: pass {option} with a free port "
                           "(or stop what listens there)")


def _start(cluster: embedded.Cluster, serve_port: int) -> str:
    """Start the cluster, migrate it, put the project keys in Vault; its URL."""
    progress = lines()
    cluster.init(progress)
    cluster.start(progress)
    url = cluster.url()
    res = apply_all(url, label="migrating the embedded cluster")
    click.echo(f"  {len(res.migrations)} migration(s) applied" if res.migrations else "  migrations up to date")
    ensure_embedded_keys(url, serve_port, progress)
    _ensure_credential_key(cluster, progress)
    return url


def ensure_embedded_keys(url: str, serve_port: int, progress) -> None:
    """Project keys in Vault, project_url pointing at the local executor, and the two
    secrets the worker trigger (sql/queue/worker_trigger.sql) reads."""
    with db.connect(url) as conn:
        if not keys.vault_installed(conn):
            progress("Vault is not installed: project keys not created")
            return
        for line in keys.ensure_project_keys(conn, f"http://127.0.0.1:{serve_port}"):
            progress(line)
        if keys.get_secret(conn, "job_queue_runner_secret") is None:
            keys.set_secret(conn, "job_queue_runner_secret", secrets.token_urlsafe(32),
                            "shared secret pg_cron presents to /api/jobs/run")
            progress("stored Vault secret job_queue_runner_secret")
        if keys.get_secret(conn, "job_queue_worker_endpoint") is None:
            endpoint = f"http://127.0.0.1:{serve_port}/api/jobs/run"
            keys.set_secret(conn, "job_queue_worker_endpoint", endpoint, "URL pg_cron posts to to process due jobs")
            progress(f"stored Vault secret job_queue_worker_endpoint = {endpoint}")


def _ensure_credential_key(cluster: embedded.Cluster, progress) -> None:
    """The CRED_SEAL_KEY ring for sealed credentials, beside the cluster."""
    if os.environ.get(credentials.ENV_KEY):
        return
    path = credentials.default_key_file()
    if not os.environ.get(credentials.ENV_FILE) and cluster.base != embedded.default_base().resolve():
        path = cluster.base / credentials.KEY_FILE_NAME
        os.environ[credentials.ENV_FILE] = str(path)  # for serve when `run` starts it in this process
        progress(f"credential key ring: {path} (export {credentials.ENV_FILE}={path} for other shells)")
    if not path.exists():
        credentials.init_key_file(path)
        progress(f"created the credential key ring {path} (mode 0600)")


@click.command()
@data_dir_option
@port_option
@serve_port_option
def up(data_dir: Path | None, port: int, serve_port: int) -> None:
    """Start the embedded PostgreSQL with pg_cron, migrate it, create the project keys
    in Vault (project_url = the local executor), print its URL. Refuses (exit 1) when
    it runs already."""
    cluster = _cluster(data_dir, port)
    _refuse_if_running(cluster)
    _free(port, "--port")
    click.echo(_start(cluster, serve_port))


@click.command()
@data_dir_option
def down(data_dir: Path | None) -> None:
    """Stop the embedded PostgreSQL (its data stays on disk)."""
    cluster = _cluster(data_dir)
    runner = cluster.runner()
    if runner and cluster.running():
        click.echo(f"  'pgcadence run' (pid {runner['pid']}) serves this cluster: it stops with it")
    cluster.stop(lines())


class Heartbeat:
    """``pgcadence run``: print each pg_cron tick; stop everything if PostgreSQL dies."""

    def __init__(self, cluster: embedded.Cluster, url: str) -> None:
        self.cluster, self.url = cluster, url

    async def run(self, stop: asyncio.Event) -> None:
        last = None
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=1)
                return
            except TimeoutError:
                pass
            if not self.cluster.running():
                raise FatalServiceError(f"PostgreSQL stopped unexpectedly; see {self.cluster.logfile}")
            try:
                async with await psycopg.AsyncConnection.connect(self.url, autocommit=True, connect_timeout=5) as conn:
                    cur = await conn.execute("select beats, beat_at from pgcadence.cron_heartbeat")
                    beats, at = await cur.fetchone()
            except psycopg.Error:
                continue
            if beats != last:
                if last is not None or beats:
                    click.echo(f"{time.strftime('%H:%M:%S')} pg_cron tick #{beats} at {at:%H:%M:%S} UTC")
                last = beats


def _serve_in_foreground(cluster: embedded.Cluster, url: str, serve_port: int, kwargs: dict) -> None:
    """Serve + services + heartbeat until SIGTERM/Ctrl-C."""
    opts = cli_executor.options_from(url, DEFAULT_HOST, serve_port, kwargs)
    logs.setup()
    try:
        check_database(url)
        click.echo(f"starting the executor on http://{DEFAULT_HOST}:{serve_port} and the background services")
    except CadenceError as exc:
        opts.executor = False
        click.echo(f"not starting the executor: {exc}; starting the background services")
    extra = [("heartbeat", lambda: Heartbeat(cluster, url)), *cli_executor.observability(url, kwargs)]
    asyncio.run(serve_async(opts, extra=extra, on_ready=cli_executor.describe_ready(opts)))


@click.command()
@data_dir_option
@port_option
@serve_port_option
@click.option("--keep-running", is_flag=True, help="Leave PostgreSQL running when this command exits.")
@cli_executor.service_flags
@cli_executor.serve_options
def run(data_dir: Path | None, port: int, serve_port: int, keep_running: bool, **serve_kwargs) -> None:
    """The whole system on the embedded default, in the foreground until Ctrl-C:
    PostgreSQL with pg_cron, the executor (pgcadence serve) and its background services.
    Refuses (exit 1) when the cluster runs already, or a port is taken."""
    cluster = _cluster(data_dir, port)
    _refuse_if_running(cluster)
    _free(port, "--port")
    _free(serve_port, "--serve-port")
    click.echo("pgcadence run: starting the embedded cluster")
    try:  # from here on the cluster is ours: nothing ran before (refused above)
        url = _start(cluster, serve_port)
        cluster.record_runner(serve_port)
        click.echo(f"database: {url}")
        cli_admin.announce_console(url, serve_port)  # local admin, sign-in link, demo offer
        click.echo("ready. In another shell: pgcadence status    (Ctrl-C here stops everything)")
        _serve_in_foreground(cluster, url, serve_port, serve_kwargs)
    finally:
        cluster.forget_runner()
        if not keep_running:
            click.echo("shutting down")
            cluster.stop(lines())


COMMANDS = (up, down, run)
