-- The cron management contract (migration 0006): definer hygiene and privileges of
-- every function, the admin check, every validation error, hostile inputs that change
-- nothing, the behaviour of each function, and the DST guard for America/Los_Angeles
-- and Europe/Berlin.
SELECT plan(339);
GRANT USAGE ON SCHEMA tap TO anon, authenticated, service_role;
GRANT ALL ON __tcache__ TO anon, authenticated, service_role;
GRANT ALL ON SEQUENCE __tcache___id_seq, __tresults___numb_seq TO anon, authenticated, service_role;

-- users: an admin, a plain user, and a signed-in user without a profile
INSERT INTO public.profiles (id, role) VALUES
    ('00000000-0000-0000-0000-0000000000a1', 'admin'),
    ('00000000-0000-0000-0000-0000000000a2', 'user');
SELECT public.register_job_handler('cron_test_echo', 'pgTAP test handler');
-- a job created through the admin functions (the owner may create one too): the one the calls below touch
SELECT public.create_cron_job('admin_echo', '0 0 1 1 *', 'cron_test_echo');

CREATE TABLE public.cron_sentinel (x integer);
INSERT INTO public.cron_sentinel VALUES (1);
GRANT ALL ON public.cron_sentinel TO PUBLIC;

-- ------------------------------------------------------------ the public functions
CREATE TABLE public.cron_test_fns (fn name, args name[], call text, authenticated_may boolean);
GRANT SELECT ON public.cron_test_fns TO PUBLIC;
INSERT INTO public.cron_test_fns VALUES
    ('describe_cron_schedule', ARRAY['text', 'text'], $q$SELECT public.describe_cron_schedule('0 * * * *')$q$, true),
    ('get_cron_jobs', '{}', $q$SELECT * FROM public.get_cron_jobs()$q$, true),
    ('get_cron_job_runs', ARRAY['integer', 'text'], $q$SELECT * FROM public.get_cron_job_runs()$q$, true),
    ('toggle_cron_job', ARRAY['text', 'boolean'], $q$SELECT public.toggle_cron_job('admin_echo', true)$q$, true),
    ('update_cron_schedule', ARRAY['text', 'text', 'text'], $q$SELECT public.update_cron_schedule('admin_echo', '0 0 1 1 *')$q$, true),
    ('create_cron_job', ARRAY['text', 'text', 'text', 'jsonb', 'integer', 'text'], $q$SELECT public.create_cron_job('refused_job', '0 0 * * *', 'cron_test_echo')$q$, true),
    ('delete_cron_job', ARRAY['text'], $q$SELECT public.delete_cron_job('cron_history_cleanup')$q$, true),
    ('run_cron_job_now', ARRAY['text'], $q$SELECT * FROM public.run_cron_job_now('admin_echo')$q$, true),
    ('list_job_handlers', '{}', $q$SELECT * FROM public.list_job_handlers()$q$, true),
    ('cron_history_cleanup', ARRAY['interval'], $q$SELECT public.cron_history_cleanup()$q$, true),
    ('set_cron_history_retention', ARRAY['interval'], $q$SELECT public.set_cron_history_retention('7 days')$q$, true),
    ('cron_health', '{}', $q$SELECT * FROM public.cron_health()$q$, true),
    ('register_job_handler', ARRAY['text', 'text'], $q$SELECT public.register_job_handler('refused_type')$q$, false);

SELECT has_function('public', fn, args, fn || ' exists') FROM public.cron_test_fns ORDER BY fn;
SELECT is_definer('public', fn, args, fn || ' is SECURITY DEFINER') FROM public.cron_test_fns ORDER BY fn;
SELECT ok((SELECT p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'] FROM pg_proc p
           WHERE p.oid = format('public.%I(%s)', f.fn, array_to_string(f.args, ','))::regprocedure),
          fn || ' pins search_path to pg_catalog, pg_temp') FROM public.cron_test_fns f ORDER BY fn;
SELECT function_privs_are('public', fn, args, 'anon', '{}'::text[], fn || ': anon may not execute') FROM public.cron_test_fns ORDER BY fn;
SELECT function_privs_are('public', fn, args, 'authenticated', CASE WHEN authenticated_may THEN ARRAY['EXECUTE'] ELSE '{}'::text[] END,
                          fn || ': authenticated ' || CASE WHEN authenticated_may THEN 'may execute (admin check inside)' ELSE 'may not execute' END)
FROM public.cron_test_fns ORDER BY fn;
SELECT function_privs_are('public', fn, args, 'service_role', ARRAY['EXECUTE'], fn || ': service_role may execute') FROM public.cron_test_fns ORDER BY fn;
SELECT is((SELECT array_agg(f.fn ORDER BY f.fn) FROM public.cron_test_fns f, pg_proc p, aclexplode(p.proacl) a
           WHERE p.oid = format('public.%I(%s)', f.fn, array_to_string(f.args, ','))::regprocedure AND a.grantee = 0),
          NULL, 'no public function of 0006 is executable by PUBLIC');
SELECT is((SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
           WHERE p.pronamespace = 'pgcadence'::regnamespace AND p.proname LIKE 'cron\_%'
             AND (has_function_privilege('anon', p.oid, 'EXECUTE') OR has_function_privilege('authenticated', p.oid, 'EXECUTE')
                  OR has_function_privilege('service_role', p.oid, 'EXECUTE'))),
          NULL, 'no pgcadence.cron_* internal is executable by the API roles');
SELECT is((SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
           WHERE p.pronamespace = 'pgcadence'::regnamespace AND p.proname LIKE 'cron\_%' AND p.prosecdef
             AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)),
          NULL, 'every SECURITY DEFINER internal pins search_path');

-- ------------------------------------------------------------ tables and indexes
SELECT has_table('public', 'job_handlers', 'job_handlers exists');
SELECT ok((SELECT relrowsecurity FROM pg_class WHERE oid = 'public.job_handlers'::regclass), 'job_handlers has RLS');
SELECT policies_are('public', 'job_handlers', ARRAY['job_handlers_admin_read', 'job_handlers_service'], 'job_handlers policies');
SELECT table_privs_are('public', 'job_handlers', 'anon', '{}'::text[], 'anon: nothing on job_handlers');
SELECT table_privs_are('public', 'job_handlers', 'authenticated', ARRAY['SELECT'], 'authenticated: SELECT on job_handlers (admins through RLS)');
SELECT ok((SELECT relrowsecurity FROM pg_class WHERE oid = 'pgcadence.cron_job_meta'::regclass), 'cron_job_meta has RLS');
SELECT has_index('cron', 'job_run_details', 'pgcadence_job_run_details_start_time_idx', ARRAY['start_time'], 'history index on (start_time)');
SELECT has_index('cron', 'job_run_details', 'pgcadence_job_run_details_jobid_start_time_idx', ARRAY['jobid', 'start_time'],
                 'history index on (jobid, start_time)');

