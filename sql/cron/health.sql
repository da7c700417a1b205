-- Run-history hygiene and cron_health(): what the troubleshooting checklist checks.

-- Delete run history older than "keep" (default: the configured retention, 7 days).
CREATE OR REPLACE FUNCTION public.cron_history_cleanup(keep interval DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    n bigint;
    cutoff timestamptz;
BEGIN
    PERFORM pgcadence.cron_require_admin('cron_history_cleanup');
    keep := coalesce(keep, (SELECT s.history_retention FROM pgcadence.cron_settings s));
    IF keep < interval '1 hour' THEN
        RAISE EXCEPTION 'keep must be at least 1 hour (got %)', keep USING ERRCODE = '22023';
    END IF;
    cutoff := pg_catalog.now() - keep;
    DELETE FROM cron.job_run_details d WHERE d.start_time < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
COMMENT ON FUNCTION public.cron_history_cleanup(interval) IS
    'Delete cron.job_run_details rows that started more than keep ago (default: set_cron_history_retention, 7 days). Returns the count. Admin only.';

-- Set how long cron_history_cleanup keeps run history.
CREATE OR REPLACE FUNCTION public.set_cron_history_retention(keep interval)
RETURNS interval
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    PERFORM pgcadence.cron_require_admin('set_cron_history_retention');
    IF keep IS NULL OR keep < interval '1 hour' THEN
        RAISE EXCEPTION 'keep must be at least 1 hour (got %)', coalesce(keep::text, 'null') USING ERRCODE = '22023';
    END IF;
    UPDATE pgcadence.cron_settings SET history_retention = keep, updated_at = pg_catalog.now();
    RETURN keep;
END
$$;
COMMENT ON FUNCTION public.set_cron_history_retention(interval) IS 'How long cron_history_cleanup keeps cron.job_run_details rows (default 7 days). Admin only.';
COMMENT ON FUNCTION public.cron_health() IS
    'Cron health (seed 002 troubleshooting): failed last runs, never-run jobs, long/overlapping runs, net backlog and responses, history size and indexes, time-zone and handler checks. Admin only.';
REVOKE ALL ON FUNCTION public.cron_history_cleanup(interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.set_cron_history_retention(interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.cron_health() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.cron_history_cleanup(interval) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.set_cron_history_retention(interval) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.cron_health() TO authenticated, service_role;
