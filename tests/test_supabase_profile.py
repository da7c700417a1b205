"""pgcadence where users run it: on the supabase profile (tests/supabase_profile.py), a
cluster with Supabase's real pg_net and supabase_vault preloaded next to pg_cron, Supabase's
roles and default privileges, then ``pgcadence migrate``.

What is proven here:

- the migrations take the real-extension branches and create no net or Vault shim object;
- every pgTAP contract that is not about a shim (``tests/pgtap/*_shim.sql``) holds on the
  real extensions as it holds on a stock PostgreSQL;
- ``pgcadence doctor`` says which implementation is in use and why, here and on a server
  where the extensions are installed but not preloaded (the embedded default keeps the
  shims there and works);
- ``pgcadence serve`` starts no sender of its own (and says so); the real pg_net sends;
- the cron-command helpers and the CLI read and write the real Vault;
- the setup guide's ``CREATE EXTENSION IF NOT EXISTS pg_net;`` runs as written;
- the same requests give the same response rows and reach the server the same way through
  the real pg_net and through the shim and its sender (what differs is listed in
  docs/compat.md, and the differences that tests/pgtap/*_shim.sql names hold for the real
  extensions);
- the Vault-backed cron block of the setup guide, end to end: a real pg_cron tick, the
  real pg_net, the executor, the response row.

Everything here is skipped (one line at the end of the run says so) where Supabase's
extensions are not installed; ``.ci/run`` installs them.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import socket
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from port_for import get_port

from pgcadence.executor import keys
from tests.conftest import ROOT, run_cli
from tests.net_helpers import Upstream, WorkerThread, wait_row
from tests.pgtap import run_file
from tests.recorder import Recorder
from tests.serve_helpers import start_serve
from tests.test_ticks import CRON_BLOCK, SEED_VAULT, TICK_WAIT

pytestmark = pytest.mark.supabase

PGTAP = sorted((ROOT / "tests" / "pgtap").glob("*.sql"))
CONTRACTS = [p for p in PGTAP if not p.stem.endswith("_shim")]
SHIM_FILES = {"net": ["net/url.sql", "net/requests.sql", "net/sender.sql", "net/access.sql"],
              "vault": ["vault/keyring.sql", "vault/api.sql"]}


def _wait(what: str, probe, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while True:
        got = probe()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout} s")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def profile(supabase_profile_url):
    with psycopg.connect(supabase_profile_url, autocommit=True) as conn:
        keys.ensure_project_keys(conn, None)
        yield conn


@pytest.fixture(scope="module")
def served(supabase_profile_url, profile):
    s = start_serve(supabase_profile_url, "--no-worker", "--no-metrics")
    yield s
    s.stop()


# ---------------------------------------------------------------- the tick, scheduled first
@pytest.fixture(scope="module")
def cron_block(profile, served):
    """The setup guide's Vault-backed cron block, as written (target: the executor's echo),
    switched to every minute; the last test of this module waits for its tick."""
    conn = profile
    started = conn.execute("select now()").fetchone()[0]
    beats0 = conn.execute("select beats from pgcadence.cron_heartbeat").fetchone()[0]
    service_key = keys.project_keys(conn)["service_role_key"]
    conn.execute("delete from vault.secrets where name in ('project_url', 'service_role_key')")
    for stmt in SEED_VAULT.format(project_url=served.url, service_role_key=service_key).strip().splitlines():
        conn.execute(stmt)
    job = conn.execute(CRON_BLOCK).fetchone()[0]
    conn.execute("select cron.alter_job(%s, schedule := '* * * * *')", (job,))
    yield {"job": job, "started": started, "beats0": beats0, "service_key": service_key}
    conn.execute("select cron.unschedule('sync_game_platform_stats')")


def test_the_cron_block_is_scheduled_as_written(cron_block, profile):
    command = profile.execute("select command from cron.job where jobid = %s", (cron_block["job"],)).fetchone()[0]
    assert "vault.decrypted_secrets" in command and cron_block["service_key"] not in command


# ---------------------------------------------------------------- what migrate chose
def test_the_migrations_took_the_real_extension_branches(profile):
    conn = profile
    assert dict(conn.execute("select extname, extversion from pg_extension "
                             "where extname in ('pg_net', 'supabase_vault')").fetchall()) == {
        "pg_net": "0.20.4", "supabase_vault": "0.3.1"}
    # every object in the schemas net and vault belongs to its extension: no shim object
    foreign = conn.execute("""
        select n.nspname || '.' || o.name from (
            select oid, relname::text as name, relnamespace as ns, 'pg_class'::regclass as cls from pg_class
            union all select oid, proname::text, pronamespace, 'pg_proc'::regclass from pg_proc
            union all select oid, typname::text, typnamespace, 'pg_type'::regclass from pg_type where typrelid = 0
                                                                                         and typelem = 0) o
          join pg_namespace n on n.oid = o.ns
         where n.nspname in ('net', 'vault')
           and not exists (select 1 from pg_depend d join pg_extension e on e.oid = d.refobjid
                            where d.classid = o.cls and d.objid = o.oid and d.deptype = 'e')
           and not exists (select 1 from pg_depend d where d.classid = o.cls and d.objid = o.oid
                                                    and d.deptype in ('a', 'i'))""").fetchall()
    assert foreign == [], "objects in net/vault that are not the extensions'"
    assert conn.execute("select to_regclass('pgcadence.net_claims'), to_regclass('pgcadence.net_enqueue_marks'),"
                        " to_regprocedure('vault._keys()'), to_regprocedure('pgcadence.net_claim(integer,integer,integer)')"
                        ).fetchone() == (None, None, None, None)
    applied = {r[0] for r in conn.execute("select path from pgcadence.source_files")}
    assert applied.isdisjoint(SHIM_FILES["net"] + SHIM_FILES["vault"]), applied
    assert "vault/project_helpers.sql" in applied and "base/extensions.sql" in applied
    # migration 0002 created supabase_vault (available and preloaded), and says it created it
    assert conn.execute("select count(*) from pgcadence.created_objects "
                        "where kind = 'extension' and name = 'supabase_vault'").fetchone()[0] == 1
    # Supabase's grants that follow CREATE EXTENSION are in place (the profile's event trigger)
    assert conn.execute("select has_schema_privilege('anon', 'net', 'USAGE'),"
                        " has_table_privilege('service_role', 'vault.decrypted_secrets', 'SELECT')").fetchone() == (
        True, True)


@pytest.mark.parametrize("path", CONTRACTS, ids=[p.stem for p in CONTRACTS])
def test_pgtap_contract_holds_on_the_real_extensions(path, supabase_profile_url, migrated_url):
    """Each contract passes on the profile wherever it passes on a stock PostgreSQL (a
    failure the stock run has too is that file's own, reported by test_pgtap)."""
    real = run_file(path, supabase_profile_url)
    if real.ok:
        return
    stock = run_file(path, migrated_url)
    only_real = [f for f in real.failures if f.splitlines()[0] not in {s.splitlines()[0] for s in stock.failures}]
    assert not only_real and (real.returncode == 0 or stock.returncode != 0), real.explain()


def test_the_security_advisor_finds_nothing_the_stock_database_does_not(supabase_profile_url, migrated_url):
    def findings(url):
        with psycopg.connect(url) as c:
            return set(c.execute("select level, lint, object from pgcadence.security_advisor()").fetchall())
    assert findings(supabase_profile_url) - findings(migrated_url) == set()


# ---------------------------------------------------------------- doctor: which one, and why
def _doctor_lines(url: str) -> dict[str, str]:
    r = run_cli("doctor", "--database", url)
    assert r.stdout, r.stderr
    return {m.group(2): m.group(1) + "  " + m.group(3)
            for m in (re.match(r"^(PASS|WARN|FAIL)\s+([^:]+): (.*)$", line) for line in r.stdout.splitlines()) if m}


def test_doctor_says_the_real_extensions_are_in_use_and_why(supabase_profile_url):
    lines = _doctor_lines(supabase_profile_url)
    assert lines["vault in use"] == ("PASS  supabase_vault 0.3.1: the real extension is installed in this database and "
                                     "preloaded (its root key comes from vault.getkey_script)")
    assert lines["net in use"] == ("PASS  pg_net 0.20.4: the real extension is installed here and its background "
                                   "worker sends the requests")
    assert "vault key file" not in lines and "net sender" not in lines, "no shim checks where the shims are absent"


def test_doctor_on_a_server_where_the_extensions_are_installed_but_not_preloaded(migrated_url):
    """The session cluster is stock: pg_net and supabase_vault are on disk, not preloaded."""
    lines = _doctor_lines(migrated_url)
    assert lines["vault in use"] == ("PASS  pgcadence shim: supabase_vault is available on this server but not in "
                                     "shared_preload_libraries, so it could not read its root key")
    assert lines["net in use"] == ("PASS  pgcadence shim: pg_net is available on this server but not in "
                                   "shared_preload_libraries (its worker cannot run); pgcadence serve or pgcadence "
                                   "net-worker sends the requests")


@contextlib.contextmanager
def _scratch_database(url: str, name: str):
    """A new, empty database of the cluster at ``url`` (no Supabase preparation), dropped after."""
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}"')
        admin.execute(f'create database "{name}"')
        try:
            with psycopg.connect(url.rsplit("/", 1)[0] + "/" + name, autocommit=True) as c:
                yield c
        finally:
            admin.execute(f'drop database "{name}" with (force)')


