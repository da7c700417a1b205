-- Undo 0011: everything it added (movies and its logs go with it). Its functions,
-- view and cron jobs (sql/movies/) are dropped before this runs. Refresh jobs stay in
-- job_queue (they belong to the queue's history); they are harmless without a handler.

DROP TABLE public.sync_state;
DROP TABLE public.tmdb_api_logs;
DROP TABLE public.scheduled_ingestion_log;
DROP TABLE pgcadence.movies_settings;
DROP TABLE public.movies;
DROP FUNCTION public.movie_stale_at(date, double precision, timestamptz, timestamptz);
DROP FUNCTION public.movie_refresh_interval(date, double precision, date);
