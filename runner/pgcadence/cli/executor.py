"""CLI verbs of the executor: ``serve`` and ``keys``; plus the hooks ``up``/``run`` call."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import uuid
from pathlib import Path

import click
import psycopg

from pgcadence import db, error_reporting
from pgcadence.errors import CadenceError
from pgcadence.executor import auth, keys, logs
from pgcadence.executor.app import DEFAULT_MAX_BODY, DEFAULT_TIMEOUT
from pgcadence.executor.serve import DEFAULT_HOST, DEFAULT_PORT, ServeOptions, check_database, serve as serve_async
from pgcadence.executor.services import SERVICES, FatalServiceError
from pgcadence.metrics.server import AUTH_MODES, DEFAULT_HOST as METRICS_HOST, DEFAULT_PORT as METRICS_PORT, MetricsServer

DATABASE_HELP = "Connection URL or conninfo. Default: $DATABASE_URL, else the PG* variables, else the running embedded cluster."
database_option = click.option("--database", "-d", metavar="URL", help=DATABASE_HELP)


def _service_flags(f):
    """One --no-<name> flag per registered background service."""
    for spec in reversed(SERVICES):
        f = click.option(f"--no-{spec.name}", f"no_svc_{spec.name.replace('-', '_')}", is_flag=True,
                         help=f"Do not run {spec.help}.")(f)
    return f


def serve_options(f):
    """Options shared by ``serve`` and ``run``."""
    f = metrics_options(f)
    f = click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
                     help="Supabase-style config.toml with [functions.<name>] verify_jwt = false. "
                          "Default: ./supabase/config.toml when it exists.")(f)
    f = click.option("--load", "load", multiple=True, metavar="MODULE",
                     help="Also import this Python module to register more functions (repeatable).")(f)
    f = click.option("--max-body", type=click.IntRange(min=1), default=DEFAULT_MAX_BODY, show_default=True,
                     help="Largest request body in bytes (larger: 413).")(f)
    f = click.option("--request-timeout", type=click.FloatRange(min=0.01), default=DEFAULT_TIMEOUT, show_default=True,
                     help="Seconds a request may take (longer: 504).")(f)
    f = click.option("--cors-origin", "cors_origins", multiple=True, metavar="ORIGIN",
                     help="A browser origin allowed to call the functions (repeatable). "
                          "Default: $PGCADENCE_CORS_ORIGINS (comma-separated), else any origin (*).")(f)
    return f


def metrics_options(f):
    """/metrics on its own listen address (see pgcadence.metrics.server for why)."""
    f = click.option("--metrics-auth", type=click.Choice(AUTH_MODES), default="none", show_default=True,
                     help="'service-role': scrapes must send Authorization: Bearer <service_role key>.")(f)
    f = click.option("--metrics-port", type=click.IntRange(1, 65535), default=METRICS_PORT, show_default=True,
                     help="Port of /metrics (Prometheus text format).")(f)
    f = click.option("--metrics-host", default=METRICS_HOST, show_default=True,
                     help="Address /metrics listens on; loopback keeps it off the network.")(f)
    f = click.option("--no-metrics", is_flag=True, help="Do not serve /metrics.")(f)
    return f


def _observability(dsn: str, kwargs: dict) -> list:
    """Sentry when $SENTRY_DSN is set; the /metrics service unless --no-metrics."""
    error_reporting.init("serve")
    if kwargs.get("no_metrics"):
        return []
    ctx = click.get_current_context()
    chosen = any(ctx.get_parameter_source(p) != click.core.ParameterSource.DEFAULT for p in ("metrics_host", "metrics_port"))
    server = MetricsServer(dsn, kwargs["metrics_host"], kwargs["metrics_port"], kwargs["metrics_auth"], required=chosen)
    return [("metrics", lambda: server)]


def _options_from(dsn: str, host: str, port: int, kwargs: dict, executor: bool = True) -> ServeOptions:
    disabled = {s.name for s in SERVICES if kwargs.get(f"no_svc_{s.name.replace('-', '_')}")}
    return ServeOptions(dsn=dsn, host=host, port=port, config_path=kwargs.get("config_path"), executor=executor,
                        disabled=disabled, load=list(kwargs.get("load") or []), max_body=kwargs["max_body"],
                        request_timeout=kwargs["request_timeout"],
                        cors_origins=tuple(kwargs.get("cors_origins") or ()))


def _describe_ready(opts: ServeOptions):
    def ready(url: str) -> None:
        from pgcadence.executor.registry import REGISTRY

        parts = []
        if url:
            parts.append(f"executor on {url} ({len(REGISTRY)} functions: {', '.join(sorted(REGISTRY))})")
        running = [s.name for s in SERVICES if s.name not in opts.disabled]
        parts.append("services: " + (", ".join(running) if running else "none"))
        click.echo("pgcadence serve: " + "; ".join(parts) + ". SIGTERM/Ctrl-C stops it gracefully.")

    return ready


@click.command()
@database_option
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True, help="TCP port.")
@click.option("--no-executor", is_flag=True, help="Run only the background services, no HTTP server.")
@_service_flags
@serve_options
def serve(database: str | None, host: str, port: int, no_executor: bool, **kwargs) -> None:
    """Serve the HTTP functions pg_net calls, plus the background services, in one process.

    \b
    Routes:  /functions/v1/<name>   every registered function (JSON in, JSON out)
             /api/jobs/run          service-only (job_queue_runner_secret or service_role key)
             /healthz               liveness and database reachability
             /openapi.json          the OpenAPI description
    /metrics (Prometheus) listens apart, on 127.0.0.1:54331 (--metrics-*).
    Logs: one JSON line per request on stderr. SENTRY_DSN set: errors go to Sentry.
    SIGTERM/SIGINT: in-flight requests finish.
    """
    opts = _options_from(db.resolve_dsn(database), host, port, kwargs, executor=not no_executor)
    logs.setup()
    extra = _observability(opts.dsn, kwargs)
    asyncio.run(serve_async(opts, extra=extra, on_ready=_describe_ready(opts)))
    click.echo("pgcadence serve: stopped")


# ------------------------------------------------------------------ keys
@click.group(invoke_without_command=True)
@database_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object instead of lines.")
@click.pass_context
def keys_cmd(ctx: click.Context, database: str | None, as_json: bool) -> None:
    """Print the project's anon and service_role keys (JWTs kept in Vault).

    \b
    pgcadence keys                      project URL, anon key, service_role key
    pgcadence keys mint --sub UUID      a user token, as an auth server would mint it
    pgcadence keys init                 create missing keys (pgcadence up does this)
    """
    if ctx.invoked_subcommand is not None:
        return
    with db.connect(db.resolve_dsn(database)) as conn:
        found = keys.project_keys(conn)
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    click.echo(f"project_url       {found['project_url'] or '(not set: pgcadence keys init --project-url URL)'}")
    click.echo(f"anon key          {found[keys.ANON_KEY]}")
    click.echo(f"service_role key  {found[keys.SERVICE_ROLE_KEY]}")


def _uuid(ctx, param, value):
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a UUID") from None


def _ttl(ctx, param, value):
    try:
        return auth.parse_ttl(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@keys_cmd.command()
@database_option
@click.option("--sub", required=True, callback=_uuid, metavar="UUID", help="The user's id (auth.uid()).")
@click.option("--role", type=click.Choice(auth.KNOWN_ROLES), default="authenticated", show_default=True)
@click.option("--ttl", default="1h", show_default=True, callback=_ttl, help="Lifetime: 90s, 15m, 1h, 7d …")
@click.option("--email", help="Optional email claim (auth.email()).")
def mint(database: str | None, sub: str, role: str, ttl: int, email: str | None) -> None:
    """Mint a user JWT signed with the project secret; prints only the token."""
    with db.connect(db.resolve_dsn(database)) as conn:
        secret = keys.jwt_secret(conn)
    click.echo(auth.mint(secret, role, ttl=ttl, sub=sub, email=email))


@keys_cmd.command()
@database_option
@click.option("--project-url", metavar="URL", help="Base URL of the executor to store as Vault 'project_url'.")
def init(database: str | None, project_url: str | None) -> None:
    """Create the project JWT secret and the anon/service_role keys in Vault if missing;
    with --project-url, also store (or replace) the executor's base URL."""
    if project_url and not project_url.startswith(("http://", "https://")):
        raise click.BadParameter("must start with http:// or https://", param_hint="--project-url")
    with db.connect(db.resolve_dsn(database)) as conn:
        changes = keys.ensure_project_keys(conn, project_url.rstrip("/") if project_url else None, replace_url=True)
    for line in changes:
        click.echo(f"  {line}")
    click.echo("keys ready" if changes else "keys already in place")


