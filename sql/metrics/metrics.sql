-- What the database knows about its own health, as metric samples: `pgcadence serve`
-- answers /metrics from pgcadence.metrics() at scrape time, so every replica reports the
-- same queue, net, cron, cache and mandate state (docs/observability.md lists them).
-- Parts whose tables are missing (a disabled module, the real pg_net) are left out.

-- ======================================================== helpers
-- Expiry of the system mandate kept in Vault (SYSTEM_MANDATE_JWS): the JWS payload's
-- "exp" claim, read without checking the signature (the executor checks it before use).
-- NULL when there is none, or it cannot be read or decoded.
CREATE OR REPLACE FUNCTION pgcadence.system_mandate_expires_at() RETURNS timestamptz
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    jws text;
    part text;
BEGIN
    IF pg_catalog.to_regclass('vault.decrypted_secrets') IS NULL THEN
        RETURN NULL;
    END IF;
    BEGIN
        SELECT s.decrypted_secret INTO jws FROM vault.decrypted_secrets s
         WHERE s.name = 'SYSTEM_MANDATE_JWS' ORDER BY s.updated_at DESC LIMIT 1;
        part := pg_catalog.translate(pg_catalog.split_part(jws, '.', 2), '-_', '+/');
        part := part || pg_catalog.repeat('=', (4 - pg_catalog.length(part) % 4) % 4);
        RETURN pg_catalog.to_timestamp(
            (pg_catalog.convert_from(pg_catalog.decode(part, 'base64'), 'UTF8')::jsonb ->> 'exp')::double precision);
    EXCEPTION WHEN OTHERS THEN
        RETURN NULL;  -- unreadable Vault or a malformed token: the doctor and the alert rules say why
    END;
END
$$;
COMMENT ON FUNCTION pgcadence.system_mandate_expires_at() IS
    'When the system mandate in Vault (SYSTEM_MANDATE_JWS) expires, from its exp claim; NULL when absent or unreadable.';
REVOKE ALL ON FUNCTION pgcadence.system_mandate_expires_at() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION pgcadence.system_mandate_expires_at() TO service_role;

-- The Vault shim's key file cannot be read (or parsed): the error, else NULL. Always
-- NULL where the real supabase_vault is installed (it keeps its key elsewhere).
CREATE OR REPLACE FUNCTION pgcadence.vault_key_problem() RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF pg_catalog.to_regprocedure('vault._keys()') IS NULL THEN
        RETURN NULL;
    END IF;
    BEGIN
        PERFORM pg_catalog.count(*) FROM vault._keys();
        RETURN NULL;
    EXCEPTION WHEN OTHERS THEN
        RETURN SQLERRM;  -- names the file and the line, never its content
    END;
END
$$;
COMMENT ON FUNCTION pgcadence.vault_key_problem() IS
    'Why the Vault key file cannot be used (missing, unreadable, malformed), or NULL when it can.';
REVOKE ALL ON FUNCTION pgcadence.vault_key_problem() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION pgcadence.vault_key_problem() TO service_role;

