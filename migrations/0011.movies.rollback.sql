-- Undo 0011: the four cron jobs, then everything seed 003 added (movies and its logs go with it).
-- Refresh jobs stay in job_queue (they belong to the queue's history); they are harmless without a handler.

DO $$
DECLARE
    j text;
BEGIN
    FOREACH j IN ARRAY ARRAY['scheduled_ingest_daily', 'scheduled_ingest_weekly', 'daily_refresh_enqueue', 'refresh_worker'] LOOP
        IF EXISTS (SELECT 1 FROM cron.job WHERE jobname = j) THEN
            PERFORM pgcadence.cron_unschedule(j);
        END IF;
    END LOOP;
END
$$;

DROP FUNCTION public.call_refresh_worker();
DROP FUNCTION public.call_daily_refresh();
DROP FUNCTION public.call_scheduled_ingest(text, integer, text);
DROP FUNCTION pgcadence.call_function(text, jsonb, integer);
DROP FUNCTION public.enqueue_stale_movies(integer);
DROP FUNCTION public.movie_refresh_priority(double precision);
DROP FUNCTION public.log_scheduled_ingestion(text, integer, text, integer, integer, integer, integer, jsonb, integer, timestamptz);
DROP FUNCTION public.ingest_movie_list(jsonb, integer);
DROP FUNCTION public.scheduled_ingest_plan(text, integer);
DROP FUNCTION public.record_movie_fetch(bigint, text, integer, jsonb, jsonb, integer, text, boolean, integer);
DROP FUNCTION public.upsert_movie(jsonb, boolean);
DROP FUNCTION pgcadence.upstream_date(text);
DROP FUNCTION public.tmdb_log_call(text, bigint, integer, jsonb, integer, text, boolean, integer);
DROP FUNCTION pgcadence.header(jsonb, text);
DROP FUNCTION pgcadence.retry_after_seconds(text);
DROP FUNCTION public.tmdb_rate_acquire();
DROP FUNCTION public.tmdb_configure(text, double precision, integer, text, text, integer, integer);
DROP FUNCTION public.tmdb_config();
DROP FUNCTION public.get_stale_movies(integer);
DROP VIEW public.refresh_queue;
DROP FUNCTION public.is_stale(public.movies);
DROP FUNCTION public.is_stale(date, double precision, timestamptz, timestamptz);
DROP TABLE public.sync_state;
DROP TABLE public.tmdb_api_logs;
DROP TABLE public.scheduled_ingestion_log;
DROP TABLE pgcadence.movies_settings;
DROP TABLE public.movies;
DROP FUNCTION public.movie_stale_at(date, double precision, timestamptz, timestamptz);
DROP FUNCTION public.movie_refresh_interval(date, double precision, date);
