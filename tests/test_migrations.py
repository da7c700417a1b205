"""Migration discipline: versioned migrations + SQL sources in one transaction; empty →
head, migrate twice == no-op, upgrade from a landed release == fresh install, broken
files leave nothing behind, modules on and off, full rollback, concurrency, refusal."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import psycopg
import pytest

from pgcadence import manifest, migrate, schema_dump, sources
from pgcadence.errors import CadenceError
from tests.cluster import PLAIN_OPTIONS, start_cluster
from tests.conftest import ROOT, run_cli

# The last commit whose migrations held the SQL logic themselves (before sql/ sources).
LANDED = "a8fd386"
CHECKSUMS = ROOT / "migrations" / "CHECKSUMS"


def _applied(url: str) -> list[str]:
    with psycopg.connect(url) as c:
        return [r[0] for r in c.execute("select migration_id from _yoyo_migration order by migration_id")]


def _catalog_versions(url: str) -> dict:
    """Row versions of everything migrate may write: equal before and after == untouched."""
    with psycopg.connect(url) as c:
        out = {}
        for name, q in {
            "pg_proc": "select oid, xmin::text from pg_proc where pronamespace not in "
                       "('pg_catalog'::regnamespace, 'information_schema'::regnamespace)",
            "pg_class": "select oid, xmin::text from pg_class where relnamespace not in "
                        "('pg_catalog'::regnamespace, 'information_schema'::regnamespace, 'pg_toast'::regnamespace)",
            "pg_policy": "select oid, xmin::text from pg_policy",
            "pg_trigger": "select oid, xmin::text from pg_trigger",
            "pg_description": "select objoid, xmin::text from pg_description",
            "cron.job": "select jobid, xmin::text from cron.job",
            "source_files": "select path, xmin::text from pgcadence.source_files",
            "source_objects": "select identity, xmin::text from pgcadence.source_objects",
            "_yoyo_migration": "select migration_id, xmin::text from _yoyo_migration",
        }.items():
            out[name] = sorted(c.execute(q).fetchall())
        return out


def _cron_rows(url: str) -> list[tuple]:
    with psycopg.connect(url) as c:
        return c.execute("select jobname, schedule, command, database, username, active from cron.job "
                         "where database = current_database() order by jobname").fetchall()


def _sql_copy(tmp_path: Path, monkeypatch) -> Path:
    """A private copy of sql/ that migrate reads instead of the real one."""
    copy = tmp_path / "sql"
    shutil.copytree(migrate.SQL_DIR, copy)
    monkeypatch.setattr(migrate, "SQL_DIR", copy)
    return copy


# ---------------------------------------------------------------- twice, concurrently, refused
def test_migrate_twice_is_a_noop_and_touches_no_catalog_row(migrated_url):
    before = schema_dump.dump(migrated_url)
    versions = _catalog_versions(migrated_url)
    res = migrate.run(migrated_url, progress=lambda m: None)
    assert not res.changed and res.migrations == [] and res.files == []
    assert _catalog_versions(migrated_url) == versions
    assert schema_dump.dump(migrated_url) == before


def test_dry_run_prints_the_plan_and_changes_nothing(migrated_url):
    with psycopg.connect(migrated_url, autocommit=True) as c:
        c.execute("delete from pgcadence.source_files where path = 'queue/manage.sql'")
    try:
        versions = _catalog_versions(migrated_url)
        r = run_cli("migrate", "--dry-run", "--database", migrated_url)
        assert r.returncode == 0, r.stderr
        assert "would apply sql/queue/manage.sql (new)" in r.stdout
        assert "1 source file(s) would be applied (dry run: nothing changed)" in r.stdout
        assert _catalog_versions(migrated_url) == versions
    finally:
        migrate.apply(migrated_url, progress=lambda m: None)


def test_rollback_all_then_migrate_gives_the_same_schema(migrated_url):
    head = schema_dump.dump(migrated_url)
    ids = migrate.status(migrated_url).applied
    rolled = migrate.rollback(migrated_url, None, progress=lambda m: None)
    assert rolled == list(reversed(ids))
    with psycopg.connect(migrated_url) as c:
        left = c.execute(
            "select count(*) from pg_namespace where nspname in ('pgcadence', 'auth', 'vault', 'net')"
        ).fetchone()[0]
        assert left == 0, "rollback must remove what the migrations created"
        assert c.execute("select count(*) from cron.job where database = current_database()").fetchone()[0] == 0
    assert migrate.apply(migrated_url, progress=lambda m: None) == ids
    assert schema_dump.dump(migrated_url) == head


def test_migrate_from_empty_via_cli_and_concurrently(migrated_url):
    """Two migrate commands started together on an empty database: both succeed, each
    migration and each source file is applied once."""
    migrate.rollback(migrated_url, None, progress=lambda m: None)
    procs = [
        subprocess.Popen([sys.executable, "-m", "pgcadence", "migrate", "--database", migrated_url],
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
    texts = [o for o, _ in outs]
    assert sum("already up to date" in t for t in texts) == 1, texts
    assert sum("migration(s) and" in t and "source file(s) applied" in t for t in texts) == 1, texts
    # every source file but the one for a supabase_vault that migrate created (not here)
    stock_files = [f for f in manifest.load().files() if f.when != "vault_created"]
    assert sum(t.count("applying sql/") for t in texts) == len(stock_files), texts
    ids = migrate.status(migrated_url).applied
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


# ---------------------------------------------------------------- broken files
def test_failed_migration_leaves_nothing_behind(migrated_url, tmp_path, monkeypatch):
    bad_dir = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, bad_dir)
    (bad_dir / "9999.broken.sql").write_text(
        "-- a broken migration\nCREATE TABLE public.half_applied (id int);\n\nSELECT 1/0;\n"
    )
    (bad_dir / "9999.broken.rollback.sql").write_text("DROP TABLE public.half_applied;\n")
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", bad_dir)
    sql = _sql_copy(tmp_path, monkeypatch)
    text = (sql / "manifest.toml").read_text()
    (sql / "manifest.toml").write_text(text.replace('"0015.module_skips"', '"0015.module_skips", "9999.broken"'))
    (sql / "queue" / "manage.sql").write_text((sql / "queue" / "manage.sql").read_text() + "\n-- changed\n")
    versions = _catalog_versions(migrated_url)
    with pytest.raises(CadenceError, match=r"^migrations/9999\.broken\.sql:4: division by zero$"):
        migrate.apply(migrated_url, progress=lambda m: None)
    with psycopg.connect(migrated_url) as c:
        assert c.execute("select to_regclass('public.half_applied')").fetchone()[0] is None
    assert "9999.broken" not in _applied(migrated_url)
    assert _catalog_versions(migrated_url) == versions


def test_broken_source_file_names_file_and_line_and_changes_nothing(migrated_url, tmp_path, monkeypatch):
    sql = _sql_copy(tmp_path, monkeypatch)
    (sql / "queue" / "views.sql").write_text((sql / "queue" / "views.sql").read_text() + "\n-- changed\n")
    target = sql / "queue" / "manage.sql"
    lines = target.read_text().splitlines()
    lines += ["", "-- a new function with a typo on its third line",
              "CREATE OR REPLACE FUNCTION public.job_queue_broken() RETURNS int",
              "LANGUAGE sql AS $$",
              "    SELEC 1", "$$;"]
    target.write_text("\n".join(lines) + "\n")
    bad_line = len(lines) - 1
    versions = _catalog_versions(migrated_url)
    before = schema_dump.dump(migrated_url)
    r_err = None
    try:
        migrate.apply(migrated_url, progress=lambda m: None)
    except CadenceError as exc:
        r_err = str(exc)
    assert r_err is not None and r_err.startswith(f"sql/queue/manage.sql:{bad_line}: syntax error"), r_err
    assert _catalog_versions(migrated_url) == versions
    assert schema_dump.dump(migrated_url) == before


# ---------------------------------------------------------------- sources are declarative
def test_a_changed_source_file_is_the_only_one_applied(migrated_url, tmp_path, monkeypatch):
    sql = _sql_copy(tmp_path, monkeypatch)
    f = sql / "queue" / "manage.sql"
    f.write_text(f.read_text().replace(
        "'Admin: cancel a pending or running job.'", "'Admin: cancel a pending or running job (changed).'"))
    with psycopg.connect(migrated_url) as c:
        others = c.execute("select path, xmin::text from pgcadence.source_files where path <> 'queue/manage.sql'").fetchall()
    try:
        res = migrate.run(migrated_url, progress=lambda m: None)
        assert res.files == ["queue/manage.sql"] and res.migrations == []
        with psycopg.connect(migrated_url) as c:
            assert c.execute("select obj_description('public.job_queue_cancel(uuid)'::regprocedure)").fetchone()[0] \
                == "Admin: cancel a pending or running job (changed)."
            assert c.execute("select path, xmin::text from pgcadence.source_files "
                             "where path <> 'queue/manage.sql'").fetchall() == others
    finally:
        monkeypatch.undo()
        migrate.apply(migrated_url, progress=lambda m: None)


def test_an_object_removed_from_its_file_is_dropped(migrated_url, tmp_path, monkeypatch):
    sql = _sql_copy(tmp_path, monkeypatch)
    f = sql / "queue" / "manage.sql"
    text = f.read_text()
    start = text.index("-- Is processing paused?")
    end = text.index("\n\n", text.index("COMMENT ON FUNCTION public.job_queue_paused()"))
    f.write_text(text[:start] + text[end + 2:])
    (sql / "queue" / "access.sql").write_text("\n".join(
        ln for ln in (sql / "queue" / "access.sql").read_text().splitlines() if "job_queue_paused" not in ln) + "\n")
    try:
        res = migrate.run(migrated_url, progress=lambda m: None)
        assert "function public.job_queue_paused()" in res.dropped
        with psycopg.connect(migrated_url) as c:
            assert c.execute("select to_regprocedure('public.job_queue_paused()')").fetchone()[0] is None
            assert c.execute("select count(*) from pgcadence.source_objects "
                             "where identity = 'public.job_queue_paused()'").fetchone()[0] == 0
    finally:
        monkeypatch.undo()
        migrate.apply(migrated_url, progress=lambda m: None)
    with psycopg.connect(migrated_url) as c:
        assert c.execute("select to_regprocedure('public.job_queue_paused()')").fetchone()[0] is not None


def test_every_object_a_source_defines_is_recorded(migrated_url):
    """The record migrate keeps is complete: every function, view, trigger and policy in
    the package's schemas is either a source object or state a migration owns."""
    with psycopg.connect(migrated_url) as c:
        c.execute("begin")
        live = sources.snapshot(c)
        c.execute("rollback")
        recorded = {(k, i) for k, i, _ in c.execute("select kind, identity, path from pgcadence.source_objects")}
    in_migrations = {("function", "public.movie_refresh_interval(release_date date, popularity double precision, "
                                  "refreshed_on date)"),
                     ("function", "public.movie_stale_at(release_date date, popularity double precision, "
                                  "last_refreshed_at timestamp with time zone, gone_at timestamp with time zone)")}
    package = {k for k in live if k[0] != "cron job"}  # (other tests schedule jobs of their own)
    missing = sorted(package - recorded - in_migrations)
    assert missing == [], missing
    assert in_migrations <= set(live)
    assert {k for k in recorded if k[0] == "cron job"} <= set(live)


