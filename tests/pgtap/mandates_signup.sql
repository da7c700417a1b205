-- Migration 0050 and its sources: per-user session ids, warming restricted to targets for
-- non-service callers, the signup flow's state machine and audit rows, the audit trail,
-- friendly tool errors, system-mandate renewal, per-target staggered warming jobs.
SELECT plan(85);

GRANT USAGE ON SCHEMA tap TO anon, authenticated, service_role;
GRANT ALL ON __tcache__ TO anon, authenticated, service_role;
GRANT ALL ON SEQUENCE __tcache___id_seq, __tresults___numb_seq TO anon, authenticated, service_role;

-- ------------------------------------------------------------ structure and privileges
SELECT col_is_pk('public', 'agentic_checkout_sessions', ARRAY['user_id', 'id'], 'sessions are keyed by (user_id, id)');
SELECT has_table('public', 'mcp_tools', 'the tool catalogue');
SELECT is((SELECT array_agg(tool ORDER BY tool) FROM public.mcp_tools),
          ARRAY['scp.check_prerequisites', 'scp.discover_required_fields', 'scp.get_programs',
                'scp.search_providers', 'scp.submit_registration'], 'the five provider tools');
SELECT is((SELECT array_agg(tool) FROM public.mcp_tools WHERE NOT read_only), ARRAY['scp.submit_registration'],
          'only submit_registration changes anything at the provider');
SELECT ok((SELECT bool_and(relrowsecurity) FROM pg_class WHERE oid IN ('public.mcp_tools'::regclass,
    'public.mcp_error_messages'::regclass, 'pgcadence.mandate_renewal'::regclass,
    'pgcadence.cache_warm_schedule'::regclass)), 'RLS is on for every new table');
SELECT function_privs_are('public', 'signup_step', ARRAY['text', 'text', 'jsonb'], 'anon', '{}'::text[]);
SELECT function_privs_are('public', 'signup_record', ARRAY['text', 'text', 'jsonb', 'jsonb'], 'anon', '{}'::text[]);
SELECT function_privs_are('public', 'audit_trail',
    ARRAY['text[]', 'text', 'text', 'text', 'timestamp with time zone', 'timestamp with time zone', 'uuid', 'integer'],
    'anon', '{}'::text[]);
SELECT function_privs_are('public', 'call_mandate_renewal', ARRAY['boolean'], 'authenticated', '{}'::text[]);
SELECT function_privs_are('public', 'record_mandate_renewal', ARRAY['text', 'text', 'jsonb'], 'authenticated', '{}'::text[]);
SELECT ok(EXISTS (SELECT 1 FROM cron.job WHERE jobname = 'system-mandate-renewal' AND schedule = '23 * * * *'
                  AND command LIKE '%call_mandate_renewal()%'), 'an hourly job renews the system mandate');
SELECT ok((SELECT command LIKE '%cache_warm_per_target()%' FROM cron.job WHERE jobname = 'daily-cache-warming'),
          'the daily warming call stands down when per-target jobs warm');

-- ------------------------------------------------------------ fixtures (as the owner)
DELETE FROM public.cache_warm_targets;
DELETE FROM vault.secrets WHERE name = 'SYSTEM_MANDATE_JWS';
INSERT INTO public.profiles (id, role) VALUES ('00000000-0000-0000-0000-00000000ad01', 'admin')
    ON CONFLICT (id) DO UPDATE SET role = 'admin';
INSERT INTO public.cache_warm_targets (org_ref, category, enabled) VALUES
    ('blackhawk-ski-club', 'lessons', true), ('blackhawk-ski-club', 'teams', true), ('off-org', 'all', false);
INSERT INTO public.cached_programs (org_ref, category, programs) VALUES
    ('blackhawk-ski-club', 'teams', '[{"id": "bh-t-1", "title": "Junior Race Team"}]');
SELECT save_checkout_session('shared-id', '{"who": "b"}', NULL, '00000000-0000-0000-0000-0000000000b2');

-- ------------------------------------------------------------ warming: only targets for other callers
SELECT is((SELECT count(*)::int FROM cache_warm_plan('attacker-1', 'lessons', true)), 0,
          'an org that is no target is not warmed for a non-service caller');
