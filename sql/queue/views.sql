-- Read-only views over the queue: the attempt history and per-task-type metrics.

-- The whole attempt history, one row per attempt: the log plus the attempt that lives
-- on the job row (running now, or the successful last one).
CREATE OR REPLACE VIEW public.job_queue_attempts WITH (security_invoker = true) AS
SELECT l.job_id, l.attempt, l.worker_id, l.started_at, l.finished_at, l.outcome, l.error, l.duration
FROM public.job_queue_attempt_log l
UNION ALL
SELECT q.id, q.attempts, q.locked_by, q.started_at,
       CASE WHEN q.status = 'succeeded' THEN q.finished_at END,
       CASE WHEN q.status = 'succeeded' THEN 'succeeded' ELSE 'running' END,
       NULL::text,
       CASE WHEN q.status = 'succeeded' THEN q.finished_at - q.started_at END
FROM public.job_queue q
WHERE q.status IN ('running', 'succeeded') AND q.attempts > 0;
COMMENT ON VIEW public.job_queue_attempts IS
    'Attempt history of job_queue, one row per attempt: worker, start, end, outcome (running, succeeded, failed, lease_expired, cancelled, released), error, duration.';

-- Queue health per task type (security_invoker: callers see what RLS lets them).
CREATE OR REPLACE VIEW public.job_queue_metrics WITH (security_invoker = true) AS
SELECT q.task_type,
       pg_catalog.count(*) FILTER (WHERE q.status = 'pending') AS pending,
       pg_catalog.count(*) FILTER (WHERE q.status = 'pending' AND q.run_at <= pg_catalog.now()) AS due,
       pg_catalog.count(*) FILTER (WHERE q.status = 'running') AS running,
       pg_catalog.count(*) FILTER (WHERE q.status = 'succeeded') AS succeeded,
       pg_catalog.count(*) FILTER (WHERE q.status = 'failed') AS failed,
       pg_catalog.count(*) FILTER (WHERE q.status = 'cancelled') AS cancelled,
       pg_catalog.now() - pg_catalog.min(q.run_at) FILTER (WHERE q.status = 'pending' AND q.run_at <= pg_catalog.now())
           AS oldest_pending_age,
       (SELECT pg_catalog.count(*) FROM public.job_queue_attempt_log a JOIN public.job_queue j ON j.id = a.job_id
        WHERE j.task_type = q.task_type AND a.outcome IN ('failed', 'lease_expired')
          AND a.finished_at > pg_catalog.now() - interval '1 hour') AS failures_last_hour
FROM public.job_queue q
GROUP BY q.task_type;
COMMENT ON VIEW public.job_queue_metrics IS
    'Per task type: counts by status, due now, age of the oldest due job, failed attempts in the last hour.';
