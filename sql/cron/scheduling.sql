-- Scheduling through pgcadence: the admin check, job names, and the wrappers around
-- cron.schedule that keep pgcadence.cron_job_meta (time zone, real command, task).

-- Raise 42501 unless the caller may manage cron jobs: an admin (profiles.role = 'admin'
-- for auth.uid()), service_role, or the role that owns these functions (the DBA in psql).
-- Inside SECURITY DEFINER current_user is the owner; the caller comes from SET ROLE
-- (as PostgREST does) or else the login role.
CREATE OR REPLACE FUNCTION pgcadence.cron_require_admin(fn text)
RETURNS void
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT pgcadence.require_admin(fn, 'manage cron jobs')
$$;
REVOKE ALL ON FUNCTION pgcadence.cron_require_admin(text) FROM PUBLIC, anon, authenticated;

-- True when the caller is the role owning these functions (the DBA in psql, pg_cron
-- running the standing jobs), not an API role or an admin.
CREATE OR REPLACE FUNCTION pgcadence.cron_caller_is_owner()
RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT c.caller NOT IN ('anon', 'authenticated', 'service_role')
           AND pg_catalog.pg_has_role(c.caller, current_user, 'MEMBER')
      FROM (SELECT CASE WHEN pg_catalog.current_setting('role') = 'none' THEN session_user
                        ELSE pg_catalog.current_setting('role')::name END AS caller) c
$$;
REVOKE ALL ON FUNCTION pgcadence.cron_caller_is_owner() FROM PUBLIC, anon, authenticated;

-- The jobs the admin functions may show: this database's jobs created through
-- create_cron_job (managed_by 'admin', changeable) and pgcadence's standing jobs
-- (managed_by 'pgcadence', read-only). Other databases' jobs and jobs scheduled
-- any other way are the DBA's and never appear.
CREATE OR REPLACE FUNCTION pgcadence.cron_managed_jobs()
RETURNS TABLE (jobid bigint, jobname text, managed_by text)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT j.jobid, j.jobname::text,
           CASE WHEN m.created_via = 'admin' AND j.username = current_user THEN 'admin' ELSE 'pgcadence' END
      FROM cron.job j
      LEFT JOIN pgcadence.cron_job_meta m ON m.jobname = j.jobname
     WHERE j.database = pg_catalog.current_database()
       AND ((m.created_via = 'admin' AND j.username = current_user)
            OR EXISTS (SELECT 1 FROM pgcadence.source_objects o WHERE o.kind = 'cron job' AND o.identity = j.jobname))
$$;
REVOKE ALL ON FUNCTION pgcadence.cron_managed_jobs() FROM PUBLIC, anon, authenticated;

-- The cron.job row of a job the admin functions may change (created through
-- create_cron_job in this database); a standing job raises 42501 with the DBA's way,
-- any other name P0002 (whether such a job exists elsewhere is not disclosed).
CREATE OR REPLACE FUNCTION pgcadence.cron_admin_job(job_name text, fn text)
RETURNS cron.job
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    j cron.job;
    owner_of text;
BEGIN
    IF job_name IS NULL OR job_name = '' THEN
        RAISE EXCEPTION 'job_name is required' USING ERRCODE = '22023';
    END IF;
    SELECT g.managed_by INTO owner_of FROM pgcadence.cron_managed_jobs() g WHERE g.jobname = job_name;
    IF owner_of = 'pgcadence' THEN
        RAISE EXCEPTION '%: "%" is a standing job of pgcadence; admins cannot change it', fn, job_name
            USING ERRCODE = '42501',
                  HINT = 'a DBA changes it as the database owner with cron.alter_job, or disables its module (docs/security.md, "Cron jobs")';
    ELSIF owner_of IS NULL THEN
        RAISE EXCEPTION 'no cron job named %', pgcadence.cron_show(job_name) USING ERRCODE = 'P0002';
    END IF;
    SELECT * INTO j FROM cron.job c
     WHERE c.jobname = job_name AND c.database = pg_catalog.current_database() AND c.username = current_user;
    RETURN j;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.cron_admin_job(text, text) FROM PUBLIC, anon, authenticated;

-- Who is calling, for the history of manual runs.
CREATE OR REPLACE FUNCTION pgcadence.cron_caller()
RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN auth.uid() IS NOT NULL THEN 'user ' || auth.uid()::text
                ELSE 'role ' || CASE WHEN pg_catalog.current_setting('role') = 'none' THEN session_user::text
                                     ELSE pg_catalog.current_setting('role') END END
$$;