SELECT is((SELECT count(*)::int FROM cache_warm_plan('off-org', 'all', true)), 0, 'nor a disabled target');
SELECT is((SELECT array_agg(category ORDER BY category) FROM cache_warm_plan(NULL, NULL, true)), ARRAY['lessons', 'teams'],
          'an empty body means the enabled targets');
SELECT is((SELECT count(*)::int FROM cache_warm_plan('blackhawk-ski-club', 'lessons', true)), 1,
          'an enabled target by name');
SELECT is((SELECT count(*)::int FROM cache_warm_plan('attacker-1', 'lessons')), 1, 'service_role may warm any pair');
SELECT is((SELECT fresh FROM cache_warm_plan('blackhawk-ski-club', 'teams', true, interval '15 minutes')), true,
          'a forced refresh without the service key leaves an entry found minutes ago alone');
UPDATE public.cached_programs SET discovered_at = now() - interval '20 minutes' WHERE category = 'teams';
SELECT is((SELECT fresh FROM cache_warm_plan('blackhawk-ski-club', 'teams', true, interval '15 minutes')), false,
          'and refreshes one older than the cooldown');

-- ------------------------------------------------------------ friendly errors
SELECT is((SELECT tool FROM mcp_tool('search_provider')), 'scp.search_providers', 'internal names map to MCP names');
SELECT is((SELECT row(code, message, retryable, action)::text FROM mcp_friendly_error('scp.get_programs', 'timeout')),
          row('timeout', 'This is taking longer than expected. Please try again.', true, 'retry')::text, 'timeout');
SELECT is((SELECT row(message, action, http_status)::text FROM mcp_friendly_error(NULL, 'session_expired')),
          row('Your session expired. Please log in again.', 'login', 401)::text, 'expired JWT');
SELECT is((SELECT message FROM mcp_friendly_error('scp.search_providers', 'http_5xx')),
          'Search service temporarily unavailable. Please try again shortly.', 'the search service failing');
SELECT is((SELECT code FROM mcp_friendly_error('scp.get_programs', 'network')), 'network_error', 'a network error');
SELECT is((SELECT row(code, retryable)::text FROM mcp_friendly_error('scp.submit_registration', 'timeout', true)),
          row('registration_unconfirmed', false)::text, 'a registration that may have arrived is never "try again"');
SELECT is((SELECT code FROM mcp_friendly_error('scp.submit_registration', 'network', false)), 'network_error',
          'one that never left may be retried');
SELECT is((SELECT row(code, retryable)::text FROM mcp_friendly_error('scp.get_programs', 'http_4xx')),
          row('provider_refused', false)::text, 'a refusal is not retryable');

-- ------------------------------------------------------------ the signup flow, as user A
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub": "00000000-0000-0000-0000-0000000000a1", "role": "authenticated"}';
SELECT throws_ok($$SELECT signup_step('s1', 'find_programs', '{}')$$, 'P0002', NULL, 'no session yet');
SELECT throws_ok($$SELECT signup_step('s1', 'select_provider', '{"provider": "skiclubpro"}')$$, '22023',
                 'org_ref is required', 'arguments are checked and named');
SELECT throws_ok($$SELECT signup_step('s1', 'select_provider', '{"provider": "ski club!", "org_ref": "x"}')$$, '22023',
                 NULL, 'a provider id is a word');
SELECT throws_ok($$SELECT signup_step('s1', 'fly_away', '{}')$$, '22023', NULL, 'unknown action');
SELECT is((SELECT context ->> 'step' FROM signup_record('s1', 'select_provider',
              '{"provider": "skiclubpro", "org_ref": "blackhawk-ski-club", "provider_name": "Blackhawk Ski Club"}')),
          'provider_selected', 'select_provider creates the session');
SELECT is((SELECT metadata FROM public.mandate_audit WHERE action = 'action_select_provider' AND user_id = auth.uid()),
          '{"sessionId": "s1", "provider": "skiclubpro", "org_ref": "blackhawk-ski-club", "provider_name": "Blackhawk Ski Club"}'::jsonb,
          'audited with sessionId, provider and org_ref');
