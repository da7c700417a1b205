-- The worker side of the queue: claim due jobs of the worker's task types for a lease
-- (one statement, SKIP LOCKED), then complete, fail, extend or release them, fenced by
-- the claim's lease token. Every public function here checks its caller first
-- (pgcadence.job_queue_require_worker): only service_role or the owner runs jobs.
--
-- job_queue_complete_and_claim holds the logic once, inline (it is the worker's hot path:
-- PL/pgSQL, so each session plans its statements once); the other worker functions are
-- thin wrappers around it.

-- ============================================================ internal
-- Seconds until a claim for p_types could find work (the next pending run_at or running
-- lease end); NULL when none. Infinite times never break it: 'infinity' is never due.
CREATE OR REPLACE FUNCTION pgcadence.job_queue_next_due(p_types text[]) RETURNS double precision
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t timestamptz;
BEGIN
    t := LEAST(
        (SELECT j.run_at FROM public.job_queue j
         WHERE j.status = 'pending' AND (p_types IS NULL OR j.task_type = ANY (p_types)) AND j.run_at < 'infinity'
         ORDER BY j.run_at LIMIT 1),
        (SELECT j.locked_until FROM public.job_queue j
         WHERE j.status = 'running' AND (p_types IS NULL OR j.task_type = ANY (p_types))
         ORDER BY j.locked_until LIMIT 1));
    IF t IS NULL THEN
        RETURN NULL;
    ELSIF NOT pg_catalog.isfinite(t) THEN
        RETURN 0;  -- '-infinity': due now
    END IF;
    RETURN GREATEST(0, extract(epoch FROM t - pg_catalog.clock_timestamp()))::double precision;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.job_queue_next_due(text[]) FROM PUBLIC, anon, authenticated;

-- Raise 22023 on a claim's bad arguments.
CREATE OR REPLACE FUNCTION pgcadence.job_queue_check_claim(fn text, batch_size integer, worker_id text, lease interval)
RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF batch_size IS NULL OR batch_size < 1 OR batch_size > 10000 THEN
        RAISE EXCEPTION '%: batch_size must be between 1 and 10000 (got %)', fn, batch_size USING ERRCODE = '22023';
    END IF;
    IF worker_id IS NULL OR worker_id = '' OR pg_catalog.length(worker_id) > 200 THEN
        RAISE EXCEPTION '%: worker_id is required (at most 200 characters)', fn USING ERRCODE = '22023';
    END IF;
    PERFORM pgcadence.job_queue_check_lease(fn, 'lease', lease);
END
$$;
REVOKE ALL ON FUNCTION pgcadence.job_queue_check_claim(text, integer, text, interval) FROM PUBLIC, anon, authenticated;

-- ============================================================ the worker's loop in one round trip
-- Finish the previous jobs and claim the next ones in one statement and one commit:
-- ids/lease_tokens/results succeeded, failed_ids/failed_tokens/errors failed (retry after
-- job_queue_retry_delay, or 'failed' at max_attempts); then claim up to batch_size (0:
-- claim nothing) due jobs of task_types (NULL: any) for worker_id for lease, with SKIP
-- LOCKED, in claim order from where this session's last claim started (see "claim
-- position" below): expired leases are taken back first (the lost attempt is recorded),
-- one whose last allowed attempt expired is marked failed instead; every job of the claim
-- gets the same fresh random lease token. Rows: one per claimed job (kind 'job'), per
-- failure ('retry' or 'failed', with the next run_at), per attempt its claim no longer
-- holds ('lost': lease expired and taken back, cancelled, finished; successes that applied
-- return nothing); and when fewer jobs than batch_size were claimed, one last row:
-- 'paused', or 'wait' with wait_s, the seconds until a claim could find work (NULL: none).
CREATE OR REPLACE FUNCTION public.job_queue_complete_and_claim(
    ids uuid[], lease_tokens bigint[], results jsonb[] DEFAULT NULL,
    batch_size integer DEFAULT 10, worker_id text DEFAULT NULL, lease interval DEFAULT '5 minutes',
    task_types text[] DEFAULT NULL,
    failed_ids uuid[] DEFAULT NULL, failed_tokens bigint[] DEFAULT NULL, errors text[] DEFAULT NULL)
