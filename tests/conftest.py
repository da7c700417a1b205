"""Shared fixtures: one real PostgreSQL 15 with pg_cron for the whole session.

The database ``pgcadence`` is the one pg_cron runs in (cron.database_name); it is
migrated once. Tests that change its schema put it back (see ``migrated_url``).

Tests marked ``supabase`` run on the supabase profile (tests/supabase_profile.py: Supabase's
real pg_net and supabase_vault preloaded, ``supabase_profile_url``); where those extensions
are not installed they are skipped, and the run ends with one line saying so.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from pgcadence import migrate
from tests.cluster import start_cluster
from tests.supabase_profile import real_extensions_missing, start_supabase_cluster

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "pgcadence"]


@pytest.fixture(scope="session")
def cluster():
    c = start_cluster()
    yield c
    c.stop()


@pytest.fixture(scope="session")
def db_url(cluster) -> str:
    """URL of the pg_cron database, migrated to head once per session."""
    migrate.apply(cluster.url(), progress=lambda m: None)
    return cluster.url()


@pytest.fixture
def migrated_url(db_url) -> str:
    """Like db_url, but guarantees head before the test (after tests that roll back)."""
    migrate.apply(db_url, progress=lambda m: None)
    return db_url


@pytest.fixture
def conn(migrated_url):
    """A connection whose work is rolled back after the test."""
    with psycopg.connect(migrated_url) as c:
        yield c
        c.rollback()


@pytest.fixture(scope="session")
def supabase_profile():
    """The supabase profile's cluster, migrated to head (tests marked ``supabase``)."""
    c = start_supabase_cluster(real_extensions=True)
    try:
        migrate.apply(c.url(), progress=lambda m: None)
        yield c
    finally:
        c.stop()


@pytest.fixture(scope="session")
def supabase_profile_url(supabase_profile) -> str:
    return supabase_profile.url()


_PROFILE_SKIP = "the supabase profile needs Supabase's "


def pytest_collection_modifyitems(config, items):
    marked = [item for item in items if item.get_closest_marker("supabase")]
    missing = real_extensions_missing() if marked else []
    if missing:
        why = f"{_PROFILE_SKIP}{' and '.join(missing)} installed into this PostgreSQL"
        for item in marked:
            item.add_marker(pytest.mark.skip(reason=why))


def pytest_unconfigure(config):
    """After the final counts: one line when the supabase profile was skipped (counted from
    the skip reports, so that it works with pytest-xdist's workers too)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    reasons = [r.longrepr[2] for r in reporter.stats.get("skipped", [])
               if isinstance(r.longrepr, tuple) and _PROFILE_SKIP in str(r.longrepr[2])]
    if reasons:
        why = reasons[0].split(": ", 1)[-1] if reasons[0].startswith("Skipped") else reasons[0]
        reporter.write_line(f"SKIPPED the supabase profile ({len(reasons)} tests): {why} "
                            "(make supabase-ext installs them; .ci/run does)", yellow=True, bold=True)


def run_cli(*args: str, env: dict | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m pgcadence ARGS`` as a user would, capturing output."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
    full_env["PGCADENCE_HOME"] = "/nonexistent/pgcadence-tests"  # never pick up a developer's cluster
    full_env.update(env or {})
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=full_env, cwd=ROOT, input=input, timeout=120)
