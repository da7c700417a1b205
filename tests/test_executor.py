"""The HTTP executor on a real uvicorn server, against the session database (project keys
in the Vault of migration 0002)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid

import httpx
import jwt
import psycopg
import pytest
import uvicorn
from port_for import get_port

from pgcadence.executor import ApiError, auth, keys, logs
from pgcadence.executor.app import Settings, create_app
from pgcadence.executor.config import load as load_config
from pgcadence.executor import load_builtin
from pgcadence.executor.registry import REGISTRY, function
from tests.conftest import CLI, ROOT, run_cli

RUNNER_SECRET = "runner-secret-" + uuid.uuid4().hex
OUR_SECRETS = (keys.JWT_SECRET, keys.ANON_KEY, keys.SERVICE_ROLE_KEY, keys.PROJECT_URL, "job_queue_runner_secret")

@pytest.fixture(scope="module")
def vault_url(db_url):
    """The session database with project keys and the runner secret in Vault."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        keys.ensure_project_keys(conn, "http://127.0.0.1:1")
        keys.set_secret(conn, "job_queue_runner_secret", RUNNER_SECRET)
    yield db_url
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("delete from vault.secrets where name = any(%s)", (list(OUR_SECRETS),))


@pytest.fixture(scope="module")
def project(vault_url):
    with psycopg.connect(vault_url, autocommit=True) as conn:
        return {"secret": keys.get_secret(conn, keys.JWT_SECRET), **keys.project_keys(conn)}


CALLS: list[str] = []


def _test_registry() -> dict:
    load_builtin()
    reg = dict(REGISTRY)

    @function("t-recorder", registry=reg)
    async def recorder(ctx):
        """Records that it ran; answers the caller's role and claims."""
        CALLS.append(ctx.request_id)
        return {"role": ctx.role, "claims": ctx.claims, "auth": ctx.auth, "body": ctx.body}

    @function("t-service", service_only=True, registry=reg)
    async def service(ctx):
        CALLS.append(ctx.request_id)
        return {"role": ctx.role}

    @function("cleanup-sessions", registry=reg, replace=True)  # verify_jwt = false comes from config.toml
    async def cleanup(ctx):
        return {"role": ctx.role, "auth": ctx.auth}

    @function("t-slow", timeout=0.3, registry=reg)
    async def slow(ctx):
        await asyncio.sleep(60)
        return {}

    @function("t-hidden", registry=reg)
    async def hidden(ctx):
        return {}

    @function("t-boom", registry=reg)
    async def boom(ctx):
        raise RuntimeError("the handler's private detail")

    @function("t-own-timeout", registry=reg)
    async def own_timeout(ctx):
        await asyncio.wait_for(asyncio.sleep(10), timeout=0.01)  # the handler's timeout, not the server's

    @function("t-teapot", registry=reg)
    async def teapot(ctx):
        raise ApiError(418, "teapot", "short and stout")

    return reg


class LogCapture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logs.JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record) -> None:
        self.lines.append(self.format(record))

    def records(self) -> list[dict]:
        return [json.loads(line) for line in self.lines]


@pytest.fixture(scope="module")
def server(vault_url, tmp_path_factory):
    cfg_file = tmp_path_factory.mktemp("supabase") / "config.toml"
    cfg_file.write_text(
        'project_id = "local"\n\n[functions]\n  [functions.cleanup-sessions]\n    verify_jwt = false\n'
        '[functions.t-service]\nverify_jwt = false  # cannot open a service-only function\n'
        '[functions.t-hidden]\nenabled = false\n[functions.not-registered-here]\nverify_jwt = false\n')
    settings = Settings(dsn=vault_url, registry=_test_registry(), config=load_config(cfg_file),
                        max_body=1024, request_timeout=30)
    app = create_app(settings)
    capture = LogCapture()
    logs.log.addHandler(capture)
    logs.log.setLevel(logging.INFO)
    port = get_port(None)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        assert thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        client.capture = capture
        client.dsn = vault_url
        yield client
    srv.should_exit = True
    thread.join(timeout=30)
    logs.log.removeHandler(capture)
    assert not thread.is_alive()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def user_token(project, **kw) -> str:
    return auth.mint(project["secret"], kw.pop("role", "authenticated"), sub=kw.pop("sub", str(uuid.uuid4())), **kw)


