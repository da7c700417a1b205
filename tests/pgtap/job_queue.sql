-- The job queue contract (migrations 0005, 0020): objects, definer hygiene, privileges and RLS,
-- validation, backoff, lease-token fencing, task types, the pause switch, cleanup, health, and the claim's index.
SELECT plan(172);
-- let the API roles run pgTAP's assertions while a test SETs ROLE to them
GRANT USAGE ON SCHEMA tap TO anon, authenticated, service_role;
GRANT ALL ON __tcache__ TO anon, authenticated, service_role;
GRANT ALL ON SEQUENCE __tcache___id_seq, __tresults___numb_seq TO anon, authenticated, service_role;

-- ------------------------------------------------------------ objects
SELECT has_table('public', 'job_queue', 'job_queue exists');
SELECT has_table('public', 'job_queue_attempt_log', 'job_queue_attempt_log exists');
SELECT has_view('public', 'job_queue_attempts', 'job_queue_attempts view exists');
SELECT has_table('public', 'profiles', 'profiles exists');
SELECT has_view('public', 'job_queue_metrics', 'job_queue_metrics view exists');
SELECT columns_are('public', 'job_queue', ARRAY[
    'id', 'task_type', 'payload', 'status', 'run_at', 'attempts', 'max_attempts', 'last_error',
    'created_at', 'updated_at', 'priority', 'locked_by', 'locked_until', 'started_at', 'dedupe_key',
    'result', 'finished_at', 'lease_token'], 'job_queue has the documented columns plus the queue''s');
SELECT col_type_is('public', 'job_queue', 'id', 'uuid', 'id is uuid');
SELECT matches((SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid) FROM pg_catalog.pg_attrdef d
                 JOIN pg_catalog.pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
                 WHERE d.adrelid = 'public.job_queue'::regclass AND a.attname = 'id'),
               'clock_timestamp\(\).*gen_random_uuid\(\)', 'id defaults to a time-ordered uuid (time in ms, then random)');
SELECT col_type_is('public', 'job_queue', 'payload', 'jsonb', 'payload is jsonb');
SELECT col_type_is('public', 'job_queue', 'run_at', 'timestamp with time zone', 'run_at is timestamptz');
SELECT columns_are('public', 'job_queue_attempt_log', ARRAY[
    'job_id', 'attempt', 'worker_id', 'started_at', 'finished_at', 'outcome', 'error', 'duration'],
    'attempt log columns');
SELECT is((SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute
           WHERE attrelid = 'public.job_queue_attempts'::regclass AND attnum > 0),
          ARRAY['job_id', 'attempt', 'worker_id', 'started_at', 'finished_at', 'outcome', 'error', 'duration'],
          'the attempt history view has the same columns');
SELECT has_index('public', 'job_queue', 'job_queue_status_run_at_idx', ARRAY['status', 'run_at'], 'index on (status, run_at)');
SELECT ok(pg_get_indexdef('public.job_queue_status_run_at_idx'::regclass)
          LIKE '%WHERE (status <> ALL (ARRAY[''running''::text, ''succeeded''::text]))',
          'the (status, run_at) index leaves out running and succeeded jobs');
SELECT ok(pg_get_indexdef('public.job_queue_lease_idx'::regclass) LIKE '%(locked_until) WHERE (status = ''running''::text)',
          'partial index on running jobs by lease end');
SELECT has_index('public', 'job_queue', 'job_queue_task_type_idx', ARRAY['task_type'], 'index on (task_type)');
SELECT ok(pg_get_indexdef('public.job_queue_claimable_idx'::regclass) LIKE '%(priority DESC, run_at) WHERE (status = ''pending''::text)',
          'partial claim index on pending jobs in claim order');
SELECT is((SELECT count(*)::int FROM pg_index WHERE indrelid = 'public.job_queue'::regclass), 6,
          'job_queue keeps six indexes (pkey, status/run_at, task_type, claimable, lease, dedupe): each one costs updates');
SELECT index_is_unique('public', 'job_queue', 'job_queue_dedupe_key_idx', 'dedupe_key index is unique');
SELECT ok((SELECT reloptions @> ARRAY['fillfactor=70', 'autovacuum_vacuum_scale_factor=0', 'autovacuum_vacuum_cost_delay=0']
           FROM pg_class WHERE oid = 'public.job_queue'::regclass), 'job_queue ships fillfactor and autovacuum settings');