SELECT throws_ok($$SELECT signup_step('s1', 'find_programs', '{}')$$, '55000',
                 'find_programs: connect an account first (connect_account)', 'steps come in order');
SELECT is(signup_step('s1', 'connect_account', '{}') ->> 'alias', 'Blackhawk Ski Club login', 'a default alias');
SELECT store_credential('00000000-0000-0000-0000-00000000c0a1', auth.uid(), 'skiclubpro', 'Blackhawk Ski Club login',
                        decode(repeat('ab', 40), 'hex'), '0123456789abcdef',
                        '{"sessionId": "s1", "provider": "skiclubpro", "org_ref": "blackhawk-ski-club"}');
SELECT is((SELECT context ->> 'credential_id' FROM signup_record('s1', 'connect_account', '{}',
              '{"credential_id": "00000000-0000-0000-0000-00000000c0a1"}')),
          '00000000-0000-0000-0000-00000000c0a1', 'connect_account keeps the credential id in the context');
SELECT is((SELECT org_ref || ' ' || (metadata ->> 'sessionId') FROM public.mandate_audit
            WHERE action = 'credentials_submitted' AND user_id = auth.uid()),
          'blackhawk-ski-club s1', 'credentials_submitted carries the session and org');
SELECT is(signup_step('s1', 'find_programs', '{"category": "lessons"}') ->> 'credential_id',
          '00000000-0000-0000-0000-00000000c0a1', 'find_programs gets what logging in needs');
SELECT is((SELECT jsonb_array_length(context -> 'programs') FROM signup_record('s1', 'find_programs', '{"category": "lessons"}',
              '{"programs": [{"id": "bh-l-1", "title": "Nordic Kids"}, {"id": "bh-l-2", "title": "Adult Skate"}, "junk"]}')),
          2, 'programs without an id are dropped');
SELECT throws_ok($$SELECT signup_step('s1', 'submit_registration', '{}')$$, '55000', NULL, 'select a program first');
SELECT throws_ok($$SELECT signup_step('s1', 'select_program', '{"program_id": "nope"}')$$, '22023', NULL,
                 'only a program that was found');
SELECT is(signup_step('s1', 'select_program', '{"program_id": "bh-t-1"}') #>> '{program,title}', 'Junior Race Team',
          'or one cache warming found for the org');
SELECT is((SELECT context #>> '{program,id}' FROM signup_record('s1', 'select_program', '{"program_id": "bh-l-2"}')),
          'bh-l-2', 'select_program');
SELECT is((SELECT metadata ->> 'program_id' FROM public.mandate_audit WHERE action = 'action_select_program'
            AND metadata ->> 'sessionId' = 's1'), 'bh-l-2', 'audited with the program');
SELECT throws_ok($$SELECT signup_step('s1', 'submit_registration', '{"answers": [1]}')$$, '22023', NULL,
                 'answers are an object');
SELECT is((SELECT context #>> '{registration,confirmation_id}' FROM signup_record('s1', 'submit_registration',
              '{"answers": {"child_name": "Sam"}}', '{"confirmation_id": "REG-1", "status": "confirmed"}')),
          'REG-1', 'submit_registration');
