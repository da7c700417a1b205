-- Scheduled refresh and retention: what the standing jobs run.

-- pg_cron, every minute: enqueue one cache_refresh job per due cache (dedupe_key keeps it to
-- one pending or running refresh per cache). Returns how many were enqueued.
CREATE OR REPLACE FUNCTION pgcadence.cache_enqueue_due_refreshes() RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r record;
    n integer := 0;
    attempts integer := (SELECT s.refresh_max_attempts FROM pgcadence.cache_settings s);
BEGIN
    IF pg_catalog.to_regprocedure('public.job_queue_enqueue(text, jsonb, timestamptz, integer, integer, text)') IS NULL THEN
        RAISE WARNING 'cache refresh: public.job_queue_enqueue() is missing (job queue migration not applied); nothing enqueued';
        RETURN 0;
    END IF;
    FOR r IN
        SELECT c.id, p.project_name, c.cache_type
        FROM public.cache_storage c JOIN public.projects p ON p.id = c.project_id
        WHERE c.max_age IS NOT NULL AND p.is_active
          AND (c.last_fetch IS NULL OR c.last_fetch < pg_catalog.now() - c.max_age)
        ORDER BY c.last_fetch NULLS FIRST
        FOR UPDATE OF c SKIP LOCKED
    LOOP
        BEGIN
            PERFORM public.job_queue_enqueue(
                task_type => 'cache_refresh',
                payload => pg_catalog.jsonb_build_object('project', r.project_name, 'cache_type', r.cache_type),
                max_attempts => attempts,
                dedupe_key => 'cache_refresh:' || r.project_name || '/' || r.cache_type);
            UPDATE public.cache_storage SET refresh_enqueued_at = pg_catalog.now() WHERE id = r.id;
            n := n + 1;
        EXCEPTION WHEN unique_violation THEN
            NULL;  -- a refresh of this cache is already pending or running
        END;
    END LOOP;
    RETURN n;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.cache_enqueue_due_refreshes() FROM PUBLIC, anon, authenticated;
COMMENT ON FUNCTION pgcadence.cache_enqueue_due_refreshes() IS
    'Cron: enqueue a cache_refresh job for every cache whose last_fetch is older than its max_age (one live job per cache).';

-- pg_cron, daily: delete caches not written for retention_days. Returns how many.
CREATE OR REPLACE FUNCTION pgcadence.cache_cleanup() RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n integer;
BEGIN
    PERFORM pg_catalog.set_config('pgcadence.cache_operation', 'expire', true);  -- for the operation log
    DELETE FROM public.cache_storage c
    WHERE c.updated_at < pg_catalog.now() - pg_catalog.make_interval(days => c.retention_days);
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM pg_catalog.set_config('pgcadence.cache_operation', '', true);
    RETURN n;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.cache_cleanup() FROM PUBLIC, anon, authenticated;
COMMENT ON FUNCTION pgcadence.cache_cleanup() IS
    'Cron: delete caches whose updated_at is older than their retention_days.';
