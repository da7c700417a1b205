-- Supabase-compatible base: the extensions, roles and schemas every later migration
-- relies on. Anything that already exists (a hosted Supabase database) is left
-- alone; what this migration creates is recorded in pgcadence.created_objects so
-- that the rollback removes exactly that.

-- ============================================================ internal schema
CREATE SCHEMA pgcadence;
COMMENT ON SCHEMA pgcadence IS 'pgcadence internals: bookkeeping and settings; not an API.';
REVOKE ALL ON SCHEMA pgcadence FROM PUBLIC;

CREATE TABLE pgcadence.created_objects (
    kind text NOT NULL CHECK (kind IN ('role', 'schema', 'function', 'extension')),
    name text NOT NULL,
    PRIMARY KEY (kind, name)
);
COMMENT ON TABLE pgcadence.created_objects IS
    'Objects migration 0001 created because they were missing; its rollback drops only these.';

-- ============================================================ extensions
-- pg_cron can only be created in cron.database_name with the library preloaded;
-- the runner checks that before migrating and says how to fix it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') THEN
        CREATE EXTENSION pg_cron;
        INSERT INTO pgcadence.created_objects VALUES ('extension', 'pg_cron');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'extensions') THEN
        CREATE SCHEMA extensions;
        INSERT INTO pgcadence.created_objects VALUES ('schema', 'extensions');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pgcrypto') THEN
        -- in "extensions", as on Supabase, not in public (splinter: extension_in_public)
        CREATE EXTENSION pgcrypto WITH SCHEMA extensions;
        INSERT INTO pgcadence.created_objects VALUES ('extension', 'pgcrypto');
    END IF;
END
$$;

-- ============================================================ roles
-- As Supabase defines them: NOLOGIN, NOINHERIT; service_role bypasses RLS.
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT * FROM (VALUES ('anon', ''), ('authenticated', ''), ('service_role', ' BYPASSRLS')) AS v(name, extra)
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.name) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN NOINHERIT%s', r.name, r.extra);
            INSERT INTO pgcadence.created_objects VALUES ('role', r.name);
        END IF;
    END LOOP;
END
$$;

GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
GRANT USAGE ON SCHEMA extensions TO anon, authenticated, service_role;

-- ============================================================ auth schema
-- Where Supabase keeps auth.uid() and friends; created when missing (their
-- definitions, created only when missing too, are in sql/base/auth.sql).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'auth') THEN
        CREATE SCHEMA auth;
        INSERT INTO pgcadence.created_objects VALUES ('schema', 'auth');
    END IF;
END
$$;

GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;

-- ============================================================ migration bookkeeping
-- yoyo keeps its tables in public; on Supabase public is exposed through the API,
-- so lock them down (RLS on, no policy, no grants to the API roles).
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['_yoyo_migration', '_yoyo_log', '_yoyo_version', 'yoyo_lock']
    LOOP
        IF to_regclass(format('public.%I', t)) IS NOT NULL THEN
            EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t);
            EXECUTE format('REVOKE ALL ON public.%I FROM PUBLIC, anon, authenticated', t);
        END IF;
    END LOOP;
END
$$;

-- ============================================================ scheduler heartbeat
-- One row pg_cron touches every minute (sql/base/heartbeat.sql): proves the scheduler
-- really runs here (pgcadence doctor reads it; the slow test waits for it).
CREATE TABLE pgcadence.cron_heartbeat (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    beats bigint NOT NULL DEFAULT 0,
    beat_at timestamptz
);
INSERT INTO pgcadence.cron_heartbeat DEFAULT VALUES;
