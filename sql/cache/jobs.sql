-- The cache module's standing pg_cron jobs.

SELECT cron.schedule('pgcadence_cache_refresh', '* * * * *', 'SELECT pgcadence.cache_enqueue_due_refreshes()');
SELECT cron.schedule('pgcadence_cache_cleanup', '17 3 * * *', 'SELECT pgcadence.cache_cleanup()');
