"""The admin API and sign-in on a real uvicorn server: every /api/admin route answers an
admin, refuses a signed-in non-admin (403) and a caller without credentials (401);
one-time links work once; the session cookie's flags; CSRF; logout; pasted JWTs;
the OpenAPI description; the CLI's `admin` and `demo` verbs."""

from __future__ import annotations

import re
import threading
import time
import uuid
from pathlib import Path

import httpx
import psycopg
import pytest
import uvicorn
from port_for import get_port

from pgcadence.executor import auth, keys
from pgcadence.executor.admin import render
from pgcadence.executor.admin.registry import API_ROUTES
from pgcadence.executor.app import Settings, create_app
from pgcadence.executor.config import ExecutorConfig
from pgcadence.executor import load_builtin
from tests.conftest import run_cli

ADMIN = str(uuid.uuid4())
USER = str(uuid.uuid4())
JOB = "console_api_job"


@pytest.fixture(scope="module")
def admin_db(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        created = keys.ensure_project_keys(conn, "http://127.0.0.1:1")
        conn.execute("insert into public.profiles (id, role) values (%s, 'admin'), (%s, 'user')", (ADMIN, USER))
        conn.execute("select public.register_job_handler('console_api_task', 'test')")
        conn.execute("select public.create_cron_job(%s, '0 4 * * *', 'console_api_task')", (JOB,))
        conn.execute("select public.run_cron_job_now(%s)", (JOB,))
        rid = conn.execute("select nextval(pg_get_serial_sequence('net.http_request_queue', 'id'))").fetchone()[0]
        conn.execute("insert into net._http_response (id, status_code, headers, content) values (%s, 200, "
                     "'{\"Set-Cookie\": \"s=secret\", \"Content-Type\": \"text/plain\"}', 'hello')", (rid,))
    yield {"url": db_url, "response_id": rid}
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("select pgcadence.cron_unschedule(j.jobname) from cron.job j where j.jobname like 'console\\_api\\_%'")
        conn.execute("delete from public.job_queue where task_type = 'console_api_task'")
        conn.execute("delete from public.job_handlers where task_type = 'console_api_task'")
        conn.execute("delete from net._http_response where id = %s", (rid,))
        conn.execute("delete from pgcadence.admin_sessions where user_id in (%s, %s)", (ADMIN, USER))
        conn.execute("delete from pgcadence.admin_login_links where user_id in (%s, %s)", (ADMIN, USER))
        conn.execute("delete from public.profiles where id in (%s, %s)", (ADMIN, USER))
        conn.execute("update pgcadence.job_queue_settings set paused = false, paused_at = null, paused_by = null")
        if created:
            conn.execute("delete from vault.secrets where name = any(%s)", (created,))


@pytest.fixture(scope="module")
def server(admin_db):
    settings = Settings(dsn=admin_db["url"], registry=load_builtin(), config=ExecutorConfig(), request_timeout=30)
    srv = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=get_port(None),
                                        log_config=None, access_log=False))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        assert thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    with psycopg.connect(admin_db["url"], autocommit=True) as conn:
        secret = keys.get_secret(conn, keys.JWT_SECRET)
        anon = keys.project_keys(conn)[keys.ANON_KEY]
    yield {"base": f"http://127.0.0.1:{srv.config.port}", "secret": secret, "anon": anon, **admin_db}
    srv.should_exit = True
    thread.join(timeout=30)


def _client(server, who: str | None = None) -> httpx.Client:
    headers = {}
    if who in ("admin", "user"):
        headers["Authorization"] = "Bearer " + auth.mint(server["secret"], "authenticated", sub=ADMIN if who == "admin" else USER)
    return httpx.Client(base_url=server["base"], headers=headers, timeout=30, follow_redirects=False)


def _enqueue(url: str, **kw) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        return str(conn.execute("select public.job_queue_enqueue('console_api_task', '{}', now() + interval '1 hour')").fetchone()[0])


def _link(url: str, user: str = ADMIN, ttl: str | None = None) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("select token from pgcadence.admin_login_link(%s, %s::interval)", (user, ttl)).fetchone()[0]


