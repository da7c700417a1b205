"""``pgcadence status``: what ``supabase status`` shows, for this database — the URLs, the
keys, which services run, the migrations and modules. ``-o env`` prints shell
assignments (``eval "$(pgcadence status -o env)"``), ``-o json`` one object."""

from __future__ import annotations

import shlex
import urllib.error
import urllib.request

import click
import psycopg

from pgcadence import __version__, db, embedded, migrate as migrate_mod, queries as q
from pgcadence.cli.common import database_option, dsn, to_json
from pgcadence.errors import CadenceError
from pgcadence.executor import keys


def _probe(url: str) -> str:
    """The executor's /healthz, in words."""
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=3) as resp:
            return f"running at {url} (healthz {resp.status})"
    except urllib.error.HTTPError as exc:
        return f"running at {url}, degraded (healthz {exc.code}: database unreachable from it)"
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"not reachable at {url} ({reason}): start 'pgcadence serve'"


def _services(conn: psycopg.Connection, api_url: str | None) -> dict[str, str]:
    out: dict[str, str] = {"executor": _probe(api_url) if api_url else "unknown: no project_url in Vault "
                                                                      "(pgcadence keys init --project-url URL)"}
    real, shim, queue, beat = conn.execute(
        "select exists (select 1 from pg_extension where extname = 'pg_net'), to_regprocedure(%s) is not null,"
        " to_regprocedure(%s) is not null, to_regclass('pgcadence.cron_heartbeat') is not null",
        (q.NET_STATUS.regprocedure, q.JOB_QUEUE_PAUSED.regprocedure)).fetchone()
    if real:
        out["net sender"] = "the real pg_net extension"
    elif shim:
        queued, in_flight, senders = conn.execute(f"select queued, in_flight, senders from {q.NET_STATUS}").fetchone()
        out["net sender"] = (f"{senders} connected" if senders else "none connected") + \
            f", {queued} queued, {in_flight} in flight"
    if queue:
        paused, due = conn.execute(
            f"select {q.JOB_QUEUE_PAUSED}, (select coalesce(sum(due), 0) from public.job_queue_metrics)").fetchone()
        out["job queue"] = f"processing {'PAUSED' if paused else 'on'}, {due} job(s) due"
    if beat:
        age = conn.execute("select extract(epoch from now() - beat_at)::int from pgcadence.cron_heartbeat").fetchone()
        out["pg_cron"] = "no tick yet" if not age or age[0] is None else f"last tick {age[0]} s ago"
    cluster = embedded.Cluster(embedded.default_base())
    if cluster.initialised():
        out["embedded cluster"] = f"in {cluster.base}, {cluster.summary() or 'stopped (pgcadence up)'}"
    return out


def gather(url: str) -> dict:
    """Everything status shows, as one object."""
    with db.connect(url) as conn:
        server, name = conn.execute("select current_setting('server_version'), current_database()").fetchone()
        cron = conn.execute("select extversion from pg_extension where extname = 'pg_cron'").fetchone()
        found: dict = {}
        try:
            if keys.vault_installed(conn):
                found = keys.project_keys(conn)
        except (CadenceError, psycopg.Error):
            found = {}
        api_url = found.get("project_url")
        st = migrate_mod.status_of(conn)
        services = _services(conn, api_url)
        db_url = url or conn.info.dsn
    return {
        "version": __version__,
        "database": name,
        "server_version": server,
        "pg_cron": cron[0] if cron else None,
        "api_url": api_url,
        "functions_url": f"{api_url}/functions/v1" if api_url else None,
        "db_url": db_url,
        "anon_key": found.get(keys.ANON_KEY),
        "service_role_key": found.get(keys.SERVICE_ROLE_KEY),
        "services": services,
        "modules": st.modules,
        "migrations": {"applied": st.applied, "pending": st.pending},
        "sources_to_apply": st.changed_files,
    }


ENV_NAMES = {"API_URL": "api_url", "FUNCTIONS_URL": "functions_url", "DB_URL": "db_url", "ANON_KEY": "anon_key",
             "SERVICE_ROLE_KEY": "service_role_key"}


def _pretty(info: dict) -> None:
    click.echo(f"pgcadence {info['version']}; PostgreSQL {info['server_version']}; database {info['database']}")
    click.echo(f"pg_cron: {'version ' + info['pg_cron'] if info['pg_cron'] else 'not installed in this database'}")
    click.echo()
    rows = {"API URL": info["api_url"], "Functions URL": info["functions_url"], "DB URL": db.redact(info["db_url"]),
            "anon key": info["anon_key"], "service_role key": info["service_role_key"]}
    width = max(map(len, rows))
    for label, value in rows.items():
        click.echo(f"{label:>{width}}: {value or '-'}")
    click.echo()
    click.echo("services:")
    width = max(map(len, info["services"]))
    for name, state in info["services"].items():
        click.echo(f"  {name:<{width}}  {state}")
    if info["modules"]:
        on = [m for m, enabled in info["modules"].items() if enabled]
        off = [m for m, enabled in info["modules"].items() if not enabled]
        click.echo(f"modules: {', '.join(on)}" + (f" (disabled: {', '.join(off)})" if off else ""))
    mig = info["migrations"]
    click.echo(f"migrations: {len(mig['applied'])} applied, {len(mig['pending'])} pending")
    for mid in mig["applied"]:
        click.echo(f"  [x] {mid}")
    for mid in mig["pending"]:
        click.echo(f"  [ ] {mid}")
    todo = info["sources_to_apply"]
    click.echo(f"SQL sources: {len(todo) or 'none'} to apply" + (f": {', '.join(todo)}" if todo and len(todo) <= 8 else ""))


@click.command()
@database_option
@click.option("--output", "-o", type=click.Choice(["pretty", "env", "json"]), default="pretty", show_default=True,
              help="pretty: for people; env: NAME=value lines for a shell; json: one object.")
def status(database: str | None, output: str) -> None:
    """URLs, keys, running services, migrations and modules of this database.

    \b
    eval "$(pgcadence status -o env)"    API_URL, FUNCTIONS_URL, DB_URL, ANON_KEY, SERVICE_ROLE_KEY
    """
    info = gather(dsn(database))
    if output == "json":
        click.echo(to_json(info))
    elif output == "env":
        for name, key in ENV_NAMES.items():
            if info[key]:
                click.echo(f"{name}={shlex.quote(info[key])}")
    else:
        _pretty(info)


COMMANDS = (status,)
