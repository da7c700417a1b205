-- Undo 0005: the job queue, and profiles / is_admin_user() when this migration created them.

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM cron.job WHERE jobname = 'job_queue_cleanup_daily') THEN
        PERFORM cron.unschedule('job_queue_cleanup_daily');
    END IF;
END
$$;

DROP VIEW public.job_queue_metrics;
DROP VIEW public.job_queue_attempts;
DROP TRIGGER job_queue_notify ON public.job_queue;
DROP FUNCTION pgcadence.job_queue_notify();
DROP FUNCTION public.job_queue_get(uuid);
DROP FUNCTION public.job_queue_list(text, text, integer);
DROP FUNCTION public.job_queue_cleanup(interval, text[]);
DROP FUNCTION public.job_queue_next_run_at();
DROP FUNCTION public.job_queue_paused();
DROP FUNCTION public.job_queue_resume();
DROP FUNCTION public.job_queue_pause();
DROP FUNCTION public.job_queue_cancel(uuid);
DROP FUNCTION public.job_queue_retry(uuid, integer);
DROP FUNCTION pgcadence.job_queue_not_found(text, uuid);
DROP FUNCTION public.job_queue_release(uuid, integer, text);
DROP FUNCTION public.job_queue_heartbeat(uuid, interval, integer);
DROP FUNCTION public.job_queue_fail(uuid, text, integer);
DROP FUNCTION public.job_queue_complete_batch(uuid[], integer[], jsonb[]);
DROP FUNCTION public.job_queue_complete(uuid, jsonb, integer);
DROP FUNCTION public.job_queue_claim(integer, text, interval);
DROP FUNCTION public.job_queue_enqueue_batch(jsonb);
DROP FUNCTION public.job_queue_enqueue(text, jsonb, timestamptz, integer, integer, text);
DROP FUNCTION pgcadence.job_queue_check(text, text, jsonb, integer, integer);
DROP FUNCTION public.job_queue_retry_delay(integer, double precision);
DROP FUNCTION pgcadence.job_queue_require_manager(text);
DROP TABLE public.job_queue_attempt_log;
DROP TABLE public.job_queue;
DROP TABLE pgcadence.job_queue_settings;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pgcadence.created_objects WHERE kind = 'function' AND name = 'public.is_admin_user()') THEN
        DROP FUNCTION public.is_admin_user();
        DELETE FROM pgcadence.created_objects WHERE kind = 'function' AND name = 'public.is_admin_user()';
    END IF;
    -- only the table this migration created (marked by its comment); a project's own stays
    IF obj_description('public.profiles'::regclass, 'pg_class') LIKE 'pgcadence:%' THEN
        DROP TABLE public.profiles;
    END IF;
END
$$;
