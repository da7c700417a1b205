-- The worker side of the queue: claim due jobs for a lease (one statement, SKIP
-- LOCKED), then complete, fail, heartbeat or release them, fenced by attempt number.

-- Take up to batch_size due jobs for worker_id for lease: one statement, SKIP LOCKED.
-- Jobs whose lease expired are taken back first (their lost attempt is recorded);
-- one whose last allowed attempt expired is marked failed instead.
CREATE OR REPLACE FUNCTION public.job_queue_claim(batch_size integer DEFAULT 10, worker_id text DEFAULT NULL,
                                       lease interval DEFAULT '5 minutes')
RETURNS TABLE (id uuid, task_type text, payload jsonb, attempt integer, max_attempts integer,
               locked_until timestamptz, priority integer, run_at timestamptz, created_at timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF batch_size IS NULL OR batch_size < 1 OR batch_size > 10000 THEN
        RAISE EXCEPTION 'job_queue_claim: batch_size must be between 1 and 10000 (got %)', batch_size USING ERRCODE = '22023';
    END IF;
    IF worker_id IS NULL OR worker_id = '' THEN
        RAISE EXCEPTION 'job_queue_claim: worker_id is required' USING ERRCODE = '22023';
    END IF;
    IF lease IS NULL OR lease <= '0' THEN
        RAISE EXCEPTION 'job_queue_claim: lease must be positive (got %)', lease USING ERRCODE = '22023';
    END IF;
    IF (SELECT s.paused FROM pgcadence.job_queue_settings s) THEN
        RETURN;
    END IF;
    RETURN QUERY
    WITH picked AS (
        SELECT x.* FROM (
            SELECT j.id, j.status, j.attempts, j.max_attempts, j.locked_by, j.started_at, j.locked_until
            FROM public.job_queue j
            WHERE j.status = 'running' AND j.locked_until < pg_catalog.now()
            ORDER BY j.locked_until
            LIMIT batch_size
            FOR UPDATE SKIP LOCKED
        ) x
        UNION ALL
        SELECT y.* FROM (
            SELECT j.id, j.status, j.attempts, j.max_attempts, j.locked_by, j.started_at, j.locked_until
            FROM public.job_queue j
            WHERE j.status = 'pending' AND j.run_at <= pg_catalog.now()
            ORDER BY j.priority DESC, j.run_at
            LIMIT batch_size
            FOR UPDATE SKIP LOCKED
        ) y
        LIMIT batch_size
    ), lost AS (
        INSERT INTO public.job_queue_attempt_log (job_id, attempt, worker_id, started_at, outcome, error)
        SELECT p.id, p.attempts, p.locked_by, p.started_at, 'lease_expired',
               'lease expired at ' || p.locked_until || ' (worker stopped without finishing)'
        FROM picked p WHERE p.status = 'running'
    ), claimed AS (
        UPDATE public.job_queue q SET
            status = CASE WHEN p.status = 'running' AND p.attempts >= p.max_attempts THEN 'failed' ELSE 'running' END,
            attempts = CASE WHEN p.status = 'running' AND p.attempts >= p.max_attempts THEN q.attempts ELSE q.attempts + 1 END,
            last_error = CASE WHEN p.status = 'running' THEN 'lease expired on attempt ' || q.attempts ELSE q.last_error END,
            finished_at = CASE WHEN p.status = 'running' AND p.attempts >= p.max_attempts THEN pg_catalog.now() END,
            locked_by = CASE WHEN p.status = 'running' AND p.attempts >= p.max_attempts THEN q.locked_by ELSE worker_id END,
            locked_until = CASE WHEN p.status = 'running' AND p.attempts >= p.max_attempts THEN NULL ELSE pg_catalog.now() + lease END,
            started_at = CASE WHEN p.status = 'running' AND p.attempts >= p.max_attempts THEN q.started_at ELSE pg_catalog.now() END,
            updated_at = pg_catalog.now()
        FROM picked p
        WHERE q.id = p.id
        RETURNING q.id, q.task_type, q.payload, q.attempts, q.max_attempts, q.locked_until, q.priority,
                  q.run_at, q.created_at, q.status
    )
    SELECT c.id, c.task_type, c.payload, c.attempts, c.max_attempts, c.locked_until, c.priority, c.run_at, c.created_at
    FROM claimed c WHERE c.status = 'running';
END
$$;
COMMENT ON FUNCTION public.job_queue_claim(integer, text, interval) IS
    'Claim up to batch_size due jobs for worker_id (lease: how long before others may take them back). Nothing while paused. Returns attempt: pass it to complete/fail/heartbeat.';

-- Mark a running job succeeded. With attempt, only that attempt may (lease fencing).
-- Returns false when the job is no longer this attempt's (lease lost, cancelled, finished).
CREATE OR REPLACE FUNCTION public.job_queue_complete(id uuid, result jsonb DEFAULT NULL, attempt integer DEFAULT NULL)
RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    WITH done AS (
        UPDATE public.job_queue q SET status = 'succeeded', result = job_queue_complete.result,
               finished_at = pg_catalog.now(), updated_at = pg_catalog.now(), locked_until = NULL
        WHERE q.id = job_queue_complete.id AND q.locked_until IS NOT NULL
          AND (job_queue_complete.attempt IS NULL OR q.attempts = job_queue_complete.attempt)
        RETURNING q.id
    )
    SELECT EXISTS (SELECT 1 FROM done)
$$;
COMMENT ON FUNCTION public.job_queue_complete(uuid, jsonb, integer) IS
    'Mark a running job succeeded and keep result. Pass the claimed attempt to fence out a worker whose lease was lost. Returns whether it applied.';

-- Complete many jobs in one statement: ids[i] with attempts[i] (and results[i]).
CREATE OR REPLACE FUNCTION public.job_queue_complete_batch(ids uuid[], attempts integer[], results jsonb[] DEFAULT NULL)
RETURNS SETOF uuid
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    WITH input AS (
        SELECT t.id, t.attempt, t.result FROM ROWS FROM (pg_catalog.unnest(ids), pg_catalog.unnest(attempts), pg_catalog.unnest(results)) AS t(id, attempt, result)
    ), done AS (
        UPDATE public.job_queue q SET status = 'succeeded', result = i.result,
               finished_at = pg_catalog.now(), updated_at = pg_catalog.now(), locked_until = NULL
        FROM input i
        WHERE q.id = i.id AND q.locked_until IS NOT NULL AND q.attempts = i.attempt
        RETURNING q.id
    )
    SELECT d.id FROM done d
$$;
COMMENT ON FUNCTION public.job_queue_complete_batch(uuid[], integer[], jsonb[]) IS
    'Mark many running jobs succeeded in one statement (ids[i] claimed as attempts[i]); returns the ids that applied.';

-- A worker's loop in one round trip and one commit: complete the previous batch
-- (ids[i] claimed as attempts[i]), then claim the next one.
CREATE OR REPLACE FUNCTION public.job_queue_complete_and_claim(ids uuid[], attempts integer[], batch_size integer DEFAULT 10,
                                                    worker_id text DEFAULT NULL, lease interval DEFAULT '5 minutes',
                                                    results jsonb[] DEFAULT NULL)
RETURNS TABLE (id uuid, task_type text, payload jsonb, attempt integer, max_attempts integer,
               locked_until timestamptz, priority integer, run_at timestamptz, created_at timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF pg_catalog.cardinality(ids) > 0 THEN
        PERFORM public.job_queue_complete_batch(ids, attempts, results);
    END IF;
    RETURN QUERY SELECT * FROM public.job_queue_claim(batch_size, worker_id, lease);
END
$$;
COMMENT ON FUNCTION public.job_queue_complete_and_claim(uuid[], integer[], integer, text, interval, jsonb[]) IS
    'job_queue_complete_batch(ids, attempts, results) then job_queue_claim(batch_size, worker_id, lease), in one transaction.';

-- Record a failed attempt: retry after job_queue_retry_delay(attempt), or 'failed' once
-- attempts reach max_attempts. Fenced like complete. Returns the new state (no row if fenced out).
CREATE OR REPLACE FUNCTION public.job_queue_fail(id uuid, error text, attempt integer DEFAULT NULL)
RETURNS TABLE (status text, run_at timestamptz, attempts integer)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    WITH failed AS (
        UPDATE public.job_queue q SET
            status = CASE WHEN q.attempts >= q.max_attempts THEN 'failed' ELSE 'pending' END,
            run_at = CASE WHEN q.attempts >= q.max_attempts THEN q.run_at
                          ELSE pg_catalog.now() + public.job_queue_retry_delay(q.attempts) END,
            finished_at = CASE WHEN q.attempts >= q.max_attempts THEN pg_catalog.now() END,
            last_error = pg_catalog.left(COALESCE(job_queue_fail.error, 'unknown error'), 8192),
            locked_until = NULL, updated_at = pg_catalog.now()
        WHERE q.id = job_queue_fail.id AND q.locked_until IS NOT NULL
          AND (job_queue_fail.attempt IS NULL OR q.attempts = job_queue_fail.attempt)
        RETURNING q.id, q.status, q.run_at, q.attempts, q.locked_by, q.started_at, q.last_error
    ), hist AS (
        INSERT INTO public.job_queue_attempt_log (job_id, attempt, worker_id, started_at, outcome, error)
        SELECT f.id, f.attempts, f.locked_by, f.started_at, 'failed', f.last_error FROM failed f
    )
    SELECT f.status, f.run_at, f.attempts FROM failed f
$$;
COMMENT ON FUNCTION public.job_queue_fail(uuid, text, integer) IS
    'Record a failed attempt (error kept in last_error, first 8 KiB): pending again after the backoff, or failed at max_attempts. Fenced by attempt.';

-- Extend the lease of a running job (long handlers call it periodically).
-- Returns the new lease end, or NULL when the job is no longer this attempt's.
CREATE OR REPLACE FUNCTION public.job_queue_heartbeat(id uuid, extend interval DEFAULT '5 minutes', attempt integer DEFAULT NULL)
RETURNS timestamptz
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    UPDATE public.job_queue q SET locked_until = pg_catalog.now() + job_queue_heartbeat.extend, updated_at = pg_catalog.now()
    WHERE q.id = job_queue_heartbeat.id AND q.locked_until IS NOT NULL AND job_queue_heartbeat.extend > '0'
      AND (job_queue_heartbeat.attempt IS NULL OR q.attempts = job_queue_heartbeat.attempt)
    RETURNING q.locked_until
$$;
COMMENT ON FUNCTION public.job_queue_heartbeat(uuid, interval, integer) IS
    'Extend a running job''s lease to now() + extend; NULL when the job is no longer this attempt''s.';

-- Give a running job back unfinished (a worker shutting down): pending again, due now;
-- the released attempt is recorded and does not count against max_attempts.
CREATE OR REPLACE FUNCTION public.job_queue_release(id uuid, attempt integer, reason text DEFAULT 'released by worker')
RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    WITH rel AS (
        UPDATE public.job_queue q SET status = 'pending', run_at = pg_catalog.now(), locked_until = NULL,
               max_attempts = q.max_attempts + 1, updated_at = pg_catalog.now()
        WHERE q.id = job_queue_release.id AND q.locked_until IS NOT NULL AND q.attempts = job_queue_release.attempt
        RETURNING q.id, q.attempts, q.locked_by, q.started_at
    ), hist AS (
        INSERT INTO public.job_queue_attempt_log (job_id, attempt, worker_id, started_at, outcome, error)
        SELECT r.id, r.attempts, r.locked_by, r.started_at, 'released', job_queue_release.reason FROM rel r
    ), wake AS (
        SELECT pg_catalog.pg_notify('pgcadence_job_queue', '') FROM rel LIMIT 1
    )
    SELECT EXISTS (SELECT 1 FROM rel) AND (SELECT pg_catalog.count(*) FROM wake) >= 0
$$;
COMMENT ON FUNCTION public.job_queue_release(uuid, integer, text) IS
    'Worker: hand a running attempt back unfinished (due again now; does not use up an attempt). Fenced by attempt.';