# ---------------------------------------------------------------- modules
def test_disable_a_module_keeps_its_data_and_enable_brings_it_back(migrated_url):
    head = schema_dump.dump(migrated_url)
    with psycopg.connect(migrated_url, autocommit=True) as c:
        c.execute("insert into public.movies (tmdb_id, title) values (990001, 'kept') on conflict do nothing")
    try:
        r = run_cli("modules", "disable", "movies", "--database", migrated_url)
        assert r.returncode == 1 and "refusing without --yes" in r.stderr
        r = run_cli("modules", "disable", "movies", "--yes", "--database", migrated_url)
        assert r.returncode == 0, r.stderr
        with psycopg.connect(migrated_url) as c:
            assert c.execute("select to_regprocedure('public.get_stale_movies(integer)')").fetchone()[0] is None
            assert c.execute("select count(*) from cron.job where jobname = 'refresh_worker'").fetchone()[0] == 0
            assert c.execute("select title from public.movies where tmdb_id = 990001").fetchone()[0] == "kept"
            assert c.execute("select enabled from pgcadence.modules where name = 'movies'").fetchone()[0] is False
        r = run_cli("modules", "list", "--database", migrated_url)
        assert re.search(r"^movies\s+disabled", r.stdout, re.M), r.stdout
        # a plain migrate keeps what the database has
        assert not migrate.run(migrated_url, progress=lambda m: None).changed
        r = run_cli("modules", "disable", "queue", "--yes", "--database", migrated_url)
        assert r.returncode == 1 and "core module" in r.stderr
        r = run_cli("modules", "enable", "movies", "--database", migrated_url)
        assert r.returncode == 0, r.stderr
        assert schema_dump.dump(migrated_url) == head
    finally:
        migrate.run(migrated_url, progress=lambda m: None, modules=[m.name for m in manifest.load().modules])
        with psycopg.connect(migrated_url, autocommit=True) as c:
            c.execute("delete from public.movies where tmdb_id = 990001")


