-- Movies (migration 0011): tables, RLS, privileges, definer functions, the staleness rule.
SELECT plan(76);

-- ------------------------------------------------------------ shape
SELECT has_table('public', 'movies', 'movies exists');
SELECT has_table('public', 'scheduled_ingestion_log', 'scheduled_ingestion_log exists');
SELECT has_table('public', 'tmdb_api_logs', 'tmdb_api_logs exists');
SELECT has_table('public', 'sync_state', 'sync_state exists');
SELECT has_view('public', 'refresh_queue', 'refresh_queue is a view over the job queue');
SELECT col_is_pk('public', 'movies', 'tmdb_id', 'movies are keyed by the upstream id');
SELECT has_column('public', 'movies', 'stale_at', 'movies.stale_at exists');
SELECT is((SELECT attgenerated::text FROM pg_attribute WHERE attrelid = 'public.movies'::regclass AND attname = 'stale_at'),
          's', 'stale_at is a stored generated column (cannot drift from the rule)');
SELECT has_index('public', 'movies', 'movies_stale_at_idx', ARRAY['stale_at', 'tmdb_id']);
SELECT columns_are('public', 'refresh_queue',
    ARRAY['id', 'work_id', 'status', 'priority', 'retry_count', 'attempts', 'max_attempts', 'last_error',
          'queued_at', 'next_attempt_at', 'started_at', 'finished_at', 'updated_at']);
SELECT ok((SELECT reloptions @> ARRAY['security_invoker=true'] FROM pg_class WHERE oid = 'public.refresh_queue'::regclass),
          'refresh_queue is a security_invoker view (the job queue''s RLS applies)');

-- ------------------------------------------------------------ RLS and policies
SELECT is((SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_class c
            WHERE c.oid IN ('public.movies'::regclass, 'public.scheduled_ingestion_log'::regclass,
                            'public.tmdb_api_logs'::regclass, 'public.sync_state'::regclass,
                            'pgcadence.movies_settings'::regclass)
              AND c.relrowsecurity),
          ARRAY['movies', 'movies_settings', 'scheduled_ingestion_log', 'sync_state', 'tmdb_api_logs'],
          'RLS is on for every table of 0011');
SELECT policies_are('public', 'movies', ARRAY['movies_read_authenticated', 'movies_service_role_all']);
SELECT policy_roles_are('public', 'movies', 'movies_read_authenticated', ARRAY['authenticated']);
SELECT is((SELECT cmd FROM pg_policies WHERE schemaname = 'public' AND tablename = 'movies' AND policyname = 'movies_read_authenticated'),
          'SELECT', 'authenticated may only read movies');
SELECT policies_are('public', 'scheduled_ingestion_log', ARRAY['scheduled_ingestion_log_service_role_all']);
SELECT policy_roles_are('public', 'scheduled_ingestion_log', 'scheduled_ingestion_log_service_role_all', ARRAY['service_role']);
SELECT policies_are('public', 'tmdb_api_logs', ARRAY['tmdb_api_logs_service_role_all']);
SELECT policy_roles_are('public', 'tmdb_api_logs', 'tmdb_api_logs_service_role_all', ARRAY['service_role']);
SELECT policies_are('public', 'sync_state', ARRAY['sync_state_service_role_all']);
SELECT policy_roles_are('public', 'sync_state', 'sync_state_service_role_all', ARRAY['service_role']);
SELECT is((SELECT count(*)::int FROM pg_policies WHERE schemaname = 'public'
            AND tablename IN ('movies', 'scheduled_ingestion_log', 'tmdb_api_logs', 'sync_state')
            AND cmd <> 'SELECT' AND NOT (roles = '{service_role}')),
          0, 'no write policy for anyone but service_role');

