-- What the admin console's pages and /api/admin routes read: the overview, paginated and
-- filtered lists (cron runs, queue jobs, audit trail, net requests, caches), and the few
-- actions the underlying admin functions do not have in one call (bulk retry/cancel, run
-- now). Every public function here is a security definer that admits only an admin
-- (public.is_admin_user()), service_role or the owner, and reaches cron and the queue
-- through their own admin functions (get_cron_jobs, job_queue_retry, ...). Tables of
-- optional modules (audit, caches) and of pg_net are looked up at run time: a page says
-- "not installed" instead of failing.

-- ============================================================ access and helpers
-- Raise 42501 unless the caller is an admin, service_role or the owner.
CREATE OR REPLACE FUNCTION pgcadence.admin_require(fn text) RETURNS void
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT pgcadence.require_admin(fn, 'use the admin console')
$$;
REVOKE ALL ON FUNCTION pgcadence.admin_require(text) FROM PUBLIC, anon, authenticated;

-- Check a page request: page >= 1, 1 <= page_size <= 200.
CREATE OR REPLACE FUNCTION pgcadence.admin_check_page(fn text, page integer, page_size integer) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF page IS NULL OR page < 1 OR page > 100000 THEN
        RAISE EXCEPTION '%: page must be between 1 and 100000 (got %)', fn, coalesce(page::text, 'null') USING ERRCODE = '22023';
    END IF;
    IF page_size IS NULL OR page_size NOT BETWEEN 1 AND 200 THEN
        RAISE EXCEPTION '%: page_size must be between 1 and 200 (got %)', fn, coalesce(page_size::text, 'null') USING ERRCODE = '22023';
    END IF;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.admin_check_page(text, integer, integer) FROM PUBLIC, anon, authenticated;

-- Header names whose values are secrets (Authorization, apikey, cookies, tokens ...).
CREATE OR REPLACE FUNCTION pgcadence.admin_secret_name(name text) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT name ~* '(auth|key|secret|token|cookie|passw|session|signature|credential|jws|jwt)'
$$;
REVOKE ALL ON FUNCTION pgcadence.admin_secret_name(text) FROM PUBLIC, anon, authenticated;