# ------------------------------------------------------------------ 401 before the handler
def test_bad_credentials_are_401_before_the_handler_runs(server, project):
    expired = auth.mint(project["secret"], "authenticated", sub=str(uuid.uuid4()), ttl=60, now=int(time.time()) - 3600)
    foreign = auth.mint("some-other-project-secret-0123456789abcdef", "service_role")
    none_alg = jwt.encode({"role": "service_role", "exp": int(time.time()) + 60}, None, algorithm="none")
    cases = {
        "missing_authorization": {},
        "malformed_authorization": {"Authorization": "Basic dXNlcjpwYXNz"},
        "malformed_jwt": bearer("not-a-jwt"),
        "jwt_expired": bearer(expired),
        "invalid_jwt": bearer(foreign),
    }
    CALLS.clear()
    for code, headers in cases.items():
        r = server.post("/functions/v1/t-recorder", headers=headers, json={"x": 1})
        assert r.status_code == 401, (code, r.text)
        assert r.json() == {"error": code, "message": r.json()["message"]}, r.text
        assert r.headers["www-authenticate"] == "Bearer"
    r = server.post("/functions/v1/t-recorder", headers=bearer(none_alg))
    assert r.status_code == 401 and r.json()["error"] in ("malformed_jwt", "invalid_jwt")
    # garbage with the right shape
    r = server.post("/functions/v1/t-recorder", headers=bearer("a.b.c"))
    assert r.status_code == 401 and r.json()["error"] == "malformed_jwt"
    assert CALLS == []


def test_service_only_refuses_other_roles(server, project):
    CALLS.clear()
    for token in (project[keys.ANON_KEY], user_token(project)):
        r = server.post("/functions/v1/t-service", headers=bearer(token))
        assert r.status_code == 401 and r.json()["error"] == "service_role_required", r.text
    assert CALLS == []
    r = server.post("/functions/v1/t-service", headers=bearer(project[keys.SERVICE_ROLE_KEY]))
    assert r.status_code == 200 and r.json() == {"role": "service_role"}
    assert len(CALLS) == 1


