-- Undo 0001: drop what it created and nothing that was already there.
-- Extensions (pg_cron, pgcrypto) are left installed: dropping pg_cron would also
-- drop every job other software scheduled in cron.job. The SQL sources (the auth
-- helpers and the heartbeat among them) are dropped before this runs.

DROP TABLE pgcadence.cron_heartbeat;

DO $$
DECLARE
    r record;
BEGIN
    -- functions an older pgcadence recorded here (now sources, dropped already)
    FOR r IN SELECT name FROM pgcadence.created_objects WHERE kind = 'function' LOOP
        EXECUTE format('DROP FUNCTION IF EXISTS %s', r.name);
    END LOOP;
    IF EXISTS (SELECT 1 FROM pgcadence.created_objects WHERE kind = 'schema' AND name = 'auth') THEN
        DROP SCHEMA auth;  -- not CASCADE: if anything else lives there now, keep it and fail loudly
    END IF;
    FOR r IN SELECT name FROM pgcadence.created_objects WHERE kind = 'role' LOOP
        -- privileges granted to the role in this database go with it
        EXECUTE format('DROP OWNED BY %I', r.name);
        BEGIN
            EXECUTE format('DROP ROLE %I', r.name);
        EXCEPTION WHEN dependent_objects_still_exist THEN
            RAISE NOTICE 'role % is still used in another database; kept', r.name;
        END;
    END LOOP;
END
$$;

-- Grants to roles that existed before (Supabase) are left as they were.

DROP TABLE pgcadence.created_objects;
DROP SCHEMA pgcadence;
