"""Vault secrets as a DBA meets them: the CLI, key rotation, key file failures, leaks."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from port_for import get_port

from pgcadence import vault
from pgcadence.schema_dump import _pg_dump
from tests.conftest import run_cli


@pytest.fixture
def key_file(cluster, db_url) -> Path:
    path = cluster.base / "data" / vault.KEY_FILE_NAME
    assert path.exists(), "start_cluster must write the vault key file"
    return path


@pytest.fixture
def clean_secrets(migrated_url):
    """No secrets before and after the test (the session database is shared)."""
    with psycopg.connect(migrated_url, autocommit=True) as c:
        c.execute("delete from vault.secrets")
    yield migrated_url
    with psycopg.connect(migrated_url, autocommit=True) as c:
        c.execute("delete from vault.secrets")


@contextmanager
def _keep(path: Path):
    """Put the key file back exactly as it was, whatever the test did to it."""
    saved = path.read_bytes()
    st = path.stat()
    try:
        yield
    finally:
        path.write_bytes(saved)
        if os.geteuid() == 0:
            os.chown(path, st.st_uid, st.st_gid)
        path.chmod(0o600)


def _values(url: str) -> dict[str, tuple[str, str]]:
    with psycopg.connect(url) as c:
        return {n: (v, k) for n, v, k in c.execute(
            "select name, decrypted_secret, key_id::text from vault.decrypted_secrets where name is not null")}


def _one_line_error(r: subprocess.CompletedProcess) -> str:
    assert r.returncode == 1, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    return lines[0]


@pytest.mark.parametrize("verb", ["set", "list", "rm", "rotate-key", "init-key"])
def test_secrets_verbs_have_help(verb):
    r = run_cli("secrets", verb, "--help")
    assert r.returncode == 0 and f"Usage: pgcadence secrets {verb}" in r.stdout


def test_cli_set_list_rm_values_only_via_stdin(clean_secrets):
    url = clean_secrets
    value = f"tok-{uuid.uuid4()}"
    r = run_cli("secrets", "set", "api_token", "--description", "for the sync job", "-d", url, input=value + "\n")
    assert r.returncode == 0, r.stderr
    assert "created secret api_token" in r.stdout and value not in r.stdout + r.stderr
    with psycopg.connect(url) as c:
        assert vault.get_secret(c, "api_token") == value  # trailing newline of the pipe stripped
        first_id = c.execute("select id from vault.secrets where name = 'api_token'").fetchone()[0]

    # update by name: same row, new value, description kept
    r = run_cli("secrets", "set", "api_token", "-d", url, input="second value")
    assert r.returncode == 0 and "updated secret api_token" in r.stdout, r.stderr
    with psycopg.connect(url) as c:
        assert vault.get_secret(c, "api_token") == "second value"
        assert c.execute("select id, description from vault.secrets where name = 'api_token'").fetchone() == (
            first_id, "for the sync job")
        assert vault.get_secret(c, "no_such_secret") is None

    r = run_cli("secrets", "list", "-d", url)
    assert r.returncode == 0
    assert "api_token" in r.stdout and "for the sync job" in r.stdout
    assert "second value" not in r.stdout and value not in r.stdout

    # a value can never be given on the command line
    r = run_cli("secrets", "set", "api_token", "third-value", "-d", url, input="x")
    assert r.returncode == 2
    assert _one_line_error(run_cli("secrets", "set", "empty", "-d", url, input="")).endswith(
        "empty value for secret 'empty': nothing stored")

    # rm asks: without a terminal and without --yes it refuses, and the secret stays
    err = _one_line_error(run_cli("secrets", "rm", "api_token", "-d", url))
    assert err == "pgcadence: error: refusing without --yes (stdin is not a terminal); nothing was changed"
    assert "api_token" in run_cli("secrets", "list", "-d", url).stdout
    assert run_cli("secrets", "rm", "api_token", "--yes", "-d", url).returncode == 0
    err = _one_line_error(run_cli("secrets", "rm", "api_token", "-y", "-d", url))
    assert err == "pgcadence: error: no secret named 'api_token' (see 'pgcadence secrets list')"
    assert run_cli("secrets", "list", "-d", url).stdout.strip() == "no secrets"


def test_rotate_key_reencrypts_every_secret(clean_secrets, key_file):
    url = clean_secrets
    with _keep(key_file):
        with psycopg.connect(url, autocommit=True) as c:
            for i in range(5):
                vault.set_secret(c, f"rot_{i}", f"value {i} é✓")
            before_ct = dict(c.execute("select name, secret from vault.secrets"))
        before = _values(url)
        old_ids = {k.key_id for k in vault.parse_ring(key_file.read_text())}

        r = run_cli("secrets", "rotate-key", "-d", url)
        assert r.returncode == 0, r.stderr
        assert "re-encrypted 5 secret(s)" in r.stdout
        ring = vault.parse_ring(key_file.read_text())
        new_id = ring[-1].key_id
        assert new_id not in old_ids and old_ids <= {k.key_id for k in ring}, "old keys are kept"
        assert oct(key_file.stat().st_mode & 0o777) == "0o600"
        after = _values(url)
        assert {n: v for n, (v, _) in after.items()} == {n: v for n, (v, _) in before.items()}
        assert {k for _, k in after.values()} == {new_id}
        with psycopg.connect(url) as c:
            assert all(before_ct[n] != ct for n, ct in c.execute("select name, secret from vault.secrets"))
            # new secrets use the new active key
            vault.set_secret(c, "fresh", "x")
            assert c.execute("select key_id::text from vault.secrets where name = 'fresh'").fetchone()[0] == new_id
            c.commit()

        # one key ring writer at a time
        with psycopg.connect(url, autocommit=True) as other:
            other.execute("select pg_advisory_lock(hashtext('pgcadence.vault.keyring'))")
            assert "another 'pgcadence secrets rotate-key'" in _one_line_error(run_cli("secrets", "rotate-key", "-d", url))
        r = run_cli("secrets", "rotate-key", "--prune", "-d", url)
        assert r.returncode == 1 and "refusing without --yes" in r.stderr  # pruning keys asks first
        r = run_cli("secrets", "rotate-key", "--prune", "--yes", "-d", url)
        assert r.returncode == 0, r.stderr
        ring = vault.parse_ring(key_file.read_text())
        assert len(ring) == 1, "only the key in use is left after --prune"
        assert {n: v for n, (v, _) in _values(url).items() if n != "fresh"} == {n: v for n, (v, _) in before.items()}


def test_rotate_key_failing_half_way_loses_nothing(clean_secrets, key_file):
    url = clean_secrets
    with _keep(key_file), psycopg.connect(url, autocommit=True) as c:
        for name in ("a_first", "b_second", "c_third"):
            vault.set_secret(c, name, f"value of {name}")
        before = _values(url)
        # a real failure in the middle of the re-encryption transaction: the second row's UPDATE raises
        c.execute("""
            create function public.fail_rotation() returns trigger language plpgsql as $$
            begin raise exception 'injected failure while re-encrypting %', old.name; end $$;
            create trigger fail_rotation before update on vault.secrets
              for each row when (old.name = 'b_second') execute function public.fail_rotation();
        """)
        try:
            err = _one_line_error(run_cli("secrets", "rotate-key", "-d", url))
            assert "injected failure while re-encrypting b_second" in err
            assert _values(url) == before, "every secret still decrypts, under its old key"
        finally:
            c.execute("drop trigger fail_rotation on vault.secrets; drop function public.fail_rotation()")
        # the new key was left in the ring (harmless); a second attempt completes
        assert run_cli("secrets", "rotate-key", "-d", url).returncode == 0
        after = _values(url)
        assert {n: v for n, (v, _) in after.items()} == {n: v for n, (v, _) in before.items()}


def test_missing_unknown_and_wrong_key_are_clear_errors(clean_secrets, key_file):
    url = clean_secrets
    with psycopg.connect(url, autocommit=True) as c:
        sid = vault.set_secret(c, "guarded", "the real value")
    with _keep(key_file):
        key_file.unlink()
        err = _one_line_error(run_cli("secrets", "set", "other", "-d", url, input="v"))
        assert f"vault key file {key_file} not found" in err and "pgcadence secrets init-key" in err
        with psycopg.connect(url) as c, pytest.raises(psycopg.Error, match="vault key file .* not found"):
            c.execute("select decrypted_secret from vault.decrypted_secrets")
        r = run_cli("doctor", "-d", url)
        assert r.returncode == 1 and "FAIL  vault key file" in r.stdout and "init-key" in r.stdout

        # init-key creates a fresh ring the server sees; the old row's key is not in it
        r = run_cli("secrets", "init-key", "-d", url)
        assert r.returncode == 0 and "created" in r.stdout, r.stderr
        assert oct(key_file.stat().st_mode & 0o777) == "0o600"
        if os.geteuid() == 0:
            assert key_file.stat().st_uid == (key_file.parent.stat().st_uid)
        with psycopg.connect(url) as c:
            old_key = c.execute("select key_id from vault.secrets where id = %s", (sid,)).fetchone()[0]
            with pytest.raises(psycopg.Error, match=f"vault key {old_key} is not in the vault key file"):
                c.execute("select decrypted_secret from vault.decrypted_secrets where name = 'guarded'")

    with _keep(key_file):
        # same key id, different key bytes: authentication fails, no garbage comes out
        ring = vault.parse_ring(key_file.read_text())
        forged = [vault.Key(k.key_id, f"{k.key_id} {vault.new_key().line.split()[1]}") for k in ring]
        vault.write_ring(key_file, forged)
        with psycopg.connect(url) as c, pytest.raises(psycopg.Error, match="failed authentication"):
            c.execute("select decrypted_secret from vault.decrypted_secrets where name = 'guarded'")
        # a malformed file: the error names the line, never its content
        key_file.write_text("not a key line\n")
        with psycopg.connect(url) as c, pytest.raises(psycopg.Error) as exc:
            c.execute("select decrypted_secret from vault.decrypted_secrets where name = 'guarded'")
        assert "line 1 is malformed" in str(exc.value) and "not a key line" not in str(exc.value)

    with psycopg.connect(url) as c:
        assert vault.get_secret(c, "guarded") == "the real value"


def test_a_missing_key_file_is_an_alert_naming_it(migrated_url, key_file):
    """The vault_key_unreadable alert rule (and the metric of it) see the server's key file."""
    check = "select pgcadence.alert_check('vault_key_unreadable', '{}')"
    with psycopg.connect(migrated_url, autocommit=True) as c:
        assert c.execute(check).fetchone()[0] == []
        with _keep(key_file):
            key_file.unlink()
            assert c.execute(check).fetchone()[0] == [{"subject": "vault key file",
                                                       "detail": f"vault key file {key_file} not found"}]
            assert c.execute("select value from pgcadence.metrics() where metric = 'pgcadence_vault_key_file_ok'"
                             ).fetchone() == (0.0,)
        assert c.execute(check).fetchone()[0] == []