-- Job name rule: ^[a-z][a-z0-9_]{2,62}$.
CREATE OR REPLACE FUNCTION pgcadence.cron_check_name(job_name text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF job_name IS NULL OR job_name = '' THEN
        RAISE EXCEPTION 'job_name is required' USING ERRCODE = '22023';
    END IF;
    IF job_name !~ '^[a-z][a-z0-9_]{2,62}$' THEN
        RAISE EXCEPTION 'invalid job_name %: use 3-63 characters, lower-case letters, digits and _, starting with a letter',
            pgcadence.cron_show(job_name) USING ERRCODE = '22023';
    END IF;
END
$$;

-- The cron.job row of a name, or raise P0002.
CREATE OR REPLACE FUNCTION pgcadence.cron_find_job(job_name text)
RETURNS cron.job
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    j cron.job;
BEGIN
    IF job_name IS NULL OR job_name = '' THEN
        RAISE EXCEPTION 'job_name is required' USING ERRCODE = '22023';
    END IF;
    SELECT * INTO j FROM cron.job c WHERE c.jobname = job_name ORDER BY c.jobid LIMIT 1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no cron job named %', pgcadence.cron_show(job_name) USING ERRCODE = 'P0002';
    END IF;
    RETURN j;
END
$$;

-- Schedule (or replace) a job running "command" on "schedule" in "timezone" (NULL = UTC).
-- The one call for SQL-command jobs in local time, e.g. the movie jobs' "03:00 Pacific":
--   SELECT pgcadence.cron_schedule('scheduled_ingest_daily', '0 3 * * *',
--          $$SELECT call_scheduled_ingest('mixed_daily', 30, 'cron')$$, 'America/Los_Angeles');
-- Owner-only (it schedules arbitrary SQL); admins use create_cron_job().
CREATE OR REPLACE FUNCTION pgcadence.cron_schedule(job_name text, schedule text, command text, timezone text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    tz text := pgcadence.cron_timezone(timezone);
    spec pgcadence.cron_spec := pgcadence.cron_parse(schedule);
    local_text text := pg_catalog.array_to_string(spec.fields, ' ');
    jid bigint;
BEGIN
    PERFORM pgcadence.cron_check_name(job_name);
    IF command IS NULL OR pg_catalog.btrim(command) = '' THEN
        RAISE EXCEPTION 'command is required' USING ERRCODE = '22023';
    END IF;
    jid := cron.schedule(job_name, pgcadence.cron_utc_schedule(local_text, tz),
                         CASE WHEN tz IS NULL THEN command
                              ELSE pg_catalog.format('SELECT pgcadence.cron_if_local(%L, %L, %L)', local_text, tz, command) END);
    INSERT INTO pgcadence.cron_job_meta AS m (jobname, timezone, local_schedule, inner_command, created_by)
    VALUES (job_name, tz, local_text, command, pgcadence.cron_caller())
    ON CONFLICT (jobname) DO UPDATE
        SET timezone = EXCLUDED.timezone, local_schedule = EXCLUDED.local_schedule,
            inner_command = EXCLUDED.inner_command, task_type = NULL, payload = NULL, max_attempts = NULL,
            updated_at = pg_catalog.now();
    RETURN jid;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.cron_schedule(text, text, text, text) FROM PUBLIC, anon, authenticated;
COMMENT ON FUNCTION pgcadence.cron_schedule(text, text, text, text) IS
    'Schedule or replace a SQL-command job; timezone (IANA) makes the schedule local wall-clock time, DST-safe. Returns the jobid.';

-- The SQL a queue job's cron command runs: enqueue the task, every value a literal.
CREATE OR REPLACE FUNCTION pgcadence.cron_enqueue_command(task_type text, payload jsonb, max_attempts integer)
RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.format('SELECT public.job_queue_enqueue(task_type => %L, payload => %L::jsonb, max_attempts => %L::integer)',
                             task_type, payload::text, max_attempts)
$$;

-- Schedule a queue job (validated); shared by create_cron_job and the standing jobs.
CREATE OR REPLACE FUNCTION pgcadence.cron_schedule_task(job_name text, schedule text, task_type text, payload jsonb,
                                             max_attempts integer, timezone text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    jid bigint;
BEGIN
    IF task_type IS NULL OR task_type = '' THEN
        RAISE EXCEPTION 'task_type is required' USING ERRCODE = '22023';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM public.job_handlers h WHERE h.task_type = cron_schedule_task.task_type) THEN
        RAISE EXCEPTION 'unknown task_type %: registered handlers are %', pgcadence.cron_show(task_type),
            coalesce((SELECT pg_catalog.string_agg(h.task_type, ', ' ORDER BY h.task_type) FROM public.job_handlers h), '(none)')
            USING ERRCODE = '22023', HINT = 'The queue worker registers its handlers when it starts (register_job_handler).';
    END IF;
    IF payload IS NULL OR pg_catalog.jsonb_typeof(payload) <> 'object' THEN
        RAISE EXCEPTION 'payload must be a JSON object, got %', coalesce(pg_catalog.jsonb_typeof(payload), 'null')
            USING ERRCODE = '22023';
    END IF;
    IF pg_catalog.octet_length(payload::text) > 8192 THEN
        RAISE EXCEPTION 'payload is % bytes; a cron job''s payload is written into its command and may be at most 8192 bytes',
            pg_catalog.octet_length(payload::text) USING ERRCODE = '22023';
    END IF;
    IF max_attempts IS NULL OR max_attempts NOT BETWEEN 1 AND 100 THEN
        RAISE EXCEPTION 'max_attempts must be between 1 and 100 (got %)', coalesce(max_attempts::text, 'null')
            USING ERRCODE = '22023';
    END IF;
    jid := pgcadence.cron_schedule(job_name, schedule, pgcadence.cron_enqueue_command(task_type, payload, max_attempts), timezone);
    UPDATE pgcadence.cron_job_meta m
       SET task_type = cron_schedule_task.task_type, payload = cron_schedule_task.payload,
           max_attempts = cron_schedule_task.max_attempts
     WHERE m.jobname = job_name;
    RETURN jid;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.cron_schedule_task(text, text, text, jsonb, integer, text) FROM PUBLIC, anon, authenticated;

-- Unschedule a job and forget its metadata.
CREATE OR REPLACE FUNCTION pgcadence.cron_unschedule(job_name text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    j cron.job := pgcadence.cron_find_job(job_name);
BEGIN
    PERFORM cron.unschedule(j.jobid);
    DELETE FROM pgcadence.cron_job_meta m WHERE m.jobname = job_name;
    RETURN true;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.cron_unschedule(text) FROM PUBLIC, anon, authenticated;