-- A JSON object with the values of secret-bearing keys replaced by "[redacted]"
-- (anything else is returned as it is).
CREATE OR REPLACE FUNCTION pgcadence.admin_redact(doc jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN pg_catalog.jsonb_typeof(doc) = 'object' THEN
        (SELECT coalesce(pg_catalog.jsonb_object_agg(e.key, CASE WHEN pgcadence.admin_secret_name(e.key)
                                                               THEN '"[redacted]"'::jsonb ELSE e.value END), '{}'::jsonb)
         FROM pg_catalog.jsonb_each(doc) e)
        ELSE doc END
$$;
REVOKE ALL ON FUNCTION pgcadence.admin_redact(jsonb) FROM PUBLIC, anon, authenticated;

-- A URL with the values of secret-looking query parameters replaced by "[redacted]".
CREATE OR REPLACE FUNCTION pgcadence.admin_redact_url(url text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.regexp_replace(url,
        '([?&][^=&#]*(auth|key|secret|token|passw|session|signature|sig|jwt)[^=&#]*=)[^&#]*', '\1[redacted]', 'gi')
$$;
REVOKE ALL ON FUNCTION pgcadence.admin_redact_url(text) FROM PUBLIC, anon, authenticated;

-- A request body for display: JSON objects redacted like headers, anything else cut short.
CREATE OR REPLACE FUNCTION pgcadence.admin_body_text(body bytea, max_chars integer) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t text;
BEGIN
    IF body IS NULL THEN
        RETURN NULL;
    END IF;
    BEGIN
        t := pg_catalog.convert_from(body, 'UTF8');
    EXCEPTION WHEN others THEN
        RETURN '(' || pg_catalog.octet_length(body) || ' bytes of binary data)';
    END;
    BEGIN
        t := pgcadence.admin_redact(t::jsonb)::text;
    EXCEPTION WHEN others THEN
        NULL;  -- not JSON: shown as text
    END;
    RETURN pg_catalog.left(t, max_chars);
END
$$;
REVOKE ALL ON FUNCTION pgcadence.admin_body_text(bytea, integer) FROM PUBLIC, anon, authenticated;

-- ============================================================ overview
-- Jobs finished per minute over the last `minutes` minutes: succeeded jobs and failed attempts.
CREATE OR REPLACE FUNCTION public.admin_throughput(minutes integer DEFAULT 60) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    since timestamptz;
    doc jsonb;
BEGIN
    PERFORM pgcadence.admin_require('admin_throughput');
    IF minutes IS NULL OR minutes NOT BETWEEN 1 AND 1440 THEN
        RAISE EXCEPTION 'admin_throughput: minutes must be between 1 and 1440 (got %)', coalesce(minutes::text, 'null')
            USING ERRCODE = '22023';
    END IF;
    since := pg_catalog.date_trunc('minute', pg_catalog.now()) - (minutes - 1) * interval '1 minute';
    WITH m AS (
        SELECT g AS minute FROM pg_catalog.generate_series(since, pg_catalog.date_trunc('minute', pg_catalog.now()), interval '1 minute') g
    ), ok AS (
        SELECT pg_catalog.date_trunc('minute', q.finished_at) AS minute, pg_catalog.count(*) AS n
        FROM public.job_queue q WHERE q.status = 'succeeded' AND q.finished_at >= since GROUP BY 1
    ), bad AS (
        SELECT pg_catalog.date_trunc('minute', a.finished_at) AS minute, pg_catalog.count(*) AS n
        FROM public.job_queue_attempt_log a WHERE a.outcome IN ('failed', 'lease_expired') AND a.finished_at >= since GROUP BY 1
    )
    SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('minute', m.minute, 'succeeded', coalesce(ok.n, 0),
                                                              'failed', coalesce(bad.n, 0)) ORDER BY m.minute)
      INTO doc
      FROM m LEFT JOIN ok ON ok.minute = m.minute LEFT JOIN bad ON bad.minute = m.minute;
    RETURN coalesce(doc, '[]'::jsonb);
END
$$;
REVOKE ALL ON FUNCTION public.admin_throughput(integer) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.admin_throughput(integer) TO authenticated, service_role;
COMMENT ON FUNCTION public.admin_throughput(integer) IS
    'Per minute over the last N minutes (default 60): jobs that succeeded and attempts that failed. Admin only.';

-- The overview page's cards: cron jobs, queue, processing switch, net backlog.
CREATE OR REPLACE FUNCTION public.admin_overview() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cron_doc jsonb;
    queue_doc jsonb;
    net_doc jsonb := pg_catalog.jsonb_build_object('installed', false);
    n bigint;
    st record;
BEGIN
    PERFORM pgcadence.admin_require('admin_overview');
    SELECT pg_catalog.jsonb_build_object(
               'total', pg_catalog.count(*), 'active', pg_catalog.count(*) FILTER (WHERE j.active),
               'inactive', pg_catalog.count(*) FILTER (WHERE NOT j.active),
               'recent_failures', coalesce(pg_catalog.sum(j.recent_failures), 0))
      INTO cron_doc FROM public.get_cron_jobs() j;
    SELECT pg_catalog.jsonb_build_object(
               'pending', pg_catalog.count(*) FILTER (WHERE q.status = 'pending'),
               'due', pg_catalog.count(*) FILTER (WHERE q.status = 'pending' AND q.run_at <= pg_catalog.now()),
               'running', pg_catalog.count(*) FILTER (WHERE q.status = 'running'),
               'failed_24h', pg_catalog.count(*) FILTER (WHERE q.status = 'failed' AND q.finished_at > pg_catalog.now() - interval '24 hours'),
               'failed', pg_catalog.count(*) FILTER (WHERE q.status = 'failed'),
               'succeeded_24h', pg_catalog.count(*) FILTER (WHERE q.status = 'succeeded' AND q.finished_at > pg_catalog.now() - interval '24 hours'),
               'oldest_due_seconds', pg_catalog.round(extract(epoch FROM pg_catalog.now() - pg_catalog.min(q.run_at)
                                                              FILTER (WHERE q.status = 'pending' AND q.run_at <= pg_catalog.now()))))
      INTO queue_doc FROM public.job_queue q;
    SELECT s.paused, s.paused_at, s.paused_by INTO st FROM pgcadence.job_queue_settings s;
    queue_doc := queue_doc || pg_catalog.jsonb_build_object('paused', st.paused, 'paused_at', st.paused_at, 'paused_by', st.paused_by);
    IF pg_catalog.to_regclass('net.http_request_queue') IS NOT NULL THEN
        BEGIN
            SELECT pg_catalog.count(*) INTO n FROM net.http_request_queue;
            net_doc := pg_catalog.jsonb_build_object('installed', true, 'queued', n);
            IF pg_catalog.to_regprocedure('pgcadence.net_status()') IS NOT NULL THEN
                SELECT net_doc || pg_catalog.jsonb_build_object('waiting', x.queued, 'in_flight', x.in_flight,
                           'oldest_seconds', pg_catalog.round(extract(epoch FROM x.oldest_age)), 'senders', x.senders)
                  INTO net_doc FROM pgcadence.net_status() x;
            END IF;
        EXCEPTION WHEN insufficient_privilege THEN
            net_doc := pg_catalog.jsonb_build_object('installed', true, 'error', 'no privilege to read net.http_request_queue');
        END;
    END IF;
    RETURN pg_catalog.jsonb_build_object('cron', cron_doc, 'queue', queue_doc, 'net', net_doc,
                                         'throughput', public.admin_throughput(60), 'at', pg_catalog.now());
END
$$;
REVOKE ALL ON FUNCTION public.admin_overview() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.admin_overview() TO authenticated, service_role;
COMMENT ON FUNCTION public.admin_overview() IS
    'The console overview: cron job counts, queue counts (24 h), processing switch, net backlog, throughput of the last hour. Admin only.';

-- ============================================================ cron
-- Execution history of the cron jobs get_cron_jobs() shows, newest first, filtered by job
-- and status (succeeded, failed, running = not finished yet), one page at a time.
CREATE OR REPLACE FUNCTION public.admin_cron_runs(job_name text DEFAULT NULL, status text DEFAULT NULL,
                                                  page integer DEFAULT 1, page_size integer DEFAULT 25)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ids bigint[];
    total bigint;
    rows_doc jsonb;
BEGIN
    PERFORM pgcadence.admin_require('admin_cron_runs');
    PERFORM pgcadence.admin_check_page('admin_cron_runs', page, page_size);
    IF status IS NOT NULL AND status NOT IN ('succeeded', 'failed', 'running') THEN
        RAISE EXCEPTION 'admin_cron_runs: unknown status "%" (expected succeeded, failed or running)', pg_catalog.left(status, 40)
            USING ERRCODE = '22023';
    END IF;
    SELECT pg_catalog.array_agg(j.jobid) INTO ids FROM public.get_cron_jobs() j
     WHERE admin_cron_runs.job_name IS NULL OR j.jobname = admin_cron_runs.job_name;
    IF job_name IS NOT NULL AND ids IS NULL THEN
        RAISE EXCEPTION 'no cron job named "%"', pg_catalog.left(job_name, 80) USING ERRCODE = 'P0002';
    END IF;
    SELECT pg_catalog.count(*) INTO total FROM cron.job_run_details d
     WHERE d.jobid = ANY (coalesce(ids, '{}'))
       AND (admin_cron_runs.status IS NULL
            OR (admin_cron_runs.status = 'running' AND d.status NOT IN ('succeeded', 'failed'))
            OR d.status = admin_cron_runs.status);
    SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(r) ORDER BY r.start_time DESC NULLS FIRST, r.runid DESC), '[]')
      INTO rows_doc
      FROM (SELECT d.runid, d.jobid, j.jobname::text AS jobname, d.status, d.return_message, d.start_time, d.end_time,
                   pg_catalog.round(extract(epoch FROM d.end_time - d.start_time) * 1000, 1) AS duration_ms, d.job_pid
              FROM cron.job_run_details d LEFT JOIN cron.job j ON j.jobid = d.jobid
             WHERE d.jobid = ANY (coalesce(ids, '{}'))
               AND (admin_cron_runs.status IS NULL
                    OR (admin_cron_runs.status = 'running' AND d.status NOT IN ('succeeded', 'failed'))
                    OR d.status = admin_cron_runs.status)
             ORDER BY d.start_time DESC NULLS FIRST, d.runid DESC
             LIMIT page_size OFFSET (page - 1) * page_size) r;
    RETURN pg_catalog.jsonb_build_object('total', total, 'page', page, 'page_size', page_size, 'runs', rows_doc);