def test_key_and_values_never_visible(cluster, clean_secrets, key_file):
    url = clean_secrets
    root_keys = [k.line.split()[1] for k in vault.parse_ring(key_file.read_text())]
    marker = f"plaintext-{uuid.uuid4()}"
    with psycopg.connect(url, autocommit=True) as c:
        vault.set_secret(c, "project_url", "http://127.0.0.1:1")
        vault.set_secret(c, "service_role_key", marker)
        c.execute("""select cron.schedule(job_name => 'vault_leak_probe', schedule => '0 0 1 1 *', command => $$
            select net.http_post(
              url := (select decrypted_secret from vault.decrypted_secrets where name = 'project_url') || '/functions/v1/sync',
              headers := jsonb_build_object('Authorization', 'Bearer ' ||
                         (select decrypted_secret from vault.decrypted_secrets where name = 'service_role_key')))
            $$)""")
    try:
        with psycopg.connect(url) as busy, psycopg.connect(url, autocommit=True) as c:
            # a session that just used the secret and the key stays open, idle in transaction
            assert busy.execute("select public.get_service_role_key()").fetchone()[0] == marker
            seen = [
                repr(c.execute("show all").fetchall()),
                repr(c.execute("select * from pg_settings").fetchall()),
                repr(c.execute("select * from pg_stat_activity").fetchall()),
                repr(c.execute("select * from cron.job").fetchall()),
                repr(c.execute("select * from pg_proc where pronamespace = 'vault'::regnamespace").fetchall()),
            ]
            busy.rollback()
        dump = subprocess.run([_pg_dump(), "--data-only", "--dbname", url], capture_output=True, text=True, check=True).stdout
        assert "service_role_key" in dump  # the dump does hold the vault rows...
        # with log_statement = all, a bare call logs its bind parameters; set_secret keeps them out
        logged, hidden = f"logged-{uuid.uuid4()}", f"hidden-{uuid.uuid4()}"
        with psycopg.connect(url, autocommit=True) as c:
            c.execute("set log_statement = 'all'")
            c.execute("select vault.create_secret(%s)", (logged,))  # control: proves the log is written
            vault.set_secret(c, "logged_probe", hidden)
            vault.set_secret(c, "logged_probe", hidden + "-v2")
        log = (cluster.base / "postgres.log").read_text(errors="replace")
        assert logged in log
        assert hidden not in log
        for text in [*seen, dump, log]:
            for k in root_keys:
                assert k not in text
            assert marker not in text  # ...but only as ciphertext
    finally:
        with psycopg.connect(url, autocommit=True) as c:
            c.execute("select cron.unschedule('vault_leak_probe')")


