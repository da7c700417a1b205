-- Sample data for a local console (`pgcadence demo load` / `demo clear`): queue jobs in
-- every state with their attempts, cron jobs with a day of runs, net responses, audit
-- rows and caches. Every row it adds is recorded in pgcadence.admin_demo_rows, so that
-- clearing removes exactly those (plus the jobs and runs the demo cron jobs made since).
-- Owner only: a DBA's tool for a development database, never for production data.

-- The demo's task type (its handler is pgcadence.demo, loaded by every worker).
CREATE OR REPLACE FUNCTION pgcadence.admin_demo_task_type() RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT 'pgcadence_demo'::text
$$;
REVOKE ALL ON FUNCTION pgcadence.admin_demo_task_type() FROM PUBLIC, anon, authenticated;

-- Record one row the demo added.
CREATE OR REPLACE FUNCTION pgcadence.admin_demo_note(kind text, ref text) RETURNS void
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO pgcadence.admin_demo_rows (kind, ref) VALUES (kind, ref) ON CONFLICT DO NOTHING
$$;
REVOKE ALL ON FUNCTION pgcadence.admin_demo_note(text, text) FROM PUBLIC, anon, authenticated;

-- Load the sample data; returns what was added, per kind. Refuses when already loaded.
CREATE OR REPLACE FUNCTION pgcadence.admin_demo_load() RETURNS jsonb
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    tt text := pgcadence.admin_demo_task_type();
    jid uuid;
    rid bigint;
    cron_id bigint;
    t timestamptz;
    i integer;
    seq text;
    job record;
