-- The scheduler heartbeat: a pg_cron job that touches pgcadence.cron_heartbeat every
-- minute, proving pg_cron really runs in this database (pgcadence doctor reads it).

-- Called by the pgcadence_heartbeat cron job.
CREATE OR REPLACE FUNCTION pgcadence.cron_beat() RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    UPDATE pgcadence.cron_heartbeat SET beats = beats + 1, beat_at = pg_catalog.now();
$$;
REVOKE ALL ON FUNCTION pgcadence.cron_beat() FROM PUBLIC, anon, authenticated;

SELECT cron.schedule('pgcadence_heartbeat', '* * * * *', 'SELECT pgcadence.cron_beat()');
