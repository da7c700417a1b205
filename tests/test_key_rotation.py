"""pgcadence keys rotate: new project secret and keys in Vault (what cron commands read),
the old keys verify during the overlap window, --finish retires them, every rotation is
recorded; and a running executor accepts the new keys at once."""

from __future__ import annotations

import threading
import time

import httpx
import psycopg
import pytest
import uvicorn
from port_for import get_port

from pgcadence.executor import auth, keys
from pgcadence.executor.app import Settings, create_app
from pgcadence.executor.config import ExecutorConfig
from pgcadence.executor import load_builtin
from tests.keys_helpers import project_keys
from tests.conftest import run_cli


@pytest.fixture
def executor(migrated_url):
    keeper = project_keys(migrated_url)
    keeper.__enter__()
    with psycopg.connect(migrated_url, autocommit=True) as c:
        c.execute("update pgcadence.key_rotations set finished_at = now() where finished_at is null")
    settings = Settings(dsn=migrated_url, registry=load_builtin(), config=ExecutorConfig(), request_timeout=30)
    srv = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=get_port(None),
                                        log_config=None, access_log=False))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        assert thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    with httpx.Client(base_url=f"http://127.0.0.1:{srv.config.port}", timeout=30) as client:
        yield migrated_url, client
    srv.should_exit = True
    thread.join(timeout=30)
    with psycopg.connect(migrated_url, autocommit=True) as c:
        c.execute("update pgcadence.key_rotations set finished_at = now() where finished_at is null")
        c.execute("delete from vault.secrets where name = %s", (keys.PREVIOUS_JWT_SECRET,))
    keeper.__exit__(None, None, None)


def _echo(client, token: str) -> int:
    return client.post("/functions/v1/echo", headers={"Authorization": f"Bearer {token}"}).status_code


def test_rotate_overlap_and_finish(executor):
    url, client = executor
    with psycopg.connect(url, autocommit=True) as c:
        old = keys.project_keys(c)
        old_secret = keys.jwt_secret(c)
    assert _echo(client, old[keys.SERVICE_ROLE_KEY]) == 200  # the executor has the old secret cached

    r = run_cli("keys", "rotate", "--database", url)
    assert r.returncode == 1 and "--yes" in r.stderr, "no terminal, no --yes: nothing changes"
    r = run_cli("keys", "rotate", "--overlap", "1h", "--yes", "--database", url)
    assert r.returncode == 0, r.stderr
    assert old_secret not in r.stdout + r.stderr and old[keys.SERVICE_ROLE_KEY] not in r.stdout
    with psycopg.connect(url, autocommit=True) as c:
        new = keys.project_keys(c)
        rotation = c.execute("select old_fingerprint, new_fingerprint, overlap_until > now() + interval '59 minutes', "
                             "finished_at from pgcadence.key_rotations order by id desc limit 1").fetchone()
        # what a cron command reads when it runs
        cron_key = c.execute("select decrypted_secret from vault.decrypted_secrets where name = 'service_role_key'").fetchone()[0]
    assert new[keys.SERVICE_ROLE_KEY] != old[keys.SERVICE_ROLE_KEY] and cron_key == new[keys.SERVICE_ROLE_KEY]
    assert rotation[0] == keys.fingerprint(old_secret) and rotation[2] is True and rotation[3] is None
    # both generations verify, the new one at once (no waiting for the executor's cache)
    for token in (new[keys.SERVICE_ROLE_KEY], new[keys.ANON_KEY], old[keys.SERVICE_ROLE_KEY], old[keys.ANON_KEY]):
        assert _echo(client, token) == 200
    r = run_cli("keys", "rotate", "--yes", "--database", url)
    assert r.returncode == 1 and "still open" in r.stderr and "--finish" in r.stderr

    r = run_cli("keys", "rotate", "--finish", "--database", url)
    assert r.returncode == 0 and "retired" in r.stdout, r.stderr
    with psycopg.connect(url, autocommit=True) as c:
        assert c.execute("select count(*) from vault.secrets where name = %s", (keys.PREVIOUS_JWT_SECRET,)).fetchone()[0] == 0
        assert c.execute("select finished_at is not null from pgcadence.key_rotations order by id desc limit 1").fetchone()[0]
        # what an executor reads (a running one within its 30 s cache) no longer verifies the old keys
        verifying = [row[0] for row in c.execute("select * from pgcadence.project_jwt_secrets()")]
    assert len(verifying) == 1
    with pytest.raises(auth.AuthError, match="signature"):
        auth.verify_any(old[keys.SERVICE_ROLE_KEY], verifying)
    assert auth.verify_any(new[keys.SERVICE_ROLE_KEY], verifying)["role"] == "service_role"
    assert _echo(client, new[keys.SERVICE_ROLE_KEY]) == 200
    r = run_cli("keys", "rotate", "--finish", "--database", url)
    assert r.returncode == 1 and "no key rotation is open" in r.stderr


def test_old_keys_stop_at_the_end_of_the_overlap(executor):
    url, client = executor
    with psycopg.connect(url, autocommit=True) as c:
        old = keys.project_keys(c)
        keys.rotate(c, 3600)
        assert len(c.execute("select * from pgcadence.project_jwt_secrets()").fetchall()) == 2
        c.execute("update pgcadence.key_rotations set overlap_until = now() - interval '1 second' where finished_at is null")
        verifying = [row[0] for row in c.execute("select * from pgcadence.project_jwt_secrets()")]
    assert len(verifying) == 1
    with pytest.raises(auth.AuthError):
        auth.verify_any(old[keys.ANON_KEY], verifying)