# ------------------------------------------------------------------ every route
def _calls(server) -> list[tuple[str, str, dict | None]]:
    """One call per admin API route and method, each valid for an admin."""
    url = server["url"]
    with psycopg.connect(url) as conn:
        runid = conn.execute("select max(d.runid) from cron.job_run_details d join cron.job j using (jobid) where j.jobname = %s",
                             (JOB,)).fetchone()[0]
    name = f"console_api_{uuid.uuid4().hex[:8]}"
    return [
        ("GET", "/api/admin/overview", None),
        ("GET", "/api/admin/cron/runs?status=succeeded", None),
        ("GET", f"/api/admin/cron/runs/{runid}", None),
        ("GET", "/api/admin/cron/preview?schedule=*/5%20*%20*%20*%20*", None),
        ("GET", "/api/admin/cron/health", None),
        ("GET", "/api/admin/handlers", None),
        ("GET", "/api/admin/jobs?status=pending", None),
        ("POST", "/api/admin/jobs", {"taskType": "console_api_task", "payload": "{\"from\": \"api\"}", "delaySeconds": 3600}),
        ("POST", "/api/admin/jobs/bulk", {"action": "retry", "status": "failed", "taskType": "console_api_task"}),
        ("GET", f"/api/admin/jobs/{_enqueue(url)}", None),
        ("POST", f"/api/admin/jobs/{_enqueue(url)}/retry", None),
        ("POST", f"/api/admin/jobs/{_enqueue(url)}/cancel", None),
        ("POST", f"/api/admin/jobs/{_enqueue(url)}/run-now", None),
        ("GET", "/api/admin/queue/metrics", None),
        ("POST", "/api/admin/queue/pause", None),
        ("POST", "/api/admin/queue/resume", None),
        ("GET", "/api/admin/audit?action=cache_warm_%25&sort=org_ref&dir=asc", None),
        ("GET", "/api/admin/audit/facets", None),
        ("GET", "/api/admin/net?outcome=ok", None),
        ("GET", f"/api/admin/net/{server['response_id']}", None),
        ("GET", "/api/admin/caches", None),
        ("GET", "/api/admin/cron-jobs?limit=5", None),
        ("POST", "/api/admin/cron-jobs/create", {"jobName": name, "schedule": "0 5 * * *", "taskType": "console_api_task",
                                                 "payload": "{\"a\": 1}"}),
        ("POST", "/api/admin/cron-jobs/toggle", {"jobName": JOB, "active": True}),
        ("POST", "/api/admin/cron-jobs/schedule", {"jobName": JOB, "schedule": "0 4 * * *"}),
        ("POST", "/api/admin/cron-jobs/run", {"jobName": JOB}),
        ("POST", "/api/admin/cron-jobs/delete", {"jobName": name}),
    ]


def _route_of(path: str) -> str:
    path = path.split("?")[0]
    for r in API_ROUTES:
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", r.path) + "$"
        if re.match(pattern, path) and not (r.path.endswith("{id}") and path.endswith("/bulk")):
            return r.path
    raise AssertionError(f"no admin route for {path}")


def test_the_matrix_covers_every_admin_route(server):
    covered = {(_route_of(p), m) for m, p, _ in _calls(server)}
    assert covered == {(r.path, m) for r in API_ROUTES for m in r.methods}


def test_every_route_admin_ok_non_admin_403_no_credentials_401(server):
    calls = _calls(server)
    with _client(server, "user") as user, _client(server) as nobody:
        for method, path, body in calls:
            r = user.request(method, path, json=body)
            assert r.status_code == 403, (path, r.text)
            assert r.json()["error"] == "permission_denied", (path, r.text)
            r = nobody.request(method, path, json=body)
            assert r.status_code == 401 and r.json()["error"] == "missing_authorization", (path, r.text)
    with _client(server, "admin") as admin:
        for method, path, body in calls:
            r = admin.request(method, path, json=body)
            assert r.status_code in (200, 201), (method, path, r.text)
    with psycopg.connect(server["url"]) as conn:  # the non-admin changed nothing: one create, by the admin
        assert conn.execute("select count(*) from public.job_queue where payload = '{\"from\": \"api\"}'").fetchone()[0] == 1


