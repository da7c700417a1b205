"""The executor answers the headers Supabase clients send: the ``apikey`` header (the
project key; alone, it is the bearer) and CORS preflights, so that supabase-js
``functions.invoke`` works from a browser page on another origin. The last test does
exactly that in headless Chromium."""

from __future__ import annotations

import http.server
import shutil
import subprocess
import threading
import time
import uuid

import httpx
import psycopg
import pytest
import uvicorn
from port_for import get_port

from pgcadence.executor import auth, cors, keys
from pgcadence.executor.app import Settings, create_app
from pgcadence.executor import load_builtin
from tests.conftest import run_cli

SUPABASE_HEADERS = "authorization, x-client-info, apikey, content-type"


class Executor:
    """create_app on uvicorn in a thread, on a free port."""

    def __init__(self, dsn: str, cors_origins=None) -> None:
        app = create_app(Settings(dsn=dsn, registry=dict(load_builtin()), cors_origins=cors_origins))
        self.port = get_port(None)
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_config=None,
                                                    access_log=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> httpx.Client:
        self.thread.start()
        while not self.server.started:
            assert self.thread.is_alive(), "uvicorn did not start"
            time.sleep(0.02)
        self.client = httpx.Client(base_url=self.url, timeout=30)
        return self.client

    def __exit__(self, *exc) -> None:
        self.client.close()
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture(scope="module")
def project(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        keys.ensure_project_keys(conn, None)
        return {"secret": keys.get_secret(conn, keys.JWT_SECRET), **keys.project_keys(conn)}


@pytest.fixture(scope="module")
def executor(db_url, project):
    with Executor(db_url) as client:
        yield client


# ------------------------------------------------------------------ apikey
def test_apikey_alone_is_the_bearer(executor, project):
    r = executor.post("/functions/v1/echo", headers={"apikey": project[keys.ANON_KEY]})
    assert r.status_code == 200, r.text
    assert r.json()["role"] == "anon" and r.json()["database"]["auth_role"] == "anon"
    r = executor.post("/functions/v1/echo", headers={"apikey": project[keys.SERVICE_ROLE_KEY]})
    assert r.json()["role"] == "service_role" and r.json()["database"]["current_user"] == "service_role"


def test_authorization_carries_the_user_apikey_the_project(executor, project):
    """What supabase-js sends for a signed-in user: both headers; the JWT decides the role."""
    sub = str(uuid.uuid4())
    user = auth.mint(project["secret"], "authenticated", sub=sub)
    r = executor.post("/functions/v1/echo", headers={"apikey": project[keys.ANON_KEY],
                                                     "Authorization": f"Bearer {user}"})
    assert r.json()["role"] == "authenticated" and r.json()["database"]["auth_uid"] == sub
    # and the key checks are the ones the Authorization header gets
    r = executor.post("/functions/v1/echo", headers={"apikey": "not-a-key"})
    assert r.status_code == 401 and r.json()["error"] == "malformed_jwt"
    r = executor.post("/functions/v1/create-system-mandate", headers={"apikey": project[keys.ANON_KEY]},
                      json={"user_id": str(uuid.uuid4())})
    assert r.status_code == 401 and r.json()["error"] == "service_role_required"
    r = executor.post("/functions/v1/echo")
    assert r.status_code == 401 and "apikey" in r.json()["message"]


# ------------------------------------------------------------------ CORS
def test_preflight_is_answered_as_supabase_does(executor):
    r = executor.options("/functions/v1/signup-action", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, x-client-info, apikey, content-type"})
    assert r.status_code == 200 and r.text == "ok"
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["access-control-allow-headers"] == SUPABASE_HEADERS
    assert "POST" in r.headers["access-control-allow-methods"]
    assert r.headers["x-request-id"], "a preflight is a logged request too"
    # every answer carries the origin header, errors included (so the page can read them)
    r = executor.post("/functions/v1/signup-action", headers={"Origin": "https://app.example"})
    assert r.status_code == 401 and r.headers["access-control-allow-origin"] == "*"
    assert r.json()["error"]["action"] == "login"
    assert executor.get("/functions/v1/nope", headers={"Origin": "https://x"}).headers[
        "access-control-allow-origin"] == "*"


def test_allowed_origins_are_configurable(db_url, project, monkeypatch):
    with Executor(db_url, cors_origins=("https://app.example",)) as client:
        r = client.options("/functions/v1/echo", headers={"Origin": "https://app.example"})
        assert r.headers["access-control-allow-origin"] == "https://app.example" and r.headers["vary"] == "Origin"
        assert r.headers["access-control-allow-headers"] == SUPABASE_HEADERS
        r = client.options("/functions/v1/echo", headers={"Origin": "https://evil.example"})
        assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
        r = client.post("/functions/v1/echo", headers={"Origin": "https://evil.example",
                                                       "apikey": project[keys.ANON_KEY]})
        assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
    monkeypatch.setenv(cors.ENV, "https://a.example, https://b.example/")
    assert cors.origins_from_env() == ("https://a.example", "https://b.example")
    help_text = run_cli("serve", "--help").stdout
    assert "--cors-origin" in help_text and cors.ENV in help_text


PAGE = """<!doctype html><html><body><pre id="out">pending</pre><script>
// what supabase-js functions.invoke sends: the anon key as apikey, the user's JWT as Authorization
fetch(%(url)r + "/functions/v1/echo", {method: "POST",
  headers: {"Authorization": "Bearer " + %(user)r, "apikey": %(anon)r,
            "x-client-info": "supabase-js/2.45.0", "Content-Type": "application/json"},
  body: JSON.stringify({from: "browser"})})
  .then(r => r.json()).then(j => { document.getElementById("out").textContent = "ROLE=" + j.role + " BODY=" + j.body.from; })
  .catch(e => { document.getElementById("out").textContent = "FAILED " + e; });
</script></body></html>"""


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium package")
def test_a_browser_page_on_another_origin_calls_a_function(db_url, project, tmp_path):
    for origins, expected in ((None, "ROLE=authenticated BODY=browser"), (("https://elsewhere.example",), "FAILED")):
        with Executor(db_url, cors_origins=origins) as _client:
            url = f"http://127.0.0.1:{_client_port(_client)}"
            user = auth.mint(project["secret"], "authenticated", sub=str(uuid.uuid4()))
            (tmp_path / "page.html").write_text(PAGE % {"url": url, "user": user, "anon": project[keys.ANON_KEY]})
            page_port = get_port(None)
            handler = lambda *a, **kw: http.server.SimpleHTTPRequestHandler(*a, directory=str(tmp_path), **kw)  # noqa: E731
            site = http.server.ThreadingHTTPServer(("127.0.0.1", page_port), handler)
            threading.Thread(target=site.serve_forever, daemon=True).start()
            try:
                out = subprocess.run(
                    ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=20000", "--dump-dom",
                     f"http://localhost:{page_port}/page.html"],
                    capture_output=True, text=True, timeout=120)
            finally:
                site.shutdown()
                site.server_close()
            assert expected in out.stdout, out.stdout[-2000:] + out.stderr[-2000:]


def _client_port(client: httpx.Client) -> int:
    return client.base_url.port
