-- The queue's standing pg_cron jobs.

-- Delete succeeded jobs older than 14 days, daily at 03:15 UTC.
SELECT cron.schedule('job_queue_cleanup_daily', '15 3 * * *', $$SELECT public.job_queue_cleanup('14 days')$$);
