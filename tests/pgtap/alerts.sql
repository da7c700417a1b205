-- Module alerts (migration 0060, sql/alerts/) and module metrics (sql/metrics/): privileges,
-- rule validation, each kind's check, and the notification state machine (one "firing",
-- one "resolved", rate limit, silence, no webhook, disabled rule).
SELECT plan(72);

-- ======================================================== shape and privileges
SELECT has_table('public', 'alert_rules', 'alert_rules exists');
SELECT has_table('public', 'alert_events', 'alert_events exists');
SELECT ok((SELECT bool_and(relrowsecurity) FROM pg_class
            WHERE oid IN ('public.alert_rules'::regclass, 'public.alert_events'::regclass, 'pgcadence.alert_cron_seen'::regclass)),
          'RLS is on for every alerts table');
SELECT is((SELECT count(*)::int FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname IN ('public', 'pgcadence')
              AND (p.proname ~ '^alert' OR p.proname IN ('metrics', 'recent_failures', 'system_mandate_expires_at', 'vault_key_problem'))
              AND p.proconfig IS DISTINCT FROM ARRAY['search_path=pg_catalog, pg_temp']),
          0, 'every alerts and metrics function pins search_path = pg_catalog, pg_temp');
SELECT is((SELECT count(*)::int FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname IN ('public', 'pgcadence')
              AND (p.proname ~ '^alert' OR p.proname IN ('metrics', 'recent_failures', 'system_mandate_expires_at', 'vault_key_problem'))
              AND (has_function_privilege('public', p.oid, 'EXECUTE') OR has_function_privilege('anon', p.oid, 'EXECUTE'))),
          0, 'neither PUBLIC nor anon may execute any of them');
SELECT function_privs_are('pgcadence', 'alerts_evaluate', ARRAY[]::text[], 'authenticated', ARRAY[]::text[]);
SELECT function_privs_are('pgcadence', 'alerts_evaluate', ARRAY[]::text[], 'service_role', ARRAY['EXECUTE']);
SELECT function_privs_are('pgcadence', 'metrics', ARRAY[]::text[], 'authenticated', ARRAY[]::text[]);
SELECT function_privs_are('pgcadence', 'metrics', ARRAY[]::text[], 'service_role', ARRAY['EXECUTE']);
SELECT function_privs_are('public', 'alert_rule_update', ARRAY['text', 'boolean', 'jsonb', 'interval'], 'authenticated', ARRAY['EXECUTE']);
SELECT policies_are('public', 'alert_rules', ARRAY['alert_rules_admin_read']);
SELECT policies_are('public', 'alert_events', ARRAY['alert_events_admin_read']);
SELECT ok(EXISTS (SELECT 1 FROM cron.job WHERE jobname = 'pgcadence_alerts_evaluate' AND schedule = '* * * * *'
                   AND command = 'SELECT pgcadence.alerts_evaluate()'), 'pg_cron evaluates the rules every minute');
SELECT is((SELECT array_agg(name ORDER BY name) FROM public.alert_rules WHERE enabled),
          ARRAY['cron_job_failing', 'cron_job_overdue', 'net_backlog', 'queue_leases_expired', 'system_mandate_expiring',
                'task_failures', 'vault_key_unreadable'], 'the default rules, all enabled');