# ---------------------------------------------------------------- rollback and uninstall
def test_rollback_asks_first_and_refuses_to_drop_audit_rows_without_force(migrated_url):
    with psycopg.connect(migrated_url, autocommit=True) as c:
        c.execute("select public.log_audit('cache_warm_success', null, 'org-x')")
    before = schema_dump.dump(migrated_url)
    applied = migrate.status(migrated_url).applied
    steps = str(len(applied) - applied.index("0012.mandates_audit_sessions"))  # down to the audit's migration
    r = run_cli("rollback", "--steps", steps, "--database", migrated_url)
    assert r.returncode == 1 and "refusing" in r.stderr
    assert "public.mandate_audit" in r.stdout and "public.stored_credentials" in r.stdout
    r = run_cli("rollback", "--steps", steps, "--yes", "--database", migrated_url)
    assert r.returncode == 1 and "--force" in r.stderr and "public.mandate_audit (1 rows)" in r.stderr
    assert schema_dump.dump(migrated_url) == before
    r = run_cli("rollback", "--steps", steps, "--yes", "--force", "--database", migrated_url)
    assert r.returncode == 0, r.stderr
    assert f"{steps} migration(s) rolled back" in r.stdout
    migrate.apply(migrated_url, progress=lambda m: None)


def test_uninstall_removes_what_pgcadence_created_and_nothing_else(migrated_url):
    with psycopg.connect(migrated_url, autocommit=True) as c:
        c.execute("create table public.users_own (id int)")
        c.execute("create function public.users_own_fn() returns int language sql as 'select 1'")
        c.execute("select cron.schedule('users_own_job', '0 5 * * *', 'select 1')")
    try:
        r = run_cli("uninstall", "--yes", "--force", "--database", migrated_url)
        assert r.returncode == 0, r.stderr
        with psycopg.connect(migrated_url) as c:
            left = c.execute("select nspname from pg_namespace where nspname in ('pgcadence', 'auth', 'vault', 'net')"
                             ).fetchall()
            assert left == []
            assert c.execute("select count(*) from pg_proc where pronamespace = 'public'::regnamespace "
                             "and proname <> 'users_own_fn'").fetchone()[0] == 0
            assert c.execute("select to_regclass('public.users_own')").fetchone()[0] is not None
            assert c.execute("select to_regprocedure('public.users_own_fn()')").fetchone()[0] is not None
            assert [r[0] for r in c.execute("select jobname from cron.job")] == ["users_own_job"]
    finally:
        with psycopg.connect(migrated_url, autocommit=True) as c:
            c.execute("select cron.unschedule('users_own_job')")
            c.execute("drop function if exists public.users_own_fn()")
            c.execute("drop table if exists public.users_own")
        migrate.apply(migrated_url, progress=lambda m: None)


