-- Managing the queue: retry, cancel, the processing switch, cleanup, listing and
-- inspecting jobs (admins and service_role).

-- Raise a clear error when no job has this id.
CREATE OR REPLACE FUNCTION pgcadence.job_queue_not_found(fn text, job uuid) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION '%: no job with id %', fn, job USING ERRCODE = 'P0002';
END
$$;
REVOKE ALL ON FUNCTION pgcadence.job_queue_not_found(text, uuid) FROM PUBLIC, anon, authenticated;

-- Run a job again now: failed, cancelled or succeeded jobs go back to pending with
-- extra_attempts more tries; a pending job is made due now. Returns the new status.
CREATE OR REPLACE FUNCTION public.job_queue_retry(id uuid, extra_attempts integer DEFAULT 1) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    j public.job_queue;
BEGIN
    PERFORM pgcadence.job_queue_require_manager('job_queue_retry');
    IF extra_attempts IS NULL OR extra_attempts < 1 THEN
        RAISE EXCEPTION 'job_queue_retry: extra_attempts must be at least 1 (got %)', extra_attempts USING ERRCODE = '22023';
    END IF;
    SELECT * INTO j FROM public.job_queue q WHERE q.id = job_queue_retry.id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM pgcadence.job_queue_not_found('job_queue_retry', id);
    END IF;
    IF j.status = 'running' THEN
        RAISE EXCEPTION 'job_queue_retry: job % is running (attempt %); cancel it first or let it finish', id, j.attempts
            USING ERRCODE = '55000';
    END IF;
    IF j.status <> 'pending' AND j.dedupe_key IS NOT NULL AND EXISTS (
        SELECT 1 FROM public.job_queue q WHERE q.dedupe_key = j.dedupe_key AND q.status IN ('pending', 'running')) THEN
        RAISE EXCEPTION 'job_queue_retry: another pending or running job has dedupe_key "%"', j.dedupe_key
            USING ERRCODE = '23505';
    END IF;
    IF j.status = 'succeeded' AND j.attempts > 0 THEN  -- the success leaves the job row: keep it in the log
        INSERT INTO public.job_queue_attempt_log (job_id, attempt, worker_id, started_at, finished_at, outcome)
        VALUES (j.id, j.attempts, j.locked_by, j.started_at, COALESCE(j.finished_at, pg_catalog.now()), 'succeeded')
        ON CONFLICT DO NOTHING;
    END IF;
    UPDATE public.job_queue q SET
        status = 'pending', run_at = pg_catalog.now(), finished_at = NULL, locked_until = NULL,
        max_attempts = CASE WHEN j.status = 'pending' THEN q.max_attempts ELSE q.attempts + extra_attempts END,
        updated_at = pg_catalog.now()
    WHERE q.id = j.id;
    PERFORM pg_catalog.pg_notify('pgcadence_job_queue', '');
    RETURN 'pending';
END
$$;
COMMENT ON FUNCTION public.job_queue_retry(uuid, integer) IS
    'Admin: run a failed/cancelled/succeeded job again now with extra_attempts more tries (a pending one: make it due now).';