-- ======================================================== who may change rules
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
SELECT pg_temp.probe('anon update', $$SELECT public.alert_rule_update('task_failures', enabled => false)$$);
SELECT pg_temp.probe('anon read', $$SELECT * FROM public.alert_events$$);
RESET ROLE;
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub": "00000000-0000-0000-0000-0000000000b1", "role": "authenticated"}';
SELECT pg_temp.probe('user update', $$SELECT public.alert_rule_update('task_failures', enabled => false)$$);
SELECT pg_temp.probe('user silence', $$SELECT public.alert_rule_silence('task_failures', now() + interval '1 hour')$$);
SELECT pg_temp.probe('user evaluate', $$SELECT * FROM pgcadence.alerts_evaluate()$$);
SELECT pg_temp.probe('user sees no rule', $$SELECT 1/(1 - count(*))::int FROM public.alert_rules$$);
RESET ROLE;
INSERT INTO public.profiles (id, role) VALUES ('00000000-0000-0000-0000-0000000000b2', 'admin');
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub": "00000000-0000-0000-0000-0000000000b2", "role": "authenticated"}';
SELECT pg_temp.probe('admin update', $$SELECT public.alert_rule_update('net_backlog', params => '{"queued": 50}')$$);
SELECT pg_temp.probe('admin reads rules', $$SELECT 1/count(*)::int FROM public.alert_rules$$);
RESET ROLE;
SET LOCAL request.jwt.claims = '';
SELECT is((SELECT outcome FROM probes WHERE label = 'anon update'), '42501', 'anon cannot change a rule');
SELECT is((SELECT outcome FROM probes WHERE label = 'anon read'), '42501', 'anon cannot read the history');
SELECT is((SELECT outcome FROM probes WHERE label = 'user update'), '42501', 'a user who is not an admin cannot change a rule');
SELECT is((SELECT outcome FROM probes WHERE label = 'user silence'), '42501', 'nor silence one');
SELECT is((SELECT outcome FROM probes WHERE label = 'user evaluate'), '42501', 'nor run the evaluation');
SELECT is((SELECT outcome FROM probes WHERE label = 'user sees no rule'), 'ok', 'a user who is not an admin sees no rule');
SELECT is((SELECT outcome FROM probes WHERE label = 'admin update'), 'ok', 'an admin changes thresholds');
SELECT is((SELECT outcome FROM probes WHERE label = 'admin reads rules'), 'ok', 'an admin reads the rules');
SELECT is((SELECT params FROM public.alert_rules WHERE name = 'net_backlog'), '{"queued": 50}'::jsonb, 'the override is stored');
SELECT is((SELECT updated_by FROM public.alert_rules WHERE name = 'net_backlog'),
          'user 00000000-0000-0000-0000-0000000000b2', 'and who made it');

-- ======================================================== validation: one clear error, nothing changed
SELECT throws_ok($$SELECT public.alert_rule_update('task_failures', params => '{"failures": 0}')$$, '22023',
                 'alert threshold "failures" must be a whole number from 1, got 0', 'a count below 1 is refused');
SELECT throws_ok($$SELECT public.alert_rule_update('task_failures', params => '{"window": "soon"}')$$, '22023',
                 'alert threshold "window" must be a duration such as "15 minutes" (more than 0, at most 1 year), got "soon"',
                 'a duration that is not one is refused');
SELECT throws_ok($$SELECT public.alert_rule_update('task_failures', params => '{"failurez": 5}')$$, '22023',
                 'alert kind task_failures has no threshold "failurez" (it has: failures, window)', 'an unknown threshold is named');
SELECT throws_like($$SELECT public.alert_rule_update('no_such_rule', enabled => false)$$, 'alert_rule_update: no alert rule named "no_such_rule"%',
                   'an unknown rule is named');
SELECT throws_ok($$SELECT public.alert_rule_silence('task_failures', now() - interval '1 minute')$$, '22023', NULL,
                 'silencing until a past time is refused');
SELECT throws_like($$INSERT INTO public.alert_rules (name, kind) VALUES ('my_rule', 'astrology')$$, 'unknown alert kind "astrology"%',
                   'a rule of an unknown kind cannot be inserted, even by the owner');
SELECT is(public.alert_rule_update('task_failures', params => '{"failures": 5}') -> 'thresholds',
          '{"failures": 5, "window": "15 minutes"}'::jsonb, 'overrides merge into the defaults');
SELECT is(public.alert_rule_update('task_failures', params => '{"failures": null}') -> 'thresholds',
          '{"failures": 3, "window": "15 minutes"}'::jsonb, 'null puts a threshold back to its default');

-- ======================================================== each kind's check
DELETE FROM public.job_queue_attempt_log;
DELETE FROM public.job_queue;
SELECT public.job_queue_enqueue('tap_fail', '{}'::jsonb, max_attempts => 1) FROM generate_series(1, 3);
SELECT count(*) FROM (SELECT public.job_queue_fail(c.id, c.lease_token, 'upstream said 502 for postgresql://u:hunter2@db/x')
                        FROM public.job_queue_claim(10, 'tap-worker', '1 minute') c) s;
SELECT is(pgcadence.alert_check('task_failures', pgcadence.alert_params('task_failures', '{}')),
          '[{"subject": "tap_fail", "detail": "3 failed attempts within 15 minutes; last error: upstream said 502 for postgresql://u:[redacted]@db/x"}]'::jsonb,
          'task_failures: the task type, the count and the last error, password masked');
