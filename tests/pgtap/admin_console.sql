-- The admin console's SQL (sql/admin/): sign-in links work once, sessions expire and end,
-- the CSRF token is bound to the session, only admins read the console's lists, secrets
-- are redacted, bulk actions need a filter, demo data leaves nothing behind.
SELECT plan(46);
-- pgTAP's own tables, for the assertions made as authenticated
GRANT USAGE ON SCHEMA tap TO authenticated;
GRANT ALL ON __tcache__ TO authenticated;
GRANT ALL ON SEQUENCE __tcache___id_seq, __tresults___numb_seq TO authenticated;

-- ------------------------------------------------------------ who may call what
SELECT ok(NOT has_function_privilege(r, 'pgcadence.admin_login_link(uuid, interval)', 'EXECUTE'),
          r || ' cannot create login links') FROM unnest(ARRAY['anon', 'authenticated', 'service_role']) r;
SELECT ok(NOT has_function_privilege(r, 'pgcadence.admin_session_get(text)', 'EXECUTE'),
          r || ' cannot look up sessions') FROM unnest(ARRAY['anon', 'authenticated', 'service_role']) r;
SELECT ok(NOT has_function_privilege('anon', 'public.admin_overview()', 'EXECUTE'), 'anon cannot read the overview');
SELECT ok(has_function_privilege('authenticated', 'public.admin_overview()', 'EXECUTE'), 'authenticated may call the overview (it checks admin)');
SELECT is_definer('public', 'admin_queue_jobs', ARRAY['text', 'text', 'text', 'integer', 'integer'], 'admin_queue_jobs is a security definer');
SELECT is(count(*)::int, 0, 'every admin_* function pins search_path with pg_temp last')
  FROM pg_proc p WHERE p.proname LIKE 'admin\_%' AND p.pronamespace IN ('public'::regnamespace, 'pgcadence'::regnamespace)
   AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false);

-- ------------------------------------------------------------ people
INSERT INTO public.profiles (id, role) VALUES ('a0000000-0000-4000-8000-0000000000a1', 'admin'),
                                              ('a0000000-0000-4000-8000-0000000000b2', 'user');
SELECT ok(pgcadence.admin_user_is_admin('a0000000-0000-4000-8000-0000000000a1'), 'admin_user_is_admin: an admin');
SELECT ok(NOT pgcadence.admin_user_is_admin('a0000000-0000-4000-8000-0000000000b2'), 'admin_user_is_admin: a user is not');
SELECT is(current_setting('request.jwt.claims', true), '', 'admin_user_is_admin leaves the claims as they were');
SELECT throws_ok($$SELECT pgcadence.admin_login_link('a0000000-0000-4000-8000-0000000000b2')$$, '42501', NULL,
                 'no login link for a non-admin');
SELECT throws_ok($$SELECT pgcadence.admin_login_link('a0000000-0000-4000-8000-0000000000a1', '2 days')$$, '22023', NULL,
                 'a link lives at most a day');

-- ------------------------------------------------------------ a link works once
CREATE TEMP TABLE link AS SELECT * FROM pgcadence.admin_login_link('a0000000-0000-4000-8000-0000000000a1');
SELECT ok((SELECT length(token) >= 40 AND token ~ '^[A-Za-z0-9_-]+$' FROM link), 'the token is long and URL-safe');
SELECT is((SELECT count(*)::int FROM pgcadence.admin_login_links l, link k WHERE l.token_hash = pgcadence.admin_token_hash(k.token)), 1,
          'only the token''s hash is stored');
SELECT is((SELECT count(*)::int FROM pgcadence.admin_login_links l, link k WHERE encode(l.token_hash, 'escape') LIKE '%' || k.token || '%'), 0,
          'the token itself is not');
CREATE TEMP TABLE sess AS SELECT r.* FROM link k, pgcadence.admin_login_redeem(k.token, 'pgTAP') r;
SELECT is((SELECT session_user_id FROM sess), 'a0000000-0000-4000-8000-0000000000a1'::uuid, 'redeeming the link signs the admin in');
SELECT throws_ok($$SELECT pgcadence.admin_login_redeem((SELECT token FROM link), 'again')$$, '28000',
                 'this login link is invalid, expired or already used; run `pgcadence admin url` for a new one',
                 'the link works once');
SELECT throws_ok($$SELECT pgcadence.admin_login_redeem('not-a-token', NULL)$$, '28000', NULL, 'a made-up token is refused');

-- an expired link
CREATE TEMP TABLE old_link AS SELECT * FROM pgcadence.admin_login_link('a0000000-0000-4000-8000-0000000000a1', '1 minute');
UPDATE pgcadence.admin_login_links SET expires_at = now() - interval '1 second'
 WHERE token_hash = (SELECT pgcadence.admin_token_hash(token) FROM old_link);
SELECT throws_ok($$SELECT pgcadence.admin_login_redeem((SELECT token FROM old_link), NULL)$$, '28000', NULL, 'an expired link is refused');

-- ------------------------------------------------------------ sessions
SELECT is((SELECT s.session_user_id FROM sess x, pgcadence.admin_session_get(x.session_token) s),
          'a0000000-0000-4000-8000-0000000000a1'::uuid, 'the session cookie finds its user');
