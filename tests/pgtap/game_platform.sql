-- The game platform tables (migration 0013): RLS, privileges, definer functions,
-- the needs_totals_refresh flag logic, dry runs, the sync window.
SELECT plan(41);
-- the RLS checks below run as anon/authenticated: they need to reach pgTAP's own state
GRANT USAGE ON SCHEMA tap TO anon, authenticated, service_role;
GRANT ALL ON __tcache__ TO anon, authenticated, service_role;
GRANT ALL ON SEQUENCE __tcache___id_seq, __tresults___numb_seq TO anon, authenticated, service_role;

-- ------------------------------------------------------------ shape, RLS, policies
SELECT has_table('public', 'competitors', 'competitors exists');
SELECT has_table('public', 'game_platform_activity', 'game_platform_activity exists');
SELECT has_table('public', 'game_platform_sync_state', 'game_platform_sync_state exists');
SELECT col_default_is('public', 'competitors', 'needs_totals_refresh', 'false', 'needs_totals_refresh defaults to false');
SELECT col_is_unique('public', 'game_platform_activity', 'external_id', 'an external activity id is stored once');
SELECT is((SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_class c
            WHERE c.oid IN ('public.competitors'::regclass, 'public.game_platform_activity'::regclass,
                            'public.game_platform_sync_state'::regclass, 'pgcadence.game_platform_settings'::regclass)
              AND c.relrowsecurity),
          ARRAY['competitors', 'game_platform_activity', 'game_platform_settings', 'game_platform_sync_state'],
          'RLS is on for every table of 0013');
SELECT policies_are('public', 'competitors',
                    ARRAY['competitors_service_role_all', 'competitors_admin_read', 'competitors_coach_read_own']);
SELECT is((SELECT count(*)::int FROM pg_policies WHERE schemaname = 'public'
            AND tablename IN ('competitors', 'game_platform_activity', 'game_platform_sync_state')
            AND cmd <> 'SELECT' AND NOT (roles = '{service_role}')),
          0, 'no write policy for anyone but service_role');

-- ------------------------------------------------------------ table privileges
SELECT table_privs_are('public', 'competitors', 'anon', '{}'::text[]);
SELECT table_privs_are('public', 'competitors', 'authenticated', ARRAY['SELECT']);
SELECT table_privs_are('public', 'competitors', 'service_role', ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']);
SELECT table_privs_are('public', 'game_platform_activity', 'anon', '{}'::text[]);
SELECT table_privs_are('public', 'game_platform_sync_state', 'authenticated', ARRAY['SELECT']);
SELECT table_privs_are('pgcadence', 'game_platform_settings', 'service_role', '{}'::text[]);

-- ------------------------------------------------------------ functions: definer, search_path, EXECUTE
SELECT is(
    (SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
      WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'game\_platform\_%' AND NOT p.prosecdef),
    NULL, 'every public game_platform_* function is SECURITY DEFINER');
SELECT is(
    (SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
      WHERE p.pronamespace IN ('public'::regnamespace, 'pgcadence'::regnamespace) AND p.proname LIKE 'game\_platform\_%'
        AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)),
    NULL, 'every function of 0013 pins search_path (pg_catalog, pg_temp)');
SELECT is(
    (SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
      WHERE p.pronamespace IN ('public'::regnamespace, 'pgcadence'::regnamespace) AND p.proname LIKE 'game\_platform\_%'
        AND (has_function_privilege('anon', p.oid, 'EXECUTE') OR has_function_privilege('authenticated', p.oid, 'EXECUTE'))),
    NULL, 'no function of 0013 is executable by anon or authenticated');
SELECT is((SELECT count(*)::int FROM pg_proc p
            WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'game\_platform\_%'
              AND has_function_privilege('service_role', p.oid, 'EXECUTE')),
          6, 'service_role may execute the six public functions');

-- ------------------------------------------------------------ config
UPDATE pgcadence.game_platform_settings SET base_url = NULL;
DELETE FROM vault.secrets WHERE name = 'game_platform_base_url';
SELECT throws_ok('SELECT * FROM game_platform_config()', 'P0002', 'the game platform base URL is not configured',
                 'no base URL anywhere: a clear error');
SELECT vault.create_secret('http://vault.example/api/', 'game_platform_base_url');
SELECT is((SELECT base_url FROM game_platform_config()), 'http://vault.example/api', 'base URL from Vault, no trailing slash');
SELECT game_platform_configure(base_url => 'http://settings.example');
SELECT is((SELECT base_url FROM game_platform_config()), 'http://settings.example', 'the settings row wins over Vault');

-- ------------------------------------------------------------ the flag logic
DELETE FROM public.game_platform_sync_state;
DELETE FROM public.competitors;
INSERT INTO public.competitors (id, coach_id, external_id, display_name) VALUES
    ('00000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-00000000aaaa', 'ext-1', 'Ada'),
    ('00000000-0000-0000-0000-0000000000c2', '00000000-0000-0000-0000-00000000aaaa', 'ext-2', 'Bob'),
    ('00000000-0000-0000-0000-0000000000c3', '00000000-0000-0000-0000-00000000bbbb', 'ext-3', 'Cy');
