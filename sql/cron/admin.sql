-- The cron management functions (security definer, admin only), called from a SQL
-- editor, the executor's /api/admin routes and the CLI. They see this database's jobs
-- created through create_cron_job (changeable) and pgcadence's standing jobs
-- (read-only, command hidden); nothing else (pgcadence.cron_managed_jobs).

-- The jobs an admin may see, with description, time zone, last run, next run and recent
-- failures; managed_by says whether an admin may change it ('admin') or not ('pgcadence').
CREATE OR REPLACE FUNCTION public.get_cron_jobs()
RETURNS TABLE (
    jobid bigint, jobname text, schedule text, command text, database text, username text, active boolean,
    timezone text, cron_schedule text, description text, task_type text, payload jsonb, max_attempts integer,
    last_run_status text, last_run_started_at timestamptz, last_run_finished_at timestamptz,
    next_run_at timestamptz, recent_failures bigint, managed_by text
)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pgcadence.cron_require_admin('get_cron_jobs');
    RETURN QUERY
    SELECT j.jobid, j.jobname::text, coalesce(m.local_schedule, j.schedule)::text,
           CASE WHEN g.managed_by = 'admin' THEN coalesce(m.inner_command, j.command)::text END,
           j.database::text, j.username::text, j.active,
           m.timezone, j.schedule::text,
           pgcadence.cron_describe_safe(coalesce(m.local_schedule, j.schedule), m.timezone),
           m.task_type, m.payload, m.max_attempts,
           lr.status, lr.start_time, lr.end_time,
           CASE WHEN j.active THEN pgcadence.cron_next_run_safe(coalesce(m.local_schedule, j.schedule), m.timezone) END,
           coalesce(f.failures, 0), g.managed_by
    FROM pgcadence.cron_managed_jobs() g
    JOIN cron.job j ON j.jobid = g.jobid
    LEFT JOIN pgcadence.cron_job_meta m ON m.jobname = j.jobname
    -- ordered by (jobid, start_time): only the (jobid, start_time) index gives that order
    LEFT JOIN LATERAL (SELECT d.status, d.start_time, d.end_time FROM cron.job_run_details d
                       WHERE d.jobid = j.jobid ORDER BY d.jobid DESC, d.start_time DESC LIMIT 1) lr ON true
    -- one pass over the last 24 hours (start_time index) for every job's failures
    LEFT JOIN (SELECT d.jobid, pg_catalog.count(*) AS failures FROM cron.job_run_details d
               WHERE d.start_time > pg_catalog.now() - interval '24 hours' AND d.status = 'failed'
               GROUP BY d.jobid) f ON f.jobid = j.jobid
    ORDER BY j.jobname, j.jobid;
END
$$;
COMMENT ON FUNCTION public.get_cron_jobs() IS
    'This database''s cron jobs created through create_cron_job (managed_by admin: command shown, changeable) and pgcadence''s standing jobs (managed_by pgcadence: read-only, command hidden): schedule (local when timezone is set), active, plain-English description, last run, next run (UTC), failures in the last 24 h. Admin only.';

-- Latest runs from cron.job_run_details with job names; optionally one job only.
CREATE OR REPLACE FUNCTION public.get_cron_job_runs(limit_count integer DEFAULT 50, job_name text DEFAULT NULL)
RETURNS TABLE (
    runid bigint, jobid bigint, jobname text, status text, return_message text,
    start_time timestamptz, end_time timestamptz, duration_ms numeric, job_pid integer
)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    jid bigint;
BEGIN
    PERFORM pgcadence.cron_require_admin('get_cron_job_runs');
    IF limit_count IS NULL OR limit_count NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'limit_count must be between 1 and 1000 (got %)', coalesce(limit_count::text, 'null')
            USING ERRCODE = '22023';
    END IF;
    IF job_name IS NOT NULL THEN
        SELECT g.jobid INTO jid FROM pgcadence.cron_managed_jobs() g WHERE g.jobname = job_name;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no cron job named %', pgcadence.cron_show(job_name) USING ERRCODE = 'P0002';
        END IF;
        RETURN QUERY
        SELECT d.runid, d.jobid, job_name, d.status, d.return_message, d.start_time, d.end_time,
               round(extract(epoch FROM d.end_time - d.start_time) * 1000, 1), d.job_pid
        FROM cron.job_run_details d
        WHERE d.jobid = jid
        ORDER BY d.jobid DESC, d.start_time DESC LIMIT limit_count;
    ELSE
        RETURN QUERY
        SELECT d.runid, d.jobid, j.jobname::text, d.status, d.return_message, d.start_time, d.end_time,
               round(extract(epoch FROM d.end_time - d.start_time) * 1000, 1), d.job_pid
        FROM (SELECT * FROM cron.job_run_details x
               WHERE x.jobid IN (SELECT g.jobid FROM pgcadence.cron_managed_jobs() g)
               ORDER BY x.start_time DESC LIMIT limit_count) d
        LEFT JOIN cron.job j ON j.jobid = d.jobid
        ORDER BY d.start_time DESC;
    END IF;
