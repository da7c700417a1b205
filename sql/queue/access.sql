-- Who may read and change the queue's tables and call its functions.

-- what the tables are (comments live here, so that a change reaches every database)
COMMENT ON TABLE public.job_queue IS
    'Durable job queue. Change it through the job_queue_* functions; service_role and admins only.';

-- service_role bypasses RLS; admins read through these (writes go through the functions).
DROP POLICY IF EXISTS job_queue_admin_read ON public.job_queue;
CREATE POLICY job_queue_admin_read ON public.job_queue
    FOR SELECT TO authenticated USING ((SELECT public.is_admin_user()));
DROP POLICY IF EXISTS job_queue_attempt_log_admin_read ON public.job_queue_attempt_log;
CREATE POLICY job_queue_attempt_log_admin_read ON public.job_queue_attempt_log
    FOR SELECT TO authenticated USING ((SELECT public.is_admin_user()));

REVOKE ALL ON public.job_queue, public.job_queue_attempt_log, public.job_queue_attempts, public.job_queue_metrics
    FROM PUBLIC, anon, authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.job_queue, public.job_queue_attempt_log TO service_role;
GRANT SELECT ON public.job_queue, public.job_queue_attempt_log, public.job_queue_attempts, public.job_queue_metrics
    TO authenticated, service_role;

-- worker side: granted next to each function in worker.sql (service_role only)

-- management side: authenticated may call, the function checks is_admin_user()
REVOKE ALL ON FUNCTION public.job_queue_enqueue(text, jsonb, timestamptz, integer, integer, text) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.job_queue_enqueue(text, jsonb, timestamptz, integer, integer, text) TO service_role, authenticated;
REVOKE ALL ON FUNCTION public.job_queue_enqueue_batch(jsonb) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.job_queue_enqueue_batch(jsonb) TO service_role, authenticated;
REVOKE ALL ON FUNCTION public.job_queue_retry(uuid, integer) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.job_queue_retry(uuid, integer) TO service_role, authenticated;
REVOKE ALL ON FUNCTION public.job_queue_cancel(uuid) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.job_queue_cancel(uuid) TO service_role, authenticated;
REVOKE ALL ON FUNCTION public.job_queue_pause() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.job_queue_pause() TO service_role, authenticated;
REVOKE ALL ON FUNCTION public.job_queue_resume() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.job_queue_resume() TO service_role, authenticated;
REVOKE ALL ON FUNCTION public.job_queue_cleanup(interval, text[]) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.job_queue_cleanup(interval, text[]) TO service_role, authenticated;
REVOKE ALL ON FUNCTION public.job_queue_list(text, text, integer) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.job_queue_list(text, text, integer) TO service_role, authenticated;
REVOKE ALL ON FUNCTION public.job_queue_get(uuid) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.job_queue_get(uuid) TO service_role, authenticated;
REVOKE ALL ON FUNCTION public.job_queue_paused() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.job_queue_paused() TO service_role, authenticated;
REVOKE ALL ON FUNCTION public.job_queue_retry_delay(integer, double precision) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.job_queue_retry_delay(integer, double precision) TO service_role, authenticated;
REVOKE ALL ON FUNCTION public.job_queue_health() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.job_queue_health() TO service_role, authenticated;