-- ------------------------------------------------------------ table privileges
SELECT table_privs_are('public', 'movies', 'anon', '{}'::text[]);
SELECT table_privs_are('public', 'movies', 'authenticated', ARRAY['SELECT']);
SELECT table_privs_are('public', 'movies', 'service_role', ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']);
SELECT table_privs_are('public', 'scheduled_ingestion_log', 'authenticated', '{}'::text[]);
SELECT table_privs_are('public', 'scheduled_ingestion_log', 'anon', '{}'::text[]);
SELECT table_privs_are('public', 'tmdb_api_logs', 'authenticated', '{}'::text[]);
SELECT table_privs_are('public', 'sync_state', 'authenticated', '{}'::text[]);
SELECT table_privs_are('public', 'refresh_queue', 'authenticated', '{}'::text[]);
SELECT table_privs_are('public', 'refresh_queue', 'anon', '{}'::text[]);
SELECT table_privs_are('public', 'refresh_queue', 'service_role', ARRAY['SELECT']);
SELECT table_privs_are('pgcadence', 'movies_settings', 'service_role', '{}'::text[]);

-- ------------------------------------------------------------ functions: definer, search_path, EXECUTE
SELECT is(
    (SELECT array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text) FROM pg_proc p
      WHERE p.prosecdef AND p.oid IN (
            'public.get_stale_movies(integer)'::regprocedure, 'public.tmdb_config()'::regprocedure,
            'public.tmdb_rate_acquire()'::regprocedure, 'public.upsert_movie(jsonb, boolean)'::regprocedure,
            'public.enqueue_stale_movies(integer)'::regprocedure, 'public.call_scheduled_ingest(text, integer, text)'::regprocedure,
            'public.call_daily_refresh()'::regprocedure, 'public.call_refresh_worker()'::regprocedure)),
    ARRAY['call_daily_refresh()', 'call_refresh_worker()', 'call_scheduled_ingest(text,integer,text)',
          'enqueue_stale_movies(integer)', 'tmdb_config()', 'tmdb_rate_acquire()', 'upsert_movie(jsonb,boolean)'],
    'the writers and call_* are SECURITY DEFINER; get_stale_movies runs as the caller');
SELECT is(
    (SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
      WHERE p.pronamespace IN ('public'::regnamespace, 'pgcadence'::regnamespace)
        AND p.proname IN ('movie_refresh_interval', 'movie_stale_at', 'is_stale', 'get_stale_movies', 'tmdb_config',
                          'tmdb_configure', 'tmdb_rate_acquire', 'tmdb_log_call', 'upsert_movie', 'record_movie_fetch',
                          'scheduled_ingest_plan', 'ingest_movie_list', 'log_scheduled_ingestion', 'movie_refresh_priority',
                          'enqueue_stale_movies', 'call_scheduled_ingest', 'call_daily_refresh', 'call_refresh_worker',
                          'call_function', 'retry_after_seconds', 'header', 'upstream_date')
        AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)),
    NULL, 'every function of 0011 pins search_path (pg_catalog, pg_temp)');
SELECT is(
    (SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
      WHERE p.prosecdef AND p.pronamespace = 'public'::regnamespace
        AND (has_function_privilege('anon', p.oid, 'EXECUTE') OR has_function_privilege('authenticated', p.oid, 'EXECUTE'))
        AND p.proname IN ('tmdb_config', 'tmdb_configure', 'tmdb_rate_acquire', 'tmdb_log_call', 'upsert_movie',
                          'record_movie_fetch', 'ingest_movie_list', 'log_scheduled_ingestion', 'enqueue_stale_movies',
                          'call_scheduled_ingest', 'call_daily_refresh', 'call_refresh_worker')),
    NULL, 'no definer function of 0011 is executable by anon or authenticated');
