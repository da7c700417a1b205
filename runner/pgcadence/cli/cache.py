"""``pgcadence cache``: look at and manage the persistent cache store (sql/cache/)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from pgcadence import db
from pgcadence.errors import CadenceError

DATABASE_HELP = "Connection URL or conninfo. Default: $DATABASE_URL, else the PG* variables, else the running embedded cluster."
database_option = click.option("--database", "-d", metavar="URL", help=DATABASE_HELP)


def _size(n: int | None) -> str:
    if n is None:
        return "-"
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


@click.group("cache")
def cache() -> None:
    """The persistent cache store: list, read, purge caches and show their statistics.

    \b
    pgcadence cache ls                      every cache: size, last fetch, refresh interval
    pgcadence cache get PROJECT TYPE        print one cached document (JSON)
    pgcadence cache purge [PROJECT [TYPE]]  delete caches (asks unless --yes)
    pgcadence cache stats                   hit/miss/latency per tier, summed over processes
    pgcadence cache import PROJECT TYPE FILE  migrate an existing JSON cache file
    """


@cache.command("ls")
@database_option
@click.option("--project", "-p", help="Only this project.")
def ls_(database: str | None, project: str | None) -> None:
    """List caches: project, type, size, last fetch, age, refresh interval, due or not."""
    with db.connect(db.resolve_dsn(database)) as conn:
        rows = conn.execute(
            """
            select p.project_name, c.cache_type, c.data_size, c.last_fetch,
                   date_trunc('second', now() - c.last_fetch), c.max_age,
                   public.cache_due_for_refresh(p.project_name, c.cache_type), c.cache_version
            from public.cache_storage c join public.projects p on p.id = c.project_id
            where %(p)s::text is null or p.project_name = %(p)s
            order by 1, 2
            """, {"p": project}).fetchall()
    if not rows:
        click.echo("no caches")
        return
    head = ("PROJECT", "TYPE", "SIZE", "LAST FETCH (UTC)", "AGE", "MAX AGE", "DUE", "VERSION")
    table = [head] + [
        (r[0], r[1], _size(r[2]), f"{r[3]:%Y-%m-%d %H:%M:%S}" if r[3] else "never", str(r[4]) if r[4] is not None else "-",
         str(r[5] or "-"), "yes" if r[6] else "no", r[7]) for r in rows]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(head))]
    for row in table:
        click.echo("  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip())


@cache.command("get")
@database_option
@click.argument("project")
@click.argument("cache_type")
@click.option("--meta", is_flag=True, help="Print fetch times and size too, as an envelope object.")
def get_(database: str | None, project: str, cache_type: str, meta: bool) -> None:
    """Print the cached document of PROJECT/TYPE as JSON (exit 1 when there is none)."""
    with db.connect(db.resolve_dsn(database)) as conn:
        row = conn.execute(
            "select data::text, last_fetch, last_rich_fetch, cache_version, max_age, data_size, updated_at"
            " from public.cache_get(%s, %s)", (project, cache_type)).fetchone()
    if row is None:
        raise CadenceError(f"no cache {project}/{cache_type} (see 'pgcadence cache ls')")
    if not meta:
        click.echo(row[0])
        return
    click.echo(json.dumps({
        "project": project, "cache_type": cache_type,
        "last_fetch": row[1].isoformat() if row[1] else None,
        "last_rich_fetch": row[2].isoformat() if row[2] else None,
        "cache_version": row[3], "max_age": str(row[4]) if row[4] else None,
        "data_size": row[5], "updated_at": row[6].isoformat(), "data": json.loads(row[0]),
    }, indent=2))


@cache.command("purge")
@database_option
@click.argument("project", required=False)
@click.argument("cache_type", required=False)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def purge(database: str | None, project: str | None, cache_type: str | None, yes: bool) -> None:
    """Delete every cache, all caches of PROJECT, or PROJECT/TYPE (and their stats).

    Only the PostgreSQL tier: runner processes keep their memory and file copies and
    write them back on their next save.
    """
    what = f"{project}/{cache_type}" if cache_type else (f"every cache of {project}" if project else "EVERY cache")
    if not yes:
        click.confirm(f"delete {what}?", abort=True, err=True)
    with db.connect(db.resolve_dsn(database)) as conn:
        n = conn.execute("select public.cache_purge(%s, %s)", (project, cache_type)).fetchone()[0]
    click.echo(f"{n} cache(s) deleted")


@cache.command("stats")
@database_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def stats(database: str | None, as_json: bool) -> None:
    """Per-tier hit/miss/error counts and mean latency, summed over every runner process.

    Processes add their counters to public.cache_stats in batches (every minute and
    on close), so the last minute of a running process may not show yet.
    """
    with db.connect(db.resolve_dsn(database)) as conn:
        rows = conn.execute(
            """
            select p.project_name, s.cache_type, s.tier, s.hits, s.misses, s.errors,
                   case when s.latency_samples > 0 then s.latency_total_us / s.latency_samples end,
                   s.updated_at
            from public.cache_stats s join public.projects p on p.id = s.project_id
            order by 1, 2, array_position(array['memory', 'file', 'db', 'fetch'], s.tier)
            """).fetchall()
        store = conn.execute(
            "select count(*), coalesce(sum(data_size), 0), count(*) filter (where max_age is not null)"
            " from public.cache_storage").fetchone()
    if as_json:
        click.echo(json.dumps({
            "caches": store[0], "bytes": store[1], "scheduled": store[2],
            "tiers": [{"project": r[0], "cache_type": r[1], "tier": r[2], "hits": r[3], "misses": r[4],
                       "errors": r[5], "latency_mean_us": r[6], "updated_at": r[7].isoformat()} for r in rows],
        }, indent=2))
        return
    click.echo(f"{store[0]} cache(s), {_size(store[1])} stored, {store[2]} refreshed by pg_cron")
    if not rows:
        click.echo("no statistics recorded yet")
        return
    head = ("PROJECT", "TYPE", "TIER", "HITS", "MISSES", "ERRORS", "HIT %", "MEAN LATENCY")
    table = [head]
    for r in rows:
        total = r[3] + r[4]
        table.append((r[0], r[1], r[2], r[3], r[4], r[5], f"{100 * r[3] / total:.1f}" if total else "-",
                      f"{r[6]:.1f} µs" if r[6] is not None else "-"))
    widths = [max(len(str(row[i])) for row in table) for i in range(len(head))]
    for row in table:
        click.echo("  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip())


@cache.command("import")
@database_option
@click.argument("project")
@click.argument("cache_type")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_(database: str | None, project: str, cache_type: str, file: Path) -> None:
    """Migrate an existing JSON cache FILE (a plain JSON object, or a pgcadence cache file)
    into PostgreSQL as PROJECT/TYPE. Its last_fetch key (else the file's mtime) is kept."""
    from pgcadence.cache.tiered import CorruptCacheFile, encode_payload, read_file, read_legacy_file

    try:
        try:
            entry = read_file(file)
        except CorruptCacheFile:
            entry = read_legacy_file(file)
    except CorruptCacheFile as exc:
        raise CadenceError(str(exc)) from None
    with db.connect(db.resolve_dsn(database)) as conn, conn.transaction():
        conn.execute("select set_config('pgcadence.cache_operation', 'import', true)")  # for the operation log
        row = conn.execute(
            "select written, data_size from public.cache_put(%s, %s, %s::jsonb, %s, %s)",
            (project, cache_type, encode_payload(entry.data).decode(), entry.last_fetch, entry.last_rich_fetch),
        ).fetchone()
    if row[0]:
        click.echo(f"imported {file} as {project}/{cache_type} ({_size(row[1])})")
    else:
        click.echo(f"kept the stored {project}/{cache_type}: it is newer than {file}")