SELECT has_function('public', 'job_queue_enqueue', ARRAY['text', 'jsonb', 'timestamp with time zone', 'integer', 'integer', 'text']);
SELECT has_function('public', 'job_queue_enqueue_batch', ARRAY['jsonb']);
SELECT has_function('public', 'job_queue_claim', ARRAY['integer', 'text', 'interval', 'text[]']);
SELECT has_function('public', 'job_queue_complete', ARRAY['uuid', 'bigint', 'jsonb']);
SELECT has_function('public', 'job_queue_complete_batch', ARRAY['uuid[]', 'bigint[]', 'jsonb[]']);
SELECT has_function('public', 'job_queue_fail', ARRAY['uuid', 'bigint', 'text']);
SELECT has_function('public', 'job_queue_heartbeat', ARRAY['uuid[]', 'bigint[]', 'interval']);
SELECT has_function('public', 'job_queue_retry', ARRAY['uuid', 'integer']);
SELECT has_function('public', 'job_queue_cancel', ARRAY['uuid']);
SELECT has_function('public', 'job_queue_cleanup', ARRAY['interval', 'text[]']);
SELECT has_function('public', 'job_queue_pause', '{}'::name[]);
SELECT has_function('public', 'job_queue_resume', '{}'::name[]);
SELECT has_function('public', 'is_admin_user', '{}'::name[]);
SELECT function_returns('public', 'job_queue_enqueue', ARRAY['text', 'jsonb', 'timestamp with time zone', 'integer', 'integer', 'text'], 'uuid');
SELECT function_returns('public', 'job_queue_complete', ARRAY['uuid', 'bigint', 'jsonb'], 'boolean');
SELECT function_returns('public', 'is_admin_user', '{}'::name[], 'boolean');

-- every function of the queue is SECURITY DEFINER with search_path pinned to pg_catalog, pg_temp
SELECT is_definer('public', 'job_queue_claim', ARRAY['integer', 'text', 'interval', 'text[]']);
SELECT is_definer('public', 'job_queue_enqueue', ARRAY['text', 'jsonb', 'timestamp with time zone', 'integer', 'integer', 'text']);
SELECT is_definer('public', 'job_queue_complete_batch', ARRAY['uuid[]', 'bigint[]', 'jsonb[]']);
SELECT is_definer('public', 'is_admin_user', '{}'::name[]);
SELECT is(
    (SELECT array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text) FROM pg_proc p
     WHERE p.pronamespace IN ('public'::regnamespace, 'pgcadence'::regnamespace)
       AND (p.proname LIKE 'job_queue%' OR p.proname = 'is_admin_user')
       AND p.prosecdef AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)),
    NULL, 'no definer function of the queue lacks SET search_path = pg_catalog, pg_temp');
SELECT is(
    (SELECT count(*)::int FROM pg_proc p
     WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'job_queue%' AND p.prosecdef),
    21, 'all 21 public job_queue functions are SECURITY DEFINER');
SELECT is(
    (SELECT array_agg(p.proname::text ORDER BY p.proname) FROM pg_proc p
     WHERE p.pronamespace IN ('public'::regnamespace, 'pgcadence'::regnamespace) AND p.proname LIKE 'job_queue%'
       AND has_function_privilege('public', p.oid, 'EXECUTE')),
    NULL, 'PUBLIC can execute no job_queue function');

-- ------------------------------------------------------------ privileges
SELECT function_privs_are('public', 'job_queue_claim', ARRAY['integer', 'text', 'interval', 'text[]'], 'service_role', ARRAY['EXECUTE']);
SELECT function_privs_are('public', 'job_queue_claim', ARRAY['integer', 'text', 'interval', 'text[]'], 'authenticated', '{}'::text[]);
SELECT function_privs_are('public', 'job_queue_claim', ARRAY['integer', 'text', 'interval', 'text[]'], 'anon', '{}'::text[]);
SELECT function_privs_are('public', 'job_queue_complete', ARRAY['uuid', 'bigint', 'jsonb'], 'authenticated', '{}'::text[]);
-- the worker side: no API role but service_role can execute any of it
SELECT is(
    (SELECT array_agg(p.proname::text || ' ' || r ORDER BY p.proname, r) FROM pg_proc p, unnest(ARRAY['anon', 'authenticated']) r
     WHERE p.pronamespace = 'public'::regnamespace
       AND p.proname IN ('job_queue_claim', 'job_queue_complete', 'job_queue_complete_batch', 'job_queue_complete_and_claim',
                         'job_queue_fail', 'job_queue_heartbeat', 'job_queue_release', 'job_queue_worker_alive',
                         'job_queue_worker_stopped')
       AND has_function_privilege(r, p.oid, 'EXECUTE')),
    NULL, 'anon and authenticated can execute no worker function');
SELECT function_privs_are('public', 'job_queue_cancel', ARRAY['uuid'], 'authenticated', ARRAY['EXECUTE']);
SELECT function_privs_are('public', 'job_queue_cancel', ARRAY['uuid'], 'anon', '{}'::text[]);
SELECT table_privs_are('public', 'job_queue', 'anon', '{}'::text[]);
SELECT table_privs_are('public', 'job_queue', 'authenticated', ARRAY['SELECT']);
SELECT table_privs_are('public', 'job_queue', 'service_role', ARRAY['DELETE', 'INSERT', 'SELECT', 'UPDATE']);
SELECT policies_are('public', 'job_queue', ARRAY['job_queue_admin_read']);
SELECT policies_are('public', 'job_queue_attempt_log', ARRAY['job_queue_attempt_log_admin_read']);
SELECT ok((SELECT bool_and(relrowsecurity) FROM pg_class
           WHERE oid IN ('public.job_queue'::regclass, 'public.job_queue_attempt_log'::regclass, 'public.profiles'::regclass)),
          'RLS is on for job_queue, job_queue_attempt_log and profiles');