END
$$;
COMMENT ON FUNCTION public.get_cron_job_runs(integer, text) IS
    'Latest runs (default 50, at most 1000) of the jobs get_cron_jobs shows, from cron.job_run_details with job names; job_name limits to one job. Admin only.';

-- Enable or disable a job by name; returns the new state.
CREATE OR REPLACE FUNCTION public.toggle_cron_job(job_name text, new_active boolean)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    j cron.job;
BEGIN
    PERFORM pgcadence.cron_require_admin('toggle_cron_job');
    IF new_active IS NULL THEN
        RAISE EXCEPTION 'new_active must be true or false' USING ERRCODE = '22023';
    END IF;
    j := pgcadence.cron_admin_job(job_name, 'toggle_cron_job');
    PERFORM cron.alter_job(job_id => j.jobid, active => new_active);
    RETURN new_active;
END
$$;
COMMENT ON FUNCTION public.toggle_cron_job(text, boolean) IS 'Enable (true) or disable (false) a cron job created through create_cron_job. Admin only.';

-- Change a job's schedule (validated first); timezone NULL keeps the job's zone, 'UTC' clears it.
CREATE OR REPLACE FUNCTION public.update_cron_schedule(job_name text, new_schedule text, timezone text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    j cron.job;
    m pgcadence.cron_job_meta;
    spec pgcadence.cron_spec;
    tz text;
    local_text text;
    inner_cmd text;
BEGIN
    PERFORM pgcadence.cron_require_admin('update_cron_schedule');
    j := pgcadence.cron_admin_job(job_name, 'update_cron_schedule');
    spec := pgcadence.cron_parse(new_schedule);
    local_text := pg_catalog.array_to_string(spec.fields, ' ');
    SELECT * INTO m FROM pgcadence.cron_job_meta x WHERE x.jobname = job_name;
    tz := CASE WHEN timezone IS NULL THEN m.timezone ELSE pgcadence.cron_timezone(timezone) END;
    inner_cmd := coalesce(m.inner_command, j.command);
    PERFORM cron.alter_job(job_id => j.jobid,
                           schedule => pgcadence.cron_utc_schedule(local_text, tz),
                           command => CASE WHEN tz IS NULL THEN inner_cmd
                                           ELSE pg_catalog.format('SELECT pgcadence.cron_if_local(%L, %L, %L)', local_text, tz, inner_cmd) END);
    IF m.jobname IS NOT NULL OR tz IS NOT NULL THEN
        INSERT INTO pgcadence.cron_job_meta AS x (jobname, timezone, local_schedule, inner_command, created_by)
        VALUES (job_name, tz, local_text, inner_cmd, pgcadence.cron_caller())
        ON CONFLICT (jobname) DO UPDATE
            SET timezone = EXCLUDED.timezone, local_schedule = EXCLUDED.local_schedule, updated_at = pg_catalog.now();
    END IF;
    RETURN pgcadence.cron_describe_spec(spec) || CASE WHEN tz IS NULL THEN '' ELSE ' (' || tz || ')' END;
END
$$;
COMMENT ON FUNCTION public.update_cron_schedule(text, text, text) IS
    'Validate and set a job''s cron expression; timezone: IANA name for local time, ''UTC'' for none, NULL keeps the current one. Returns the plain-English schedule. Admin only.';

-- Create a job that enqueues task_type into job_queue on schedule; returns its jobid.
CREATE OR REPLACE FUNCTION public.create_cron_job(job_name text, job_schedule text, task_type text,
                                       task_payload jsonb DEFAULT '{}', max_attempts integer DEFAULT 3,
                                       timezone text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    jid bigint;
BEGIN
    PERFORM pgcadence.cron_require_admin('create_cron_job');
    PERFORM pgcadence.cron_check_name(job_name);
    IF job_name LIKE 'pgcadence\_%' THEN
        RAISE EXCEPTION 'invalid job_name %: names starting with pgcadence_ are reserved for pgcadence''s own jobs', pgcadence.cron_show(job_name)
            USING ERRCODE = '22023';
    END IF;
    IF EXISTS (SELECT 1 FROM cron.job j WHERE j.jobname = job_name) THEN
        RAISE EXCEPTION 'a cron job named "%" already exists', job_name USING ERRCODE = '23505';
    END IF;
    PERFORM pgcadence.cron_parse(job_schedule);
    jid := pgcadence.cron_schedule_task(job_name, job_schedule, task_type, coalesce(task_payload, '{}'),
                                        max_attempts, timezone);
    -- ownership: this job is the admins' to see and change
    UPDATE pgcadence.cron_job_meta m SET created_via = 'admin' WHERE m.jobname = job_name;
    RETURN jid;
END
$$;
COMMENT ON FUNCTION public.create_cron_job(text, text, text, jsonb, integer, text) IS
    'Create a cron job that enqueues task_type (a registered handler) with task_payload (a JSON object) and max_attempts into job_queue; optional IANA timezone. Returns the jobid. Admin only.';

-- Delete a job created through create_cron_job.
CREATE OR REPLACE FUNCTION public.delete_cron_job(job_name text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    j cron.job;
BEGIN
    PERFORM pgcadence.cron_require_admin('delete_cron_job');
    j := pgcadence.cron_admin_job(job_name, 'delete_cron_job');
    RETURN pgcadence.cron_unschedule(j.jobname);
END
$$;
COMMENT ON FUNCTION public.delete_cron_job(text) IS 'Unschedule a cron job created through create_cron_job. Admin only.';

-- Run a job's command once, now, and record the run in cron.job_run_details.
CREATE OR REPLACE FUNCTION public.run_cron_job_now(job_name text)
RETURNS TABLE (runid bigint, status text, return_message text, start_time timestamptz, end_time timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    j cron.job;
    cmd text;
    rid bigint;
    started timestamptz := pg_catalog.clock_timestamp();
    st text := 'succeeded';
    msg text;
    n bigint;
    default_path text;
BEGIN
    PERFORM pgcadence.cron_require_admin('run_cron_job_now');
    j := pgcadence.cron_admin_job(job_name, 'run_cron_job_now');
    IF j.database <> pg_catalog.current_database() THEN
        RAISE EXCEPTION 'job "%" runs in database "%"; run it from there', j.jobname, j.database USING ERRCODE = '0A000';
    END IF;
    IF j.username <> current_user THEN
        -- running another role's command with this owner's rights would escalate it
        RAISE EXCEPTION 'job "%" runs as role "%"; run_cron_job_now only runs jobs owned by "%"', j.jobname, j.username, current_user
            USING ERRCODE = '42501';
    END IF;
    SELECT m.inner_command INTO cmd FROM pgcadence.cron_job_meta m WHERE m.jobname = j.jobname;
    cmd := coalesce(cmd, j.command);
    SELECT s.reset_val INTO default_path FROM pg_catalog.pg_settings s WHERE s.name = 'search_path';
    BEGIN
        PERFORM pg_catalog.set_config('search_path', default_path, true);  -- as pg_cron would run it
        EXECUTE cmd;
        GET DIAGNOSTICS n = ROW_COUNT;
        msg := 'manual run by ' || pgcadence.cron_caller() || ': ' || n || ' row(s)';
    EXCEPTION WHEN OTHERS THEN
        st := 'failed';
        msg := 'manual run by ' || pgcadence.cron_caller() || ': ERROR: ' || SQLERRM;
    END;
    rid := pg_catalog.nextval('cron.runid_seq');
    INSERT INTO cron.job_run_details AS d (jobid, runid, job_pid, database, username, command, status, return_message, start_time, end_time)
    VALUES (j.jobid, rid, pg_catalog.pg_backend_pid(), j.database, j.username, cmd, st, msg, started, pg_catalog.clock_timestamp());
    RETURN QUERY SELECT d.runid, d.status, d.return_message, d.start_time, d.end_time FROM cron.job_run_details d WHERE d.runid = rid;
END
$$;
COMMENT ON FUNCTION public.run_cron_job_now(text) IS
    'Run the command of a job created through create_cron_job once now (ignoring schedule, time zone and active flag), in this transaction, and record it in cron.job_run_details ("manual run by ..."). Admin only.';
REVOKE ALL ON FUNCTION public.get_cron_jobs() FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.get_cron_job_runs(integer, text) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.toggle_cron_job(text, boolean) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.update_cron_schedule(text, text, text) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.create_cron_job(text, text, text, jsonb, integer, text) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.delete_cron_job(text) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.run_cron_job_now(text) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.get_cron_jobs() TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.get_cron_job_runs(integer, text) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.toggle_cron_job(text, boolean) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.update_cron_schedule(text, text, text) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.create_cron_job(text, text, text, jsonb, integer, text) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.delete_cron_job(text) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.run_cron_job_now(text) TO authenticated, service_role;