SELECT is((SELECT context #> '{registration,answered_fields}' FROM load_checkout_session('s1')), '["child_name"]'::jsonb,
          'the answers themselves are not kept in the context');
SELECT is((SELECT metadata - 'credential_id' FROM public.mandate_audit WHERE action = 'registration_completed'
            AND user_id = auth.uid()),
          '{"sessionId": "s1", "provider": "skiclubpro", "org_ref": "blackhawk-ski-club", "program_id": "bh-l-2", "confirmation_id": "REG-1"}'::jsonb,
          'registration_completed with the confirmation');
SELECT throws_ok($$SELECT signup_step('s1', 'submit_registration', '{}')$$, '55000', NULL, 'no second registration');
SELECT signup_record('s2', 'select_provider', '{"provider": "skiclubpro", "org_ref": "a", "provider_name": "A club"}');
SELECT is((SELECT context FROM signup_record('s2', 'select_provider', '{"provider": "otherpro", "org_ref": "b"}')),
          '{"provider": "otherpro", "org_ref": "b", "step": "provider_selected"}'::jsonb,
          'another provider: nothing of the previous one stays');
SELECT is((SELECT array_agg(action ORDER BY action) FROM audit_trail(p_session_id => 's1')),
          ARRAY['action_connect_account', 'action_select_program', 'action_select_provider', 'credentials_submitted',
                'registration_completed'], 'the session''s audit trail');
SELECT is((SELECT array_agg(action ORDER BY action) FROM audit_trail(ARRAY['action_select_provider', 'registration_completed'], 's1')),
          ARRAY['action_select_provider', 'registration_completed'], 'filtered by action');
SELECT is((SELECT count(*)::int FROM audit_trail() WHERE user_id IS DISTINCT FROM auth.uid()), 0,
          'a user reads only their own rows');
SELECT throws_ok($$SELECT * FROM audit_trail(p_limit => 0)$$, '22023', NULL, 'the limit is bounded');
SELECT is((SELECT context FROM load_checkout_session('shared-id')), NULL::jsonb, 'B''s session id means nothing to A');
SELECT lives_ok($$SELECT save_checkout_session('shared-id', '{"who": "a"}')$$, 'A may use the same id');
SELECT throws_ok($$SELECT configure_cache_warming(true)$$, '42501', NULL, 'a user cannot configure warming');
RESET ROLE;
RESET request.jwt.claims;

SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub": "00000000-0000-0000-0000-0000000000b2", "role": "authenticated"}';
SELECT throws_ok($$SELECT signup_step('s1', 'select_program', '{"program_id": "bh-l-2"}')$$, 'P0002', NULL,
                 'another user cannot act on A''s session');
SELECT is((SELECT context ->> 'who' FROM load_checkout_session('shared-id')), 'b', 'B''s shared-id is still B''s');
RESET ROLE;
RESET request.jwt.claims;

SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub": "00000000-0000-0000-0000-00000000ad01", "role": "authenticated"}';
SELECT cmp_ok((SELECT count(DISTINCT user_id)::int FROM audit_trail(p_session_id => 's1')), '=', 1,
              'an admin reads another user''s trail');
RESET ROLE;
RESET request.jwt.claims;

-- ------------------------------------------------------------ system mandate renewal
SELECT is(pgcadence.jws_claims('e30.' || rtrim(translate(encode(convert_to('{"exp": 5, "user_id": "u"}', 'UTF8'), 'base64'),
          '+/', '-_'), '=') || '.sig') ->> 'user_id', 'u', 'claims of a JWS');
SELECT is(pgcadence.jws_claims('not a jws'), NULL, 'not a JWS: NULL');
SELECT is((SELECT row(configured, due)::text FROM mandate_renewal_status()), row(false, false)::text,
          'no mandate: nothing to renew');
CREATE FUNCTION pg_temp.fake_jws(hours numeric) RETURNS text LANGUAGE sql AS $$
    SELECT 'e30.' || rtrim(translate(encode(convert_to(json_build_object('exp', extract(epoch FROM now()) + hours * 3600,
           'user_id', '00000000-0000-0000-0000-0000000000a1')::text, 'UTF8'), 'base64'), E'+/\n', '-_'), '=') || '.sig'
$$;
SELECT vault.create_secret(pg_temp.fake_jws(100), 'SYSTEM_MANDATE_JWS');
SELECT is((SELECT row(configured, due)::text FROM mandate_renewal_status()), row(true, false)::text,
          '100 h left: not due');
SELECT vault.update_secret((SELECT id FROM vault.secrets WHERE name = 'SYSTEM_MANDATE_JWS'), pg_temp.fake_jws(47));
SELECT is((SELECT due FROM mandate_renewal_status()), true, 'less than 48 h left: due');
SELECT is((SELECT count(*)::int FROM net.http_request_queue WHERE url LIKE '%/renew-system-mandate'), 0, 'nothing asked yet');
DELETE FROM vault.secrets WHERE name IN ('project_url', 'service_role_key');
SELECT vault.create_secret('http://127.0.0.1:9', 'project_url');
SELECT vault.create_secret('service-key', 'service_role_key');
SELECT isnt(call_mandate_renewal(), NULL, 'due: the executor is asked');
SELECT is((SELECT count(*)::int FROM net.http_request_queue WHERE url = 'http://127.0.0.1:9/functions/v1/renew-system-mandate'),
          1, 'with a net request');
SELECT is(call_mandate_renewal(), NULL, 'not twice while it is in flight');
INSERT INTO net._http_response (id, status_code, content, created)
    SELECT request_id, 401, '{"error": "invalid_jwt"}', now() FROM pgcadence.mandate_renewal;
SELECT isnt(call_mandate_renewal(), NULL, 'a refused request is settled as a failure, and renewal asked again');
SELECT is((SELECT row(failing, last_error)::text FROM mandate_renewal_status()),
          row(true, 'the executor did not renew: HTTP 401')::text, 'the failure is kept for doctor');
SELECT is((SELECT metadata ->> 'error' FROM public.mandate_audit WHERE action = 'mandate_renewal_failed'
            ORDER BY created_at DESC LIMIT 1), 'the executor did not renew: HTTP 401', 'and audited');
SELECT lives_ok($$SELECT record_mandate_renewal('renewed')$$, 'the executor records a success');
SELECT is((SELECT row(failing, in_flight)::text FROM mandate_renewal_status()), row(false, false)::text,
          'which clears the failure and the request');
SELECT throws_ok($$SELECT configure_mandate_renewal(interval '200 hours')$$, '22023', NULL,
                 'a mandate must outlive the renewal margin');

-- ------------------------------------------------------------ per-target staggered warming
SELECT is((SELECT count(*)::int FROM cron.job WHERE jobname LIKE 'pgcadence\_warm\_%'), 0, 'off by default');
SELECT is((SELECT jobs FROM configure_cache_warming(true, '02:00', 7)), 2, 'on: one job per enabled target');
SELECT is((SELECT array_agg(schedule ORDER BY schedule) FROM cron.job WHERE jobname LIKE 'pgcadence\_warm\_%'),
          ARRAY['0 2 * * *', '7 2 * * *'], '7 minutes apart');
SELECT is((SELECT command FROM cron.job WHERE jobname = pgcadence.cache_warm_job_name('blackhawk-ski-club', 'teams')),
          'SELECT public.call_warm_cache_target(''blackhawk-ski-club'', ''teams'')', 'each warms its target');
SELECT is((SELECT count(*)::int FROM pgcadence.source_objects WHERE kind = 'cron job' AND identity LIKE 'pgcadence\_warm\_%'
            AND path = 'mandates/jobs.sql'), 2, 'recorded as the module''s jobs (disable removes them)');
INSERT INTO public.cache_warm_targets (org_ref, category) VALUES ('aaa-first', 'all');
SELECT is((SELECT array_agg(schedule ORDER BY schedule) FROM cron.job WHERE jobname LIKE 'pgcadence\_warm\_%'),
          ARRAY['0 2 * * *', '14 2 * * *', '7 2 * * *'], 'a new target gets its job');
UPDATE public.cache_warm_targets SET enabled = false WHERE org_ref = 'aaa-first';
DELETE FROM public.cache_warm_targets WHERE category = 'teams';
SELECT is((SELECT array_agg(jobname::text) FROM cron.job WHERE jobname LIKE 'pgcadence\_warm\_%'),
          ARRAY[pgcadence.cache_warm_job_name('blackhawk-ski-club', 'lessons')], 'disabled and deleted targets lose theirs');
SELECT is(pgcadence.cache_warm_slot_schedule('23:55', 10, 1), '5 0 * * *', 'slots wrap at midnight');
SELECT is((SELECT jobs FROM configure_cache_warming(false)), 0, 'off again');
SELECT is((SELECT count(*)::int FROM cron.job WHERE jobname LIKE 'pgcadence\_warm\_%')
          + (SELECT count(*)::int FROM pgcadence.source_objects WHERE identity LIKE 'pgcadence\_warm\_%'), 0,
          'every per-target job gone');

SELECT * FROM finish();
