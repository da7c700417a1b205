-- Who may read and change the movie tables and call the movie functions.

GRANT EXECUTE ON FUNCTION
    public.get_stale_movies(integer),
    public.tmdb_config(),
    public.tmdb_configure(text, double precision, integer, text, text, integer, integer),
    public.tmdb_rate_acquire(),
    public.tmdb_log_call(text, bigint, integer, jsonb, integer, text, boolean, integer),
    public.upsert_movie(jsonb, boolean),
    public.record_movie_fetch(bigint, text, integer, jsonb, jsonb, integer, text, boolean, integer),
    public.scheduled_ingest_plan(text, integer),
    public.ingest_movie_list(jsonb, integer),
    public.log_scheduled_ingestion(text, integer, text, integer, integer, integer, integer, jsonb, integer, timestamptz),
    public.enqueue_stale_movies(integer),
    public.call_scheduled_ingest(text, integer, text),
    public.call_daily_refresh(),
    public.call_refresh_worker()
TO service_role;

REVOKE ALL ON FUNCTION
    public.movie_refresh_interval(date, double precision, date),
    public.movie_stale_at(date, double precision, timestamptz, timestamptz),
    public.is_stale(date, double precision, timestamptz, timestamptz),
    public.is_stale(public.movies),
    public.movie_refresh_priority(double precision),
    public.get_stale_movies(integer),
    public.tmdb_config(),
    public.tmdb_configure(text, double precision, integer, text, text, integer, integer),
    public.tmdb_rate_acquire(),
    public.tmdb_log_call(text, bigint, integer, jsonb, integer, text, boolean, integer),
    public.upsert_movie(jsonb, boolean),
    public.record_movie_fetch(bigint, text, integer, jsonb, jsonb, integer, text, boolean, integer),
    public.scheduled_ingest_plan(text, integer),
    public.ingest_movie_list(jsonb, integer),
    public.log_scheduled_ingestion(text, integer, text, integer, integer, integer, integer, jsonb, integer, timestamptz),
    public.enqueue_stale_movies(integer),
    public.call_scheduled_ingest(text, integer, text),
    public.call_daily_refresh(),
    public.call_refresh_worker()
FROM PUBLIC, anon, authenticated;

-- the rule itself is public knowledge: anyone who may read movies may evaluate it
GRANT EXECUTE ON FUNCTION
    public.movie_refresh_interval(date, double precision, date),
    public.movie_stale_at(date, double precision, timestamptz, timestamptz),
    public.is_stale(date, double precision, timestamptz, timestamptz),
    public.is_stale(public.movies),
    public.movie_refresh_priority(double precision)
TO authenticated, service_role;

DROP POLICY IF EXISTS movies_read_authenticated ON public.movies;
CREATE POLICY movies_read_authenticated ON public.movies FOR SELECT TO authenticated USING (true);
DROP POLICY IF EXISTS movies_service_role_all ON public.movies;
CREATE POLICY movies_service_role_all ON public.movies FOR ALL TO service_role USING (true) WITH CHECK (true);
DROP POLICY IF EXISTS scheduled_ingestion_log_service_role_all ON public.scheduled_ingestion_log;
CREATE POLICY scheduled_ingestion_log_service_role_all ON public.scheduled_ingestion_log
    FOR ALL TO service_role USING (true) WITH CHECK (true);
DROP POLICY IF EXISTS tmdb_api_logs_service_role_all ON public.tmdb_api_logs;
CREATE POLICY tmdb_api_logs_service_role_all ON public.tmdb_api_logs
    FOR ALL TO service_role USING (true) WITH CHECK (true);
DROP POLICY IF EXISTS sync_state_service_role_all ON public.sync_state;
CREATE POLICY sync_state_service_role_all ON public.sync_state FOR ALL TO service_role USING (true) WITH CHECK (true);

REVOKE ALL ON public.movies, public.scheduled_ingestion_log, public.tmdb_api_logs, public.sync_state,
              public.refresh_queue FROM PUBLIC, anon, authenticated, service_role;
GRANT SELECT ON public.movies TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.movies, public.scheduled_ingestion_log, public.tmdb_api_logs,
                                        public.sync_state TO service_role;
GRANT SELECT ON public.refresh_queue TO service_role;
