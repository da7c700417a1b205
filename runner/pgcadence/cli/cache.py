"""``pgcadence cache``: look at and manage the persistent cache store (sql/cache/)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from pgcadence import queries as q
from pgcadence.cache.fileformat import CorruptCacheFile, encode_payload, read_any_file
from pgcadence.cli.common import confirm, connect, database_option, emit, json_option, one, query, to_json, \
    yes_option
from pgcadence.errors import CadenceError


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
@json_option
def ls_(database: str | None, project: str | None, as_json: bool) -> None:
    """List caches: project, type, size, last fetch, age, refresh interval, due or not."""
    rows = query(database, f"""
        select p.project_name as project, c.cache_type, c.data_size, c.last_fetch,
               date_trunc('second', now() - c.last_fetch) as age, c.max_age,
               {q.CACHE_DUE_FOR_REFRESH.of("p.project_name", "c.cache_type", "NULL")} as due, c.cache_version
        from public.cache_storage c join public.projects p on p.id = c.project_id
        where %s::text is null or p.project_name = %s
        order by 1, 2""", (project, project))
    for r in rows:
        r["size"] = _size(r["data_size"])
    emit(rows, {"project": "PROJECT", "cache_type": "TYPE", "size": "SIZE", "last_fetch": "LAST FETCH", "age": "AGE",
                "max_age": "MAX AGE", "due": "DUE", "cache_version": "VERSION"}, as_json, empty="no caches")


@cache.command("get")
@database_option
@click.argument("project")
@click.argument("cache_type")
@click.option("--meta", is_flag=True, help="Print fetch times and size too, as an envelope object.")
def get_(database: str | None, project: str, cache_type: str, meta: bool) -> None:
    """Print the cached document of PROJECT/TYPE as JSON (exit 1 when there is none)."""
    with connect(database) as conn:
        row = conn.execute(
            "select data::text, last_fetch, last_rich_fetch, cache_version, max_age, data_size, updated_at"
            f" from {q.CACHE_GET}", (project, cache_type)).fetchone()
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
@yes_option
def purge(database: str | None, project: str | None, cache_type: str | None, yes: bool) -> None:
    """Delete every cache, all caches of PROJECT, or PROJECT/TYPE (and their stats).

    Only the PostgreSQL tier: runner processes keep their memory and file copies and
    write them back on their next save.
    """
    what = f"{project}/{cache_type}" if cache_type else (f"every cache of {project}" if project else "EVERY cache")
    confirm(f"delete {what}?", yes)
    with connect(database) as conn:
        n = conn.execute(f"select {q.CACHE_PURGE}", (project, cache_type)).fetchone()[0]
    click.echo(f"{n} cache(s) deleted")


@cache.command("stats")
@database_option
@json_option
def stats(database: str | None, as_json: bool) -> None:
    """Per-tier hit/miss/error counts and mean latency, summed over every runner process.

    Processes add their counters to public.cache_stats in batches (every minute and
    on close), so the last minute of a running process may not show yet.
    """
    rows = query(database, """
        select p.project_name as project, s.cache_type, s.tier, s.hits, s.misses, s.errors,
               case when s.latency_samples > 0 then s.latency_total_us / s.latency_samples end as latency_mean_us,
               case when s.hits + s.misses > 0 then round(100.0 * s.hits / (s.hits + s.misses), 1) end as hit_pct,
               s.updated_at
        from public.cache_stats s join public.projects p on p.id = s.project_id
        order by 1, 2, array_position(array['memory', 'file', 'db', 'fetch'], s.tier)""")
    caches, stored, scheduled = one(database, "select count(*), coalesce(sum(data_size), 0),"
                                              " count(*) filter (where max_age is not null) from public.cache_storage")
    if as_json:
        click.echo(to_json({"caches": caches, "bytes": stored, "scheduled": scheduled, "tiers": rows}))
        return
    click.echo(f"{caches} cache(s), {_size(stored)} stored, {scheduled} refreshed by pg_cron")
    for r in rows:
        r["latency"] = f"{r['latency_mean_us']:.1f} µs" if r["latency_mean_us"] is not None else None
    emit(rows, {"project": "PROJECT", "cache_type": "TYPE", "tier": "TIER", "hits": "HITS", "misses": "MISSES",
                "errors": "ERRORS", "hit_pct": "HIT %", "latency": "MEAN LATENCY"}, False,
         empty="no statistics recorded yet")


@cache.command("import")
@database_option
@click.argument("project")
@click.argument("cache_type")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_(database: str | None, project: str, cache_type: str, file: Path) -> None:
    """Migrate an existing JSON cache FILE (a plain JSON object, or a pgcadence cache file)
    into PostgreSQL as PROJECT/TYPE. Its last_fetch key (else the file's mtime) is kept."""
    try:
        entry = read_any_file(file)
    except CorruptCacheFile as exc:
        raise CadenceError(str(exc)) from None
    with connect(database) as conn, conn.transaction():
        conn.execute("select set_config('pgcadence.cache_operation', 'import', true)")  # for the operation log
        row = conn.execute(
            f"select written, data_size from {q.CACHE_PUT}",
            (project, cache_type, encode_payload(entry.data).decode(), entry.last_fetch, entry.last_rich_fetch, None),
        ).fetchone()
    if row[0]:
        click.echo(f"imported {file} as {project}/{cache_type} ({_size(row[1])})")
    else:
        click.echo(f"kept the stored {project}/{cache_type}: it is newer than {file}")


COMMANDS = (cache,)