SELECT ok((SELECT bool_and(reloptions @> ARRAY['security_invoker=true']) FROM pg_class
           WHERE oid IN ('public.job_queue_attempts'::regclass, 'public.job_queue_metrics'::regclass)),
          'the views run with the caller''s rights (RLS applies)');

-- fixtures: an admin and an ordinary user
INSERT INTO public.profiles (id, role) VALUES
    ('00000000-0000-0000-0000-0000000000a1', 'admin'),
    ('00000000-0000-0000-0000-0000000000b2', 'user');
SELECT job_queue_enqueue('tap_seen', '{"n": 0}') IS NOT NULL AS seeded \gset

SET LOCAL ROLE anon;
SELECT throws_ok('SELECT count(*) FROM public.job_queue', '42501', NULL, 'anon: permission denied on job_queue');
SELECT throws_ok($$SELECT public.job_queue_enqueue('x')$$, '42501', NULL, 'anon: permission denied on enqueue');
RESET ROLE;

SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub": "00000000-0000-0000-0000-0000000000b2", "role": "authenticated"}';
SELECT ok(NOT public.is_admin_user(), 'an ordinary user is not an admin');
SELECT throws_ok($$SELECT public.job_queue_enqueue('x')$$, '42501',
    'job_queue_enqueue: permission denied: only service_role or an admin (profiles.role = ''admin'') may manage the job queue',
    'non-admin authenticated: enqueue refused');
SELECT throws_ok($$SELECT public.job_queue_pause()$$, '42501', NULL, 'non-admin authenticated: pause refused');
SELECT throws_ok($$SELECT * FROM public.job_queue_claim(1, 'w')$$, '42501', NULL, 'non-admin authenticated: claim refused');
SELECT is((SELECT count(*)::int FROM public.job_queue), 0, 'non-admin authenticated: RLS shows no job');
SELECT is((SELECT count(*)::int FROM public.profiles), 1, 'a user reads only their own profile');

SET LOCAL request.jwt.claims = '{"sub": "00000000-0000-0000-0000-0000000000a1", "role": "authenticated"}';
SELECT ok(public.is_admin_user(), 'profiles.role = admin makes is_admin_user() true');
SELECT lives_ok($$SELECT public.job_queue_enqueue('tap_admin', '{"by": "admin"}')$$, 'admin: enqueue allowed');
SELECT ok((SELECT count(*) FROM public.job_queue) >= 2, 'admin: reads the queue through RLS');
SELECT is((SELECT count(*)::int FROM public.job_queue_list(NULL, 'tap_admin')), 1, 'admin: job_queue_list works');
SELECT throws_ok($$SELECT * FROM public.job_queue_claim(1, 'w')$$, '42501', NULL, 'admin: claiming is for workers (service_role)');
RESET ROLE;
RESET request.jwt.claims;