def test_answers_carry_what_the_pages_show(server):
    with _client(server, "admin") as admin:
        preview = admin.get("/api/admin/cron/preview", params={"schedule": "0 3 * * *", "timezone": "Europe/Berlin"}).json()
        assert preview["description"] == "Daily at 03:00 (Europe/Berlin)" and len(preview["next_runs"]) == 5
        bad = admin.get("/api/admin/cron/preview", params={"schedule": "0 25 * * *"})
        assert bad.status_code == 400 and 'invalid hour field "25"' in bad.json()["message"]
        detail = admin.get(f"/api/admin/net/{server['response_id']}").json()
        assert detail["response"]["headers"] == {"Set-Cookie": "[redacted]", "Content-Type": "text/plain"}
        job = _enqueue(server["url"])
        got = admin.get(f"/api/admin/jobs/{job}").json()
        assert got["status"] == "pending" and got["attempt_history"] == []
        r = admin.post(f"/api/admin/jobs/{job}/retry")
        assert r.json() == {"id": job, "status": "pending"}
        r = admin.post(f"/api/admin/jobs/{job}/cancel")
        assert r.json()["status"] == "cancelled"
        r = admin.post(f"/api/admin/jobs/{job}/run-now")
        assert r.status_code == 409 and "only a pending job can be run now" in r.json()["message"]
        assert admin.get("/api/admin/jobs/not-a-uuid").status_code == 404
        r = admin.post("/api/admin/jobs/bulk", json={"action": "cancel", "status": "pending", "taskType": "console_api_task"})
        n = r.json()["matched"]
        assert n >= 1 and r.json()["dry_run"] is True
        r = admin.post("/api/admin/jobs/bulk", json={"action": "cancel", "status": "pending", "taskType": "console_api_task",
                                                     "dryRun": False})
        assert r.json()["changed"] == n and r.json()["skipped"] == 0
        r = admin.post("/api/admin/jobs/bulk", json={"action": "retry"})
        assert r.status_code == 400 and "choose a status first" in r.json()["message"]
        r = admin.post("/api/admin/jobs", json={"taskType": "console_api_task", "payload": "{not json"})
        assert r.status_code == 400 and r.json()["message"].startswith("'payload' is not valid JSON")


def test_cron_create_accepts_payload_as_json_text(server):
    with _client(server, "admin") as admin:
        r = admin.post("/api/admin/cron-jobs/create", json={"jobName": "console_api_text", "schedule": "0 6 * * *",
                                                            "taskType": "console_api_task", "payload": '{"dryRun": true}'})
        assert r.status_code == 201, r.text
        jobs = admin.get("/api/admin/cron-jobs").json()["jobs"]
        assert next(j for j in jobs if j["jobname"] == "console_api_text")["payload"] == {"dryRun": True}
        r = admin.post("/api/admin/cron-jobs/create", json={"jobName": "console_api_bad", "schedule": "0 6 * * *",
                                                            "taskType": "console_api_task", "payload": '{"a": '})
        assert r.status_code == 400 and "'payload' is not valid JSON" in r.json()["message"]
        r = admin.post("/api/admin/cron-jobs/create", json={"jobName": "console_api_bad", "schedule": "0 6 * * *",
                                                            "taskType": "console_api_task", "payload": "[1, 2]"})
        assert r.status_code == 400 and r.json()["message"] == "'payload' must be a JSON object"


# ------------------------------------------------------------------ sign-in, cookie, CSRF
def _signed_in(server) -> tuple[httpx.Client, str]:
    c = _client(server)
    r = c.get("/admin/login", params={"token": _link(server["url"])})
    assert r.status_code == 200, r.text
    page = c.get("/admin/jobs")
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text).group(1)
    return c, csrf


def test_link_sets_a_strict_httponly_cookie_and_works_once(server):
    token = _link(server["url"])
    with _client(server) as c:
        r = c.get("/admin/login", params={"token": token})
        assert r.status_code == 200 and "Signed in" in r.text
        cookie = next(v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith("pgcadence_admin="))
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie and "Max-Age=" in cookie
        assert c.get("/admin").status_code == 200
    with _client(server) as other:
        r = other.get("/admin/login", params={"token": token})
        assert r.status_code == 401 and "already used" in r.text
        assert "pgcadence_admin=" not in r.headers.get("set-cookie", "")
        assert other.get("/admin").status_code == 303


def test_expired_link_is_refused(server):
    token = _link(server["url"], ttl="1 minute")
    with psycopg.connect(server["url"], autocommit=True) as conn:
        conn.execute("update pgcadence.admin_login_links set expires_at = now() - interval '1 s' "
                     "where token_hash = pgcadence.admin_token_hash(%s)", (token,))
    with _client(server) as c:
        assert c.get("/admin/login", params={"token": token}).status_code == 401