def _status_in_new_database(url: str, name: str, setup: str) -> dict[str, tuple[str, str, str]]:
    """extension_status() in a scratch database of the cluster at ``url`` after ``setup``."""
    with _scratch_database(url, name) as c:
        c.execute(setup)
        c.execute("create schema pgcadence")
        c.execute((ROOT / "sql" / "base" / "extensions.sql").read_text())
        return {s: (i, lv, why) for s, i, lv, why in c.execute("select * from pgcadence.extension_status()")}


def test_doctor_names_what_keeps_a_real_extension_from_working(supabase_profile_url, migrated_url):
    # pg_net created in a database its worker does not run in: nothing queued there is ever sent
    st = _status_in_new_database(supabase_profile_url, "elsewhere", "create extension pg_net")
    assert st["net"] == ("pg_net 0.20.4", "fail", "pg_net's background worker runs in database pgcadence "
                         "(pg_net.database_name), not in elsewhere: requests queued here are never sent")
    assert st["vault"] == ("none", "missing", "no vault schema: run pgcadence migrate")
    # supabase_vault created where it is not preloaded (what made `make run` fail before): no root key
    st = _status_in_new_database(migrated_url, "unloaded", "create extension supabase_vault")
    assert st["vault"][:2] == ("supabase_vault 0.3.1", "fail")
    assert "not in shared_preload_libraries: without its root key no secret can be created or read" in st["vault"][2]