END
$$;
REVOKE ALL ON FUNCTION public.admin_cron_runs(text, text, integer, integer) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.admin_cron_runs(text, text, integer, integer) TO authenticated, service_role;
COMMENT ON FUNCTION public.admin_cron_runs(text, text, integer, integer) IS
    'One page of cron execution history (jobs get_cron_jobs() shows), newest first; filters: job, status (succeeded/failed/running). Admin only.';

-- One run with its details (full return message, times, duration, PID).
CREATE OR REPLACE FUNCTION public.admin_cron_run(runid bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    doc jsonb;
BEGIN
    PERFORM pgcadence.admin_require('admin_cron_run');
    SELECT pg_catalog.to_jsonb(r) INTO doc
      FROM (SELECT d.runid, d.jobid, v.jobname, d.status, d.return_message, d.start_time, d.end_time,
                   pg_catalog.round(extract(epoch FROM d.end_time - d.start_time) * 1000, 1) AS duration_ms,
                   d.job_pid, d.database::text AS database, d.username::text AS username
              FROM cron.job_run_details d
              JOIN (SELECT j.jobid, j.jobname FROM public.get_cron_jobs() j) v ON v.jobid = d.jobid
             WHERE d.runid = admin_cron_run.runid) r;
    IF doc IS NULL THEN
        RAISE EXCEPTION 'no cron run with id %', runid USING ERRCODE = 'P0002';
    END IF;
    RETURN doc;
END
$$;
REVOKE ALL ON FUNCTION public.admin_cron_run(bigint) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.admin_cron_run(bigint) TO authenticated, service_role;
COMMENT ON FUNCTION public.admin_cron_run(bigint) IS 'One cron run (of a job get_cron_jobs() shows) with its full return message. Admin only.';

-- Validate a schedule as the edit and create dialogs type it: plain English and the next
-- `runs` fire times (UTC), or the parser's error.
CREATE OR REPLACE FUNCTION public.admin_cron_preview(schedule text, timezone text DEFAULT NULL, runs integer DEFAULT 5)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    description text;
    tz text;
    t timestamptz := pg_catalog.now();
    nexts jsonb := '[]';
BEGIN
    PERFORM pgcadence.admin_require('admin_cron_preview');
    IF runs IS NULL OR runs NOT BETWEEN 0 AND 20 THEN
        RAISE EXCEPTION 'admin_cron_preview: runs must be between 0 and 20' USING ERRCODE = '22023';
    END IF;
    description := public.describe_cron_schedule(schedule, timezone);
    tz := pgcadence.cron_timezone(timezone);
    FOR i IN 1..runs LOOP
        t := pgcadence.cron_next_run(schedule, tz, t);
        EXIT WHEN t IS NULL;
        nexts := nexts || pg_catalog.to_jsonb(t);
    END LOOP;
    RETURN pg_catalog.jsonb_build_object('schedule', schedule, 'timezone', tz, 'description', description, 'next_runs', nexts);
END
$$;
REVOKE ALL ON FUNCTION public.admin_cron_preview(text, text, integer) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.admin_cron_preview(text, text, integer) TO authenticated, service_role;
COMMENT ON FUNCTION public.admin_cron_preview(text, text, integer) IS
    'Check a cron expression: its plain-English description and next fire times (UTC); raises 22023 naming the bad field. Admin only.';

-- ============================================================ job queue
-- Does a job match the console's filters? (search: text in payload or last error, any case)
CREATE OR REPLACE FUNCTION pgcadence.admin_job_matches(q public.job_queue, status text, task_type text, search text)
RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT (admin_job_matches.status IS NULL OR q.status = admin_job_matches.status)
       AND (admin_job_matches.task_type IS NULL OR q.task_type = admin_job_matches.task_type)
       AND (admin_job_matches.search IS NULL
            OR pg_catalog.strpos(pg_catalog.lower(q.payload::text), pg_catalog.lower(admin_job_matches.search)) > 0
            OR pg_catalog.strpos(pg_catalog.lower(coalesce(q.last_error, '')), pg_catalog.lower(admin_job_matches.search)) > 0)
$$;
REVOKE ALL ON FUNCTION pgcadence.admin_job_matches(public.job_queue, text, text, text) FROM PUBLIC, anon, authenticated;

-- Check the queue filters.
CREATE OR REPLACE FUNCTION pgcadence.admin_check_job_filters(fn text, status text, search text) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF status IS NOT NULL AND status NOT IN ('pending', 'running', 'succeeded', 'failed', 'cancelled') THEN
        RAISE EXCEPTION '%: unknown status "%" (expected pending, running, succeeded, failed, cancelled)', fn, pg_catalog.left(status, 40)
            USING ERRCODE = '22023';
    END IF;
    IF pg_catalog.length(search) > 200 THEN
        RAISE EXCEPTION '%: search text is longer than 200 characters', fn USING ERRCODE = '22023';
    END IF;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.admin_check_job_filters(text, text, text) FROM PUBLIC, anon, authenticated;

-- One page of jobs, newest first, filtered by status, task type and text; total counted up
-- to 10000 (total_capped says when there are more).
CREATE OR REPLACE FUNCTION public.admin_queue_jobs(status text DEFAULT NULL, task_type text DEFAULT NULL, search text DEFAULT NULL,
                                                   page integer DEFAULT 1, page_size integer DEFAULT 25)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    total bigint;
    rows_doc jsonb;
BEGIN
    PERFORM pgcadence.admin_require('admin_queue_jobs');
    PERFORM pgcadence.admin_check_page('admin_queue_jobs', page, page_size);
    PERFORM pgcadence.admin_check_job_filters('admin_queue_jobs', status, search);
    search := nullif(search, '');
    SELECT pg_catalog.count(*) INTO total
      FROM (SELECT 1 FROM public.job_queue q WHERE pgcadence.admin_job_matches(q, admin_queue_jobs.status, admin_queue_jobs.task_type, search) LIMIT 10001) c;
    SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(r) ORDER BY r.created_at DESC, r.id), '[]') INTO rows_doc
      FROM (SELECT q.id, q.task_type, q.status, q.priority, q.attempts, q.max_attempts, q.run_at, q.created_at,
                   q.updated_at, q.started_at, q.finished_at, q.locked_by, q.locked_until, q.dedupe_key,
                   pg_catalog.left(q.last_error, 300) AS last_error, pg_catalog.left(q.payload::text, 200) AS payload_preview
              FROM public.job_queue q
             WHERE pgcadence.admin_job_matches(q, admin_queue_jobs.status, admin_queue_jobs.task_type, search)
             ORDER BY q.created_at DESC, q.id
             LIMIT page_size OFFSET (page - 1) * page_size) r;
    RETURN pg_catalog.jsonb_build_object('total', LEAST(total, 10000), 'total_capped', total > 10000,
                                         'page', page, 'page_size', page_size, 'jobs', rows_doc);