def test_up_generates_a_private_key_file_that_survives_restarts():
    base = Path(tempfile.mkdtemp(prefix="pgcadence-vault-up-", dir="/tmp"))
    port = str(get_port(None))
    try:
        r = run_cli("up", "--data-dir", str(base), "--port", port)
        assert r.returncode == 0, r.stderr
        url = r.stdout.strip().splitlines()[-1]
        path = base / "pgdata" / vault.KEY_FILE_NAME
        st = path.stat()
        assert stat.S_IMODE(st.st_mode) == 0o600
        if os.geteuid() == 0:
            import pwd
            assert pwd.getpwuid(st.st_uid).pw_name == "postgres"
        assert len(vault.parse_ring(path.read_text())) == 1
        with psycopg.connect(url, autocommit=True) as c:
            vault.set_secret(c, "project_url", "http://127.0.0.1:9")
        before = path.read_bytes()
        assert run_cli("down", "--data-dir", str(base)).returncode == 0
        assert run_cli("up", "--data-dir", str(base), "--port", port).returncode == 0
        assert path.read_bytes() == before, "up never replaces an existing key file"
        with psycopg.connect(url) as c:
            assert c.execute("select public.get_supabase_url()").fetchone()[0] == "http://127.0.0.1:9"
    finally:
        run_cli("down", "--data-dir", str(base))
        shutil.rmtree(base, ignore_errors=True)


