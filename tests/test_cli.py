"""The command line as a user meets it: help, exit codes, one-line errors, --json on
listings, consent before destroying, progress on a terminal."""

import json
import os
import pty
import re
import socket
import subprocess
import sys

import psycopg
import pytest

from tests.conftest import CLI, ROOT, run_cli

VERBS = ["migrate", "rollback", "uninstall", "modules", "status", "doctor", "up", "down", "run", "dump-schema", "serve",
         "keys", "secrets", "net-worker", "net", "worker", "jobs", "cron", "movies", "cache", "credentials", "mandates",
         "admin", "demo"]


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


def test_the_verb_table_names_each_command_where_it_is_defined():
    """The root loads a verb's module only when the verb runs, from a table; every
    module's COMMANDS must be in it under its own name, and nothing else."""
    import importlib
    import pkgutil

    import pgcadence.cli

    table = importlib.import_module("pgcadence.cli.main").VERBS
    defined = {}
    for info in pkgutil.iter_modules(pgcadence.cli.__path__):
        module = importlib.import_module(f"pgcadence.cli.{info.name}")
        for command in getattr(module, "COMMANDS", ()):
            defined[command.name] = info.name
    assert defined == table
    assert sorted(defined) == sorted(VERBS)


LOADED = """import sys
from pgcadence.cli.main import cli
from pgcadence.queue.registry import load_default_handlers
cli.main([sys.argv[1], "--help"], standalone_mode=False)
load_default_handlers()  # what a worker imports before it claims
heavy = ("starlette", "uvicorn", "jinja2", "mcp", "pgcadence.executor.app", "pgcadence.executor.admin")
print("LOADED", " ".join(sorted(m for m in sys.modules if m.startswith(heavy))))
"""


def test_a_worker_starts_without_the_http_side():
    """`pgcadence worker` with the package's handlers imports neither the HTTP app, the
    console nor the MCP SDK (seconds of start-up per process on a small machine); serve
    does (the SDK too, at start-up), which also shows the check sees them."""
    loaded = {}
    for verb in ("worker", "serve"):
        r = subprocess.run([sys.executable, "-c", LOADED, verb], capture_output=True, text=True, cwd=ROOT,
                           timeout=120)
        assert r.returncode == 0, r.stderr
        loaded[verb] = r.stdout.rsplit("LOADED", 1)[1].split()
    assert loaded["worker"] == []
    assert "starlette" in loaded["serve"] and "pgcadence.executor.app" in loaded["serve"]
    assert "mcp" in loaded["serve"], "serve loads the MCP SDK at start-up, not in its first request"


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


# ---------------------------------------------------------------- what a user can rely on
def _one_line(r) -> str:
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    return lines[0]


LISTINGS = [["modules", "list"], ["cron", "list"], ["cron", "history"], ["cron", "health"], ["jobs", "list"],
            ["jobs", "stats"], ["cache", "ls"], ["cache", "stats"], ["secrets", "list"], ["credentials", "list"],
            ["net", "status"], ["movies", "status"], ["doctor"]]


@pytest.mark.parametrize("verb", LISTINGS, ids=" ".join)
def test_every_listing_verb_prints_json_for_machines(verb, migrated_url):
    r = run_cli(*verb, "--json", "--database", migrated_url)
    assert r.returncode in (0, 1) and r.stdout.strip(), r.stderr  # cron health / doctor exit 1 on a failure
    json.loads(r.stdout)


def test_status_is_what_supabase_status_shows(migrated_url):
    r = run_cli("status", "--database", migrated_url)
    assert r.returncode == 0, r.stderr
    for label in ("API URL", "DB URL", "anon key", "service_role key", "services:", "net sender", "job queue",
                  "pg_cron", "migrations:"):
        assert label in r.stdout
    doc = json.loads(run_cli("status", "-o", "json", "--database", migrated_url).stdout)
    assert doc["db_url"] == migrated_url and doc["migrations"]["pending"] == []
    env = run_cli("status", "-o", "env", "--database", migrated_url).stdout.splitlines()
    assert f"DB_URL={migrated_url}" in env and all(line.split("=", 1)[0].isupper() for line in env)


def test_a_stopped_embedded_cluster_says_how_to_start_it(tmp_path):
    (tmp_path / "pgdata").mkdir()
    (tmp_path / "pgdata" / "PG_VERSION").write_text("15\n")  # initialised, not running
    for verb in (["status"], ["doctor"], ["cron", "list"]):
        r = run_cli(*verb, env={"PGCADENCE_HOME": str(tmp_path)})
        assert r.returncode == 1
        assert _one_line(r) == (f"pgcadence: error: the embedded cluster is not running: pgcadence up (it lives in "
                                f"{tmp_path}; or pass --database URL)")


