-- The pg_net contract (migration 0003): shapes, defaults, errors and what a call queues,
-- as Supabase's pg_net has them. It holds for the real extension (the supabase profile
-- runs this file too) and for pgcadence's shim; net_shim.sql holds what only the shim does.
SELECT plan(55);

-- ------------------------------------------------------------ types
SELECT has_schema('net');
SELECT has_type('net', 'request_status', 'net.request_status exists');
SELECT enum_has_labels('net', 'request_status', ARRAY['PENDING', 'SUCCESS', 'ERROR']);
SELECT has_composite('net', 'http_response', 'net.http_response is a composite type');
SELECT is(
    (SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum)
       FROM pg_attribute WHERE attrelid = 'net.http_response'::regclass AND attnum > 0),
    'status_code integer, headers jsonb, body text', 'net.http_response columns');
SELECT is(
    (SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum)
       FROM pg_attribute WHERE attrelid = 'net.http_response_result'::regclass AND attnum > 0),
    'status net.request_status, message text, response net.http_response', 'net.http_response_result columns');

-- ------------------------------------------------------------ tables
SELECT columns_are('net', 'http_request_queue',
    ARRAY['id', 'method', 'url', 'headers', 'body', 'timeout_milliseconds'], 'queue has exactly pg_net''s columns');
SELECT col_type_is('net', 'http_request_queue', 'id', 'bigint', 'queue id is bigint');
SELECT col_type_is('net', 'http_request_queue', 'body', 'bytea', 'queue body is bytea');
SELECT col_not_null('net', 'http_request_queue', 'url', 'queue url is NOT NULL');
SELECT col_not_null('net', 'http_request_queue', 'timeout_milliseconds', 'queue timeout is NOT NULL');
SELECT columns_are('net', '_http_response',
    ARRAY['id', 'status_code', 'content_type', 'headers', 'content', 'timed_out', 'error_msg', 'created'],
    'responses have exactly pg_net''s columns');
SELECT col_type_is('net', '_http_response', 'headers', 'jsonb', 'response headers are jsonb');
SELECT col_not_null('net', '_http_response', 'created', 'created is NOT NULL');
SELECT col_default_is('net', '_http_response', 'created', 'now()', 'created defaults to now()');
SELECT is_indexed('net', '_http_response', 'created', 'responses are indexed on created (TTL cleanup)');

-- ------------------------------------------------------------ signatures with defaults
SELECT is(pg_get_function_arguments('net.http_get(text, jsonb, jsonb, integer)'::regprocedure),
    'url text, params jsonb DEFAULT ''{}''::jsonb, headers jsonb DEFAULT ''{}''::jsonb, timeout_milliseconds integer DEFAULT 5000',
    'net.http_get signature and defaults');
SELECT is(pg_get_function_arguments('net.http_post(text, jsonb, jsonb, jsonb, integer)'::regprocedure),
    'url text, body jsonb DEFAULT ''{}''::jsonb, params jsonb DEFAULT ''{}''::jsonb, headers jsonb DEFAULT ''{"Content-Type": "application/json"}''::jsonb, timeout_milliseconds integer DEFAULT 5000',
    'net.http_post signature and defaults');
SELECT is(pg_get_function_arguments('net.http_delete(text, jsonb, jsonb, integer, jsonb)'::regprocedure),
    'url text, params jsonb DEFAULT ''{}''::jsonb, headers jsonb DEFAULT ''{}''::jsonb, timeout_milliseconds integer DEFAULT 5000, body jsonb DEFAULT NULL::jsonb',
    'net.http_delete signature and defaults');
SELECT is(pg_get_function_arguments('net._http_collect_response(bigint, boolean)'::regprocedure),
    'request_id bigint, async boolean DEFAULT true', 'net._http_collect_response signature and default');
SELECT function_returns('net', 'http_get', ARRAY['text', 'jsonb', 'jsonb', 'integer'], 'bigint');
SELECT function_returns('net', 'http_post', ARRAY['text', 'jsonb', 'jsonb', 'jsonb', 'integer'], 'bigint');
SELECT function_returns('net', 'http_delete', ARRAY['text', 'jsonb', 'jsonb', 'integer', 'jsonb'], 'bigint');
SELECT function_returns('net', '_http_collect_response', ARRAY['bigint', 'boolean'], 'net.http_response_result');
SELECT function_returns('net', 'worker_restart', '{}'::name[], 'boolean');

