"""Authenticated cache warming, the audit trail, credential tracking, session persistence
and MCP resilience (docs/requirements.md, "Cache warming", "Audit trail and sessions"), end
to end:

real PostgreSQL + pg_cron, the real executor (``pgcadence serve`` in a subprocess), a real
MCP server on loopback built with the official SDK (tests/fake_mcp.py) playing the
provider, and the real net worker for the cron command. The tests of this module run in
file order and share one stack; the last one greps everything for the test password.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import jwt
import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from port_for import get_port

from pgcadence import credentials, mandates, vault
from pgcadence.executor import keys
from tests.conftest import CLI, ROOT, run_cli
from tests.fake_mcp import PROGRAMS, FakeProvider, FakeServer
from tests.mandates_stack import Serve, Stack

SYSTEM_USER = "add95fb0-f94f-4c88-99f1-313d7099579b"  # the documented system user
PASSWORD = "pw-" + uuid.uuid4().hex  # the test credential's password: must never leak
MCP_TOKEN = "mcp-token-" + uuid.uuid4().hex
OUR_SECRETS = [mandates.MANDATE_SECRET, mandates.CRED_ID_SECRET, mandates.SIGNING_KEY_SECRET,
               "MCP_SERVER_URL", "MCP_ACCESS_TOKEN", "MCP_TIMEOUT_SECONDS"]
SEED_000_AUDIT_QUERY = """
SELECT 
  created_at,
  action,
  org_ref,
  metadata->>'programs_discovered' as programs,
  metadata->>'duration_ms' as duration_ms,
  metadata->>'error' as error