# ------------------------------------------------------------------ accepted tokens
def test_anon_key_is_accepted_and_handler_gets_role_and_claims(server, project):
    r = server.post("/functions/v1/t-recorder", headers=bearer(project[keys.ANON_KEY]), json={"hello": "world"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["role"] == "anon" and body["auth"] == "jwt"
    assert body["claims"]["iss"] == "pgcadence" and body["body"] == {"hello": "world"}


def test_user_token_runs_sql_as_that_user_like_postgrest(server, project):
    sub = str(uuid.uuid4())
    r = server.post("/functions/v1/echo", headers=bearer(user_token(project, sub=sub)), json=[1, 2])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["role"] == "authenticated" and body["sub"] == sub and body["body"] == [1, 2]
    assert body["database"] == {"auth_role": "authenticated", "auth_uid": sub, "current_user": "authenticated"}
    # the role and claims were transaction-local: the pool's next user is back to itself
    r = server.post("/functions/v1/echo", headers=bearer(project[keys.SERVICE_ROLE_KEY]))
    assert r.json()["database"] == {"auth_role": "service_role", "auth_uid": None, "current_user": "service_role"}


def test_verify_jwt_false_from_config_toml(server, project):
    r = server.post("/functions/v1/cleanup-sessions")
    assert r.status_code == 200 and r.json() == {"role": "anon", "auth": "none"}
    # a bad token does not matter on a public function; a good one is still recognised
    assert server.post("/functions/v1/cleanup-sessions", headers=bearer("junk")).status_code == 200
    r = server.post("/functions/v1/cleanup-sessions", headers=bearer(project[keys.SERVICE_ROLE_KEY]))
    assert r.json() == {"role": "service_role", "auth": "jwt"}


# ------------------------------------------------------------------ /api/jobs/run
def test_jobs_run_shared_secret(server, project):
    path = "/api/jobs/run"
    assert server.post(path).status_code == 401
    r = server.post(path, headers=bearer("wrong-" + RUNNER_SECRET))
    assert r.status_code == 401 and r.json()["error"] == "invalid_secret", r.text
    assert RUNNER_SECRET not in r.text
    r = server.post(path, headers=bearer(project[keys.ANON_KEY]))
    assert r.status_code == 401 and r.json()["error"] == "service_role_required"
    expected = {"status": "ok", "processed": 0, "succeeded": 0, "failed": 0, "results": []}
    with psycopg.connect(server.dsn, autocommit=True) as conn:  # nothing due: the report is empty
        conn.execute("delete from job_queue")
    for token in (RUNNER_SECRET, project[keys.SERVICE_ROLE_KEY]):
        r = server.post(path, headers=bearer(token), json={})
        assert r.status_code == 200, r.text
        assert r.json() == expected
    r = server.get(path, headers=bearer(RUNNER_SECRET))
    assert r.status_code == 405 and r.json()["error"] == "method_not_allowed"


# ------------------------------------------------------------------ limits and errors
def test_body_over_the_limit_is_413(server, project):
    headers = bearer(project[keys.SERVICE_ROLE_KEY])
    r = server.post("/functions/v1/t-recorder", headers=headers, content=b"[" + b"1," * 600 + b"1]")
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large", r.text

    def chunks():  # no Content-Length: the limit is enforced while reading
        for _ in range(8):
            yield b" " * 512

    r = server.post("/functions/v1/t-recorder", headers=headers, content=chunks())
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large"
    r = server.post("/functions/v1/t-recorder", headers=headers, content=b"{" + b" " * 1000 + b"}")
    assert r.status_code == 200


def test_timeout_is_504(server, project):
    r = server.post("/functions/v1/t-slow", headers=bearer(project[keys.ANON_KEY]))
    assert r.status_code == 504 and r.json()["error"] == "timeout", r.text


def test_errors_are_json_with_stable_codes(server, project):
    h = bearer(project[keys.ANON_KEY])
    r = server.post("/functions/v1/t-recorder", headers=h, content=b"{not json")
    assert r.status_code == 400 and r.json()["error"] == "invalid_json"
    r = server.post("/functions/v1/no-such-function", headers=h)
    assert r.status_code == 404 and r.json()["error"] == "function_not_found"
    r = server.get("/nowhere")
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    r = server.post("/functions/v1/t-boom", headers=h)
    assert r.status_code == 500 and r.json()["error"] == "internal_error"
    assert "private detail" not in r.text and r.headers["x-request-id"] in r.text
    r = server.post("/functions/v1/t-own-timeout", headers=h)
    assert r.status_code == 500 and r.json()["error"] == "internal_error"
    r = server.post("/functions/v1/t-hidden", headers=h)
    assert r.status_code == 404 and r.json()["error"] == "function_disabled"
    r = server.post("/functions/v1/t-teapot", headers=h)
    assert r.status_code == 418 and r.json() == {"error": "teapot", "message": "short and stout"}


# ------------------------------------------------------------------ health, openapi, logs
def test_healthz(server):
    r = server.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok" and r.json()["database"] == "ok"


def test_openapi_lists_the_functions_with_their_auth(server):
    r = server.get("/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    for path in ("/functions/v1/echo", "/functions/v1/t-recorder", "/api/jobs/run", "/healthz"):
        assert path in paths
    assert paths["/functions/v1/echo"]["post"]["security"] == [{"bearerAuth": []}]
    assert paths["/functions/v1/cleanup-sessions"]["post"]["security"] == []
    assert list(paths["/api/jobs/run"]) == ["post"]
    assert "/functions/v1/t-hidden" not in paths
    assert paths["/functions/v1/t-service"]["post"]["security"] == [{"bearerAuth": []}]
    assert paths["/api/jobs/run"]["post"]["x-service-only"] is True


def test_one_json_log_line_per_request_without_secrets(server, project):
    token = user_token(project)
    marker = "body-marker-" + uuid.uuid4().hex
    r = server.post("/functions/v1/t-recorder?apikey=" + marker, headers={**bearer(token), "X-Request-Id": "req-42"},
                    json={"m": marker})
    assert r.status_code == 200 and r.headers["x-request-id"] == "req-42"
    r2 = server.post("/functions/v1/t-recorder", headers=bearer("not-a-jwt"))
    rid2 = r2.headers["x-request-id"]
    records = server.capture.records()
    mine = [rec for rec in records if rec.get("request_id") == "req-42"]
    assert len(mine) == 1, mine
    line = mine[0]
    assert line["event"] == "request" and line["function"] == "t-recorder" and line["status"] == 200
    assert line["method"] == "POST" and line["path"] == "/functions/v1/t-recorder" and line["role"] == "authenticated"
    assert isinstance(line["duration_ms"], (int, float)) and line["duration_ms"] >= 0
    refused = [rec for rec in records if rec.get("request_id") == rid2]
    assert len(refused) == 1 and refused[0]["status"] == 401
    text = "\n".join(server.capture.lines)
    for secret in (token, marker, project[keys.SERVICE_ROLE_KEY], project["secret"], RUNNER_SECRET, "Bearer"):
        assert secret not in text


# ------------------------------------------------------------------ CLI
def test_keys_prints_stable_valid_keys(vault_url, project):
    r = run_cli("keys", "--database", vault_url)
    assert r.returncode == 0, r.stderr
    assert project[keys.ANON_KEY] in r.stdout and project[keys.SERVICE_ROLE_KEY] in r.stdout
    assert project["secret"] not in r.stdout
    r = run_cli("keys", "--database", vault_url, "--json")
    found = json.loads(r.stdout)
    assert auth.verify(found[keys.ANON_KEY], project["secret"])["role"] == "anon"
    claims = auth.verify(found[keys.SERVICE_ROLE_KEY], project["secret"])
    assert claims["role"] == "service_role" and claims["iss"] == "pgcadence"
    assert claims["exp"] - claims["iat"] > 5 * 365 * 86400
    # keys init keeps valid keys as they are
    r = run_cli("keys", "init", "--database", vault_url)
    assert r.returncode == 0 and "already in place" in r.stdout
    with psycopg.connect(vault_url, autocommit=True) as conn:
        assert keys.project_keys(conn) == found
    # an explicit --project-url replaces the URL; up's hook then keeps what was set
    r = run_cli("keys", "init", "--database", vault_url, "--project-url", "https://functions.example.test/")
    assert r.returncode == 0 and "project_url = https://functions.example.test" in r.stdout
    with psycopg.connect(vault_url, autocommit=True) as conn:
        notes = keys.ensure_project_keys(conn, "http://127.0.0.1:1")
        assert keys.get_secret(conn, "project_url") == "https://functions.example.test"
    assert len(notes) == 1 and notes[0].startswith("kept Vault secret project_url")
    r = run_cli("keys", "init", "--database", vault_url, "--project-url", "ftp://x")
    assert r.returncode == 2


def test_keys_mint_a_user_token(vault_url, project):
    sub = str(uuid.uuid4())
    r = run_cli("keys", "mint", "--database", vault_url, "--sub", sub, "--ttl", "15m", "--email", "a@example.com")
    assert r.returncode == 0, r.stderr
    claims = auth.verify(r.stdout.strip(), project["secret"])
    assert claims["sub"] == sub and claims["role"] == "authenticated" and claims["email"] == "a@example.com"
    assert claims["exp"] - claims["iat"] == 900
    r = run_cli("keys", "mint", "--database", vault_url, "--sub", "nope")
    assert r.returncode == 2 and "UUID" in r.stderr
    r = run_cli("keys", "mint", "--database", vault_url, "--sub", sub, "--ttl", "soon")
    assert r.returncode == 2


def test_serve_refuses_a_database_without_keys(cluster):
    r = run_cli("serve", "--database", cluster.url("postgres"), "--port", str(get_port(None)))
    assert r.returncode == 1
    assert r.stderr.strip().count("\n") == 0 and "Vault is not installed" in r.stderr, r.stderr


# ------------------------------------------------------------------ graceful shutdown
def test_sigterm_lets_the_in_flight_request_finish(vault_url, project, tmp_path):
    port = get_port(None)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
    proc = subprocess.Popen([*CLI, "serve", "--database", vault_url, "--port", str(port),
                             "--load", "tests.executor_fixtures"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(l) for l in proc.stderr], daemon=True).start()

    seen: list[dict] = []

    def wait_for(event: str) -> dict:
        """The first log record with this event, in order of appearance, whenever it came."""
        while True:
            for rec in seen:
                if rec.get("event") == event:
                    return rec
            line = lines.get(timeout=60)
            try:
                seen.append(json.loads(line))
            except ValueError:
                continue

    result: dict = {}
    try:
        wait_for("listening")
        wait_for("test_service_running")
        marker = tmp_path / "finish"

        def call():
            with httpx.Client(timeout=60) as c:
                result["r"] = c.post(f"http://127.0.0.1:{port}/functions/v1/test-wait-for-file",
                                     json={"marker": str(marker)})

        caller = threading.Thread(target=call)
        caller.start()
        wait_for("test_handler_started")
        proc.send_signal(signal.SIGTERM)
        wait_for("shutdown_requested")
        while True:  # new connections are refused from now on...
            try:
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
            except OSError:
                break
            time.sleep(0.05)
        time.sleep(0.5)  # ...give a too-eager shutdown the chance to drop the in-flight request
        marker.touch()  # only now may the in-flight request finish
        caller.join(timeout=60)
        assert result["r"].status_code == 200 and result["r"].json() == {"finished": True}
        wait_for("test_service_stopping")  # the background service was told to stop, and did
        assert wait_for("service_stopped")["service"] == "test-svc"
        assert proc.wait(timeout=60) == 0
        assert "stopped" in proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# ------------------------------------------------------------------ the service supervisor
def test_supervisor_restarts_a_crashed_service_and_stops_sync_ones():
    from pgcadence.executor.services import FatalServiceError, Supervisor

    runs: list[str] = []

    class Flaky:
        async def run(self, stop):
            runs.append("flaky")
            if runs.count("flaky") == 1:
                raise RuntimeError("first run fails")
            await stop.wait()

    class Blocking:  # a plain-thread service gets a threading.Event
        def run(self, stop):
            runs.append("blocking")
            stop.wait()
            runs.append("blocking-stopped")

    async def main():
        stop = asyncio.Event()
        sup = Supervisor(stop, first_backoff=0.01)
        tasks = [asyncio.create_task(sup.run_service("flaky", Flaky)),
                 asyncio.create_task(sup.run_service("blocking", Blocking))]
        while runs.count("flaky") < 2 or "blocking" not in runs:
            await asyncio.sleep(0.01)
        assert sup.status == {"flaky": "running", "blocking": "running"}
        stop.set()
        await asyncio.gather(*tasks)
        assert sup.status == {"flaky": "stopped", "blocking": "stopped"}

        class Fatal:
            async def run(self, stop):
                raise FatalServiceError("cannot go on")

        with pytest.raises(FatalServiceError):
            await Supervisor(asyncio.Event()).run_service("fatal", Fatal)

    asyncio.run(main())
    assert runs.count("flaky") == 2 and runs[-1] == "blocking-stopped" or "blocking-stopped" in runs


# ------------------------------------------------------------------ pgcadence run (= up + serve)
def test_run_creates_the_keys_and_serves_until_sigterm():
    import shutil
    import tempfile
    from pathlib import Path

    base = Path(tempfile.mkdtemp(prefix="pgcadence-run-", dir="/tmp"))
    port, serve_port = get_port(None), get_port(None)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
    proc = subprocess.Popen([*CLI, "run", "--data-dir", str(base), "--port", str(port), "--serve-port", str(serve_port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out: list[str] = []
    try:
        for line in proc.stdout:
            out.append(line)
            if line.startswith("pgcadence serve:"):
                break
        assert out and out[-1].startswith("pgcadence serve: executor on"), "".join(out)
        text = "".join(out)
        assert "stored Vault secret service_role_key" in text and f"project_url = http://127.0.0.1:{serve_port}" in text
        url = next(l.split(" ", 1)[1].strip() for l in out if l.startswith("database: "))
        with psycopg.connect(url, autocommit=True) as conn:
            # what a Supabase-style cron command reads
            base_url = keys.get_secret(conn, "project_url")
            service_key = keys.get_secret(conn, "service_role_key")
            secret = keys.get_secret(conn, keys.JWT_SECRET)
        assert base_url == f"http://127.0.0.1:{serve_port}"
        assert auth.verify(service_key, secret)["role"] == "service_role"
        r = httpx.post(base_url + "/functions/v1/echo", headers=bearer(service_key), json={"from": "test"}, timeout=30)
        assert r.status_code == 200 and r.json()["role"] == "service_role", r.text
        services = httpx.get(base_url + "/healthz", timeout=30).json()["services"]
        assert services["heartbeat"] == "running" and set(services.values()) == {"running"}, services
        r = run_cli("doctor", "--database", url)
        assert f"PASS  project keys: anon and service_role keys valid; project_url = {base_url}" in r.stdout, r.stdout
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        rest = proc.stdout.read()
        assert "shutting down" in rest and "stopping PostgreSQL" in rest
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        run_cli("down", "--data-dir", str(base))
        shutil.rmtree(base, ignore_errors=True)


def test_service_logs_become_json_lines_too():
    import io

    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setFormatter(logs.JsonFormatter())
    for name, msg in (("pgcadence.queue", '{"event": "worker_start", "worker": "w1"}'),
                      ("pgcadence.net", "database connection lost; reconnecting")):
        handler.emit(logging.LogRecord(name, logging.INFO, __file__, 1, msg, None, None))
    first, second = (json.loads(line) for line in buf.getvalue().splitlines())
    assert first["event"] == "worker_start" and first["worker"] == "w1" and first["logger"] == "pgcadence.queue"
    assert second == {**second, "event": "log", "logger": "pgcadence.net", "message": "database connection lost; reconnecting"}


@pytest.mark.parametrize("verb", [["serve"], ["keys", "mint"]])
def test_executor_verbs_have_help(verb):
    r = run_cli(*verb, "--help")
    assert r.returncode == 0 and "Usage: pgcadence " + " ".join(verb) in r.stdout
    assert len(r.stdout.splitlines()) > 3


def test_pool_connections_come_back_clean(vault_url):
    from pgcadence.executor.sqlctx import as_role, make_pool

    async def main():
        pool = make_pool(vault_url, min_size=1, max_size=1)
        await pool.open()
        try:
            async with pool.connection() as conn:  # a careless handler: session-level settings
                await conn.execute("set role anon")
                await conn.execute("""set request.jwt.claims = '{"sub": "leaked"}'""")
            async with pool.connection() as conn:
                cur = await conn.execute("select current_user, auth.uid()")
                assert await cur.fetchone() == ("postgres", None)
            claims = {"role": "authenticated", "sub": "00000000-0000-0000-0000-000000000001"}
            async with as_role(pool, "authenticated", claims) as conn:
                cur = await conn.execute("select current_user, auth.uid()::text")
                assert await cur.fetchone() == ("authenticated", claims["sub"])
            async with pool.connection() as conn:  # transaction-local: gone after commit
                cur = await conn.execute("select current_user, auth.uid()")
                assert await cur.fetchone() == ("postgres", None)
            with pytest.raises(ValueError):
                async with as_role(pool, "postgres"):
                    pass
        finally:
            await pool.close()

    asyncio.run(main())