BEGIN
    IF EXISTS (SELECT 1 FROM pgcadence.admin_demo_rows) THEN
        RAISE EXCEPTION 'demo data is already loaded; run `pgcadence demo clear` first' USING ERRCODE = '55000';
    END IF;

    -- the task type, so that create_cron_job accepts it before a worker has started
    IF NOT EXISTS (SELECT 1 FROM public.job_handlers h WHERE h.task_type = tt) THEN
        PERFORM public.register_job_handler(tt, 'demo task: sleeps payload.seconds, fails when payload.fail is true');
        PERFORM pgcadence.admin_demo_note('handler', tt);
    END IF;

    -- queue: succeeded jobs over the last hour (the throughput chart), some after a failed attempt
    FOR i IN 1..36 LOOP
        t := pg_catalog.now() - (i * 97 % 3540) * interval '1 second' - interval '20 seconds';
        INSERT INTO public.job_queue (task_type, payload, status, run_at, attempts, max_attempts, created_at, updated_at,
                                      locked_by, started_at, finished_at, result)
        VALUES (tt, pg_catalog.jsonb_build_object('report', 'daily-' || i, 'seconds', 0.2), 'succeeded', t - interval '2 seconds',
                CASE WHEN i % 6 = 0 THEN 2 ELSE 1 END, 3, t - interval '3 seconds', t, 'demo-worker-' || (i % 2 + 1),
                t - interval '800 milliseconds', t, pg_catalog.jsonb_build_object('rows', i * 7, 'ok', true))
        RETURNING id INTO jid;
        IF i % 6 = 0 THEN
            INSERT INTO public.job_queue_attempt_log (job_id, attempt, worker_id, started_at, finished_at, outcome, error)
            VALUES (jid, 1, 'demo-worker-1', t - interval '40 seconds', t - interval '39 seconds', 'failed',
                    'TimeoutError: upstream did not answer within 30 s');
        END IF;
        PERFORM pgcadence.admin_demo_note('job', jid::text);
    END LOOP;

    -- failed jobs: every attempt failed
    FOR i IN 1..2 LOOP
        t := pg_catalog.now() - i * interval '13 minutes';
        INSERT INTO public.job_queue (task_type, payload, status, run_at, attempts, max_attempts, created_at, updated_at,
                                      locked_by, started_at, finished_at, last_error)
        VALUES (tt, pg_catalog.jsonb_build_object('report', 'sync-partner-' || i, 'fail', true), 'failed', t, 3, 3,
                t - interval '2 minutes', t, 'demo-worker-2', t - interval '1 second', t,
                'RuntimeError: partner API answered 503 Service Unavailable')
        RETURNING id INTO jid;
        INSERT INTO public.job_queue_attempt_log (job_id, attempt, worker_id, started_at, finished_at, outcome, error)
        VALUES (jid, 1, 'demo-worker-1', t - interval '115 seconds', t - interval '114 seconds', 'failed',
                'RuntimeError: partner API answered 503 Service Unavailable'),
               (jid, 2, 'demo-worker-2', t - interval '90 seconds', t - interval '60 seconds', 'lease_expired',
                'lease expired: the worker stopped heartbeating'),
               (jid, 3, 'demo-worker-2', t - interval '1 second', t, 'failed',
                'RuntimeError: partner API answered 503 Service Unavailable');
        PERFORM pgcadence.admin_demo_note('job', jid::text);
    END LOOP;

    -- pending (due later), running (a lease held by a demo worker), cancelled
    FOR job IN SELECT * FROM (VALUES (interval '10 minutes', 'weekly-digest', 0), (interval '2 hours', 'quarterly-export', 5)) v(d, name, prio) LOOP
        INSERT INTO public.job_queue (task_type, payload, status, run_at, max_attempts, priority)
        VALUES (tt, pg_catalog.jsonb_build_object('report', job.name, 'seconds', 1), 'pending', pg_catalog.now() + job.d, 3, job.prio)
        RETURNING id INTO jid;
        PERFORM pgcadence.admin_demo_note('job', jid::text);
    END LOOP;
    INSERT INTO public.job_queue (task_type, payload, status, run_at, attempts, max_attempts, locked_by, locked_until, started_at)
    VALUES (tt, '{"report": "large-import", "seconds": 3600}', 'running', pg_catalog.now() - interval '45 seconds', 1, 3,
            'demo-worker-1', pg_catalog.now() + interval '1 day', pg_catalog.now() - interval '40 seconds')
    RETURNING id INTO jid;
    PERFORM pgcadence.admin_demo_note('job', jid::text);
    INSERT INTO public.job_queue (task_type, payload, status, run_at, max_attempts, finished_at, created_at)
    VALUES (tt, '{"report": "obsolete-export"}', 'cancelled', pg_catalog.now() - interval '30 minutes', 3,
            pg_catalog.now() - interval '25 minutes', pg_catalog.now() - interval '31 minutes')
    RETURNING id INTO jid;
    PERFORM pgcadence.admin_demo_note('job', jid::text);

    -- cron jobs that enqueue demo tasks, and a day of their runs
    PERFORM public.create_cron_job('demo_hourly_report', '0 * * * *', tt, '{"report": "hourly", "seconds": 0.5}'::jsonb, 3);
    PERFORM public.create_cron_job('demo_partner_sync', '*/15 * * * *', tt, '{"report": "partner-sync", "fail": true}'::jsonb, 2);
    PERFORM public.create_cron_job('demo_nightly_cleanup', '30 2 * * *', tt, '{"report": "cleanup"}'::jsonb, 3,
                                   'Europe/Berlin');
    PERFORM public.toggle_cron_job('demo_nightly_cleanup', false);
    FOREACH seq IN ARRAY ARRAY['demo_hourly_report', 'demo_partner_sync', 'demo_nightly_cleanup'] LOOP
        PERFORM pgcadence.admin_demo_note('cron_job', seq);
    END LOOP;
    FOR job IN SELECT j.jobid, j.jobname, j.command, j.database, j.username FROM cron.job j
               WHERE j.jobname IN ('demo_hourly_report', 'demo_partner_sync') LOOP
        FOR i IN 1..CASE WHEN job.jobname = 'demo_hourly_report' THEN 24 ELSE 12 END LOOP
            t := pg_catalog.date_trunc('hour', pg_catalog.now()) - i * CASE WHEN job.jobname = 'demo_hourly_report'
                                                                         THEN interval '1 hour' ELSE interval '15 minutes' END;
            rid := pg_catalog.nextval('cron.runid_seq');
            INSERT INTO cron.job_run_details (jobid, runid, job_pid, database, username, command, status, return_message,
                                              start_time, end_time)
            VALUES (job.jobid, rid, 40000 + i, job.database, job.username, job.command,
                    CASE WHEN job.jobname = 'demo_partner_sync' AND i % 4 = 1 THEN 'failed' ELSE 'succeeded' END,
                    CASE WHEN job.jobname = 'demo_partner_sync' AND i % 4 = 1
                         THEN 'ERROR:  job_queue_enqueue: payload is 300000 bytes; the limit is 262144 (max_payload_bytes)'
                         ELSE '1 row' END,
                    t + interval '20 milliseconds', t + (20 + i * 37 % 900) * interval '1 millisecond')
            RETURNING runid INTO cron_id;
            PERFORM pgcadence.admin_demo_note('cron_run', cron_id::text);
        END LOOP;
    END LOOP;

    -- net: responses of every kind (the sender deletes them after pg_net.ttl, 6 hours by default)
    IF pg_catalog.to_regclass('net._http_response') IS NOT NULL AND pg_catalog.to_regclass('net.http_request_queue') IS NOT NULL THEN
        seq := pg_catalog.pg_get_serial_sequence('net.http_request_queue', 'id');
        FOR job IN SELECT * FROM (VALUES
                (200, 'application/json', '{"status": "ok", "processed": 3}', false, NULL::text, 2),
                (200, 'application/json', '{"status": "ok", "processed": 0}', false, NULL, 7),
                (201, 'application/json', '{"id": "b5f6"}', false, NULL, 12),
                (404, 'application/json', '{"error": "function_not_found", "message": "no function named ''sync-v1''"}', false, NULL, 18),
                (500, 'application/json', '{"error": "internal_error", "message": "internal error (request id 9f2c)"}', false, NULL, 25),
                (NULL, NULL, NULL, true, 'Timeout of 5000 ms reached. Total time: 5001.204 ms', 31),
                (NULL, NULL, NULL, false, 'Couldn''t connect to server', 44)) v(code, ctype, body, timed_out, err, minutes) LOOP
            rid := CASE WHEN seq IS NULL THEN 900000000 + job.minutes ELSE pg_catalog.nextval(seq) END;
            INSERT INTO net._http_response (id, status_code, content_type, headers, content, timed_out, error_msg, created)
            VALUES (rid, job.code, job.ctype,
                    CASE WHEN job.code IS NULL THEN NULL
                         ELSE pg_catalog.jsonb_build_object('content-type', job.ctype, 'x-request-id', 'demo-' || job.minutes,
                                                            'set-cookie', 'session=demo-secret; HttpOnly') END,
                    job.body, job.timed_out, job.err, pg_catalog.now() - job.minutes * interval '1 minute');
            PERFORM pgcadence.admin_demo_note('net_response', rid::text);
        END LOOP;
    END IF;

    -- audit trail: cache warming, credential use and user actions over two days
    IF pg_catalog.to_regclass('public.mandate_audit') IS NOT NULL THEN
        FOR job IN SELECT * FROM (VALUES
                ('cache_warm_success', 'blackhawk-ski-club', 'skiclubpro', '{"category": "lessons", "programs_discovered": 14, "duration_ms": 2310}', 3),
                ('cache_warm_success', 'blackhawk-ski-club', 'skiclubpro', '{"category": "races", "programs_discovered": 6, "duration_ms": 1880}', 27),
                ('cache_warm_failed', 'lakeside-rowing', 'skiclubpro', '{"category": "all", "error": "login failed: provider answered 401", "duration_ms": 950}', 51),
                ('cache_warm_success', 'lakeside-rowing', 'skiclubpro', '{"category": "all", "programs_discovered": 9, "duration_ms": 3120}', 75),
                ('credentials_accessed', 'blackhawk-ski-club', 'skiclubpro', '{"credential_alias": "Blackhawk Ski Login", "accessed_at": "cache warming"}', 4),
                ('credentials_submitted', 'blackhawk-ski-club', 'skiclubpro', '{"credential_alias": "Blackhawk Ski Login"}', 200),
                ('action_select_provider', NULL, 'skiclubpro', '{"sessionId": "demo-session-1"}', 210),
                ('action_select_program', 'blackhawk-ski-club', 'skiclubpro', '{"sessionId": "demo-session-1", "program": "Level 2 Lessons"}', 190),
                ('registration_completed', 'blackhawk-ski-club', 'skiclubpro', '{"sessionId": "demo-session-1"}', 185),
                ('mandate_rejected', NULL, NULL, '{"reason": "expired"}', 600)
            ) v(action, org, provider, meta, minutes) LOOP
            CONTINUE WHEN NOT EXISTS (SELECT 1 FROM public.mandate_audit_actions a WHERE a.action = job.action);
            INSERT INTO public.mandate_audit (created_at, user_id, action, org_ref, provider, metadata)
            VALUES (pg_catalog.now() - job.minutes * interval '4 minutes',
                    CASE WHEN job.action LIKE 'cache_warm_%' THEN NULL ELSE 'dec0dec0-0000-4000-8000-00000000d3e0'::uuid END,
                    job.action, job.org, job.provider, job.meta::jsonb || '{"demo": true}'::jsonb)
            RETURNING id INTO jid;
            PERFORM pgcadence.admin_demo_note('audit', jid::text);
        END LOOP;
    END IF;

    -- caches of an inactive project (inactive: the refresh scheduler leaves it alone)
    IF pg_catalog.to_regclass('public.cache_storage') IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM public.projects p WHERE p.project_name = 'pgcadence-demo') THEN
        PERFORM public.cache_put('pgcadence-demo', 'programs', '{"programs": [{"id": 1, "name": "Level 2 Lessons"}]}',
                                 pg_catalog.now() - interval '10 minutes', NULL, interval '1 hour');
        PERFORM public.cache_put('pgcadence-demo', 'providers', '{"providers": ["skiclubpro"]}',
                                 pg_catalog.now() - interval '3 hours', NULL, interval '1 hour');
        PERFORM public.cache_put('pgcadence-demo', 'settings', '{"theme": "light"}', pg_catalog.now() - interval '2 days');
        PERFORM public.cache_record_stats('pgcadence-demo', 'programs',
            '{"memory": {"hits": 940, "misses": 60, "latency_samples": 1000, "latency_total_us": 21000},
              "file": {"hits": 50, "misses": 10, "latency_samples": 60, "latency_total_us": 48000},
              "db": {"hits": 9, "misses": 1, "latency_samples": 10, "latency_total_us": 31000},
              "fetch": {"hits": 1, "errors": 0, "latency_samples": 1, "latency_total_us": 850000}}');
        PERFORM public.cache_record_stats('pgcadence-demo', 'providers',
            '{"memory": {"hits": 120, "misses": 30, "latency_samples": 150, "latency_total_us": 3000},
              "fetch": {"hits": 2, "errors": 1, "latency_samples": 3, "latency_total_us": 2400000}}');
        UPDATE public.projects SET is_active = false WHERE project_name = 'pgcadence-demo';
        PERFORM pgcadence.admin_demo_note('cache_project', 'pgcadence-demo');
    END IF;

    RETURN (SELECT pg_catalog.jsonb_object_agg(x.kind, x.n) FROM
            (SELECT r.kind, pg_catalog.count(*) AS n FROM pgcadence.admin_demo_rows r GROUP BY r.kind) x);