FROM mandate_audit
WHERE action LIKE 'cache_warm_%'
ORDER BY created_at DESC
LIMIT 20;
"""


@pytest.fixture(scope="module")
def stack(db_url, cluster, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mandates")
    port = get_port(None)
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("delete from vault.secrets where name = any(%s)", (OUR_SECRETS,))
        keys.ensure_project_keys(conn, f"http://127.0.0.1:{port}", replace_url=True)  # not one an earlier test left
        project = {"secret": keys.get_secret(conn, keys.JWT_SECRET), **keys.project_keys(conn)}
        # every statement of the flows below goes to the server log, which a test greps
        conn.execute("alter database pgcadence set log_statement = 'all'")
    key_file = tmp / "cred_seal.keys"
    credentials.init_key_file(key_file)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PG") and k not in ("DATABASE_URL", credentials.ENV_KEY)}
    env.update({credentials.ENV_FILE: str(key_file), "MCP_TIMEOUT_SECONDS": "15",
                "MCP_RETRY_BACKOFF_SECONDS": "0.05", "WARM_CONCURRENCY_PER_PROVIDER": "2"})
    fake = FakeProvider(token=MCP_TOKEN, public_key_pem="", password=PASSWORD, slow_orgs={"slow-org"},
                        reject_orgs={"rejecting-org"})
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
                conn.execute("delete from public.cache_warm_targets")
                conn.execute("delete from public.cached_programs")
                # sealed with this module's key file, which goes with tmp: nobody could open them
                # again, and a key rotation in a later test would stop at them
                conn.execute("delete from public.stored_credentials where key_fp = any(%s)",
                             (list(credentials.load_ring(key_file).keys),))


def _error_500(r: httpx.Response, message: str) -> None:
    assert r.status_code == 500, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == {"success": False, "error": message}


# ------------------------------------------------------------------ configuration errors
def test_configuration_errors_appear_exactly_when_their_piece_is_missing(stack):
    _error_500(stack.call("warm-cache-authenticated", {}), "SYSTEM_MANDATE_JWS not configured")

    # as the documented troubleshooting says: create the system mandate
    r = stack.call("create-system-mandate", {"user_id": SYSTEM_USER, "valid_duration_minutes": 10080, "store": True,
                                             "scopes": ["scp:authenticate", "scp:discover:fields", "scp:find_programs"]})
    assert r.status_code == 200, r.text
    jws = r.json()["mandate_jws"]
    header = jwt.get_unverified_header(jws)
    claims = jwt.decode(jws, options={"verify_signature": False})
    assert header["alg"] == "EdDSA"
    assert claims["user_id"] == SYSTEM_USER and claims["exp"] - claims["iat"] == 10080 * 60
    assert sorted(claims["scopes"]) == ["scp:authenticate", "scp:discover:fields", "scp:find_programs"]
    pem = run_cli("mandates", "public-key", "--database", stack.dsn)
    assert pem.returncode == 0 and pem.stdout.startswith("-----BEGIN PUBLIC KEY-----"), pem.stderr
    stack.fake.public_key_pem = pem.stdout
    jwt.decode(jws, pem.stdout, algorithms=["EdDSA"])  # anyone with the public key can check it

    _error_500(stack.call("warm-cache-authenticated", {}), "SCP_SERVICE_CRED_ID not configured")

    r = stack.call("setup-system-user", {"action": "check"})
    assert r.status_code == 200 and r.json()["configured"] is False and r.json()["exists"] is False
    assert r.json()["mandate"]["configured"] is True
    r = stack.call("setup-system-user", {"action": "store", "user_id": SYSTEM_USER, "email": "system@example.org",
                                         "password": PASSWORD, "provider": "skiclubpro", "alias": "Blackhawk Ski Login"})
    assert r.status_code == 200, r.text
    cred_id = r.json()["credential_id"]
    assert PASSWORD not in r.text
    r = stack.call("setup-system-user", {"action": "check"})
    assert r.json()["exists"] is True and r.json()["credential_id"] == cred_id
    assert r.json()["alias"] == "Blackhawk Ski Login" and r.json()["user_id"] == SYSTEM_USER

    _error_500(stack.call("warm-cache-authenticated", {}), "MCP_SERVER_URL not configured")
    stack.set_secret("MCP_SERVER_URL", stack.fake.url)
    stack.set_secret("MCP_ACCESS_TOKEN", MCP_TOKEN)

    # the wrong CRED_SEAL_KEY: the server reads the key file at each call
    original = stack.key_file.read_bytes()
    other = stack.tmp / "other.keys"
    credentials.init_key_file(other)
    shutil.copyfile(other, stack.key_file)
    try:
        _error_500(stack.call("warm-cache-authenticated", {}), "Failed to decrypt credentials")
    finally:
        stack.key_file.write_bytes(original)

    errors = [r[0] for r in stack.sql("select metadata->>'error' from mandate_audit where action = 'cache_warm_failed' "
                                      "order by created_at")]
    assert errors[-4:] == ["SYSTEM_MANDATE_JWS not configured", "SCP_SERVICE_CRED_ID not configured",
                           "MCP_SERVER_URL not configured", "Failed to decrypt credentials"]


# ------------------------------------------------------------------ cache warming: the happy path
def test_warm_cache_answers_as_documented(stack):
    stack.sql("insert into cache_warm_targets (org_ref, category) values ('blackhawk-ski-club', 'lessons'), "
              "('blackhawk-ski-club', 'teams'), ('flaky-org', 'all'), ('second-org', 'lessons'), "
              "('disabled-org', 'lessons') returning 1")
    stack.sql("update cache_warm_targets set enabled = false where org_ref = 'disabled-org' returning 1")
    stack.fake.reset()
    stack.fake.flaky_orgs["flaky-org"] = 2  # HTTP 503 twice, then fine
    stack.fake.hold_seconds = 0.2

    r = stack.call("warm-cache-authenticated", {})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"success", "timestamp", "summary", "results"}
    assert body["success"] is True, body
    assert dt.datetime.fromisoformat(body["timestamp"].replace("Z", "+00:00")).tzinfo is not None
    assert body["timestamp"].endswith("Z")
    assert body["summary"] == {"total": 4, "success": 4, "failed": 0}
    assert body["results"] == [
        {"org_ref": "blackhawk-ski-club", "category": "lessons", "status": "success"},
        {"org_ref": "blackhawk-ski-club", "category": "teams", "status": "success"},
        {"org_ref": "flaky-org", "category": "all", "status": "success"},
        {"org_ref": "second-org", "category": "lessons", "status": "success"},
    ]
    assert stack.fake.calls["flaky-org"] == 3, "two 5xx answers were retried"
    assert stack.fake.calls["disabled-org"] == 0
    assert stack.fake.peak <= 2, "at most WARM_CONCURRENCY_PER_PROVIDER calls at once"

    rows = stack.sql("select org_ref, category, programs, expires_at > discovered_at from cached_programs "
                     "order by org_ref, category")
    assert [(r[0], r[1]) for r in rows] == [("blackhawk-ski-club", "lessons"), ("blackhawk-ski-club", "teams"),
                                            ("flaky-org", "all"), ("second-org", "lessons")]
    assert rows[0][2] == PROGRAMS["blackhawk-ski-club"]["lessons"] and all(r[3] for r in rows)

    # the documented "View Audit Logs" query, as written
    audit = stack.sql(SEED_000_AUDIT_QUERY)
    latest = {r[2]: r for r in audit[:4]}
    assert {r[1] for r in audit[:4]} == {"cache_warm_success"}
    assert latest["blackhawk-ski-club"][3] in ("3", "2") and latest["second-org"][3] == "1"
    assert all(r[4] is not None and int(r[4]) >= 0 and r[5] is None for r in audit[:4])
    flaky = stack.sql("select metadata->>'attempts', user_id, provider, credential_id is not null from mandate_audit "
                      "where action = 'cache_warm_success' and org_ref = 'flaky-org'")
    assert flaky == [("3", uuid.UUID(SYSTEM_USER), "skiclubpro", True)]

    # fresh entries are skipped (no provider call) unless force_refresh
    stack.fake.reset()
    r = stack.call("warm-cache-authenticated", {})
    assert r.json()["summary"] == {"total": 4, "success": 4, "failed": 0}
    assert {x["status"] for x in r.json()["results"]} == {"skipped"}
    assert sum(stack.fake.calls.values()) == 0
    r = stack.call("warm-cache-authenticated", {"org_ref": "blackhawk-ski-club", "category": "lessons",
                                                "force_refresh": True})
    assert r.json()["summary"] == {"total": 1, "success": 1, "failed": 0}
    assert r.json()["results"] == [{"org_ref": "blackhawk-ski-club", "category": "lessons", "status": "success"}]
    assert stack.fake.calls["blackhawk-ski-club"] == 1
    # the manual test calls it with the anon key: accepted; its force_refresh is rate-limited
    anon = stack.project[keys.ANON_KEY]
    r = stack.call("warm-cache-authenticated", {"org_ref": "blackhawk-ski-club", "category": "lessons"}, token=anon)
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "skipped", r.text
    r = stack.call("warm-cache-authenticated", {"org_ref": "blackhawk-ski-club", "category": "lessons",
                                                "force_refresh": True}, token=anon)
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "skipped", "refreshed minutes ago"
    assert stack.call("warm-cache-authenticated", {}, token=None).status_code == 401
    assert stack.fake.calls["blackhawk-ski-club"] == 1, "no provider call for the anon requests"
    # the anon key's force_refresh refreshes an entry at most once per 15 minutes
    stack.sql("update cached_programs set discovered_at = now() - interval '20 minutes' "
              "where org_ref = 'blackhawk-ski-club' and category = 'lessons' returning 1")
    r = stack.call("warm-cache-authenticated", {"org_ref": "blackhawk-ski-club", "category": "lessons",
                                                "force_refresh": True}, token=anon)
    assert r.json()["results"] == [{"org_ref": "blackhawk-ski-club", "category": "lessons", "status": "success"}]
    assert stack.fake.calls["blackhawk-ski-club"] == 2
    stack.fake.hold_seconds = 0


def test_the_anon_key_warms_only_enabled_targets(stack):
    """The anon key is public: it must not make the system log in to the provider for an org
    an attacker chooses, nor leave audit rows about it (which nobody can delete)."""
    stack.fake.reset()
    audit_before = stack.sql("select count(*) from mandate_audit")[0][0]
    for body in ({"org_ref": "attacker-1", "category": "lessons"}, {"org_ref": "attacker-2"},
                 {"org_ref": "disabled-org", "category": "lessons"}, {"category": "no-such-category"}):
        r = stack.call("warm-cache-authenticated", body, token="anon")
        assert r.status_code == 403 and "cache_warm_targets" in r.json()["error"], r.text
    assert sum(stack.fake.calls.values()) == 0, "no provider login"
    assert stack.sql("select count(*) from mandate_audit")[0][0] == audit_before, "no audit rows"
    assert stack.sql("select count(*) from cached_programs where org_ref like 'attacker-%'") == [(0,)]
    # an enabled target, by name or with {}, is warmed (fresh ones skipped) as before
    r = stack.call("warm-cache-authenticated", {"org_ref": "blackhawk-ski-club"}, token="anon")
    assert r.status_code == 200 and [x["category"] for x in r.json()["results"]] == ["lessons", "teams"]
    r = stack.call("warm-cache-authenticated", {}, token="anon")
    assert r.status_code == 200 and r.json()["summary"]["total"] == 4
    # the service key still warms any pair
    r = stack.call("warm-cache-authenticated", {"org_ref": "service-org", "category": "lessons"})
    assert r.json()["results"] == [{"org_ref": "service-org", "category": "lessons", "status": "success"}]


def test_failures_carry_error_retry_rules_and_are_audited(stack):
    stack.fake.reset()
    stack.set_secret("MCP_TIMEOUT_SECONDS", "0.5")  # Vault overrides the environment, no restart
    r = stack.call("warm-cache-authenticated", {"org_ref": "slow-org", "category": "lessons"})
    assert r.status_code == 200
    assert r.json()["success"] is False and r.json()["summary"] == {"total": 1, "success": 0, "failed": 1}
    assert r.json()["results"] == [{"org_ref": "slow-org", "category": "lessons", "status": "failed",
                                    "error": "MCP call timed out after 0.5 s"}]
    assert stack.fake.calls["slow-org"] == 4, "a timeout is retried three times"
    stack.sql("delete from vault.secrets where name = 'MCP_TIMEOUT_SECONDS' returning 1")

    r = stack.call("warm-cache-authenticated", {"org_ref": "rejecting-org", "category": "lessons"})
    assert r.json()["results"][0]["error"] == "MCP server answered HTTP 403"
    assert stack.fake.calls["rejecting-org"] == 1, "a 4xx is not retried"

    rows = stack.sql("select org_ref, metadata->>'error', metadata->>'attempts' from mandate_audit "
                     "where action = 'cache_warm_failed' and org_ref in ('slow-org', 'rejecting-org') order by org_ref")
    assert rows == [("rejecting-org", "MCP server answered HTTP 403", "1"),
                    ("slow-org", "MCP call timed out after 0.5 s", "4")]
    assert stack.sql("select count(*) from cached_programs where org_ref in ('slow-org', 'rejecting-org')") == [(0,)]


# ------------------------------------------------------------------ mandates
def test_bad_mandates_are_distinct_errors_and_audited(stack):
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        key = mandates.signing_key(conn)
        good = vault.get_secret(conn, mandates.MANDATE_SECRET)
    past = int(time.time()) - 3 * 3600
    cases = [
        (mandates.issue(key, SYSTEM_USER, list(mandates.DEFAULT_SCOPES), 60, now=past).jws, "expired",
         "system mandate expired at "),
        (mandates.issue(key, SYSTEM_USER, ["scp:authenticate"], 60).jws, "scope",
         "system mandate does not allow scp.get_programs: missing scope(s) scp:find_programs"),
        (mandates.issue(Ed25519PrivateKey.generate(), SYSTEM_USER, list(mandates.DEFAULT_SCOPES), 60).jws, "signature",
         "system mandate signature is invalid"),
    ]
    try:
        for jws, reason, message in cases:
            stack.set_secret(mandates.MANDATE_SECRET, jws)
            r = stack.call("warm-cache-authenticated", {})
            assert r.status_code == 403, r.text
            assert r.json()["success"] is False and r.json()["reason"] == f"mandate_{reason}"
            assert r.json()["error"].startswith(message)
            row = stack.sql("select metadata->>'reason', metadata->>'error', user_id from mandate_audit "
                            "where action = 'mandate_rejected' order by created_at desc limit 1")[0]
            assert row[0] == reason and row[1] == r.json()["error"] and str(row[2]) == SYSTEM_USER
    finally:
        stack.set_secret(mandates.MANDATE_SECRET, good)


def test_mandates_rotate_and_doctor_warns_before_expiry(stack):
    r = run_cli("mandates", "rotate", "--database", stack.dsn, "--minutes", "60")
    assert r.returncode == 0, r.stderr
    assert f"user {SYSTEM_USER}" in r.stdout and "scp:find_programs" in r.stdout
    doc = run_cli("doctor", "--database", stack.dsn)
    line = [x for x in doc.stdout.splitlines() if "system mandate" in x]
    assert line and line[0].startswith("WARN") and "expires within 24 h" in line[0], doc.stdout
    r = run_cli("mandates", "rotate", "--database", stack.dsn)
    assert r.returncode == 0, r.stderr
    doc = run_cli("doctor", "--database", stack.dsn)
    line = [x for x in doc.stdout.splitlines() if "system mandate" in x]
    assert line[0].startswith("PASS") and "valid until" in line[0], doc.stdout
    show = run_cli("mandates", "show", "--database", stack.dsn)
    assert show.returncode == 0 and re.search(r"^status +valid$", show.stdout, re.M), show.stdout
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        jws = vault.get_secret(conn, mandates.MANDATE_SECRET)
        m = mandates.verify(jws, mandates.signing_key(conn), "scp.get_programs")
    assert 10079 * 60 <= (m.expires_at - dt.datetime.now(dt.timezone.utc)).total_seconds() <= 10080 * 60
    assert jws not in show.stdout + r.stdout
    # the rotated mandate works
    r = stack.call("warm-cache-authenticated", {"org_ref": "blackhawk-ski-club", "category": "teams",
                                                "force_refresh": True})
    assert r.json()["success"] is True


# ------------------------------------------------------------------ credentials
def test_cred_get_only_to_the_owner_and_audited(stack):
    owner = str(uuid.uuid4())
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        cid = credentials.store(conn, credentials.load_ring(stack.key_file), user_id=owner, provider="skiclubpro",
                                alias="Blackhawk Ski Login", secret={"email": "kid@example.org", "password": PASSWORD})
    r = stack.call("cred-get", {"credential_id": cid}, token=stack.user_token(owner))
    assert r.status_code == 200, r.text
    assert r.json() == {"id": cid, "provider": "skiclubpro", "alias": "Blackhawk Ski Login",
                        "email": "kid@example.org", "password": PASSWORD}
    assert stack.call("cred-get", {"credential_id": cid}, token=stack.user_token(str(uuid.uuid4()))).status_code == 404
    assert stack.call("cred-get", {"credential_id": cid}).status_code == 403  # service_role is not the owner
    assert stack.call("cred-get", {"credential_id": cid}, token=None).status_code == 401

    # the documented "Credential access logs" query, as written, and its example row's shape
    rows = stack.sql("SELECT * FROM mandate_audit \nWHERE action = 'credentials_accessed' \nORDER BY created_at DESC;")
    cols = ["id", "created_at", "user_id", "action", "org_ref", "provider", "credential_id", "metadata"]
    mine = [dict(zip(cols, r)) for r in rows if str(r[6]) == cid]
    assert len(mine) == 1, "the denied calls did not count as accesses"
    row = mine[0]
    assert row["provider"] == "skiclubpro" and str(row["user_id"]) == owner
    assert row["metadata"]["credential_alias"] == "Blackhawk Ski Login"
    accessed = dt.datetime.fromisoformat(row["metadata"]["accessed_at"].replace("Z", "+00:00"))
    assert abs((accessed - row["created_at"]).total_seconds()) < 2
    recent = stack.sql("SELECT * FROM mandate_audit \nORDER BY created_at DESC \nLIMIT 50;")
    assert 0 < len(recent) <= 50 and recent[0][1] >= recent[-1][1]
    by_action = dict(stack.sql("SELECT action, COUNT(*) \nFROM mandate_audit \nGROUP BY action;"))
    assert by_action["credentials_submitted"] >= 2 and by_action["credentials_accessed"] >= 2
    assert by_action["cache_warm_success"] >= 5 and by_action["mandate_rejected"] == 3


def test_rotate_key_reseals_everything_in_one_go(stack):
    before = dict(stack.sql("select id::text, key_fp from stored_credentials"))
    env = {credentials.ENV_FILE: str(stack.key_file)}
    r = run_cli("credentials", "rotate-key", "--database", stack.dsn, env=env)
    assert r.returncode == 0, r.stderr
    assert f"re-sealed {len(before)} credential(s)" in r.stdout
    after = dict(stack.sql("select id::text, key_fp from stored_credentials"))
    assert set(after) == set(before) and len(set(after.values())) == 1 and set(after.values()).isdisjoint(before.values())
    assert stack.sql("select metadata->>'count' from mandate_audit where action = 'credentials_resealed'") == [
        (str(len(before)),)]
    # the executor reads the new key file: warming still opens the system credential
    r = stack.call("warm-cache-authenticated", {"org_ref": "second-org", "category": "lessons", "force_refresh": True})
    assert r.json()["success"] is True
    r = run_cli("credentials", "rotate-key", "--database", stack.dsn, "--prune", env=env)
    assert r.returncode == 1 and "refusing without --yes" in r.stderr  # dropping old keys asks first
    r = run_cli("credentials", "rotate-key", "--database", stack.dsn, "--prune", "--yes", env=env)
    assert r.returncode == 0, r.stderr
    assert len(vault.parse_ring(stack.key_file.read_text())) == 1
    r = stack.call("warm-cache-authenticated", {"org_ref": "second-org", "category": "lessons", "force_refresh": True})
    assert r.json()["success"] is True
    # a key from the environment is rotated where it lives, not here
    r = run_cli("credentials", "rotate-key", "--database", stack.dsn,
                env={**env, credentials.ENV_KEY: base64.b64encode(os.urandom(32)).decode()})
    assert r.returncode == 1 and "CRED_SEAL_KEY is set in the environment" in r.stderr


# ------------------------------------------------------------------ cron
def test_cron_commands_reach_the_executor_through_net(stack):
    jobs = dict(stack.sql("select jobname, command from cron.job where jobname in "
                          "('daily-cache-warming', 'cleanup-expired-sessions')"))
    assert set(jobs) == {"daily-cache-warming", "cleanup-expired-sessions"}
    assert stack.sql("select distinct schedule from cron.job where jobname in "
                     "('daily-cache-warming', 'cleanup-expired-sessions')") == [("0 2 * * *",)]
    for command in jobs.values():
        assert stack.project[keys.SERVICE_ROLE_KEY] not in command and "eyJ" not in command
    # run each job's command exactly as pg_cron would, and let the net worker deliver it
    ids = {name: stack.sql(cmd)[0][0] for name, cmd in jobs.items()}
    log = (stack.tmp / "net-worker.log").open("a")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
    worker = subprocess.Popen([*CLI, "net-worker", "--database", stack.dsn, "--poll-interval", "0.2"],
                              cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while len(stack.sql("select 1 from net._http_response where id = any(%s)", (list(ids.values()),))) < 2:
            assert worker.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
        log.close()
    warm = stack.sql("select status_code, content from net._http_response where id = %s", (ids["daily-cache-warming"],))
    assert warm[0][0] == 200, warm
    assert json.loads(warm[0][1])["summary"] == {"total": 4, "success": 4, "failed": 0}
    clean = stack.sql("select status_code, content from net._http_response where id = %s",
                      (ids["cleanup-expired-sessions"],))
    assert clean[0][0] == 200 and json.loads(clean[0][1])["success"] is True


@pytest.mark.slow
def test_a_real_pg_cron_tick_warms_the_cache(stack):
    """The whole chain once: pg_cron → net.http_post → net worker → executor → MCP → cached_programs."""
    stack.sql("update cached_programs set expires_at = now() - interval '1 s' where org_ref = 'second-org' returning 1")
    before = stack.sql("select discovered_at from cached_programs where org_ref = 'second-org'")[0][0]
    jobid = stack.sql("select jobid from cron.job where jobname = 'daily-cache-warming'")[0][0]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
    log = (stack.tmp / "net-worker.log").open("a")
    worker = subprocess.Popen([*CLI, "net-worker", "--database", stack.dsn, "--poll-interval", "0.2"],
                              cwd=ROOT, env=env, stdout=log, stderr=log)
    stack.sql("select cron.alter_job(%s, schedule => '* * * * *')", (jobid,))
    try:
        deadline = time.monotonic() + 150
        while stack.sql("select discovered_at from cached_programs where org_ref = 'second-org'")[0][0] == before:
            assert time.monotonic() < deadline, "no pg_cron tick warmed the cache"
            time.sleep(0.5)
    finally:
        stack.sql("select cron.alter_job(%s, schedule => '0 2 * * *')", (jobid,))
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
        log.close()
    assert stack.sql("select status from cron.job_run_details where jobid = %s order by start_time desc limit 1",
                     (jobid,)) == [("succeeded",)]
    assert stack.sql("select metadata->>'programs_discovered' from mandate_audit where action = 'cache_warm_success' "
                     "and org_ref = 'second-org' order by created_at desc limit 1") == [("1",)]


# ------------------------------------------------------------------ checkout sessions
def test_session_saved_before_a_serve_restart_is_loaded_after_it(stack):
    user = str(uuid.uuid4())
    token = stack.user_token(user)
    sid = "chat-" + uuid.uuid4().hex
    context = {"provider": "skiclubpro", "org_ref": "blackhawk-ski-club", "step": "connect_account"}
    r = stack.call("checkout-session", {"session_id": sid, "provider_id": "skiclubpro", "context": context}, token=token)
    assert r.status_code == 200 and r.json()["source"] == "saved", r.text
    assert stack.call("checkout-session", {"session_id": sid}, token=token).json()["source"] == "memory"
    # another user cannot load it
    assert stack.call("checkout-session", {"session_id": sid}, token=stack.user_token(str(uuid.uuid4()))).status_code == 404

    stack.serve.stop()  # "Restart MCP server"
    stack.serve.start()
    r = stack.call("checkout-session", {"session_id": sid}, token=token)
    assert r.status_code == 200, r.text
    assert r.json()["source"] == "database" and r.json()["context"] == context
    assert r.json()["provider_id"] == "skiclubpro"

    # the documented "Check Active Sessions" query, as written
    active = stack.sql("SELECT id, provider_id, user_id, created_at, expires_at \nFROM agentic_checkout_sessions \n"
                       "WHERE expires_at > now();")
    assert sid in [a[0] for a in active]
    stack.sql("insert into agentic_checkout_sessions (id, user_id, expires_at) values (%s, %s, now() - interval '1 s') "
              "returning 1", ("old-" + sid, user))
    counts = stack.sql("SELECT \n  COUNT(*) as total,\n  COUNT(*) FILTER (WHERE expires_at > now()) as active,\n"
                       "  COUNT(*) FILTER (WHERE expires_at <= now()) as expired\nFROM agentic_checkout_sessions;")[0]
    assert counts[0] == counts[1] + counts[2] and counts[1] >= 1 and counts[2] >= 1
    r = stack.call("cleanup-sessions", None, token=None)  # verify_jwt = false, as documented for cron
    assert r.status_code == 200 and r.json()["deleted"] >= 1
    assert stack.sql("select count(*) from agentic_checkout_sessions where expires_at <= now()") == [(0,)]
    assert stack.call("checkout-session", {"session_id": sid}, token=token).status_code == 200


# ------------------------------------------------------------------ the setup guide's commands, as written
SEED_000_HOST = "https://jpcrphdevmvzcfgokgym.supabase.co"
SEED_000_CURLS = {
    "manual test": """curl -X POST https://jpcrphdevmvzcfgokgym.supabase.co/functions/v1/warm-cache-authenticated \\
  -H "Authorization: Bearer YOUR_ANON_KEY" \\
  -H "Content-Type: application/json" \\
  -d '{
    "org_ref": "blackhawk-ski-club",
    "category": "lessons",
    "force_refresh": true
  }'""",
    "github actions": """curl -X POST https://jpcrphdevmvzcfgokgym.supabase.co/functions/v1/warm-cache-authenticated \\
            -H "Authorization: Bearer ${{ secrets.SUPABASE_ANON_KEY }}" \\
            -H "Content-Type: application/json" \\
            -d '{}'""",
    "re-run phase 1": """curl -X POST https://jpcrphdevmvzcfgokgym.supabase.co/functions/v1/create-system-mandate \\
  -H "Content-Type: application/json" \\
  -H "apikey: YOUR_ANON_KEY" \\
  -d '{
    "user_id": "add95fb0-f94f-4c88-99f1-313d7099579b",
    "scopes": ["scp:authenticate", "scp:discover:fields", "scp:find_programs"],
    "valid_duration_minutes": 10080
  }'""",
    "check system credential": """curl https://jpcrphdevmvzcfgokgym.supabase.co/functions/v1/setup-system-user \\
  -H "Content-Type: application/json" \\
  -d '{"action": "check"}'""",
}


