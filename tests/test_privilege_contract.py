"""The privilege contract, on a stock PostgreSQL and on a database prepared as Supabase
prepares one (tests/supabase_profile.py: its roles and the default privileges that
grant anon and authenticated everything new in public): the functions of pgcadence that
anon and authenticated can execute are exactly the ones below, each for a reason; the
security advisor finds nothing.

A new function that anon or authenticated may call goes here (and, if it is SECURITY
DEFINER, into pgcadence.api_function_allowlist() in sql/base/advisor.sql) with its reason.
"""

from __future__ import annotations

import uuid

import psycopg
import pytest

from pgcadence import migrate
from tests.supabase_profile import start_supabase_cluster

ADMIN_CHECKED = "admin console: refuses non-admins inside"
ADMINS_ONLY = "admins only: refuses everyone else inside"
# identity (as regprocedure prints it with search_path = pg_catalog) -> (roles, why)
ALLOWLIST: dict[str, tuple[frozenset[str], str]] = {
    # the auth helpers RLS policies call as whoever queries (pgcadence's only where the project has none)
    "auth.uid()": (frozenset({"anon", "authenticated"}), "RLS policies call it as the querying role"),
    "auth.role()": (frozenset({"anon", "authenticated"}), "RLS policies call it as the querying role"),
    "auth.email()": (frozenset({"anon", "authenticated"}), "RLS policies call it as the querying role"),
    "auth.jwt()": (frozenset({"anon", "authenticated"}), "RLS policies call it as the querying role"),
    # pg_net parity
    "net.http_get(text,jsonb,jsonb,integer)": (frozenset({"anon", "authenticated"}), "triggers fired by API users queue HTTP"),
    "net.http_post(text,jsonb,jsonb,jsonb,integer)": (frozenset({"anon", "authenticated"}), "triggers fired by API users queue HTTP"),
    "net.http_delete(text,jsonb,jsonb,integer,jsonb)": (frozenset({"anon", "authenticated"}), "triggers fired by API users queue HTTP"),
    "public.is_admin_user()": (frozenset({"anon", "authenticated"}), "RLS policies call it; reads the caller's own profile"),
    # cron management (admin check inside; admin-created jobs only)
    **{sig: (frozenset({"authenticated"}), ADMIN_CHECKED) for sig in (
        "public.get_cron_jobs()", "public.get_cron_job_runs(integer,text)", "public.toggle_cron_job(text,boolean)",
        "public.update_cron_schedule(text,text,text)", "public.create_cron_job(text,text,text,jsonb,integer,text)",
        "public.delete_cron_job(text)", "public.run_cron_job_now(text)", "public.describe_cron_schedule(text,text)",
        "public.list_job_handlers()", "public.cron_history_cleanup(interval)", "public.set_cron_history_retention(interval)",
        "public.cron_health()")},
    # job queue management (admin check inside)
    **{sig: (frozenset({"authenticated"}), ADMIN_CHECKED) for sig in (
        "public.job_queue_enqueue(text,jsonb,timestamp with time zone,integer,integer,text)",
        "public.job_queue_enqueue_batch(jsonb)", "public.job_queue_retry(uuid,integer)", "public.job_queue_cancel(uuid)",
        "public.job_queue_pause()", "public.job_queue_resume()",
        "public.job_queue_cleanup(interval,text[])", "public.job_queue_list(text,text,integer)",
        "public.job_queue_get(uuid)", "public.job_queue_health()")},
    "public.job_queue_paused()": (frozenset({"authenticated"}), "reads one boolean: whether processing is paused"),
    "public.job_queue_retry_delay(integer,double precision)": (frozenset({"authenticated"}),
                                                                "the backoff formula over the queue's settings"),
    # the admin console's own reads and actions (admin check inside: pgcadence.admin_require)
    **{sig: (frozenset({"authenticated"}), ADMIN_CHECKED) for sig in (
        "public.admin_overview()", "public.admin_throughput(integer)", "public.admin_cron_runs(text,text,integer,integer)",
        "public.admin_cron_run(bigint)", "public.admin_cron_preview(text,text,integer)",
        "public.admin_queue_jobs(text,text,text,integer,integer)", "public.admin_queue_metrics()",
        "public.admin_queue_task_types()", "public.admin_queue_bulk(text,text,text,text,boolean,integer)",
        "public.admin_queue_run_now(uuid)",
        "public.admin_audit(text,text,text,uuid,timestamp with time zone,timestamp with time zone,text,boolean,integer,integer)",
        "public.admin_audit_facets()", "public.admin_net(text,integer,integer)", "public.admin_net_request(bigint)",
        "public.admin_caches()")},
    # alert rules and cache warming schedule (admin check inside)
    **{sig: (frozenset({"authenticated"}), ADMINS_ONLY) for sig in (
        "public.alert_rule_update(text,boolean,jsonb,interval)", "public.alert_rule_silence(text,timestamp with time zone)",
        "public.alert_events_cleanup(interval)", "public.configure_cache_warming(boolean,time without time zone,integer)")},
    # a user acting on their own rows (checked inside)
    "public.log_audit(text,uuid,text,text,uuid,jsonb)": (frozenset({"authenticated"}), "audit rows about oneself only"),
    "public.store_credential(uuid,uuid,text,text,bytea,text,jsonb)": (frozenset({"authenticated"}), "one's own sealed credential"),
    "public.access_credential(uuid,jsonb)": (frozenset({"authenticated"}), "one's own sealed credential, audited"),
    "public.save_checkout_session(text,jsonb,text,uuid,interval)": (frozenset({"authenticated"}), "invoker: RLS keeps it to the owner"),
    "public.load_checkout_session(text,uuid)": (frozenset({"authenticated"}), "invoker: RLS keeps it to the owner"),
    "public.signup_step(text,text,jsonb)": (frozenset({"authenticated"}), "the caller's own session only (auth.uid())"),
    "public.signup_record(text,text,jsonb,jsonb)": (frozenset({"authenticated"}), "the caller's own session, audited in their name"),
    "public.audit_trail(text[],text,text,text,timestamp with time zone,timestamp with time zone,uuid,integer)": (
        frozenset({"authenticated"}), "invoker: RLS shows a user their own audit rows (admins all)"),
    # the MCP tool catalogue and its user-facing error messages (invoker; the tables are readable by authenticated)
    "public.mcp_tool(text)": (frozenset({"authenticated"}), "invoker: reads the tool catalogue"),
    "public.mcp_friendly_error(text,text,boolean)": (frozenset({"authenticated"}), "invoker: reads the public error messages"),
    # pure movie staleness rule, invoker (movies are readable by authenticated)
    "public.movie_refresh_interval(date,double precision,date)": (frozenset({"authenticated"}), "pure function of a movie's columns"),
    "public.movie_stale_at(date,double precision,timestamp with time zone,timestamp with time zone)": (
        frozenset({"authenticated"}), "pure function of a movie's columns"),
    "public.is_stale(date,double precision,timestamp with time zone,timestamp with time zone)": (
        frozenset({"authenticated"}), "pure function of a movie's columns"),
    "public.is_stale(public.movies)": (frozenset({"authenticated"}), "pure function of a movie's columns"),
    "public.movie_refresh_priority(double precision)": (frozenset({"authenticated"}), "pure function of a movie's columns"),
}