END
$$;
REVOKE ALL ON FUNCTION pgcadence.admin_demo_load() FROM PUBLIC, anon, authenticated;
COMMENT ON FUNCTION pgcadence.admin_demo_load() IS
    'Load sample data for the admin console (jobs in every state, cron jobs and runs, net responses, audit rows, caches). Owner only.';

-- Remove exactly what admin_demo_load added (and the jobs and runs its cron jobs made);
-- returns how many rows went, per kind.
CREATE OR REPLACE FUNCTION pgcadence.admin_demo_clear() RETURNS jsonb
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    tt text := pgcadence.admin_demo_task_type();
    n bigint;
    summary jsonb := '{}';
    name text;
BEGIN
    -- jobs the demo added, and every job of the demo's task type (its cron jobs made them)
    WITH gone AS (
        DELETE FROM public.job_queue q
         WHERE q.task_type = tt
            OR q.id IN (SELECT r.ref::uuid FROM pgcadence.admin_demo_rows r WHERE r.kind = 'job')
        RETURNING q.id
    ), hist AS (
        DELETE FROM public.job_queue_attempt_log a USING gone g WHERE a.job_id = g.id
    )
    SELECT pg_catalog.count(*) INTO n FROM gone;
    summary := summary || pg_catalog.jsonb_build_object('jobs', n);

    -- cron jobs with all their runs, and runs recorded for jobs since deleted
    n := 0;
    FOR name IN SELECT r.ref FROM pgcadence.admin_demo_rows r WHERE r.kind = 'cron_job' LOOP
        DELETE FROM cron.job_run_details d WHERE d.jobid IN (SELECT j.jobid FROM cron.job j WHERE j.jobname = name);
        IF EXISTS (SELECT 1 FROM cron.job j WHERE j.jobname = name) THEN
            PERFORM public.delete_cron_job(name);
            n := n + 1;
        END IF;
    END LOOP;
    DELETE FROM cron.job_run_details d
     WHERE d.runid IN (SELECT r.ref::bigint FROM pgcadence.admin_demo_rows r WHERE r.kind = 'cron_run');
    summary := summary || pg_catalog.jsonb_build_object('cron_jobs', n);

    IF pg_catalog.to_regclass('net._http_response') IS NOT NULL THEN
        DELETE FROM net._http_response x
         WHERE x.id IN (SELECT r.ref::bigint FROM pgcadence.admin_demo_rows r WHERE r.kind = 'net_response');
        GET DIAGNOSTICS n = ROW_COUNT;
        summary := summary || pg_catalog.jsonb_build_object('net_responses', n);
    END IF;

    IF pg_catalog.to_regclass('public.mandate_audit') IS NOT NULL THEN
        -- the audit is append-only; its owner may delete rows with this switch on (as
        -- purge_mandate_audit does), here only the demo's own rows
        PERFORM pg_catalog.set_config('pgcadence.audit_purge', 'on', true);
        DELETE FROM public.mandate_audit a
         WHERE a.id IN (SELECT r.ref::uuid FROM pgcadence.admin_demo_rows r WHERE r.kind = 'audit');
        GET DIAGNOSTICS n = ROW_COUNT;
        PERFORM pg_catalog.set_config('pgcadence.audit_purge', 'off', true);
        summary := summary || pg_catalog.jsonb_build_object('audit_rows', n);
    END IF;

    IF pg_catalog.to_regclass('public.projects') IS NOT NULL THEN
        DELETE FROM public.projects p
         WHERE p.project_name IN (SELECT r.ref FROM pgcadence.admin_demo_rows r WHERE r.kind = 'cache_project');
        GET DIAGNOSTICS n = ROW_COUNT;
        summary := summary || pg_catalog.jsonb_build_object('cache_projects', n);
    END IF;

    DELETE FROM public.job_handlers h
     WHERE h.task_type IN (SELECT r.ref FROM pgcadence.admin_demo_rows r WHERE r.kind = 'handler');
    DELETE FROM pgcadence.admin_demo_rows;
    RETURN summary;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.admin_demo_clear() FROM PUBLIC, anon, authenticated;
COMMENT ON FUNCTION pgcadence.admin_demo_clear() IS
    'Remove exactly the admin console''s sample data (and the jobs and runs its cron jobs made). Owner only.';
