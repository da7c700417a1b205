-- Migration 0012: audit trail, sealed credentials, cache warming tables, checkout sessions.
SELECT plan(69);

GRANT USAGE ON SCHEMA tap TO anon, authenticated, service_role;
GRANT ALL ON __tcache__ TO anon, authenticated, service_role;
GRANT ALL ON SEQUENCE __tcache___id_seq, __tresults___numb_seq TO anon, authenticated, service_role;

-- ------------------------------------------------------------ structure
SELECT has_table('public', t, t || ' exists') FROM unnest(ARRAY['mandate_audit', 'mandate_audit_actions',
    'stored_credentials', 'cached_programs', 'cache_warm_targets', 'agentic_checkout_sessions']) t;
SELECT ok((SELECT bool_and(relrowsecurity) FROM pg_class WHERE oid IN ('public.mandate_audit'::regclass,
    'public.mandate_audit_actions'::regclass, 'public.stored_credentials'::regclass, 'public.cached_programs'::regclass,
    'public.cache_warm_targets'::regclass, 'public.agentic_checkout_sessions'::regclass)), 'RLS is on for every new table');
SELECT policies_are('public', 'mandate_audit', ARRAY['mandate_audit_read_own_or_admin'],
    'mandate_audit: a single read policy, no write policy');
SELECT policies_are('public', 'agentic_checkout_sessions', ARRAY['checkout_sessions_owner_select',
    'checkout_sessions_owner_insert', 'checkout_sessions_owner_update', 'checkout_sessions_owner_delete']);
SELECT policies_are('public', 'stored_credentials', ARRAY['stored_credentials_owner_read', 'stored_credentials_owner_delete']);
SELECT col_is_unique('public', 'cached_programs', ARRAY['org_ref', 'category'], 'one cache row per org/category');
SELECT col_default_is('public', 'agentic_checkout_sessions', 'expires_at', '(now() + ''24:00:00''::interval)',
    'sessions expire 24 h after creation by default');
SELECT hasnt_column('public', 'stored_credentials', 'password', 'no plaintext column');

-- definer functions: pinned search_path, not executable by PUBLIC / anon
SELECT is_definer('public', f, args, f || ' is SECURITY DEFINER')
  FROM (VALUES ('log_audit', ARRAY['text','uuid','text','text','uuid','jsonb']),
               ('store_credential', ARRAY['uuid','uuid','text','text','bytea','text','jsonb']),
               ('access_credential', ARRAY['uuid','jsonb'])) v(f, args);
