"""What every verb shares: the --database option, asking before destroying, tables for
people and --json for machines, progress on a terminal, and one-line errors.

Conventions every CLI module follows:

* a verb that needs the database takes ``@database_option`` and calls ``connect(database)``;
* a listing verb takes ``@json_option`` and prints with ``emit(...)``;
* a verb that destroys something takes ``@yes_option`` and calls ``confirm(...)`` first;
* failures are ``CadenceError`` (or a database error): ``main()`` prints them as one line.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import sys
import uuid
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, Sequence

import click
import psycopg

from pgcadence import db
from pgcadence.errors import CadenceError

DATABASE_HELP = ("Connection URL or conninfo. Default: $DATABASE_URL, else the PG* variables, "
                 "else the running embedded cluster (pgcadence up).")

database_option = click.option("--database", "-d", metavar="URL", help=DATABASE_HELP)
yes_option = click.option("--yes", "-y", is_flag=True, help="Do not ask (required when stdin is not a terminal).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON (for scripts) instead of a table.")


# ---------------------------------------------------------------- the database
def dsn(database: str | None) -> str:
    return db.resolve_dsn(database)


@contextmanager
def connect(database: str | None) -> Iterator[psycopg.Connection]:
    """An autocommit connection to the database the options name."""
    with db.connect(db.resolve_dsn(database)) as conn:
        yield conn


def query(database: str | None, sql: str, params: Sequence = ()) -> list[dict]:
    """Every row of one statement, as dicts keyed by column name."""
    with connect(database) as conn:
        cur = conn.execute(sql, params)
        names = [d.name for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]


def one(database: str | None, sql: str, params: Sequence = ()) -> tuple:
    """The first row of one statement."""
    with connect(database) as conn:
        return conn.execute(sql, params).fetchone()


# ---------------------------------------------------------------- consent
def refuse_without_terminal(yes: bool) -> None:
    """Without --yes and without a terminal to ask at, refuse (exit 1): nothing changes."""
    if not yes and (sys.stdin is None or not sys.stdin.isatty()):
        raise CadenceError("refusing without --yes (stdin is not a terminal); nothing was changed")


def confirm(question: str, yes: bool) -> None:
    """Go on only with consent: --yes, or 'y' typed at a terminal. Without a terminal
    and without --yes, refuse (exit 1) and change nothing."""
    if yes:
        return
    refuse_without_terminal(yes)
    if not click.confirm(question, default=False, err=True):
        raise CadenceError("cancelled; nothing was changed")


# ---------------------------------------------------------------- output
def fmt(value: Any) -> str:
    """A cell for people: '-' for nothing, yes/no, times to the second in UTC."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return str(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (uuid.UUID, bytes, memoryview)):
        return str(value) if isinstance(value, uuid.UUID) else bytes(value).hex()
    return str(value)


def to_json(value: Any) -> str:
    """JSON for machines: timestamps as ISO 8601, intervals as seconds."""
    return json.dumps(value, indent=2, default=_jsonable, ensure_ascii=False)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Aligned columns for people; every cell in full (no truncation)."""
    cells = [[fmt(c) for c in r] for r in rows]
    sizes = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    click.echo("  ".join(h.ljust(sizes[i]) for i, h in enumerate(headers)).rstrip())
    for r in cells:
        click.echo("  ".join(c.ljust(sizes[i]) for i, c in enumerate(r)).rstrip())


def emit(rows: list[dict], columns: dict[str, str], as_json: bool, *, empty: str, footer: str | None = None) -> None:
    """A listing: the rows as a JSON array (every column) with --json, else a table of
    ``columns`` (key -> header); ``empty`` when there is no row, ``footer`` after it."""
    if as_json:
        click.echo(to_json(rows))
        return
    if not rows:
        click.echo(empty)
        return
    table(list(columns.values()), [[r.get(k) for k in columns] for r in rows])
    if footer:
        click.echo(footer)


def emit_object(obj: dict, as_json: bool, *, labels: dict[str, str] | None = None) -> None:
    """One record: a JSON object with --json, else 'label  value' lines."""
    if as_json:
        click.echo(to_json(obj))
        return
    labels = labels or {k: k.replace("_", " ") for k in obj}
    width = max(len(v) for v in labels.values())
    for key, label in labels.items():
        click.echo(f"{label:<{width}}  {fmt(obj.get(key))}")


# ---------------------------------------------------------------- progress
def interactive() -> bool:
    """Attached to a terminal (progress bars) — not when piped, redirected or in CI."""
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


class Progress:
    """The progress callback of a long operation: a bar on a terminal (each message is
    a step, shown beside the bar), else one indented line per message."""

    def __init__(self, total: int, label: str) -> None:
        self._bar = click.progressbar(length=max(total, 1), label=label, show_pos=True,
                                      item_show_func=lambda m: m) if interactive() and total > 0 else None

    def __call__(self, message: str) -> None:
        if self._bar is None:
            click.echo(f"  {message}")
        else:
            self._bar.update(1, message)

    def __enter__(self) -> "Progress":
        if self._bar is not None:
            self._bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


def lines(prefix: str = "  ") -> Callable[[str], None]:
    """A progress callback that prints each message on its own line."""
    return lambda message: click.echo(f"{prefix}{message}")


# ---------------------------------------------------------------- errors
def say(message: str) -> None:
    click.echo(f"pgcadence: {message}", err=True)


def database_error(exc: psycopg.Error) -> str:
    """One line from a database error, with its hint (the fix) when it has one."""
    diag = getattr(exc, "diag", None)
    primary = (diag.message_primary if diag is not None and diag.message_primary else str(exc)).strip()
    primary = (primary.splitlines() or [type(exc).__name__])[0]
    hint = diag.message_hint if diag is not None and diag.message_hint else None
    return primary + (f" — {hint}" if hint else "")


def os_error(exc: OSError) -> str:
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{exc.strerror or exc}"