RETURNS TABLE (kind text, id uuid, lease_token bigint, task_type text, payload jsonb, attempt integer,
               max_attempts integer, run_at timestamptz, locked_until timestamptz, wait_s double precision)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
-- One plan per statement per session: planning them again on every call (PL/pgSQL's
-- custom plans for the array and batch-size parameters) cost more than running them.
-- A generic plan is made once, maybe while the table is small, and kept while it grows:
-- so job_queue's rows are found only by id = ANY, by ctid or through the claim indexes,
-- and sequential scans are off, so no plan can read the whole table. Nested loops are
-- off: a generic plan guesses ten elements per array, and matching the finished jobs to
-- their tokens in a nested loop, good for ten, is quadratic in a batch of thousands (a
-- hash join stays linear). JIT is off: the cost a disabled scan is given would otherwise
-- have a one-row read of the settings compiled on every call.
SET plan_cache_mode = force_generic_plan SET enable_seqscan = off SET jit = off SET enable_nestloop = off AS $$
#variable_conflict use_column
DECLARE
    n integer := 0;  -- jobs claimed so far
    m integer;
    tok bigint;
    applied uuid[];
    settings record;
    p_worker text := worker_id;
    p_lease interval := lease;
    p_types text[] := task_types;
    -- where the usual claim starts (see "claim position" below): the whole index unless
    -- this session's last claim left a position for the same task types
    types_key text := COALESCE(task_types::text, '*') || '|';
    pos text;
    pos_priority integer;  -- NULL: from the head of the index
    pos_run_at timestamptz;
    pos_since double precision;
    locked tid[];
    first_priority integer;
    first_run_at timestamptz;