END
$$;
REVOKE ALL ON FUNCTION public.admin_queue_jobs(text, text, text, integer, integer) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.admin_queue_jobs(text, text, text, integer, integer) TO authenticated, service_role;
COMMENT ON FUNCTION public.admin_queue_jobs(text, text, text, integer, integer) IS
    'One page of job_queue, newest first; filters: status, task_type, text in payload or last_error. Admin only.';

-- Queue metrics per task type (the job_queue_metrics view) and the processing switch.
CREATE OR REPLACE FUNCTION public.admin_queue_metrics() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pgcadence.admin_require('admin_queue_metrics');
    RETURN pg_catalog.jsonb_build_object(
        'paused', (SELECT s.paused FROM pgcadence.job_queue_settings s),
        'task_types', coalesce((SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(m) ORDER BY m.task_type)
                                FROM public.job_queue_metrics m), '[]'::jsonb));
END
$$;
REVOKE ALL ON FUNCTION public.admin_queue_metrics() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.admin_queue_metrics() TO authenticated, service_role;
COMMENT ON FUNCTION public.admin_queue_metrics() IS
    'Queue metrics per task type (job_queue_metrics: counts by status, due, oldest due, failures in the last hour) and whether processing is paused. Admin only.';

-- The task types present in the queue or registered as handlers (the filter dropdown).
CREATE OR REPLACE FUNCTION public.admin_queue_task_types() RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pgcadence.admin_require('admin_queue_task_types');
    RETURN ARRAY(SELECT t FROM (SELECT DISTINCT q.task_type AS t FROM public.job_queue q
                                UNION SELECT h.task_type FROM public.job_handlers h) x ORDER BY 1);