# ---------------------------------------------------------------- the files themselves
def test_every_migration_has_a_rollback_and_a_module():
    forward = {p.name[: -len(".sql")] for p in migrate.MIGRATIONS_DIR.glob("*.sql") if not p.name.endswith(".rollback.sql")}
    back = {p.name[: -len(".rollback.sql")] for p in migrate.MIGRATIONS_DIR.glob("*.rollback.sql")}
    assert forward and forward == back
    man = manifest.load()
    for name in forward:
        assert re.fullmatch(r"\d{4}\.[a-z0-9_]+", name), f"bad migration name {name}"
        assert man.owner_of(name), f"migration {name} belongs to no module in sql/manifest.toml"


def test_landed_migrations_never_change():
    """migrations/CHECKSUMS lists the sha256 of every landed migration file: a landed
    file is never edited (a database that applied it would never see the edit); a new
    migration is added to the list when it lands."""
    listed = {}
    for line in CHECKSUMS.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            digest, name = line.split()
            listed[name] = digest
    files = sorted(p.name for p in migrate.MIGRATIONS_DIR.glob("*.sql"))
    assert sorted(listed) == files, "every migration file is listed in migrations/CHECKSUMS, and only those"
    for name, digest in listed.items():
        actual = hashlib.sha256((migrate.MIGRATIONS_DIR / name).read_bytes()).hexdigest()
        assert actual == digest, f"migrations/{name} changed after it landed: write a new migration instead"