SELECT is(pgcadence.alert_check('task_failures', pgcadence.alert_params('task_failures', '{"failures": 4}')), '[]'::jsonb,
          'task_failures: below the threshold, nothing');

SELECT cron.schedule('tap_rare_job', '0 0 1 1 *', 'SELECT 1');
INSERT INTO cron.job_run_details (jobid, runid, job_pid, database, username, command, status, return_message, start_time, end_time)
SELECT j.jobid, 900000 + g, 0, current_database(), current_user, 'SELECT 1', 'failed', 'ERROR: boom ' || g,
       now() - make_interval(mins => 10 - g), now() - make_interval(mins => 10 - g)
  FROM cron.job j, generate_series(1, 3) g WHERE j.jobname = 'tap_rare_job';
SELECT is(pgcadence.alert_check('cron_job_failing', '{"runs": 3}') -> 0 ->> 'subject', 'tap_rare_job',
          'cron_job_failing: a job whose last 3 runs failed');
SELECT is(pgcadence.alert_check('cron_job_failing', '{"runs": 4}'), '[]'::jsonb, 'cron_job_failing: not with only 3 runs kept');

SELECT cron.schedule('tap_minutely', '* * * * *', 'SELECT 1');
SELECT pgcadence.alert_check('cron_job_overdue', '{"missed_runs": 1, "grace": "10 minutes"}');  -- remembers the new jobs
UPDATE pgcadence.alert_cron_seen SET first_seen = now() - interval '1 hour'
 WHERE jobid = (SELECT jobid FROM cron.job WHERE jobname = 'tap_minutely');
SELECT ok(pgcadence.alert_check('cron_job_overdue', '{"missed_runs": 1, "grace": "10 minutes"}') @> '[{"subject": "tap_minutely"}]',
          'cron_job_overdue: a minutely job without a success for an hour');
SELECT ok(NOT pgcadence.alert_check('cron_job_overdue', '{"missed_runs": 1, "grace": "10 minutes"}') @> '[{"subject": "tap_rare_job"}]',
          'cron_job_overdue: a yearly job is not overdue after an hour');

SELECT is(pgcadence.alert_check('net_backlog', '{"queued": 1000000, "oldest": "1 year"}'), '[]'::jsonb, 'net_backlog: quiet queue');
SELECT net.http_get('http://127.0.0.1:9/tap') FROM generate_series(1, 2);
SELECT is(pgcadence.alert_check('net_backlog', '{"queued": 1, "oldest": "1 year"}') -> 0 ->> 'subject', 'net.http_request_queue',
          'net_backlog: more queued than allowed');

SELECT public.job_queue_enqueue('tap_stuck', '{}'::jsonb);
SELECT count(*) FROM public.job_queue_claim(10, 'tap-dead-worker', '1 minute');
UPDATE public.job_queue SET locked_until = now() - interval '1 hour' WHERE task_type = 'tap_stuck';
SELECT is(pgcadence.alert_check('queue_leases_expired', '{"jobs": 1, "grace": "5 minutes"}') -> 0 ->> 'subject', 'tap_stuck',
          'queue_leases_expired: a running job whose lease ended an hour ago');

DELETE FROM vault.secrets WHERE name = 'SYSTEM_MANDATE_JWS';
SELECT vault.create_secret('eyJhbGciOiJFZERTQSJ9.'
                           || rtrim(translate(encode(convert_to('{"exp": ' || floor(extract(epoch FROM now() + interval '2 hours'))::bigint || '}', 'UTF8'), 'base64'), '+/', '-_'), '=')
                           || '.c2ln', 'SYSTEM_MANDATE_JWS');
SELECT is(pgcadence.system_mandate_expires_at(), date_trunc('second', now() + interval '2 hours'), 'the mandate''s exp claim is read');
SELECT ok(pgcadence.alert_check('system_mandate_expiring', '{"within": "24 hours"}') @> '[{"subject": "SYSTEM_MANDATE_JWS"}]',
          'system_mandate_expiring: expires within 24 h');
SELECT is(pgcadence.alert_check('system_mandate_expiring', '{"within": "1 hour"}'), '[]'::jsonb, 'but not within 1 h');

