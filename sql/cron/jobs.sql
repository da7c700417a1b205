-- The cron module's standing pg_cron jobs.

SELECT pgcadence.cron_schedule('cron_history_cleanup', '45 3 * * *', 'SELECT public.cron_history_cleanup()', NULL);
