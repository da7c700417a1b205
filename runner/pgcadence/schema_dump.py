"""A normalised ``pg_dump --schema-only`` of a migrated database.

The migrations and SQL sources are the truth; tests/fixtures/schema.sql is their
result on a fresh database, and a test fails when it drifts (``make schema``
refreshes it), so a reviewer sees every schema change as a diff of that file.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from pgcadence import resources
from pgcadence.embedded import pg_bindir
from pgcadence.errors import CadenceError

SNAPSHOT = (resources.CHECKOUT or Path(".")) / "tests" / "fixtures" / "schema.sql"  # make schema: checkout only
_EXCLUDE_TABLES = ["public._yoyo_*", "public.yoyo_lock"]
_DROP_LINE = re.compile(r"^(SET |SELECT pg_catalog\.set_config|-- Dumped (from|by) |\\(un)?restrict )")


def _pg_dump() -> str:
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
    """Drop session settings and version banners; collapse blank runs; sort each run of
    GRANT/REVOKE lines (PostgreSQL keeps ACL entries in the order they were granted,
    which carries no meaning: re-applying a source file can reorder them)."""
    lines = [ln for ln in text.splitlines() if not _DROP_LINE.match(ln)]
    out: list[str] = []
    acl: list[str] = []
    for ln in lines:
        if ln.startswith(("GRANT ", "REVOKE ")):
            acl.append(ln.rstrip())
            continue
        out += sorted(acl)
        acl = []
        if ln.strip() == "" and out and out[-1].strip() == "":
            continue
        out.append(ln.rstrip())
    out += sorted(acl)
    return "\n".join(out).strip() + "\n"