-- ------------------------------------------------------------ standing jobs
SELECT results_eq(
    $q$SELECT jobname::text COLLATE "default", schedule FROM cron.job
       WHERE jobname IN ('game_platform_sync_incremental', 'game_platform_totals_sweep_hourly', 'cron_history_cleanup', 'job_queue_cleanup_daily')
       ORDER BY jobname$q$,
    $q$VALUES ('cron_history_cleanup', '45 3 * * *'), ('game_platform_sync_incremental', '*/30 * * * *'),
              ('game_platform_totals_sweep_hourly', '0 * * * *'), ('job_queue_cleanup_daily', '15 3 * * *')$q$,
    'the documented standing jobs are scheduled');
SELECT is((SELECT command FROM cron.job WHERE jobname = 'game_platform_totals_sweep_hourly'),
          $q$SELECT public.job_queue_enqueue(task_type => 'game_platform_totals_sweep', payload => '{}'::jsonb, max_attempts => '3'::integer)$q$,
          'totals sweep enqueues game_platform_totals_sweep');

-- ------------------------------------------------------------ the admin check
CREATE FUNCTION pg_temp.attempt(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

SET LOCAL ROLE anon;
SET LOCAL request.jwt.claims = '{"role": "anon"}';
SELECT throws_ok(call, '42501', NULL, 'anon: ' || fn || ' refused') FROM public.cron_test_fns ORDER BY fn;
RESET ROLE;

SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub": "00000000-0000-0000-0000-0000000000a2", "role": "authenticated"}';
SELECT throws_ok(call, '42501', NULL, 'non-admin user: ' || fn || ' refused') FROM public.cron_test_fns ORDER BY fn;
RESET ROLE;

SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub": "00000000-0000-0000-0000-0000000000a3", "role": "authenticated"}';
SELECT throws_ok(call, '42501', NULL, 'user without a profile: ' || fn || ' refused') FROM public.cron_test_fns ORDER BY fn;
SELECT throws_like($q$SELECT * FROM public.get_cron_jobs()$q$, '%only an admin (profiles.role = ''admin''), service_role or the database owner%',
                   'the refusal says who may');
RESET ROLE;

SELECT is((SELECT count(*) FROM cron.job WHERE jobname = 'refused_job'), 0::bigint, 'refused calls created nothing');
SELECT ok(EXISTS (SELECT 1 FROM cron.job WHERE jobname = 'cron_history_cleanup'), 'refused calls deleted nothing');

SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub": "00000000-0000-0000-0000-0000000000a1", "role": "authenticated"}';
SELECT lives_ok(call, 'admin: ' || fn || ' allowed') FROM public.cron_test_fns
WHERE authenticated_may AND fn NOT IN ('create_cron_job', 'delete_cron_job') ORDER BY fn;
RESET ROLE;

SET LOCAL ROLE service_role;
SET LOCAL request.jwt.claims = '{"role": "service_role"}';
SELECT lives_ok($q$SELECT * FROM public.get_cron_jobs()$q$, 'service_role: get_cron_jobs allowed');
SELECT lives_ok($q$SELECT public.register_job_handler('cron_test_other', 'registered by service_role')$q$, 'service_role: register_job_handler allowed');
RESET ROLE;

-- ------------------------------------------------------------ validation errors (as an admin)
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub": "00000000-0000-0000-0000-0000000000a1", "role": "authenticated"}';

CREATE TEMP TABLE cron_errors (call text, pattern text);
INSERT INTO cron_errors VALUES
    -- schedules
    ($q$SELECT public.describe_cron_schedule(NULL)$q$, 'cron schedule is required%'),
    ($q$SELECT public.describe_cron_schedule('   ')$q$, 'cron schedule is required%'),
    ($q$SELECT public.describe_cron_schedule(repeat('* ', 100))$q$, 'cron schedule is too long (199 characters; at most 120)'),
    ($q$SELECT public.describe_cron_schedule('30 seconds')$q$, '%seconds schedules need pg_cron 1.5 or newer; pg_cron 1.4 runs whole minutes only%'),
    ($q$SELECT public.describe_cron_schedule('* * * * * *')$q$, '%has 6 fields: a seconds field is not supported (pg_cron 1.4 runs whole minutes)%'),
    ($q$SELECT public.describe_cron_schedule('0 0 $ * *')$q$, '%"$" (last day of the month) needs pg_cron 1.6; pg_cron 1.4 cannot run it'),
    ($q$SELECT public.describe_cron_schedule('@hourly')$q$, '%macros are not accepted; write 5 fields (@hourly = "0 * * * *"%'),
    ($q$SELECT public.describe_cron_schedule('0 0 * *')$q$, 'cron schedule "0 0 * *" has 4 field(s); it needs 5: minute hour day month weekday'),
    ($q$SELECT public.describe_cron_schedule('60 * * * *')$q$, 'invalid minute field "60": 60 is out of range 0-59'),
    ($q$SELECT public.describe_cron_schedule('0 24 * * *')$q$, 'invalid hour field "24": 24 is out of range 0-23'),
    ($q$SELECT public.describe_cron_schedule('0 0 0 * *')$q$, 'invalid day field "0": 0 is out of range 1-31'),
    ($q$SELECT public.describe_cron_schedule('0 0 32 * *')$q$, 'invalid day field "32": 32 is out of range 1-31'),
    ($q$SELECT public.describe_cron_schedule('0 0 * 13 *')$q$, 'invalid month field "13": 13 is out of range 1-12'),
    ($q$SELECT public.describe_cron_schedule('0 0 * * 8')$q$, 'invalid weekday field "8": 8 is out of range 0-7'),
    ($q$SELECT public.describe_cron_schedule('*/0 * * * *')$q$, 'invalid minute field "*/0": step 0 must be between 1 and 60'),
    ($q$SELECT public.describe_cron_schedule('5-1 * * * *')$q$, 'invalid minute field "5-1": range 5-1 runs backwards'),
    ($q$SELECT public.describe_cron_schedule('5/10 * * * *')$q$, 'invalid minute field "5/10": a step needs a range or *: write 5-59/10 or */10'),
    ($q$SELECT public.describe_cron_schedule('a * * * *')$q$, 'invalid minute field "a": unknown name "a" (only month and weekday accept names)'),
    ($q$SELECT public.describe_cron_schedule('0 0 * foo *')$q$, 'invalid month field "foo": unknown name "foo" (use jan, feb,%'),
    ($q$SELECT public.describe_cron_schedule('0,,1 * * * *')$q$, 'invalid minute field "0,,1": empty element in a list'),
    ($q$SELECT public.describe_cron_schedule('0 0 L * *')$q$, 'invalid day field "l": Quartz syntax (L, W, #, ?) is not cron; pg_cron 1.4 cannot run it'),
    ($q$SELECT public.describe_cron_schedule('0 0 ? * *')$q$, 'invalid day field "?": Quartz syntax%'),
    ($q$SELECT public.describe_cron_schedule('1- * * * *')$q$, 'invalid minute field "1-": "1-" is not a number%'),
    ($q$SELECT public.describe_cron_schedule('0 0 30 2 *')$q$, 'cron schedule "0 0 30 2 *" never fires: no date has day 30 in month 2'),
    -- job names
    ($q$SELECT public.create_cron_job(NULL, '0 0 * * *', 'cron_test_echo')$q$, 'job_name is required'),
    ($q$SELECT public.create_cron_job('ab', '0 0 * * *', 'cron_test_echo')$q$, 'invalid job_name "ab": use 3-63 characters, lower-case letters, digits and _, starting with a letter'),
    ($q$SELECT public.create_cron_job('Upper_case', '0 0 * * *', 'cron_test_echo')$q$, 'invalid job_name "Upper_case"%'),
    ($q$SELECT public.create_cron_job('1starts_with_digit', '0 0 * * *', 'cron_test_echo')$q$, 'invalid job_name%'),
    ($q$SELECT public.create_cron_job(repeat('a', 64), '0 0 * * *', 'cron_test_echo')$q$, 'invalid job_name%'),
    ($q$SELECT public.create_cron_job('cron_history_cleanup', '0 0 * * *', 'cron_test_echo')$q$, 'a cron job named "cron_history_cleanup" already exists'),
    -- task type, payload, attempts, time zone
    ($q$SELECT public.create_cron_job('valid_name', '0 0 * * *', NULL)$q$, 'task_type is required'),
    ($q$SELECT public.create_cron_job('valid_name', '0 0 * * *', 'no_such_handler')$q$, 'unknown task_type "no_such_handler": registered handlers are %cron_test_echo%'),
    ($q$SELECT public.create_cron_job('valid_name', '0 0 * * *', 'cron_test_echo', '[1, 2]')$q$, 'payload must be a JSON object, got array'),
    ($q$SELECT public.create_cron_job('valid_name', '0 0 * * *', 'cron_test_echo', '"text"')$q$, 'payload must be a JSON object, got string'),
    ($q$SELECT public.create_cron_job('valid_name', '0 0 * * *', 'cron_test_echo', 'null')$q$, 'payload must be a JSON object, got null'),
    ($q$SELECT public.create_cron_job('valid_name', '0 0 * * *', 'cron_test_echo', jsonb_build_object('k', repeat('x', 9000)))$q$, 'payload is 9009 bytes; a cron job''s payload is written into its command and may be at most 8192 bytes'),
    ($q$SELECT public.create_cron_job('valid_name', '0 0 * * *', 'cron_test_echo', '{}', 0)$q$, 'max_attempts must be between 1 and 100 (got 0)'),
    ($q$SELECT public.create_cron_job('valid_name', '0 0 * * *', 'cron_test_echo', '{}', 101)$q$, 'max_attempts must be between 1 and 100 (got 101)'),
    ($q$SELECT public.create_cron_job('valid_name', '0 0 * * *', 'cron_test_echo', '{}', NULL)$q$, 'max_attempts must be between 1 and 100 (got null)'),
    ($q$SELECT public.create_cron_job('valid_name', '0 0 * * *', 'cron_test_echo', '{}', 3, 'PST')$q$, 'unknown time zone "PST": use an IANA name such as America/Los_Angeles%'),
    ($q$SELECT public.create_cron_job('valid_name', '0 0 * * *', 'cron_test_echo', '{}', 3, 'Mars/Olympus_Mons')$q$, 'unknown time zone "Mars/Olympus_Mons"%'),
    ($q$SELECT public.create_cron_job('valid_name', '0 0 * * *', 'cron_test_echo', '{}', 3, 'UTC+8')$q$, 'unknown time zone "UTC+8"%'),
    -- the other functions
    ($q$SELECT public.toggle_cron_job('no_such_job', false)$q$, 'no cron job named "no_such_job"'),
    ($q$SELECT public.toggle_cron_job('admin_echo', NULL)$q$, 'new_active must be true or false'),
    ($q$SELECT public.toggle_cron_job(NULL, true)$q$, 'job_name is required'),
    ($q$SELECT public.update_cron_schedule('no_such_job', '0 0 * * *')$q$, 'no cron job named "no_such_job"'),
    ($q$SELECT public.update_cron_schedule('admin_echo', '0 0 * * * *')$q$, '%has 6 fields%'),
    ($q$SELECT public.update_cron_schedule('admin_echo', '0 0 * * *', 'Nowhere/Town')$q$, 'unknown time zone "Nowhere/Town"%'),
    ($q$SELECT public.delete_cron_job('no_such_job')$q$, 'no cron job named "no_such_job"'),
    ($q$SELECT public.delete_cron_job('pgcadence_heartbeat')$q$, 'delete_cron_job: "pgcadence_heartbeat" is a standing job of pgcadence; admins cannot change it'),
    ($q$SELECT public.toggle_cron_job('cron_history_cleanup', false)$q$, 'toggle_cron_job: "cron_history_cleanup" is a standing job of pgcadence; admins cannot change it'),
    ($q$SELECT public.update_cron_schedule('cron_history_cleanup', '0 0 * * *')$q$, 'update_cron_schedule: "cron_history_cleanup" is a standing job of pgcadence%'),
    ($q$SELECT * FROM public.run_cron_job_now('pgcadence_heartbeat')$q$, 'run_cron_job_now: "pgcadence_heartbeat" is a standing job of pgcadence%'),
    ($q$SELECT public.create_cron_job('pgcadence_mine', '0 0 * * *', 'cron_test_echo')$q$, 'invalid job_name "pgcadence_mine": names starting with pgcadence_ are reserved for pgcadence''s own jobs'),
    ($q$SELECT * FROM public.run_cron_job_now('no_such_job')$q$, 'no cron job named "no_such_job"'),
    ($q$SELECT * FROM public.get_cron_job_runs(0)$q$, 'limit_count must be between 1 and 1000 (got 0)'),
    ($q$SELECT * FROM public.get_cron_job_runs(1001)$q$, 'limit_count must be between 1 and 1000 (got 1001)'),
    ($q$SELECT * FROM public.get_cron_job_runs(10, 'no_such_job')$q$, 'no cron job named "no_such_job"'),
    ($q$SELECT public.cron_history_cleanup('1 minute')$q$, 'keep must be at least 1 hour (got 00:01:00)'),
    ($q$SELECT public.set_cron_history_retention(NULL)$q$, 'keep must be at least 1 hour (got null)');
SELECT throws_like(call, pattern, 'rejected: ' || call) FROM cron_errors;
RESET ROLE;
SELECT throws_like($q$SELECT public.register_job_handler('bad type!')$q$, 'invalid task_type "bad type!"%', 'register_job_handler rejects a bad task type');
SELECT is((SELECT count(*) FROM cron.job WHERE jobname = 'valid_name'), 0::bigint, 'no rejected create left a job behind');

-- ------------------------------------------------------------ hostile inputs change nothing
CREATE TEMP TABLE jobs_before AS SELECT jobid, jobname, schedule, command, active FROM cron.job;
CREATE TEMP TABLE meta_before AS SELECT * FROM pgcadence.cron_job_meta;
CREATE TEMP TABLE queue_before AS SELECT count(*) AS n FROM public.job_queue;
CREATE TEMP TABLE hostile (label text, call text);
INSERT INTO hostile
SELECT 'job_name ' || left(v, 40), format('SELECT public.create_cron_job(%L, %L, %L)', v, '0 0 * * *', 'cron_test_echo')
FROM unnest(ARRAY[
    $h$x'; DROP TABLE public.cron_sentinel; --$h$,
    $h$job$$; DROP TABLE public.cron_sentinel; $$$h$,
    $h$job_name; SELECT pg_sleep(10)$h$,
    $h$job/* comment */$h$,
    $h$job -- comment$h$,
    $h$Robert'); DROP TABLE students;--$h$,
    'jöb_ünïcode',
    'job_🙂_smile',
    repeat('a', 10240),
    E'job\nname',
    'job"name',
    'job name',
    '',
    'job%s%I%L',
    E'job\\backslash'
]) v;
INSERT INTO hostile
SELECT 'schedule ' || left(v, 40), format('SELECT public.create_cron_job(%L, %L, %L)', 'hostile_job', v, 'cron_test_echo')
FROM unnest(ARRAY[
    $h$* * * * *'; DROP TABLE public.cron_sentinel; --$h$,
    $h$0 0 * * * $$ ; DROP TABLE public.cron_sentinel; $$$h$,
    $h$*/5 * * * *; SELECT 1$h$,
    $h$* * * * * -- comment$h$,
    $h$0 3 * * */*comment*/$h$,
    repeat('* ', 5120),
    '٠ * * * *',
    '０ * * * *'
]) v;
INSERT INTO hostile
SELECT 'task_type ' || left(v, 40), format('SELECT public.create_cron_job(%L, %L, %L)', 'hostile_job', '0 0 * * *', v)
FROM unnest(ARRAY[
    $h$game_platform_sync'; DROP TABLE public.cron_sentinel; --$h$,
    'cron_test_echo$$',
    repeat('t', 10240),
    'cron_test_echo '
]) v;
INSERT INTO hostile
SELECT 'payload ' || left(v, 40), format('SELECT public.create_cron_job(%L, %L, %L, %L::jsonb)', 'hostile_job', '0 0 * * *', 'cron_test_echo', v)
FROM unnest(ARRAY[
    '[1, 2]',
    $h$"x'; DROP TABLE public.cron_sentinel; --"$h$,
    $h${"a": 1} ; DROP TABLE public.cron_sentinel$h$,
    '{"k": "' || repeat('a', 10240) || '"}'
]) v;
INSERT INTO hostile
SELECT 'timezone ' || left(v, 40), format('SELECT public.create_cron_job(%L, %L, %L, %L, %s, %L)', 'hostile_job', '0 0 * * *', 'cron_test_echo', '{}', 3, v)
FROM unnest(ARRAY[
    $h$America/Los_Angeles'; DROP TABLE public.cron_sentinel; --$h$,
    repeat('A/', 5120)
]) v;
INSERT INTO hostile VALUES
    ('toggle quoted name', format('SELECT public.toggle_cron_job(%L, false)', $h$admin_echo'; --$h$)),
    ('update hostile schedule', format('SELECT public.update_cron_schedule(%L, %L)', 'admin_echo', $h$* * * * *'; DROP TABLE public.cron_sentinel; --$h$)),
    ('update hostile timezone', format('SELECT public.update_cron_schedule(%L, %L, %L)', 'admin_echo', '0 3 * * *', $h$Europe/Berlin'); DROP TABLE public.cron_sentinel; --$h$)),
    ('delete OR 1=1', format('SELECT public.delete_cron_job(%L)', $h$x' OR '1'='1$h$)),
    ('run quoted name', format('SELECT * FROM public.run_cron_job_now(%L)', $h$pgcadence_heartbeat' --$h$));

GRANT SELECT ON hostile TO PUBLIC;
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub": "00000000-0000-0000-0000-0000000000a1", "role": "authenticated"}';
SELECT ok(pg_temp.attempt(call) <> 'ok', 'hostile ' || label || ' is rejected') FROM hostile ORDER BY label;
RESET ROLE;
SELECT ok((SELECT count(*) FROM hostile) >= 30, 'at least 30 hostile inputs');
SELECT set_eq('SELECT jobid, jobname, schedule, command, active FROM cron.job', 'SELECT * FROM jobs_before',
              'hostile inputs changed no cron job');
SELECT set_eq('SELECT * FROM pgcadence.cron_job_meta', 'SELECT * FROM meta_before', 'hostile inputs changed no job metadata');
SELECT is((SELECT count(*) FROM public.job_queue), (SELECT n FROM queue_before), 'hostile inputs enqueued nothing');
SELECT is((SELECT count(*) FROM public.cron_sentinel), 1::bigint, 'the sentinel table is intact');

-- hostile *content* inside a valid payload is data: it round-trips into the queue
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub": "00000000-0000-0000-0000-0000000000a1", "role": "authenticated"}';
SELECT ok(public.create_cron_job('hostile_payload_job', '0 0 1 1 *', 'cron_test_echo',
              jsonb_build_object('q', $h$'); DROP TABLE public.cron_sentinel; --$h$, 'd', '$$; DROP TABLE public.cron_sentinel; $$',
                                 'c', '/* x */ -- y', 'u', 'ünï🙂', 'b', E'back\\slash%s%L')) > 0,
          'a payload full of SQL syntax is accepted as data');
SELECT is((SELECT status FROM public.run_cron_job_now('hostile_payload_job')), 'succeeded', 'and its job runs');
RESET ROLE;
SELECT is((SELECT count(*) FROM public.job_queue WHERE task_type = 'cron_test_echo' AND payload =
          jsonb_build_object('q', $h$'); DROP TABLE public.cron_sentinel; --$h$, 'd', '$$; DROP TABLE public.cron_sentinel; $$',
                             'c', '/* x */ -- y', 'u', 'ünï🙂', 'b', E'back\\slash%s%L')), 1::bigint,
          'the enqueued payload equals the input exactly');
SELECT is((SELECT count(*) FROM public.cron_sentinel), 1::bigint, 'the sentinel table is still intact');

-- ------------------------------------------------------------ behaviour (as the owner, with an admins claims)
SET LOCAL request.jwt.claims = '{"sub": "00000000-0000-0000-0000-0000000000a1", "role": "authenticated"}';
SELECT results_eq(
    $q$SELECT public.describe_cron_schedule(s) FROM unnest(ARRAY['0 * * * *', '*/30 * * * *', '0 3 * * *', '0 */2 * * *',
        '* * * * *', '0 2 * * 0', '0 9 * * 1-5', '0 0 1 * *', '0 0 1 1 *', '0 0,12 * * *', '*/15 9-17 * * mon-fri', '5 4 * * 7']) s$q$,
    ARRAY['Hourly at minute 0', 'Every 30 minutes', 'Daily at 03:00', 'Every 2 hours',
          'Every minute', 'Every Sunday at 02:00', 'Every weekday at 09:00', 'Monthly on day 1 at 00:00',
          'Yearly on 1 January at 00:00', 'Daily at 00:00 and 12:00', 'Every 15 minutes between 09:00 and 17:59 on every weekday',
          'Every Sunday at 04:05'],
    'describe_cron_schedule speaks plain English');
SELECT is(public.describe_cron_schedule('0 3 * * *', 'america/los_angeles'), 'Daily at 03:00 (America/Los_Angeles)',
          'describe_cron_schedule names the (canonical) time zone');

SELECT ok(public.create_cron_job('nightly_echo', '0 3 * * *', 'cron_test_echo', '{"n": 1}', 5) > 0, 'create_cron_job returns a job id');
SELECT is((SELECT jobid FROM cron.job WHERE jobname = 'nightly_echo'), (SELECT jobid FROM public.get_cron_jobs() WHERE jobname = 'nightly_echo'),
          'the new job is in cron.job and get_cron_jobs');
SELECT is((SELECT command FROM cron.job WHERE jobname = 'nightly_echo'),
          $q$SELECT public.job_queue_enqueue(task_type => 'cron_test_echo', payload => '{"n": 1}'::jsonb, max_attempts => '5'::integer)$q$,
          'its command enqueues the task with literal arguments');
SELECT results_eq(
    $q$SELECT schedule, description, timezone, task_type, payload, max_attempts, active, next_run_at > now(), recent_failures
       FROM public.get_cron_jobs() WHERE jobname = 'nightly_echo'$q$,
    $q$VALUES ('0 3 * * *', 'Daily at 03:00', NULL::text, 'cron_test_echo', '{"n": 1}'::jsonb, 5, true, true, 0::bigint)$q$,
    'get_cron_jobs: schedule, description, task, next run, failures');
SELECT is(public.toggle_cron_job('nightly_echo', false), false, 'toggle_cron_job returns the new state');
SELECT is((SELECT active FROM cron.job WHERE jobname = 'nightly_echo'), false, 'toggle_cron_job disabled the job');
SELECT is((SELECT next_run_at FROM public.get_cron_jobs() WHERE jobname = 'nightly_echo'), NULL, 'a disabled job has no next run');
SELECT is(public.update_cron_schedule('nightly_echo', '*/10  *  * * *'), 'Every 10 minutes', 'update_cron_schedule returns the description');
SELECT is((SELECT schedule FROM cron.job WHERE jobname = 'nightly_echo'), '*/10 * * * *', 'update_cron_schedule changed cron.job (normalised)');
SELECT is(public.update_cron_schedule('nightly_echo', '0 3 * * *', 'America/Los_Angeles'), 'Daily at 03:00 (America/Los_Angeles)',
          'update_cron_schedule can move a job to a time zone');
SELECT results_eq(
    $q$SELECT schedule, command FROM cron.job WHERE jobname = 'nightly_echo'$q$,
    $q$VALUES ('0 10-11 * * *'::text, format('SELECT pgcadence.cron_if_local(%L, %L, %L)', '0 3 * * *', 'America/Los_Angeles',
        $c$SELECT public.job_queue_enqueue(task_type => 'cron_test_echo', payload => '{"n": 1}'::jsonb, max_attempts => '5'::integer)$c$))$q$,
    'a time-zoned job covers both UTC hours and guards its command');
SELECT is(public.update_cron_schedule('nightly_echo', '0 4 * * *'), 'Daily at 04:00 (America/Los_Angeles)', 'NULL timezone keeps the zone');
SELECT is(public.update_cron_schedule('nightly_echo', '0 4 * * *', 'UTC'), 'Daily at 04:00', '''UTC'' clears the zone');
SELECT is((SELECT command FROM cron.job WHERE jobname = 'nightly_echo'),
          $q$SELECT public.job_queue_enqueue(task_type => 'cron_test_echo', payload => '{"n": 1}'::jsonb, max_attempts => '5'::integer)$q$,
          'and unwraps the command');

SELECT results_eq($q$SELECT status, return_message LIKE 'manual run by user 00000000-0000-0000-0000-0000000000a1: %' FROM public.run_cron_job_now('nightly_echo')$q$,
                  $q$VALUES ('succeeded'::text, true)$q$, 'run_cron_job_now runs the command and says who ran it');
SELECT is((SELECT count(*) FROM public.job_queue WHERE task_type = 'cron_test_echo' AND payload = '{"n": 1}' AND max_attempts = 5), 1::bigint,
          'the manual run enqueued the task');
SELECT results_eq($q$SELECT jobname, status FROM public.get_cron_job_runs(1)$q$, $q$VALUES ('nightly_echo'::text, 'succeeded'::text)$q$,
                  'get_cron_job_runs shows the manual run with its job name');
SELECT results_eq($q$SELECT jobname, status FROM public.get_cron_job_runs(5, 'nightly_echo')$q$, $q$VALUES ('nightly_echo'::text, 'succeeded'::text)$q$,
                  'get_cron_job_runs filters by job');
SELECT results_eq($q$SELECT last_run_status FROM public.get_cron_jobs() WHERE jobname = 'nightly_echo'$q$, $q$VALUES ('succeeded'::text)$q$,
                  'get_cron_jobs shows the last run');

-- a failing command is recorded as failed, not raised
SELECT cron.schedule('failing_job', '0 0 1 1 *', 'SELECT 1/0');
-- as if created through create_cron_job (which only schedules queue tasks, never a failing command)
INSERT INTO pgcadence.cron_job_meta (jobname, local_schedule, inner_command, created_via)
VALUES ('failing_job', '0 0 1 1 *', 'SELECT 1/0', 'admin');
SET LOCAL request.jwt.claims = '{"sub": "00000000-0000-0000-0000-0000000000a1", "role": "authenticated"}';
SELECT results_eq($q$SELECT status, return_message LIKE '%ERROR: division by zero' FROM public.run_cron_job_now('failing_job')$q$,
                  $q$VALUES ('failed'::text, true)$q$, 'a failing manual run is recorded as failed');
SELECT is((SELECT recent_failures FROM public.get_cron_jobs() WHERE jobname = 'failing_job'), 1::bigint, 'and counted as a recent failure');
SELECT is((SELECT level FROM public.cron_health() WHERE check_name = 'last run failed'), 'fail', 'cron_health reports the failed job');
SELECT ok((SELECT detail FROM public.cron_health() WHERE check_name = 'last run failed') LIKE '%failing_job%', 'naming it');
SELECT is((SELECT array_agg(check_name ORDER BY check_name) FROM public.cron_health()),
          (SELECT array_agg(c ORDER BY c) FROM unnest(
              ARRAY['last run failed', 'long or overlapping runs', 'net queue backlog', 'never ran', 'run history', 'task handlers', 'time-zone schedules']
              || CASE WHEN to_regclass('net._http_response') IS NOT NULL THEN ARRAY['net responses (last hour)'] ELSE '{}' END) c),
          'cron_health runs every check');
-- a run that outlasted its schedule, and a run stuck for 20 minutes
SELECT cron.schedule('stuck_job', '0 0 1 1 *', 'SELECT 1');
INSERT INTO cron.job_run_details (jobid, runid, status, return_message, start_time, end_time) VALUES
    ((SELECT jobid FROM cron.job WHERE jobname = 'pgcadence_heartbeat'), nextval('cron.runid_seq'), 'succeeded', 'SELECT 1',
     now() - interval '30 minutes', now() - interval '27 minutes'),
    ((SELECT jobid FROM cron.job WHERE jobname = 'stuck_job'), nextval('cron.runid_seq'), 'running', NULL,
     now() - interval '20 minutes', NULL);
SELECT results_eq(
    $q$SELECT e ->> 'job', (e ->> 'seconds')::integer, (e ->> 'overlap')::boolean
       FROM public.cron_health() h, jsonb_array_elements(h.data) e WHERE h.check_name = 'long or overlapping runs' ORDER BY 1$q$,
    $q$VALUES ('pgcadence_heartbeat'::text, 180, true), ('stuck_job'::text, 1200, false)$q$,
    'cron_health: a run past its next start and a run stuck for 20 minutes');

-- pg_net's tables (created here in pg_net's shape when this database has none; rolled back)
DO $$
BEGIN
    IF to_regclass('net.http_request_queue') IS NULL THEN
        CREATE SCHEMA IF NOT EXISTS net;
        CREATE TABLE net.http_request_queue (id bigserial, method text, url text NOT NULL, headers jsonb, body bytea,
                                             timeout_milliseconds integer NOT NULL);
        CREATE TABLE net._http_response (id bigint, status_code integer, content_type text, headers jsonb, content text,
                                         timed_out boolean, error_msg text, created timestamptz NOT NULL DEFAULT now());
    END IF;
END
$$;
DELETE FROM net.http_request_queue;
DELETE FROM net._http_response;
INSERT INTO net.http_request_queue (id, method, url, headers, timeout_milliseconds) VALUES
    (900001, 'POST', 'http://127.0.0.1:1/a', '{}', 1000), (900002, 'POST', 'http://127.0.0.1:1/b', '{}', 1000);
INSERT INTO net._http_response (id, status_code, timed_out, error_msg) VALUES
    (1, 200, false, NULL), (2, 200, false, NULL), (3, 500, false, NULL), (4, NULL, true, 'Timeout of 500 ms reached'),
    (5, NULL, false, 'Couldn''t connect to server');
SELECT is((SELECT detail FROM public.cron_health() WHERE check_name = 'net queue backlog'), '2 request(s) queued, oldest id 900001',
          'cron_health: net backlog and the oldest request');
SELECT results_eq($q$SELECT level, data FROM public.cron_health() WHERE check_name = 'net responses (last hour)'$q$,
                  $q$VALUES ('warn'::text, '{"200": 2, "500": 1, "timeout": 1, "error": 1}'::jsonb)$q$,
                  'cron_health: responses by status in the last hour');
SELECT is(public.delete_cron_job('nightly_echo'), true, 'delete_cron_job deletes');
SELECT is((SELECT count(*) FROM cron.job WHERE jobname = 'nightly_echo') + (SELECT count(*) FROM pgcadence.cron_job_meta WHERE jobname = 'nightly_echo'),
          0::bigint, 'the job and its metadata are gone');
SELECT ok((SELECT array_agg(task_type) FROM public.list_job_handlers()) @> ARRAY['cron_test_echo', 'game_platform_sync', 'game_platform_totals_sweep'],
          'list_job_handlers lists registered task types');

-- another role's job is not run with the owner's rights
CREATE ROLE cron_test_other_owner NOLOGIN;
INSERT INTO cron.job (schedule, command, nodename, nodeport, database, username, jobname)
VALUES ('0 0 1 1 *', 'SELECT 1', 'localhost', 5432, current_database(), 'cron_test_other_owner', 'other_owner_job');
SELECT throws_like($q$SELECT * FROM public.run_cron_job_now('other_owner_job')$q$,
                   'no cron job named "other_owner_job"', 'run_cron_job_now does not know a job of another role');
INSERT INTO pgcadence.cron_job_meta (jobname, local_schedule, inner_command, created_via)
VALUES ('other_owner_job', '0 0 1 1 *', 'SELECT 1', 'admin');
SELECT throws_like($q$SELECT * FROM public.run_cron_job_now('other_owner_job')$q$,
                   'no cron job named "other_owner_job"', 'not even when its name is recorded as an admin job: it does not run as the owner');

-- history cleanup (start from a history without old rows; all of this is rolled back)
DELETE FROM cron.job_run_details WHERE start_time < now() - interval '30 minutes';
INSERT INTO cron.job_run_details (jobid, runid, database, status, return_message, start_time, end_time)
SELECT (SELECT jobid FROM cron.job WHERE jobname = 'failing_job'), nextval('cron.runid_seq'), current_database(), 'succeeded', 'old',
       now() - make_interval(days => d), now() - make_interval(days => d)
FROM generate_series(1, 20) d;
SELECT is(public.cron_history_cleanup(), 13::bigint, 'cron_history_cleanup keeps 7 days by default');
SELECT is(public.set_cron_history_retention('2 days'), '2 days'::interval, 'the retention is configurable');
SELECT is(public.cron_history_cleanup(), 5::bigint, 'and the cleanup follows it');
SELECT is(public.cron_history_cleanup('1 hour'), 2::bigint, 'an explicit keep overrides it');

-- the one-call API for SQL jobs in local time (the movie jobs' "03:00 Pacific")
SELECT ok(pgcadence.cron_schedule('pt_sql_job', '0 2 * * sun', 'INSERT INTO public.cron_sentinel VALUES (42)', 'America/Los_Angeles') > 0,
          'pgcadence.cron_schedule schedules a SQL command in local time');
SELECT results_eq($q$SELECT schedule FROM cron.job WHERE jobname = 'pt_sql_job'$q$, $q$VALUES ('0 9-10 * * 0-1,6'::text)$q$,
                  'Sundays 02:00 PT -> 09:00/10:00 UTC, Saturday to Monday');
SELECT is(pgcadence.cron_if_local('0 2 * * 0', 'America/Los_Angeles', 'INSERT INTO public.cron_sentinel VALUES (42)', '2026-03-08 09:00+00'),
          'not due in America/Los_Angeles', 'the guard skips 09:00 UTC on the spring-forward Sunday (01:00 PST)');
SELECT is(pgcadence.cron_if_local('0 2 * * 0', 'America/Los_Angeles', 'INSERT INTO public.cron_sentinel VALUES (42)', '2026-03-08 10:00:03+00'),
          'ran', 'and runs the command at 10:00 UTC (02:00 does not exist; 03:00 PDT)');
SELECT is((SELECT count(*) FROM public.cron_sentinel WHERE x = 42), 1::bigint, 'exactly once');

-- ------------------------------------------------------------ DST: the guard at simulated instants
CREATE TEMP TABLE dst (schedule text, tz text, at_time timestamptz, due boolean, why text);
INSERT INTO dst VALUES
    ('0 3 * * *', 'America/Los_Angeles', '2026-03-07 11:00+00', true,  'LA 03:00 on the day before spring forward is 11:00 UTC (PST)'),
    ('0 3 * * *', 'America/Los_Angeles', '2026-03-07 10:00+00', false, 'LA 03:00: 10:00 UTC is 02:00 PST the day before'),
    ('0 3 * * *', 'America/Los_Angeles', '2026-03-08 10:00+00', true,  'LA 03:00 on spring-forward day is 10:00 UTC (PDT)'),
    ('0 3 * * *', 'America/Los_Angeles', '2026-03-08 11:00+00', false, 'LA 03:00: 11:00 UTC is 04:00 PDT on spring-forward day'),
    ('0 3 * * *', 'America/Los_Angeles', '2026-03-08 10:00:59.9+00', true, 'seconds within the minute do not matter'),
    ('0 3 * * *', 'America/Los_Angeles', '2026-10-31 10:00+00', true,  'LA 03:00 the day before fall back is 10:00 UTC (PDT)'),
    ('0 3 * * *', 'America/Los_Angeles', '2026-11-01 10:00+00', false, 'LA 03:00 on fall-back day: 10:00 UTC is 02:00 PST'),
    ('0 3 * * *', 'America/Los_Angeles', '2026-11-01 11:00+00', true,  'LA 03:00 on fall-back day is 11:00 UTC (PST)'),
    ('0 2 * * 0', 'America/Los_Angeles', '2026-03-08 09:00+00', false, 'Sundays 02:00 PT, spring-forward Sunday: 09:00 UTC is 01:00 PST'),
    ('0 2 * * 0', 'America/Los_Angeles', '2026-03-08 10:00+00', true,  'Sundays 02:00 PT, spring-forward Sunday: 02:00 is skipped, runs at 03:00 PDT'),
    ('0 2 * * 0', 'America/Los_Angeles', '2026-03-01 10:00+00', true,  'Sundays 02:00 PT in winter: 10:00 UTC'),
    ('0 2 * * 0', 'America/Los_Angeles', '2026-03-15 09:00+00', true,  'Sundays 02:00 PT in summer: 09:00 UTC'),
    ('0 2 * * 0', 'America/Los_Angeles', '2026-11-01 09:00+00', false, 'Sundays 02:00 PT, fall-back Sunday: 09:00 UTC is 01:00 PST (second 01:00)'),
    ('0 2 * * 0', 'America/Los_Angeles', '2026-11-01 10:00+00', true,  'Sundays 02:00 PT, fall-back Sunday: 10:00 UTC is 02:00 PST'),
    ('0 2 * * 0', 'America/Los_Angeles', '2026-03-07 10:00+00', false, 'Sundays 02:00 PT: not on Saturday'),
    ('30 1 * * *', 'America/Los_Angeles', '2026-11-01 08:30+00', false, 'LA 01:30 on fall-back day happens twice: not at the first (PDT)'),
    ('30 1 * * *', 'America/Los_Angeles', '2026-11-01 09:30+00', true,  'LA 01:30 on fall-back day: once, at the second (PST)'),
    ('30 2 * * *', 'America/Los_Angeles', '2026-03-08 09:30+00', false, 'LA 02:30 on spring-forward day does not exist: not at 01:30 PST'),
    ('30 2 * * *', 'America/Los_Angeles', '2026-03-08 10:30+00', true,  'LA 02:30 on spring-forward day runs at 03:30 PDT'),
    ('30 3 * * *', 'America/Los_Angeles', '2026-03-08 10:30+00', true,  'LA 03:30 on spring-forward day is 10:30 UTC'),
    ('30 3 * * *', 'America/Los_Angeles', '2026-11-01 11:30+00', true,  'LA 03:30 on fall-back day is 11:30 UTC'),
    ('30 2 * * *', 'Europe/Berlin', '2026-03-29 00:30+00', false, 'Berlin 02:30 on spring-forward day: 00:30 UTC is 01:30 CET'),
    ('30 2 * * *', 'Europe/Berlin', '2026-03-29 01:30+00', true,  'Berlin 02:30 on spring-forward day does not exist: runs at 03:30 CEST'),
    ('30 2 * * *', 'Europe/Berlin', '2026-10-25 00:30+00', false, 'Berlin 02:30 on fall-back day happens twice: not at the first (CEST)'),
    ('30 2 * * *', 'Europe/Berlin', '2026-10-25 01:30+00', true,  'Berlin 02:30 on fall-back day: once, at the second (CET)'),
    ('0 3 * * *', 'Europe/Berlin', '2026-03-29 01:00+00', true,  'Berlin 03:00 on spring-forward day is 01:00 UTC'),
    ('0 3 * * *', 'Europe/Berlin', '2026-03-29 02:00+00', false, 'Berlin 03:00 on spring-forward day: 02:00 UTC is 04:00 CEST'),
    ('0 3 * * *', 'Europe/Berlin', '2026-10-25 02:00+00', true,  'Berlin 03:00 on fall-back day is 02:00 UTC (CET)'),
    ('0 3 * * *', 'Europe/Berlin', '2026-10-25 01:00+00', false, 'Berlin 03:00 on fall-back day: 01:00 UTC is 02:00 CET');
SELECT is(pgcadence.cron_local_due(schedule, tz, at_time), due, why) FROM dst ORDER BY tz, at_time, schedule;

-- a whole year: every instant pg_cron would run the job, through the guard -> once per local day (week)
CREATE TEMP TABLE year_cases AS
SELECT c.schedule, c.tz, c.expected, pgcadence.cron_parse(pgcadence.cron_utc_schedule(c.schedule, c.tz), false) AS utc
FROM (VALUES ('0 3 * * *', 'America/Los_Angeles', 365), ('30 2 * * *', 'America/Los_Angeles', 365),
             ('0 2 * * 0', 'America/Los_Angeles', 52), ('30 2 * * *', 'Europe/Berlin', 365)) c(schedule, tz, expected);
CREATE TEMP TABLE year_candidates AS  -- the instants pg_cron runs the registered (UTC) schedule
SELECT y.schedule, y.tz, t
FROM year_cases y,
     generate_series('2026-01-01 00:00+00'::timestamptz, '2026-12-31 23:00+00', '1 hour') h,
     unnest((y.utc).minutes) mi,
     LATERAL (SELECT h + make_interval(mins => mi) AS t) x
WHERE pgcadence.cron_matches(y.utc, t AT TIME ZONE 'UTC');
CREATE TEMP TABLE year_fired AS SELECT * FROM year_candidates c WHERE pgcadence.cron_local_due(c.schedule, c.tz, c.t);
SELECT results_eq(
    format($q$SELECT count(*), count(DISTINCT (t AT TIME ZONE %L)::date), bool_and(pgcadence.cron_matches(pgcadence.cron_parse(%L), t AT TIME ZONE %L)
              OR (t AT TIME ZONE %L)::time = (pgcadence.cron_parse(%L)).hours[1] * interval '1 hour' + (pgcadence.cron_parse(%L)).minutes[1] * interval '1 minute' + interval '1 hour')
              FROM year_fired WHERE schedule = %L AND tz = %L$q$, tz, schedule, tz, tz, schedule, schedule, schedule, tz),
    format('VALUES (%s::bigint, %s::bigint, true)', expected, expected),
    format('%s in %s: %s runs in 2026, one per local %s, at the local time (or an hour later when it does not exist)',
           schedule, tz, expected, CASE WHEN expected = 52 THEN 'Sunday' ELSE 'day' END))
FROM year_cases ORDER BY tz, schedule;

-- next run agrees with the guard across the transitions
SELECT is(pgcadence.cron_next_run('0 2 * * 0', 'America/Los_Angeles', '2026-03-07 00:00+00'), '2026-03-08 10:00+00'::timestamptz,
          'next run of Sundays 02:00 PT before spring forward: 10:00 UTC');
SELECT is(pgcadence.cron_next_run('0 2 * * 0', 'America/Los_Angeles', '2026-10-31 00:00+00'), '2026-11-01 10:00+00'::timestamptz,
          'next run of Sundays 02:00 PT before fall back: 10:00 UTC');
SELECT is(pgcadence.cron_next_run('0 3 * * *', 'America/Los_Angeles', '2026-03-07 12:00+00'), '2026-03-08 10:00+00'::timestamptz,
          'next run of 03:00 PT after Saturday''s run: Sunday 10:00 UTC');
SELECT is(pgcadence.cron_next_run('30 1 * * *', 'America/Los_Angeles', '2026-11-01 08:00+00'), '2026-11-01 09:30+00'::timestamptz,
          'next run of 01:30 PT on fall-back day: the second 01:30');
SELECT is(pgcadence.cron_next_run('30 2 * * *', 'Europe/Berlin', '2026-03-28 12:00+00'), '2026-03-29 01:30+00'::timestamptz,
          'next run of 02:30 Berlin on spring-forward day: 03:30 CEST');
SELECT is(pgcadence.cron_next_run('*/30 * * * *', NULL, '2026-01-01 10:17+00'), '2026-01-01 10:30+00'::timestamptz, 'next run in UTC');
SELECT is(pgcadence.cron_next_run('0 0 29 2 *', NULL, '2026-01-01 00:00+00'), '2028-02-29 00:00+00'::timestamptz, 'next run finds 29 February');
SELECT is(pgcadence.cron_next_run('0 0 13 * 5', NULL, '2026-01-01 00:00+00'), '2026-01-02 00:00+00'::timestamptz,
          'day and weekday both restricted: either matches (Vixie cron)');
SELECT is(pgcadence.cron_next_run('0 0 */2 * 5', NULL, '2026-01-01 00:00+00'), '2026-01-09 00:00+00'::timestamptz,
          'a day field starting with * makes both required (Vixie cron)');

SELECT * FROM finish();