-- ======================================================== recent failures
-- What failed lately, for pgcadence doctor: queue jobs that ended failed (per task type)
-- and pg_cron jobs with failed runs (per job), within `since`, with the latest error.
CREATE OR REPLACE FUNCTION pgcadence.recent_failures(since interval DEFAULT '24 hours')
RETURNS TABLE (source text, name text, failures bigint, last_at timestamptz, last_error text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
    IF pg_catalog.to_regclass('public.job_queue') IS NOT NULL THEN
        RETURN QUERY
        SELECT 'job'::text, q.task_type, pg_catalog.count(*), pg_catalog.max(q.finished_at),
               (pg_catalog.array_agg(pg_catalog.left(q.last_error, 300) ORDER BY q.finished_at DESC))[1]
          FROM public.job_queue q
         WHERE q.status = 'failed' AND q.finished_at > pg_catalog.now() - since
         GROUP BY q.task_type ORDER BY q.task_type;
    END IF;
    IF pg_catalog.to_regclass('cron.job_run_details') IS NOT NULL THEN
        RETURN QUERY
        SELECT 'cron'::text, coalesce(j.jobname::text, 'jobid ' || d.jobid), pg_catalog.count(*), pg_catalog.max(d.start_time),
               (pg_catalog.array_agg(pg_catalog.left(d.return_message, 300) ORDER BY d.start_time DESC))[1]
          FROM cron.job_run_details d LEFT JOIN cron.job j ON j.jobid = d.jobid
         WHERE d.status = 'failed' AND d.start_time > pg_catalog.now() - since
           AND (j.jobid IS NULL OR j.database = pg_catalog.current_database())
         GROUP BY 2 ORDER BY 2;
    END IF;
END
$$;
COMMENT ON FUNCTION pgcadence.recent_failures(interval) IS
    'Queue jobs that ended failed (per task type) and failed pg_cron runs (per job) within since, with the latest error.';
REVOKE ALL ON FUNCTION pgcadence.recent_failures(interval) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION pgcadence.recent_failures(interval) TO service_role;

-- ======================================================== metrics
-- One row per sample: metric name, Prometheus type (gauge or counter; a counter's
-- exposed name gets "_total"), help text, labels, value.
CREATE OR REPLACE FUNCTION pgcadence.metrics()
RETURNS TABLE (metric text, kind text, help text, labels jsonb, value double precision)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
    -- ---------------------------------------------------- job queue
    IF pg_catalog.to_regclass('public.job_queue') IS NOT NULL THEN
        RETURN QUERY
        WITH per AS MATERIALIZED (
            SELECT q.task_type, q.status, pg_catalog.count(*) AS n,
                   pg_catalog.count(*) FILTER (WHERE q.status = 'pending' AND q.run_at <= pg_catalog.now()) AS due,
                   pg_catalog.min(q.run_at) FILTER (WHERE q.status = 'pending' AND q.run_at <= pg_catalog.now()) AS oldest_due,
                   pg_catalog.count(*) FILTER (WHERE q.status = 'running' AND q.locked_until < pg_catalog.now()) AS expired,
                   pg_catalog.count(*) FILTER (WHERE q.status = 'succeeded'
                                                 AND q.finished_at > pg_catalog.now() - interval '1 hour') AS ok_1h
              FROM public.job_queue q GROUP BY q.task_type, q.status),
        types AS (SELECT DISTINCT p.task_type FROM per p),
        statuses(status) AS (VALUES ('pending'), ('running'), ('succeeded'), ('failed'), ('cancelled')),
        ended AS (  -- attempts that ended in the last hour other than a job's successful last one
            SELECT j.task_type, l.outcome, pg_catalog.count(*) AS n
              FROM public.job_queue_attempt_log l
              CROSS JOIN LATERAL (SELECT q.task_type FROM public.job_queue q WHERE q.id = l.job_id LIMIT 1) j  -- by primary key
             WHERE l.finished_at > pg_catalog.now() - interval '1 hour'
             GROUP BY j.task_type, l.outcome)
        SELECT 'pgcadence_queue_jobs', 'gauge', 'Jobs in job_queue, by task type and status.',
               pg_catalog.jsonb_build_object('task_type', t.task_type, 'status', s.status),
               coalesce((SELECT p.n FROM per p WHERE p.task_type = t.task_type AND p.status = s.status), 0)::float8
          FROM types t CROSS JOIN statuses s
        UNION ALL
        SELECT 'pgcadence_queue_due_jobs', 'gauge', 'Pending jobs whose run_at has passed, by task type.',
               pg_catalog.jsonb_build_object('task_type', p.task_type), pg_catalog.sum(p.due)::float8
          FROM per p GROUP BY p.task_type
        UNION ALL
        SELECT 'pgcadence_queue_oldest_due_age_seconds', 'gauge',
               'Seconds the oldest due pending job has waited past its run_at (0: none due), by task type.',
               pg_catalog.jsonb_build_object('task_type', p.task_type),
               coalesce(extract(epoch FROM pg_catalog.now() - pg_catalog.min(p.oldest_due)), 0)::float8
          FROM per p GROUP BY p.task_type
        UNION ALL
        SELECT 'pgcadence_queue_expired_leases', 'gauge',
               'Running jobs whose lease has expired (their worker is gone; the next claim takes them back), by task type.',
               pg_catalog.jsonb_build_object('task_type', p.task_type), pg_catalog.sum(p.expired)::float8
          FROM per p GROUP BY p.task_type
        UNION ALL
        SELECT 'pgcadence_queue_attempts_last_hour', 'gauge',
               'Attempts that ended in the last hour, by task type and outcome (succeeded, failed, lease_expired, cancelled, released).',
               pg_catalog.jsonb_build_object('task_type', x.task_type, 'outcome', x.outcome), pg_catalog.sum(x.n)::float8
          FROM (SELECT p.task_type, 'succeeded' AS outcome, p.ok_1h AS n FROM per p WHERE p.status = 'succeeded'
                UNION ALL SELECT t.task_type, 'failed', 0 FROM types t
                UNION ALL SELECT e.task_type, e.outcome, e.n FROM ended e) x
         GROUP BY x.task_type, x.outcome
        UNION ALL
        SELECT 'pgcadence_queue_paused', 'gauge', '1 while the job queue is paused (claims return nothing).',
               '{}'::jsonb, (SELECT CASE WHEN s.paused THEN 1 ELSE 0 END FROM pgcadence.job_queue_settings s)::float8;
    END IF;

    -- ---------------------------------------------------- net (pg_net or the shim)
    IF pg_catalog.to_regprocedure('pgcadence.net_status()') IS NOT NULL THEN
        RETURN QUERY
        SELECT x.m, 'gauge', x.h, '{}'::jsonb, x.v
          FROM pgcadence.net_status() st,
               LATERAL (VALUES
                 ('pgcadence_net_requests_queued', 'Requests in net.http_request_queue no sender is working on.', st.queued::float8),
                 ('pgcadence_net_requests_in_flight', 'Requests a connected sender is sending now.', st.in_flight::float8),
                 ('pgcadence_net_oldest_queued_age_seconds', 'Age of the oldest queued request (0: none).',
                  coalesce(extract(epoch FROM st.oldest_age), 0)::float8),
                 ('pgcadence_net_senders', 'Senders connected to this database.', st.senders::float8)) AS x(m, h, v);
    ELSIF pg_catalog.to_regclass('net.http_request_queue') IS NOT NULL THEN
        RETURN QUERY EXECUTE
            $q$SELECT 'pgcadence_net_requests_queued', 'gauge', 'Requests in net.http_request_queue (queued or being sent).',
                      '{}'::jsonb, count(*)::float8 FROM net.http_request_queue$q$;
    END IF;
    IF pg_catalog.to_regclass('net._http_response') IS NOT NULL THEN
        RETURN QUERY EXECUTE
            $q$WITH classes(c) AS (VALUES ('1xx'), ('2xx'), ('3xx'), ('4xx'), ('5xx'), ('timeout'), ('error')),
                    got AS (SELECT CASE WHEN r.timed_out THEN 'timeout' WHEN r.status_code IS NULL THEN 'error'
                                        ELSE (r.status_code / 100)::text || 'xx' END AS c, count(*) AS n
                              FROM net._http_response r WHERE r.created > now() - interval '1 hour' GROUP BY 1)
               SELECT 'pgcadence_net_responses_last_hour', 'gauge',
                      'Responses recorded in the last hour, by status class (1xx-5xx), timeout or error (no answer).',
                      jsonb_build_object('class', k.c), coalesce(g.n, 0)::float8
                 FROM classes k LEFT JOIN got g ON g.c = k.c$q$;
    END IF;

    -- ---------------------------------------------------- pg_cron
    IF pg_catalog.to_regclass('cron.job') IS NOT NULL THEN
        RETURN QUERY
        WITH jobs AS (
            SELECT j.jobid, coalesce(j.jobname, 'jobid:' || j.jobid) AS job, j.active
              FROM cron.job j WHERE j.database = pg_catalog.current_database()),
        runs AS (
            SELECT d.jobid, d.status, pg_catalog.count(*) AS n FROM cron.job_run_details d
             WHERE d.start_time > pg_catalog.now() - interval '24 hours' GROUP BY d.jobid, d.status),
        last AS (
            SELECT j.jobid, j.job,
                   (SELECT d.status FROM cron.job_run_details d WHERE d.jobid = j.jobid
                     ORDER BY d.jobid DESC, d.start_time DESC LIMIT 1) AS last_status,
                   (SELECT pg_catalog.max(d.end_time) FROM cron.job_run_details d
                     WHERE d.jobid = j.jobid AND d.status = 'succeeded') AS last_success
              FROM jobs j)
        SELECT 'pgcadence_cron_job_active', 'gauge', '1 for an active pg_cron job of this database, 0 for an inactive one.',
               pg_catalog.jsonb_build_object('job', j.job), (CASE WHEN j.active THEN 1 ELSE 0 END)::float8
          FROM jobs j
        UNION ALL
        SELECT 'pgcadence_cron_runs_last_day', 'gauge', 'pg_cron runs started in the last 24 hours, by job and status.',
               pg_catalog.jsonb_build_object('job', j.job, 'status', s.status),
               coalesce((SELECT r.n FROM runs r WHERE r.jobid = j.jobid AND r.status = s.status), 0)::float8
          FROM jobs j CROSS JOIN (VALUES ('succeeded'), ('failed'), ('running'), ('starting')) s(status)
        UNION ALL
        SELECT 'pgcadence_cron_last_success_age_seconds', 'gauge',
               'Seconds since the job''s last successful run ended (absent: none in the kept history).',
               pg_catalog.jsonb_build_object('job', l.job), extract(epoch FROM pg_catalog.now() - l.last_success)::float8
          FROM last l WHERE l.last_success IS NOT NULL
        UNION ALL
        SELECT 'pgcadence_cron_last_run_failed', 'gauge', '1 when the job''s latest run failed, else 0 (absent: never ran).',
               pg_catalog.jsonb_build_object('job', l.job), (CASE WHEN l.last_status = 'failed' THEN 1 ELSE 0 END)::float8
          FROM last l WHERE l.last_status IS NOT NULL;
    END IF;
    IF pg_catalog.to_regclass('pgcadence.cron_heartbeat') IS NOT NULL THEN
        RETURN QUERY
        SELECT 'pgcadence_scheduler_heartbeat_age_seconds', 'gauge',
               'Seconds since pg_cron last ran the heartbeat job (every minute when pg_cron works).',
               '{}'::jsonb, extract(epoch FROM pg_catalog.now() - h.beat_at)::float8
          FROM pgcadence.cron_heartbeat h WHERE h.beat_at IS NOT NULL;
    END IF;

    -- ---------------------------------------------------- persistent cache (module cache)
    IF pg_catalog.to_regclass('public.cache_stats') IS NOT NULL THEN
        RETURN QUERY
        WITH s AS (
            SELECT p.project_name::text AS project, st.cache_type::text AS cache_type, st.tier, st.hits, st.misses, st.errors,
                   st.latency_samples, st.latency_total_us
              FROM public.cache_stats st JOIN public.projects p ON p.id = st.project_id)
        SELECT x.m, 'counter', x.h,
               pg_catalog.jsonb_build_object('project', s.project, 'cache_type', s.cache_type, 'tier', s.tier), x.v
          FROM s, LATERAL (VALUES
              ('pgcadence_cache_hits', 'Cache lookups answered by this tier, summed over every process (cache_stats).', s.hits::float8),
              ('pgcadence_cache_misses', 'Cache lookups this tier could not answer, summed over every process.', s.misses::float8),
              ('pgcadence_cache_errors', 'Errors reading or writing this tier, summed over every process.', s.errors::float8),
              ('pgcadence_cache_latency_seconds', 'Time spent in this tier''s timed lookups (divide by pgcadence_cache_latency_samples_total).',
               s.latency_total_us / 1e6),
              ('pgcadence_cache_latency_samples', 'Timed lookups of this tier.', s.latency_samples::float8)) AS x(m, h, v)
        UNION ALL
        SELECT 'pgcadence_cache_age_seconds', 'gauge', 'Seconds since each stored cache was last fetched from its source.',
               pg_catalog.jsonb_build_object('project', p.project_name::text, 'cache_type', c.cache_type::text),
               extract(epoch FROM pg_catalog.now() - c.last_fetch)::float8
          FROM public.cache_storage c JOIN public.projects p ON p.id = c.project_id WHERE c.last_fetch IS NOT NULL;
    END IF;

    -- ---------------------------------------------------- system mandate, Vault key
    IF pg_catalog.to_regclass('public.mandate_audit') IS NOT NULL THEN
        RETURN QUERY
        SELECT 'pgcadence_system_mandate_expiry_seconds', 'gauge',
               'Seconds until the system mandate in Vault expires (negative: expired; absent: none stored).',
               '{}'::jsonb, extract(epoch FROM e.at - pg_catalog.now())::float8
          FROM (SELECT pgcadence.system_mandate_expires_at() AS at) e WHERE e.at IS NOT NULL;
    END IF;
    IF pg_catalog.to_regprocedure('vault._keys()') IS NOT NULL THEN
        RETURN QUERY
        SELECT 'pgcadence_vault_key_file_ok', 'gauge', '1 when the server can read the Vault key file, else 0.',
               '{}'::jsonb, (CASE WHEN pgcadence.vault_key_problem() IS NULL THEN 1 ELSE 0 END)::float8;
    END IF;

    -- ---------------------------------------------------- alert rules (module alerts)
    IF pg_catalog.to_regclass('public.alert_rules') IS NOT NULL THEN
        RETURN QUERY EXECUTE
            $q$SELECT 'pgcadence_alert_firing', 'gauge', '1 while an alert rule''s condition holds, by rule.',
                      jsonb_build_object('rule', r.name), (CASE WHEN r.firing THEN 1 ELSE 0 END)::float8
                 FROM public.alert_rules r WHERE r.enabled$q$;
    END IF;
END
$$;
COMMENT ON FUNCTION pgcadence.metrics() IS
    'The database''s metric samples for /metrics: queue, net, pg_cron, cache, system mandate, Vault key, alerts (see docs/observability.md).';
REVOKE ALL ON FUNCTION pgcadence.metrics() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION pgcadence.metrics() TO service_role;
