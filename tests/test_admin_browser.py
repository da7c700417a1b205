"""The admin console in a real browser: Debian's Chromium driven by Playwright against
`pgcadence serve` (executor + queue worker) on the test cluster. One browser for the
module, a fresh signed-in context per test; each test leaves a screenshot of its page in
test-screenshots/ (ignored by git)."""

from __future__ import annotations

import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import psycopg
import pytest
from port_for import get_port

from playwright import sync_api as playwright_api
from playwright.sync_api import expect

from pgcadence.executor import auth, keys
from tests.conftest import ROOT
from tests.serve_helpers import start_serve

expect.set_options(timeout=20_000)  # live parts refresh every 5 s; the machine is shared

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = ROOT / "test-screenshots"
ADMIN = str(uuid.uuid4())
USER = str(uuid.uuid4())
MARK = uuid.uuid4().hex[:10]  # in every payload and org this module writes, so cleanup finds them


def wait_until(check, timeout: float = 60.0, what: str = "condition"):
    """Poll ``check`` until it returns something truthy (an event, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.1)


def sql(url: str, query: str, params: tuple = ()):
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(query, params)
        return cur.fetchone() if cur.description else None


@pytest.fixture(scope="module")
def console(db_url):
    """`pgcadence serve` with the test handlers (echo, boom), an admin and a plain user,
    retries after 100 ms."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        created = keys.ensure_project_keys(conn, "http://127.0.0.1:1")
        conn.execute("insert into public.profiles (id, role) values (%s, 'admin'), (%s, 'user')", (ADMIN, USER))
        backoff = conn.execute("select backoff_base, backoff_cap from pgcadence.job_queue_settings").fetchone()
        conn.execute("update pgcadence.job_queue_settings set backoff_base = '100 milliseconds', backoff_cap = '1 second'")
        secret = keys.get_secret(conn, keys.JWT_SECRET)
        service_key = keys.project_keys(conn)[keys.SERVICE_ROLE_KEY]
    served = start_serve(db_url, "--no-net", env={"PGCADENCE_HANDLERS": "tests.queue_handlers"})
    try:
        wait_until(lambda: sql(db_url, "select count(*) = 2 from public.job_handlers where task_type in ('echo', 'boom')")[0],
                   what="the worker to register its handlers")
        yield {"url": served.url, "db": db_url, "secret": secret, "service_key": service_key}
    finally:
        served.stop()
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("select pgcadence.cron_unschedule(j.jobname) from cron.job j where j.jobname like 'console\\_ui\\_%'")
            conn.execute("delete from public.job_queue where payload ->> 'console_ui' = %s", (MARK,))
            with conn.transaction():  # the audit is append-only; its owner removes this module's rows
                conn.execute("select set_config('pgcadence.audit_purge', 'on', true)")
                conn.execute("delete from public.mandate_audit where org_ref like %s", (f"console-ui-{MARK}%",))
            conn.execute("update pgcadence.job_queue_settings set backoff_base = %s, backoff_cap = %s, paused = false, "
                         "paused_at = null, paused_by = null", backoff)
            conn.execute("delete from pgcadence.admin_sessions where user_id in (%s, %s)", (ADMIN, USER))
            conn.execute("delete from pgcadence.admin_login_links where user_id in (%s, %s)", (ADMIN, USER))
            conn.execute("delete from public.profiles where id in (%s, %s)", (ADMIN, USER))
            if created:
                conn.execute("delete from vault.secrets where name = any(%s)", (created,))


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make deps` installs Debian's chromium (apt-get install chromium)")
    pw = playwright_api.sync_playwright().start()
    b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
    yield b
    b.close()
    pw.stop()


def login_link(console, user: str = ADMIN) -> str:
    token = sql(console["db"], "select token from pgcadence.admin_login_link(%s)", (user,))[0]
    return f"{console['url']}/admin/login?token={token}"


@pytest.fixture
def context(browser, request):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(20000)
    problems: list[str] = []
    ctx.problems = problems
    yield ctx
    pages = ctx.pages
    if pages:
        SHOTS.mkdir(exist_ok=True)
        pages[-1].screenshot(path=str(SHOTS / f"{request.node.name}.png"), full_page=True)
    ctx.close()


@pytest.fixture
def page(context, console):
    """A page signed in as the admin through a one-time link."""
    p = context.new_page()
    p.on("console", lambda m: m.type == "error" and context.problems.append(m.text))
    p.on("pageerror", lambda e: context.problems.append(str(e)))
    p.goto(login_link(console))
    p.wait_for_url(console["url"] + "/admin")
    expect(p.get_by_role("heading", name="Overview")).to_be_visible()
    return p


# ------------------------------------------------------------------ sign-in
def test_the_one_time_link_signs_in_once(context, browser, console):
    link = login_link(console)
    p = context.new_page()
    p.goto(link)
    p.wait_for_url(console["url"] + "/admin")
    expect(p.locator("[data-count=pending]")).to_be_visible()
    cookie = next(c for c in context.cookies() if c["name"] == "pgcadence_admin")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    other = browser.new_context()
    try:
        q = other.new_page()
        response = q.goto(link)
        assert response.status == 401
        expect(q.locator("[data-login-error]")).to_contain_text("already used")
        assert not [c for c in other.cookies() if c["name"] == "pgcadence_admin"]
    finally:
        other.close()
    # sign out: the cookie stops working
    p.get_by_role("button", name="Sign out").click()
    p.wait_for_url("**/admin/login?signed_out=1")
    p.goto(console["url"] + "/admin/jobs")
    assert "/admin/login" in p.url


# ------------------------------------------------------------------ cron jobs
def test_create_cron_job_dialog_validates_then_creates(page, console):
    page.goto(console["url"] + "/admin/cron")
    page.get_by_role("button", name="Create cron job").click()
    dlg = page.locator("#create-dialog")
    expect(dlg).to_be_visible()
    dlg.get_by_label("Job name").fill("console_ui_created")
    dlg.get_by_label("Schedule", exact=True).fill("0 25 * * *")
    expect(dlg.locator("#c-preview")).to_contain_text('invalid hour field "25"')
    dlg.get_by_label("Task type").select_option("echo")
    payload = dlg.get_by_label("Payload (JSON object)")
    payload.fill('{"n": ')
    expect(dlg.locator("[data-json-error]")).to_contain_text("Not valid JSON")
    dlg.get_by_role("button", name="Create", exact=True).click()
    expect(dlg).to_be_visible()  # bad JSON never leaves the page
    payload.fill(f'{{"n": 1, "console_ui": "{MARK}"}}')
    expect(dlg.locator("[data-json-error]")).to_have_text("")
    dlg.get_by_role("button", name="Create", exact=True).click()
    with psycopg.connect(console["db"]) as conn:  # the SQL error, verbatim
        try:
            conn.execute("select public.describe_cron_schedule('0 25 * * *')")
        except psycopg.Error as exc:
            message = exc.diag.message_primary
    expect(dlg.locator("[data-error]")).to_have_text(message)
    dlg.get_by_label("Schedule", exact=True).fill("*/30 * * * *")
    expect(dlg.locator("#c-preview [data-description]")).to_have_text("Every 30 minutes")
    expect(dlg.locator("#c-preview li")).to_have_count(5)
    dlg.get_by_role("button", name="Create", exact=True).click()
    expect(dlg).to_be_hidden()
    row = page.locator('tr[data-job="console_ui_created"]')
    expect(row).to_contain_text("*/30 * * * *")
    expect(row).to_contain_text("Every 30 minutes")
    command = sql(console["db"], "select command from cron.job where jobname = 'console_ui_created'")[0]
    assert "'echo'" in command and MARK in command


def test_toggle_and_edit_schedule(page, console):
    sql(console["db"], "select public.create_cron_job('console_ui_edit', '0 * * * *', 'echo')")
    page.goto(console["url"] + "/admin/cron")
    row = page.locator('tr[data-job="console_ui_edit"]')
    row.get_by_role("switch").click()
    expect(row.locator("[data-state]")).to_have_text("inactive")
    wait_until(lambda: not sql(console["db"], "select active from cron.job where jobname = 'console_ui_edit'")[0],
               what="the job to be inactive")
    row.get_by_role("button", name="Edit").click()
    dlg = page.locator("#edit-dialog")
    schedule = dlg.get_by_label("Schedule", exact=True)
    expect(schedule).to_have_value("0 * * * *")
    schedule.fill("0 3 * * *")
    expect(dlg.locator("#e-preview [data-description]")).to_have_text("Daily at 03:00")
    expect(dlg.locator("#e-preview li")).to_have_count(5)
    dlg.get_by_role("button", name="Save schedule").click()
    expect(dlg).to_be_hidden()
    expect(page.locator('tr[data-job="console_ui_edit"]')).to_contain_text("Daily at 03:00")
    assert sql(console["db"], "select schedule, active from cron.job where jobname = 'console_ui_edit'") == ("0 3 * * *", False)


def test_run_now_shows_the_run_in_the_history_with_details(page, console):
    sql(console["db"], "select public.create_cron_job('console_ui_run', '0 4 * * *', 'echo', %s::jsonb)",
        (f'{{"console_ui": "{MARK}"}}',))
    page.goto(console["url"] + "/admin/cron")
    page.locator('tr[data-job="console_ui_run"]').get_by_role("button", name="Run now").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Confirm").click()
    expect(page.locator("#flash")).to_contain_text("succeeded")
    page.goto(console["url"] + "/admin/cron/history?job=console_ui_run")
    rows = page.locator("tr[data-run]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("succeeded")
    rows.first.get_by_role("link", name="Details").click()
    dialog = page.locator("#detail-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("[data-return-message]")).to_contain_text(f"manual run by user {ADMIN}")
    expect(dialog).to_contain_text("PID")
    expect(dialog).to_contain_text("Duration")


# ------------------------------------------------------------------ job queue
def test_failing_job_detail_attempts_retry_and_cancel(page, console):
    page.goto(console["url"] + "/admin/jobs")
    page.get_by_role("button", name="Enqueue job").click()
    dlg = page.locator("#enqueue-dialog")
    dlg.get_by_label("Task type").fill("boom")
    dlg.get_by_label("Payload (JSON object)").fill(f'{{"message": "kaboom {MARK}", "console_ui": "{MARK}"}}')
    dlg.get_by_label("Max attempts").fill("2")
    dlg.get_by_role("button", name="Enqueue", exact=True).click()
    expect(page.locator("#flash")).to_contain_text("Enqueued job")
    job = sql(console["db"], "select id from public.job_queue where task_type = 'boom' and payload ->> 'console_ui' = %s", (MARK,))[0]
    wait_until(lambda: sql(console["db"], "select status = 'failed' from public.job_queue where id = %s", (job,))[0],
               what="the boom job to fail twice")
    page.goto(console["url"] + f"/admin/jobs?status=failed&q=kaboom+{MARK}")
    row = page.locator(f'tr[data-job-id="{job}"]')
    expect(row).to_contain_text("kaboom")
    row.get_by_role("link").first.click()
    dialog = page.locator("#detail-dialog")
    attempts = dialog.locator("tr[data-attempt]")
    expect(attempts).to_have_count(2)
    expect(attempts.nth(0)).to_contain_text(f"kaboom {MARK}")
    expect(attempts.nth(1)).to_contain_text("failed")
    expect(dialog.locator("[data-last-error]")).to_contain_text(f"kaboom {MARK}")
    dialog.get_by_role("button", name="Retry").click()
    expect(page.locator("#flash")).to_contain_text("queued again")
    wait_until(lambda: sql(console["db"], "select status = 'failed' and attempts = 3 from public.job_queue where id = %s", (job,))[0],
               what="the retried job's third attempt")
    page.goto(console["url"] + f"/admin/jobs/{job}")
    expect(page.locator("tr[data-attempt]")).to_have_count(3)

    # cancel another, waiting one
    other = sql(console["db"], "select public.job_queue_enqueue('echo', %s::jsonb, now() + interval '1 hour')",
                (f'{{"console_ui": "{MARK}", "wait": true}}',))[0]
    page.goto(console["url"] + f"/admin/jobs?status=pending&q={MARK}")
    page.locator(f'tr[data-job-id="{other}"]').get_by_role("button", name="Cancel").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Confirm").click()
    expect(page.locator("#flash")).to_contain_text("cancelled")
    assert sql(console["db"], "select status from public.job_queue where id = %s", (other,))[0] == "cancelled"


def test_pause_stops_the_worker_claiming_and_resume_lets_it_run(page, console):
    page.get_by_role("button", name="Pause processing").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Confirm").click()
    expect(page.locator("[data-processing=paused]")).to_be_visible()
    assert sql(console["db"], "select paused from pgcadence.job_queue_settings")[0] is True
    job = str(sql(console["db"], "select public.job_queue_enqueue('echo', %s::jsonb)", (f'{{"console_ui": "{MARK}", "paused": 1}}',))[0])
    # the same claim the worker makes finds nothing while paused
    r = httpx.post(console["url"] + "/api/jobs/run", json={"limit": 10},
                   headers={"Authorization": f"Bearer {console['service_key']}"}, timeout=30)
    assert r.status_code == 200 and r.json()["processed"] == 0, r.text
    assert sql(console["db"], "select status from public.job_queue where id = %s", (job,))[0] == "pending"
    page.goto(console["url"] + f"/admin/jobs?q=%22paused%22%3A+1")
    expect(page.locator("[data-processing=paused]")).to_contain_text("Processing is paused")
    row = page.locator(f'tr[data-job-id="{job}"]')
    expect(row).to_have_attribute("data-status", "pending")
    page.get_by_role("button", name="Resume processing").click()
    expect(page.locator("#flash")).to_contain_text("Processing resumed")
    wait_until(lambda: sql(console["db"], "select status = 'succeeded' from public.job_queue where id = %s", (job,))[0],
               what="the worker to run the job after resume")
    expect(page.locator(f'tr[data-job-id="{job}"]')).to_have_attribute("data-status", "succeeded")  # live refresh


# ------------------------------------------------------------------ audit trail
def test_audit_trail_filters(page, console):
    org = f"console-ui-{MARK}"
    with psycopg.connect(console["db"], autocommit=True) as conn:
        conn.execute("select public.log_audit('cache_warm_success', null, %s, 'skiclubpro', null, "
                     "'{\"programs_discovered\": 12, \"duration_ms\": 1500}')", (org,))
        conn.execute("select public.log_audit('cache_warm_failed', null, %s, 'skiclubpro', null, "
                     "'{\"error\": \"login failed\", \"duration_ms\": 700}')", (org,))
        conn.execute("select public.log_audit('credentials_accessed', null, %s, 'skiclubpro', null, "
                     "'{\"credential_alias\": \"Club login\"}')", (org,))
        conn.execute("select public.log_audit('cache_warm_success', null, %s, 'skiclubpro', null, '{}')", (org + "-other",))
    page.goto(console["url"] + "/admin/audit")
    page.get_by_label("Action", exact=True).select_option("cache_warm_%")
    page.get_by_label("Org", exact=True).fill(org)
    page.get_by_role("button", name="Apply").click()
    rows = page.locator("tr[data-audit-action]")
    expect(rows).to_have_count(2)
    expect(page.locator('tr[data-audit-action="cache_warm_success"]')).to_contain_text("programs_discovered 12")
    expect(page.locator('tr[data-audit-action="cache_warm_failed"]')).to_contain_text("login failed")
    page.get_by_label("Action", exact=True).select_option("credentials_accessed")
    page.get_by_role("button", name="Apply").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("credential_alias Club login")


# ------------------------------------------------------------------ refusals
def test_a_non_admin_gets_403(context, console):
    p = context.new_page()
    p.goto(console["url"] + "/admin/login")
    p.get_by_label("JWT of a user").fill(auth.mint(console["secret"], "authenticated", sub=USER))
    p.get_by_role("button", name="Sign in").click()
    expect(p.locator("[data-login-error]")).to_contain_text("not an admin")
    assert not [c for c in context.cookies() if c["name"] == "pgcadence_admin"]
    # an admin demoted while signed in sees 403 pages from then on
    p.goto(login_link(console))
    p.wait_for_url(console["url"] + "/admin")
    sql(console["db"], "update public.profiles set role = 'user' where id = %s", (ADMIN,))
    try:
        response = p.goto(console["url"] + "/admin/jobs")
        assert response.status == 403
        expect(p.get_by_role("heading", level=1)).to_contain_text("403")
    finally:
        sql(console["db"], "update public.profiles set role = 'admin' where id = %s", (ADMIN,))


class _Attacker(BaseHTTPRequestHandler):
    """Another origin on the same site (127.0.0.1, another port): a page that posts to the console."""
    target = ""

    def do_GET(self):  # noqa: N802
        body = (f'<form id="f" method="post" action="{self.target}/api/admin/queue/pause"></form>'
                '<script>document.getElementById("f").submit()</script>').encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_cross_site_post_without_the_csrf_token_is_refused(page, console):
    handler = type("Attacker", (_Attacker,), {"target": console["url"]})
    srv = ThreadingHTTPServer(("127.0.0.1", get_port(None)), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        with page.expect_response(lambda r: r.url.endswith("/api/admin/queue/pause")) as answer:
            page.goto(f"http://127.0.0.1:{srv.server_address[1]}/")
        assert answer.value.status == 403
        expect(page.locator("body")).to_contain_text("csrf_failed")
    finally:
        srv.shutdown()
    assert sql(console["db"], "select paused from pgcadence.job_queue_settings")[0] is False


# ------------------------------------------------------------------ every page, phone-sized
PAGES = ["/admin", "/admin/cron", "/admin/cron/history", "/admin/jobs", "/admin/audit", "/admin/net", "/admin/caches"]


def test_every_page_at_390_px_fits_and_labels_its_inputs(page, console, context):
    page.set_viewport_size({"width": 390, "height": 844})
    for path in PAGES:
        page.goto(console["url"] + path)
        expect(page.get_by_role("navigation", name="Sections")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 392, f"{path} is {width}px wide at 390px"
        unlabelled = page.evaluate("""() => Array.from(document.querySelectorAll('input, select, textarea'))
            .filter(e => e.type !== 'hidden' && e.labels.length === 0 && !e.getAttribute('aria-label'))
            .map(e => e.name || e.id)""")
        assert unlabelled == [], f"{path}: inputs without a label: {unlabelled}"
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"page{path.replace('/', '_')}_390.png"), full_page=True)
    assert context.problems == [], context.problems  # no script errors, no CSP violations