-- Cancel a pending or running job (a running attempt is recorded as cancelled and its
-- worker's later complete/fail is ignored). Returns the new status.
CREATE OR REPLACE FUNCTION public.job_queue_cancel(id uuid) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    j public.job_queue;
BEGIN
    PERFORM pgcadence.job_queue_require_manager('job_queue_cancel');
    SELECT * INTO j FROM public.job_queue q WHERE q.id = job_queue_cancel.id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM pgcadence.job_queue_not_found('job_queue_cancel', id);
    END IF;
    IF j.status NOT IN ('pending', 'running') THEN
        RAISE EXCEPTION 'job_queue_cancel: job % is already %', id, j.status USING ERRCODE = '55000';
    END IF;
    IF j.status = 'running' THEN
        INSERT INTO public.job_queue_attempt_log (job_id, attempt, worker_id, started_at, outcome, error)
        VALUES (j.id, j.attempts, j.locked_by, j.started_at, 'cancelled', 'cancelled while running');
    END IF;
    UPDATE public.job_queue q SET status = 'cancelled', finished_at = pg_catalog.now(), locked_until = NULL,
                                  updated_at = pg_catalog.now()
    WHERE q.id = j.id;
    RETURN 'cancelled';
END
$$;
COMMENT ON FUNCTION public.job_queue_cancel(uuid) IS 'Admin: cancel a pending or running job.';

-- Stop claims (enqueue keeps working). Returns true (paused).
CREATE OR REPLACE FUNCTION public.job_queue_pause() RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pgcadence.job_queue_require_manager('job_queue_pause');
    UPDATE pgcadence.job_queue_settings SET paused = true, paused_at = pg_catalog.now(),
        paused_by = COALESCE(auth.uid()::text, CASE WHEN pg_catalog.current_setting('role') = 'none'
                                                    THEN session_user::text ELSE pg_catalog.current_setting('role') END),
        updated_at = pg_catalog.now();
    RETURN true;
END
$$;
COMMENT ON FUNCTION public.job_queue_pause() IS 'Admin: pause processing (claims return nothing; enqueue still works).';

-- Resume claims and wake the workers. Returns false (not paused).
CREATE OR REPLACE FUNCTION public.job_queue_resume() RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pgcadence.job_queue_require_manager('job_queue_resume');
    UPDATE pgcadence.job_queue_settings SET paused = false, paused_at = NULL, paused_by = NULL,
        updated_at = pg_catalog.now();
    PERFORM pg_catalog.pg_notify('pgcadence_job_queue', '');
    RETURN false;
END
$$;
COMMENT ON FUNCTION public.job_queue_resume() IS 'Admin: resume processing.';

-- Is processing paused?
CREATE OR REPLACE FUNCTION public.job_queue_paused() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT s.paused FROM pgcadence.job_queue_settings s
$$;
COMMENT ON FUNCTION public.job_queue_paused() IS 'Whether processing is paused (see job_queue_pause()).';

-- Delete finished jobs (default: succeeded, as documented) whose finished_at is older than
-- retain, with their attempt history. Returns how many jobs were deleted.
CREATE OR REPLACE FUNCTION public.job_queue_cleanup(retain interval DEFAULT '14 days', statuses text[] DEFAULT '{succeeded}')
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    bad text;
    n bigint;
BEGIN
    PERFORM pgcadence.job_queue_require_manager('job_queue_cleanup');
    IF retain IS NULL OR retain < '0' THEN
        RAISE EXCEPTION 'job_queue_cleanup: retain must be a non-negative interval (got %)', retain USING ERRCODE = '22023';
    END IF;
    SELECT s INTO bad FROM pg_catalog.unnest(statuses) s
    WHERE s IS NULL OR s NOT IN ('succeeded', 'failed', 'cancelled') LIMIT 1;
    IF FOUND OR statuses IS NULL THEN
        RAISE EXCEPTION 'job_queue_cleanup: unknown or unfinished status "%" (expected succeeded, failed, cancelled)', bad
            USING ERRCODE = '22023';
    END IF;
    WITH gone AS (
        DELETE FROM public.job_queue q
        WHERE q.status = ANY (statuses) AND q.finished_at < pg_catalog.now() - retain
        RETURNING q.id
    ), hist AS (
        DELETE FROM public.job_queue_attempt_log a USING gone g WHERE a.job_id = g.id
    )
    SELECT pg_catalog.count(*) INTO n FROM gone;
    RETURN n;
END
$$;
COMMENT ON FUNCTION public.job_queue_cleanup(interval, text[]) IS
    'Delete jobs in statuses (default succeeded) finished more than retain ago (default 14 days), with their attempts. Returns the count.';

-- List jobs, newest first, filtered by status and task type.
CREATE OR REPLACE FUNCTION public.job_queue_list(status text DEFAULT NULL, task_type text DEFAULT NULL, max_rows integer DEFAULT 50)
RETURNS SETOF public.job_queue
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pgcadence.job_queue_require_manager('job_queue_list');
    IF status IS NOT NULL AND status NOT IN ('pending', 'running', 'succeeded', 'failed', 'cancelled') THEN
        RAISE EXCEPTION 'job_queue_list: unknown status "%" (expected pending, running, succeeded, failed, cancelled)', status
            USING ERRCODE = '22023';
    END IF;
    -- a page, not the table: an admin console or CLI asking for everything gets a clear error
    IF max_rows IS NULL OR max_rows NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'job_queue_list: max_rows must be between 1 and 1000 (got %)', max_rows USING ERRCODE = '22023';
    END IF;
    RETURN QUERY
    SELECT q.* FROM public.job_queue q
    WHERE (job_queue_list.status IS NULL OR q.status = job_queue_list.status)
      AND (job_queue_list.task_type IS NULL OR q.task_type = job_queue_list.task_type)
    ORDER BY q.created_at DESC
    LIMIT max_rows;
END
$$;
COMMENT ON FUNCTION public.job_queue_list(text, text, integer) IS 'Admin: up to max_rows (1-1000) jobs newest first, optionally filtered by status and task_type.';

-- One job with its attempt history (the running attempt included), as JSON.
CREATE OR REPLACE FUNCTION public.job_queue_get(id uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    doc jsonb;
BEGIN
    PERFORM pgcadence.job_queue_require_manager('job_queue_get');
    SELECT pg_catalog.to_jsonb(q) || pg_catalog.jsonb_build_object('attempt_history', COALESCE((
        SELECT pg_catalog.jsonb_agg(a ORDER BY a.attempt) FROM (
            SELECT h.attempt, h.worker_id, h.started_at, h.finished_at, h.outcome, h.error,
                   extract(epoch FROM COALESCE(h.duration, pg_catalog.now() - h.started_at)) AS duration_s
            FROM public.job_queue_attempts h WHERE h.job_id = q.id
        ) a), '[]'))
    INTO doc
    FROM public.job_queue q WHERE q.id = job_queue_get.id;
    IF doc IS NULL THEN
        PERFORM pgcadence.job_queue_not_found('job_queue_get', id);
    END IF;
    RETURN doc;
END
$$;
COMMENT ON FUNCTION public.job_queue_get(uuid) IS 'Admin: a job with its attempt history (payload, attempts, errors) as JSON.';

-- The queue's health in one row, for `pgcadence doctor` and dashboards: paused, jobs past
-- their lease, failed attempts in the last hour, how long the oldest due job has waited,
-- running workers, and due jobs of task types no running worker handles (type -> count).
CREATE OR REPLACE FUNCTION public.job_queue_health()
RETURNS TABLE (paused boolean, expired_leases bigint, failed_attempts_last_hour bigint, oldest_due_s double precision,
               running_workers integer, unhandled jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pgcadence.job_queue_require_manager('job_queue_health');
    RETURN QUERY
    SELECT s.paused,
           (SELECT pg_catalog.count(*) FROM public.job_queue j
            WHERE j.status = 'running' AND j.locked_until < pg_catalog.now()),
           (SELECT pg_catalog.count(*) FROM public.job_queue_attempt_log a
            WHERE a.outcome IN ('failed', 'lease_expired') AND a.finished_at > pg_catalog.now() - interval '1 hour'),
           (SELECT extract(epoch FROM pg_catalog.now() - pg_catalog.min(j.run_at))::double precision FROM public.job_queue j
            WHERE j.status = 'pending' AND j.run_at <= pg_catalog.now() AND pg_catalog.isfinite(j.run_at)),
           (SELECT pg_catalog.count(*)::integer FROM pgcadence.job_queue_workers w WHERE w.alive_until > pg_catalog.now()),
           (SELECT COALESCE(pg_catalog.jsonb_object_agg(u.task_type, u.due), '{}') FROM (
                SELECT j.task_type, pg_catalog.count(*) AS due FROM public.job_queue j
                WHERE j.status = 'pending' AND j.run_at <= pg_catalog.now()
                  AND NOT EXISTS (SELECT 1 FROM pgcadence.job_queue_workers w
                                  WHERE w.alive_until > pg_catalog.now() AND j.task_type = ANY (w.task_types))
                GROUP BY j.task_type) u)
    FROM pgcadence.job_queue_settings s;
END
$$;
COMMENT ON FUNCTION public.job_queue_health() IS
    'Admin: paused, expired leases, failed attempts in the last hour, oldest due job''s wait (s), running workers, and due jobs no running worker handles ({task_type: count}).';
