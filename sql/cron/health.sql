-- Run-history hygiene and cron_health(): what the troubleshooting checklist checks.

-- Delete run history older than "keep" (default: the configured retention, 7 days): this
-- database's runs for the owner (the standing job), only the admin-visible jobs' runs
-- for anyone else; never another database's history.
CREATE OR REPLACE FUNCTION public.cron_history_cleanup(keep interval DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
    cutoff timestamptz;
BEGIN
    PERFORM pgcadence.cron_require_admin('cron_history_cleanup');
    keep := coalesce(keep, (SELECT s.history_retention FROM pgcadence.cron_settings s));
    IF keep < interval '1 hour' THEN
        RAISE EXCEPTION 'keep must be at least 1 hour (got %)', keep USING ERRCODE = '22023';
    END IF;
    cutoff := pg_catalog.now() - keep;
    DELETE FROM cron.job_run_details d
     WHERE d.start_time < cutoff
       AND d.database = pg_catalog.current_database()
       AND (pgcadence.cron_caller_is_owner() OR d.jobid IN (SELECT g.jobid FROM pgcadence.cron_managed_jobs() g));
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
COMMENT ON FUNCTION public.cron_history_cleanup(interval) IS
    'Delete cron.job_run_details rows of this database that started more than keep ago (default: set_cron_history_retention, 7 days); admins and service_role delete only the runs of the jobs get_cron_jobs shows. Returns the count. Admin only.';

-- Set how long cron_history_cleanup keeps run history.
CREATE OR REPLACE FUNCTION public.set_cron_history_retention(keep interval)
RETURNS interval
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pgcadence.cron_require_admin('set_cron_history_retention');
    IF keep IS NULL OR keep < interval '1 hour' THEN
        RAISE EXCEPTION 'keep must be at least 1 hour (got %)', coalesce(keep::text, 'null') USING ERRCODE = '22023';
    END IF;
    UPDATE pgcadence.cron_settings SET history_retention = keep, updated_at = pg_catalog.now();
    RETURN keep;
END
$$;
COMMENT ON FUNCTION public.set_cron_history_retention(interval) IS 'How long cron_history_cleanup keeps cron.job_run_details rows (default 7 days). Admin only.';

-- The cron health and troubleshooting list (docs/requirements.md, "Cron management"), one row per check (level ok/warn/fail).
CREATE OR REPLACE FUNCTION public.cron_health()
RETURNS TABLE (check_name text, level text, detail text, data jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    d jsonb;
    n bigint;
    oldest_id bigint;
    oldest timestamptz;
    -- the owner sees every job of this database; admins and service_role the ones get_cron_jobs shows
    everything boolean;
BEGIN
    PERFORM pgcadence.cron_require_admin('cron_health');
    everything := pgcadence.cron_caller_is_owner();

    -- active jobs whose latest run failed
    SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('job', x.jobname, 'at', x.start_time, 'message', pg_catalog.left(x.return_message, 200)) ORDER BY x.jobname)
      INTO d
      FROM (SELECT j.jobname, lr.start_time, lr.return_message, lr.status
              FROM cron.job j
              JOIN LATERAL (SELECT r.status, r.start_time, r.return_message FROM cron.job_run_details r
                             WHERE r.jobid = j.jobid ORDER BY r.jobid DESC, r.start_time DESC LIMIT 1) lr ON true
             WHERE j.active AND j.database = pg_catalog.current_database()
               AND (everything OR j.jobid IN (SELECT g.jobid FROM pgcadence.cron_managed_jobs() g))) x
     WHERE x.status = 'failed';
    check_name := 'last run failed'; data := coalesce(d, '[]');
    level := CASE WHEN d IS NULL THEN 'ok' ELSE 'fail' END;
    detail := CASE WHEN d IS NULL THEN 'no active job''s latest run failed'
                   ELSE pg_catalog.jsonb_array_length(d) || ' job(s): ' || (SELECT pg_catalog.string_agg(e ->> 'job', ', ') FROM pg_catalog.jsonb_array_elements(d) e) END;
    RETURN NEXT;

    -- active jobs that have never run although a scheduled time has passed: since their
    -- creation (jobs created through pgcadence), or within the last day while the history
    -- shows pg_cron has been running here for longer than that (any other job)
    SELECT pg_catalog.jsonb_agg(j.jobname ORDER BY j.jobname) INTO d
      FROM cron.job j
      LEFT JOIN pgcadence.cron_job_meta m ON m.jobname = j.jobname
     WHERE j.active AND NOT EXISTS (SELECT 1 FROM cron.job_run_details r WHERE r.jobid = j.jobid)
       AND j.database = pg_catalog.current_database()
       AND (everything OR j.jobid IN (SELECT g.jobid FROM pgcadence.cron_managed_jobs() g))
       AND CASE WHEN m.jobname IS NOT NULL
                THEN pgcadence.cron_next_run_safe(m.local_schedule, m.timezone, m.updated_at) < pg_catalog.now() - interval '2 minutes'
                ELSE pgcadence.cron_next_run_safe(j.schedule, NULL, pg_catalog.now() - interval '1 day') < pg_catalog.now() - interval '2 minutes'
                     AND EXISTS (SELECT 1 FROM cron.job_run_details r
                                 WHERE r.start_time < pg_catalog.now() - interval '1 day' - interval '1 hour')
           END;
    check_name := 'never ran'; data := coalesce(d, '[]');
    level := CASE WHEN d IS NULL THEN 'ok' ELSE 'warn' END;
    detail := CASE WHEN d IS NULL THEN 'no active job missed its first scheduled run'
                   ELSE pg_catalog.jsonb_array_length(d) || ' active job(s) past a scheduled time without any run: '
                        || (SELECT pg_catalog.string_agg(e #>> '{}', ', ') FROM pg_catalog.jsonb_array_elements(d) e) END;
    RETURN NEXT;

    -- runs longer than 10 minutes, still running or in the last 24 h, and runs that outlasted
    -- the time to the job's next scheduled start (overlap: pg_cron then skips or delays runs)
    SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('job', x.jobname, 'runid', x.runid, 'status', x.status,
               'started', x.start_time, 'seconds', x.secs, 'overlap', x.overlap) ORDER BY x.start_time DESC)
      INTO d
      FROM (SELECT j.jobname, r.runid, r.status, r.start_time,
                   round(extract(epoch FROM coalesce(r.end_time, pg_catalog.now()) - r.start_time))::bigint AS secs,
                   coalesce(pgcadence.cron_next_run_safe(coalesce(m.local_schedule, j.schedule), m.timezone, r.start_time)
                            < coalesce(r.end_time, pg_catalog.now()), false) AS overlap
              FROM (-- runs of the last 24 h that took over a minute (start_time index)
                    SELECT d.jobid, d.runid, d.status, d.start_time, d.end_time FROM cron.job_run_details d
                     WHERE d.start_time > pg_catalog.now() - interval '24 hours'
                       AND coalesce(d.end_time, pg_catalog.now()) - d.start_time > interval '59 seconds'
                    UNION
                    -- a job's latest run still going after 10 minutes, however old ((jobid, start_time) index)
                    SELECT l.jobid, l.runid, l.status, l.start_time, l.end_time FROM cron.job jj
                      JOIN LATERAL (SELECT d.jobid, d.runid, d.status, d.start_time, d.end_time FROM cron.job_run_details d
                                     WHERE d.jobid = jj.jobid ORDER BY d.jobid DESC, d.start_time DESC LIMIT 1) l ON true
                     WHERE l.status IN ('starting', 'running') AND l.start_time < pg_catalog.now() - interval '10 minutes') r
              JOIN cron.job j ON j.jobid = r.jobid
              LEFT JOIN pgcadence.cron_job_meta m ON m.jobname = j.jobname
             WHERE j.database = pg_catalog.current_database()
               AND (everything OR j.jobid IN (SELECT g.jobid FROM pgcadence.cron_managed_jobs() g))
           ) x
     WHERE x.secs > 600 OR x.overlap
     LIMIT 50;
    check_name := 'long or overlapping runs'; data := coalesce(d, '[]');
    level := CASE WHEN d IS NULL THEN 'ok' ELSE 'warn' END;
    detail := CASE WHEN d IS NULL THEN 'no run over 10 minutes or past its next start in the last 24 h'
                   ELSE pg_catalog.jsonb_array_length(d) || ' run(s) over 10 minutes or past the next scheduled start' END;
    RETURN NEXT;

    -- pg_net request backlog (real pg_net or the pgcadence shim)
    IF pg_catalog.to_regclass('net.http_request_queue') IS NOT NULL THEN
        -- pg_net's queue has no timestamp: the oldest request is the lowest id (and its age
        -- when the table has a "created" column)
        EXECUTE 'SELECT count(*), min(id) FROM net.http_request_queue' INTO n, oldest_id;
        oldest := NULL;
        IF n > 0 AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                             WHERE a.attrelid = 'net.http_request_queue'::regclass AND a.attname = 'created' AND NOT a.attisdropped) THEN
            EXECUTE 'SELECT min(created) FROM net.http_request_queue' INTO oldest;
        END IF;
        check_name := 'net queue backlog';
        data := pg_catalog.jsonb_build_object('pending', n, 'oldest_id', oldest_id, 'oldest', oldest);
        level := CASE WHEN n > 1000 OR oldest < pg_catalog.now() - interval '5 minutes' THEN 'warn' ELSE 'ok' END;
        detail := n || ' request(s) queued' || CASE WHEN oldest_id IS NULL THEN '' ELSE ', oldest id ' || oldest_id END
                  || CASE WHEN oldest IS NULL THEN '' ELSE ' since ' || oldest::text END;
        RETURN NEXT;
    ELSE
        check_name := 'net queue backlog'; level := 'ok'; detail := 'no net schema (pg_net not installed)'; data := '{}';
        RETURN NEXT;
    END IF;

    -- pg_net responses in the last hour, by status
    IF pg_catalog.to_regclass('net._http_response') IS NOT NULL THEN
        EXECUTE $q$
            SELECT coalesce(jsonb_object_agg(k, c), '{}') FROM (
                SELECT CASE WHEN r.timed_out THEN 'timeout' WHEN r.status_code IS NULL THEN 'error'
                            ELSE r.status_code::text END AS k, count(*) AS c
                FROM net._http_response r WHERE r.created > now() - interval '1 hour' GROUP BY 1) s
        $q$ INTO d;
        check_name := 'net responses (last hour)'; data := d;
        level := CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.jsonb_object_keys(d) k WHERE k !~ '^[23]') THEN 'warn' ELSE 'ok' END;
        detail := CASE WHEN d = '{}' THEN 'none'
                       ELSE (SELECT pg_catalog.string_agg(k || ': ' || (d ->> k), ', ' ORDER BY k) FROM pg_catalog.jsonb_object_keys(d) k) END;
        RETURN NEXT;
    END IF;

    -- history size, retention, and the indexes that keep get_cron_job_runs fast
    SELECT pg_catalog.jsonb_build_object(
               'bytes', pg_catalog.pg_total_relation_size('cron.job_run_details'),
               'rows_estimate', (SELECT c.reltuples::bigint FROM pg_catalog.pg_class c WHERE c.oid = 'cron.job_run_details'::regclass),
               'oldest', (SELECT r.start_time FROM cron.job_run_details r ORDER BY r.start_time LIMIT 1),
               'retention', (SELECT s.history_retention::text FROM pgcadence.cron_settings s),
               'indexes', (SELECT pg_catalog.count(*) FROM pg_catalog.pg_class i
                           WHERE i.relname IN ('pgcadence_job_run_details_start_time_idx', 'pgcadence_job_run_details_jobid_start_time_idx')
                             AND i.relnamespace = 'cron'::regnamespace))
      INTO d;
    check_name := 'run history';
    data := d;
    level := CASE WHEN (d ->> 'indexes')::integer < 2 THEN 'warn'
                  WHEN (d ->> 'oldest')::timestamptz < pg_catalog.now() - (d ->> 'retention')::interval - interval '2 days' THEN 'warn'
                  ELSE 'ok' END;
    detail := pg_catalog.pg_size_pretty((d ->> 'bytes')::bigint) || ', ~' || GREATEST((d ->> 'rows_estimate')::bigint, 0) || ' rows'
              || coalesce(', oldest ' || (d ->> 'oldest'), '') || ', retention ' || (d ->> 'retention')
              || CASE WHEN (d ->> 'indexes')::integer < 2
                      THEN '; history indexes missing: as the table owner run CREATE INDEX ON cron.job_run_details (start_time) and (jobid, start_time)'
                      ELSE '' END;
    RETURN NEXT;

    -- time-zoned jobs whose pg_cron schedule no longer covers the zone's offsets (tzdata changed)
    SELECT pg_catalog.jsonb_agg(m.jobname ORDER BY m.jobname) INTO d
      FROM pgcadence.cron_job_meta m JOIN cron.job j ON j.jobname = m.jobname
     WHERE m.timezone IS NOT NULL AND j.schedule <> pgcadence.cron_utc_schedule(m.local_schedule, m.timezone);
    check_name := 'time-zone schedules'; data := coalesce(d, '[]');
    level := CASE WHEN d IS NULL THEN 'ok' ELSE 'warn' END;
    detail := CASE WHEN d IS NULL THEN 'every time-zoned job covers its zone''s UTC offsets'
                   ELSE 'stale UTC hours (re-run update_cron_schedule with the same schedule): '
                        || (SELECT pg_catalog.string_agg(e #>> '{}', ', ') FROM pg_catalog.jsonb_array_elements(d) e) END;
    RETURN NEXT;

    -- queue jobs whose task type has no registered handler
    SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('job', m.jobname, 'task_type', m.task_type) ORDER BY m.jobname) INTO d
      FROM pgcadence.cron_job_meta m JOIN cron.job j ON j.jobname = m.jobname
     WHERE m.task_type IS NOT NULL AND NOT EXISTS (SELECT 1 FROM public.job_handlers h WHERE h.task_type = m.task_type);
    check_name := 'task handlers'; data := coalesce(d, '[]');
    level := CASE WHEN d IS NULL THEN 'ok' ELSE 'warn' END;
    detail := CASE WHEN d IS NULL THEN 'every queue job''s task type has a registered handler'
                   ELSE 'no handler registered for: ' || (SELECT pg_catalog.string_agg((e ->> 'job') || ' (' || (e ->> 'task_type') || ')', ', ')
                                                          FROM pg_catalog.jsonb_array_elements(d) e) END;
    RETURN NEXT;
END
$$;
COMMENT ON FUNCTION public.cron_health() IS
    'Cron health: failed last runs, never-run jobs, long/overlapping runs, net backlog and responses, history size and indexes, time-zone and handler checks. Admin only.';

REVOKE ALL ON FUNCTION public.cron_history_cleanup(interval) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.set_cron_history_retention(interval) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.cron_health() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.cron_history_cleanup(interval) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.set_cron_history_retention(interval) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.cron_health() TO authenticated, service_role;