SELECT is(pgcadence.alert_check('vault_key_unreadable', '{}'), '[]'::jsonb, 'vault_key_unreadable: the key file is fine');
-- (a missing key file is named: tests/test_vault.py, which can move the file away)
-- the key file is honoured only from the server configuration: a session's setting changes nothing,
SET LOCAL pgcadence.vault_key_file = '/nonexistent/pgcadence_vault.keys';
SELECT is(pgcadence.alert_check('vault_key_unreadable', '{}'), '[]'::jsonb,
          'vault_key_unreadable: a session pointing the key file elsewhere changes nothing');
RESET pgcadence.vault_key_file;
-- and one set for the database is refused, which the rule reports
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET pgcadence.vault_key_file = %L', current_database(), '/nonexistent/k'); END $$;
-- (the real supabase_vault has no key file: there the rule has nothing to check)
SELECT CASE WHEN to_regprocedure('vault._keys()') IS NULL
            THEN skip('vault_key_unreadable: the real supabase_vault has no key file', 1)
            ELSE alike(pgcadence.alert_check('vault_key_unreadable', '{}') -> 0 ->> 'detail',
                       'pgcadence.vault_key_file is set for a role or database%',
                       'vault_key_unreadable: a key file set for the database is reported') END;
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET pgcadence.vault_key_file', current_database()); END $$;

-- ======================================================== metrics from the same state
SELECT is((SELECT value FROM pgcadence.metrics() WHERE metric = 'pgcadence_queue_jobs'
            AND labels = '{"task_type": "tap_fail", "status": "failed"}'), 3::float8, 'metrics: jobs by task type and status');
SELECT is((SELECT value FROM pgcadence.metrics() WHERE metric = 'pgcadence_queue_attempts_last_hour'
            AND labels = '{"task_type": "tap_fail", "outcome": "failed"}'), 3::float8, 'metrics: failed attempts in the last hour');
SELECT is((SELECT value FROM pgcadence.metrics() WHERE metric = 'pgcadence_queue_expired_leases'
            AND labels = '{"task_type": "tap_stuck"}'), 1::float8, 'metrics: expired leases');
SELECT is((SELECT value FROM pgcadence.metrics() WHERE metric = 'pgcadence_cron_runs_last_day'
            AND labels = '{"job": "tap_rare_job", "status": "failed"}'), 3::float8, 'metrics: cron runs by job and status');
SELECT ok((SELECT value BETWEEN 7190 AND 7200 FROM pgcadence.metrics() WHERE metric = 'pgcadence_system_mandate_expiry_seconds'),
          'metrics: seconds until the mandate expires');
SELECT public.cache_record_stats('tapproj', 'tapcache', '{"db": {"hits": 4, "misses": 1, "errors": 0, "latency_samples": 5, "latency_total_us": 2500000}}');
SELECT is((SELECT value FROM pgcadence.metrics() WHERE metric = 'pgcadence_cache_hits'
            AND labels = '{"project": "tapproj", "cache_type": "tapcache", "tier": "db"}'), 4::float8, 'metrics: cache hits from cache_stats');
SELECT is((SELECT value FROM pgcadence.metrics() WHERE metric = 'pgcadence_cache_latency_seconds'
            AND labels = '{"project": "tapproj", "cache_type": "tapcache", "tier": "db"}'), 2.5::float8, 'metrics: cache tier time in seconds');
SELECT is((SELECT recent.failures FROM pgcadence.recent_failures() recent WHERE source = 'job' AND name = 'tap_fail'), 3::bigint,
          'recent_failures: jobs that ended failed, per task type');

-- ======================================================== notifications
DELETE FROM public.job_queue WHERE task_type = 'tap_stuck';
-- only task_failures is on; the state starts clean; the webhook is a local URL
UPDATE public.alert_rules SET enabled = (name = 'task_failures'), firing = false, since = NULL, subjects = '[]',
       notified = NULL, notified_subjects = '{}', last_firing_at = NULL, silenced_until = NULL;
DELETE FROM public.alert_events;
DELETE FROM net.http_request_queue;
DELETE FROM vault.secrets WHERE name = 'alert_webhook_url';
SELECT vault.create_secret('http://127.0.0.1:9/hook', 'alert_webhook_url');
CREATE FUNCTION pg_temp.hooks() RETURNS bigint LANGUAGE sql AS
    $$SELECT count(*) FROM net.http_request_queue WHERE url = 'http://127.0.0.1:9/hook'$$;