SELECT function_privs_are('public', 'call_scheduled_ingest', ARRAY['text', 'integer', 'text'], 'service_role', ARRAY['EXECUTE']);
SELECT function_privs_are('public', 'call_scheduled_ingest', ARRAY['text', 'integer', 'text'], 'authenticated', '{}'::text[]);
SELECT function_privs_are('public', 'call_daily_refresh', '{}'::text[], 'anon', '{}'::text[]);
SELECT function_privs_are('public', 'tmdb_config', '{}'::text[], 'authenticated', '{}'::text[]);
SELECT function_privs_are('public', 'get_stale_movies', ARRAY['integer'], 'service_role', ARRAY['EXECUTE']);
SELECT function_privs_are('public', 'get_stale_movies', ARRAY['integer'], 'anon', '{}'::text[]);
SELECT function_privs_are('public', 'is_stale', ARRAY['date', 'double precision', 'timestamp with time zone', 'timestamp with time zone'],
                          'authenticated', ARRAY['EXECUTE']);
SELECT is(pg_get_function_arguments('public.call_scheduled_ingest(text, integer, text)'::regprocedure),
          'source text DEFAULT ''mixed_daily''::text, limit_count integer DEFAULT 30, trigger text DEFAULT ''cron''::text',
          'call_scheduled_ingest(source, limit, trigger)');

-- ------------------------------------------------------------ the staleness rule
SELECT is(movie_refresh_interval(date '2026-01-01', 1, date '2026-01-10'), interval '1 day', 'new release: 1 day');
SELECT is(movie_refresh_interval(date '2026-01-01', 1, date '2026-03-01'), interval '3 days', '<= 90 days old: 3 days');
SELECT is(movie_refresh_interval(date '2025-06-01', 1, date '2026-01-01'), interval '7 days', '<= 1 year old: 7 days');
SELECT is(movie_refresh_interval(date '2023-01-01', 1, date '2026-01-01'), interval '30 days', '<= 5 years old: 30 days');
SELECT is(movie_refresh_interval(date '1990-01-01', 1, date '2026-01-01'), interval '90 days', 'old catalogue: 90 days');
SELECT is(movie_refresh_interval(date '1990-01-01', 150, date '2026-01-01'), interval '22 days 12:00:00', 'popular (>= 100): a quarter');
SELECT is(movie_refresh_interval(date '1990-01-01', 50, date '2026-01-01'), interval '45 days', 'popular (>= 20): half');
SELECT is(movie_refresh_interval(date '2026-01-01', 500, date '2026-01-02'), interval '1 day', 'never below 1 day');
SELECT is(movie_refresh_interval(NULL, 1, date '2026-01-01'), interval '30 days', 'unknown release date: 30 days');
SELECT is(movie_refresh_interval(date '2027-06-01', 1, date '2026-01-01'), interval '1 day', 'not yet released: 1 day');
SELECT ok(is_stale(current_date - 10, 1, now() - interval '2 days'), 'a new release refreshed 2 days ago is stale');
SELECT ok(NOT is_stale(date '1980-01-01', 1, now() - interval '30 days'), 'old catalogue refreshed 30 days ago is not');
SELECT ok(is_stale(date '1980-01-01', 1, NULL), 'never refreshed is stale');

-- stale_at follows the row; gone movies are never stale; get_stale_movies orders stalest first
DELETE FROM public.movies;
SELECT upsert_movie('{"id": 91, "title": "Fresh", "release_date": "1980-01-01", "popularity": 1}', true);
SELECT upsert_movie('{"id": 92, "title": "Listed only", "release_date": "1980-01-01", "popularity": 1}', false);
SELECT upsert_movie('{"id": 93, "title": "Overdue", "release_date": "2023-01-01", "popularity": 1}', true);
UPDATE public.movies SET last_refreshed_at = now() - interval '60 days' WHERE tmdb_id = 93;
SELECT upsert_movie('{"id": 94, "title": "Gone", "release_date": "2020-01-01", "popularity": 1}', false);
UPDATE public.movies SET gone_at = now() WHERE tmdb_id = 94;
SELECT is((SELECT stale_at FROM public.movies WHERE tmdb_id = 93), now() - interval '60 days' + interval '30 days',
          'stale_at = last refresh + the rule''s interval');