# ------------------------------------------------------------------ hooks for up / run
def ensure_embedded_keys(url: str, serve_port: int, progress) -> None:
    """``pgcadence up``: project keys in Vault, project_url pointing at the local executor."""
    with db.connect(url) as conn:
        if not keys.vault_installed(conn):
            progress("Vault is not installed: project keys not created")
            return
        for line in keys.ensure_project_keys(conn, f"http://127.0.0.1:{serve_port}"):
            progress(line)
        # the worker trigger (sql/queue/worker_trigger.sql) reads these two from Vault
        if keys.get_secret(conn, "job_queue_runner_secret") is None:
            keys.set_secret(conn, "job_queue_runner_secret", secrets.token_urlsafe(32),
                            "shared secret pg_cron presents to /api/jobs/run")
            progress("stored Vault secret job_queue_runner_secret")
        if keys.get_secret(conn, "job_queue_worker_endpoint") is None:
            endpoint = f"http://127.0.0.1:{serve_port}/api/jobs/run"
            keys.set_secret(conn, "job_queue_worker_endpoint", endpoint, "URL pg_cron posts to to process due jobs")
            progress(f"stored Vault secret job_queue_worker_endpoint = {endpoint}")


class Heartbeat:
    """``pgcadence run``: print each pg_cron tick; stop everything if PostgreSQL dies."""

    def __init__(self, cluster, url: str) -> None:
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


def run_in_foreground(cluster, url: str, serve_port: int, kwargs: dict) -> None:
    """``pgcadence run``: serve + services + heartbeat until SIGTERM/Ctrl-C."""
    opts = _options_from(url, DEFAULT_HOST, serve_port, kwargs)
    logs.setup()
    try:
        check_database(url)
        click.echo(f"starting the executor on http://{DEFAULT_HOST}:{serve_port} and the background services")
    except CadenceError as exc:
        opts.executor = False
        click.echo(f"not starting the executor: {exc}; starting the background services")
    extra = [("heartbeat", lambda: Heartbeat(cluster, url)), *_observability(url, kwargs)]
    asyncio.run(serve_async(opts, extra=extra, on_ready=_describe_ready(opts)))


def register(cli: click.Group) -> None:
    from pgcadence import doctor

    doctor.EXTRA_CHECKS.append(keys.doctor_checks)
    cli.add_command(serve)
    cli.add_command(keys_cmd, name="keys")


__all__ = ["register", "ensure_embedded_keys", "run_in_foreground", "serve_options", "CadenceError"]