CREATE FUNCTION pg_temp.act() RETURNS text LANGUAGE sql AS
    $$SELECT action FROM pgcadence.alerts_evaluate() WHERE rule_name = 'task_failures'$$;

SELECT is(pg_temp.act(), 'firing: sent', 'the condition starts: one notification');
SELECT is(pg_temp.act(), NULL, 'evaluated again: nothing more');
SELECT is(pg_temp.hooks(), 1::bigint, 'one webhook request queued');
SELECT ok((SELECT convert_from(body, 'UTF8')::jsonb FROM net.http_request_queue WHERE url = 'http://127.0.0.1:9/hook')
          @> '{"attachments": [{"color": "danger", "fields": [{"title": "tap_fail"}]}]}'
          AND (SELECT convert_from(body, 'UTF8')::jsonb ->> 'text' FROM net.http_request_queue WHERE url = 'http://127.0.0.1:9/hook')
              LIKE '[pgcadence] FIRING task_failures on % a task type had 3 or more failed attempts within 15 minutes',
          'a Slack-compatible body: text, and one field per subject');

-- a second task type starts failing within the hour: recorded, not sent (rate limit)
SELECT public.job_queue_enqueue('tap_fail_too', '{}'::jsonb, max_attempts => 1) FROM generate_series(1, 3);
SELECT count(*) FROM (SELECT public.job_queue_fail(c.id, c.lease_token, 'nope') FROM public.job_queue_claim(10, 'tap-worker', '1 minute') c) s;
SELECT is(pg_temp.act(), 'firing: rate_limited', 'a new subject within the hour is not sent');
SELECT is(pg_temp.hooks(), 1::bigint, 'still one webhook request');
SELECT is((SELECT delivery FROM public.alert_events ORDER BY id DESC LIMIT 1), 'rate_limited', 'the history says why');

-- recovery: the failures age out of the window
UPDATE public.job_queue_attempt_log SET finished_at = finished_at - interval '1 day';
SELECT is(pg_temp.act(), 'resolved: sent', 'the condition ends: one "resolved"');
SELECT is(pg_temp.act(), NULL, 'evaluated again: nothing more');
SELECT is(pg_temp.hooks(), 2::bigint, 'two webhook requests in all');
SELECT ok((SELECT convert_from(body, 'UTF8')::jsonb ->> 'text' FROM net.http_request_queue
            WHERE url = 'http://127.0.0.1:9/hook' ORDER BY id DESC LIMIT 1) LIKE '[pgcadence] RESOLVED task_failures on %',
          'the second one says RESOLVED');

-- silenced: tracked and recorded, not sent; the silence lifted: sent (the hour has passed)
SELECT public.alert_rule_silence('task_failures', now() + interval '1 hour');
UPDATE public.job_queue_attempt_log SET finished_at = now();
SELECT is(pg_temp.act(), 'firing: silenced', 'a silenced rule sends nothing');
UPDATE public.alert_rules SET last_firing_at = now() - interval '2 hours' WHERE name = 'task_failures';
SELECT public.alert_rule_silence('task_failures', NULL);
SELECT is(pg_temp.act(), 'firing: sent', 'once the silence is lifted the firing condition is sent');

-- disabling a firing rule tells the receivers it is over
SELECT public.alert_rule_update('task_failures', enabled => false);
SELECT is(pg_temp.act(), 'resolved: sent', 'a disabled rule resolves');
SELECT is(pg_temp.hooks(), 4::bigint, 'four webhook requests in all');

-- no webhook configured: the start is recorded once, nothing is queued
SELECT public.alert_rule_update('task_failures', enabled => true);
UPDATE public.alert_rules SET last_firing_at = NULL WHERE name = 'task_failures';
DELETE FROM vault.secrets WHERE name = 'alert_webhook_url';
DELETE FROM public.alert_events;
SELECT is(pg_temp.act(), 'firing: no_webhook', 'without alert_webhook_url nothing is sent');
SELECT pg_temp.act();
SELECT is((SELECT count(*)::int FROM public.alert_events WHERE delivery = 'no_webhook'), 1,
          'and the history records it once, not every minute');

SELECT * FROM finish();