SELECT is((SELECT stale_at FROM public.movies WHERE tmdb_id = 94), NULL, 'a gone movie has no stale_at');
SELECT results_eq('SELECT tmdb_id FROM get_stale_movies(10)', ARRAY[92::bigint, 93::bigint],
                  'get_stale_movies: never refreshed first, then the most overdue; fresh and gone ones left out');
SELECT throws_ok('SELECT * FROM get_stale_movies(0)', '22023', NULL, 'get_stale_movies refuses a limit below 1');
SELECT throws_ok('SELECT * FROM get_stale_movies(NULL)', '22023', NULL, 'get_stale_movies refuses a NULL limit');
SELECT throws_ok($$SELECT call_scheduled_ingest('nonsense', 5, 'manual')$$, '22023', NULL, 'unknown source is refused');
SELECT throws_ok($$SELECT upsert_movie('{"title": "no id"}')$$, '22023', NULL, 'a document without id is refused');
SELECT is(upsert_movie('{"id": 95, "release_date": "2023-02-30"}'), 'inserted', 'an impossible release date is stored as unknown');


-- ------------------------------------------------------------ the shared rate gate
SELECT tmdb_configure(requests_per_second => 4);
UPDATE pgcadence.movies_settings SET next_request_at = now() - interval '1 hour';
SELECT is(tmdb_rate_acquire(), 0::double precision, 'an idle gate: the first request goes at once');
CREATE TEMP TABLE gate AS SELECT next_request_at AS first_next FROM pgcadence.movies_settings;
SELECT tmdb_rate_acquire(), tmdb_rate_acquire();
SELECT is((SELECT s.next_request_at - g.first_next FROM pgcadence.movies_settings s, gate g), interval '0.5 seconds',
          'each request reserves 1/requests_per_second: slots 250 ms apart');
SELECT tmdb_log_call('/movie/1', 1, 429, '{"Retry-After": "30"}', 3);
SELECT ok(tmdb_rate_acquire() > 29, 'a 429 pauses every sender for Retry-After seconds');

-- ------------------------------------------------------------ RLS as the API roles
GRANT USAGE ON SCHEMA tap TO anon, authenticated, service_role;
GRANT ALL ON TABLE __tcache__ TO anon, authenticated, service_role;
GRANT ALL ON SEQUENCE __tcache___id_seq, __tresults___numb_seq TO anon, authenticated, service_role;
SET LOCAL ROLE authenticated;
SELECT is((SELECT count(*)::int FROM public.movies), 5, 'authenticated reads movies');
SELECT throws_ok('INSERT INTO public.movies (tmdb_id) VALUES (95)', '42501', NULL, 'authenticated cannot write movies');
SELECT throws_ok('SELECT * FROM public.scheduled_ingestion_log', '42501', NULL, 'authenticated cannot read the ingestion log');
SELECT throws_ok('SELECT * FROM public.refresh_queue', '42501', NULL, 'authenticated cannot read the refresh queue');
SELECT throws_ok('SELECT call_refresh_worker()', '42501', NULL, 'authenticated cannot call the cron entry points');
RESET ROLE;
SET LOCAL ROLE anon;
SELECT throws_ok('SELECT * FROM public.movies', '42501', NULL, 'anon cannot read movies');
RESET ROLE;
SET LOCAL ROLE service_role;
SELECT lives_ok($$SELECT enqueue_stale_movies(10)$$, 'service_role enqueues stale movies');
SELECT is((SELECT array_agg(work_id ORDER BY work_id) FROM public.refresh_queue WHERE status = 'pending' AND work_id IN (91, 92, 93, 94)),
          ARRAY[92::bigint, 93::bigint], 'the stale movies are queued as refresh_movie jobs');
RESET ROLE;

SELECT * FROM finish();
