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

from pgcadence import db
from pgcadence.errors import CadenceError
from pgcadence.executor import auth, keys, logs
from pgcadence.executor.app import DEFAULT_MAX_BODY, DEFAULT_TIMEOUT
from pgcadence.executor.serve import DEFAULT_HOST, DEFAULT_PORT, ServeOptions, check_database, serve as serve_async
from pgcadence.executor.services import SERVICES, FatalServiceError

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
    f = click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
                     help="Supabase-style config.toml with [functions.<name>] verify_jwt = false. "
                          "Default: ./supabase/config.toml when it exists.")(f)
    f = click.option("--load", "load", multiple=True, metavar="MODULE",
                     help="Also import this Python module to register more functions (repeatable).")(f)
    f = click.option("--max-body", type=click.IntRange(min=1), default=DEFAULT_MAX_BODY, show_default=True,
                     help="Largest request body in bytes (larger: 413).")(f)
    f = click.option("--request-timeout", type=click.FloatRange(min=0.01), default=DEFAULT_TIMEOUT, show_default=True,
                     help="Seconds a request may take (longer: 504).")(f)
    return f


def _options_from(dsn: str, host: str, port: int, kwargs: dict, executor: bool = True) -> ServeOptions:
    disabled = {s.name for s in SERVICES if kwargs.get(f"no_svc_{s.name.replace('-', '_')}")}
    return ServeOptions(dsn=dsn, host=host, port=port, config_path=kwargs.get("config_path"), executor=executor,
                        disabled=disabled, load=list(kwargs.get("load") or []), max_body=kwargs["max_body"],
                        request_timeout=kwargs["request_timeout"])


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
    Logs: one JSON line per request on stderr. SIGTERM/SIGINT: in-flight requests finish.
    """
    opts = _options_from(db.resolve_dsn(database), host, port, kwargs, executor=not no_executor)
    logs.setup()
    asyncio.run(serve_async(opts, on_ready=_describe_ready(opts)))
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
    pgcadence keys rotate [--overlap 24h]   new secret and keys; old keys verify meanwhile
    pgcadence keys rotate --finish      retire the old secret
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


@keys_cmd.command()
@database_option
@click.option("--overlap", default="24h", show_default=True, callback=_ttl,
              help="How long keys signed with the old secret still verify: 15m, 1h, 7d … (at most 30 days).")
@click.option("--finish", is_flag=True, help="Retire the old secret of the open rotation now.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask (required when stdin is not a terminal).")
def rotate(database: str | None, overlap: int, finish: bool, yes: bool) -> None:
    """Rotate the project JWT secret and the anon / service_role keys.

    A new secret and new keys go to Vault in one transaction (cron commands read the new
    service_role_key at their next run); keys signed with the old secret keep working
    for the --overlap window, so clients can move over. Then 'keys rotate --finish'
    retires the old secret. Every rotation is recorded in pgcadence.key_rotations.
    """
    from pgcadence.cli.migrate import confirm

    with db.connect(db.resolve_dsn(database)) as conn:
        if finish:
            done = keys.finish_rotation(conn)
            click.echo(f"rotation {done['rotation']} finished: the old secret ({done['retired_fingerprint']}) "
                       "is retired; keys signed with it no longer verify")
            return
        confirm(f"issue new anon and service_role keys (old keys verify for {overlap} s more)?", yes)
        done = keys.rotate(conn, overlap)
    click.echo(f"rotation {done['rotation']}: new secret {done['new_fingerprint']} replaces {done['old_fingerprint']}")
    click.echo(f"old keys verify until {done['old_keys_verify_until']:%Y-%m-%d %H:%M:%S %Z}; "
               "the new keys are in Vault ('pgcadence keys' prints them)")
    click.echo("hand the new anon key to clients, then run 'pgcadence keys rotate --finish'")


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
    asyncio.run(serve_async(opts, extra=[("heartbeat", lambda: Heartbeat(cluster, url))],
                            on_ready=_describe_ready(opts)))


def register(cli: click.Group) -> None:
    from pgcadence import doctor

    doctor.EXTRA_CHECKS.append(keys.doctor_checks)
    cli.add_command(serve)
    cli.add_command(keys_cmd, name="keys")


__all__ = ["register", "ensure_embedded_keys", "run_in_foreground", "serve_options", "CadenceError"]