SELECT is((SELECT s.csrf_token FROM sess x, pgcadence.admin_session_get(x.session_token) s), (SELECT csrf_token FROM sess),
          'the CSRF token is the session''s');
SELECT isnt((SELECT csrf_token FROM sess), (SELECT pgcadence.admin_csrf_token('other')), 'another session has another CSRF token');
SELECT is((SELECT count(*)::int FROM pgcadence.admin_session_get('nope')), 0, 'an unknown cookie finds nothing');
SELECT throws_ok($$SELECT pgcadence.admin_session_open('a0000000-0000-4000-8000-0000000000b2', 'jwt')$$, '42501', NULL,
                 'a non-admin gets no session');
SELECT ok((SELECT expires_at <= now() + interval '10 minutes' FROM pgcadence.admin_session_open('a0000000-0000-4000-8000-0000000000a1', 'jwt', NULL, now() + interval '10 minutes')),
          'a session ends no later than the JWT it was opened with');
-- idle sessions and expired sessions stop working
UPDATE pgcadence.admin_sessions SET last_seen_at = now() - interval '3 hours'
 WHERE token_hash = (SELECT pgcadence.admin_token_hash(session_token) FROM sess);
SELECT is((SELECT count(*)::int FROM sess x, pgcadence.admin_session_get(x.session_token) s), 0, 'an idle session (2 h) stops working');
UPDATE pgcadence.admin_sessions SET last_seen_at = now(), expires_at = now() - interval '1 second'
 WHERE token_hash = (SELECT pgcadence.admin_token_hash(session_token) FROM sess);
SELECT is((SELECT count(*)::int FROM sess x, pgcadence.admin_session_get(x.session_token) s), 0, 'an expired session stops working');
UPDATE pgcadence.admin_sessions SET expires_at = now() + interval '1 hour'
 WHERE token_hash = (SELECT pgcadence.admin_token_hash(session_token) FROM sess);
SELECT ok((SELECT pgcadence.admin_session_end(session_token) FROM sess), 'logout ends the session');
SELECT is((SELECT count(*)::int FROM sess x, pgcadence.admin_session_get(x.session_token) s), 0, 'an ended session stops working');

-- ------------------------------------------------------------ only admins read the console's lists
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"role": "authenticated", "sub": "a0000000-0000-4000-8000-0000000000b2"}';
SELECT throws_ok($$SELECT public.admin_overview()$$, '42501', NULL, 'a signed-in non-admin gets 42501 from admin_overview');
SELECT throws_ok($$SELECT public.admin_queue_jobs()$$, '42501', NULL, '... and from admin_queue_jobs');
SELECT throws_ok($$SELECT public.admin_net()$$, '42501', NULL, '... and from admin_net');
SET LOCAL request.jwt.claims = '{"role": "authenticated", "sub": "a0000000-0000-4000-8000-0000000000a1"}';
SELECT ok((SELECT public.admin_overview() ? 'queue'), 'an admin reads the overview');
SELECT throws_ok($$SELECT public.admin_queue_bulk('retry', NULL)$$, '22023', NULL, 'bulk actions need a status filter');
SELECT throws_ok($$SELECT public.admin_queue_jobs(page_size => 500)$$, '22023', NULL, 'a page has at most 200 rows');
SELECT throws_ok($$SELECT public.admin_audit(sort => 'metadata; drop table x')$$, '22023', NULL, 'the audit sorts only by known columns');
SELECT is((SELECT jsonb_array_length(public.admin_cron_preview('*/15 * * * *') -> 'next_runs')), 5, 'the schedule preview lists five runs');
RESET ROLE;

-- ------------------------------------------------------------ redaction
SELECT is(pgcadence.admin_redact('{"Authorization": "Bearer x", "apikey": "k", "Content-Type": "json", "X-Session-Id": "s"}'),
          '{"Authorization": "[redacted]", "apikey": "[redacted]", "Content-Type": "json", "X-Session-Id": "[redacted]"}'::jsonb,
          'secret-bearing headers are redacted, others kept');
SELECT is(pgcadence.admin_redact_url('https://h/x?apikey=abc&page=2&access_token=t'), 'https://h/x?apikey=[redacted]&page=2&access_token=[redacted]',
          'secret query parameters are redacted');

-- ------------------------------------------------------------ demo data comes and goes exactly
CREATE TEMP TABLE before AS SELECT (SELECT count(*) FROM public.job_queue) AS jobs, (SELECT count(*) FROM cron.job) AS crons,
                                   (SELECT count(*) FROM cron.job_run_details) AS runs, (SELECT count(*) FROM public.mandate_audit) AS audit;
SELECT ok((pgcadence.admin_demo_load() ->> 'job')::int > 30, 'demo load adds jobs');
SELECT throws_ok($$SELECT pgcadence.admin_demo_load()$$, '55000', NULL, 'demo load refuses to load twice');
SELECT lives_ok($$SELECT pgcadence.admin_demo_clear()$$, 'demo clear');
SELECT is((SELECT ARRAY[(SELECT count(*) FROM public.job_queue), (SELECT count(*) FROM cron.job), (SELECT count(*) FROM cron.job_run_details),
                        (SELECT count(*) FROM public.mandate_audit)]),
          (SELECT ARRAY[jobs, crons, runs, audit] FROM before), 'demo clear removes exactly what demo load added');

SELECT * FROM finish();
