-- Undo 0006: unschedule every job created through create_cron_job / pgcadence.cron_schedule
-- (they call functions that are gone), then drop the tables, indexes and type. The
-- module's functions and standing jobs (sql/cron/) are dropped before this runs.

DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT j.jobid FROM cron.job j
             WHERE j.jobname IN (SELECT m.jobname FROM pgcadence.cron_job_meta m) LOOP
        PERFORM cron.unschedule(r.jobid);
    END LOOP;
END
$$;

DROP INDEX IF EXISTS cron.pgcadence_job_run_details_start_time_idx;
DROP INDEX IF EXISTS cron.pgcadence_job_run_details_jobid_start_time_idx;

DROP TABLE pgcadence.cron_settings;
DROP TABLE pgcadence.cron_job_meta;
DROP TABLE public.job_handlers;
DROP TYPE pgcadence.cron_spec;
