-- The durable job queue (seed 002, Phase 3): job_queue + attempt history, atomic
-- claims with leases, retries with capped exponential backoff and jitter, a
-- processing switch, metrics, cleanup; plus profiles / is_admin_user() (the admin
-- check the queue's RLS and the cron management functions rely on).
--
-- Throughput notes (what keeps claim + complete fast and flat as the table grows):
--  * the claim reads a partial index that holds pending jobs only, in claim order,
--    so "the next N due jobs" is an index range scan whatever the table holds;
--  * a job row is updated twice (claim, finish) and nothing else is written for a
--    job that succeeds at once: the current or successful last attempt *is* the job
--    row; job_queue_attempt_log holds only attempts that ended otherwise (failed,
--    lease expired, cancelled, released) and the view job_queue_attempts joins both;
--  * each update writes three indexes (pkey, task_type, and either the lease index or
--    (status, run_at), which leaves running jobs out); expired leases are probed by
--    lease end, and the finishing functions find rows by primary key, so no query
--    walks the dead entries finished jobs leave behind;
--  * fillfactor 70 keeps new row versions on the same heap page, and per-table
--    autovacuum settings (no scale factor, no cost delay) vacuum the churn early.

-- ============================================================ profiles / admin check
-- Supabase projects usually have public.profiles already: it is created only when
-- missing (and then marked by its comment, which the rollback checks).
DO $$
BEGIN
    IF to_regclass('public.profiles') IS NULL THEN
        CREATE TABLE public.profiles (
            id uuid PRIMARY KEY,
            role text NOT NULL DEFAULT 'user',
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now()
        );
        COMMENT ON TABLE public.profiles IS
            'pgcadence: one row per auth user (id = auth.uid()); role ''admin'' makes is_admin_user() true.';
        ALTER TABLE public.profiles ENABLE ROW LEVEL SECURITY;
        CREATE POLICY profiles_read_own ON public.profiles
            FOR SELECT TO authenticated USING (id = (SELECT auth.uid()));
        REVOKE ALL ON public.profiles FROM PUBLIC, anon, authenticated;
        GRANT SELECT ON public.profiles TO authenticated;
        GRANT SELECT, INSERT, UPDATE, DELETE ON public.profiles TO service_role;
    ELSIF NOT EXISTS (SELECT 1 FROM pg_attribute
                      WHERE attrelid = 'public.profiles'::regclass AND attname = 'role' AND NOT attisdropped) THEN
        RAISE EXCEPTION 'public.profiles exists but has no "role" column; add one (text, ''admin'' for admins) and migrate again';
    END IF;
END
$$;

DO $$
BEGIN
    IF to_regprocedure('public.is_admin_user()') IS NULL THEN
        -- True when the requesting user (auth.uid()) has profiles.role = 'admin'.
        CREATE FUNCTION public.is_admin_user() RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $f$
            SELECT EXISTS (
                SELECT 1 FROM public.profiles p
                WHERE p.id = auth.uid() AND p.role = 'admin'
            )
        $f$;
        COMMENT ON FUNCTION public.is_admin_user() IS
            'True when the requesting user (auth.uid()) has profiles.role = ''admin''.';
        REVOKE ALL ON FUNCTION public.is_admin_user() FROM PUBLIC;
        GRANT EXECUTE ON FUNCTION public.is_admin_user() TO anon, authenticated, service_role;
        INSERT INTO pgcadence.created_objects VALUES ('function', 'public.is_admin_user()');
    END IF;
END
$$;

-- ============================================================ tables
-- Settings of the queue: one row. Changed through job_queue_pause()/resume(), or by a
-- DBA with UPDATE (backoff and payload limit).
CREATE TABLE pgcadence.job_queue_settings (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    paused boolean NOT NULL DEFAULT false,
    paused_at timestamptz,
    paused_by text,
    backoff_base interval NOT NULL DEFAULT '10 seconds' CHECK (backoff_base > '0'),
    backoff_cap interval NOT NULL DEFAULT '1 hour',
    backoff_jitter double precision NOT NULL DEFAULT 0.25 CHECK (backoff_jitter BETWEEN 0 AND 1),
    max_payload_bytes integer NOT NULL DEFAULT 262144 CHECK (max_payload_bytes > 0),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (backoff_cap >= backoff_base)
);
COMMENT ON TABLE pgcadence.job_queue_settings IS
    'Job queue switch and tunables: paused (claims return nothing), backoff base/cap/jitter, payload size limit.';
INSERT INTO pgcadence.job_queue_settings DEFAULT VALUES;
ALTER TABLE pgcadence.job_queue_settings ENABLE ROW LEVEL SECURITY;  -- no policy: only its owner and definer functions

CREATE TABLE public.job_queue (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    task_type text NOT NULL CHECK (task_type ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$'),
    payload jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(payload) = 'object'),
    status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
    run_at timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts integer NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    priority integer NOT NULL DEFAULT 0,
    locked_by text,
    locked_until timestamptz,
    started_at timestamptz,
    dedupe_key text,
    result jsonb,
    finished_at timestamptz,
    -- a job is running exactly while it holds a lease; the finishing functions fence on
    -- "locked_until IS NOT NULL" (by primary key) rather than on status, so that no plan
    -- can wander into an index range full of dead 'running' entries
    CHECK ((status = 'running') = (locked_until IS NOT NULL)),
    CHECK (status <> 'running' OR started_at IS NOT NULL)
) WITH (
    fillfactor = 70,
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 2000,
    autovacuum_vacuum_insert_scale_factor = 0,
    autovacuum_vacuum_insert_threshold = 20000,
    autovacuum_analyze_scale_factor = 0.02,
    autovacuum_vacuum_cost_delay = 0
);
COMMENT ON TABLE public.job_queue IS
    'Durable job queue (seed 002 Phase 3). Change it through the job_queue_* functions; service_role and admins only.';
COMMENT ON COLUMN public.job_queue.attempts IS 'Attempts started so far (the claim increments it); the running attempt''s number.';
COMMENT ON COLUMN public.job_queue.locked_by IS 'Worker of the current (or last) attempt.';
COMMENT ON COLUMN public.job_queue.locked_until IS 'Lease end of a running job; once past, any claim may take the job back.';
COMMENT ON COLUMN public.job_queue.started_at IS 'Start of the current (or last) attempt.';
COMMENT ON COLUMN public.job_queue.dedupe_key IS 'At most one pending or running job per key.';
COMMENT ON COLUMN public.job_queue.result IS 'What the handler returned on success.';

-- Attempts that did not end in success (and successes that were later replayed):
-- one row each. The running attempt and a job's successful last attempt are the job
-- row itself; the view job_queue_attempts shows the whole history, one row per attempt.
-- No foreign key to job_queue: rows are written only by the definer functions and
-- removed with their job by job_queue_cleanup(); this keeps RI triggers off the hot path.
CREATE TABLE public.job_queue_attempt_log (
    job_id uuid NOT NULL,
    attempt integer NOT NULL CHECK (attempt >= 1),
    worker_id text,
    started_at timestamptz,
    finished_at timestamptz NOT NULL DEFAULT now(),
    outcome text NOT NULL CHECK (outcome IN ('succeeded', 'failed', 'lease_expired', 'cancelled', 'released')),
    error text,
    duration interval GENERATED ALWAYS AS (finished_at - started_at) STORED,
    PRIMARY KEY (job_id, attempt)
) WITH (
    autovacuum_vacuum_insert_scale_factor = 0,
    autovacuum_vacuum_insert_threshold = 50000,
    autovacuum_analyze_scale_factor = 0.02
);
COMMENT ON TABLE public.job_queue_attempt_log IS
    'Ended attempts other than a job''s successful last one (see the job_queue_attempts view for the full history).';

-- ============================================================ indexes
-- (status, run_at) as the seed asks, for every status but running: running jobs are
-- few and have their own index, and leaving them out spares the claim an index write.
CREATE INDEX job_queue_status_run_at_idx ON public.job_queue (status, run_at) WHERE status <> 'running';
-- (task_type) as the seed asks, for the rows an operator filters by type: waiting and
-- failed jobs (the admin list, "replay failures of type X"). Leaving out running and
-- finished rows spares every claim and every completion an index write.
CREATE INDEX job_queue_task_type_idx ON public.job_queue (task_type) WHERE status IN ('pending', 'failed');
-- The claim's range scan: pending jobs only, in claim order.
CREATE INDEX job_queue_claimable_idx ON public.job_queue (priority DESC, run_at) WHERE status = 'pending';
-- Running jobs by lease end: the claim's expired-lease probe reads only keys below
-- now(), so entries of jobs finished since (dead until vacuumed) are never walked.
CREATE INDEX job_queue_lease_idx ON public.job_queue (locked_until) WHERE status = 'running';
CREATE UNIQUE INDEX job_queue_dedupe_key_idx ON public.job_queue (dedupe_key)
    WHERE dedupe_key IS NOT NULL AND status IN ('pending', 'running');
-- Append-only timestamps: BRIN costs next to nothing and serves "failures in the last hour".
CREATE INDEX job_queue_attempt_log_finished_at_idx ON public.job_queue_attempt_log USING brin (finished_at);

-- ============================================================ functions
-- Raise 42501 unless the caller is service_role (or a member, or a superuser) or an admin.
-- Inside SECURITY DEFINER current_user is the owner, so the caller is read from the
-- session: SET ROLE (as PostgREST does) or else the login role.
CREATE FUNCTION pgcadence.job_queue_require_manager(fn text) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    caller name := CASE WHEN pg_catalog.current_setting('role') = 'none' THEN session_user
                        ELSE pg_catalog.current_setting('role')::name END;
BEGIN
    IF pg_catalog.pg_has_role(caller, 'service_role', 'MEMBER') OR public.is_admin_user() THEN
        RETURN;
    END IF;
    RAISE EXCEPTION '%: permission denied: only service_role or an admin (profiles.role = ''admin'') may manage the job queue', fn
        USING ERRCODE = '42501';
END
$$;
REVOKE ALL ON FUNCTION pgcadence.job_queue_require_manager(text) FROM PUBLIC;

-- Delay before retrying after the attempt-th failure: least(cap, base * 2^(attempt-1)),
-- stretched by up to backoff_jitter (u in [0,1), random when NULL), never beyond cap.
CREATE FUNCTION public.job_queue_retry_delay(attempt integer, u double precision DEFAULT NULL)
RETURNS interval
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
    SELECT pg_catalog.make_interval(secs => LEAST(
               extract(epoch FROM s.backoff_cap)::double precision,
               LEAST(extract(epoch FROM s.backoff_cap)::double precision,
                     extract(epoch FROM s.backoff_base)::double precision
                       * pg_catalog.power(2::double precision, LEAST(GREATEST(attempt, 1) - 1, 60)))
               * (1 + s.backoff_jitter * COALESCE(u, pg_catalog.random()))))
    FROM pgcadence.job_queue_settings s
$$;
COMMENT ON FUNCTION public.job_queue_retry_delay(integer, double precision) IS
    'Backoff after the attempt-th failure: least(cap, base*2^(attempt-1)) * (1 + jitter*u), capped at cap; u random in [0,1) when NULL.';

-- Validate one job and insert it; shared by both enqueue forms.
CREATE FUNCTION pgcadence.job_queue_check(fn text, task_type text, payload jsonb, max_attempts integer, max_payload integer)
RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = '' AS $$
DECLARE
    size integer;
BEGIN
    IF task_type IS NULL OR task_type = '' THEN
        RAISE EXCEPTION '%: task_type is required', fn USING ERRCODE = '22023';
    END IF;
    IF task_type !~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$' THEN
        RAISE EXCEPTION '%: invalid task_type "%" (letters, digits, _ . : - ; at most 100 characters)',
            fn, pg_catalog.left(task_type, 120) USING ERRCODE = '22023';
    END IF;
    IF payload IS NOT NULL AND pg_catalog.jsonb_typeof(payload) <> 'object' THEN
        RAISE EXCEPTION '%: payload must be a JSON object, got %', fn, pg_catalog.jsonb_typeof(payload)
            USING ERRCODE = '22023';
    END IF;
    size := pg_catalog.pg_column_size(payload);
    IF size > max_payload THEN
        RAISE EXCEPTION '%: payload is % bytes; the limit is % bytes', fn, size, max_payload
            USING ERRCODE = '54000', HINT = 'Store large data elsewhere and put its key in the payload.';
    END IF;
    IF max_attempts IS NOT NULL AND max_attempts < 1 THEN
        RAISE EXCEPTION '%: max_attempts must be at least 1 (got %)', fn, max_attempts USING ERRCODE = '22023';
    END IF;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.job_queue_check(text, text, jsonb, integer, integer) FROM PUBLIC;

-- Add one job; returns its id. Errors on bad input or a live job with the same dedupe_key.
CREATE FUNCTION public.job_queue_enqueue(
    task_type text,
    payload jsonb DEFAULT '{}',
    run_at timestamptz DEFAULT NULL,
    max_attempts integer DEFAULT 3,
    priority integer DEFAULT 0,
    dedupe_key text DEFAULT NULL
) RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
#variable_conflict use_column
DECLARE
    new_id uuid;
    existing uuid;
BEGIN
    PERFORM pgcadence.job_queue_require_manager('job_queue_enqueue');
    PERFORM pgcadence.job_queue_check('job_queue_enqueue', task_type, payload, max_attempts,
                                      (SELECT s.max_payload_bytes FROM pgcadence.job_queue_settings s));
    INSERT INTO public.job_queue AS q (task_type, payload, run_at, max_attempts, priority, dedupe_key)
    VALUES (task_type, COALESCE(payload, '{}'), COALESCE(run_at, pg_catalog.now()),
            COALESCE(max_attempts, 3), COALESCE(priority, 0), dedupe_key)
    ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('pending', 'running') DO NOTHING
    RETURNING q.id INTO new_id;
    IF new_id IS NULL THEN
        SELECT q.id INTO existing FROM public.job_queue q
        WHERE q.dedupe_key = job_queue_enqueue.dedupe_key AND q.status IN ('pending', 'running');
        RAISE EXCEPTION 'job_queue_enqueue: a pending or running job with dedupe_key "%" already exists (id %)',
            dedupe_key, existing USING ERRCODE = '23505';
    END IF;
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION public.job_queue_enqueue(text, jsonb, timestamptz, integer, integer, text) IS
    'Add a job (pending at run_at, default now). payload: a JSON object of at most max_payload_bytes (256 KiB). Returns the id.';

-- Add many jobs in one statement: a JSON array of objects with the enqueue arguments as keys.
CREATE FUNCTION public.job_queue_enqueue_batch(jobs jsonb) RETURNS SETOF uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    max_payload integer := (SELECT s.max_payload_bytes FROM pgcadence.job_queue_settings s);
    j record;
    wanted integer;
    ids uuid[];
    dup text;
BEGIN
    PERFORM pgcadence.job_queue_require_manager('job_queue_enqueue_batch');
    IF jobs IS NULL OR pg_catalog.jsonb_typeof(jobs) <> 'array' THEN
        RAISE EXCEPTION 'job_queue_enqueue_batch: jobs must be a JSON array of objects' USING ERRCODE = '22023';
    END IF;
    FOR j IN SELECT e.value AS v, e.ordinality AS n FROM pg_catalog.jsonb_array_elements(jobs) WITH ORDINALITY e LOOP
        IF pg_catalog.jsonb_typeof(j.v) <> 'object' THEN
            RAISE EXCEPTION 'job_queue_enqueue_batch: element % is not an object', j.n USING ERRCODE = '22023';
        END IF;
        IF j.v ? 'max_attempts' AND pg_catalog.jsonb_typeof(j.v -> 'max_attempts') <> 'number' THEN
            RAISE EXCEPTION 'job_queue_enqueue_batch: element %: max_attempts must be a number', j.n USING ERRCODE = '22023';
        END IF;
        PERFORM pgcadence.job_queue_check('job_queue_enqueue_batch (element ' || j.n || ')',
                                          j.v ->> 'task_type', j.v -> 'payload', (j.v ->> 'max_attempts')::integer, max_payload);
    END LOOP;
    wanted := pg_catalog.jsonb_array_length(jobs);
    WITH ins AS (
        INSERT INTO public.job_queue AS q (task_type, payload, run_at, max_attempts, priority, dedupe_key)
        SELECT e ->> 'task_type', COALESCE(e -> 'payload', '{}'),
               COALESCE((e ->> 'run_at')::timestamptz, pg_catalog.now()),
               COALESCE((e ->> 'max_attempts')::integer, 3), COALESCE((e ->> 'priority')::integer, 0),
               e ->> 'dedupe_key'
        FROM pg_catalog.jsonb_array_elements(jobs) e
        ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('pending', 'running') DO NOTHING
        RETURNING q.id
    )
    SELECT pg_catalog.array_agg(ins.id) INTO ids FROM ins;
    IF COALESCE(pg_catalog.cardinality(ids), 0) < wanted THEN
        SELECT e ->> 'dedupe_key' INTO dup FROM pg_catalog.jsonb_array_elements(jobs) e
        WHERE e ->> 'dedupe_key' IS NOT NULL
          AND (EXISTS (SELECT 1 FROM public.job_queue q WHERE q.dedupe_key = e ->> 'dedupe_key'
                       AND q.status IN ('pending', 'running') AND q.id <> ALL (COALESCE(ids, '{}')))
               OR (SELECT pg_catalog.count(*) FROM pg_catalog.jsonb_array_elements(jobs) f
                   WHERE f ->> 'dedupe_key' = e ->> 'dedupe_key') > 1)
        LIMIT 1;
        RAISE EXCEPTION 'job_queue_enqueue_batch: a pending or running job with dedupe_key "%" already exists (nothing enqueued)',
            dup USING ERRCODE = '23505';
    END IF;
    RETURN QUERY SELECT pg_catalog.unnest(ids);
END
$$;
COMMENT ON FUNCTION public.job_queue_enqueue_batch(jsonb) IS
    'Add many jobs at once: [{"task_type":..,"payload":{..},"run_at":..,"max_attempts":..,"priority":..,"dedupe_key":..}, ...]. All or nothing.';

-- Take up to batch_size due jobs for worker_id for lease: one statement, SKIP LOCKED.
-- Jobs whose lease expired are taken back first (their lost attempt is recorded);
-- one whose last allowed attempt expired is marked failed instead.
CREATE FUNCTION public.job_queue_claim(batch_size integer DEFAULT 10, worker_id text DEFAULT NULL,
                                       lease interval DEFAULT '5 minutes')
RETURNS TABLE (id uuid, task_type text, payload jsonb, attempt integer, max_attempts integer,
               locked_until timestamptz, priority integer, run_at timestamptz, created_at timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
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
CREATE FUNCTION public.job_queue_complete(id uuid, result jsonb DEFAULT NULL, attempt integer DEFAULT NULL)
RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
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
CREATE FUNCTION public.job_queue_complete_batch(ids uuid[], attempts integer[], results jsonb[] DEFAULT NULL)
RETURNS SETOF uuid
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
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
CREATE FUNCTION public.job_queue_complete_and_claim(ids uuid[], attempts integer[], batch_size integer DEFAULT 10,
                                                    worker_id text DEFAULT NULL, lease interval DEFAULT '5 minutes',
                                                    results jsonb[] DEFAULT NULL)
RETURNS TABLE (id uuid, task_type text, payload jsonb, attempt integer, max_attempts integer,
               locked_until timestamptz, priority integer, run_at timestamptz, created_at timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
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
CREATE FUNCTION public.job_queue_fail(id uuid, error text, attempt integer DEFAULT NULL)
RETURNS TABLE (status text, run_at timestamptz, attempts integer)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
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
CREATE FUNCTION public.job_queue_heartbeat(id uuid, extend interval DEFAULT '5 minutes', attempt integer DEFAULT NULL)
RETURNS timestamptz
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
    UPDATE public.job_queue q SET locked_until = pg_catalog.now() + job_queue_heartbeat.extend, updated_at = pg_catalog.now()
    WHERE q.id = job_queue_heartbeat.id AND q.locked_until IS NOT NULL AND job_queue_heartbeat.extend > '0'
      AND (job_queue_heartbeat.attempt IS NULL OR q.attempts = job_queue_heartbeat.attempt)
    RETURNING q.locked_until
$$;
COMMENT ON FUNCTION public.job_queue_heartbeat(uuid, interval, integer) IS
    'Extend a running job''s lease to now() + extend; NULL when the job is no longer this attempt''s.';

-- Give a running job back unfinished (a worker shutting down): pending again, due now;
-- the released attempt is recorded and does not count against max_attempts.
CREATE FUNCTION public.job_queue_release(id uuid, attempt integer, reason text DEFAULT 'released by worker')
RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
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

-- Raise a clear error when no job has this id.
CREATE FUNCTION pgcadence.job_queue_not_found(fn text, job uuid) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = '' AS $$
BEGIN
    RAISE EXCEPTION '%: no job with id %', fn, job USING ERRCODE = 'P0002';
END
$$;
REVOKE ALL ON FUNCTION pgcadence.job_queue_not_found(text, uuid) FROM PUBLIC;

-- Run a job again now: failed, cancelled or succeeded jobs go back to pending with
-- extra_attempts more tries; a pending job is made due now. Returns the new status.
CREATE FUNCTION public.job_queue_retry(id uuid, extra_attempts integer DEFAULT 1) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
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
CREATE FUNCTION public.job_queue_cancel(id uuid) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
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
CREATE FUNCTION public.job_queue_pause() RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
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
CREATE FUNCTION public.job_queue_resume() RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
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
CREATE FUNCTION public.job_queue_paused() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT s.paused FROM pgcadence.job_queue_settings s
$$;
COMMENT ON FUNCTION public.job_queue_paused() IS 'Whether processing is paused (see job_queue_pause()).';

-- When the next pending job becomes due (NULL: none pending); workers sleep until then.
CREATE FUNCTION public.job_queue_next_run_at() RETURNS timestamptz
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT LEAST(
        (SELECT pg_catalog.min(j.run_at) FROM public.job_queue j WHERE j.status = 'pending'),
        (SELECT pg_catalog.min(j.locked_until) FROM public.job_queue j WHERE j.status = 'running'))
$$;
COMMENT ON FUNCTION public.job_queue_next_run_at() IS
    'Earliest time a claim could find work: the next pending run_at or running lease end; NULL when none.';

-- Delete finished jobs (default: succeeded, as seed 002) whose finished_at is older than
-- retain, with their attempt history. Returns how many jobs were deleted.
CREATE FUNCTION public.job_queue_cleanup(retain interval DEFAULT '14 days', statuses text[] DEFAULT '{succeeded}')
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
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
CREATE FUNCTION public.job_queue_list(status text DEFAULT NULL, task_type text DEFAULT NULL, max_rows integer DEFAULT 50)
RETURNS SETOF public.job_queue
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    PERFORM pgcadence.job_queue_require_manager('job_queue_list');
    IF status IS NOT NULL AND status NOT IN ('pending', 'running', 'succeeded', 'failed', 'cancelled') THEN
        RAISE EXCEPTION 'job_queue_list: unknown status "%" (expected pending, running, succeeded, failed, cancelled)', status
            USING ERRCODE = '22023';
    END IF;
    IF max_rows IS NULL OR max_rows < 1 THEN
        RAISE EXCEPTION 'job_queue_list: max_rows must be at least 1 (got %)', max_rows USING ERRCODE = '22023';
    END IF;
    RETURN QUERY
    SELECT q.* FROM public.job_queue q
    WHERE (job_queue_list.status IS NULL OR q.status = job_queue_list.status)
      AND (job_queue_list.task_type IS NULL OR q.task_type = job_queue_list.task_type)
    ORDER BY q.created_at DESC
    LIMIT max_rows;
END
$$;
COMMENT ON FUNCTION public.job_queue_list(text, text, integer) IS 'Admin: jobs newest first, optionally filtered by status and task_type.';

-- One job with its attempt history (the running attempt included), as JSON.
CREATE FUNCTION public.job_queue_get(id uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
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

-- Wake listening workers when jobs are added (one notification per statement).
CREATE FUNCTION pgcadence.job_queue_notify() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    PERFORM pg_catalog.pg_notify('pgcadence_job_queue', '');
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.job_queue_notify() FROM PUBLIC;

CREATE TRIGGER job_queue_notify AFTER INSERT ON public.job_queue
    FOR EACH STATEMENT EXECUTE FUNCTION pgcadence.job_queue_notify();

-- ============================================================ views
-- The whole attempt history, one row per attempt: the log plus the attempt that lives
-- on the job row (running now, or the successful last one).
CREATE VIEW public.job_queue_attempts WITH (security_invoker = true) AS
SELECT l.job_id, l.attempt, l.worker_id, l.started_at, l.finished_at, l.outcome, l.error, l.duration
FROM public.job_queue_attempt_log l
UNION ALL
SELECT q.id, q.attempts, q.locked_by, q.started_at,
       CASE WHEN q.status = 'succeeded' THEN q.finished_at END,
       CASE WHEN q.status = 'succeeded' THEN 'succeeded' ELSE 'running' END,
       NULL::text,
       CASE WHEN q.status = 'succeeded' THEN q.finished_at - q.started_at END
FROM public.job_queue q
WHERE q.status IN ('running', 'succeeded') AND q.attempts > 0;
COMMENT ON VIEW public.job_queue_attempts IS
    'Attempt history of job_queue, one row per attempt: worker, start, end, outcome (running, succeeded, failed, lease_expired, cancelled, released), error, duration.';

-- Queue health per task type (security_invoker: callers see what RLS lets them).
CREATE VIEW public.job_queue_metrics WITH (security_invoker = true) AS
SELECT q.task_type,
       pg_catalog.count(*) FILTER (WHERE q.status = 'pending') AS pending,
       pg_catalog.count(*) FILTER (WHERE q.status = 'pending' AND q.run_at <= pg_catalog.now()) AS due,
       pg_catalog.count(*) FILTER (WHERE q.status = 'running') AS running,
       pg_catalog.count(*) FILTER (WHERE q.status = 'succeeded') AS succeeded,
       pg_catalog.count(*) FILTER (WHERE q.status = 'failed') AS failed,
       pg_catalog.count(*) FILTER (WHERE q.status = 'cancelled') AS cancelled,
       pg_catalog.now() - pg_catalog.min(q.run_at) FILTER (WHERE q.status = 'pending' AND q.run_at <= pg_catalog.now())
           AS oldest_pending_age,
       (SELECT pg_catalog.count(*) FROM public.job_queue_attempt_log a JOIN public.job_queue j ON j.id = a.job_id
        WHERE j.task_type = q.task_type AND a.outcome IN ('failed', 'lease_expired')
          AND a.finished_at > pg_catalog.now() - interval '1 hour') AS failures_last_hour
FROM public.job_queue q
GROUP BY q.task_type;
COMMENT ON VIEW public.job_queue_metrics IS
    'Per task type: counts by status, due now, age of the oldest due job, failed attempts in the last hour.';

-- ============================================================ policies
ALTER TABLE public.job_queue ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.job_queue_attempt_log ENABLE ROW LEVEL SECURITY;
-- service_role bypasses RLS; admins read through these (writes go through the functions).
CREATE POLICY job_queue_admin_read ON public.job_queue
    FOR SELECT TO authenticated USING ((SELECT public.is_admin_user()));
CREATE POLICY job_queue_attempt_log_admin_read ON public.job_queue_attempt_log
    FOR SELECT TO authenticated USING ((SELECT public.is_admin_user()));

-- ============================================================ grants
REVOKE ALL ON public.job_queue, public.job_queue_attempt_log, public.job_queue_attempts, public.job_queue_metrics
    FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.job_queue, public.job_queue_attempt_log TO service_role;
GRANT SELECT ON public.job_queue, public.job_queue_attempt_log, public.job_queue_attempts, public.job_queue_metrics
    TO authenticated, service_role;

DO $$
DECLARE
    f text;
BEGIN
    -- worker side: service_role only
    FOREACH f IN ARRAY ARRAY[
        'public.job_queue_claim(integer, text, interval)',
        'public.job_queue_complete(uuid, jsonb, integer)',
        'public.job_queue_complete_batch(uuid[], integer[], jsonb[])',
        'public.job_queue_complete_and_claim(uuid[], integer[], integer, text, interval, jsonb[])',
        'public.job_queue_fail(uuid, text, integer)',
        'public.job_queue_heartbeat(uuid, interval, integer)',
        'public.job_queue_release(uuid, integer, text)',
        'public.job_queue_next_run_at()']
    LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO service_role', f);
    END LOOP;
    -- management side: authenticated may call, the function checks is_admin_user()
    FOREACH f IN ARRAY ARRAY[
        'public.job_queue_enqueue(text, jsonb, timestamptz, integer, integer, text)',
        'public.job_queue_enqueue_batch(jsonb)',
        'public.job_queue_retry(uuid, integer)',
        'public.job_queue_cancel(uuid)',
        'public.job_queue_pause()',
        'public.job_queue_resume()',
        'public.job_queue_cleanup(interval, text[])',
        'public.job_queue_list(text, text, integer)',
        'public.job_queue_get(uuid)',
        'public.job_queue_paused()',
        'public.job_queue_retry_delay(integer, double precision)']
    LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO service_role, authenticated', f);
    END LOOP;
END
$$;

-- ============================================================ cron
-- Seed 002: delete succeeded jobs older than 14 days, daily at 03:15 UTC.
SELECT cron.schedule('job_queue_cleanup_daily', '15 3 * * *', $$SELECT public.job_queue_cleanup('14 days')$$);
