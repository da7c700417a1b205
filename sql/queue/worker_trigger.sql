-- The job queue's worker trigger: pg_cron calls call_job_queue_worker() every minute, which
-- posts to the worker endpoint (Vault job_queue_worker_endpoint) with the runner
-- secret (Vault job_queue_runner_secret) when jobs are due and processing is on.

-- pg_cron triggers the worker endpoint (/api/jobs/run) through
-- net.http_post, with the endpoint and the shared runner secret read from Vault
-- (`job_queue_worker_endpoint`, `job_queue_runner_secret`) when the job runs — never
-- pasted into cron.job.command. The long-running worker of `pgcadence serve` claims from
-- the same queue; both use the one SKIP LOCKED claim, so they never collide.

-- Post one "process due jobs" call to the worker endpoint; NULL when paused or nothing is due.
CREATE OR REPLACE FUNCTION public.call_job_queue_worker(max_jobs integer DEFAULT 10) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    endpoint text;
    secret text;
BEGIN
    IF max_jobs IS NULL OR max_jobs < 1 OR max_jobs > 100 THEN
        RAISE EXCEPTION 'max_jobs must be between 1 and 100, got %', max_jobs USING ERRCODE = '22023';
    END IF;
    IF (SELECT s.paused FROM pgcadence.job_queue_settings s) THEN
        RETURN NULL;  -- processing paused: no call at all
    END IF;
    IF NOT EXISTS (SELECT 1 FROM public.job_queue q
                    WHERE (q.status = 'pending' AND q.run_at <= pg_catalog.now())
                       OR (q.status = 'running' AND q.locked_until < pg_catalog.now())) THEN
        RETURN NULL;  -- nothing due: spare the endpoint a call every minute
    END IF;
    SELECT d.decrypted_secret INTO endpoint FROM vault.decrypted_secrets d WHERE d.name = 'job_queue_worker_endpoint';
    SELECT d.decrypted_secret INTO secret FROM vault.decrypted_secrets d WHERE d.name = 'job_queue_runner_secret';
    IF endpoint IS NULL OR secret IS NULL THEN
        RAISE EXCEPTION 'job queue trigger is not configured: Vault secret % is missing',
            CASE WHEN endpoint IS NULL THEN 'job_queue_worker_endpoint' ELSE 'job_queue_runner_secret' END
            USING HINT = 'pgcadence secrets set job_queue_worker_endpoint (e.g. http://127.0.0.1:54330/api/jobs/run) '
                         'and job_queue_runner_secret; pgcadence up does both for the embedded cluster';
    END IF;
    RETURN net.http_post(
        url := endpoint,
        body := pg_catalog.jsonb_build_object('limit', max_jobs),
        headers := pg_catalog.jsonb_build_object('Content-Type', 'application/json',
                                                 'Authorization', 'Bearer ' || secret),
        timeout_milliseconds := 30000);
END
$$;
COMMENT ON FUNCTION public.call_job_queue_worker(integer) IS
    'Seed 002 worker trigger: POST {"limit": max_jobs} to Vault job_queue_worker_endpoint with Bearer job_queue_runner_secret. NULL when paused or nothing is due.';

REVOKE ALL ON FUNCTION public.call_job_queue_worker(integer) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.call_job_queue_worker(integer) TO service_role;

SELECT cron.schedule('job_queue_worker', '* * * * *', $$SELECT public.call_job_queue_worker()$$);
