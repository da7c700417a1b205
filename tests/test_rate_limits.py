"""Rate limits of the executor, kept in PostgreSQL: shared by every runner process, per
key and per client address, stricter for anon and public functions, 429 + Retry-After,
configurable per function."""

from __future__ import annotations

import threading
import time
import uuid

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


def _fresh_window(conn) -> None:
    """Start well inside a one-minute window, so that no count is reset half way."""
    second = conn.execute("select extract(second from now())").fetchone()[0]
    if second > 45:
        time.sleep(61 - float(second))


def _hit(conn, fn, role, key, addr) -> int:
    return conn.execute("select pgcadence.rate_limit_hit(%s, %s, %s, %s)", (fn, role, key, addr)).fetchone()[0]


def test_limits_per_key_and_address_in_sql(migrated_url):
    with psycopg.connect(migrated_url, autocommit=True) as c:
        c.execute("select pgcadence.set_rate_limit('rl-sql', anon_per_minute => 3, authenticated_per_minute => 5)")
        try:
            _fresh_window(c)
            assert [_hit(c, "rl-sql", "anon", None, "10.0.0.1") for _ in range(3)] == [0, 0, 0]
            wait = _hit(c, "rl-sql", "anon", None, "10.0.0.1")
            assert 1 <= wait <= 60
            assert _hit(c, "rl-sql", "anon", None, "10.0.0.2") == 0, "another address has its own count"
            assert _hit(c, "rl-other", "anon", None, "10.0.0.1") == 0, "another function has its own count"
            # authenticated: per user and per address, with the higher limit
            assert [_hit(c, "rl-sql", "authenticated", "user:a", "10.0.0.3") for _ in range(5)] == [0] * 5
            assert _hit(c, "rl-sql", "authenticated", "user:a", "10.0.0.4") > 0, "the user's count follows them"
            assert _hit(c, "rl-sql", "authenticated", "user:b", "10.0.0.3") > 0, "the address's count is shared"
            assert _hit(c, "rl-sql", "authenticated", "user:c", "10.0.0.5") == 0
            # service_role: unlimited by default
            assert {_hit(c, "rl-sql", "service_role", "token:x", "10.0.0.6") for _ in range(50)} == {0}
            # an unknown role counts as anon
            assert _hit(c, "rl-sql", "postgres", None, "10.0.0.1") > 0
        finally:
            c.execute("delete from pgcadence.rate_limits where function_name = 'rl-sql'")
            c.execute("delete from pgcadence.rate_limit_hits where bucket like '%rl-%'")
        with pytest.raises(psycopg.errors.CheckViolation):
            c.execute("select pgcadence.set_rate_limit('bad name!', 1)")


def _server(dsn: str):
    settings = Settings(dsn=dsn, registry=load_builtin(), config=ExecutorConfig(), request_timeout=30)
    srv = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=get_port(None),
                                        log_config=None, access_log=False))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        assert thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    return srv, thread


@pytest.fixture
def two_processes(migrated_url):
    """Two executors with their own pools: as two `pgcadence serve` processes would be."""
    keeper = project_keys(migrated_url)
    keeper.__enter__()
    with psycopg.connect(migrated_url, autocommit=True) as c:
        c.execute("select pgcadence.set_rate_limit('echo', anon_per_minute => 4, authenticated_per_minute => 6)")
        c.execute("select pgcadence.set_rate_limit('cleanup-sessions', anon_per_minute => 2)")
        c.execute("delete from pgcadence.rate_limit_hits")
        project = keys.project_keys(c)
        secret = keys.get_secret(c, keys.JWT_SECRET)
        _fresh_window(c)
    servers = [_server(migrated_url) for _ in range(2)]
    clients = [httpx.Client(base_url=f"http://127.0.0.1:{s.config.port}", timeout=30) for s, _ in servers]
    yield clients, project, secret
    for cl in clients:
        cl.close()
    for srv, thread in servers:
        srv.should_exit = True
        thread.join(timeout=30)
    with psycopg.connect(migrated_url, autocommit=True) as c:
        c.execute("delete from pgcadence.rate_limits where function_name in ('echo', 'cleanup-sessions')")
        c.execute("delete from pgcadence.rate_limit_hits")
    keeper.__exit__(None, None, None)


def test_limits_are_shared_by_every_process_and_answer_429(two_processes):
    (a, b), project, secret = two_processes
    anon = {"Authorization": f"Bearer {project[keys.ANON_KEY]}"}
    codes = [cl.post("/functions/v1/echo", headers=anon).status_code for cl in (a, b, a, b)]
    assert codes == [200, 200, 200, 200]
    r = b.post("/functions/v1/echo", headers=anon)
    assert r.status_code == 429 and r.json()["error"] == "rate_limited", r.text
    assert 1 <= int(r.headers["retry-after"]) <= 60 and set(r.json()) == {"error", "message"}
    # a signed-in user is counted on their own, with the higher limit (the address count is per role)
    user = {"Authorization": f"Bearer {auth.mint(secret, 'authenticated', sub=str(uuid.uuid4()))}"}
    assert [cl.post("/functions/v1/echo", headers=user).status_code for cl in (a, b, a, b, a, b)] == [200] * 6
    assert a.post("/functions/v1/echo", headers=user).status_code == 429
    # service_role is not limited
    service = {"Authorization": f"Bearer {project[keys.SERVICE_ROLE_KEY]}"}
    assert {cl.post("/functions/v1/echo", headers=service).status_code for cl in (a, b) * 5} == {200}
    # a public function called without any JWT: the stricter anon limit
    codes = [cl.post("/functions/v1/cleanup-sessions").status_code for cl in (a, b, a)]
    assert codes[:2] != [429, 429] and codes[2] == 429


def test_the_admin_api_is_limited_like_the_functions(migrated_url):
    """The admin console's JSON routes count as admin-<route> (configurable the same way)."""
    admin = str(uuid.uuid4())
    with project_keys(migrated_url), psycopg.connect(migrated_url, autocommit=True) as c:
        c.execute("insert into public.profiles (id, role) values (%s, 'admin')", (admin,))
        c.execute("select pgcadence.set_rate_limit('admin-overview', authenticated_per_minute => 2)")
        c.execute("delete from pgcadence.rate_limit_hits where bucket like '%admin-overview%'")
        token = auth.mint(keys.get_secret(c, keys.JWT_SECRET), "authenticated", sub=admin)
        _fresh_window(c)
        srv, thread = _server(migrated_url)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{srv.config.port}", timeout=30,
                              headers={"Authorization": f"Bearer {token}"}) as cl:
                codes = [cl.get("/api/admin/overview").status_code for _ in range(3)]
                assert codes == [200, 200, 429], codes
                r = cl.get("/api/admin/overview")
                assert r.json()["error"] == "rate_limited" and 1 <= int(r.headers["retry-after"]) <= 60
                assert cl.get("/api/admin/queue/metrics").status_code == 200, "each route counts on its own"
        finally:
            srv.should_exit = True
            thread.join(timeout=30)
            c.execute("delete from pgcadence.rate_limits where function_name = 'admin-overview'")
            c.execute("delete from pgcadence.rate_limit_hits where bucket like '%admin-%'")
            c.execute("delete from public.profiles where id = %s", (admin,))
