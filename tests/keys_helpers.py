"""Project keys for a test module, and the session database's Vault put back afterwards."""

from __future__ import annotations

from contextlib import contextmanager

import psycopg

from pgcadence.executor import keys

NAMES = (keys.JWT_SECRET, keys.PREVIOUS_JWT_SECRET, keys.ANON_KEY, keys.SERVICE_ROLE_KEY, keys.PROJECT_URL)


@contextmanager
def project_keys(dsn: str, url: str = "http://127.0.0.1:1"):
    """Ensure the keys (and a project_url) exist; afterwards delete the ones this created,
    so that a later module's ``ensure_project_keys(conn, its_url)`` sets its own URL."""
    with psycopg.connect(dsn, autocommit=True) as c:
        before = {r[0] for r in c.execute("select name from vault.secrets where name = any(%s)", (list(NAMES),))}
        keys.ensure_project_keys(c, url)
    try:
        yield
    finally:
        with psycopg.connect(dsn, autocommit=True) as c:
            c.execute("delete from vault.secrets where name = any(%s) and not (name = any(%s))",
                      (list(NAMES), list(before)))