END
$$;
REVOKE ALL ON FUNCTION public.admin_queue_task_types() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.admin_queue_task_types() TO authenticated, service_role;
COMMENT ON FUNCTION public.admin_queue_task_types() IS 'Task types in the queue or with a registered handler. Admin only.';

-- Retry or cancel every job of a filtered set (status required), at most max_jobs, each
-- through job_queue_retry / job_queue_cancel; dry_run only counts. Jobs that refuse (a
-- running job cannot be retried ...) are skipped and the first few reasons returned.
CREATE OR REPLACE FUNCTION public.admin_queue_bulk(action text, status text, task_type text DEFAULT NULL, search text DEFAULT NULL,
                                                   dry_run boolean DEFAULT true, max_jobs integer DEFAULT 1000)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    matched bigint;
    changed bigint := 0;
    skipped bigint := 0;
    reasons jsonb := '[]';
    jid uuid;
BEGIN
    PERFORM pgcadence.admin_require('admin_queue_bulk');
    IF action IS NULL OR action NOT IN ('retry', 'cancel') THEN
        RAISE EXCEPTION 'admin_queue_bulk: action must be retry or cancel' USING ERRCODE = '22023';
    END IF;
    IF status IS NULL THEN
        RAISE EXCEPTION 'admin_queue_bulk: choose a status first (bulk actions apply to a filtered set)' USING ERRCODE = '22023';
    END IF;
    PERFORM pgcadence.admin_check_job_filters('admin_queue_bulk', status, search);
    IF max_jobs IS NULL OR max_jobs NOT BETWEEN 1 AND 10000 THEN
        RAISE EXCEPTION 'admin_queue_bulk: max_jobs must be between 1 and 10000' USING ERRCODE = '22023';
    END IF;
    search := nullif(search, '');
    SELECT pg_catalog.count(*) INTO matched
      FROM (SELECT 1 FROM public.job_queue q WHERE pgcadence.admin_job_matches(q, admin_queue_bulk.status, admin_queue_bulk.task_type, search) LIMIT max_jobs) c;
    IF coalesce(dry_run, true) THEN
        RETURN pg_catalog.jsonb_build_object('action', action, 'matched', matched, 'dry_run', true);
    END IF;
    FOR jid IN SELECT q.id FROM public.job_queue q WHERE pgcadence.admin_job_matches(q, admin_queue_bulk.status, admin_queue_bulk.task_type, search)
               ORDER BY q.created_at, q.id LIMIT max_jobs LOOP
        BEGIN
            IF action = 'retry' THEN
                PERFORM public.job_queue_retry(jid);
            ELSE
                PERFORM public.job_queue_cancel(jid);
            END IF;
            changed := changed + 1;
        EXCEPTION WHEN others THEN
            skipped := skipped + 1;
            IF pg_catalog.jsonb_array_length(reasons) < 5 THEN
                reasons := reasons || pg_catalog.to_jsonb(SQLERRM);
            END IF;
        END;
    END LOOP;
    RETURN pg_catalog.jsonb_build_object('action', action, 'matched', matched, 'changed', changed, 'skipped', skipped,
                                         'errors', reasons, 'dry_run', false);
END
$$;
REVOKE ALL ON FUNCTION public.admin_queue_bulk(text, text, text, text, boolean, integer) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.admin_queue_bulk(text, text, text, text, boolean, integer) TO authenticated, service_role;
COMMENT ON FUNCTION public.admin_queue_bulk(text, text, text, text, boolean, integer) IS
    'Retry or cancel the jobs matching status (required), task_type and search text through job_queue_retry/cancel; dry_run (default) only counts. Admin only.';

