SELECT cron.unschedule('job_queue_worker') WHERE EXISTS (SELECT 1 FROM cron.job WHERE jobname = 'job_queue_worker');
DROP FUNCTION public.call_job_queue_worker(integer);