CREATE TEMP TABLE batch1 AS SELECT '[{"id": "a1", "competitor_id": "ext-1", "occurred_at": 1000, "points": {"score": 5}},
                                     {"id": "a2", "competitor_id": "ext-3", "occurred_at": 1200},
                                     {"id": "a3", "competitor_id": "nobody", "occurred_at": 1300},
                                     {"id": "a4", "competitor_id": "ext-1"}]'::jsonb AS doc;

-- dry run: the same summary, nothing written
SELECT is(game_platform_record_activity((SELECT doc FROM batch1), NULL, true) - 'errors',
          '{"fetched": 4, "new_activities": 2, "flagged": 2, "dry_run": true, "scope": "all",
            "after_time_unix": 0, "next_after_time_unix": 0}'::jsonb, 'dry run: the summary');
SELECT is((SELECT count(*)::int FROM public.game_platform_activity) + (SELECT count(*)::int FROM public.competitors WHERE needs_totals_refresh)
          + (SELECT count(*)::int FROM public.game_platform_sync_state), 0, 'dry run: nothing written');

SELECT is(game_platform_record_activity((SELECT doc FROM batch1), NULL, false) -> 'errors',
          '[{"index": 2, "id": "a3", "error": "unknown competitor nobody"},
            {"index": 3, "id": "a4", "error": "occurred_at must be unix seconds"}]'::jsonb,
          'unknown competitors and bad rows are reported, not stored');
SELECT is(ARRAY(SELECT external_id FROM public.competitors WHERE needs_totals_refresh ORDER BY 1),
                  ARRAY['ext-1', 'ext-3'], 'competitors with new activity are flagged');
SELECT is(game_platform_sync_window(NULL), 1300::bigint, 'after_time_unix advances to the newest activity seen');
SELECT is(game_platform_record_activity((SELECT doc FROM batch1), NULL, false) ->> 'new_activities', '0',
          'the same page again: nothing new');
SELECT is((SELECT count(*)::int FROM public.game_platform_activity), 2, 'activities stored once');

-- coach scope: only that coach's competitors, its own window
SELECT is(game_platform_record_activity('[{"id": "b1", "competitor_id": "ext-2", "occurred_at": 2000},
                                          {"id": "b2", "competitor_id": "ext-3", "occurred_at": 2100}]',
                                        '00000000-0000-0000-0000-00000000aaaa', false) ->> 'new_activities',
          '1', 'a coach-scoped run stores only that coach''s competitors'' activity');
SELECT is(game_platform_sync_window('00000000-0000-0000-0000-00000000aaaa'), 2100::bigint, 'the coach scope has its own window');
SELECT is(game_platform_sync_window(NULL), 1300::bigint, 'the global window did not move');

-- sweep and store
SELECT is(ARRAY(SELECT external_id FROM game_platform_competitors_to_sweep(10, NULL)),
                  ARRAY['ext-1', 'ext-3', 'ext-2'], 'sweep: flagged competitors, oldest activity first');
SELECT is(ARRAY(SELECT external_id FROM game_platform_competitors_to_sweep(10, '00000000-0000-0000-0000-00000000bbbb')),
                  ARRAY['ext-3'], 'sweep restricted to one coach');
SELECT ok(game_platform_store_totals('00000000-0000-0000-0000-0000000000c1', '{"score": 5}',
                                     (SELECT last_activity_at FROM public.competitors WHERE external_id = 'ext-1')),
          'storing totals clears the flag');
SELECT ok(NOT game_platform_store_totals('00000000-0000-0000-0000-0000000000c3', '{"score": 1}', to_timestamp(1)),
          'newer activity than the sweep saw: totals stored, flag kept');
SELECT is((SELECT totals FROM public.competitors WHERE external_id = 'ext-1'), '{"score": 5}'::jsonb, 'totals stored');
SELECT throws_ok($$SELECT game_platform_store_totals('00000000-0000-0000-0000-0000000000c1', '[1]')$$, '22023',
                 'totals must be a JSON object', 'totals must be an object');

-- ------------------------------------------------------------ RLS as users
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub": "00000000-0000-0000-0000-00000000aaaa", "role": "authenticated"}';
SELECT is((SELECT string_agg(external_id, ',' ORDER BY external_id) FROM public.competitors), 'ext-1,ext-2',
                  'a coach reads only their own competitors');
SELECT is((SELECT count(*)::int FROM public.game_platform_activity), 2, 'and only their competitors'' activity');
SELECT throws_ok($$UPDATE public.competitors SET needs_totals_refresh = false$$, '42501', NULL, 'a coach cannot write');
SELECT throws_ok($$SELECT game_platform_sync_window(NULL)$$, '42501', NULL, 'authenticated cannot call the functions');
RESET ROLE;
SELECT * FROM finish();