SELECT is((SELECT count(*)::int FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE p.prosecdef AND p.proname IN ('log_audit', 'store_credential', 'access_credential')
             AND n.nspname = 'public' AND p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp']), 3,
          'every definer function pins search_path to pg_catalog, pg_temp');
SELECT function_privs_are('public', 'log_audit', ARRAY['text','uuid','text','text','uuid','jsonb'], 'anon', '{}'::text[],
    'anon cannot write audit rows');
SELECT function_privs_are('public', 'access_credential', ARRAY['uuid','jsonb'], 'anon', '{}'::text[]);
SELECT function_privs_are('public', 'purge_mandate_audit', ARRAY['interval'], 'service_role', '{}'::text[],
    'retention is the owner''s alone');
SELECT function_privs_are('public', 'purge_mandate_audit', ARRAY['interval'], 'authenticated', '{}'::text[]);
SELECT function_privs_are('public', 'reseal_credential', ARRAY['uuid','bytea','text'], 'service_role', '{}'::text[]);
SELECT table_privs_are('public', 'mandate_audit', 'service_role', ARRAY['SELECT'], 'service_role only reads the audit table');
SELECT table_privs_are('public', 'mandate_audit', 'authenticated', ARRAY['SELECT']);
SELECT table_privs_are('public', 'mandate_audit', 'anon', '{}'::text[]);
SELECT table_privs_are('public', 'stored_credentials', 'anon', '{}'::text[]);
SELECT table_privs_are('public', 'agentic_checkout_sessions', 'anon', '{}'::text[]);

-- cron: both jobs at 02:00, no key in the command
SELECT ok(EXISTS (SELECT 1 FROM cron.job WHERE jobname = 'daily-cache-warming' AND schedule = '0 2 * * *'
                  AND command LIKE '%get_service_role_key()%' AND command LIKE '%/functions/v1/warm-cache-authenticated%'),
          'daily-cache-warming at 02:00 reads the key from Vault');
SELECT ok(EXISTS (SELECT 1 FROM cron.job WHERE jobname = 'cleanup-expired-sessions' AND schedule = '0 2 * * *'
                  AND command LIKE '%/functions/v1/cleanup-sessions%'), 'cleanup-expired-sessions at 02:00');
SELECT ok(NOT EXISTS (SELECT 1 FROM cron.job WHERE command ~ 'eyJ[A-Za-z0-9_-]+\.' OR command ILIKE '%bearer ey%'),
          'no JWT pasted into any cron command');

-- ------------------------------------------------------------ fixtures (as the owner)
INSERT INTO public.profiles (id, role) VALUES ('00000000-0000-0000-0000-00000000ad01', 'admin')
    ON CONFLICT (id) DO UPDATE SET role = 'admin';
SELECT isnt(log_audit('action_select_provider', '00000000-0000-0000-0000-0000000000a1', 'blackhawk-ski-club', 'skiclubpro',
                      NULL, '{"sessionId": "s-1"}'), NULL, 'the owner writes an audit row for user A');
SELECT isnt(log_audit('action_select_provider', '00000000-0000-0000-0000-0000000000b2', NULL, 'skiclubpro'), NULL,
            'and one for user B');
INSERT INTO public.stored_credentials (id, user_id, provider, alias, ciphertext, key_fp) VALUES
    ('00000000-0000-0000-0000-00000000c0a1', '00000000-0000-0000-0000-0000000000a1', 'skiclubpro', 'A login',
     decode(repeat('ab', 40), 'hex'), '0123456789abcdef'),
    ('00000000-0000-0000-0000-00000000c0b2', '00000000-0000-0000-0000-0000000000b2', 'skiclubpro', 'B login',
     decode(repeat('cd', 40), 'hex'), '0123456789abcdef');
SELECT save_checkout_session('sess-a', '{"provider": "skiclubpro"}', 'skiclubpro', '00000000-0000-0000-0000-0000000000a1');
SELECT save_checkout_session('sess-b', '{"step": 2}', NULL, '00000000-0000-0000-0000-0000000000b2');
INSERT INTO public.agentic_checkout_sessions (id, user_id, context, expires_at)
    VALUES ('sess-old', '00000000-0000-0000-0000-0000000000a1', '{}', now() - interval '1 minute');

-- ------------------------------------------------------------ anon reads nothing
SET LOCAL ROLE anon;
SELECT throws_ok('SELECT * FROM public.mandate_audit', '42501', NULL, 'anon cannot read the audit trail');
SELECT throws_ok('SELECT * FROM public.stored_credentials', '42501', NULL, 'anon cannot read credentials');
SELECT throws_ok('SELECT * FROM public.agentic_checkout_sessions', '42501', NULL, 'anon cannot read sessions');
SELECT throws_ok('SELECT log_audit(''action_select_provider'')', '42501', NULL, 'anon cannot log');
RESET ROLE;

-- ------------------------------------------------------------ user A
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub": "00000000-0000-0000-0000-0000000000a1", "role": "authenticated"}';
SELECT is((SELECT count(*)::int FROM public.mandate_audit WHERE user_id <> auth.uid()), 0,
          'a user sees no audit row of another user');
SELECT is((SELECT count(*)::int FROM public.mandate_audit WHERE user_id = auth.uid()), 1, 'but sees their own');
SELECT is((SELECT array_agg(alias) FROM public.stored_credentials), ARRAY['A login'], 'a user sees only their own credential');
SELECT throws_ok($$SELECT * FROM access_credential('00000000-0000-0000-0000-00000000c0b2')$$, 'P0002',
    'credential 00000000-0000-0000-0000-00000000c0b2 not found', 'another user''s credential reads as absent');
SELECT is((SELECT alias FROM access_credential('00000000-0000-0000-0000-00000000c0a1')), 'A login',
          'the owner gets their sealed credential');
SELECT is((SELECT metadata ->> 'credential_alias' FROM public.mandate_audit
           WHERE action = 'credentials_accessed' AND credential_id = '00000000-0000-0000-0000-00000000c0a1'),
          'A login', 'access is audited with credential_alias (and accessed_at)');
SELECT is((SELECT array_agg(id ORDER BY id) FROM public.agentic_checkout_sessions), ARRAY['sess-a', 'sess-old'],
          'a user sees only their own sessions');
SELECT is((SELECT count(*)::int FROM load_checkout_session('sess-b')), 0, 'another user''s session cannot be loaded');
SELECT is((SELECT count(*)::int FROM load_checkout_session('sess-old')), 0, 'an expired session reads as absent');
SELECT is((SELECT context ->> 'provider' FROM load_checkout_session('sess-a')), 'skiclubpro', 'the owner loads their session');
SELECT lives_ok($$SELECT save_checkout_session('sess-b', '{"mine": true}')$$,
    'session ids are per user: A saves an id B uses too');
SELECT is((SELECT context FROM load_checkout_session('sess-b')), '{"mine": true}'::jsonb, 'A loads A''s sess-b');
SELECT throws_ok($$SELECT save_checkout_session('sess-x', '{}', NULL, '00000000-0000-0000-0000-0000000000b2')$$,
    '42501', NULL, 'a user cannot save a session in another user''s name');
SELECT throws_ok($$SELECT log_audit('action_select_program', '00000000-0000-0000-0000-0000000000b2')$$, '42501',
    'a user may only write audit rows about themselves', 'no audit rows in someone else''s name');
SELECT throws_ok($$SELECT log_audit('made_up_action')$$, '22023', 'unknown audit action "made_up_action"');
SELECT throws_ok($$SELECT log_audit('credentials_submitted', p_metadata => '{"password": "x"}')$$, '22023', NULL,
    'secrets are refused in audit metadata');
SELECT isnt(log_audit('action_select_program', p_org_ref => 'blackhawk-ski-club'), NULL, 'a user logs their own action');
SELECT throws_ok($$UPDATE public.mandate_audit SET action = 'x'$$, '42501', NULL, 'users cannot update audit rows');
SELECT throws_ok($$DELETE FROM public.mandate_audit$$, '42501', NULL, 'users cannot delete audit rows');
SELECT throws_ok($$INSERT INTO public.mandate_audit (action) VALUES ('action_select_provider')$$, '42501', NULL,
    'users cannot insert directly');
RESET ROLE;
RESET request.jwt.claims;

-- ------------------------------------------------------------ admin and service_role
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub": "00000000-0000-0000-0000-00000000ad01", "role": "authenticated"}';
SELECT cmp_ok((SELECT count(DISTINCT user_id)::int FROM public.mandate_audit), '>=', 2, 'an admin reads every user''s rows');
SELECT is((SELECT count(*)::int FROM public.stored_credentials), 0, 'an admin does not read other users'' credentials');
RESET ROLE;
RESET request.jwt.claims;

SET LOCAL ROLE service_role;
SET LOCAL request.jwt.claims = '{"role": "service_role"}';
SELECT cmp_ok((SELECT count(DISTINCT user_id)::int FROM public.mandate_audit), '>=', 2, 'service_role reads all audit rows');
SELECT throws_ok($$UPDATE public.mandate_audit SET action = 'x'$$, '42501', NULL, 'service_role cannot update audit rows');
SELECT throws_ok($$DELETE FROM public.mandate_audit$$, '42501', NULL, 'service_role cannot delete audit rows');
SELECT is(cleanup_expired_checkout_sessions(), 1, 'cleanup deletes the expired session and says how many');
SELECT is(record_cache_warm('blackhawk-ski-club', 'lessons', '[{"id": 1}, {"id": 2}]', 120, NULL), 'success',
          'a successful warm');
SELECT is((SELECT jsonb_array_length(programs) FROM public.cached_programs WHERE org_ref = 'blackhawk-ski-club'), 2,
          'lands in cached_programs');
SELECT is((SELECT fresh FROM cache_warm_plan('blackhawk-ski-club', 'lessons')), true, 'and is fresh afterwards');
RESET ROLE;
RESET request.jwt.claims;

-- ------------------------------------------------------------ the owner: append-only still, retention by function
SELECT throws_ok($$UPDATE public.mandate_audit SET action = 'x'$$, '42501', NULL, 'even the owner cannot update audit rows');
SELECT throws_ok($$TRUNCATE public.mandate_audit$$, '42501', NULL, 'nor truncate');
SELECT throws_ok($$SELECT purge_mandate_audit('1 day')$$, '22023', NULL, 'retention keeps at least 30 days');
SELECT is(purge_mandate_audit('30 days'), 0::bigint, 'the owner''s retention function deletes old rows only');

SELECT * FROM finish();