def test_state_changes_need_the_csrf_token_and_our_origin(server):
    c, csrf = _signed_in(server)
    try:
        r = c.post("/api/admin/queue/pause")
        assert r.status_code == 403 and r.json()["error"] == "csrf_failed"
        r = c.post("/api/admin/queue/pause", headers={"X-CSRF-Token": "0" * 64})
        assert r.status_code == 403
        r = c.post("/api/admin/queue/pause", headers={"X-CSRF-Token": csrf, "Origin": "http://127.0.0.1:1"})
        assert r.status_code == 403 and "cross-origin" in r.json()["message"]
        with psycopg.connect(server["url"]) as conn:
            assert conn.execute("select paused from pgcadence.job_queue_settings").fetchone()[0] is False
        r = c.post("/api/admin/queue/pause", headers={"X-CSRF-Token": csrf, "Origin": server["base"]})
        assert r.status_code == 200 and r.json() == {"paused": True}
        r = c.post("/api/admin/queue/resume", headers={"X-CSRF-Token": csrf})
        assert r.json() == {"paused": False}
        assert c.get("/api/admin/overview").status_code == 200  # reads need no token
    finally:
        c.close()


def test_logout_ends_the_session(server):
    c, csrf = _signed_in(server)
    try:
        cookie = c.cookies.get("pgcadence_admin")
        assert c.post("/admin/logout", data={"csrf_token": "wrong"}).status_code == 403
        r = c.post("/admin/logout", data={"csrf_token": csrf})
        assert r.status_code == 303 and r.headers["location"] == "/admin/login?signed_out=1"
    finally:
        c.close()
    with _client(server) as again:
        again.cookies.set("pgcadence_admin", cookie)
        assert again.get("/api/admin/overview").status_code == 401
        assert again.get("/admin").status_code == 303


def _login_form(c: httpx.Client) -> str:
    page = c.get("/admin/login")
    return re.search(r'name="login_csrf" value="([^"]+)"', page.text).group(1)


def test_pasted_jwt_signs_in_an_admin_only(server):
    secret = server["secret"]
    with _client(server) as c:
        nonce = _login_form(c)
        r = c.post("/admin/login", data={"login_csrf": nonce, "jwt": "Bearer " + auth.mint(secret, "authenticated", sub=ADMIN),
                                         "next": "/admin/jobs"})
        assert r.status_code == 303 and r.headers["location"] == "/admin/jobs"
        assert c.get("/admin/jobs").status_code == 200
    for token, status, text in [(auth.mint(secret, "authenticated", sub=USER), 403, "not an admin"),
                                (server["anon"], 403, "not a user"),
                                ("not.a.jwt", 401, ""),
                                (auth.mint("another-secret-of-32-bytes-or-more!!", "authenticated", sub=ADMIN), 401, "")]:
        with _client(server) as c:
            r = c.post("/admin/login", data={"login_csrf": _login_form(c), "jwt": token})
            assert r.status_code == status and text in r.text, r.text
            assert "pgcadence_admin=" not in r.headers.get("set-cookie", "")
    with _client(server) as c:  # no form token: refused (login CSRF)
        r = c.post("/admin/login", data={"jwt": auth.mint(secret, "authenticated", sub=ADMIN)})
        assert r.status_code == 403


def test_pages_refuse_non_admins_and_send_strangers_to_sign_in(server):
    with _client(server, "user") as user:
        r = user.get("/admin/jobs")
        assert r.status_code == 403 and "not an admin" in r.text
    with _client(server) as nobody:
        r = nobody.get("/admin/jobs?status=failed")
        assert r.status_code == 303 and r.headers["location"] == "/admin/login?next=%2Fadmin%2Fjobs%3Fstatus%3Dfailed"
    with _client(server, "admin") as admin:  # a demoted admin's next page is a 403
        assert admin.get("/admin/audit").status_code == 200
        with psycopg.connect(server["url"], autocommit=True) as conn:
            conn.execute("update public.profiles set role = 'user' where id = %s", (ADMIN,))
        try:
            assert admin.get("/admin/audit").status_code == 403
        finally:
            with psycopg.connect(server["url"], autocommit=True) as conn:
                conn.execute("update public.profiles set role = 'admin' where id = %s", (ADMIN,))


# ------------------------------------------------------------------ what a page may contain
def test_every_page_has_the_security_headers_and_renders(server):
    with _client(server, "admin") as admin:
        for path in ["/admin", "/admin/cron", "/admin/cron/history", "/admin/jobs", "/admin/audit", "/admin/net",
                     "/admin/caches", "/admin/cron/health", "/admin/jobs?fragment=jobs_table"]:
            r = admin.get(path)
            assert r.status_code == 200, (path, r.text[:300])
            assert r.headers["content-security-policy"] == render.CSP
            assert r.headers["x-frame-options"] == "DENY" and r.headers["referrer-policy"] == "same-origin"
        assert admin.get("/admin/jobs?fragment=nope").status_code == 404
        assert admin.get("/admin/static/admin.js").headers["content-security-policy"] == render.CSP
    assert "'unsafe-inline'" not in render.CSP and "script-src 'self'" in render.CSP