-- Run a pending job now (it is due at once; job_queue_retry does it). Finished jobs: use retry.
CREATE OR REPLACE FUNCTION public.admin_queue_run_now(id uuid) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    st text;
BEGIN
    PERFORM pgcadence.admin_require('admin_queue_run_now');
    SELECT q.status INTO st FROM public.job_queue q WHERE q.id = admin_queue_run_now.id;
    IF st IS NULL THEN
        RAISE EXCEPTION 'admin_queue_run_now: no job with id %', id USING ERRCODE = 'P0002';
    ELSIF st <> 'pending' THEN
        RAISE EXCEPTION 'admin_queue_run_now: job % is %; only a pending job can be run now (retry a finished one)', id, st
            USING ERRCODE = '55000';
    END IF;
    RETURN public.job_queue_retry(id);
END
$$;
REVOKE ALL ON FUNCTION public.admin_queue_run_now(uuid) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.admin_queue_run_now(uuid) TO authenticated, service_role;
COMMENT ON FUNCTION public.admin_queue_run_now(uuid) IS 'Make a pending job due now (through job_queue_retry). Admin only.';

-- ============================================================ audit trail
-- Drop the ordering column the audit query numbers its rows with.
CREATE OR REPLACE FUNCTION pgcadence.admin_strip_n(rows_doc jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(pg_catalog.jsonb_agg(e.value - 'n' ORDER BY e.ordinality), '[]'::jsonb)
    FROM pg_catalog.jsonb_array_elements(rows_doc) WITH ORDINALITY e
$$;
REVOKE ALL ON FUNCTION pgcadence.admin_strip_n(jsonb) FROM PUBLIC, anon, authenticated;

-- One page of the mandate audit trail, filtered by action (a LIKE pattern such as
-- cache_warm_%), org, provider, user and time range, sorted by a column.
CREATE OR REPLACE FUNCTION public.admin_audit(action text DEFAULT NULL, org_ref text DEFAULT NULL, provider text DEFAULT NULL,
                                              user_id uuid DEFAULT NULL, since timestamptz DEFAULT NULL, until timestamptz DEFAULT NULL,
                                              sort text DEFAULT 'created_at', descending boolean DEFAULT true,
                                              page integer DEFAULT 1, page_size integer DEFAULT 50)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    filter text := ' WHERE ($1 IS NULL OR a.action LIKE $1) AND ($2 IS NULL OR a.org_ref = $2) AND ($3 IS NULL OR a.provider = $3)'
                   ' AND ($4 IS NULL OR a.user_id = $4) AND ($5 IS NULL OR a.created_at >= $5) AND ($6 IS NULL OR a.created_at < $6)';
    total bigint;
    rows_doc jsonb;
BEGIN
    PERFORM pgcadence.admin_require('admin_audit');
    PERFORM pgcadence.admin_check_page('admin_audit', page, page_size);
    IF sort IS NULL OR sort NOT IN ('created_at', 'action', 'org_ref', 'provider', 'user_id') THEN
        RAISE EXCEPTION 'admin_audit: sort must be one of created_at, action, org_ref, provider, user_id' USING ERRCODE = '22023';
    END IF;
    IF pg_catalog.to_regclass('public.mandate_audit') IS NULL THEN
        RETURN pg_catalog.jsonb_build_object('installed', false, 'total', 0, 'rows', '[]'::jsonb);
    END IF;
    EXECUTE 'SELECT count(*) FROM public.mandate_audit a' || filter
       INTO total USING nullif(action, ''), nullif(org_ref, ''), nullif(provider, ''), user_id, since, until;
    EXECUTE pg_catalog.format(
        'SELECT coalesce(jsonb_agg(to_jsonb(r) ORDER BY r.n), ''[]'') FROM ('
        ' SELECT row_number() OVER (ORDER BY a.%1$I %2$s NULLS LAST, a.created_at DESC, a.id) AS n,'
        '        a.id, a.created_at, a.user_id, a.action, a.org_ref, a.provider, a.credential_id, a.metadata'
        ' FROM public.mandate_audit a %3$s ORDER BY a.%1$I %2$s NULLS LAST, a.created_at DESC, a.id LIMIT $7 OFFSET $8) r',
        sort, CASE WHEN coalesce(descending, true) THEN 'DESC' ELSE 'ASC' END, filter)
       INTO rows_doc USING nullif(action, ''), nullif(org_ref, ''), nullif(provider, ''), user_id, since, until,
                           page_size, (page - 1) * page_size;
    RETURN pg_catalog.jsonb_build_object('installed', true, 'total', total, 'page', page, 'page_size', page_size,
                                         'rows', pgcadence.admin_strip_n(rows_doc));
END
$$;

REVOKE ALL ON FUNCTION public.admin_audit(text, text, text, uuid, timestamptz, timestamptz, text, boolean, integer, integer)
    FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.admin_audit(text, text, text, uuid, timestamptz, timestamptz, text, boolean, integer, integer)
    TO authenticated, service_role;
COMMENT ON FUNCTION public.admin_audit(text, text, text, uuid, timestamptz, timestamptz, text, boolean, integer, integer) IS
    'One page of mandate_audit: filters action (LIKE pattern, e.g. cache_warm_%), org_ref, provider, user_id, [since, until); sort column and direction. Admin only.';

-- The audit's action names and the org/provider values seen (the filter dropdowns).
CREATE OR REPLACE FUNCTION public.admin_audit_facets() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    doc jsonb;
BEGIN
    PERFORM pgcadence.admin_require('admin_audit_facets');
    IF pg_catalog.to_regclass('public.mandate_audit') IS NULL THEN
        RETURN pg_catalog.jsonb_build_object('installed', false, 'actions', '[]'::jsonb, 'orgs', '[]'::jsonb, 'providers', '[]'::jsonb);
    END IF;
    EXECUTE 'SELECT jsonb_build_object(''installed'', true,'
            ' ''actions'', coalesce((SELECT jsonb_agg(x.action ORDER BY x.action) FROM public.mandate_audit_actions x), ''[]''),'
            ' ''orgs'', coalesce((SELECT jsonb_agg(o ORDER BY o) FROM (SELECT DISTINCT a.org_ref AS o FROM public.mandate_audit a'
            '                    WHERE a.org_ref IS NOT NULL LIMIT 200) s), ''[]''),'
            ' ''providers'', coalesce((SELECT jsonb_agg(p ORDER BY p) FROM (SELECT DISTINCT a.provider AS p FROM public.mandate_audit a'
            '                    WHERE a.provider IS NOT NULL LIMIT 200) s), ''[]''))'
       INTO doc;
    RETURN doc;
END
$$;
REVOKE ALL ON FUNCTION public.admin_audit_facets() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.admin_audit_facets() TO authenticated, service_role;
COMMENT ON FUNCTION public.admin_audit_facets() IS 'Audit action names, and the orgs and providers in the trail (at most 200 each). Admin only.';

-- ============================================================ net (pg_net or the shim)
-- The HTTP request backlog and one page of recent responses (outcome: ok = 1xx-3xx,
-- http_error = 4xx/5xx, timeout, error), secret-bearing headers and URL parameters redacted.
CREATE OR REPLACE FUNCTION public.admin_net(outcome text DEFAULT NULL, page integer DEFAULT 1, page_size integer DEFAULT 25)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    status_doc jsonb := '{}';
    queued_doc jsonb;
    total bigint;
    rows_doc jsonb;
    outcomes_doc jsonb;
BEGIN
    PERFORM pgcadence.admin_require('admin_net');
    PERFORM pgcadence.admin_check_page('admin_net', page, page_size);
    IF outcome IS NOT NULL AND outcome NOT IN ('ok', 'http_error', 'timeout', 'error') THEN
        RAISE EXCEPTION 'admin_net: outcome must be ok, http_error, timeout or error' USING ERRCODE = '22023';
    END IF;
    IF pg_catalog.to_regclass('net._http_response') IS NULL OR pg_catalog.to_regclass('net.http_request_queue') IS NULL THEN
        RETURN pg_catalog.jsonb_build_object('installed', false);
    END IF;
    -- a privilege error here (pg_net's tables owned by another role) is an answer, not a failure
    BEGIN
        IF pg_catalog.to_regprocedure('pgcadence.net_status()') IS NOT NULL THEN
            SELECT pg_catalog.jsonb_build_object('waiting', x.queued, 'in_flight', x.in_flight,
                       'oldest_seconds', pg_catalog.round(extract(epoch FROM x.oldest_age)), 'senders', x.senders)
              INTO status_doc FROM pgcadence.net_status() x;
        END IF;
        SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(r) ORDER BY r.id), '[]') INTO queued_doc
          FROM (SELECT q.id, q.method::text AS method, pgcadence.admin_redact_url(q.url) AS url,
                       pgcadence.admin_redact(q.headers) AS headers, q.timeout_milliseconds
                  FROM net.http_request_queue q ORDER BY q.id LIMIT 50) r;
        SELECT coalesce(pg_catalog.jsonb_object_agg(o.k, o.c), '{}') INTO outcomes_doc
          FROM (SELECT CASE WHEN r.timed_out THEN 'timeout' WHEN r.status_code IS NULL THEN 'error'
                            WHEN r.status_code < 400 THEN 'ok' ELSE 'http_error' END AS k, pg_catalog.count(*) AS c
                  FROM net._http_response r WHERE r.created > pg_catalog.now() - interval '1 hour' GROUP BY 1) o;
        SELECT pg_catalog.count(*) INTO total FROM net._http_response r
         WHERE admin_net.outcome IS NULL
            OR admin_net.outcome = CASE WHEN r.timed_out THEN 'timeout' WHEN r.status_code IS NULL THEN 'error'
                                        WHEN r.status_code < 400 THEN 'ok' ELSE 'http_error' END;
        SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(x) ORDER BY x.created DESC, x.id DESC), '[]') INTO rows_doc
          FROM (SELECT r.id, r.status_code, r.content_type, r.timed_out, r.error_msg, r.created,
                       pg_catalog.left(r.content, 160) AS content_preview, pg_catalog.length(r.content) AS content_length
                  FROM net._http_response r
                 WHERE admin_net.outcome IS NULL
                    OR admin_net.outcome = CASE WHEN r.timed_out THEN 'timeout' WHEN r.status_code IS NULL THEN 'error'
                                                WHEN r.status_code < 400 THEN 'ok' ELSE 'http_error' END
                 ORDER BY r.created DESC, r.id DESC LIMIT page_size OFFSET (page - 1) * page_size) x;
        RETURN pg_catalog.jsonb_build_object('installed', true, 'status', status_doc, 'queued', queued_doc,
                                             'outcomes_last_hour', outcomes_doc, 'total', total, 'page', page,
                                             'page_size', page_size, 'responses', rows_doc);
    EXCEPTION WHEN insufficient_privilege THEN
        RETURN pg_catalog.jsonb_build_object('installed', true, 'error', 'the console''s functions may not read the net tables here');
    END;