_EXECUTABLE = """
set search_path = pg_catalog, pg_temp;
select p.oid::regprocedure::text, r.rolname
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace, pg_roles r
 where r.rolname in ('anon', 'authenticated')
   and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_'
   and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
   and has_schema_privilege(r.oid, n.oid, 'USAGE') and has_function_privilege(r.oid, p.oid, 'EXECUTE')
   and not (p.oid = any(%s::oid[]))
"""


def _executable(url: str, before: list[int]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    with psycopg.connect(url) as c:
        c.execute("set search_path = pg_catalog, pg_temp")
        for fn, role in c.execute(_EXECUTABLE.split(";", 1)[1], (before,)):
            out.setdefault(fn, set()).add(role)
    return out


@pytest.fixture(scope="module")
def supabase_url():
    cluster = start_supabase_cluster()
    try:
        url = cluster.url()
        with psycopg.connect(url) as c:
            before = [r[0] for r in c.execute("select oid::int from pg_proc")]
        migrate.apply(url, progress=lambda m: None)
        yield url, before
    finally:
        cluster.stop()


def _check_contract(url: str, before: list[int], expected: dict[str, frozenset[str]]) -> None:
    got = _executable(url, before)
    extra = {fn: sorted(roles) for fn, roles in got.items() if roles - expected.get(fn, frozenset())}
    missing = {fn: sorted(roles) for fn, roles in expected.items() if roles - got.get(fn, set())}
    assert extra == {}, "executable by anon/authenticated but not allowlisted (revoke, or add it with a reason)"
    assert missing == {}, "allowlisted but not executable (remove it from the allowlist)"


def _advisor(url: str) -> list[tuple]:
    with psycopg.connect(url) as c:
        return c.execute("select level, lint, object, detail from pgcadence.security_advisor()").fetchall()


def test_contract_on_a_stock_database(migrated_url):
    _check_contract(migrated_url, [], {fn: roles for fn, (roles, _) in ALLOWLIST.items()})
    assert _advisor(migrated_url) == []


def test_contract_under_supabase_default_privileges(supabase_url):
    url, before = supabase_url
    with psycopg.connect(url) as c:
        # the profile is in force: a table created now is anon's, and the auth helpers are Supabase's
        c.execute("create table public.probe_default_privs (id int)")
        assert c.execute("select has_table_privilege('anon', 'public.probe_default_privs', 'DELETE')").fetchone()[0]
        c.rollback()
        assert c.execute("select count(*) from pgcadence.created_objects where kind = 'function'").fetchone()[0] == 0
    # Supabase's own auth helpers existed before: not pgcadence's, not in its contract
    expected = {fn: roles for fn, (roles, _) in ALLOWLIST.items() if not fn.startswith("auth.")}
    _check_contract(url, before, expected)
    assert _advisor(url) == []


def test_admin_checked_functions_refuse_a_signed_in_non_admin(migrated_url):
    """What the allowlist says is admin-checked is: a signed-in user who is not an admin
    gets 42501 from each of them, whatever the arguments."""
    checked = sorted(sig for sig, (_, why) in ALLOWLIST.items() if why in (ADMIN_CHECKED, ADMINS_ONLY))
    assert len(checked) >= 40
    allowed = []
    with psycopg.connect(migrated_url, autocommit=True) as c:
        for sig in checked:
            name, args = sig[:-1].split("(", 1)
            call = f"select {name}(" + ", ".join(f"null::{t}" for t in args.split(",") if t) + ")"
            try:
                with c.transaction():
                    c.execute("set local role authenticated")
                    c.execute("select set_config('request.jwt.claims', %s, true)",
                              (f'{{"role": "authenticated", "sub": "{uuid.uuid4()}"}}',))
                    c.execute(call)
                allowed.append(sig)
            except psycopg.errors.InsufficientPrivilege:
                pass
    assert allowed == [], "allowlisted as admin-checked, but a non-admin may call them"


def test_no_api_role_can_write_a_table_of_pgcadence_directly(supabase_url):
    """Writes go through functions and policies: anon has no table privilege at all, and
    authenticated writes only where a policy limits it to its own rows or to admins."""
    url, _ = supabase_url
    with psycopg.connect(url) as c:
        rows = c.execute("""
            select c.oid::regclass::text, r.rolname, p.priv
              from pg_class c join pg_namespace n on n.oid = c.relnamespace,
                   pg_roles r, unnest(array['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p(priv)
             where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema', 'cron')
               and n.nspname !~ '^pg_' and r.rolname in ('anon', 'authenticated')
               and has_table_privilege(r.oid, c.oid, p.priv)""").fetchall()
    anon = [r for r in rows if r[1] == "anon"]
    assert anon == []
    writable = {(t, p) for t, _, p in rows}
    assert writable <= {
        ("agentic_checkout_sessions", "INSERT"), ("agentic_checkout_sessions", "UPDATE"),
        ("agentic_checkout_sessions", "DELETE"), ("stored_credentials", "DELETE"),
        ("cache_warm_targets", "INSERT"), ("cache_warm_targets", "UPDATE"), ("cache_warm_targets", "DELETE"),
    }, writable