def test_the_embedded_default_keeps_the_shims_and_works_here():
    """`pgcadence up` (what `make run` starts) on this machine, where the real extensions are
    installed but not preloaded: it migrates with the shims, and secrets work."""
    base = Path(tempfile.mkdtemp(prefix="pgcadence-up-", dir="/tmp"))
    try:
        r = run_cli("up", "--data-dir", str(base), "--port", str(get_port(None)))
        assert r.returncode == 0, r.stderr
        url = r.stdout.strip().splitlines()[-1]
        assert run_cli("secrets", "set", "probe_secret", "-d", url, input="shim value").returncode == 0
        with psycopg.connect(url) as c:
            assert c.execute("select decrypted_secret from vault.decrypted_secrets "
                             "where name = 'probe_secret'").fetchone()[0] == "shim value"
            assert c.execute("select count(*) from pg_extension where extname in ('pg_net', 'supabase_vault')"
                             ).fetchone()[0] == 0
        lines = _doctor_lines(url)
        assert lines["vault in use"].startswith("PASS  pgcadence shim: supabase_vault is available on this server")
        assert lines["net in use"].startswith("PASS  pgcadence shim: pg_net is available on this server")
    finally:
        run_cli("down", "--data-dir", str(base))
        shutil.rmtree(base, ignore_errors=True)


# ---------------------------------------------------------------- serve and the real pg_net
def test_serve_starts_no_sender_of_its_own_and_says_so(served, supabase_profile_url, profile):
    rec = served.wait_for(lambda r: r.get("event") == "net_sender_not_started")
    assert "the real pg_net extension is installed in this database" in rec["reason"]
    listening = served.wait_for(lambda r: r.get("event") == "listening")
    assert "net" not in listening["services"]
    assert "pgcadence net-worker" not in {r[0] for r in profile.execute(
        "select application_name from pg_stat_activity")}, "no sender connected"
    # net-worker alone refuses, in one line
    r = run_cli("net-worker", "--database", supabase_profile_url)
    assert r.returncode == 1 and r.stderr.strip().count("\n") == 0
    assert "real pg_net extension" in r.stderr
    # the real pg_net delivers what the executor serves
    key = keys.project_keys(profile)["service_role_key"]
    rid = profile.execute("select net.http_post(%s, '{\"hello\": \"real pg_net\"}'::jsonb, "
                          "headers := jsonb_build_object('Content-Type', 'application/json', 'Authorization', %s::text))",
                          (served.url + "/functions/v1/echo", "Bearer " + key)).fetchone()[0]
    row = wait_row(profile, rid, timeout=60)
    assert (row["status_code"], row["error_msg"]) == (200, None), row
    body = json.loads(row["content"])
    assert body["role"] == "service_role" and body["body"] == {"hello": "real pg_net"}