def test_a_session_cannot_point_vault_at_another_file(clean_secrets, key_file):
    """The key-file setting is honoured only from the server configuration: a service_role
    member who SETs it in its session (or for its role) learns nothing about server files."""
    url = clean_secrets
    name = f"vault_probe_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as c:
        vault.set_secret(c, "probe_target", "still readable")
        c.execute(f'create role "{name}" login in role service_role')
    host = url.split("@", 1)[1]
    try:
        with psycopg.connect(f"postgresql://{name}@{host}") as c:
            answers = set()
            for probe in ("/etc/passwd", "/nonexistent/file", "/root/.bashrc", "relative/nothing"):
                c.execute("select set_config('pgcadence.vault_key_file', %s, false)", (probe,))
                # the session's setting is ignored: the real ring still decrypts
                answers.add(c.execute("select decrypted_secret from vault.decrypted_secrets "
                                      "where name = 'probe_target'").fetchone()[0])
            assert answers == {"still readable"}
        with psycopg.connect(url, autocommit=True) as c:
            c.execute(f'alter role "{name}" set pgcadence.vault_key_file = \'/etc/passwd\'')
        with psycopg.connect(f"postgresql://{name}@{host}") as c:
            with pytest.raises(psycopg.Error, match="honoured only in the server configuration") as exc:
                c.execute("select decrypted_secret from vault.decrypted_secrets where name = 'probe_target'")
            assert "/etc/passwd" not in str(exc.value)
    finally:
        with psycopg.connect(url, autocommit=True) as c:
            c.execute(f'drop owned by "{name}"')
            c.execute(f'drop role "{name}"')
