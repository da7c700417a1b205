-- What each kind of alert rule checks. Every check takes the rule's effective thresholds
-- (pgcadence.alert_params) and returns the subjects the condition holds for, as a JSON
-- array of {"subject": …, "detail": …} sorted by subject: empty when all is well.

-- ======================================================== helpers
-- Text safe to send to a chat channel: passwords in URLs, bearer tokens and JWTs masked,
-- one line, at most n characters.
CREATE OR REPLACE FUNCTION pgcadence.alert_scrub(t text, n integer DEFAULT 160) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.left(
             pg_catalog.regexp_replace(
               pg_catalog.regexp_replace(
                 pg_catalog.regexp_replace(
                   pg_catalog.regexp_replace(t, '([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@[:space:]]*):[^@/[:space:]]+@', '\1:[redacted]@', 'g'),
                   '([Bb]earer[[:space:]]+)[A-Za-z0-9._~+/=-]+', '\1[redacted]', 'g'),
                 'eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*', '[redacted]', 'g'),
               '[[:space:]]+', ' ', 'g'),
             n)
$$;
REVOKE ALL ON FUNCTION pgcadence.alert_scrub(text, integer) FROM PUBLIC, anon, authenticated;

-- ======================================================== checks
-- task_failures: task types with at least `failures` failed attempts within `window`.
CREATE OR REPLACE FUNCTION pgcadence.alert_check_task_failures(p jsonb) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'subject', x.task_type,
               'detail', x.n || ' failed attempts within ' || (p ->> 'window')
                         || coalesce('; last error: ' || pgcadence.alert_scrub(x.err), ''))
             ORDER BY x.task_type), '[]')
      FROM (SELECT j.task_type, pg_catalog.count(*) AS n,
                   (pg_catalog.array_agg(l.error ORDER BY l.finished_at DESC))[1] AS err
              FROM public.job_queue_attempt_log l
              -- one primary-key lookup per recent failure (LIMIT keeps the planner from
              -- hashing the whole job table instead)
              CROSS JOIN LATERAL (SELECT q.task_type FROM public.job_queue q WHERE q.id = l.job_id LIMIT 1) j
             WHERE l.outcome = 'failed' AND l.finished_at > pg_catalog.now() - (p ->> 'window')::interval
             GROUP BY j.task_type
            HAVING pg_catalog.count(*) >= (p ->> 'failures')::integer) x
$$;
REVOKE ALL ON FUNCTION pgcadence.alert_check_task_failures(jsonb) FROM PUBLIC, anon, authenticated;

-- cron_job_failing: active jobs of this database whose last `runs` finished runs all failed.
CREATE OR REPLACE FUNCTION pgcadence.alert_check_cron_job_failing(p jsonb) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'subject', coalesce(j.jobname, 'jobid ' || j.jobid),
               'detail', 'last ' || x.n || ' runs failed; last: ' || coalesce(pgcadence.alert_scrub(x.msg), '(no message)'))
             ORDER BY coalesce(j.jobname, 'jobid ' || j.jobid)), '[]')
      FROM cron.job j
      CROSS JOIN LATERAL (
            SELECT pg_catalog.count(*) AS n, pg_catalog.count(*) FILTER (WHERE r.status = 'failed') AS failed,
                   (pg_catalog.array_agg(r.return_message ORDER BY r.start_time DESC))[1] AS msg
              FROM (SELECT d.status, d.start_time, d.return_message FROM cron.job_run_details d
                     WHERE d.jobid = j.jobid AND d.status IN ('succeeded', 'failed')
                     ORDER BY d.jobid DESC, d.start_time DESC LIMIT (p ->> 'runs')::integer) r) x
     WHERE j.active AND j.database = pg_catalog.current_database()
       AND x.n = (p ->> 'runs')::integer AND x.failed = x.n
$$;
REVOKE ALL ON FUNCTION pgcadence.alert_check_cron_job_failing(jsonb) FROM PUBLIC, anon, authenticated;

