-- What pgcadence's net shim does beyond (or unlike) Supabase's pg_net: durable tables,
-- locked-down privileges, errors instead of hangs. Each difference is in docs/compat.md.
-- Runs where the shim is installed (not on the supabase profile).
SELECT plan(27);

-- ------------------------------------------------------------ durability and hardening
SELECT is((SELECT relpersistence::text FROM pg_class WHERE oid = 'net.http_request_queue'::regclass), 'p',
          'the queue is LOGGED: a crash loses no request (pg_net: UNLOGGED)');
SELECT is((SELECT relpersistence::text FROM pg_class WHERE oid = 'net._http_response'::regclass), 'p',
          'the responses are LOGGED (pg_net: UNLOGGED)');
SELECT ok((SELECT bool_and(relrowsecurity) FROM pg_class
            WHERE oid IN ('net.http_request_queue'::regclass, 'net._http_response'::regclass,
                          'pgcadence.net_claims'::regclass, 'pgcadence.net_enqueue_marks'::regclass)),
          'RLS is enabled on every net table');
SELECT is_definer('net', 'http_post', ARRAY['text', 'jsonb', 'jsonb', 'jsonb', 'integer'],
                  'http_post is security definer (the API roles get no table privilege)');
SELECT is(
    (SELECT count(*)::int FROM pg_proc p
      WHERE p.pronamespace IN ('net'::regnamespace, 'pgcadence'::regnamespace)
        AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)),
    0, 'every net and sender function pins search_path');

-- ------------------------------------------------------------ URLs
SELECT net.http_get('http://h/p', '{"k": "é/&=~._-"}') AS id \gset
SELECT is((SELECT url FROM net.http_request_queue WHERE id = :id),
          'http://h/p?k=%C3%A9%2F%26%3D~._-',
          'params: percent-escapes in upper case, like curl_escape (pg_net: as its libcurl writes them)');
CREATE TEMP TABLE before_count AS SELECT count(*) AS n FROM net.http_request_queue;
SELECT throws_ok($$SELECT net.http_post('127.0.0.1:5/ok')$$,
                 '22023', 'invalid URL "127.0.0.1:5/ok": Unsupported URL scheme',
                 'an invalid URL is 22023 invalid_parameter_value (pg_net: XX000)');
SELECT throws_ok($$SELECT net.http_get('not a url')$$,
                 '22023', 'invalid URL "not a url": Bad scheme', 'not a URL at all: 22023');
SELECT throws_ok($$SELECT net.http_get('http://:80/x')$$,
                 '22023', 'invalid URL "http://:80/x": No host part in the URL', 'a URL without host: 22023');
SELECT throws_ok($$SELECT net.http_get('ftp://h/file')$$,
                 '22023', 'invalid URL "ftp://h/file": Unsupported URL scheme',
                 'only http and https are queued (pg_net queues it and fails when sending)');
SELECT is((SELECT count(*) FROM net.http_request_queue), (SELECT n FROM before_count),
          'nothing was queued by the refused calls');

-- ------------------------------------------------------------ _http_collect_response never hangs
SELECT is(net._http_collect_response(-42, false), ('ERROR', 'request matching request_id not found', NULL)::net.http_response_result,
          'unknown id with async => false returns at once (pg_net: waits forever)');
SELECT throws_like($$SELECT net._http_collect_response(net.http_get('http://h/'), false)$$,
                   '%queued in this transaction%',
                   'waiting for a request of the same transaction fails instead of hanging (pg_net: waits forever)');

-- ------------------------------------------------------------ privileges (pg_net grants PUBLIC everything)
SELECT function_privs_are('net', '_http_collect_response', ARRAY['bigint', 'boolean'], 'anon', '{}'::text[],
                          'anon cannot collect responses');
SELECT function_privs_are('net', 'worker_restart', '{}'::name[], 'authenticated', '{}'::text[],
                          'authenticated cannot restart the sender');
SELECT function_privs_are('pgcadence', 'net_claim', ARRAY['integer', 'integer', 'integer'], 'service_role', '{}'::text[],
                          'the sender''s own functions are private');
SELECT table_privs_are('net', 'http_request_queue', 'anon', '{}'::text[], 'anon cannot read the queue (it holds keys)');
SELECT table_privs_are('net', 'http_request_queue', 'authenticated', '{}'::text[]);
SELECT table_privs_are('net', '_http_response', 'anon', '{}'::text[], 'anon cannot read responses');
SELECT table_privs_are('net', 'http_request_queue', 'service_role', ARRAY['SELECT', 'DELETE']);
SELECT table_privs_are('net', '_http_response', 'service_role', ARRAY['SELECT']);
SELECT table_privs_are('pgcadence', 'net_claims', 'service_role', '{}'::text[]);
SELECT ok(NOT has_table_privilege('anon', 'net.http_request_queue', 'INSERT'), 'anon cannot insert into the queue directly');

GRANT USAGE ON SCHEMA tap TO anon, authenticated;
SET LOCAL ROLE anon;
SELECT lives_ok($$SELECT net.http_post('http://127.0.0.1:5/hook', '{"a": 1}')$$, 'as anon, net.http_post still queues');
SELECT throws_ok($$SELECT count(*) FROM net.http_request_queue$$, '42501', NULL, 'as anon, the queue is not readable');
SELECT throws_ok($$SELECT net._http_collect_response(1)$$, '42501', NULL, 'as anon, responses cannot be collected');
RESET ROLE;
SELECT ok(has_function_privilege('service_role', 'net._http_collect_response(bigint, boolean)', 'EXECUTE'),
          'service_role may collect responses');

SELECT * FROM finish();