END
$$;
REVOKE ALL ON FUNCTION public.admin_net(text, integer, integer) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.admin_net(text, integer, integer) TO authenticated, service_role;
COMMENT ON FUNCTION public.admin_net(text, integer, integer) IS
    'HTTP requests sent from SQL: backlog, queued requests and one page of responses (filter by outcome), secrets redacted. Admin only.';

-- One request: its response (headers redacted) and, while it is still queued, the request.
CREATE OR REPLACE FUNCTION public.admin_net_request(id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    req jsonb;
    resp jsonb;
BEGIN
    PERFORM pgcadence.admin_require('admin_net_request');
    IF pg_catalog.to_regclass('net._http_response') IS NULL OR pg_catalog.to_regclass('net.http_request_queue') IS NULL THEN
        RAISE EXCEPTION 'net is not installed here' USING ERRCODE = 'P0002';
    END IF;
    SELECT pg_catalog.to_jsonb(x) INTO req
      FROM (SELECT q.id, q.method::text AS method, pgcadence.admin_redact_url(q.url) AS url, pgcadence.admin_redact(q.headers) AS headers,
                   pgcadence.admin_body_text(q.body, 4000) AS body, q.timeout_milliseconds
              FROM net.http_request_queue q WHERE q.id = admin_net_request.id) x;
    SELECT pg_catalog.to_jsonb(x) INTO resp
      FROM (SELECT r.id, r.status_code, r.content_type, pgcadence.admin_redact(r.headers) AS headers,
                   pg_catalog.left(r.content, 65536) AS content, pg_catalog.length(r.content) AS content_length,
                   r.timed_out, r.error_msg, r.created
              FROM net._http_response r WHERE r.id = admin_net_request.id ORDER BY r.created DESC LIMIT 1) x;
    IF req IS NULL AND resp IS NULL THEN
        RAISE EXCEPTION 'no queued request or response with id %', id USING ERRCODE = 'P0002';
    END IF;
    RETURN pg_catalog.jsonb_build_object('id', id, 'request', req, 'response', resp);
END
$$;
REVOKE ALL ON FUNCTION public.admin_net_request(bigint) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.admin_net_request(bigint) TO authenticated, service_role;
COMMENT ON FUNCTION public.admin_net_request(bigint) IS
    'One HTTP request by id: the queued request (while queued) and its response, secret-bearing headers redacted. Admin only.';

-- ============================================================ caches
-- Every cache of the persistent store: size, fetch times, max age, due for refresh, and
-- hit statistics per tier (memory, file, db, fetch).
CREATE OR REPLACE FUNCTION public.admin_caches() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    doc jsonb;
BEGIN
    PERFORM pgcadence.admin_require('admin_caches');
    IF pg_catalog.to_regclass('public.cache_storage') IS NULL THEN
        RETURN pg_catalog.jsonb_build_object('installed', false, 'caches', '[]'::jsonb);
    END IF;
    EXECUTE $q$
        SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.project, x.cache_type), '[]') FROM (
            SELECT p.project_name AS project, c.cache_type, p.is_active, c.data_size, c.last_fetch, c.last_rich_fetch,
                   c.max_age::text AS max_age, c.cache_version, c.retention_days, c.refresh_enqueued_at, c.updated_at,
                   CASE WHEN c.last_fetch IS NULL THEN true WHEN c.max_age IS NULL THEN false
                        ELSE c.last_fetch < now() - c.max_age END AS due,
                   (SELECT coalesce(jsonb_object_agg(s.tier, jsonb_build_object(
                               'hits', s.hits, 'misses', s.misses, 'errors', s.errors,
                               'hit_rate', CASE WHEN s.hits + s.misses > 0 THEN round(s.hits::numeric / (s.hits + s.misses), 3) END,
                               'avg_ms', CASE WHEN s.latency_samples > 0 THEN round((s.latency_total_us / s.latency_samples / 1000)::numeric, 3) END)),
                           '{}')
                      FROM public.cache_stats s WHERE s.project_id = c.project_id AND s.cache_type = c.cache_type) AS tiers
            FROM public.cache_storage c JOIN public.projects p ON p.id = c.project_id) x
    $q$ INTO doc;
    RETURN pg_catalog.jsonb_build_object('installed', true, 'caches', doc);
END
$$;
REVOKE ALL ON FUNCTION public.admin_caches() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.admin_caches() TO authenticated, service_role;
COMMENT ON FUNCTION public.admin_caches() IS
    'The persistent cache store per project and type: size, last fetch, max age, due for refresh, per-tier hits/misses/errors/latency. Admin only.';
