"""pgcadence up / down: the embedded cluster, as root (via the postgres OS user) or not."""

import os
import shutil
import tempfile
from pathlib import Path

import psycopg
from port_for import get_port

from tests.conftest import run_cli


def test_up_is_restartable_and_keeps_data():
    base = Path(tempfile.mkdtemp(prefix="pgcadence-up-", dir="/tmp"))
    port = str(get_port(None))
    try:
        r = run_cli("up", "--data-dir", str(base), "--port", port)
        assert r.returncode == 0, r.stderr
        url = r.stdout.strip().splitlines()[-1]
        assert url.startswith(f"postgresql://postgres:") and url.endswith(f"@127.0.0.1:{port}/pgcadence")
        assert oct((base / "cluster.json").stat().st_mode & 0o777) == "0o600"
        assert oct((base / "postgres.log").stat().st_mode & 0o777) == "0o600"
        assert not (base / "pwfile.tmp").exists()
        with psycopg.connect(url, autocommit=True) as c:
            c.execute("create table public.survivor (v text)")
            c.execute("insert into public.survivor values ('still here')")
            if os.geteuid() == 0:
                assert c.execute("select current_setting('data_directory')").fetchone()[0] == str(base / "pgdata")
        # a second up leaves the running cluster alone: it says what runs where, exit 1
        r = run_cli("up", "--data-dir", str(base), "--port", port)
        assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
        assert f"the embedded cluster in {base} is already running on 127.0.0.1:{port}" in r.stderr
        with psycopg.connect(url) as c:
            assert c.execute("select v from public.survivor").fetchone()[0] == "still here"
        # down, then up again: the data survived
        assert run_cli("down", "--data-dir", str(base)).returncode == 0
        r = run_cli("up", "--data-dir", str(base), "--port", port)
        assert r.returncode == 0, r.stderr
        assert "initdb" not in r.stdout and "migrations up to date" in r.stdout
        with psycopg.connect(url) as c:
            assert c.execute("select v from public.survivor").fetchone()[0] == "still here"
        r = run_cli("doctor", "--database", url)
        assert "FAIL" not in r.stdout.replace("0 failed", ""), r.stdout
    finally:
        run_cli("down", "--data-dir", str(base))
        shutil.rmtree(base, ignore_errors=True)


def test_down_when_not_running_is_harmless(tmp_path):
    r = run_cli("down", "--data-dir", str(tmp_path))
    assert r.returncode == 0 and "not running" in r.stdout


def test_up_as_a_normal_user(tmp_path):
    """Without root, up runs initdb/pg_ctl directly (here as the postgres OS user)."""
    import pwd
    import subprocess
    import pytest

    from tests.conftest import ROOT

    import sysconfig

    if os.geteuid() != 0:
        pytest.skip("needs root to switch to another user")
    python = shutil.which("python3", path="/usr/bin:/usr/local/bin")  # root's pyenv is not readable by others
    if not python or subprocess.run(["runuser", "-u", "postgres", "--", python, "-c", "1"], cwd="/").returncode:
        pytest.skip("no Python the postgres user can run")
    base = Path(tempfile.mkdtemp(prefix="pgcadence-user-", dir="/tmp"))
    pw = pwd.getpwnam("postgres")
    os.chown(base, pw.pw_uid, pw.pw_gid)
    port = str(get_port(None))
    cmd = ["runuser", "-u", "postgres", "--", python, "-m", "pgcadence"]
    env = {"PATH": os.environ["PATH"], "HOME": str(base),
           "PYTHONPATH": f"{ROOT / 'runner'}:{sysconfig.get_paths()['purelib']}"}
    try:
        r = subprocess.run([*cmd, "up", "--data-dir", str(base / "c"), "--port", port],
                           capture_output=True, text=True, env=env, cwd="/", timeout=120)
        assert r.returncode == 0, r.stderr
        url = r.stdout.strip().splitlines()[-1]
        with psycopg.connect(url) as c:
            assert c.execute("select count(*) from _yoyo_migration").fetchone()[0] >= 1
    finally:
        subprocess.run([*cmd, "down", "--data-dir", str(base / "c")], capture_output=True, env=env, cwd="/")
        shutil.rmtree(base, ignore_errors=True)


def test_a_second_run_never_disturbs_the_first(tmp_path):
    """`pgcadence run` twice: the second says what runs where and exits 1; the first keeps
    serving (its PostgreSQL and its executor) until it is stopped."""
    import signal
    import subprocess
    import time
    import urllib.request

    from tests.conftest import CLI, ROOT

    base = Path(tempfile.mkdtemp(prefix="pgcadence-run-", dir="/tmp"))
    port, serve_port = str(get_port(None)), get_port(None)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
    env.update(PYTHONUNBUFFERED="1", PGCADENCE_HOME="/nonexistent/pgcadence-tests")
    log = tmp_path / "first.log"
    with log.open("w") as out:
        first = subprocess.Popen([*CLI, "run", "--data-dir", str(base), "--port", port, "--serve-port", str(serve_port),
                                  "--no-net", "--no-worker"], stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 120
        while "pgcadence serve: executor on" not in log.read_text():
            assert first.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        for verb in (["run", "--serve-port", str(get_port(None))], ["up"]):
            r = run_cli(*verb, "--data-dir", str(base), "--port", port)
            assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
            assert f"the embedded cluster in {base} is already running on 127.0.0.1:{port}" in r.stderr
            assert f"served by 'pgcadence run' (pid {first.pid}) on http://127.0.0.1:{serve_port}" in r.stderr
        with urllib.request.urlopen(f"http://127.0.0.1:{serve_port}/healthz", timeout=10) as resp:
            assert resp.status == 200  # the first one still serves, its database still answers
        assert first.poll() is None
    finally:
        first.send_signal(signal.SIGINT)
        try:
            assert first.wait(60) == 0, log.read_text()
            assert "shutting down" in log.read_text() and not (base / "run.json").exists()
        finally:
            run_cli("down", "--data-dir", str(base))
            shutil.rmtree(base, ignore_errors=True)


def test_private_files_are_never_world_readable(tmp_path):
    """The password file and the server log are created 0600, whatever the umask: no
    window in which another local user could read them (they were written, then chmod'ed)."""
    from pgcadence.embedded import create_private

    old = os.umask(0)
    try:
        create_private(tmp_path / "pw", b"secret\n", None)
        create_private(tmp_path / "log", b"", None, keep=True)
        (tmp_path / "log").write_text("line 1\n")
        (tmp_path / "log").chmod(0o644)
        create_private(tmp_path / "log", b"", None, keep=True)  # an existing log is tightened, kept
    finally:
        os.umask(old)
    assert oct((tmp_path / "pw").stat().st_mode & 0o777) == "0o600"
    assert oct((tmp_path / "log").stat().st_mode & 0o777) == "0o600"
    assert (tmp_path / "log").read_text() == "line 1\n"