def test_a_busy_port_is_refused_before_anything_starts(tmp_path, migrated_url):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        r = run_cli("up", "--data-dir", str(tmp_path / "c"), "--port", port)
        assert r.returncode == 1 and not (tmp_path / "c").exists()
        assert _one_line(r) == (f"pgcadence: error: port {port} on 127.0.0.1 is in use by another program: "
                                "pass --port with a free port (or stop what listens there)")
        r = run_cli("serve", "--port", port, "--database", migrated_url)
        assert r.returncode == 1 and f"port {port} on 127.0.0.1 is in use" in _one_line(r)


def test_a_file_that_cannot_be_written_or_read_is_one_line(migrated_url):
    r = run_cli("dump-schema", "-o", "/nonexistent/x.sql", "--database", migrated_url)
    assert r.returncode == 1
    assert _one_line(r) == ("pgcadence: error: cannot write /nonexistent/x.sql: the folder /nonexistent does not "
                            "exist (create it, or pass another --output)")
    r = run_cli("cache", "import", "p", "strava", "/nonexistent/cache.json", "--database", migrated_url)
    assert r.returncode == 2 and "'/nonexistent/cache.json' does not exist" in _one_line(r)
    r = run_cli("serve", "--config", "/nonexistent/config.toml", "--database", migrated_url)
    assert r.returncode == 2 and "does not exist" in _one_line(r)


def test_serve_with_a_handler_module_it_cannot_import_stops_and_says_so(migrated_url):
    """A typo in $PGCADENCE_HANDLERS is configuration: serve stops with one line instead of
    restarting its worker forever while the jobs wait."""
    r = run_cli("serve", "--no-executor", "--no-net", "--no-metrics", "--database", migrated_url,
                env={"PGCADENCE_HANDLERS": "no_such_module_here"})
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.strip().splitlines()[-1] == (
        "pgcadence: error: cannot import handler module: No module named 'no_such_module_here' "
        "(check $PGCADENCE_HANDLERS)")


def test_destructive_verbs_ask_and_refuse_without_a_terminal(migrated_url):
    d = ["--database", migrated_url]
    with psycopg.connect(migrated_url, autocommit=True) as conn:
        conn.execute("select cron.schedule('cli_doomed_job', '0 0 1 1 *', 'select 1')")
        # as if created through create_cron_job: the cron verbs change only such jobs
        conn.execute("insert into pgcadence.cron_job_meta (jobname, local_schedule, inner_command, created_via) "
                     "values ('cli_doomed_job', '0 0 1 1 *', 'select 1', 'admin')")
    try:
        for verb in (["cron", "delete", "cli_doomed_job"], ["cache", "purge"], ["jobs", "cleanup"],
                     ["modules", "disable", "movies"], ["rollback"], ["uninstall"]):
            r = run_cli(*verb, *d)
            assert r.returncode == 1, (verb, r.stderr)
            assert _one_line(r).endswith("refusing without --yes (stdin is not a terminal); nothing was changed")
        r = run_cli("cron", "delete", "cli_doomed_job", "-y", *d)
        assert r.returncode == 0 and "deleted cli_doomed_job" in r.stdout
    finally:
        with psycopg.connect(migrated_url, autocommit=True) as conn:
            conn.execute("select cron.unschedule(jobid) from cron.job where jobname = 'cli_doomed_job'")
            conn.execute("delete from pgcadence.cron_job_meta where jobname = 'cli_doomed_job'")


def test_long_work_shows_a_progress_bar_on_a_terminal(migrated_url):
    """migrate on a terminal: a bar; piped: one line per step (what the other tests read)."""
    assert run_cli("rollback", "--steps", "1", "--yes", "--database", migrated_url).returncode == 0
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
    env.update(PGCADENCE_HOME="/nonexistent/pgcadence-tests", TERM="xterm", COLUMNS="120")
    proc = subprocess.Popen([*CLI, "migrate", "--database", migrated_url], stdout=follower, stderr=follower,
                            stdin=subprocess.DEVNULL, env=env, cwd=ROOT)
    os.close(follower)
    out = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(leader)
    assert proc.wait(120) == 0, out
    text = out.decode(errors="replace")
    assert re.search(r"migrating\s+\[[#-]+\]\s+\d+/\d+", text) and "applied in" in text
    assert "\n  applying sql/" not in text  # steps go into the bar, not one line each
