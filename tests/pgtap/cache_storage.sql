-- The persistent cache store (migration 0009): schema, RLS and privileges, the SQL API,
-- size limit, data_size, refresh timing, retention.
SELECT plan(83);

-- ------------------------------------------------------------ schema
SELECT has_table('public', 'projects', 'projects exists');
SELECT has_table('public', 'cache_storage', 'cache_storage exists');
SELECT has_table('public', 'cache_stats', 'cache_stats exists');
SELECT columns_are('public', 'cache_storage', ARRAY[
    'id', 'project_id', 'cache_type', 'data', 'last_fetch', 'last_rich_fetch', 'data_size', 'cache_version',
    'retention_days', 'max_age', 'refresh_enqueued_at', 'metadata', 'created_at', 'updated_at'],
    'cache_storage has the documented columns plus max_age and refresh_enqueued_at');
SELECT col_type_is('public', 'cache_storage', 'data', 'jsonb', 'data is jsonb');
SELECT col_type_is('public', 'cache_storage', 'last_fetch', 'timestamp with time zone', 'last_fetch is timestamptz');
SELECT col_is_unique('public', 'cache_storage', ARRAY['project_id', 'cache_type'], 'one cache per (project, type)');
SELECT col_is_unique('public', 'projects', ARRAY['project_name'], 'project names are unique');
SELECT fk_ok('public', 'cache_storage', 'project_id', 'public', 'projects', 'id');
SELECT indexes_are('public', 'cache_storage', ARRAY[
    'cache_storage_pkey', 'cache_storage_project_id_cache_type_key', 'idx_cache_type', 'idx_project_id',
    'idx_updated_at', 'idx_data_size', 'idx_cache_storage_refresh'], 'the documented indexes and the scheduler''s');
SELECT col_default_is('public', 'cache_storage', 'cache_version', '1.0'::character varying, 'cache_version defaults to 1.0');
SELECT col_default_is('public', 'cache_storage', 'retention_days', 30, 'retention defaults to 30 days');
SELECT is((SELECT max_data_bytes FROM pgcadence.cache_settings), 10485760::bigint, 'default size limit is 10 MB');

-- ------------------------------------------------------------ RLS and privileges
SELECT ok(relrowsecurity, relname || ' has RLS enabled') FROM pg_class
 WHERE oid IN ('public.projects'::regclass, 'public.cache_storage'::regclass, 'public.cache_stats'::regclass)
 ORDER BY relname;
SELECT policies_are('public', 'cache_storage', ARRAY['Service role can manage cache']);
SELECT policy_roles_are('public', 'cache_storage', 'Service role can manage cache', ARRAY['service_role']);
SELECT policy_roles_are('public', 'projects', 'Service role can manage projects', ARRAY['service_role']);
SELECT table_privs_are('public', 'cache_storage', 'anon', ARRAY[]::text[], 'anon: no access to cache_storage');
SELECT table_privs_are('public', 'cache_storage', 'authenticated', ARRAY[]::text[], 'authenticated: no access to cache_storage');
SELECT table_privs_are('public', 'projects', 'anon', ARRAY[]::text[], 'anon: no access to projects');
SELECT table_privs_are('public', 'cache_stats', 'authenticated', ARRAY[]::text[], 'authenticated: no access to cache_stats');
SELECT table_privs_are('public', 'cache_storage', 'service_role', ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']);
SELECT function_privs_are('public', 'cache_put', ARRAY['text', 'text', 'jsonb', 'timestamptz', 'timestamptz', 'interval', 'text'],
                          'anon', ARRAY[]::text[], 'anon cannot call cache_put');
SELECT function_privs_are('public', 'cache_get', ARRAY['text', 'text'], 'authenticated', ARRAY[]::text[],
                          'authenticated cannot call cache_get');
SELECT function_privs_are('public', 'cache_get', ARRAY['text', 'text'], 'service_role', ARRAY['EXECUTE'],
                          'service_role can call cache_get');
SELECT ok(NOT has_function_privilege('public', 'pgcadence.cache_enqueue_due_refreshes()', 'EXECUTE'),
          'PUBLIC cannot call the cron functions');

-- every definer function: search_path pinned, not executable by PUBLIC
SELECT ok(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], p.oid::regprocedure::text || ' pins search_path')
  FROM pg_proc p
 WHERE p.prosecdef AND p.oid::regprocedure::text ~ '(cache_|cache_storage)'
   AND p.proname !~ 'warm'  -- the mandates module's cache warming is not this cache
 ORDER BY 1;