# ---------------------------------------------------------------- the real Vault
def test_helpers_and_cli_read_and_write_the_real_vault(supabase_profile_url, profile, cron_block, served):
    url = supabase_profile_url
    assert run_cli("secrets", "set", "probe_url", "-d", url, input="https://probe.example.org\n").returncode == 0
    assert run_cli("secrets", "set", "probe_url", "-d", url, input="https://probe2.example.org").returncode == 0
    listed = run_cli("secrets", "list", "-d", url)
    assert "probe_url" in listed.stdout and "probe2" not in listed.stdout
    with psycopg.connect(url) as c:
        secret, key_id = c.execute("select secret, key_id from vault.secrets where name = 'probe_url'").fetchone()
        assert "probe" not in secret and key_id is None, "encrypted by supabase_vault (it records no key id)"
        # the cron-command helpers, as service_role calls them, read what the setup guide's
        # vault.create_secret calls stored in the real Vault (the cron_block fixture)
        c.execute("set local role service_role")
        assert c.execute("select public.get_supabase_url(), public.get_service_role_key()").fetchone() == (
            served.url, cron_block["service_key"])
        c.rollback()
    assert run_cli("secrets", "rm", "probe_url", "--yes", "-d", url).returncode == 0


def test_where_pgcadence_creates_supabase_vault_service_role_gets_supabases_grants(supabase_profile_url, profile):
    """On the profile, migration 0002 created supabase_vault, so sql/vault/real_grants.sql
    applies. Without Supabase's after-create grants (a database of the same server that was
    not prepared as Supabase prepares one), the extension alone gives service_role nothing;
    the file gives it what Supabase gives, and service_role can use the Vault API."""
    applied = {r[0] for r in profile.execute("select path from pgcadence.source_files")}
    assert "vault/real_grants.sql" in applied
    grants = ("select has_schema_privilege('service_role', 'vault', 'USAGE'),"
              " has_table_privilege('service_role', 'vault.secrets', 'SELECT, DELETE'),"
              " has_table_privilege('service_role', 'vault.decrypted_secrets', 'SELECT'),"
              " has_function_privilege('service_role', 'vault.create_secret(text, text, text, uuid)', 'EXECUTE'),"
              " has_function_privilege('service_role', 'vault.update_secret(uuid, text, text, text, uuid)', 'EXECUTE')")
    with _scratch_database(supabase_profile_url, "plain_vault") as c:
        c.execute("create extension supabase_vault cascade")
        assert c.execute(grants).fetchone() == (False, False, False, False, False)
        c.execute((ROOT / "sql" / "vault" / "real_grants.sql").read_text())
        assert c.execute(grants).fetchone() == (True, True, True, True, True)
        with c.transaction():
            c.execute("set local role service_role")
            sid = c.execute("select vault.create_secret('from service_role', 'sr_probe')").fetchone()[0]
            c.execute("select vault.update_secret(%s, new_secret := 'updated by service_role')", (sid,))
            assert c.execute("select decrypted_secret from vault.decrypted_secrets where name = 'sr_probe'"
                             ).fetchone()[0] == "updated by service_role"
            with pytest.raises(psycopg.errors.InsufficientPrivilege), c.transaction():
                c.execute("insert into vault.secrets (secret) values ('x')")


# ---------------------------------------------------------------- the setup guide as written
SETUP_GUIDE = """
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
      url := '{url}/functions/v1/warm-cache-authenticated',
      headers := '{{"Content-Type": "application/json", "Authorization": "Bearer YOUR_ANON_KEY"}}'::jsonb,
      body := '{{}}'::jsonb
    ) as request_id;
  $$
);
"""


