"""pgcadence doctor's security advisor: clean on pgcadence's own schema, and an advisor
for the project's own objects -- one finding per lint class of Supabase's database
advisor, each with its fix."""

from __future__ import annotations

import psycopg

from tests.conftest import run_cli

USER_OBJECTS = """
create table public.adv_open (id int, api_key text);
grant select on public.adv_open to anon;
create table public.adv_policy_only (id int);
create policy adv_everyone_writes on public.adv_policy_only for all to authenticated using (true) with check (true);
create view public.adv_view as select id from public.adv_open;
grant select on public.adv_view to authenticated;
create function public.adv_definer() returns int language sql security definer as 'select 1';
create function public.adv_empty_path() returns int language sql security definer set search_path = '' as 'select 1';
create extension if not exists "uuid-ossp" schema public;
"""
CLEANUP = """
drop view if exists public.adv_view;
drop table if exists public.adv_open, public.adv_policy_only;
drop function if exists public.adv_definer(), public.adv_empty_path();
drop extension if exists "uuid-ossp";
delete from pgcadence.advisor_allowlist where function_identity like 'public.adv_%';
"""


def test_doctor_security_advisor_is_clean_on_pgcadence(migrated_url):
    r = run_cli("doctor", "--database", migrated_url)
    lines = [line for line in r.stdout.splitlines() if "security" in line]
    assert lines == ["PASS  security advisor: no findings (RLS, policies, views, search_path, definer functions, "
                     "sensitive columns, extensions)"], r.stdout


def test_doctor_advises_on_the_projects_own_objects(migrated_url):
    with psycopg.connect(migrated_url, autocommit=True) as c:
        c.execute(USER_OBJECTS)
    try:
        r = run_cli("doctor", "--database", migrated_url)
        assert r.returncode == 1
        found = {line.split(":")[0] for line in r.stdout.splitlines() if line[6:].startswith("security ")}
        assert found == {
            "FAIL  security rls_disabled_in_public", "FAIL  security policy_exists_rls_disabled",
            "FAIL  security rls_policy_always_true", "FAIL  security security_definer_view",
            "FAIL  security function_search_path_mutable", "FAIL  security definer_function_exposed",
            "FAIL  security sensitive_columns_exposed", "WARN  security extension_in_public",
            "WARN  security rls_disabled_in_public",  # adv_policy_only: no API grants yet
        }, r.stdout
        assert "public.adv_open.api_key" in r.stdout and "ALTER VIEW public.adv_view SET (security_invoker = true)" in r.stdout
        assert 'public.adv_empty_path(): search_path = "" does not end with pg_temp' in r.stdout
        # a definer function that checks its caller: allowlisted with its reason, no longer a finding
        with psycopg.connect(migrated_url, autocommit=True) as c:
            c.execute("insert into pgcadence.advisor_allowlist (function_identity, reason) "
                      "values ('public.adv_definer()', 'checks its caller')")
            rows = c.execute("select lint from pgcadence.security_advisor() where object = 'public.adv_definer()'").fetchall()
        assert rows == [("function_search_path_mutable",)]
    finally:
        with psycopg.connect(migrated_url, autocommit=True) as c:
            c.execute(CLEANUP)