-- cron_job_overdue: active jobs whose `missed_runs`-th scheduled start after their last
-- success (or, never successful, after they were first seen) is more than `grace` ago.
-- Also keeps pgcadence.alert_cron_seen: new jobs are remembered, dropped ones forgotten.
CREATE OR REPLACE FUNCTION pgcadence.alert_check_cron_job_overdue(p jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    j record;
    due timestamptz;
    found_subjects jsonb := '[]';
BEGIN
    INSERT INTO pgcadence.alert_cron_seen (jobid, first_seen)
    SELECT c.jobid, coalesce((SELECT pg_catalog.min(d.start_time) FROM cron.job_run_details d WHERE d.jobid = c.jobid),
                             pg_catalog.now())
      FROM cron.job c
     WHERE c.database = pg_catalog.current_database()
    ON CONFLICT (jobid) DO NOTHING;
    DELETE FROM pgcadence.alert_cron_seen s WHERE NOT EXISTS (SELECT 1 FROM cron.job c WHERE c.jobid = s.jobid);

    FOR j IN
        SELECT c.jobid, coalesce(c.jobname, 'jobid ' || c.jobid) AS name,
               coalesce(m.local_schedule, c.schedule) AS schedule, m.timezone,
               (SELECT d.start_time FROM cron.job_run_details d WHERE d.jobid = c.jobid AND d.status = 'succeeded'
                 ORDER BY d.jobid DESC, d.start_time DESC LIMIT 1) AS last_ok,
               s.first_seen
          FROM cron.job c
          JOIN pgcadence.alert_cron_seen s ON s.jobid = c.jobid
          LEFT JOIN pgcadence.cron_job_meta m ON m.jobname = c.jobname
         WHERE c.active AND c.database = pg_catalog.current_database()
         ORDER BY 2
    LOOP
        due := coalesce(j.last_ok, j.first_seen);
        FOR i IN 1 .. (p ->> 'missed_runs')::integer LOOP
            due := pgcadence.cron_next_run_safe(j.schedule, j.timezone, due);
            EXIT WHEN due IS NULL;  -- a schedule this parser does not know (e.g. seconds): not judged
        END LOOP;
        IF due IS NOT NULL AND due + (p ->> 'grace')::interval < pg_catalog.now() THEN
            found_subjects := found_subjects || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                'subject', j.name,
                'detail', CASE WHEN j.last_ok IS NULL THEN 'no successful run since ' || pg_catalog.to_char(j.first_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC'
                               ELSE 'last success ' || pg_catalog.to_char(j.last_ok AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC' END
                          || '; a run was due at ' || pg_catalog.to_char(due AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC'
                          || ' (schedule ' || j.schedule || coalesce(' ' || j.timezone, '') || ')'));
        END IF;
    END LOOP;
    RETURN found_subjects;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.alert_check_cron_job_overdue(jsonb) FROM PUBLIC, anon, authenticated;

-- net_backlog: more than `queued` requests waiting, or the oldest waiting longer than `oldest`.
CREATE OR REPLACE FUNCTION pgcadence.alert_check_net_backlog(p jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    queued bigint;
    oldest interval;
    senders integer;
BEGIN
    IF pg_catalog.to_regprocedure('pgcadence.net_status()') IS NOT NULL THEN
        EXECUTE 'SELECT s.queued, s.oldest_age, s.senders FROM pgcadence.net_status() s' INTO queued, oldest, senders;
    ELSIF pg_catalog.to_regclass('net.http_request_queue') IS NOT NULL THEN
        EXECUTE 'SELECT count(*) FROM net.http_request_queue' INTO queued;  -- the real pg_net: no age, no senders
    ELSE
        RETURN '[]';
    END IF;
    IF queued > (p ->> 'queued')::bigint OR oldest > (p ->> 'oldest')::interval THEN
        RETURN pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
            'subject', 'net.http_request_queue',
            'detail', queued || ' request(s) queued'
                      || coalesce(', oldest waiting ' || pg_catalog.to_char(oldest, 'HH24:MI:SS'), '')
                      || coalesce(', ' || senders || ' sender(s) connected', '')));
    END IF;
    RETURN '[]';
END
$$;
REVOKE ALL ON FUNCTION pgcadence.alert_check_net_backlog(jsonb) FROM PUBLIC, anon, authenticated;

-- queue_leases_expired: task types with at least `jobs` running jobs whose lease ended more
-- than `grace` ago (their worker died and no claim has taken them back: no worker runs).
CREATE OR REPLACE FUNCTION pgcadence.alert_check_queue_leases_expired(p jsonb) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'subject', x.task_type,
               'detail', x.n || ' running job(s) with an expired lease, the oldest since '
                         || pg_catalog.to_char(x.oldest AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC (last worker: '
                         || coalesce(x.worker, '?') || ')')
             ORDER BY x.task_type), '[]')
      FROM (SELECT q.task_type, pg_catalog.count(*) AS n, pg_catalog.min(q.locked_until) AS oldest,
                   (pg_catalog.array_agg(q.locked_by ORDER BY q.locked_until))[1] AS worker
              FROM public.job_queue q
             WHERE q.status = 'running' AND q.locked_until < pg_catalog.now() - (p ->> 'grace')::interval
             GROUP BY q.task_type
            HAVING pg_catalog.count(*) >= (p ->> 'jobs')::integer) x