BEGIN
    PERFORM pgcadence.job_queue_require_worker('job_queue_complete_and_claim');
    SELECT s.paused, s.max_lease INTO settings FROM pgcadence.job_queue_settings s;
    -- the hot path checks inline and calls job_queue_check_claim (which words the error)
    -- only when something is wrong: a nested call per round trip costs more than the claim's checks
    IF batch_size IS DISTINCT FROM 0
       AND (batch_size IS NULL OR batch_size < 1 OR batch_size > 10000 OR p_worker IS NULL OR p_worker = ''
            OR pg_catalog.length(p_worker) > 200 OR p_lease IS NULL OR p_lease <= '0' OR p_lease > settings.max_lease) THEN
        PERFORM pgcadence.job_queue_check_claim('job_queue_complete_and_claim', batch_size, p_worker, p_lease);
    END IF;
    IF pg_catalog.cardinality(ids) > 0 THEN
        -- the ids that applied, in an array: matching every id against them (an anti-join)
        -- is needed only when some did not, which is rare
        WITH done AS (
            UPDATE public.job_queue q SET status = 'succeeded', result = i.res,
                   finished_at = pg_catalog.now(), updated_at = pg_catalog.now(), locked_until = NULL
            FROM ROWS FROM (pg_catalog.unnest(ids), pg_catalog.unnest(lease_tokens), pg_catalog.unnest(results)) AS i(id, tok, res)
            WHERE q.id = ANY (ids) AND q.id = i.id AND q.lease_token = i.tok AND q.locked_until IS NOT NULL
            RETURNING q.id
        )
        SELECT pg_catalog.array_agg(d.id) INTO applied FROM done d;
        IF pg_catalog.cardinality(applied) IS DISTINCT FROM pg_catalog.cardinality(ids) THEN
            RETURN QUERY
            SELECT 'lost'::text, i.id, i.tok, NULL::text, NULL::jsonb, NULL::integer, NULL::integer, NULL::timestamptz,
                   NULL::timestamptz, NULL::double precision
            FROM ROWS FROM (pg_catalog.unnest(ids), pg_catalog.unnest(lease_tokens)) AS i(id, tok)
            WHERE i.id IS NULL OR NOT (i.id = ANY (COALESCE(applied, '{}')));
        END IF;
    END IF;
    IF pg_catalog.cardinality(failed_ids) > 0 THEN
        RETURN QUERY
        WITH failed AS (
            UPDATE public.job_queue q SET
                status = CASE WHEN q.attempts >= q.max_attempts THEN 'failed' ELSE 'pending' END,
                run_at = CASE WHEN q.attempts >= q.max_attempts THEN q.run_at
                              ELSE pg_catalog.now() + public.job_queue_retry_delay(q.attempts) END,
                finished_at = CASE WHEN q.attempts >= q.max_attempts THEN pg_catalog.now() END,
                last_error = pg_catalog.left(COALESCE(i.err, 'unknown error'), 8192),
                locked_until = NULL, updated_at = pg_catalog.now()
            FROM ROWS FROM (pg_catalog.unnest(failed_ids), pg_catalog.unnest(failed_tokens), pg_catalog.unnest(errors)) AS i(id, tok, err)
            WHERE q.id = ANY (failed_ids) AND q.id = i.id AND q.lease_token = i.tok AND q.locked_until IS NOT NULL
            RETURNING q.id, q.lease_token, q.task_type, q.status, q.run_at, q.attempts, q.max_attempts, q.locked_by,
                      q.started_at, q.last_error
        ), hist AS (
            INSERT INTO public.job_queue_attempt_log (job_id, attempt, worker_id, started_at, outcome, error)
            SELECT f.id, f.attempts, f.locked_by, f.started_at, 'failed', f.last_error FROM failed f
        )
        SELECT CASE WHEN f.status = 'pending' THEN 'retry' ELSE 'failed' END, f.id, f.lease_token, f.task_type, NULL::jsonb,
               f.attempts, f.max_attempts, f.run_at, NULL::timestamptz, NULL::double precision
        FROM failed f
        UNION ALL
        SELECT 'lost', i.id, i.tok, NULL, NULL, NULL, NULL, NULL, NULL, NULL
        FROM ROWS FROM (pg_catalog.unnest(failed_ids), pg_catalog.unnest(failed_tokens)) AS i(id, tok)
        WHERE NOT EXISTS (SELECT 1 FROM failed f WHERE f.id = i.id);
    END IF;
    IF batch_size = 0 THEN
        RETURN;
    END IF;
    IF settings.paused THEN
        RETURN QUERY SELECT 'paused'::text, NULL::uuid, NULL::bigint, NULL::text, NULL::jsonb, NULL::integer,
                            NULL::integer, NULL::timestamptz, NULL::timestamptz, NULL::double precision;
        RETURN;
    END IF;
    tok := (pg_catalog.random() * 4503599627370495)::bigint;  -- 52 random bits
    -- Expired leases first, in their own statement and only when the lease index holds
    -- one: their lost attempt is recorded, and one whose last allowed attempt expired is
    -- marked failed instead of claimed. The usual claim below then writes plain values.
    IF EXISTS (SELECT 1 FROM public.job_queue j
               WHERE j.status = 'running' AND j.locked_until < pg_catalog.now()
                 AND (p_types IS NULL OR j.task_type = ANY (p_types))) THEN
        RETURN QUERY
        WITH picked AS (
            SELECT j.ctid, j.id, j.attempts, j.locked_by, j.started_at, j.locked_until
            FROM public.job_queue j
            WHERE j.status = 'running' AND j.locked_until < pg_catalog.now()
              AND (p_types IS NULL OR j.task_type = ANY (p_types))
            ORDER BY j.locked_until
            LIMIT batch_size
            FOR UPDATE SKIP LOCKED
        ), lost AS (
            INSERT INTO public.job_queue_attempt_log (job_id, attempt, worker_id, started_at, outcome, error)
            SELECT p.id, p.attempts, p.locked_by, p.started_at, 'lease_expired',
                   'lease expired at ' || p.locked_until || ' (worker stopped without finishing)'
            FROM picked p
        ), claimed AS (
            -- the picked rows by ctid: this transaction holds their locks, so none moved
            UPDATE public.job_queue q SET
                status = CASE WHEN q.attempts >= q.max_attempts THEN 'failed' ELSE 'running' END,
                attempts = CASE WHEN q.attempts >= q.max_attempts THEN q.attempts ELSE q.attempts + 1 END,
                last_error = 'lease expired on attempt ' || q.attempts,
                finished_at = CASE WHEN q.attempts >= q.max_attempts THEN pg_catalog.now() END,
                locked_by = CASE WHEN q.attempts >= q.max_attempts THEN q.locked_by ELSE p_worker END,
                locked_until = CASE WHEN q.attempts >= q.max_attempts THEN NULL ELSE pg_catalog.now() + p_lease END,
                lease_token = CASE WHEN q.attempts >= q.max_attempts THEN q.lease_token ELSE tok END,
                started_at = CASE WHEN q.attempts >= q.max_attempts THEN q.started_at ELSE pg_catalog.now() END,
                updated_at = pg_catalog.now()
            WHERE q.ctid = ANY (ARRAY(SELECT p.ctid FROM picked p))
            RETURNING q.id, q.lease_token, q.task_type, q.payload, q.attempts, q.max_attempts, q.run_at, q.locked_until,
                      q.status, q.priority
        )
        SELECT 'job'::text, c.id, c.lease_token, c.task_type, c.payload, c.attempts, c.max_attempts, c.run_at,
               c.locked_until, NULL::double precision
        FROM claimed c WHERE c.status = 'running'
        ORDER BY c.priority DESC, c.run_at;
        GET DIAGNOSTICS n = ROW_COUNT;
    END IF;
    IF n < batch_size THEN
        -- Claim position. A claim walks the index from its head, and the head holds the
        -- entries of every job claimed since the last vacuum (dead, but only VACUUM
        -- removes them): up to thousands of pages on a busy queue, the claim's biggest
        -- cost. So a session keeps where its last claim started (the task types, the
        -- first claimed job's priority and run_at, in the setting pgcadence.claim_position)
        -- and the next one starts there: first jobs of a higher priority (the head of the
        -- index, before that position), then from the position on, then the same priority
        -- before it, then lower priorities, each branch read only if the ones before it
        -- came up short. A job that becomes due at the same priority before the position
        -- (enqueued with an earlier run_at) comes after the jobs from the position on;
        -- every second the session claims from the head again, so that lasts at most a
        -- second. The position is only where to start: a wrong one claims no job that is
        -- not due, and the first job is read from array_agg's input order, the claim order.
        pos := pg_catalog.current_setting('pgcadence.claim_position', true);
        IF pg_catalog.starts_with(pos, types_key) THEN
            pos := pg_catalog.substr(pos, pg_catalog.length(types_key) + 1);
            IF pos ~ '^-?[0-9]{1,10}\|[0-9]{1,12}(\.[0-9]+)?\|[0-9]{1,12}(\.[0-9]+)?$' THEN
                pos_since := pg_catalog.split_part(pos, '|', 3)::double precision;
                IF pg_catalog.abs(extract(epoch FROM pg_catalog.clock_timestamp())::double precision - pos_since) < 1 THEN
                    pos_priority := pg_catalog.split_part(pos, '|', 1)::integer;
                    -- a millisecond early: the epoch's text may round the time up
                    pos_run_at := pg_catalog.to_timestamp(pg_catalog.split_part(pos, '|', 2)::double precision) - interval '1 ms';
                END IF;
            END IF;
        END IF;
        IF pos_priority IS NULL THEN
            pos_since := extract(epoch FROM pg_catalog.clock_timestamp())::double precision;
        END IF;
        m := batch_size - n;
        -- lock the jobs to claim, in claim order (each branch reads the claim index in it;
        -- "priority >= p AND priority <= p", not "= p": with an equality the planner may
        -- read job_queue_status_run_at_idx and filter on priority, every pending job of
        -- other priorities after the position included)
        SELECT pg_catalog.array_agg(c.ctid), (pg_catalog.array_agg(c.priority))[1], (pg_catalog.array_agg(c.run_at))[1]
        INTO locked, first_priority, first_run_at
        FROM (
            SELECT a.ctid, a.priority, a.run_at FROM (
                SELECT j.ctid, j.priority, j.run_at FROM public.job_queue j
                WHERE j.status = 'pending' AND j.run_at <= pg_catalog.now() AND j.priority > pos_priority
                  AND (p_types IS NULL OR j.task_type = ANY (p_types))
                ORDER BY j.priority DESC, j.run_at LIMIT m FOR UPDATE SKIP LOCKED) a
            UNION ALL
            SELECT b.ctid, b.priority, b.run_at FROM (
                SELECT j.ctid, j.priority, j.run_at FROM public.job_queue j
                WHERE j.status = 'pending' AND j.run_at <= pg_catalog.now()
                  AND j.priority >= pos_priority AND j.priority <= pos_priority AND j.run_at >= pos_run_at
                  AND (p_types IS NULL OR j.task_type = ANY (p_types))
                ORDER BY j.priority DESC, j.run_at LIMIT m FOR UPDATE SKIP LOCKED) b
            UNION ALL
            SELECT e.ctid, e.priority, e.run_at FROM (
                SELECT j.ctid, j.priority, j.run_at FROM public.job_queue j
                WHERE j.status = 'pending' AND j.run_at <= pg_catalog.now()
                  AND j.priority >= pos_priority AND j.priority <= pos_priority AND j.run_at < pos_run_at
                  AND (p_types IS NULL OR j.task_type = ANY (p_types))
                ORDER BY j.priority DESC, j.run_at LIMIT m FOR UPDATE SKIP LOCKED) e
            UNION ALL
            SELECT d.ctid, d.priority, d.run_at FROM (
                SELECT j.ctid, j.priority, j.run_at FROM public.job_queue j
                WHERE j.status = 'pending' AND j.run_at <= pg_catalog.now()
                  AND (pos_priority IS NULL OR j.priority < pos_priority) AND (p_types IS NULL OR j.task_type = ANY (p_types))
                ORDER BY j.priority DESC, j.run_at LIMIT m FOR UPDATE SKIP LOCKED) d
            LIMIT m
        ) c;
        IF locked IS NOT NULL THEN
            RETURN QUERY
            WITH claimed AS (
                -- the rows locked above, by ctid: this transaction holds their locks, so none moved
                UPDATE public.job_queue q SET status = 'running', attempts = q.attempts + 1, locked_by = p_worker,
                       locked_until = pg_catalog.now() + p_lease, lease_token = tok, started_at = pg_catalog.now(),
                       updated_at = pg_catalog.now()
                WHERE q.ctid = ANY (locked)
                RETURNING q.id, q.lease_token, q.task_type, q.payload, q.attempts, q.max_attempts, q.run_at,
                          q.locked_until, q.priority
            )
            SELECT 'job'::text, c.id, c.lease_token, c.task_type, c.payload, c.attempts, c.max_attempts, c.run_at,
                   c.locked_until, NULL::double precision
            FROM claimed c
            ORDER BY c.priority DESC, c.run_at;  -- claim order (a ctid scan returns them in table order)
            GET DIAGNOSTICS m = ROW_COUNT;
            n := n + m;
        END IF;
        IF first_priority IS NOT NULL AND pg_catalog.isfinite(first_run_at) THEN
            PERFORM pg_catalog.set_config('pgcadence.claim_position', types_key || first_priority || '|'
                                          || extract(epoch FROM first_run_at) || '|' || pos_since, false);
        ELSIF pos IS NOT NULL AND pos <> '' THEN
            PERFORM pg_catalog.set_config('pgcadence.claim_position', '', false);
        END IF;
    END IF;
    IF n < batch_size THEN
        RETURN QUERY SELECT 'wait'::text, NULL::uuid, NULL::bigint, NULL::text, NULL::jsonb, NULL::integer,
                            NULL::integer, NULL::timestamptz, NULL::timestamptz, pgcadence.job_queue_next_due(p_types);
    END IF;
END
$$;
COMMENT ON FUNCTION public.job_queue_complete_and_claim(uuid[], bigint[], jsonb[], integer, text, interval, text[], uuid[], bigint[], text[]) IS
    'Worker: record successes (ids, lease_tokens, results) and failures (failed_ids, failed_tokens, errors), then claim up to batch_size jobs of task_types, in one transaction. Rows: kind job | retry | failed | lost | paused | wait (wait_s: seconds until work could be due).';
REVOKE ALL ON FUNCTION public.job_queue_complete_and_claim(uuid[], bigint[], jsonb[], integer, text, interval, text[], uuid[], bigint[], text[]) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.job_queue_complete_and_claim(uuid[], bigint[], jsonb[], integer, text, interval, text[], uuid[], bigint[], text[]) TO service_role;

-- ============================================================ claim
-- Take up to batch_size due jobs of task_types (NULL: every type) for worker_id for lease.
CREATE OR REPLACE FUNCTION public.job_queue_claim(batch_size integer DEFAULT 10, worker_id text DEFAULT NULL,
                                                  lease interval DEFAULT '5 minutes', task_types text[] DEFAULT NULL)
RETURNS TABLE (id uuid, lease_token bigint, task_type text, payload jsonb, attempt integer, max_attempts integer,
               run_at timestamptz, locked_until timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pgcadence.job_queue_require_worker('job_queue_claim');
    PERFORM pgcadence.job_queue_check_claim('job_queue_claim', batch_size, worker_id, lease);
    RETURN QUERY
    SELECT c.id, c.lease_token, c.task_type, c.payload, c.attempt, c.max_attempts, c.run_at, c.locked_until
    FROM public.job_queue_complete_and_claim('{}', '{}', NULL, batch_size, worker_id, lease, task_types) c
    WHERE c.kind = 'job';
END
$$;
COMMENT ON FUNCTION public.job_queue_claim(integer, text, interval, text[]) IS
    'Worker: claim up to batch_size due jobs of task_types (NULL: any) for worker_id; lease (at most max_lease) is how long before others may take them back. Nothing while paused. Pass lease_token to complete/fail/heartbeat/release.';
REVOKE ALL ON FUNCTION public.job_queue_claim(integer, text, interval, text[]) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.job_queue_claim(integer, text, interval, text[]) TO service_role;

-- ============================================================ finish
-- Mark a running job succeeded; false when the claim no longer holds it.
CREATE OR REPLACE FUNCTION public.job_queue_complete(id uuid, lease_token bigint, result jsonb DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pgcadence.job_queue_require_worker('job_queue_complete');
    RETURN NOT EXISTS (SELECT 1 FROM public.job_queue_complete_and_claim(ARRAY[id], ARRAY[lease_token], ARRAY[result], 0));
END
$$;
COMMENT ON FUNCTION public.job_queue_complete(uuid, bigint, jsonb) IS
    'Worker: mark a running job succeeded and keep result. Fenced by the claim''s lease_token: returns false when the claim no longer holds the job (lease lost, cancelled, finished).';
REVOKE ALL ON FUNCTION public.job_queue_complete(uuid, bigint, jsonb) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.job_queue_complete(uuid, bigint, jsonb) TO service_role;

-- Complete many jobs in one statement: ids[i] claimed with lease_tokens[i] (and results[i]).
CREATE OR REPLACE FUNCTION public.job_queue_complete_batch(ids uuid[], lease_tokens bigint[], results jsonb[] DEFAULT NULL)
RETURNS SETOF uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    lost uuid[];
BEGIN
    PERFORM pgcadence.job_queue_require_worker('job_queue_complete_batch');
    lost := ARRAY(SELECT c.id FROM public.job_queue_complete_and_claim(ids, lease_tokens, results, 0) c WHERE c.id IS NOT NULL);
    RETURN QUERY SELECT DISTINCT u.id FROM pg_catalog.unnest(ids) AS u(id) WHERE u.id IS NOT NULL AND NOT (u.id = ANY (lost));
END
$$;
COMMENT ON FUNCTION public.job_queue_complete_batch(uuid[], bigint[], jsonb[]) IS
    'Worker: mark many running jobs succeeded in one statement (ids[i] claimed with lease_tokens[i]); returns the ids that applied.';
REVOKE ALL ON FUNCTION public.job_queue_complete_batch(uuid[], bigint[], jsonb[]) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.job_queue_complete_batch(uuid[], bigint[], jsonb[]) TO service_role;

-- Record a failed attempt: pending again after job_queue_retry_delay(attempt), or
-- 'failed' once attempts reach max_attempts. No row when the claim no longer holds the job.
CREATE OR REPLACE FUNCTION public.job_queue_fail(id uuid, lease_token bigint, error text)
RETURNS TABLE (status text, run_at timestamptz, attempts integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
    PERFORM pgcadence.job_queue_require_worker('job_queue_fail');
    RETURN QUERY
    SELECT CASE WHEN c.kind = 'retry' THEN 'pending' ELSE 'failed' END, c.run_at, c.attempt
    FROM public.job_queue_complete_and_claim('{}', '{}', NULL, 0, failed_ids => ARRAY[job_queue_fail.id],
                                             failed_tokens => ARRAY[job_queue_fail.lease_token],
                                             errors => ARRAY[job_queue_fail.error]) c
    WHERE c.kind <> 'lost';
END
$$;
COMMENT ON FUNCTION public.job_queue_fail(uuid, bigint, text) IS
    'Worker: record a failed attempt (error kept in last_error, first 8 KiB): pending again after the backoff, or failed at max_attempts. Fenced by lease_token.';
REVOKE ALL ON FUNCTION public.job_queue_fail(uuid, bigint, text) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.job_queue_fail(uuid, bigint, text) TO service_role;

-- ============================================================ leases
-- Extend the leases of running jobs (long handlers' workers call it periodically) to
-- now() + extend (at most max_lease). Returns the ids whose claim still holds them.
-- It never waits for a row lock: a job whose row another transaction has locked — most
-- often the same worker's round trip finishing it, on its other connection — is left as
-- it is and returned as held if its committed row says so. Waiting made a deadlock: the
-- finish and the heartbeat lock several of the same rows, each in its own order.
CREATE OR REPLACE FUNCTION public.job_queue_heartbeat(ids uuid[], lease_tokens bigint[], extend interval DEFAULT '5 minutes')
RETURNS SETOF uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pgcadence.job_queue_require_worker('job_queue_heartbeat');
    PERFORM pgcadence.job_queue_check_lease('job_queue_heartbeat', 'extend', extend);
    RETURN QUERY
    WITH t AS (
        SELECT * FROM ROWS FROM (pg_catalog.unnest(ids), pg_catalog.unnest(lease_tokens)) AS t(id, tok)
    ), held AS (  -- as committed when the statement began
        SELECT q.id FROM public.job_queue q JOIN t ON q.id = t.id AND q.lease_token = t.tok
        WHERE q.id = ANY (ids) AND q.locked_until IS NOT NULL
    ), free AS (  -- the same rows where no other transaction holds a lock: locked now, rechecked
        SELECT q.ctid AS tid, q.id FROM public.job_queue q JOIN t ON q.id = t.id AND q.lease_token = t.tok
        WHERE q.id = ANY (ids) AND q.locked_until IS NOT NULL
        FOR NO KEY UPDATE OF q SKIP LOCKED
    ), extended AS (
        UPDATE public.job_queue q SET locked_until = pg_catalog.now() + extend, updated_at = pg_catalog.now()
        WHERE q.ctid = ANY (ARRAY(SELECT f.tid FROM free f))
        RETURNING q.id
    )
    SELECT e.id FROM extended e
    UNION ALL
    SELECT h.id FROM held h WHERE NOT EXISTS (SELECT 1 FROM free f WHERE f.id = h.id);
END
$$;
COMMENT ON FUNCTION public.job_queue_heartbeat(uuid[], bigint[], interval) IS
    'Worker: extend the leases of running jobs (ids[i] claimed with lease_tokens[i]) to now() + extend (at most max_lease); returns the ids still held. Never waits for a row lock: a job another transaction has locked keeps its lease this time.';
REVOKE ALL ON FUNCTION public.job_queue_heartbeat(uuid[], bigint[], interval) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.job_queue_heartbeat(uuid[], bigint[], interval) TO service_role;

-- Give a running job back unfinished (a worker shutting down): pending again, due now;
-- the released attempt is recorded and does not count against max_attempts.
CREATE OR REPLACE FUNCTION public.job_queue_release(id uuid, lease_token bigint, reason text DEFAULT 'released by worker')
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    done boolean;
BEGIN
    PERFORM pgcadence.job_queue_require_worker('job_queue_release');
    WITH rel AS (
        UPDATE public.job_queue q SET status = 'pending', run_at = pg_catalog.now(), locked_until = NULL,
               max_attempts = q.max_attempts + 1, updated_at = pg_catalog.now()
        WHERE q.id = job_queue_release.id AND q.lease_token = job_queue_release.lease_token AND q.locked_until IS NOT NULL
        RETURNING q.id, q.attempts, q.locked_by, q.started_at
    ), hist AS (
        INSERT INTO public.job_queue_attempt_log (job_id, attempt, worker_id, started_at, outcome, error)
        SELECT r.id, r.attempts, r.locked_by, r.started_at, 'released', pg_catalog.left(job_queue_release.reason, 8192)
        FROM rel r
    )
    SELECT EXISTS (SELECT 1 FROM rel) INTO done;
    IF done THEN
        PERFORM pg_catalog.pg_notify('pgcadence_job_queue', '');
    END IF;
    RETURN done;
END
$$;
COMMENT ON FUNCTION public.job_queue_release(uuid, bigint, text) IS
    'Worker: hand a running job back unfinished (due again now; does not use up an attempt). Fenced by lease_token.';
REVOKE ALL ON FUNCTION public.job_queue_release(uuid, bigint, text) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.job_queue_release(uuid, bigint, text) TO service_role;

-- ============================================================ running workers
-- A worker says it runs (and which task types it handles) until now() + ttl (at most
-- max_lease); workers renew this while they run. Rows expired an hour ago are removed.
CREATE OR REPLACE FUNCTION public.job_queue_worker_alive(worker_id text, task_types text[], ttl interval DEFAULT '1 minute')
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
    PERFORM pgcadence.job_queue_require_worker('job_queue_worker_alive');
    PERFORM pgcadence.job_queue_check_lease('job_queue_worker_alive', 'ttl', ttl);
    IF worker_id IS NULL OR worker_id = '' OR pg_catalog.length(worker_id) > 200 THEN
        RAISE EXCEPTION 'job_queue_worker_alive: worker_id is required (at most 200 characters)' USING ERRCODE = '22023';
    END IF;
    INSERT INTO pgcadence.job_queue_workers AS w (worker_id, task_types, alive_until)
    VALUES (job_queue_worker_alive.worker_id, COALESCE(job_queue_worker_alive.task_types, '{}'), pg_catalog.now() + ttl)
    ON CONFLICT ON CONSTRAINT job_queue_workers_pkey DO UPDATE
        SET task_types = EXCLUDED.task_types, seen_at = pg_catalog.now(), alive_until = EXCLUDED.alive_until;
    DELETE FROM pgcadence.job_queue_workers w WHERE w.alive_until < pg_catalog.now() - interval '1 hour';
END
$$;
COMMENT ON FUNCTION public.job_queue_worker_alive(text, text[], interval) IS
    'Worker: record that worker_id runs and handles task_types until now() + ttl (renewed while it runs).';
REVOKE ALL ON FUNCTION public.job_queue_worker_alive(text, text[], interval) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.job_queue_worker_alive(text, text[], interval) TO service_role;

-- A worker that stops says so.
CREATE OR REPLACE FUNCTION public.job_queue_worker_stopped(worker_id text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pgcadence.job_queue_require_worker('job_queue_worker_stopped');
    DELETE FROM pgcadence.job_queue_workers w WHERE w.worker_id = job_queue_worker_stopped.worker_id;
END
$$;
COMMENT ON FUNCTION public.job_queue_worker_stopped(text) IS 'Worker: remove worker_id from the running workers.';
REVOKE ALL ON FUNCTION public.job_queue_worker_stopped(text) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.job_queue_worker_stopped(text) TO service_role;