def test_the_setup_guides_create_extension_pg_net_runs_as_written(profile):
    recorder = Recorder()
    saved = profile.execute("select schedule, command from cron.job where jobname = 'daily-cache-warming'").fetchone()
    try:
        profile.execute(SETUP_GUIDE.format(url=recorder.url("").rstrip("/")))
        command = profile.execute("select command from cron.job where jobname = 'daily-cache-warming'").fetchone()[0]
        rid = profile.execute(command).fetchone()[0]  # what pg_cron runs at 02:00
        row = wait_row(profile, rid, timeout=60)
        assert row["status_code"] == 200, row
        got = recorder.wait_for(lambda seen: any(r.path == "/functions/v1/warm-cache-authenticated" for r in seen))
        req = next(r for r in got if r.path == "/functions/v1/warm-cache-authenticated")
        assert (req.method, req.body, req.headers["Authorization"]) == ("POST", b"{}", "Bearer YOUR_ANON_KEY")
    finally:
        if saved:
            profile.execute("select cron.schedule('daily-cache-warming', %s, %s)", saved)
        else:
            profile.execute("select cron.unschedule('daily-cache-warming')")


# ---------------------------------------------------------------- real pg_net == shim + sender
def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _parity_cases(u: str, closed: int) -> dict[str, str]:
    """name -> the call, as a cron command or a trigger would write it."""
    return {
        "post": f"""net.http_post('{u}/ok?case=post', '{{"a": 1, "b": [true, null]}}', '{{"x": "1 2"}}')""",
        "post_headers": f"""net.http_post('{u}/ok?case=post_headers&y=0', headers => '{{"Authorization": "Bearer k", "X-Custom": "v"}}')""",
        "get": f"""net.http_get('{u}/ok?case=get', '{{"q": "a&b"}}', '{{"X-Custom": "v"}}')""",
        "delete": f"""net.http_delete('{u}/ok?case=delete', body => '{{"k": [1, 2]}}')""",
        "delete_no_body": f"""net.http_delete('{u}/ok?case=delete_no_body')""",
        "status_404": f"net.http_get('{u}/status?code=404&case=404')",
        "status_503": f"net.http_post('{u}/status?code=503&case=503')",
        "status_204": f"net.http_get('{u}/status?code=204&case=204')",
        "refused": f"net.http_get('http://127.0.0.1:{closed}/x')",
        "timeout": f"net.http_get('{u}/block?tag=parity&case=timeout', timeout_milliseconds => 500)",
    }


def _run_cases(conn, upstream: Upstream, closed: int) -> tuple[dict, dict]:
    """Queue every case in one transaction, wait for the rows; (rows by case, requests seen by case)."""
    cases = _parity_cases(upstream.url("").rstrip("/"), closed)
    with conn.transaction():
        ids = {name: conn.execute(f"select {call}").fetchone()[0] for name, call in cases.items()}
    rows = {name: wait_row(conn, rid, timeout=60) for name, rid in ids.items()}
    seen = {}
    for s in list(upstream.seen):
        m = re.search(r"[?&]case=([a-z_0-9]+)", s.path)
        if m and m.group(1) not in seen:
            seen[m.group(1)] = s
    return rows, seen


def _comparable_row(row: dict) -> dict:
    out = dict(row)
    out.pop("id")
    headers = out.pop("headers") or {}
    out["headers"] = {k.lower(): v for k, v in headers.items() if k.lower() not in ("date", "server")}
    if out["error_msg"] and out["error_msg"].startswith("Timeout of"):
        out["error_msg"] = out["error_msg"].split(". Total time")[0]
    return out


def _comparable_request(seen) -> dict:
    headers = {k.lower(): v for k, v in seen.headers.items() if k.lower() != "host"}
    return {"method": seen.method, "path": seen.path, "body": seen.body, "headers": headers}


def test_real_pg_net_and_the_shim_answer_alike(profile, migrated_url):
    upstream = Upstream()
    closed = _closed_port()
    try:
        real_rows, real_seen = _run_cases(profile, upstream, closed)
        upstream.seen.clear()
        sender = WorkerThread(migrated_url)
        try:
            with psycopg.connect(migrated_url, autocommit=True) as stock:
                shim_rows, shim_seen = _run_cases(stock, upstream, closed)
        finally:
            sender.close()
    finally:
        upstream.close()
    for name in real_rows:
        assert _comparable_row(shim_rows[name]) == _comparable_row(real_rows[name]), name
    assert set(shim_seen) == set(real_seen)
    for name in real_seen:
        assert _comparable_request(shim_seen[name]) == _comparable_request(real_seen[name]), name