def _curl(stack: Stack, command: str, key: str) -> tuple[int, dict]:
    """Run a curl command of the setup guide with the host swapped and the key filled in."""
    command = (command.replace(SEED_000_HOST, stack.serve.url).replace("YOUR_ANON_KEY", key)
               .replace("${{ secrets.SUPABASE_ANON_KEY }}", key))
    out = subprocess.run(["bash", "-c", command + " -sS -w '\\n%{http_code}'"], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    body, _, status = out.stdout.rpartition("\n")
    return int(status), json.loads(body)


def test_the_setup_guides_curl_commands(stack):
    anon, service = stack.project[keys.ANON_KEY], stack.project[keys.SERVICE_ROLE_KEY]
    status, body = _curl(stack, SEED_000_CURLS["manual test"], anon)
    assert status == 200 and body["success"] is True, body
    assert body["results"][0]["org_ref"] == "blackhawk-ski-club" and body["results"][0]["status"] in ("success", "skipped")
    status, body = _curl(stack, SEED_000_CURLS["github actions"], anon)
    assert status == 200 and body["success"] is True and body["summary"]["total"] == 4, body
    # minting a mandate needs the service key (the documented deviation): the anon key in `apikey` is refused ...
    status, body = _curl(stack, SEED_000_CURLS["re-run phase 1"], anon)
    assert status == 401 and body["error"] == "service_role_required", body
    # ... the service key in the same header works, the body as written
    status, body = _curl(stack, SEED_000_CURLS["re-run phase 1"], service)
    assert status == 200 and body["user_id"] == SYSTEM_USER, body
    claims = jwt.decode(body["mandate_jws"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 10080 * 60
    assert claims["scopes"] == ["scp:authenticate", "scp:discover:fields", "scp:find_programs"]
    # troubleshooting without any key: configured or not, nothing secret
    status, body = _curl(stack, SEED_000_CURLS["check system credential"], "")
    assert status == 200 and body == {"success": True, "configured": True, "exists": True,
                                      "mandate": {"configured": True}}, body


def test_the_setup_guides_cron_sql(stack):
    """Option 1 of the setup guide: its cron.schedule block with the URL and key filled in.
    Where pgcadence's net schema stands in for pg_net (the extension is not preloaded),
    `CREATE EXTENSION IF NOT EXISTS pg_net` cannot run (the schema net exists and is not
    the extension's): that one line is left out."""
    sql = f"""
-- Enable pg_cron extension
CREATE EXTENSION IF NOT EXISTS pg_cron;
CREATE EXTENSION IF NOT EXISTS pg_net;

-- Schedule daily cache warming at 2 AM
SELECT cron.schedule(
  'daily-cache-warming',
  '0 2 * * *', -- 2 AM every day
  $$
  SELECT
    net.http_post(
      url := '{stack.serve.url}/functions/v1/warm-cache-authenticated',
      headers := '{{"Content-Type": "application/json", "Authorization": "Bearer {stack.project[keys.ANON_KEY]}"}}'::jsonb,
      body := '{{}}'::jsonb
    ) as request_id;
  $$
);
"""
    if not stack.sql("select count(*) > 0 from pg_extension where extname = 'pg_net'")[0][0]:
        sql = sql.replace("CREATE EXTENSION IF NOT EXISTS pg_net;", "")
    saved = stack.sql("select schedule, command from cron.job where jobname = 'daily-cache-warming'")[0]
    try:
        with psycopg.connect(stack.dsn, autocommit=True) as conn:
            conn.execute(sql)
        command = stack.sql("select command from cron.job where jobname = 'daily-cache-warming'")[0][0]
        request_id = stack.sql(command)[0][0]  # what pg_cron runs at 02:00
        status, content = _response(stack, request_id)
        assert status == 200 and json.loads(content)["summary"]["total"] == 4, content
    finally:
        stack.sql("select cron.schedule('daily-cache-warming', %s, %s)", saved)


def _response(stack: Stack, request_id: int, timeout: float = 90) -> tuple[int, str]:
    """The net response of a request (pgcadence serve's sender delivers it)."""
    deadline = time.monotonic() + timeout
    while True:
        rows = stack.sql("select status_code, content, error_msg from net._http_response where id = %s", (request_id,))
        if rows:
            assert rows[0][2] is None, rows
            return rows[0][0], rows[0][1]
        assert time.monotonic() < deadline, f"no response to net request {request_id}"
        time.sleep(0.1)


# ------------------------------------------------------------------ renewal of the system mandate
def test_renewal_is_audited_and_a_failed_one_is_a_doctor_fail(stack):
    r = stack.call("renew-system-mandate", {})
    assert r.status_code == 200 and r.json()["renewed"] is False and r.json()["reason"] == "not due", r.text
    assert stack.call("renew-system-mandate", {}, token="anon").status_code == 401
    assert stack.sql("select public.call_mandate_renewal()") == [(None,)], "not due: nothing asked"

    # ten hours left: due. The standing job's command asks the executor (service key from Vault)
    assert run_cli("mandates", "rotate", "--database", stack.dsn, "--minutes", "600").returncode == 0
    before = stack.sql("select decrypted_secret from vault.decrypted_secrets where name = %s",
                       (mandates.MANDATE_SECRET,))[0][0]
    command = stack.sql("select command from cron.job where jobname = 'system-mandate-renewal'")[0][0]
    request_id = stack.sql(command)[0][0]
    status, content = _response(stack, request_id)
    assert status == 200 and json.loads(content)["renewed"] is True, content
    after = stack.sql("select decrypted_secret from vault.decrypted_secrets where name = %s",
                      (mandates.MANDATE_SECRET,))[0][0]
    claims = jwt.decode(after, stack.fake.public_key_pem, algorithms=["EdDSA"])
    assert after != before and claims["user_id"] == SYSTEM_USER and claims["exp"] - claims["iat"] == 10080 * 60
    row = stack.sql("select metadata from mandate_audit where action = 'mandate_created' order by created_at desc limit 1")
    assert row[0][0]["purpose"] == "renewal" and row[0][0]["jti"] == claims["jti"]
    assert stack.sql("select failing, in_flight, last_success_at is not null from public.mandate_renewal_status()") == [
        (False, False, True)]
    doc = run_cli("doctor", "--database", stack.dsn)
    line = [x for x in doc.stdout.splitlines() if "system mandate renewal" in x]
    assert line and line[0].startswith("PASS"), doc.stdout

    # a renewal that fails: HTTP 500, an audit row, and doctor FAILs until one succeeds
    stack.set_secret(mandates.MANDATE_SECRET, "not-a-jws")
    status, content = _response(stack, stack.sql("select public.call_mandate_renewal()")[0][0])
    assert status == 500 and json.loads(content)["error"] == "renewal_failed", content
    err = stack.sql("select metadata->>'error' from mandate_audit where action = 'mandate_renewal_failed' "
                    "order by created_at desc limit 1")[0][0]
    assert err.startswith("the SYSTEM_MANDATE_JWS in Vault is not a mandate"), err
    doc = run_cli("doctor", "--database", stack.dsn)
    line = [x for x in doc.stdout.splitlines() if "system mandate renewal" in x]
    assert doc.returncode == 1 and line[0].startswith("FAIL") and "not a mandate" in line[0], doc.stdout
    assert run_cli("mandates", "rotate", "--database", stack.dsn, "--user-id", SYSTEM_USER).returncode == 0
    doc = run_cli("doctor", "--database", stack.dsn)
    assert [x for x in doc.stdout.splitlines() if "system mandate renewal" in x][0].startswith("PASS"), doc.stdout


# ------------------------------------------------------------------ per-target staggered warming
def test_per_target_jobs_each_warm_their_target(stack):
    try:
        assert stack.sql("select jobs from configure_cache_warming(true, '03:00', 5)") == [(4,)]
        jobs = stack.sql("select jobname, schedule, command from cron.job where jobname like 'pgcadence\\_warm\\_%'")
        assert sorted(j[1] for j in jobs) == sorted(["0 3 * * *", "5 3 * * *", "10 3 * * *", "15 3 * * *"])
        for _, _, command in jobs:
            assert stack.project[keys.SERVICE_ROLE_KEY] not in command and "eyJ" not in command
        daily = stack.sql("select command from cron.job where jobname = 'daily-cache-warming'")[0][0]
        assert stack.sql(daily) == [], "the daily call stands down"
        stack.sql("update cached_programs set expires_at = now() - interval '1 s' returning 1")
        stack.fake.reset()
        teams = next(c for _, _, c in jobs if "'teams'" in c)
        status, content = _response(stack, stack.sql(teams)[0][0])  # what pg_cron runs at its minute
        assert status == 200 and json.loads(content)["results"] == [
            {"org_ref": "blackhawk-ski-club", "category": "teams", "status": "success"}]
        assert dict(stack.fake.calls) == {"blackhawk-ski-club": 1}, "one target per job"
    finally:
        assert stack.sql("select jobs from configure_cache_warming(false)") == [(0,)]
    assert stack.sql("select count(*) from cron.job where jobname like 'pgcadence\\_warm\\_%'") == [(0,)]


# ------------------------------------------------------------------ last: nothing leaked
def test_no_plaintext_credential_or_key_anywhere(stack, cluster):
    dump = subprocess.run(["pg_dump", "--data-only", "-d", stack.dsn], capture_output=True, text=True, timeout=120)
    assert dump.returncode == 0, dump.stderr
    assert "stored_credentials" in dump.stdout and len(dump.stdout) > 10_000
    seal_keys = [line.split()[1] for line in stack.key_file.read_text().splitlines()
                 if line.strip() and not line.startswith("#")]
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        pem = vault.get_secret(conn, mandates.SIGNING_KEY_SECRET)
    pem_body = "".join(pem.strip().splitlines()[1:-1])
    cron = "\n".join(r[0] for r in stack.sql("select command from cron.job"))
    places = {
        "pg_dump --data-only": dump.stdout,
        "cron.job": cron,
        "serve log": stack.serve.log.read_text(),
        "net worker log": (stack.tmp / "net-worker.log").read_text(),
        "PostgreSQL server log": Path(cluster.base, "postgres.log").read_text(errors="replace"),
    }
    assert "log_statement" not in places["serve log"]
    assert "store_credential" in places["PostgreSQL server log"], "log_statement = all was in effect"
    for where, text in places.items():
        assert PASSWORD not in text, f"the test password leaked into the {where}"
        for k in seal_keys:
            assert k not in text, f"CRED_SEAL_KEY leaked into the {where}"
        assert pem_body not in text, f"the mandate signing key leaked into the {where}"