-- ------------------------------------------------------------ what a call queues
SELECT net.http_get('http://127.0.0.1:5/ok', '{"x": "1 2"}') AS id \gset
SELECT is((SELECT url FROM net.http_request_queue WHERE id = :id),
          'http://127.0.0.1:5/ok?x=1%202', 'params are percent-encoded onto the query string');
SELECT net.http_get('http://127.0.0.1:5/ok?y=0', '{"x": "1 2"}') AS id \gset
SELECT is((SELECT url FROM net.http_request_queue WHERE id = :id),
          'http://127.0.0.1:5/ok?y=0&x=1%202', 'params are appended to an existing query');
SELECT net.http_get('http://h/p', '{"k": "é/&=~._-"}') AS id \gset
SELECT is((SELECT lower(url) FROM net.http_request_queue WHERE id = :id),
          'http://h/p?k=%c3%a9%2f%26%3d~._-', 'params: UTF-8 bytes and reserved characters are percent-encoded');
SELECT net.http_get('http://h') AS id \gset
SELECT is((SELECT url FROM net.http_request_queue WHERE id = :id), 'http://h/',
          'a URL without a path gets "/" as curl normalises it');
SELECT net.http_get('http://127.0.0.1:5/ok') AS id \gset
SELECT is((SELECT row(method::text, headers, body, timeout_milliseconds)::text FROM net.http_request_queue WHERE id = :id),
    '(GET,{},,5000)',
    'a GET row stores headers {} and body NULL, timeout 5000');
SELECT net.http_post('http://127.0.0.1:5/ok', '{"a":1}') AS id \gset
SELECT is((SELECT row(method::text, headers, convert_from(body, 'UTF8'))::text FROM net.http_request_queue WHERE id = :id),
    row('POST', '{"Content-Type": "application/json"}'::jsonb, '{"a": 1}')::text,
    'a POST row: default Content-Type, body in jsonb text form');
SELECT net.http_post('http://h/', headers => '{"Authorization": "Bearer k"}') AS id \gset
SELECT is((SELECT headers FROM net.http_request_queue WHERE id = :id)::text,
          '{"Content-Type": "application/json", "Authorization": "Bearer k"}',
          'http_post adds Content-Type when the headers omit it');
SELECT net.http_post('http://h/', headers => '{"content-type": "application/json"}') AS id \gset
SELECT is((SELECT convert_from(body, 'UTF8') FROM net.http_request_queue WHERE id = :id),
          '{}', 'http_post accepts a lower-case content-type header; default body {}');
SELECT net.http_delete('http://h/x', body => '{"k": [1, 2]}') AS id \gset
SELECT is((SELECT row(method::text, convert_from(body, 'UTF8'))::text FROM net.http_request_queue WHERE id = :id),
    row('DELETE', '{"k": [1, 2]}')::text, 'a DELETE row keeps its optional body');
SELECT net.http_delete('http://h/x') AS id \gset
SELECT is((SELECT body FROM net.http_request_queue WHERE id = :id), NULL,
          'a DELETE without body stores NULL');

-- ------------------------------------------------------------ refused calls queue nothing
CREATE TEMP TABLE before_count AS SELECT count(*) AS n, (SELECT last_value FROM net.http_request_queue_id_seq) AS seq
  FROM net.http_request_queue;
SELECT throws_ok($$SELECT net.http_post('http://127.0.0.1:5/ok', headers => '{"Content-Type": "text/plain"}')$$,
                 'P0001', 'Content-Type header must be "application/json"', 'non-JSON Content-Type is refused');
SELECT throws_ok($$SELECT net.http_post('http://127.0.0.1:5/ok', headers => '{"Content-Type": "application/json; charset=utf-8"}')$$,
                 'P0001', 'Content-Type header must be "application/json"', 'even application/json; charset=utf-8 is refused');