SELECT is(count(*)::int, 0, 'no cache definer function is executable by PUBLIC')
  FROM pg_proc p
 WHERE p.prosecdef AND p.proname ~ '^cache_' AND has_function_privilege('public', p.oid, 'EXECUTE');

-- anon and authenticated are refused, service_role works (probes run under each role,
-- the assertions after RESET ROLE: pgTAP itself is not usable by those roles)
CREATE TEMP TABLE probes (label text PRIMARY KEY, outcome text);
GRANT ALL ON probes TO anon, authenticated, service_role;
CREATE FUNCTION pg_temp.probe(label text, sql text) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
    BEGIN
        EXECUTE sql;
        INSERT INTO pg_temp.probes VALUES (label, 'ok');
    EXCEPTION WHEN others THEN
        INSERT INTO pg_temp.probes VALUES (label, SQLSTATE);
    END;
END
$f$;
SET LOCAL ROLE anon;
SELECT pg_temp.probe('anon select', 'SELECT * FROM public.cache_storage');
SELECT pg_temp.probe('anon get', $$SELECT * FROM public.cache_get('p', 'strava')$$);
RESET ROLE;
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"role": "service_role"}';
SELECT pg_temp.probe('authenticated put', $$SELECT public.cache_put('p', 'strava', '{}')$$);
SELECT pg_temp.probe('authenticated insert', $$INSERT INTO public.projects (project_name) VALUES ('sneaky')$$);
RESET ROLE;
SET LOCAL request.jwt.claims = '';
SET LOCAL ROLE service_role;
SELECT pg_temp.probe('service put', $$SELECT public.cache_put('tapproj', 'strava', '{"activities": [1, 2]}',
                                       now() - interval '1 hour', NULL, interval '6 hours')$$);
SELECT pg_temp.probe('service select', $$SELECT 1/count(*) FROM public.cache_storage$$);
RESET ROLE;
SELECT is((SELECT outcome FROM probes WHERE label = 'anon select'), '42501', 'anon cannot read cache_storage');
SELECT is((SELECT outcome FROM probes WHERE label = 'anon get'), '42501', 'anon cannot call cache_get');
SELECT is((SELECT outcome FROM probes WHERE label = 'authenticated put'), '42501',
          'authenticated cannot write, whatever its JWT claims');
SELECT is((SELECT outcome FROM probes WHERE label = 'authenticated insert'), '42501', 'authenticated cannot create projects');
SELECT is((SELECT outcome FROM probes WHERE label = 'service put'), 'ok', 'service_role writes through cache_put');
SELECT is((SELECT outcome FROM probes WHERE label = 'service select'), 'ok', 'service_role reads the table directly');
SELECT is((SELECT data FROM public.cache_get('tapproj', 'strava')), '{"activities": [1, 2]}'::jsonb, 'the write is there');

-- ------------------------------------------------------------ validation
SELECT throws_ok($$SELECT public.cache_put('tapproj', 'Bad Type!', '{}')$$, '22023',
                 'invalid cache_type ''Bad Type!'': 1-50 lowercase letters, digits or "_", starting with a letter');
SELECT throws_ok($$SELECT public.cache_put('bad project', 'strava', '{}')$$, '22023', NULL, 'bad project names are refused');
SELECT throws_ok($$SELECT public.cache_put('tapproj', 'strava', '[1, 2]')$$, '22023',
                 'cache data for tapproj/strava must be a JSON object, not array');
