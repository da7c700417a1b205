-- Which implementation of pg_net and of Vault this database uses, and why: Supabase's
-- real extension or pgcadence's shim (migrations 0002 and 0003 choose once, when they
-- run; this file only reports). pgcadence doctor prints one line per surface.

-- A server setting, or NULL when it does not exist or this role may not read it
-- (shared_preload_libraries needs superuser or pg_read_all_settings).
CREATE OR REPLACE FUNCTION pgcadence.readable_setting(name text) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN pg_catalog.current_setting(name, true);
EXCEPTION WHEN insufficient_privilege THEN
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.readable_setting(text) FROM PUBLIC, anon, authenticated;
COMMENT ON FUNCTION pgcadence.readable_setting(text) IS
    'current_setting(name, true), or NULL when the caller may not read that setting.';

-- One row per surface (vault, net): what is in use, whether it can work, and why it
-- was chosen. level: ok (works), fail (installed but cannot work), missing (neither).
CREATE OR REPLACE FUNCTION pgcadence.extension_status()
RETURNS TABLE (surface text, in_use text, level text, reason text)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    preload text := pgcadence.readable_setting('shared_preload_libraries');
    libs text[] := pg_catalog.string_to_array(pg_catalog.replace(coalesce(preload, ''), ' ', ''), ',');
    ext record;
    available boolean;
    net_db text;
    worker_dbs text[];
BEGIN
    -- ------------------------------------------------------------ Vault
    surface := 'vault';
    available := EXISTS (SELECT FROM pg_catalog.pg_available_extensions a WHERE a.name = 'supabase_vault');
    SELECT e.extversion INTO ext FROM pg_catalog.pg_extension e WHERE e.extname = 'supabase_vault';
    IF FOUND THEN
        in_use := 'supabase_vault ' || ext.extversion;
        -- vault.getkey_script exists only where the library was preloaded (and read its root key)
        IF pgcadence.readable_setting('vault.getkey_script') IS NOT NULL THEN
            level := 'ok';
            reason := 'the real extension is installed in this database and preloaded (its root key comes from vault.getkey_script)';
        ELSE
            level := 'fail';
            reason := 'supabase_vault is installed in this database but not in shared_preload_libraries: '
                      'without its root key no secret can be created or read';
        END IF;
    ELSIF pg_catalog.to_regclass('vault.secrets') IS NOT NULL THEN
        in_use := 'pgcadence shim';
        level := 'ok';
        reason := CASE
            WHEN NOT available THEN 'supabase_vault is not installed on this server'
            WHEN preload IS NULL THEN 'supabase_vault is available on this server, but was not preloaded when the migrations ran'
            WHEN 'supabase_vault' = ANY (libs) THEN
                'supabase_vault was not preloaded when the migrations ran; the shim stays (the secrets live in it)'
            ELSE 'supabase_vault is available on this server but not in shared_preload_libraries, '
                 'so it could not read its root key'
        END;
    ELSE
        in_use := 'none';
        level := 'missing';
        reason := 'no vault schema: run pgcadence migrate';
    END IF;
    RETURN NEXT;

    -- ------------------------------------------------------------ pg_net
    surface := 'net';
    available := EXISTS (SELECT FROM pg_catalog.pg_available_extensions a WHERE a.name = 'pg_net');
    SELECT e.extversion INTO ext FROM pg_catalog.pg_extension e WHERE e.extname = 'pg_net';
    IF FOUND THEN
        in_use := 'pg_net ' || ext.extversion;
        net_db := pgcadence.readable_setting('pg_net.database_name');
        -- the worker restarts within a second after net.worker_restart(): look again meanwhile
        FOR attempt IN 1..30 LOOP
            PERFORM pg_catalog.pg_stat_clear_snapshot();
            SELECT pg_catalog.array_agg(DISTINCT a.datname::text) INTO worker_dbs
              FROM pg_catalog.pg_stat_activity a WHERE a.backend_type ILIKE '%pg_net%';
            EXIT WHEN worker_dbs IS NOT NULL;
            PERFORM pg_catalog.pg_sleep(0.1);
        END LOOP;
        IF pg_catalog.current_database() = ANY (worker_dbs) THEN
            level := 'ok';
            reason := 'the real extension is installed here and its background worker sends the requests';
        ELSIF worker_dbs IS NOT NULL OR (net_db IS NOT NULL AND net_db <> pg_catalog.current_database()) THEN
            level := 'fail';
            reason := pg_catalog.format('pg_net''s background worker runs in database %s (pg_net.database_name), not in %s: '
                                        'requests queued here are never sent',
                                        coalesce(worker_dbs[1], net_db), pg_catalog.current_database());
        ELSE
            level := 'fail';
            reason := 'pg_net is installed here but its background worker is not running '
                      '(is pg_net in shared_preload_libraries?): requests queued here are never sent';
        END IF;
    ELSIF pg_catalog.to_regclass('net.http_request_queue') IS NOT NULL THEN
        in_use := 'pgcadence shim';
        level := 'ok';
        reason := CASE
            WHEN NOT available THEN 'pg_net is not installed on this server'
            WHEN preload IS NULL THEN 'pg_net is available on this server, but was not preloaded when the migrations ran'
            WHEN 'pg_net' = ANY (libs) THEN 'pg_net was not preloaded when the migrations ran; the shim stays'
            ELSE 'pg_net is available on this server but not in shared_preload_libraries (its worker cannot run)'
        END || '; pgcadence serve or pgcadence net-worker sends the requests';
    ELSE
        in_use := 'none';
        level := 'missing';
        reason := 'no net schema: run pgcadence migrate';
    END IF;
    RETURN NEXT;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.extension_status() FROM PUBLIC, anon, authenticated;
COMMENT ON FUNCTION pgcadence.extension_status() IS
    'Per surface (vault, net): the real extension or the pgcadence shim in use, ok/fail/missing, and why.';