def test_no_function_is_defined_in_a_migration_and_a_source():
    defined = re.compile(r"(?i)CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+([a-z_]+\.[a-z_0-9]+)\s*\(")
    in_sql = {n for p in migrate.SQL_DIR.rglob("*.sql") for n in defined.findall(p.read_text())}
    in_migrations = {n for p in migrate.MIGRATIONS_DIR.glob("*.sql") for n in defined.findall(p.read_text())}
    assert in_sql & in_migrations == set()
    assert len(in_migrations) <= 5, in_migrations  # data-move and table-definition helpers only


# ---------------------------------------------------------------- upgrade == fresh
def _landed_checkout(tmp_path: Path) -> Path:
    """runner/ and migrations/ as commit LANDED had them."""
    archive = tmp_path / "landed.tar"
    subprocess.run(["git", "archive", "-o", str(archive), LANDED, "runner", "migrations"], cwd=ROOT, check=True)
    out = tmp_path / "landed"
    with tarfile.open(archive) as t:
        t.extractall(out)
    return out


def test_upgrade_from_the_last_landed_layout_equals_a_fresh_install(tmp_path):
    """A database migrated by LANDED's runner with LANDED's migrations, then migrated by
    this checkout, has exactly the schema (privileges and comments included) and the
    cron jobs of a fresh install."""
    old = _landed_checkout(tmp_path)
    vault_mig = old / "migrations" / "0002.vault.sql"
    # LANDED took supabase_vault whenever it was merely available (fixed since: it must
    # also be preloaded); run it as it ran on servers without it.
    vault_mig.write_text(vault_mig.read_text().replace(
        "IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'supabase_vault') THEN",
        "IF false THEN"))
    c = start_cluster()
    try:
        url = c.url()
        proc = subprocess.run(
            [sys.executable, "-c", "import sys; from runner import migrate; "
                                   "migrate.apply(sys.argv[1], progress=lambda m: None)", url],
            cwd=old, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        assert _applied(url)[-1] == "0013.game_platform"
        res = migrate.run(url, progress=lambda m: None)
        newer = sorted(p.name[: -len(".sql")] for p in migrate.MIGRATIONS_DIR.glob("*.sql")
                       if not p.name.endswith(".rollback.sql") and p.name > "0013.game_platform.sql")
        assert res.migrations == newer and newer[:3] == ["0014.sql_sources", "0015.module_skips", "0016.movies_search_path"]
        upgraded, upgraded_cron = schema_dump.dump(url), _cron_rows(url)
        assert not migrate.run(url, progress=lambda m: None).changed

        with psycopg.connect(c.url("postgres"), autocommit=True) as admin:
            admin.execute("drop database pgcadence with (force)")
            admin.execute("create database pgcadence")
        migrate.apply(url, progress=lambda m: None)
        fresh, fresh_cron = schema_dump.dump(url), _cron_rows(url)
    finally:
        c.stop()
    assert upgraded_cron == fresh_cron
    if upgraded != fresh:
        import difflib

        diff = "\n".join(list(difflib.unified_diff(fresh.splitlines(), upgraded.splitlines(),
                                                   "fresh", "upgraded", lineterm=""))[:120])
        raise AssertionError("the upgraded database differs from a fresh install:\n" + diff)