SELECT throws_ok($$SELECT public.cache_put('tapproj', 'strava', NULL)$$, '22023',
                 'cache data for tapproj/strava must be a JSON object, not NULL');
SELECT throws_ok($$SELECT public.cache_put('tapproj', 'strava', '{"a": 1')$$, '22P02', NULL, 'malformed JSON is refused');
SELECT throws_ok($$SELECT public.cache_put('tapproj', 'strava', '{}', now(), NULL, interval '-1 hour')$$, '22023', NULL,
                 'a negative max_age is refused');
SELECT throws_ok($$INSERT INTO public.cache_storage (project_id, cache_type, data, data_size)
                   SELECT id, 'UPPER', '{}', 0 FROM public.projects WHERE project_name = 'tapproj'$$,
                 '23514', NULL, 'the table itself checks the cache_type pattern');
SELECT throws_ok($$UPDATE public.cache_storage SET cache_version = 'v2!' $$, '23514', NULL, 'cache_version is checked');
SELECT is((SELECT data FROM public.cache_get('tapproj', 'strava')), '{"activities": [1, 2]}'::jsonb,
          'refused writes changed nothing');

-- ------------------------------------------------------------ size limit and data_size
UPDATE pgcadence.cache_settings SET max_data_bytes = 64;
SELECT throws_ok($$SELECT public.cache_put('tapproj', 'strava', jsonb_build_object('blob', repeat('x', 100)))$$,
                 '54000', 'cache data for tapproj/strava is 112 bytes, over the limit of 64 bytes',
                 'oversized data is refused with a clear error');
SELECT throws_ok($$SELECT public.cache_put('tapproj', 'newtype', jsonb_build_object('blob', repeat('x', 100)))$$,
                 '54000', NULL, 'also on insert');
SELECT is((SELECT count(*)::int FROM public.cache_storage c JOIN public.projects p ON p.id = c.project_id
            WHERE p.project_name = 'tapproj'), 1, 'nothing was written');
UPDATE pgcadence.cache_settings SET max_data_bytes = 10485760;

INSERT INTO public.cache_storage (project_id, cache_type, data, data_size)
SELECT id, 'direct', '{"k": "value"}', 999999 FROM public.projects WHERE project_name = 'tapproj';
SELECT is((SELECT data_size FROM public.cache_storage WHERE cache_type = 'direct'), octet_length('{"k": "value"}'),
          'data_size is computed by the database, whatever the client says');
UPDATE public.cache_storage SET data = '{"k": "a longer value"}', data_size = 1 WHERE cache_type = 'direct';
SELECT is((SELECT data_size FROM public.cache_storage WHERE cache_type = 'direct'), octet_length('{"k": "a longer value"}'),
          'data_size follows updates');
UPDATE public.cache_storage SET metadata = '{"note": 1}', data_size = 5 WHERE cache_type = 'direct';
SELECT is((SELECT data_size FROM public.cache_storage WHERE cache_type = 'direct'), octet_length('{"k": "a longer value"}'),
          'data_size cannot be overwritten by hand');

-- ------------------------------------------------------------ ordering and refresh timing
SELECT is((SELECT written FROM public.cache_put('tapproj', 'strava', '{"old": true}', now() - interval '2 hours')), false,
          'an older write does not replace a newer copy');
SELECT is((SELECT data FROM public.cache_get('tapproj', 'strava')), '{"activities": [1, 2]}'::jsonb, 'the newer copy stays');
SELECT is(public.cache_due_for_refresh('tapproj', 'strava'), false, 'fetched 1 hour ago, max_age 6 hours: not due');
SELECT is(public.cache_due_for_refresh('tapproj', 'strava', interval '15 minutes'), true, 'with max_age 15 minutes: due');
SELECT is(public.cache_due_for_refresh('tapproj', 'missing'), true, 'a missing cache is due');
SELECT is(public.cache_due_for_refresh('tapproj', 'direct'), true, 'a cache never fetched is due');
SELECT is(public.cache_set_max_age('tapproj', 'strava', interval '30 minutes'), true, 'cache_set_max_age updates the interval');
SELECT is(public.cache_due_for_refresh('tapproj', 'strava'), true, 'now due by its stored max_age');

