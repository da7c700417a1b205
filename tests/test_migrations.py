"""Migration discipline: empty → head, idempotence, full rollback, concurrency, refusal."""

from __future__ import annotations

import subprocess
import sys

import psycopg
import pytest

from runner import migrate, schema_dump
from runner.errors import CadenceError
from tests.cluster import PLAIN_OPTIONS, start_cluster
from tests.conftest import ROOT, run_cli


def _applied(url: str) -> list[str]:
    with psycopg.connect(url) as c:
        return [r[0] for r in c.execute("select migration_id from _yoyo_migration order by migration_id")]


def test_migrate_twice_is_a_noop(migrated_url):
    before = schema_dump.dump(migrated_url)
    assert migrate.apply(migrated_url, progress=lambda m: None) == []
    assert schema_dump.dump(migrated_url) == before


def test_rollback_all_then_migrate_gives_the_same_schema(migrated_url):
    head = schema_dump.dump(migrated_url)
    ids = migrate.status(migrated_url).applied
    rolled = migrate.rollback(migrated_url, None, progress=lambda m: None)
    assert rolled == list(reversed(ids))
    with psycopg.connect(migrated_url) as c:
        left = c.execute(
            "select count(*) from pg_namespace where nspname in ('pgcadence', 'auth')"
        ).fetchone()[0]
        assert left == 0, "rollback must remove what the migrations created"
    assert migrate.apply(migrated_url, progress=lambda m: None) == ids
    assert schema_dump.dump(migrated_url) == head


def test_migrate_from_empty_via_cli_and_concurrently(migrated_url):
    """Two migrate commands started together on an empty database: both succeed, each migration once."""
    migrate.rollback(migrated_url, None, progress=lambda m: None)
    procs = [
        subprocess.Popen([sys.executable, "-m", "runner", "migrate", "--database", migrated_url],
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
    texts = [o for o, _ in outs]
    assert sum("already up to date" in t for t in texts) == 1, texts
    assert sum("1 migration(s) applied" in t or "migration(s) applied" in t for t in texts) == 1, texts
    ids = [m for m in migrate.status(migrated_url).applied]
    with psycopg.connect(migrated_url) as c:
        rows = c.execute("select migration_id, count(*) from _yoyo_migration group by 1").fetchall()
    assert sorted(rows) == sorted((i, 1) for i in ids)
    assert migrate.status(migrated_url).pending == []


def test_migrate_refuses_a_database_pg_cron_does_not_run_in(cluster, migrated_url):
    with psycopg.connect(cluster.url("postgres"), autocommit=True) as c:
        c.execute("drop database if exists other_db")
        c.execute("create database other_db")
    try:
        r = run_cli("migrate", "--database", cluster.url("other_db"))
        assert r.returncode == 1
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1, r.stderr
        assert "cron.database_name" in lines[0] and "other_db" in lines[0]
        with psycopg.connect(cluster.url("other_db")) as c:
            assert c.execute("select count(*) from pg_class where relnamespace = 'public'::regnamespace").fetchone()[0] == 0
    finally:
        with psycopg.connect(cluster.url("postgres"), autocommit=True) as c:
            c.execute("drop database other_db")


@pytest.fixture(scope="module")
def plain_cluster():
    c = start_cluster(PLAIN_OPTIONS)
    yield c
    c.stop()


def test_migrate_without_pg_cron_preloaded_fails_cleanly(plain_cluster):
    url = plain_cluster.url()
    before = schema_dump.dump(url)
    r = run_cli("migrate", "--database", url)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert lines == [lines[0]] and "pg_cron is not preloaded" in lines[0]
    assert "shared_preload_libraries" in lines[0] and "restart" in lines[0]
    assert "Traceback" not in r.stderr
    assert schema_dump.dump(url) == before
    with psycopg.connect(url) as c:
        assert c.execute("select count(*) from pg_class where relname like '%yoyo%'").fetchone()[0] == 0


def test_failed_migration_leaves_nothing_behind(migrated_url, tmp_path, monkeypatch):
    bad_dir = tmp_path / "migrations"
    bad_dir.mkdir()
    for f in migrate.MIGRATIONS_DIR.glob("*.sql"):
        (bad_dir / f.name).write_text(f.read_text())
    (bad_dir / "9999.broken.sql").write_text(
        "-- depends: \nCREATE TABLE public.half_applied (id int);\nSELECT 1/0;\n"
    )
    (bad_dir / "9999.broken.rollback.sql").write_text("DROP TABLE public.half_applied;\n")
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", bad_dir)
    with pytest.raises(CadenceError, match=r"9999\.broken: division by zero"):
        migrate.apply(migrated_url, progress=lambda m: None)
    with psycopg.connect(migrated_url) as c:
        assert c.execute("select to_regclass('public.half_applied')").fetchone()[0] is None
    assert "9999.broken" not in _applied(migrated_url)


def test_every_migration_has_a_rollback():
    forward = {p.name[: -len(".sql")] for p in migrate.MIGRATIONS_DIR.glob("*.sql") if not p.name.endswith(".rollback.sql")}
    back = {p.name[: -len(".rollback.sql")] for p in migrate.MIGRATIONS_DIR.glob("*.rollback.sql")}
    assert forward and forward == back
    for name in forward:
        assert __import__("re").fullmatch(r"\d{4}\.[a-z0-9_]+", name), f"bad migration name {name}"
