-- Undo 0006: unschedule the jobs it installed and every job created through
-- create_cron_job / pgcadence.cron_schedule (they call functions dropped here),
-- then drop its functions, tables, indexes and type.

DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT j.jobid FROM cron.job j
             WHERE j.jobname IN ('game_platform_sync_incremental', 'game_platform_totals_sweep_hourly', 'cron_history_cleanup')
                OR j.jobname IN (SELECT m.jobname FROM pgcadence.cron_job_meta m) LOOP
        PERFORM cron.unschedule(r.jobid);
    END LOOP;
END
$$;

DROP FUNCTION public.cron_health();
DROP FUNCTION public.set_cron_history_retention(interval);
DROP FUNCTION public.cron_history_cleanup(interval);
DROP FUNCTION public.register_job_handler(text, text);
DROP FUNCTION public.list_job_handlers();
DROP FUNCTION public.run_cron_job_now(text);
DROP FUNCTION public.delete_cron_job(text);
DROP FUNCTION public.create_cron_job(text, text, text, jsonb, integer, text);
DROP FUNCTION public.update_cron_schedule(text, text, text);
DROP FUNCTION public.toggle_cron_job(text, boolean);
DROP FUNCTION public.get_cron_job_runs(integer, text);
DROP FUNCTION public.get_cron_jobs();
DROP FUNCTION public.describe_cron_schedule(text, text);

DROP FUNCTION pgcadence.cron_unschedule(text);
DROP FUNCTION pgcadence.cron_schedule_task(text, text, text, jsonb, integer, text);
DROP FUNCTION pgcadence.cron_enqueue_command(text, jsonb, integer);
DROP FUNCTION pgcadence.cron_schedule(text, text, text, text);
DROP FUNCTION pgcadence.cron_find_job(text);
DROP FUNCTION pgcadence.cron_check_name(text);
DROP FUNCTION pgcadence.cron_caller();
DROP FUNCTION pgcadence.cron_require_admin(text);
DROP FUNCTION pgcadence.cron_next_run_safe(text, text, timestamptz);
DROP FUNCTION pgcadence.cron_describe_safe(text, text);
DROP FUNCTION pgcadence.cron_describe_spec(pgcadence.cron_spec);
DROP FUNCTION pgcadence.cron_en_list(text[]);
DROP FUNCTION pgcadence.cron_next_run(text, text, timestamptz);
DROP FUNCTION pgcadence.cron_if_local(text, text, text, timestamptz);
DROP FUNCTION pgcadence.cron_local_due(text, text, timestamptz);
DROP FUNCTION pgcadence.cron_local_due_spec(pgcadence.cron_spec, text, timestamptz);
DROP FUNCTION pgcadence.cron_utc_schedule(text, text);
DROP FUNCTION pgcadence.cron_zone_offsets(text);
DROP FUNCTION pgcadence.cron_render_field(integer[], integer, integer);
DROP FUNCTION pgcadence.cron_timezone(text);
DROP FUNCTION pgcadence.cron_tz(text);
DROP FUNCTION pgcadence.cron_parse(text, boolean);
DROP FUNCTION pgcadence.cron_next_naive(pgcadence.cron_spec, timestamp);
DROP FUNCTION pgcadence.cron_matches(pgcadence.cron_spec, timestamp);
DROP FUNCTION pgcadence.cron_day_matches(pgcadence.cron_spec, timestamp);
DROP FUNCTION pgcadence.cron_field(text, text, integer, integer, text[], integer);

DROP INDEX IF EXISTS cron.pgcadence_job_run_details_start_time_idx;
DROP INDEX IF EXISTS cron.pgcadence_job_run_details_jobid_start_time_idx;

DROP TABLE pgcadence.cron_settings;
DROP TABLE pgcadence.cron_job_meta;
DROP TABLE public.job_handlers;
DROP TYPE pgcadence.cron_spec;
