-- Undo 0009: the cache store, its cron jobs, functions, tables and settings.

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM cron.job WHERE jobname = 'pgcadence_cache_refresh') THEN
        PERFORM cron.unschedule('pgcadence_cache_refresh');
    END IF;
    IF EXISTS (SELECT 1 FROM cron.job WHERE jobname = 'pgcadence_cache_cleanup') THEN
        PERFORM cron.unschedule('pgcadence_cache_cleanup');
    END IF;
END
$$;

DROP FUNCTION pgcadence.cache_cleanup();
DROP FUNCTION pgcadence.cache_enqueue_due_refreshes();
DROP FUNCTION public.cache_record_stats(text, text, jsonb);
DROP FUNCTION public.cache_purge(text, text);
DROP FUNCTION public.cache_set_max_age(text, text, interval);
DROP FUNCTION public.cache_due_for_refresh(text, text, interval);
DROP FUNCTION public.cache_get(text, text);
DROP FUNCTION public.cache_put(text, text, jsonb, timestamptz, timestamptz, interval, text);
DROP FUNCTION pgcadence.cache_check_type(text);
DROP FUNCTION pgcadence.cache_project_id(text, boolean);

DROP TABLE public.cache_stats;
DROP TABLE public.cache_storage;
DROP FUNCTION pgcadence.cache_storage_before_write();
DROP FUNCTION pgcadence.cache_max_data_bytes();
DROP TABLE public.projects;
DROP TABLE pgcadence.cache_settings;