-- a grant given later (as Supabase's default privileges give anon and authenticated) does
-- not open the worker functions: each checks its caller
GRANT EXECUTE ON FUNCTION public.job_queue_claim(integer, text, interval, text[]),
    public.job_queue_complete_and_claim(uuid[], bigint[], jsonb[], integer, text, interval, text[], uuid[], bigint[], text[]),
    public.job_queue_complete(uuid, bigint, jsonb), public.job_queue_heartbeat(uuid[], bigint[], interval),
    public.job_queue_release(uuid, bigint, text), public.job_queue_fail(uuid, bigint, text)
    TO anon, authenticated;
SET LOCAL ROLE anon;
SELECT throws_ok($$SELECT * FROM public.job_queue_claim(1000, 'thief', '1 hour')$$, '42501',
    'job_queue_claim: permission denied: only service_role (a queue worker) may claim or finish jobs',
    'anon with EXECUTE: claim refused by the caller check');
SELECT throws_ok($$SELECT * FROM public.job_queue_complete_and_claim('{}', '{}', NULL, 10, 'thief', '1 hour')$$, '42501', NULL,
    'anon with EXECUTE: complete_and_claim refused');
SELECT throws_ok($$SELECT public.job_queue_complete('00000000-0000-0000-0000-000000000000', 1)$$, '42501', NULL,
    'anon with EXECUTE: complete refused');
SELECT throws_ok($$SELECT * FROM public.job_queue_heartbeat('{}', '{}', '1 hour')$$, '42501', NULL,
    'anon with EXECUTE: heartbeat refused');
RESET ROLE;
SET LOCAL ROLE authenticated;
SELECT throws_ok($$SELECT * FROM public.job_queue_fail('00000000-0000-0000-0000-000000000000', 1, 'x')$$, '42501', NULL,
    'authenticated with EXECUTE: fail refused');
SELECT throws_ok($$SELECT public.job_queue_release('00000000-0000-0000-0000-000000000000', 1)$$, '42501', NULL,
    'authenticated with EXECUTE: release refused');
RESET ROLE;
REVOKE EXECUTE ON FUNCTION public.job_queue_claim(integer, text, interval, text[]),
    public.job_queue_complete_and_claim(uuid[], bigint[], jsonb[], integer, text, interval, text[], uuid[], bigint[], text[]),
    public.job_queue_complete(uuid, bigint, jsonb), public.job_queue_heartbeat(uuid[], bigint[], interval),
    public.job_queue_release(uuid, bigint, text), public.job_queue_fail(uuid, bigint, text)
    FROM anon, authenticated;

-- ------------------------------------------------------------ validation
SET LOCAL ROLE service_role;
SELECT throws_ok($$SELECT * FROM public.job_queue_list('bogus')$$, '22023',
    'job_queue_list: unknown status "bogus" (expected pending, running, succeeded, failed, cancelled)', 'unknown status refused');
SELECT throws_ok($$SELECT * FROM public.job_queue_list(NULL, NULL, 100000)$$, '22023',
    'job_queue_list: max_rows must be between 1 and 1000 (got 100000)', 'a page is at most 1000 jobs');
SELECT throws_ok($$SELECT public.job_queue_cleanup('1 day', '{running}')$$, '22023', NULL, 'cleanup refuses unfinished statuses');
SELECT throws_ok($$SELECT public.job_queue_enqueue('t', '{}', max_attempts => -1)$$, '22023',
    'job_queue_enqueue: max_attempts must be at least 1 (got -1)', 'negative max_attempts refused');
SELECT throws_ok($$SELECT public.job_queue_enqueue('t', '[1, 2]')$$, '22023',
    'job_queue_enqueue: payload must be a JSON object, got array', 'non-object payload refused');
SELECT throws_like($$SELECT public.job_queue_enqueue('t', jsonb_build_object('blob', repeat('x', 300000)))$$,
    'job_queue_enqueue: payload is 3000__ bytes; the limit is 262144 bytes', 'oversized payload refused');
SELECT throws_ok($$SELECT public.job_queue_enqueue('bad type!')$$, '22023', NULL, 'invalid task_type refused');
SELECT lives_ok($$SELECT public.job_queue_enqueue('tap_dedupe', '{}', dedupe_key => 'only-one')$$, 'first job with a dedupe_key');
SELECT throws_like($$SELECT public.job_queue_enqueue('tap_dedupe', '{}', dedupe_key => 'only-one')$$,
    'job_queue_enqueue: a pending or running job with dedupe_key "only-one" already exists (id %)', 'duplicate dedupe_key refused');
SELECT throws_ok($$SELECT public.job_queue_enqueue_batch('[{"task_type": "b", "dedupe_key": "dup"}, {"task_type": "b", "dedupe_key": "dup"}]')$$,
    '23505', NULL, 'duplicate dedupe_key inside a batch refused');
SELECT throws_ok($$SELECT * FROM public.job_queue_claim(0, 'w')$$, '22023', NULL, 'batch_size 0 refused');
-- leases are capped (settings.max_lease, default 1 hour): nobody holds a job for years
SELECT throws_ok($$SELECT * FROM public.job_queue_claim(1, 'w', '100 years')$$, '22023',
    'job_queue_claim: lease must be positive and at most 01:00:00 (got 100 years)', 'a lease beyond max_lease refused');
SELECT throws_ok($$SELECT * FROM public.job_queue_heartbeat('{}', '{}', '2 hours')$$, '22023',
    'job_queue_heartbeat: extend must be positive and at most 01:00:00 (got 02:00:00)', 'a heartbeat beyond max_lease refused');
-- what would break workers is refused at enqueue, naming the field
SELECT throws_ok($$SELECT public.job_queue_enqueue('t', '{}', run_at => 'infinity')$$, '22008',
    'job_queue_enqueue: run_at must be a finite time (got infinity)', 'run_at infinity refused');
SELECT throws_ok($$SELECT public.job_queue_enqueue('t', ('{"a": ' || repeat('[', 10000) || repeat(']', 10000) || '}')::jsonb)$$,
    '54000', 'job_queue_enqueue: payload nests more than 100 levels deep', 'a payload nested 10,000 deep refused');
SELECT lives_ok($$SELECT public.job_queue_enqueue('tap_deep', ('{"a": ' || repeat('[', 98) || repeat(']', 98) || '}')::jsonb)$$,
    'a payload nested 99 deep is fine');
SELECT throws_ok($$SELECT public.job_queue_enqueue('t', ('{"n": ' || repeat('9', 5000) || '}')::jsonb)$$, '22003',
    'job_queue_enqueue: payload holds a number of more than 1000 digits', 'a 5,000-digit number refused');
SELECT throws_ok($$SELECT public.job_queue_enqueue('t', '{}', dedupe_key => repeat('k', 3000))$$, '54000',
    'job_queue_enqueue: dedupe_key is 3000 bytes; the limit is 512 bytes', 'an oversized dedupe_key refused, the field named');
SELECT throws_ok($$SELECT public.job_queue_enqueue_batch('[{"task_type": "t"}, {"task_type": "t", "run_at": "infinity"}]')$$,
    '22008', 'job_queue_enqueue_batch: element 2: run_at must be a finite time (got infinity)', 'batch: infinite run_at refused');
SELECT throws_ok($$SELECT public.job_queue_enqueue_batch('[{"task_type": "t", "priority": "high"}]')$$, '22023',
    'job_queue_enqueue_batch: element 1: priority must be an integer (got "high")', 'batch: a non-integer priority named');
SELECT throws_ok($$SELECT public.job_queue_enqueue_batch('[{"task_type": "t", "run_at": "someday"}]')$$, '22007',
    'job_queue_enqueue_batch: element 1: run_at is not a time: "someday"', 'batch: an unparseable run_at named');
SELECT throws_ok($$SELECT public.job_queue_enqueue_batch('[{"task_type": "t", "dedupe_key": 7}]')$$, '22023',
    'job_queue_enqueue_batch: element 1: dedupe_key must be a string (got number)', 'batch: a non-string dedupe_key named');
SELECT throws_ok($$INSERT INTO public.job_queue (task_type, status) VALUES ('t', 'done')$$, '23514', NULL,
    'the table refuses an unknown status');
RESET ROLE;

-- ------------------------------------------------------------ backoff
UPDATE pgcadence.job_queue_settings SET backoff_base = '10 seconds', backoff_cap = '1 hour', backoff_jitter = 0.25;
SELECT is(job_queue_retry_delay(1, 0), interval '10 seconds', 'first retry: base');
SELECT is(job_queue_retry_delay(4, 0), interval '80 seconds', 'fourth retry: base * 2^3');
SELECT is(job_queue_retry_delay(4, 1), interval '100 seconds', 'jitter stretches by at most 25 %');
SELECT is(job_queue_retry_delay(30, 1), interval '1 hour', 'never beyond the cap');
SELECT ok((SELECT bool_and(d >= least(interval '1 hour', interval '10 seconds' * 2 ^ (n - 1))
                       AND d <= least(interval '1 hour', interval '12.5 seconds' * 2 ^ (n - 1)))
           FROM generate_series(1, 20) n, LATERAL (SELECT job_queue_retry_delay(n) AS d) x),
          'random jitter stays within [formula, 1.25 × formula], capped');

-- fail → pending after the backoff; failed at max_attempts with last_error kept
DELETE FROM public.job_queue;
SELECT job_queue_enqueue('tap_fail', '{}', max_attempts => 2) AS fail_id \gset
SELECT attempt AS a1, lease_token AS t1 FROM job_queue_claim(5, 'w1', '1 minute') \gset
SELECT is(:a1, 1, 'claim returns attempt 1');
SELECT ok((SELECT status = 'pending' AND run_at >= now() + interval '10 seconds' AND run_at <= now() + interval '12.5 seconds'
           FROM job_queue_fail(:'fail_id', :t1, 'boom 1')), 'first failure: pending again, run_at within the formula''s bounds');
SELECT is((SELECT count(*)::int FROM job_queue_claim(5, 'w1', '1 minute')), 0, 'not claimable before its run_at');
UPDATE public.job_queue SET run_at = now() WHERE id = :'fail_id';
SELECT attempt AS a2, lease_token AS t2 FROM job_queue_claim(5, 'w1', '1 minute') \gset
SELECT is(:a2, 2, 'second claim is attempt 2');
SELECT isnt(:t2, :t1, 'a new claim, a new lease token');
SELECT is((SELECT status FROM job_queue_fail(:'fail_id', :t2, 'boom 2')), 'failed', 'failed once attempts reach max_attempts');
SELECT results_eq(format($$SELECT status, attempts, last_error FROM public.job_queue WHERE id = %L$$, :'fail_id'),
    $$VALUES ('failed'::text, 2, 'boom 2'::text)$$, 'failed job keeps attempts and last_error');
SELECT results_eq(format($$SELECT attempt, outcome, error FROM public.job_queue_attempts WHERE job_id = %L ORDER BY attempt$$, :'fail_id'),
    $$VALUES (1, 'failed'::text, 'boom 1'::text), (2, 'failed'::text, 'boom 2'::text)$$, 'one attempt row per attempt');
SELECT is(job_queue_retry(:'fail_id'), 'pending', 'retry puts a failed job back');
SELECT is((SELECT outcome FROM public.job_queue_attempts WHERE job_id = :'fail_id' AND attempt = 2), 'failed',
          'its history stays');
SELECT is((SELECT max_attempts FROM public.job_queue WHERE id = :'fail_id'), 3, 'retry grants one more attempt');

-- ------------------------------------------------------------ lease-token fencing
DELETE FROM public.job_queue;
SELECT job_queue_enqueue('tap_lease') AS lease_id \gset
SELECT lease_token AS old_token FROM job_queue_claim(1, 'w-old', '30 seconds') \gset
SELECT is((SELECT count(*)::int FROM job_queue_claim(1, 'w-new', '30 seconds')), 0, 'a live lease is not taken');
SELECT is((SELECT count(*)::int FROM job_queue_heartbeat(ARRAY[:'lease_id']::uuid[], ARRAY[:old_token]::bigint[], '1 minute')), 1,
          'heartbeat extends a live lease');
UPDATE public.job_queue SET locked_until = now() - interval '1 second' WHERE id = :'lease_id';  -- w-old went silent
SELECT attempt AS new_attempt, lease_token AS new_token FROM job_queue_claim(1, 'w-new', '30 seconds') \gset
SELECT is(:new_attempt, 2, 'an expired lease is taken back as attempt 2');
SELECT ok(NOT job_queue_complete(:'lease_id', :old_token, '{"by": "old"}'), 'the old claim cannot complete it');
SELECT is((SELECT count(*)::int FROM job_queue_fail(:'lease_id', :old_token, 'late')), 0, 'nor fail it');
SELECT is((SELECT count(*)::int FROM job_queue_heartbeat(ARRAY[:'lease_id']::uuid[], ARRAY[:old_token]::bigint[], '1 minute')), 0,
          'nor extend its lease');
SELECT ok(NOT job_queue_complete(:'lease_id', NULL, '{"by": "nobody"}'), 'no token, no completion');
SELECT ok(job_queue_complete(:'lease_id', :new_token, '{"by": "new"}'), 'the current claim completes it');
SELECT results_eq(format($$SELECT status, result ->> 'by', attempts FROM public.job_queue WHERE id = %L$$, :'lease_id'),
    $$VALUES ('succeeded'::text, 'new'::text, 2)$$, 'the newer attempt''s outcome stands');
SELECT results_eq(format($$SELECT attempt, worker_id, outcome FROM public.job_queue_attempts WHERE job_id = %L ORDER BY attempt$$, :'lease_id'),
    $$VALUES (1, 'w-old'::text, 'lease_expired'::text), (2, 'w-new'::text, 'succeeded'::text)$$, 'history: lease_expired, then succeeded');
-- a claim a crash undid (committed asynchronously, never flushed): the job is pending again
-- with its old attempt count, the next claim hands out the same attempt number, and the
-- first worker's late outcome must not land on the second claim
SELECT job_queue_enqueue('tap_crash') AS crash_id \gset
SELECT lease_token AS lost_token, attempt AS lost_attempt FROM job_queue_claim(1, 'w-crashed', '30 seconds') \gset
UPDATE public.job_queue SET status = 'pending', attempts = 0, locked_until = NULL, locked_by = NULL,
       lease_token = NULL, started_at = NULL WHERE id = :'crash_id';  -- the row as it was before the claim
SELECT attempt AS again_attempt, lease_token AS again_token FROM job_queue_claim(1, 'w-after', '30 seconds') \gset
SELECT is(:again_attempt, :lost_attempt, 'the claim after the crash has the same attempt number');
SELECT is((SELECT count(*)::int FROM job_queue_fail(:'crash_id', :lost_token, 'late failure of the lost claim')), 0,
          'the lost claim''s failure does not land on the new claim');
SELECT ok(NOT job_queue_complete(:'crash_id', :lost_token), 'nor its completion');
SELECT results_eq(format($$SELECT status, locked_by, last_error FROM public.job_queue WHERE id = %L$$, :'crash_id'),
    $$VALUES ('running'::text, 'w-after'::text, NULL::text)$$, 'the new claim still holds the job, untouched');
SELECT ok(job_queue_complete(:'crash_id', :again_token), 'and completes it');
-- a lease that expires on the last allowed attempt fails the job instead of running it again
SELECT job_queue_enqueue('tap_lease_last', '{}', max_attempts => 1) AS last_id \gset
SELECT is((SELECT count(*)::int FROM job_queue_claim(1, 'w-old', '30 seconds')), 1, 'claimed its only attempt');
UPDATE public.job_queue SET locked_until = now() - interval '1 second' WHERE id = :'last_id';
SELECT is((SELECT count(*)::int FROM job_queue_claim(1, 'w-new', '30 seconds')), 0, 'not run a second time');
SELECT is((SELECT status FROM public.job_queue WHERE id = :'last_id'), 'failed', 'failed: lease expired on the last attempt');
-- such a job does not take a claimed job's place: a claim of one fails it and still takes a due job
SELECT job_queue_enqueue('tap_lease_last2', '{}', max_attempts => 1) AS last2_id \gset
SELECT is((SELECT count(*)::int FROM job_queue_claim(1, 'w-old', '30 seconds', ARRAY['tap_lease_last2'])), 1, 'claimed the other job''s only attempt');
UPDATE public.job_queue SET locked_until = now() - interval '1 second' WHERE id = :'last2_id';
SELECT job_queue_enqueue('tap_lease_last2') AS due_id \gset
SELECT is((SELECT array_agg(id) FROM job_queue_claim(1, 'w-new', '30 seconds', ARRAY['tap_lease_last2'])), ARRAY[:'due_id'::uuid],
          'a claim of one fails the expired job and takes the due one');
SELECT is((SELECT status FROM public.job_queue WHERE id = :'last2_id'), 'failed', 'the expired one failed');
-- batch completion, fenced per job
SELECT count(*) AS b FROM job_queue_enqueue_batch('[{"task_type": "tap_b"}, {"task_type": "tap_b"}, {"task_type": "tap_b"}]') \gset
CREATE TEMP TABLE tap_claimed AS SELECT * FROM job_queue_claim(10, 'w-batch', '1 minute');
SELECT is((SELECT count(*)::int FROM tap_claimed), 3, 'batch claim takes the three');
SELECT is((SELECT count(*)::int FROM job_queue_complete_batch(
              (SELECT array_agg(id) FROM tap_claimed),
              (SELECT array_agg(CASE WHEN n = 1 THEN lease_token + 1 ELSE lease_token END)
               FROM (SELECT lease_token, row_number() OVER () AS n FROM tap_claimed) x))), 2,
          'batch complete applies where the token matches, skips the stale one');
-- the worker's loop: record outcomes and claim the next jobs in one call
SELECT job_queue_enqueue('tap_cc') AS cc_id \gset
SELECT id AS cc_claimed, lease_token AS cc_token FROM job_queue_complete_and_claim('{}', '{}', NULL, 5, 'w-cc', '1 minute', '{tap_cc}')
    WHERE kind = 'job' \gset
SELECT is(:'cc_claimed'::uuid, :'cc_id'::uuid, 'complete_and_claim with nothing to complete claims');
SELECT results_eq(format($$SELECT kind, id FROM job_queue_complete_and_claim(ARRAY[%L, %L]::uuid[], ARRAY[%s, 1]::bigint[], NULL, 5, 'w-cc', '1 minute', '{tap_cc}')$$,
                         :'cc_id', :'lease_id', :cc_token),
    format($$VALUES ('lost'::text, %L::uuid), ('wait', NULL)$$, :'lease_id'),
    'then completes it, reports the completion that did not apply as lost, and says the queue has nothing more (wait)');
SELECT is((SELECT status FROM public.job_queue WHERE id = :'cc_id'), 'succeeded', 'the job was completed');
SELECT job_queue_enqueue('tap_cc', '{}', max_attempts => 2) AS cc2_id \gset
SELECT lease_token AS cc2_token FROM job_queue_complete_and_claim('{}', '{}', NULL, 1, 'w-cc', '1 minute', '{tap_cc}') WHERE kind = 'job' \gset
SELECT results_eq(format($$SELECT kind, id, run_at > now() FROM job_queue_complete_and_claim('{}', '{}', NULL, 0, failed_ids => ARRAY[%L]::uuid[],
                                failed_tokens => ARRAY[%s]::bigint[], errors => '{boom}')$$, :'cc2_id', :cc2_token),
    format($$VALUES ('retry'::text, %L::uuid, true)$$, :'cc2_id'), 'a failure comes back as retry with the next run_at');
SELECT is((SELECT wait_s FROM job_queue_complete_and_claim('{}', '{}', NULL, 5, 'w-cc', '1 minute', '{tap_cc}')) > 5, true,
          'wait: seconds until the retry is due');
-- release (worker shutting down): pending again, due now, the attempt does not count
SELECT id AS rel_id, lease_token AS rel_token FROM tap_claimed WHERE id IN (
    SELECT id FROM public.job_queue WHERE task_type = 'tap_b' AND status = 'running') \gset
SELECT ok(NOT job_queue_release(:'rel_id', :rel_token + 1), 'release is fenced by the lease token');
SELECT ok(job_queue_release(:'rel_id', :rel_token), 'release hands the attempt back');
SELECT results_eq(format($$SELECT status, max_attempts, (SELECT outcome FROM public.job_queue_attempts WHERE job_id = %L AND attempt = 1)
                          FROM public.job_queue WHERE id = %L$$, :'rel_id', :'rel_id'),
    $$VALUES ('pending'::text, 4, 'released'::text)$$, 'released: pending, one attempt added back, recorded');
SELECT is((SELECT attempt FROM job_queue_claim(1, 'w-batch', '1 minute', '{tap_b}')), 2, 'a released job is claimed again at once');
-- cancel
SELECT is(job_queue_cancel((SELECT id FROM public.job_queue WHERE task_type = 'tap_b' AND status = 'running')), 'cancelled',
          'cancel a running job');
SELECT throws_like(format($$SELECT public.job_queue_cancel(%L)$$, :'lease_id'), 'job_queue_cancel: job % is already succeeded',
          'cancel refuses a finished job');
SELECT throws_ok($$SELECT public.job_queue_cancel('00000000-0000-0000-0000-000000000000')$$, 'P0002', NULL, 'unknown id');

-- ------------------------------------------------------------ task types and running workers
DELETE FROM public.job_queue;
SELECT count(*) AS tt FROM job_queue_enqueue_batch('[{"task_type": "tap_x", "priority": 9}, {"task_type": "tap_y"}]') \gset
SELECT is((SELECT array_agg(task_type) FROM job_queue_claim(10, 'w-y', '1 minute', '{tap_y}')), '{tap_y}',
          'a claim takes only the task types it names, whatever their priority');
SELECT is((SELECT status FROM public.job_queue WHERE task_type = 'tap_x'), 'pending', 'the other type waits');
SELECT is((SELECT unhandled FROM job_queue_health()), '{"tap_x": 1}'::jsonb, 'health: a due job no running worker handles');
SELECT lives_ok($$SELECT job_queue_worker_alive('w-x', '{tap_x}', '1 minute')$$, 'a worker for tap_x says it runs');
SELECT results_eq($$SELECT running_workers, unhandled FROM job_queue_health()$$, $$VALUES (1, '{}'::jsonb)$$,
                  'health: every due job has a worker');
SELECT lives_ok($$SELECT job_queue_worker_stopped('w-x')$$, 'the worker stops');
SELECT is((SELECT unhandled FROM job_queue_health()), '{"tap_x": 1}'::jsonb, 'health: unhandled again');
SELECT throws_ok($$SELECT job_queue_worker_alive('w-x', '{tap_x}', '1 day')$$, '22023', NULL, 'a worker record''s ttl is capped');

-- ------------------------------------------------------------ pause switch
DELETE FROM public.job_queue;
SELECT ok(job_queue_pause(), 'pause');
SELECT ok(job_queue_paused(), 'job_queue_paused() says so');
SELECT lives_ok($$SELECT public.job_queue_enqueue('tap_paused')$$, 'enqueue works while paused');
SELECT is((SELECT count(*)::int FROM job_queue_claim(10, 'w', '1 minute')), 0, 'claims return nothing while paused');
SELECT ok(NOT job_queue_resume(), 'resume');
SELECT is((SELECT count(*)::int FROM job_queue_claim(10, 'w', '1 minute')), 1, 'claims work again');

-- ------------------------------------------------------------ cleanup
DELETE FROM public.job_queue;
DELETE FROM public.job_queue_attempt_log;
INSERT INTO public.job_queue (task_type, status, attempts, finished_at)
SELECT 'tap_old', s, 1, now() - d
FROM (VALUES ('succeeded', interval '20 days'), ('succeeded', interval '20 days'), ('succeeded', interval '1 day'),
             ('failed', interval '20 days'), ('cancelled', interval '20 days')) v(s, d);
INSERT INTO public.job_queue_attempt_log (job_id, attempt, started_at, outcome)
SELECT id, 1, finished_at, 'failed' FROM public.job_queue;
SELECT is(job_queue_cleanup(), 2::bigint, 'cleanup deletes succeeded jobs older than 14 days');
SELECT is((SELECT count(*)::int FROM public.job_queue_attempt_log), 3, 'and their attempt rows');
SELECT is(job_queue_cleanup('14 days', '{failed,cancelled}'), 2::bigint, 'failed and cancelled on request');
SELECT ok(EXISTS (SELECT 1 FROM cron.job WHERE jobname = 'job_queue_cleanup_daily' AND schedule = '15 3 * * *'
                  AND command LIKE '%job_queue_cleanup(''14 days'')%'), 'job_queue_cleanup_daily runs at 03:15 UTC keeping 14 days');

-- ------------------------------------------------------------ metrics
DELETE FROM public.job_queue;
SELECT job_queue_enqueue('tap_m', '{}', run_at => now() - interval '5 minutes') IS NOT NULL AS m \gset
SELECT job_queue_enqueue('tap_m') IS NOT NULL AS m \gset
SELECT results_eq($$SELECT pending, due, running, oldest_pending_age >= interval '5 minutes' FROM public.job_queue_metrics WHERE task_type = 'tap_m'$$,
    $$VALUES (2::bigint, 2::bigint, 0::bigint, true)$$, 'metrics: counts and oldest pending age');

-- ------------------------------------------------------------ the claim reads the partial index
INSERT INTO public.job_queue (task_type, status, attempts, finished_at)
SELECT 'tap_done', 'succeeded', 1, now() FROM generate_series(1, 20000);
INSERT INTO public.job_queue (task_type, run_at)
SELECT 'tap_due', now() - g * interval '1 second' FROM generate_series(1, 5000) g;
ANALYZE public.job_queue;
CREATE FUNCTION pg_temp.claim_plan() RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE $q$EXPLAIN SELECT j.id FROM public.job_queue j
        WHERE j.status = 'pending' AND j.run_at <= now()
        ORDER BY j.priority DESC, j.run_at LIMIT 100 FOR UPDATE SKIP LOCKED$q$;
END
$$;
SELECT ok((SELECT string_agg(p, E'\n') FROM pg_temp.claim_plan() p) ~ 'Index Scan using job_queue_claimable_idx',
          'the claim''s inner select is an index range scan on job_queue_claimable_idx');
CREATE FUNCTION pg_temp.complete_plan() RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE $q$EXPLAIN UPDATE public.job_queue q SET status = 'succeeded'
        FROM unnest('{00000000-0000-0000-0000-000000000001}'::uuid[], '{1}'::bigint[]) AS i(id, tok)
        WHERE q.id = i.id AND q.locked_until IS NOT NULL AND q.lease_token = i.tok$q$;
END
$$;
SELECT ok((SELECT string_agg(p, E'\n') FROM pg_temp.complete_plan() p) ~ 'Index Scan using job_queue_pkey',
          'completion finds its rows by primary key');
CREATE FUNCTION pg_temp.lease_plan() RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE $q$EXPLAIN SELECT j.id FROM public.job_queue j
        WHERE j.status = 'running' AND j.locked_until < now() ORDER BY j.locked_until LIMIT 100 FOR UPDATE SKIP LOCKED$q$;
END
$$;
SELECT ok((SELECT string_agg(p, E'\n') FROM pg_temp.lease_plan() p) ~ 'Index (Only )?Scan using job_queue_lease_idx',
          'the expired-lease probe reads job_queue_lease_idx');

SELECT * FROM finish();
