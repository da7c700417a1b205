-- Undo 0001: drop what it created and nothing that was already there.
-- Extensions (pg_cron, pgcrypto) are left installed: dropping pg_cron would also
-- drop every job other software scheduled in cron.job.

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM cron.job WHERE jobname = 'pgcadence_heartbeat') THEN
        PERFORM cron.unschedule('pgcadence_heartbeat');
    END IF;
END
$$;

DROP FUNCTION pgcadence.cron_beat();
DROP TABLE pgcadence.cron_heartbeat;

DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT name FROM pgcadence.created_objects WHERE kind = 'function' LOOP
        EXECUTE format('DROP FUNCTION %s', r.name);
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
