"""Every function pgcadence owns pins search_path = pg_catalog, pg_temp, and the
pg_temp attack of docs/security.md ("Search path") does not work against them.

With ``SET search_path = ''`` PostgreSQL still searches the session's temporary schema
*first* for type and relation names; a caller who creates ``pg_temp.text`` as a domain
whose CHECK calls its own function gets that function run as the owner of any
definer function that casts to ``text``. Putting pg_temp explicitly last closes it.
"""

from __future__ import annotations

import uuid

import psycopg
import pytest

PIN = "search_path=pg_catalog, pg_temp"
# settings a function may pin besides search_path (the worker's hot path plans once per session)
OTHER_SETTINGS = {"plan_cache_mode=force_generic_plan", "enable_seqscan=off", "jit=off", "enable_nestloop=off"}

# Functions of pgcadence: every function of the SQL sources (pgcadence.source_objects)
# and every function in the schemas pgcadence creates or fills, that is not an
# extension's member (pgcrypto, pg_cron, pgTAP are not ours).
_OURS = """
select p.oid::regprocedure::text, coalesce(p.proconfig::text, '(none)')
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace
 where (n.nspname in ('public', 'pgcadence', 'auth', 'vault', 'net')
        or format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
           in (select o.identity from pgcadence.source_objects o where o.kind = 'function'))
   and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid
                   and d.deptype = 'e')
 order by 1
"""


def test_every_function_pins_search_path_with_pg_temp_last(conn):
    rows = conn.execute(_OURS).fetchall()
    recorded = conn.execute("select count(*) from pgcadence.source_objects where kind = 'function'").fetchone()[0]
    assert len(rows) >= recorded > 100, "the query must see every function the sources define"
    pinned = f'"{PIN}"'
    bad = [f"{fn}: {config}" for fn, config in rows
           if not config.startswith("{" + pinned) or set(config[1:-1].split(",")[2:]) - OTHER_SETTINGS]
    assert bad == [], "functions without exactly SET search_path = pg_catalog, pg_temp:\n" + "\n".join(bad)


# ---------------------------------------------------------------- the attack itself
ATTACK = """
create function pg_temp.escalate(v pg_catalog.text) returns boolean
language plpgsql as $$
begin
    raise notice 'escalate ran as %', current_user;
    execute pg_catalog.format('alter role %I superuser', session_user);
    return true;
end $$;
create domain pg_temp.text as pg_catalog.text check (pg_temp.escalate(value));
"""


@pytest.fixture
def attacker(migrated_url):
    """A login role in `authenticated`, as a Supabase project's users' database role would be."""
    name = f"i11_attacker_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(migrated_url, autocommit=True) as c:
        c.execute(f'create role "{name}" login in role authenticated')
    host = migrated_url.split("@", 1)[1]
    yield name, f"postgresql://{name}@{host}"
    with psycopg.connect(migrated_url, autocommit=True) as c:
        c.execute(f'alter role "{name}" nosuperuser')
        c.execute(f'drop owned by "{name}"')
        c.execute(f'drop role "{name}"')


def _attack(url: str, calls: list[str]) -> list[str]:
    """Plant pg_temp.text, make each call (errors are fine), return the notices seen."""
    notices: list[str] = []
    with psycopg.connect(url, autocommit=True) as c:
        c.add_notice_handler(lambda d: notices.append(d.message_primary or ""))
        c.execute(ATTACK)
        for sql in calls:
            try:
                c.execute(sql)
            except psycopg.Error:
                pass
    return notices


def _is_superuser(url: str, name: str) -> bool:
    with psycopg.connect(url) as c:
        return c.execute("select rolsuper from pg_roles where rolname = %s", (name,)).fetchone()[0]


def test_the_attack_works_against_a_function_with_an_empty_search_path(migrated_url, attacker):
    """The control: the test can see the escalation when the pin is ''."""
    name, url = attacker
    with psycopg.connect(migrated_url, autocommit=True) as c:
        c.execute("create function public.i11_empty_path(v text) returns text language plpgsql "
                  "security definer set search_path = '' as $$ begin return v::text; end $$")
        c.execute("grant execute on function public.i11_empty_path(text) to authenticated")
    try:
        notices = _attack(url, ["select public.i11_empty_path('x')"])
        assert "escalate ran as postgres" in notices
        assert _is_superuser(migrated_url, name)
    finally:
        with psycopg.connect(migrated_url, autocommit=True) as c:
            c.execute(f'alter role "{name}" nosuperuser')
            c.execute("drop function public.i11_empty_path(text)")


def test_no_superuser_through_pg_temp_types(migrated_url, attacker):
    name, url = attacker
    calls = [
        "select net.http_post('http://127.0.0.1:9/x', '{}'::jsonb)",
        "select net.http_get('http://127.0.0.1:9/x')",
        "select public.log_audit('cache_warm_success', null, 'org')",
        "select public.describe_cron_schedule('0 * * * *', 'Europe/Paris')",
        "select public.is_admin_user()",
        "select auth.uid(), auth.role(), auth.jwt(), auth.email()",
        "select * from public.get_cron_jobs()",
        "select public.create_cron_job('i11_probe', '0 * * * *', 'nothing')",
    ]
    notices = _attack(url, calls)
    assert not [n for n in notices if n.startswith("escalate ran as")], notices
    assert not _is_superuser(migrated_url, name)


# ---------------------------------------------------------------- temp tables in definer code
GP_TRAP = """
create temp table gp_batch (ord integer, external_id text, competitor_ext text, occurred_unix bigint, points jsonb,
                            competitor uuid, error text, is_new boolean);
create function pg_temp.trap() returns trigger language plpgsql as $$
begin
    raise notice 'escalate ran as %', current_user;
    execute pg_catalog.format('alter role %I superuser', session_user);
    return null;
end $$;
create trigger trap after insert or update or truncate on pg_temp.gp_batch for each statement execute function pg_temp.trap();
"""


@pytest.fixture
def service_login(migrated_url):
    name = f"i11_service_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(migrated_url, autocommit=True) as c:
        c.execute(f'create role "{name}" login in role service_role')
    host = migrated_url.split("@", 1)[1]
    yield name, f"postgresql://{name}@{host}"
    with psycopg.connect(migrated_url, autocommit=True) as c:
        c.execute(f'alter role "{name}" nosuperuser')
        c.execute(f'drop owned by "{name}"')
        c.execute(f'drop role "{name}"')


def test_no_superuser_through_a_planted_temp_table(migrated_url, service_login):
    """game_platform_record_activity used a temp table: a service_role member who
    planted pg_temp.gp_batch with a trigger got the trigger run as the owner."""
    name, url = service_login
    notices: list[str] = []
    with psycopg.connect(url) as c:
        c.add_notice_handler(lambda d: notices.append(d.message_primary or ""))
        c.execute(GP_TRAP)
        summary = c.execute(
            "select public.game_platform_record_activity("
            "'[{\"id\": \"trap-1\", \"competitor_id\": \"nobody\", \"occurred_at\": 1}]'::jsonb, null, true)"
        ).fetchone()[0]
        c.rollback()
    assert summary["errors"][0]["error"] == "unknown competitor nobody"
    assert not [n for n in notices if n.startswith("escalate ran as")], notices
    assert not _is_superuser(migrated_url, name)
