"""A cluster prepared the way Supabase prepares a project database, before pgcadence is
migrated into it -- as far as it matters for privileges:

* the roles: ``anon``, ``authenticated`` (NOLOGIN), ``service_role`` (NOLOGIN, BYPASSRLS),
  ``authenticator`` (LOGIN NOINHERIT, may SET ROLE to the three), ``supabase_admin``
  (superuser), ``supabase_auth_admin`` (owns schema auth), ``dashboard_user``;
* schemas ``extensions`` (pgcrypto, uuid-ossp) and ``auth`` with Supabase's
  ``auth.uid()``, ``auth.role()``, ``auth.email()``, ``auth.jwt()`` (owned by
  supabase_auth_admin, executable by the API roles), usage on public for the API roles;
* the default privileges that make every new table, function and sequence in
  ``public`` fully accessible to anon, authenticated and service_role (for objects
  created by ``postgres`` and by ``supabase_admin``): the reason every pgcadence
  function revokes from anon and authenticated explicitly.

``start_supabase_cluster(options=...)`` starts a throwaway cluster (server options are a
parameter: a profile with the real pg_net and supabase_vault preloaded passes its own)
and prepares its database; ``prepare(conn)`` prepares any database (idempotent).
"""

from __future__ import annotations

import psycopg

from tests.cluster import CRON_OPTIONS, TestCluster, _connect_when_ready, start_cluster

ROLES = """
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT * FROM (VALUES
        ('anon', 'NOLOGIN NOINHERIT'),
        ('authenticated', 'NOLOGIN NOINHERIT'),
        ('service_role', 'NOLOGIN NOINHERIT BYPASSRLS'),
        ('authenticator', 'LOGIN NOINHERIT'),
        ('supabase_admin', 'LOGIN SUPERUSER CREATEDB CREATEROLE REPLICATION BYPASSRLS'),
        ('supabase_auth_admin', 'LOGIN NOINHERIT CREATEROLE'),
        ('dashboard_user', 'NOLOGIN CREATEDB CREATEROLE REPLICATION')) AS v(name, options)
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.name) THEN
            EXECUTE format('CREATE ROLE %I %s', r.name, r.options);
        END IF;
    END LOOP;
END
$$;
GRANT anon, authenticated, service_role TO authenticator;
GRANT anon, authenticated, service_role TO postgres;
"""

SCHEMAS = """
CREATE SCHEMA IF NOT EXISTS extensions;
GRANT USAGE ON SCHEMA extensions TO anon, authenticated, service_role;
CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA extensions;
CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA extensions;

CREATE SCHEMA IF NOT EXISTS auth AUTHORIZATION supabase_auth_admin;
GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
SET ROLE supabase_auth_admin;
CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $f$
  select coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
                  (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'))::uuid
$f$;
CREATE OR REPLACE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS $f$
  select coalesce(nullif(current_setting('request.jwt.claim.role', true), ''),
                  (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role'))::text
$f$;
CREATE OR REPLACE FUNCTION auth.email() RETURNS text LANGUAGE sql STABLE AS $f$
  select coalesce(nullif(current_setting('request.jwt.claim.email', true), ''),
                  (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email'))::text
$f$;
CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS $f$
  select coalesce(nullif(current_setting('request.jwt.claim', true), ''),
                  nullif(current_setting('request.jwt.claims', true), ''))::jsonb
$f$;
RESET ROLE;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA auth TO anon, authenticated, service_role;

GRANT USAGE ON SCHEMA public TO postgres, anon, authenticated, service_role;
"""

DEFAULT_PRIVILEGES = """
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
"""


def prepare(conn: psycopg.Connection) -> None:
    """Make the database look as Supabase makes it (roles, schemas, default privileges)."""
    for script in (ROLES, SCHEMAS, DEFAULT_PRIVILEGES):
        conn.execute(script)


def start_supabase_cluster(options: str = CRON_OPTIONS, dbname: str = "pgcadence") -> TestCluster:
    """A throwaway cluster with ``options`` (server settings), its database prepared."""
    cluster = start_cluster(options, dbname)
    try:
        with _connect_when_ready(cluster.url(dbname)) as conn:
            prepare(conn)
    except BaseException:
        cluster.stop()
        raise
    return cluster
