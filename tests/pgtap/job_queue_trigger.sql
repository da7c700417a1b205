-- Migration 0010: the job queue's worker trigger (call_job_queue_worker + the job_queue_worker cron job).
SELECT plan(13);

SELECT has_function('public', 'call_job_queue_worker', ARRAY['integer']);
SELECT is_definer('public', 'call_job_queue_worker', ARRAY['integer']);
SELECT is((SELECT proconfig FROM pg_proc WHERE oid = 'public.call_job_queue_worker(integer)'::regprocedure),
          ARRAY['search_path=pg_catalog, pg_temp'], 'search_path is pinned');
SELECT function_privs_are('public', 'call_job_queue_worker', ARRAY['integer'], 'anon', ARRAY[]::text[]);
SELECT function_privs_are('public', 'call_job_queue_worker', ARRAY['integer'], 'authenticated', ARRAY[]::text[]);
SELECT function_privs_are('public', 'call_job_queue_worker', ARRAY['integer'], 'service_role', ARRAY['EXECUTE']);
SELECT ok(EXISTS (SELECT 1 FROM cron.job WHERE jobname = 'job_queue_worker' AND schedule = '* * * * *'
                   AND command = 'SELECT public.call_job_queue_worker()'), 'the trigger runs every minute');

SELECT throws_ok($$SELECT call_job_queue_worker(0)$$, '22023', 'max_jobs must be between 1 and 100, got 0');

-- nothing due: no call, no error even without configuration
DELETE FROM job_queue;
DELETE FROM vault.secrets WHERE name IN ('job_queue_worker_endpoint', 'job_queue_runner_secret');
SELECT is(call_job_queue_worker(), NULL, 'nothing due: no request');

SELECT job_queue_enqueue('probe_task', '{}'::jsonb);
SELECT throws_like($$SELECT call_job_queue_worker()$$,
                   'job queue trigger is not configured: Vault secret job_queue_worker_endpoint is missing',
                   'a missing endpoint is named');

SELECT vault.create_secret('http://127.0.0.1:9/api/jobs/run', 'job_queue_worker_endpoint');
SELECT vault.create_secret('s3cr3t-runner', 'job_queue_runner_secret');
SELECT isnt(call_job_queue_worker(5), NULL, 'a due job: one request queued');
SELECT results_eq(
    $$SELECT url, headers ->> 'Authorization', convert_from(body, 'UTF8')::jsonb FROM net.http_request_queue ORDER BY id DESC LIMIT 1$$,
    $$VALUES ('http://127.0.0.1:9/api/jobs/run'::text, 'Bearer s3cr3t-runner'::text, '{"limit": 5}'::jsonb)$$,
    'POST to the Vault endpoint with the Vault runner secret and the batch size');
SELECT ok(NOT EXISTS (SELECT 1 FROM cron.job WHERE command LIKE '%s3cr3t-runner%'), 'the secret is not in cron.job');

SELECT * FROM finish();