# ---------------------------------------------------------------- the differences docs/compat.md lists
def test_the_documented_differences_hold_for_the_real_extensions(profile):
    """What tests/pgtap/*_shim.sql shows the shim doing differently, shown here for the
    real extensions, so docs/compat.md stays true."""
    c = profile
    with pytest.raises(_Rollback), c.transaction():  # leaves nothing behind
        assert c.execute("select relpersistence from pg_class where oid = 'net.http_request_queue'::regclass"
                         ).fetchone()[0] == "u", "pg_net's queue is UNLOGGED"
        with pytest.raises(psycopg.errors.InternalError_) as exc:  # XX000
            with c.transaction():
                c.execute("select net.http_get('not a url')")
        assert str(exc.value).startswith('invalid URL "not a url": Bad scheme')
        rid = c.execute("select net.http_get('ftp://h/file')").fetchone()[0]
        assert c.execute("select url from net.http_request_queue where id = %s", (rid,)).fetchone()[0] == \
            "ftp://h/file", "pg_net queues an ftp URL (and fails when sending it)"
        assert c.execute("select has_table_privilege('anon', 'net.http_request_queue', 'SELECT'),"
                         " has_function_privilege('anon', 'net._http_collect_response(bigint, boolean)', 'EXECUTE')"
                         ).fetchone() == (True, True), "pg_net grants PUBLIC its tables and functions"
        # Vault: an unknown id is no error, a key id is ignored, a damaged secret is 'invalid ciphertext'
        c.execute("select vault.update_secret('00000000-0000-0000-0000-000000000000', new_name := 'x')")
        sid = c.execute("select vault.create_secret('v', 'diff_probe', '', '11111111-1111-1111-1111-111111111111')"
                        ).fetchone()[0]
        assert c.execute("select key_id from vault.secrets where id = %s", (sid,)).fetchone()[0] is None
        assert c.execute("select relrowsecurity from pg_class where oid = 'vault.secrets'::regclass").fetchone()[0] is False
        c.execute("update vault.secrets set secret = encode(set_byte(decode(secret, 'base64'), 0, "
                  "get_byte(decode(secret, 'base64'), 0) # 1), 'base64') where id = %s", (sid,))
        with pytest.raises(psycopg.errors.DataException, match="invalid ciphertext"):
            with c.transaction():
                c.execute("select decrypted_secret from vault.decrypted_secrets where id = %s", (sid,))
        with pytest.raises(psycopg.errors.DataException, match="invalid ciphertext"):
            with c.transaction():
                c.execute("select vault.update_secret(%s, new_secret := 'again')", (sid,))
        raise _Rollback


class _Rollback(Exception):
    """Raised to roll a test's transaction back."""


# ---------------------------------------------------------------- the tick (last: waits for a minute boundary)
@pytest.mark.slow
def test_a_real_pg_cron_tick_reaches_the_executor_through_the_real_pg_net(cron_block, profile, served):
    conn = profile

    def echo_row():
        rows = conn.execute("select status_code, content, error_msg from net._http_response where created >= %s",
                            (cron_block["started"],)).fetchall()
        answers = ((st, json.loads(c), e) for st, c, e in rows if c and '"function":"echo"' in c)
        return next(((st, body, e) for st, body, e in answers if body["body"] == {}), None)  # the block sends no body

    status, body, error = _wait("response row of the cron block's request", echo_row, TICK_WAIT)
    assert (status, error) == (200, None)
    assert body["role"] == "service_role" and body["database"]["auth_role"] == "service_role"
    run = conn.execute("select status, command from cron.job_run_details where jobid = %s and start_time >= %s "
                       "order by start_time limit 1", (cron_block["job"], cron_block["started"])).fetchone()
    assert run[0] == "succeeded" and "/functions/v1/echo" in run[1]
    rec = served.wait_for(lambda r: r.get("function") == "echo" and r.get("status") == 200 and r.get("role"))
    assert cron_block["service_key"] not in json.dumps(rec)
    assert conn.execute("select beats > %s from pgcadence.cron_heartbeat", (cron_block["beats0"],)).fetchone()[0], \
        "the package's heartbeat ticked too"
