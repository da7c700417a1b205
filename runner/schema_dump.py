"""A normalised ``pg_dump --schema-only`` of the migrated database (sql/schema.sql).

Migrations are the source of truth; this snapshot is what a DBA reads, and a test
fails when it drifts from what the migrations produce (``make schema`` refreshes it).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from runner.errors import CadenceError

SNAPSHOT = Path(__file__).resolve().parent.parent / "sql" / "schema.sql"
_EXCLUDE_TABLES = ["public._yoyo_*", "public.yoyo_lock"]
_DROP_LINE = re.compile(r"^(SET |SELECT pg_catalog\.set_config|-- Dumped (from|by) |\\(un)?restrict )")


def _pg_dump() -> str:
    from runner.embedded import pg_bindir

    try:
        candidate = pg_bindir() / "pg_dump"
        if candidate.exists():
            return str(candidate)
    except CadenceError:
        pass
    found = shutil.which("pg_dump")
    if not found:
        raise CadenceError("pg_dump not found: install postgresql-client-15")
    return found


def dump(dsn: str) -> str:
    args = [_pg_dump(), "--schema-only", "--no-owner", "--no-tablespaces"]
    for pattern in _EXCLUDE_TABLES:
        args += ["--exclude-table", pattern]
    params = conninfo_to_dict(dsn) if dsn else {}
    env = None
    if "password" in params:
        env = dict(os.environ, PGPASSWORD=params.pop("password"))
    args += ["--dbname", make_conninfo(**params)]
    proc = subprocess.run(args, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise CadenceError(f"pg_dump failed: {proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode}")
    return normalise(proc.stdout)


def normalise(text: str) -> str:
    """Drop session settings and version banners; collapse blank runs."""
    lines = [ln for ln in text.splitlines() if not _DROP_LINE.match(ln)]
    out: list[str] = []
    for ln in lines:
        if ln.strip() == "" and out and out[-1].strip() == "":
            continue
        out.append(ln.rstrip())
    return "\n".join(out).strip() + "\n"
