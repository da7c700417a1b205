"""The signup flow end to end (docs/signup.md): the provider's five tools through one MCP
client, the USE_REAL_MCP switch and its mocks, the fallback, friendly errors, the audited
signup actions, the audit trail, session persistence, hostile input.

Real PostgreSQL, the real executor (``pgcadence serve`` in a subprocess) and a real MCP
server on loopback built with the official SDK (tests/fake_mcp.py) in slow, failing and
rejecting modes. The switches are Vault secrets, read on every call, so no test restarts
serve except the one that restarts it on purpose. Tests run in file order on one stack;
the last one greps everything for the test password.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import time
import uuid
from pathlib import Path

import jwt
import psycopg
import pytest
from port_for import get_port

from pgcadence import credentials, mandates
from pgcadence.executor import auth, keys
from tests.conftest import run_cli
from tests.fake_mcp import FakeProvider, FakeServer
from tests.mandates_stack import Serve, Stack

PASSWORD = "flow-pw-" + uuid.uuid4().hex  # the family's provider password: must never leak
EMAIL = "parent@example.org"
MCP_TOKEN = "mcp-token-" + uuid.uuid4().hex
SWITCHES = ["USE_REAL_MCP", "MCP_SERVER_URL", "MCP_ACCESS_TOKEN", "MCP_FALLBACK_TO_MOCK", "MCP_TIMEOUT_SECONDS"]
OUR_SECRETS = [*SWITCHES, mandates.SIGNING_KEY_SECRET, mandates.MANDATE_SECRET, mandates.CRED_ID_SECRET]
TIMEOUT_MESSAGE = "This is taking longer than expected. Please try again."
EXPIRED_MESSAGE = "Your session expired. Please log in again."
SEARCH_MESSAGE = "Search service temporarily unavailable. Please try again shortly."
USER_A, USER_B, ADMIN = (str(uuid.uuid4()) for _ in range(3))


@pytest.fixture(scope="module")
def flow(db_url, cluster, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("signup")
    port = get_port(None)
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("delete from vault.secrets where name = any(%s)", (OUR_SECRETS,))
        keys.ensure_project_keys(conn, f"http://127.0.0.1:{port}", replace_url=True)  # not one an earlier test left
        project = {"secret": keys.get_secret(conn, keys.JWT_SECRET), **keys.project_keys(conn)}
        with conn.transaction():
            pem = mandates.public_key_pem(mandates.signing_key(conn, create=True))
        conn.execute("insert into public.profiles (id, role) values (%s, 'admin') on conflict (id) do nothing",
                     (ADMIN,))
        conn.execute("alter database pgcadence set log_statement = 'all'")  # the last test greps the server log
    key_file = tmp / "cred_seal.keys"
    credentials.init_key_file(key_file)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PG") and k not in ("DATABASE_URL", credentials.ENV_KEY, *SWITCHES)}
    env.update({credentials.ENV_FILE: str(key_file), "MCP_RETRY_BACKOFF_SECONDS": "0.05"})
    fake = FakeProvider(token=MCP_TOKEN, public_key_pem=pem, password=PASSWORD, slow_seconds=3.0)
    serve = Serve(db_url, port, env, tmp / "serve.log")
    with FakeServer(fake):
        serve.start()
        try:
            yield Stack(db_url, serve, fake, key_file, project, tmp)
        finally:
            serve.stop()
            with psycopg.connect(db_url, autocommit=True) as conn:
                conn.execute("alter database pgcadence reset log_statement")
                conn.execute("delete from vault.secrets where name = any(%s)", (OUR_SECRETS,))
                conn.execute("delete from public.profiles where id = %s", (ADMIN,))
                # sealed with this module's key file, which goes with tmp: nobody can open them
                conn.execute("delete from public.stored_credentials where user_id = any(%s::uuid[])",
                             ([USER_A, USER_B, ADMIN],))


def use(flow: Stack, real: bool, *, url: str | None = None, fallback: bool = False, timeout: float | None = None):
    """Set the MCP switches in Vault (read on every call)."""
    flow.drop_secret(*SWITCHES)
    if real:
        flow.set_secret("USE_REAL_MCP", "true")
        flow.set_secret("MCP_SERVER_URL", url or flow.fake.url)
        flow.set_secret("MCP_ACCESS_TOKEN", MCP_TOKEN)
    if fallback:
        flow.set_secret("MCP_FALLBACK_TO_MOCK", "true")
    if timeout:
        flow.set_secret("MCP_TIMEOUT_SECONDS", str(timeout))
    flow.fake.reset()


def tool(flow: Stack, name: str, arguments: dict, user: str = USER_A, session_id: str | None = None):
    body = {"tool": name, "arguments": arguments}
    if session_id:
        body["session_id"] = session_id
    return flow.call("mcp-tool", body, token=flow.user_token(user))


def action(flow: Stack, session_id: str, name: str, user: str = USER_A, **args):
    return flow.call("signup-action", {"session_id": session_id, "action": name, **args}, token=flow.user_token(user))


def mcp_lines(flow: Stack) -> list[dict]:
    return [r for r in flow.log_records() if r.get("logger") == "pgcadence.mcp"]


def closed_port_url() -> str:
    return f"http://127.0.0.1:{get_port(None)}/mcp"


ARGS = {
    "scp.search_providers": {"query": "Blackhawk Ski Club"},
    "scp.get_programs": {"org_ref": "blackhawk-ski-club", "category": "lessons"},
    "scp.check_prerequisites": {"org_ref": "blackhawk-ski-club", "program_id": "bh-l-1"},
    "scp.discover_required_fields": {"org_ref": "blackhawk-ski-club", "program_id": "bh-l-1"},
    "scp.submit_registration": {"org_ref": "blackhawk-ski-club", "program_id": "bh-l-1",
                                "answers": {"participant_name": "Sam"}},
}


# ------------------------------------------------------------------ mock mode (the default)
def test_the_defaults_are_the_mocks_and_localhost_8080(flow, monkeypatch):
    from pgcadence import mcp_tools

    use(flow, real=False)
    for name in SWITCHES:
        monkeypatch.delenv(name, raising=False)

    async def mode():
        async with await psycopg.AsyncConnection.connect(flow.dsn, autocommit=True) as conn:
            return await mcp_tools.load_mode(conn)

    m = asyncio.run(mode())
    assert (m.use_real, m.fallback, m.url, m.token) == (False, False, "http://localhost:8080", None)
    settings = m.settings()
    assert settings.url == "http://localhost:8080/mcp", "a bare URL means the SDK's /mcp endpoint"
    assert (settings.timeout, settings.retries, settings.backoff) == (30.0, 3, 1.0)
    assert mcp_tools.endpoint("https://provider.example/scp/mcp") == "https://provider.example/scp/mcp"
    monkeypatch.setenv("USE_REAL_MCP", "TRUE")  # the environment, when Vault has nothing
    assert asyncio.run(mode()).use_real is True


def test_mock_tools_by_default_plausible_and_deterministic(flow):
    use(flow, real=False)
    r = tool(flow, "search_provider", {"query": "Blackhawk Ski Club"})  # the orchestrator's internal name works
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["tool"] == "scp.search_providers" and body["source"] == "mock" and body["fallback"] is False
    assert body["result"]["providers"][0]["org_ref"] == "blackhawk-ski-club"
    assert tool(flow, "scp.search_providers", {"query": "Blackhawk Ski Club"}).json() == body, "deterministic"
    for name, args in ARGS.items():
        r = tool(flow, name, args)
        assert r.status_code == 200 and r.json()["source"] == "mock", (name, r.text)
        assert r.json() == tool(flow, name, args).json(), f"{name} answers the same twice"
    assert tool(flow, "scp.get_programs", ARGS["scp.get_programs"]).json()["result"]["programs"][0]["id"] == "bh-l-1"
    assert sum(flow.fake.tool_calls.values()) == 0, "the real server is never called"
    assert any(r["message"] == "[MCP] Calling mock tool: scp.search_providers" for r in mcp_lines(flow))
    # a tool the catalogue does not know, and bad arguments
    r = tool(flow, "scp.delete_everything", {})
    assert r.status_code == 400 and r.json()["error"] == "unknown_tool" and "scp.get_programs" in r.json()["message"]
    r = flow.call("mcp-tool", {"tool": "scp.get_programs", "arguments": [1]}, token=flow.user_token(USER_A))
    assert r.status_code == 400 and r.json() == {"error": "invalid_input", "message": "arguments must be a JSON object"}
    r = tool(flow, "scp.get_programs", {})  # the mock, like the real tool, needs org_ref
    assert r.status_code == 502 and r.json()["error"]["code"] == "provider_error"


# ------------------------------------------------------------------ the real server
def _session_with_account(flow: Stack, user: str = USER_A) -> str:
    sid = "s-" + uuid.uuid4().hex[:10]
    assert action(flow, sid, "select_provider", user, provider="skiclubpro", org_ref="blackhawk-ski-club",
                  provider_name="Blackhawk Ski Club").status_code == 200
    r = action(flow, sid, "connect_account", user, email=EMAIL, password=PASSWORD)
    assert r.status_code == 200, r.text
    return sid


def test_each_tool_against_the_real_mcp_server(flow):
    use(flow, real=True)
    sid = _session_with_account(flow)
    for name, args in ARGS.items():
        args = {k: v for k, v in args.items() if k != "org_ref"}  # the session's org_ref is the default
        r = tool(flow, name, args, session_id=sid)
        assert r.status_code == 200, (name, r.text)
        assert r.json()["source"] == "real" and r.json()["result"]["served_by"] == "fake-provider", name
        # the mandate: signed by the project's key, for this user, with the tool's scopes
        claims = jwt.decode(flow.fake.mandates[name], flow.fake.public_key_pem, algorithms=["EdDSA"])
        scopes = flow.sql("select scopes from public.mcp_tools where tool = %s", (name,))[0][0]
        assert claims["user_id"] == USER_A and set(scopes) <= set(claims["scopes"]), name
    assert flow.fake.tool_calls == {name: 1 for name in ARGS}
    assert flow.fake.registrations[-1]["answers"] == {"participant_name": "Sam"}
    # the login tools got the session's credential, and each use of it is audited
    used = flow.sql("select metadata->>'tool' from mandate_audit where action = 'credentials_accessed' "
                    "and metadata->>'sessionId' = %s order by created_at", (sid,))
    assert sorted(u[0] for u in used) == sorted(n for n in ARGS if n != "scp.search_providers")
    # a registration through mcp-tool is audited like one through the flow
    assert flow.sql("select metadata->>'via', metadata->>'confirmation_id' from mandate_audit "
                    "where action = 'registration_completed' and metadata->>'sessionId' = %s", (sid,)) == [
        ("mcp-tool", flow.fake.registrations[-1]["confirmation_id"])]
    # the log lines operators grep for, as messages of structured records
    lines = mcp_lines(flow)
    assert any(r["message"] == "[MCP] Calling real tool: scp.search_providers" and r["tool"] == "scp.search_providers"
               for r in lines)
    assert any(r["message"] == "[MCP] Tool scp.search_providers succeeded" and "duration_ms" in r for r in lines)
    assert all(r["level"] in ("info", "warning") and "time" in r for r in lines)  # logging_setup.py keys


def test_5xx_is_retried_4xx_is_not(flow):
    use(flow, real=True)
    flow.fake.flaky_tools["scp.search_providers"] = 2
    r = tool(flow, "scp.search_providers", ARGS["scp.search_providers"])
    assert r.status_code == 200 and r.json()["source"] == "real"
    assert flow.fake.tool_calls["scp.search_providers"] == 3, "two HTTP 503 answers, retried"
    flow.fake.reject_tools.add("scp.get_programs")
    r = tool(flow, "scp.get_programs", {**ARGS["scp.get_programs"], "credentials": {"password": PASSWORD}})
    assert r.status_code == 502, r.text
    assert r.json() == {"error": {"code": "provider_refused", "retryable": False, "action": "contact_support",
                                  "message": "The provider declined this request. Please check your account details."}}
    assert flow.fake.tool_calls["scp.get_programs"] == 1, "a 4xx is never retried"
    # the technical detail is in the audit row and the log, not in the answer
    row = flow.sql("select metadata from mandate_audit where action = 'mcp_tool_failed' and user_id = %s "
                   "order by created_at desc limit 1", (USER_A,))[0][0]
    assert row["tool"] == "scp.get_programs" and row["kind"] == "http_4xx" and row["attempts"] == 1
    assert row["error"] == "MCP server answered HTTP 403"
    assert any(r["message"] == "[MCP] Tool scp.get_programs failed: HTTP 403" and r["retrying"] is False
               for r in mcp_lines(flow))


def test_a_timeout_is_retried_then_answered_with_the_timeout_message(flow):
    use(flow, real=True, timeout=2)  # "Add delay to MCP server → verify timeout" (the tool takes 3 s)
    flow.fake.slow_tools.add("scp.search_providers")
    r = tool(flow, "scp.search_providers", ARGS["scp.search_providers"])
    assert r.status_code == 504, r.text
    assert r.json() == {"error": {"code": "timeout", "message": TIMEOUT_MESSAGE, "retryable": True, "action": "retry"}}
    failed = [r for r in mcp_lines(flow) if r["message"] == "[MCP] Tool scp.search_providers failed: timeout"]
    assert [(r["attempt"], r["retrying"]) for r in failed[-4:]] == [(1, True), (2, True), (3, True), (4, False)], \
        "a timeout is retried three times"
    assert 1 <= flow.fake.tool_calls["scp.search_providers"] <= 4


def test_the_search_service_failing_has_its_own_message(flow):
    use(flow, real=True)
    flow.fake.error_tools.add("scp.search_providers")
    r = tool(flow, "scp.search_providers", ARGS["scp.search_providers"])
    assert r.status_code == 503
    assert r.json()["error"] == {"code": "search_unavailable", "message": SEARCH_MESSAGE, "retryable": True,
                                 "action": "retry"}
    assert flow.fake.tool_calls["scp.search_providers"] == 1, "a tool error is not retried"


def test_an_unreachable_server_is_retried_then_a_clear_retryable_error(flow):
    """The testing checklist: "Set invalid MCP URL → verify retry logic works / friendly error message"."""
    use(flow, real=True, url=closed_port_url())
    r = tool(flow, "scp.get_programs", {**ARGS["scp.get_programs"], "credentials": {"password": PASSWORD}})
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "network_error" and r.json()["error"]["retryable"] is True
    failed = [r for r in mcp_lines(flow) if r["message"] == "[MCP] Tool scp.get_programs failed: network error"]
    assert [r["retrying"] for r in failed[-4:]] == [True, True, True, False]


def test_read_only_tools_fall_back_to_the_mocks_registration_never(flow):
    use(flow, real=True, url=closed_port_url(), fallback=True)
    for name in ("scp.search_providers", "scp.get_programs", "scp.check_prerequisites",
                 "scp.discover_required_fields"):
        r = tool(flow, name, ARGS[name])
        assert r.status_code == 200, r.text
        assert r.json()["source"] == "mock_fallback" and r.json()["fallback"] is True
        assert r.json()["fallback_reason"] == "network"
        assert "served_by" not in json.dumps(r.json()["result"])
    assert any(r["message"] == "[MCP] Falling back to mock tool: scp.search_providers (real MCP unavailable: network)"
               for r in mcp_lines(flow))
    r = tool(flow, "scp.submit_registration", ARGS["scp.submit_registration"])
    assert r.status_code == 503 and r.json()["error"]["code"] == "network_error", r.text
    # it never left (connection refused), so it was retried, and it was not faked
    failed = [r for r in mcp_lines(flow) if r["message"] == "[MCP] Tool scp.submit_registration failed: network error"]
    assert len(failed) >= 4 and failed[-1]["sent"] is False
    # a fallback needs the switch: off, a read-only tool fails too
    use(flow, real=True, url=closed_port_url())
    assert tool(flow, "scp.search_providers", ARGS["scp.search_providers"]).status_code == 503


def test_a_registration_that_may_have_arrived_is_never_retried(flow):
    use(flow, real=True, fallback=True)
    flow.fake.flaky_tools["scp.submit_registration"] = 1  # received, then HTTP 503
    args = {**ARGS["scp.submit_registration"], "credentials": {"password": PASSWORD}}
    r = tool(flow, "scp.submit_registration", args)
    assert r.status_code == 502, r.text
    assert r.json()["error"]["code"] == "registration_unconfirmed" and r.json()["error"]["retryable"] is False
    assert flow.fake.tool_calls["scp.submit_registration"] == 1, "sent once, never again, never the mock"
    assert flow.fake.registrations == []
    use(flow, real=True, timeout=2)  # the registration takes 3 s
    flow.fake.slow_tools.add("scp.submit_registration")
    r = tool(flow, "scp.submit_registration", args)
    assert r.json()["error"]["code"] == "registration_unconfirmed"
    assert flow.fake.tool_calls["scp.submit_registration"] == 1, "a timeout after sending is not retried either"


# ------------------------------------------------------------------ auth, friendly
def test_expired_or_missing_jwt_is_the_session_expired_message(flow):
    """The testing checklist: "Log out → trigger action → verify session expiry message"."""
    use(flow, real=False)
    expired = auth.mint(flow.project["secret"], "authenticated", sub=USER_A, ttl=60, now=int(time.time()) - 3600)
    for name, body in (("signup-action", {"session_id": "x", "action": "find_programs"}),
                       ("mcp-tool", {"tool": "scp.search_providers", "arguments": {"query": "x"}})):
        r = flow.call(name, body, token=expired)
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        assert r.json() == {"error": {"code": "session_expired", "message": EXPIRED_MESSAGE, "retryable": False,
                                      "action": "login"}}
        for token in (None, "anon"):  # nobody signed in
            r = flow.call(name, body, token=token)
            assert r.status_code == 401 and r.json()["error"]["action"] == "login", r.text
    r = flow.call("signup-action", {"session_id": "x", "action": "find_programs"})  # the service key is nobody
    assert r.status_code == 403 and r.json()["error"] == "user_required"


# ------------------------------------------------------------------ the whole flow (the testing checklist)
def test_full_signup_flow_every_action_audited_and_the_context_survives_a_restart(flow):
    use(flow, real=True)
    sid = "chat-" + uuid.uuid4().hex[:12]
    token = flow.user_token(USER_A)
    marks = []

    def step(name, **args):
        before = flow.sql("select now()")[0][0]
        r = action(flow, sid, name, **args)
        marks.append((name, before, flow.sql("select now()")[0][0]))
        assert r.status_code == 200, (name, r.text)
        return r.json()

    assert action(flow, sid, "find_programs").status_code == 404, "no session yet"
    out = step("select_provider", provider="skiclubpro", org_ref="blackhawk-ski-club", provider_name="Blackhawk Ski Club")
    assert out["step"] == "provider_selected" and out["context"]["provider"] == "skiclubpro"
    r = action(flow, sid, "find_programs")
    assert r.status_code == 409 and r.json() == {"error": "out_of_order", "message":
                                                  "find_programs: connect an account first (connect_account)"}
    out = step("connect_account", email=EMAIL, password=PASSWORD, alias="Blackhawk Ski Login")
    assert out["step"] == "account_connected" and PASSWORD not in json.dumps(out)
    cred_id = out["context"]["credential_id"]
    assert flow.sql("select count(*) from agentic_checkout_sessions where id = %s", (sid,)) == [(1,)]

    flow.serve.stop()  # "Restart MCP server", mid-flow
    flow.serve.start()
    r = flow.call("checkout-session", {"session_id": sid}, token=token)
    assert r.json()["source"] == "database" and r.json()["context"]["provider"] == "skiclubpro", "context preserved"

    out = step("find_programs", category="lessons")
    assert out["source"] == "real" and [p["id"] for p in out["context"]["programs"]] == ["bh-l-1", "bh-l-2", "bh-l-3"]
    r = action(flow, sid, "select_program", program_id="nope")
    assert r.status_code == 400 and "program_id" in r.json()["message"]
    out = step("select_program", program_id="bh-l-2")
    assert out["context"]["program"]["title"] == "Adult Skate Clinic"
    out = step("submit_registration", answers={"participant_name": "Sam", "date_of_birth": "2015-02-01"})
    confirmation = out["context"]["registration"]["confirmation_id"]
    assert out["step"] == "registered" and confirmation == flow.fake.registrations[-1]["confirmation_id"]
    assert flow.fake.registrations[-1]["program_id"] == "bh-l-2"
    assert "Sam" not in json.dumps(out["context"]), "answers are sent, not kept"
    assert action(flow, sid, "submit_registration").status_code == 409, "no second registration"

    # the audit trail, as the user reads it
    r = flow.get("audit-trail", {"session_id": sid, "limit": "50"}, token=token)
    assert r.status_code == 200, r.text
    entries = list(reversed(r.json()["entries"]))
    assert [e["action"] for e in entries] == [
        "action_select_provider", "action_connect_account", "credentials_submitted", "credentials_accessed",
        "action_select_program", "credentials_accessed", "registration_completed"] or \
        [e["action"] for e in entries] == [
        "action_select_provider", "credentials_submitted", "action_connect_account", "credentials_accessed",
        "action_select_program", "credentials_accessed", "registration_completed"]
    for e in entries:
        assert e["metadata"]["sessionId"] == sid and e["metadata"]["provider"] == "skiclubpro", e
        assert e["metadata"]["org_ref"] == "blackhawk-ski-club" and e["org_ref"] == "blackhawk-ski-club", e
        assert e["user_id"] == USER_A
    accessed = [e for e in entries if e["action"] == "credentials_accessed"]
    assert all(e["credential_id"] == cred_id and e["metadata"]["credential_alias"] == "Blackhawk Ski Login"
               for e in accessed)
    assert [e["metadata"]["purpose"] for e in accessed] == ["find_programs", "submit_registration"]
    done = next(e for e in entries if e["action"] == "registration_completed")
    assert done["metadata"]["confirmation_id"] == confirmation and done["metadata"]["program_id"] == "bh-l-2"
    # accurate timestamps: each row falls inside the request that wrote it
    by_step = {"select_provider": ["action_select_provider"],
               "connect_account": ["action_connect_account", "credentials_submitted"],
               "find_programs": ["credentials_accessed"], "select_program": ["action_select_program"],
               "submit_registration": ["credentials_accessed", "registration_completed"]}
    for name, before, after in marks:
        rows = flow.sql("select created_at from mandate_audit where metadata->>'sessionId' = %s "
                        "and action = any(%s) and created_at between %s and %s", (sid, by_step[name], before, after))
        assert len(rows) == len(by_step[name]), (name, rows)
    r = flow.get("audit-trail", {"action": "registration_completed,action_select_provider", "session_id": sid},
                 token=token)
    assert [e["action"] for e in r.json()["entries"]] == ["registration_completed", "action_select_provider"]

    # RLS: another user sees none of it, an admin sees it
    assert flow.get("audit-trail", {"session_id": sid}, token=flow.user_token(USER_B)).json()["count"] == 0
    assert flow.get("audit-trail", {"session_id": sid}, token=flow.user_token(ADMIN)).json()["count"] == 7
    assert flow.get("audit-trail", {"session_id": sid}, token=flow.project[keys.ANON_KEY]).status_code == 403
    r = flow.get("audit-trail", {"since": "yesterday"}, token=token)
    assert r.status_code == 400 and "since" in r.json()["message"]
    assert flow.get("audit-trail", {"limit": "5000"}, token=token).status_code == 400
    # the monitoring queries of the production guide, as written
    by_action = dict(flow.sql("SELECT action, COUNT(*) \nFROM mandate_audit \nGROUP BY action;"))
    for a in ("action_select_provider", "action_connect_account", "credentials_submitted", "credentials_accessed",
              "action_select_program", "registration_completed"):
        assert by_action.get(a, 0) >= 1, a
    assert flow.sql("SELECT * FROM mandate_audit \nWHERE action = 'credentials_accessed' \nORDER BY created_at DESC;")


def test_sessions_expire_after_24_hours_and_cleanup_deletes_them(flow):
    use(flow, real=False)
    sid = _session_with_account(flow)
    created, updated, expires = flow.sql("select created_at, updated_at, expires_at from agentic_checkout_sessions "
                                         "where id = %s", (sid,))[0]
    assert expires - updated == dt.timedelta(hours=24)
    flow.sql("update agentic_checkout_sessions set expires_at = now() - interval '1 s' where id = %s returning 1",
             (sid,))  # "Wait 24 hours"
    assert action(flow, sid, "find_programs").status_code == 404
    r = flow.call("cleanup-sessions", None, token=None)
    assert r.status_code == 200 and r.json()["deleted"] >= 1
    assert flow.sql("select count(*) from agentic_checkout_sessions where id = %s", (sid,)) == [(0,)]


# ------------------------------------------------------------------ sessions: per user, hostile input
def test_session_ids_are_per_user(flow):
    """Another user could learn that an id exists, and squat it before its owner."""
    sid = "shared-" + uuid.uuid4().hex[:6]
    a, b = flow.user_token(USER_A), flow.user_token(USER_B)
    assert flow.call("checkout-session", {"session_id": sid, "context": {"who": "b"}}, token=b).status_code == 200
    r = flow.call("checkout-session", {"session_id": sid}, token=a)
    assert r.status_code == 404 and r.json() == {"error": "session_not_found", "message": "no such session (or it expired)"}
    r = flow.call("checkout-session", {"session_id": sid, "context": {"who": "a"}}, token=a)
    assert r.status_code == 200, r.text
    assert flow.call("checkout-session", {"session_id": sid}, token=a).json()["context"] == {"who": "a"}
    assert flow.call("checkout-session", {"session_id": sid}, token=b).json()["context"] == {"who": "b"}
    assert flow.sql("select count(*) from agentic_checkout_sessions where id = %s", (sid,)) == [(2,)]


# invalid_json: not JSON this server reads (NaN and Infinity are not JSON numbers; nesting
# deeper than executor/body.py allows); invalid_input: JSON that SQL cannot store, or the
# wrong shape. Either way the message names the field.
@pytest.mark.parametrize("raw, field, code", [
    ('{"session_id": "a\\u0000b", "context": {}}', "session_id", "invalid_input"),
    ('{"session_id": "s", "context": {"note": "a\\u0000b"}}', "context.note", "invalid_input"),
    ('{"session_id": "s", "context": {"k\\u0000": 1}}', "context", "invalid_input"),
    ('{"session_id": "s", "context": {"price": NaN}}', "context.price", "invalid_json"),
    ('{"session_id": "s", "context": {"price": Infinity}}', "context.price", "invalid_json"),
    ('{"session_id": "s", "context": {"name": "\\ud800"}}', "context.name", "invalid_input"),
    ('{"session_id": "\\udfff", "context": {}}', "session_id", "invalid_input"),
    ('{"session_id": "s", "context": ' + '{"a": ' * 40 + '1' + '}' * 40 + '}', "context", "invalid_json"),
    ('{"session_id": "s", "context": {}, "provider_id": 42}', "provider_id", "invalid_input"),
    ('{"session_id": "s", "context": {}, "provider_id": ["x"]}', "provider_id", "invalid_input"),
    ('{"session_id": 7}', "session_id", "invalid_input"),
    ('{"session_id": "s", "context": "text"}', "context", "invalid_input"),
])
def test_checkout_session_refuses_what_sql_cannot_store_naming_the_field(flow, raw, field, code):
    r = flow.call("checkout-session", token=flow.user_token(USER_A), content=raw.encode())
    assert r.status_code == 400, r.text
    assert set(r.json()) == {"error", "message"} and r.json()["error"] == code, r.json()
    message = r.json()["message"]
    assert message.startswith(field) or f" {field} " in f" {message} " or f"'{field}'" in message, r.json()
    assert flow.sql("select count(*) from agentic_checkout_sessions where id = 's' and user_id = %s", (USER_A,)) == [
        (0,)]


def test_checkout_session_deep_nesting_and_wrong_callers(flow):
    deep = '{"session_id": "s", "context": ' + '{"a": ' * 5000 + '1' + '}' * 5000 + '}'
    r = flow.call("checkout-session", token=flow.user_token(USER_A), content=deep.encode())
    assert r.status_code == 400 and r.json()["error"] in ("invalid_json", "invalid_input"), r.text
    r = flow.call("checkout-session", {"session_id": "s"})  # the service key is nobody's
    assert r.status_code == 403 and r.json() == {"error": "user_required",
                                                 "message": "checkout sessions belong to a user: call it with the "
                                                            "user's JWT"}


# ------------------------------------------------------------------ the queue task type
def test_mcp_tool_as_a_queue_task(flow):
    from pgcadence import mcp_tools
    from pgcadence.queue import JobContext, load_default_handlers, registered_handlers

    load_default_handlers()
    task = registered_handlers()["mcp_tool"]
    assert task is mcp_tools.mcp_tool_task
    use(flow, real=True)

    def run(payload):
        return asyncio.run(task(payload, JobContext("job-1", "mcp_tool", 1, 3, "test", payload, dsn=flow.dsn)))

    out = run({"tool": "scp.search_providers", "arguments": {"query": "Nordic Valley"}, "user_id": USER_B})
    assert out["ok"] is True and out["source"] == "real" and out["result"]["served_by"] == "fake-provider"
    claims = jwt.decode(flow.fake.mandates["scp.search_providers"], flow.fake.public_key_pem, algorithms=["EdDSA"])
    assert claims["user_id"] == USER_B
    # a read-only tool that fails raises: the queue retries it with its backoff
    flow.fake.reject_tools.add("scp.check_prerequisites")
    with pytest.raises(RuntimeError, match="HTTP 403"):
        run({"tool": "scp.check_prerequisites", "user_id": USER_B,
             "arguments": {**ARGS["scp.check_prerequisites"], "credentials": {"password": PASSWORD}}})
    # a registration that may have arrived returns instead, so that the queue never sends it again
    flow.fake.flaky_tools["scp.submit_registration"] = 1
    out = run({"tool": "scp.submit_registration", "user_id": USER_B,
               "arguments": {**ARGS["scp.submit_registration"], "credentials": {"password": PASSWORD}}})
    assert out == {"ok": False, "tool": "scp.submit_registration", "outcome_unknown": True,
                   "error": "MCP server answered HTTP 503"}
    assert flow.fake.tool_calls["scp.submit_registration"] == 1
    # without a user the system mandate goes along; none is stored here, so the provider refuses
    flow.fake.reset()
    with pytest.raises(RuntimeError, match="HTTP 401"):
        run({"tool": "scp.search_providers", "arguments": {"query": "x"}})


# ------------------------------------------------------------------ last: nothing leaked
def test_the_password_never_leaks(flow, cluster):
    dump = subprocess.run(["pg_dump", "--data-only", "-d", flow.dsn], capture_output=True, text=True, timeout=120)
    assert dump.returncode == 0, dump.stderr
    places = {"pg_dump --data-only": dump.stdout, "serve log": flow.serve.log.read_text(),
              "PostgreSQL server log": Path(cluster.base, "postgres.log").read_text(errors="replace")}
    assert "signup_record" in places["PostgreSQL server log"], "log_statement = all was in effect"
    for where, text in places.items():
        assert PASSWORD not in text, f"the password leaked into the {where}"
    assert run_cli("doctor", "--database", flow.dsn).returncode in (0, 1)
