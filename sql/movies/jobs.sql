-- The movies module's four standing pg_cron jobs (docs/requirements.md, "Movies").

-- PT jobs keep their schedule in Pacific wall-clock time (pgcadence.cron_schedule's
-- time-zone guard), so they fire at 03:00 / 02:00 / 03:30 PT in winter and summer alike.
-- The commands hold no secret: the key is read from Vault when the job runs.
SELECT pgcadence.cron_schedule('scheduled_ingest_daily', '0 3 * * *',
    $$SELECT public.call_scheduled_ingest('mixed_daily', 30, 'cron')$$, 'America/Los_Angeles');
SELECT pgcadence.cron_schedule('scheduled_ingest_weekly', '0 2 * * 0',
    $$SELECT public.call_scheduled_ingest('mixed_weekly', 80, 'cron')$$, 'America/Los_Angeles');
SELECT pgcadence.cron_schedule('daily_refresh_enqueue', '30 3 * * *',
    $$SELECT public.call_daily_refresh()$$, 'America/Los_Angeles');
SELECT pgcadence.cron_schedule('refresh_worker', '*/10 * * * *',
    $$SELECT public.call_refresh_worker()$$);