def test_templates_have_no_inline_script_or_style():
    for path in sorted(render.TEMPLATES.glob("*.html")):
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), f"{path.name}: inline <script>"
        assert not re.search(r"\sstyle=", text), f"{path.name}: style attribute"
        assert not re.search(r"\son[a-z]+=", text), f"{path.name}: inline event handler"
        assert "<style" not in text, f"{path.name}: <style> element"


def test_openapi_describes_the_admin_api(server):
    doc = httpx.get(server["base"] + "/openapi.json").json()
    for r in API_ROUTES:
        item = doc["paths"][r.path.replace(":int}", "}")]
        for m in r.methods:
            assert item[m.lower()]["security"] == [{"bearerAuth": []}, {"adminSession": []}]
    assert "adminSession" in doc["components"]["securitySchemes"]
    assert "/api/admin/cron-jobs/create" in doc["paths"]


# ------------------------------------------------------------------ CLI
def test_cli_admin_url_prints_a_working_link(server):
    env = {"DATABASE_URL": server["url"]}
    r = run_cli("admin", "url", "--user", ADMIN, "--base-url", server["base"], env=env)
    assert r.returncode == 0, r.stderr
    link = r.stdout.strip()
    assert link.startswith(server["base"] + "/admin/login?token=") and "\n" not in link
    assert "one use" in r.stderr
    with _client(server) as c:
        assert c.get(link[len(server["base"]):]).status_code == 200
    r = run_cli("admin", "url", "--user", USER, env=env)
    assert r.returncode == 1 and "is not an admin" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("admin", "list", "--json", env=env)
    assert r.returncode == 0 and ADMIN in r.stdout


def test_cli_demo_load_and_clear_leave_nothing_behind(server):
    env = {"DATABASE_URL": server["url"]}

    with psycopg.connect(server["url"]) as conn:
        last_run = conn.execute("select coalesce(max(runid), 0) from cron.job_run_details").fetchone()[0]

    def counts():  # pg_cron's own standing jobs keep adding runs meanwhile: count the older ones
        with psycopg.connect(server["url"]) as conn:
            return conn.execute("select (select count(*) from public.job_queue), (select count(*) from cron.job), "
                                "(select count(*) from cron.job_run_details where runid <= %s), "
                                "(select count(*) from cron.job_run_details where jobid not in (select jobid from cron.job)), "
                                "(select count(*) from public.mandate_audit), "
                                "(select count(*) from net._http_response), (select count(*) from public.projects)",
                                (last_run,)).fetchone()

    before = counts()
    r = run_cli("demo", "load", env=env)
    assert r.returncode == 0 and "demo data loaded" in r.stdout, r.stderr
    with _client(server, "admin") as admin:
        o = admin.get("/api/admin/overview").json()
        assert o["queue"]["running"] >= 1 and o["queue"]["failed"] >= 2 and o["queue"]["succeeded_24h"] >= 30
        assert admin.get("/api/admin/audit", params={"action": "cache_warm_%"}).json()["total"] >= 4
    r = run_cli("demo", "clear", env=env)  # no terminal, no --yes: refused
    assert r.returncode == 1 and "--yes" in r.stderr
    r = run_cli("demo", "clear", "--yes", env=env)
    assert r.returncode == 0 and "demo data removed" in r.stdout, r.stderr
    assert counts() == before


def test_static_files_ship_with_the_package():
    assert (render.STATIC / "admin.js").is_file() and (render.STATIC / "admin.css").is_file()
    assert Path(render.TEMPLATES / "base.html").is_file()


def test_the_wheel_carries_the_console(tmp_path):
    """Templates and scripts are package data: a plain `pip install` serves the console."""
    import subprocess
    import sys
    import zipfile

    from tests.conftest import ROOT

    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    names = zipfile.ZipFile(next(tmp_path.glob("pgcadence-*.whl"))).namelist()
    for name in ["pgcadence/executor/admin/static/admin.js", "pgcadence/executor/admin/static/admin.css",
                 "pgcadence/executor/admin/templates/base.html", "pgcadence/_data/sql/admin/sessions.sql",
                 "pgcadence/_data/migrations/0040.admin_console.sql"]:
        assert name in names, name