-- inactive projects are not written
UPDATE public.projects SET is_active = false WHERE project_name = 'tapproj';
SELECT throws_ok($$SELECT public.cache_put('tapproj', 'strava', '{}')$$, '55000', 'project tapproj is inactive: its caches are not written');
UPDATE public.projects SET is_active = true WHERE project_name = 'tapproj';

-- ------------------------------------------------------------ retention and cron
ALTER TABLE public.cache_storage DISABLE TRIGGER cache_storage_before_write;
UPDATE public.cache_storage SET updated_at = now() - interval '31 days' WHERE cache_type = 'direct';
UPDATE public.cache_storage SET updated_at = now() - interval '29 days' WHERE cache_type = 'strava';
ALTER TABLE public.cache_storage ENABLE TRIGGER cache_storage_before_write;
SELECT is(pgcadence.cache_cleanup(), 1, 'cleanup deletes caches older than their retention_days');
SELECT is((SELECT array_agg(cache_type::text) FROM public.cache_storage c JOIN public.projects p ON p.id = c.project_id
            WHERE p.project_name = 'tapproj'), ARRAY['strava'], 'and keeps the others');
SELECT is(public.cache_purge('tapproj'), 1, 'cache_purge deletes a project''s caches');

-- the refresh scheduler: one job per due cache, one at a time
SELECT public.cache_put('tapsched', 'strava', '{"n": 1}', now() - interval '7 hours', NULL, interval '6 hours');
SELECT public.cache_put('tapsched', 'fundraising', '{"n": 1}', now() - interval '5 minutes', NULL, interval '15 minutes');
SELECT ok(pgcadence.cache_enqueue_due_refreshes() >= 1, 'the scheduler enqueues due caches');
SELECT results_eq($$SELECT payload, dedupe_key, status FROM public.job_queue
                    WHERE task_type = 'cache_refresh' AND payload->>'project' = 'tapsched'$$,
                  $$VALUES ('{"project": "tapsched", "cache_type": "strava"}'::jsonb, 'cache_refresh:tapsched/strava', 'pending')$$,
                  'one cache_refresh job for the 6-hour cache fetched 7 hours ago, none for the fresh 15-minute cache');
SELECT lives_ok($$SELECT pgcadence.cache_enqueue_due_refreshes()$$, 'running it again is harmless');
SELECT is((SELECT count(*)::int FROM public.job_queue WHERE task_type = 'cache_refresh' AND payload->>'project' = 'tapsched'),
          1, 'still one job: a refresh is pending');
SELECT isnt((SELECT refresh_enqueued_at FROM public.cache_storage c JOIN public.projects p ON p.id = c.project_id
              WHERE p.project_name = 'tapsched' AND c.cache_type = 'strava'), NULL, 'refresh_enqueued_at is set');
SELECT public.cache_put('tapsched', 'strava', '{"n": 2}');
SELECT is((SELECT refresh_enqueued_at FROM public.cache_storage c JOIN public.projects p ON p.id = c.project_id
            WHERE p.project_name = 'tapsched' AND c.cache_type = 'strava'), NULL, 'the next cache_put clears it');

SELECT ok(EXISTS (SELECT 1 FROM cron.job WHERE jobname = 'pgcadence_cache_refresh' AND schedule = '* * * * *'
                    AND command = 'SELECT pgcadence.cache_enqueue_due_refreshes()'), 'the refresh scheduler runs every minute');
SELECT ok(EXISTS (SELECT 1 FROM cron.job WHERE jobname = 'pgcadence_cache_cleanup'), 'the retention cleanup is scheduled');

SELECT * FROM finish();
