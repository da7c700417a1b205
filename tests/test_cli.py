"""The command line as a user meets it: help, exit codes, one-line errors."""

import pytest

from tests.conftest import run_cli

VERBS = ["migrate", "rollback", "status", "doctor", "up", "down", "run", "dump-schema", "serve", "keys", "secrets",
         "net-worker", "net", "worker", "jobs", "cron", "movies", "cache", "credentials", "mandates", "admin", "demo"]


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_has_help(verb):
    r = run_cli(verb, "--help")
    assert r.returncode == 0
    assert "Usage: pgcadence " + verb in r.stdout
    assert len(r.stdout.splitlines()) > 3


def test_top_level_help_lists_the_verbs():
    r = run_cli("--help")
    assert r.returncode == 0
    for verb in VERBS:
        assert verb in r.stdout


def test_bad_usage_exits_2():
    assert run_cli("no-such-verb").returncode == 2
    r = run_cli("rollback", "--steps", "0")
    assert r.returncode == 2 and "--steps" in r.stderr


def test_unreachable_database_is_one_clear_line():
    r = run_cli("status", "--database", "postgresql://nobody@127.0.0.1:1/none")
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("pgcadence: error: cannot connect to none on 127.0.0.1:1")
    assert "Traceback" not in r.stderr


def test_password_is_never_echoed_in_errors():
    r = run_cli("status", "--database", "postgresql://u:s3cret-pw@127.0.0.1:1/db")
    assert r.returncode == 1 and "s3cret-pw" not in r.stderr + r.stdout


def test_status_and_doctor_on_a_migrated_database(migrated_url):
    r = run_cli("status", "--database", migrated_url)
    assert r.returncode == 0, r.stderr
    assert "pg_cron: version 1.4" in r.stdout and "0 pending" in r.stdout
    r = run_cli("doctor", env={"DATABASE_URL": migrated_url})
    assert r.returncode == 0, r.stdout + r.stderr
    assert "FAIL" not in r.stdout.replace("0 failed", "")
    for name in ("pg_cron preloaded", "cron.database_name", "pgcrypto", "roles", "migrations"):
        assert f"PASS  {name}" in r.stdout


def test_doctor_fails_on_a_database_without_pg_cron(cluster, migrated_url):
    r = run_cli("doctor", "--database", cluster.url("postgres"))
    assert r.returncode == 1
    assert "FAIL  cron.database_name" in r.stdout and "fix: set cron.database_name = 'postgres'" in r.stdout
    assert "FAIL  migrations" in r.stdout


def test_libpq_variables_are_honoured(cluster, migrated_url):
    r = run_cli("status", env={"PGHOST": "127.0.0.1", "PGPORT": str(cluster.port), "PGUSER": "postgres",
                                "PGDATABASE": "pgcadence"})
    assert r.returncode == 0, r.stderr
    assert "database pgcadence" in r.stdout
