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

* what Supabase does when an extension is created (its after-create scripts, here an
  event trigger): ``CREATE EXTENSION pg_net`` gives the API roles usage on schema net,
  ``CREATE EXTENSION supabase_vault`` gives service_role the Vault API.

``start_supabase_cluster(options=...)`` starts a throwaway cluster (server options are a
parameter) and prepares its database; ``prepare(conn)`` prepares any database
(idempotent). ``start_supabase_cluster(real_extensions=True)`` is *the supabase profile*:
Supabase's real pg_net and supabase_vault preloaded next to pg_cron (pg_net's worker in
the test database; Vault's root key from a ``vault.getkey_script`` generated for the
cluster), so that ``pgcadence migrate`` finds what a hosted Supabase project has.
``real_extensions_missing()`` says whether this machine has them installed
(``.ci/run`` builds them).
"""

from __future__ import annotations

import os
import pwd
import secrets
import subprocess
from pathlib import Path

import psycopg

from pgcadence.embedded import SERVER_USER, pg_bindir
from tests.cluster import CRON_OPTIONS, TestCluster, _connect_when_ready, server_owned_dir, start_cluster

REAL_EXTENSIONS = ("pg_net", "supabase_vault")

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
        ('supabase_functions_admin', 'LOGIN NOINHERIT CREATEROLE'),
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


# Supabase runs a script after certain CREATE EXTENSIONs; these are the grants its scripts
# make for the two extensions pgcadence may create (pg_net: usage on its schema for the
# API roles; supabase_vault: service_role may use the Vault API).
EXTENSION_ACCESS = """
CREATE OR REPLACE FUNCTION extensions.supabase_extension_access() RETURNS event_trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $f$
DECLARE
    created text;
BEGIN
    FOR created IN SELECT e.extname FROM pg_event_trigger_ddl_commands() c
                     JOIN pg_extension e ON e.oid = c.objid WHERE c.object_type = 'extension'
    LOOP
        IF created = 'pg_net' THEN
            GRANT USAGE ON SCHEMA net TO supabase_functions_admin, postgres, anon, authenticated, service_role;
        ELSIF created = 'supabase_vault' THEN
            GRANT USAGE ON SCHEMA vault TO service_role;
            GRANT SELECT, DELETE ON vault.secrets, vault.decrypted_secrets TO service_role;
            GRANT EXECUTE ON FUNCTION vault.create_secret, vault.update_secret, vault._crypto_aead_det_decrypt
                TO service_role;
        END IF;
    END LOOP;
END
$f$;
DROP EVENT TRIGGER IF EXISTS supabase_extension_access;
CREATE EVENT TRIGGER supabase_extension_access ON ddl_command_end WHEN TAG IN ('CREATE EXTENSION')
    EXECUTE FUNCTION extensions.supabase_extension_access();
"""


def prepare(conn: psycopg.Connection) -> None:
    """Make the database look as Supabase makes it (roles, schemas, default privileges,
    the grants that follow creating pg_net or supabase_vault)."""
    for script in (ROLES, SCHEMAS, DEFAULT_PRIVILEGES, EXTENSION_ACCESS):
        conn.execute(script)


def real_extensions_missing() -> list[str]:
    """Which of Supabase's pg_net and supabase_vault this machine's PostgreSQL lacks."""
    pg_config = pg_bindir() / "pg_config"
    if pg_config.exists():
        share = Path(subprocess.run([str(pg_config), "--sharedir"], capture_output=True, text=True,
                                    check=True).stdout.strip())
    else:
        share = Path("/usr/share/postgresql") / pg_bindir().parent.name
    return [e for e in REAL_EXTENSIONS if not (share / "extension" / f"{e}.control").exists()]


def write_getkey_script(directory: Path) -> Path:
    """The program supabase_vault runs at server start to read its root key: prints 64 hex
    characters (a fresh key for this cluster). Mode 0700, owned by the server's OS user."""
    script = directory / "vault_getkey"
    script.write_text(f"#!/bin/sh\necho {secrets.token_hex(32)}\n")
    script.chmod(0o700)
    if os.geteuid() == 0:
        pw = pwd.getpwnam(SERVER_USER)
        os.chown(script, pw.pw_uid, pw.pw_gid)
    return script


def real_extension_options(dbname: str, getkey: Path, base: str = CRON_OPTIONS) -> str:
    """Server options of the supabase profile: pg_net and supabase_vault preloaded after
    pg_cron, pg_net's worker in ``dbname``, Vault's key from ``getkey``."""
    assert "shared_preload_libraries=pg_cron " in base
    return (base.replace("shared_preload_libraries=pg_cron ", "shared_preload_libraries=pg_cron,pg_net,supabase_vault ")
            + f" -c pg_net.database_name={dbname} -c vault.getkey_script={getkey}")


def start_supabase_cluster(options: str = CRON_OPTIONS, dbname: str = "pgcadence",
                           real_extensions: bool = False) -> TestCluster:
    """A throwaway cluster with ``options`` (server settings), its database prepared; with
    ``real_extensions``, the supabase profile (see the module's docstring)."""
    extra_dirs: list[Path] = []
    if real_extensions:
        keydir = server_owned_dir("pgcadence-vaultkey-")
        extra_dirs.append(keydir)
        options = real_extension_options(dbname, write_getkey_script(keydir), options)
    cluster = start_cluster(options, dbname, extra_dirs=extra_dirs)
    try:
        with _connect_when_ready(cluster.url(dbname)) as conn:
            prepare(conn)
    except BaseException:
        cluster.stop()
        raise
    return cluster
