"""The executor: ``serve`` and ``keys``; the serve options ``run`` shares."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import click

from pgcadence import db, embedded, error_reporting
from pgcadence.cli.common import confirm, connect, database_option, dsn, emit_object, json_option, yes_option
from pgcadence.errors import CadenceError
from pgcadence.executor import REGISTRY, auth, keys, logs
from pgcadence.executor.app import DEFAULT_MAX_BODY, DEFAULT_TIMEOUT
from pgcadence.executor.serve import DEFAULT_HOST, DEFAULT_PORT, ServeOptions, serve as serve_async
from pgcadence.executor.services import SERVICES
from pgcadence.metrics.server import AUTH_MODES, DEFAULT_HOST as METRICS_HOST, DEFAULT_PORT as METRICS_PORT, MetricsServer


def service_flags(f):
    """One --no-<name> flag per registered background service."""
    for spec in reversed(SERVICES):
        f = click.option(f"--no-{spec.name}", f"no_svc_{spec.name.replace('-', '_')}", is_flag=True,
                         help=f"Do not run {spec.help}.")(f)
    return f


def serve_options(f):
    """Options shared by ``serve`` and ``run``."""
    f = metrics_options(f)
    f = click.option("--config", "config_path", type=click.Path(dir_okay=False, exists=True, path_type=Path),
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


def observability(dsn: str, kwargs: dict) -> list:
    """Sentry when $SENTRY_DSN is set; the /metrics service unless --no-metrics."""
    error_reporting.init("serve")
    if kwargs.get("no_metrics"):
        return []
    ctx = click.get_current_context()
    chosen = any(ctx.get_parameter_source(p) != click.core.ParameterSource.DEFAULT for p in ("metrics_host", "metrics_port"))
    server = MetricsServer(dsn, kwargs["metrics_host"], kwargs["metrics_port"], kwargs["metrics_auth"], required=chosen)
    return [("metrics", lambda: server)]


def options_from(url: str, host: str, port: int, kwargs: dict, executor: bool = True) -> ServeOptions:
    disabled = {s.name for s in SERVICES if kwargs.get(f"no_svc_{s.name.replace('-', '_')}")}
    return ServeOptions(dsn=url, host=host, port=port, config_path=kwargs.get("config_path"), executor=executor,
                        disabled=disabled, load=list(kwargs.get("load") or []), max_body=kwargs["max_body"],
                        request_timeout=kwargs["request_timeout"],
                        cors_origins=tuple(kwargs.get("cors_origins") or ()))


def describe_ready(opts: ServeOptions):
    def ready(url: str) -> None:
        parts = []
        if url:
            parts.append(f"executor on {url} ({len(REGISTRY)} functions: {', '.join(sorted(REGISTRY))})")
        running = [s.name for s in SERVICES if s.name not in opts.disabled]
        parts.append("services: " + (", ".join(running) if running else "none"))
        parts += [f"{name} sender not started ({why})" for name, why in opts.not_started.items()]
        click.echo("pgcadence serve: " + "; ".join(parts) + ". SIGTERM/Ctrl-C stops it gracefully.")

    return ready


@click.command()
@database_option
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True, help="TCP port.")
@click.option("--no-executor", is_flag=True, help="Run only the background services, no HTTP server.")
@service_flags
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
    if not no_executor and embedded.port_in_use(port, host):
        raise CadenceError(f"port {port} on {host} is in use by another program: pass --port with a free port "
                           "(or stop what listens there)")
    opts = options_from(dsn(database), host, port, kwargs, executor=not no_executor)
    logs.setup()
    extra = observability(opts.dsn, kwargs)
    asyncio.run(serve_async(opts, extra=extra, on_ready=describe_ready(opts)))
    click.echo("pgcadence serve: stopped")


# ------------------------------------------------------------------ keys
@click.group("keys", invoke_without_command=True)
@database_option
@json_option
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
    with connect(database) as conn:
        found = keys.project_keys(conn)
    if not as_json and not found["project_url"]:
        found["project_url"] = "(not set: pgcadence keys init --project-url URL)"
    emit_object(found, as_json, labels={"project_url": "project_url", keys.ANON_KEY: "anon key",
                                        keys.SERVICE_ROLE_KEY: "service_role key"})


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
    with connect(database) as conn:
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
    with connect(database) as conn:
        changes = keys.ensure_project_keys(conn, project_url.rstrip("/") if project_url else None, replace_url=True)
    for line in changes:
        click.echo(f"  {line}")
    click.echo("keys ready" if changes else "keys already in place")


@keys_cmd.command()
@database_option
@click.option("--overlap", default="24h", show_default=True, callback=_ttl,
              help="How long keys signed with the old secret still verify: 15m, 1h, 7d … (at most 30 days).")
@click.option("--finish", is_flag=True, help="Retire the old secret of the open rotation now.")
@yes_option
def rotate(database: str | None, overlap: int, finish: bool, yes: bool) -> None:
    """Rotate the project JWT secret and the anon / service_role keys.

    A new secret and new keys go to Vault in one transaction (cron commands read the new
    service_role_key at their next run); keys signed with the old secret keep working
    for the --overlap window, so clients can move over. Then 'keys rotate --finish'
    retires the old secret. Every rotation is recorded in pgcadence.key_rotations.
    """
    with connect(database) as conn:
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


COMMANDS = (serve, keys_cmd)