$$;
REVOKE ALL ON FUNCTION pgcadence.alert_check_queue_leases_expired(jsonb) FROM PUBLIC, anon, authenticated;

-- system_mandate_expiring: the system mandate in Vault expires within `within` (or has expired).
CREATE OR REPLACE FUNCTION pgcadence.alert_check_system_mandate_expiring(p jsonb) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN e.at IS NOT NULL AND e.at < pg_catalog.now() + (p ->> 'within')::interval
                THEN pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                         'subject', 'SYSTEM_MANDATE_JWS',
                         'detail', CASE WHEN e.at <= pg_catalog.now() THEN 'expired at ' ELSE 'expires at ' END
                                   || pg_catalog.to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC; renew it: pgcadence mandates rotate'))
                ELSE '[]'::jsonb END
      FROM (SELECT pgcadence.system_mandate_expires_at() AS at) e
$$;
REVOKE ALL ON FUNCTION pgcadence.alert_check_system_mandate_expiring(jsonb) FROM PUBLIC, anon, authenticated;

-- vault_key_unreadable: the Vault shim's key file is missing, unreadable or malformed.
CREATE OR REPLACE FUNCTION pgcadence.alert_check_vault_key_unreadable(p jsonb) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN v.problem IS NULL THEN '[]'::jsonb
                ELSE pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('subject', 'vault key file', 'detail', v.problem)) END
      FROM (SELECT pgcadence.vault_key_problem() AS problem) v
$$;
REVOKE ALL ON FUNCTION pgcadence.alert_check_vault_key_unreadable(jsonb) FROM PUBLIC, anon, authenticated;

-- ======================================================== dispatch
-- The subjects a rule of this kind holds for now, given its effective thresholds.
CREATE OR REPLACE FUNCTION pgcadence.alert_check(kind text, p jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN CASE kind
        WHEN 'task_failures' THEN pgcadence.alert_check_task_failures(p)
        WHEN 'cron_job_failing' THEN pgcadence.alert_check_cron_job_failing(p)
        WHEN 'cron_job_overdue' THEN pgcadence.alert_check_cron_job_overdue(p)
        WHEN 'net_backlog' THEN pgcadence.alert_check_net_backlog(p)
        WHEN 'queue_leases_expired' THEN pgcadence.alert_check_queue_leases_expired(p)
        WHEN 'system_mandate_expiring' THEN pgcadence.alert_check_system_mandate_expiring(p)
        WHEN 'vault_key_unreadable' THEN pgcadence.alert_check_vault_key_unreadable(p)
    END;
END
$$;
COMMENT ON FUNCTION pgcadence.alert_check(text, jsonb) IS
    'Subjects an alert kind holds for now, [{"subject", "detail"}] (empty: all is well), given the effective thresholds.';
REVOKE ALL ON FUNCTION pgcadence.alert_check(text, jsonb) FROM PUBLIC, anon, authenticated;