-- an invalid URL: the message is pg_net's (its SQLSTATE is not: see net_shim.sql)
SELECT throws_like($$SELECT net.http_post('127.0.0.1:5/ok')$$,
                   'invalid URL "127.0.0.1:5/ok": Unsupported URL scheme', 'a URL without a scheme is refused');
SELECT throws_like($$SELECT net.http_get('not a url')$$,
                   'invalid URL "not a url": Bad scheme', 'not a URL at all is refused');
SELECT throws_like($$SELECT net.http_get('http://:80/x')$$,
                   'invalid URL "http://:80/x": No host part in the URL', 'a URL without host is refused');
SELECT throws_ok($$SELECT net.http_get(NULL)$$,
                 '23502', 'null value in column "url" of relation "http_request_queue" violates not-null constraint',
                 'NULL url: not-null violation');
SELECT throws_ok($$SELECT net.http_post(NULL, '{}')$$, '23502', NULL, 'NULL url in http_post: not-null violation');
SELECT throws_ok($$SELECT net.http_delete(NULL)$$, '23502', NULL, 'NULL url in http_delete: not-null violation');
SELECT throws_ok($$SELECT net.http_get('http://h/', timeout_milliseconds => NULL)$$,
                 '23502', 'null value in column "timeout_milliseconds" of relation "http_request_queue" violates not-null constraint',
                 'NULL timeout: not-null violation');
SELECT is((SELECT count(*) FROM net.http_request_queue), (SELECT n FROM before_count),
          'nothing was queued by the refused calls');
SELECT is(net.http_get('http://h/', timeout_milliseconds => 0) > 0, true,
          'timeout_milliseconds 0 is accepted (pg_net: no timeout; the shim''s sender caps it, docs/compat.md)');

-- ------------------------------------------------------------ _http_collect_response
SELECT is(net._http_collect_response(-42), ('ERROR', 'request matching request_id not found', NULL)::net.http_response_result,
          'unknown id: ERROR, not found');
INSERT INTO net._http_response (id, status_code, content_type, headers, content, timed_out, error_msg)
VALUES (-1, 503, 'application/json', '{"X": "1"}', '{"e": 1}', false, NULL),
       (-2, NULL, NULL, NULL, NULL, false, 'Couldn''t connect to server');
SELECT is(net._http_collect_response(-1, false), ('SUCCESS', 'ok', (503, '{"X": "1"}', '{"e": 1}')::net.http_response)::net.http_response_result,
          'a 503 answer is SUCCESS with the response');
SELECT is(net._http_collect_response(-2), ('ERROR', 'Couldn''t connect to server', NULL)::net.http_response_result,
          'a transport failure is ERROR with its message');
SELECT is(net.worker_restart(), true, 'net.worker_restart() returns true');

-- ------------------------------------------------------------ privileges
-- As on Supabase, the API roles may queue requests (triggers fired by API users call
-- net.http_post). Who may read the tables is the implementation's (net_shim.sql).
SELECT ok(has_function_privilege('anon', 'net.http_post(text, jsonb, jsonb, jsonb, integer)', 'EXECUTE'),
          'anon may queue (as on Supabase: triggers fired by API users call net.http_post)');
SELECT ok(has_function_privilege('authenticated', 'net.http_get(text, jsonb, jsonb, integer)', 'EXECUTE'),
          'authenticated may queue a GET');
SELECT ok(has_function_privilege('service_role', 'net.http_delete(text, jsonb, jsonb, integer, jsonb)', 'EXECUTE'),
          'service_role may queue a DELETE');
SELECT ok(has_function_privilege('service_role', 'net._http_collect_response(bigint, boolean)', 'EXECUTE'),
          'service_role may collect responses');

-- behaviour as the roles (pgTAP's schema opened to them inside this rolled-back test)
GRANT USAGE ON SCHEMA tap TO anon, authenticated;
SET LOCAL ROLE anon;
SELECT lives_ok($$SELECT net.http_post('http://127.0.0.1:5/hook', '{"a": 1}')$$, 'as anon, net.http_post queues');
RESET ROLE;

SELECT * FROM finish();
