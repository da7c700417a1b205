--
-- PostgreSQL database dump
--

--
-- Name: auth; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA auth;

--
-- Name: pg_cron; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pg_cron WITH SCHEMA public;

--
-- Name: EXTENSION pg_cron; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION pg_cron IS 'Job scheduler for PostgreSQL';

--
-- Name: extensions; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA extensions;

--
-- Name: pgcadence; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA pgcadence;

--
-- Name: SCHEMA pgcadence; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON SCHEMA pgcadence IS 'pgcadence internals: bookkeeping and settings; not an API.';

--
-- Name: pgcrypto; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA extensions;

--
-- Name: EXTENSION pgcrypto; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION pgcrypto IS 'cryptographic functions';

--
-- Name: email(); Type: FUNCTION; Schema: auth; Owner: -
--

CREATE FUNCTION auth.email() RETURNS text
    LANGUAGE sql STABLE
    AS $$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim.email', true), ''),
                (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
            )::text
        $$;

--
-- Name: FUNCTION email(); Type: COMMENT; Schema: auth; Owner: -
--

COMMENT ON FUNCTION auth.email() IS 'Email claim of the current request, or NULL.';

--
-- Name: jwt(); Type: FUNCTION; Schema: auth; Owner: -
--

CREATE FUNCTION auth.jwt() RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim', true), ''),
                nullif(current_setting('request.jwt.claims', true), '')
            )::jsonb
        $$;

--
-- Name: FUNCTION jwt(); Type: COMMENT; Schema: auth; Owner: -
--

COMMENT ON FUNCTION auth.jwt() IS 'All JWT claims of the current request as jsonb, or NULL.';

--
-- Name: role(); Type: FUNCTION; Schema: auth; Owner: -
--

CREATE FUNCTION auth.role() RETURNS text
    LANGUAGE sql STABLE
    AS $$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim.role', true), ''),
                (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
            )::text
        $$;

--
-- Name: FUNCTION role(); Type: COMMENT; Schema: auth; Owner: -
--

COMMENT ON FUNCTION auth.role() IS 'Role claim of the current request (anon, authenticated, service_role), or NULL.';

--
-- Name: uid(); Type: FUNCTION; Schema: auth; Owner: -
--

CREATE FUNCTION auth.uid() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim.sub', true), ''),
                (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
            )::uuid
        $$;

--
-- Name: FUNCTION uid(); Type: COMMENT; Schema: auth; Owner: -
--

COMMENT ON FUNCTION auth.uid() IS 'User id (sub claim) of the current request, or NULL.';

--
-- Name: cron_beat(); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_beat() RETURNS void
    LANGUAGE sql
    SET search_path TO ''
    AS $$
    UPDATE pgcadence.cron_heartbeat SET beats = beats + 1, beat_at = pg_catalog.now();
$$;

--
-- Name: job_queue_check(text, text, jsonb, integer, integer); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.job_queue_check(fn text, task_type text, payload jsonb, max_attempts integer, max_payload integer) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO ''
    AS $_$
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
$_$;

--
-- Name: job_queue_not_found(text, uuid); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.job_queue_not_found(fn text, job uuid) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO ''
    AS $$
BEGIN
    RAISE EXCEPTION '%: no job with id %', fn, job USING ERRCODE = 'P0002';
END
$$;

--
-- Name: job_queue_notify(); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.job_queue_notify() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
BEGIN
    PERFORM pg_catalog.pg_notify('pgcadence_job_queue', '');
    RETURN NULL;
END
$$;

--
-- Name: job_queue_require_manager(text); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.job_queue_require_manager(fn text) RETURNS void
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

--
-- Name: is_admin_user(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.is_admin_user() RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
            SELECT EXISTS (
                SELECT 1 FROM public.profiles p
                WHERE p.id = auth.uid() AND p.role = 'admin'
            )
        $$;

--
-- Name: FUNCTION is_admin_user(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.is_admin_user() IS 'True when the requesting user (auth.uid()) has profiles.role = ''admin''.';

--
-- Name: job_queue_cancel(uuid); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_cancel(id uuid) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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
        INSERT INTO public.job_queue_attempts (job_id, attempt, worker_id, started_at, outcome, error)
        VALUES (j.id, j.attempts, j.locked_by, j.started_at, 'cancelled', 'cancelled while running');
    END IF;
    UPDATE public.job_queue q SET status = 'cancelled', finished_at = pg_catalog.now(), locked_until = NULL,
                                  updated_at = pg_catalog.now()
    WHERE q.id = j.id;
    RETURN 'cancelled';
END
$$;

--
-- Name: FUNCTION job_queue_cancel(id uuid); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_cancel(id uuid) IS 'Admin: cancel a pending or running job.';

--
-- Name: job_queue_claim(integer, text, interval); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_claim(batch_size integer DEFAULT 10, worker_id text DEFAULT NULL::text, lease interval DEFAULT '00:05:00'::interval) RETURNS TABLE(id uuid, task_type text, payload jsonb, attempt integer, max_attempts integer, locked_until timestamp with time zone, priority integer, run_at timestamp with time zone, created_at timestamp with time zone)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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
        INSERT INTO public.job_queue_attempts (job_id, attempt, worker_id, started_at, outcome, error)
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
    FROM claimed c WHERE c.status = 'running'
    ORDER BY c.priority DESC, c.run_at;
END
$$;

--
-- Name: FUNCTION job_queue_claim(batch_size integer, worker_id text, lease interval); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_claim(batch_size integer, worker_id text, lease interval) IS 'Claim up to batch_size due jobs for worker_id (lease: how long before others may take them back). Nothing while paused. Returns attempt: pass it to complete/fail/heartbeat.';

--
-- Name: job_queue_cleanup(interval, text[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_cleanup(retain interval DEFAULT '14 days'::interval, statuses text[] DEFAULT '{succeeded}'::text[]) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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
        DELETE FROM public.job_queue_attempts a USING gone g WHERE a.job_id = g.id
    )
    SELECT pg_catalog.count(*) INTO n FROM gone;
    RETURN n;
END
$$;

--
-- Name: FUNCTION job_queue_cleanup(retain interval, statuses text[]); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_cleanup(retain interval, statuses text[]) IS 'Delete jobs in statuses (default succeeded) finished more than retain ago (default 14 days), with their attempts. Returns the count.';

--
-- Name: job_queue_complete(uuid, jsonb, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_complete(id uuid, result jsonb DEFAULT NULL::jsonb, attempt integer DEFAULT NULL::integer) RETURNS boolean
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    WITH done AS (
        UPDATE public.job_queue q SET status = 'succeeded', result = job_queue_complete.result,
               finished_at = pg_catalog.now(), updated_at = pg_catalog.now(), locked_until = NULL
        WHERE q.id = job_queue_complete.id AND q.status = 'running'
          AND (job_queue_complete.attempt IS NULL OR q.attempts = job_queue_complete.attempt)
        RETURNING q.id, q.attempts, q.locked_by, q.started_at
    ), hist AS (
        INSERT INTO public.job_queue_attempts (job_id, attempt, worker_id, started_at, outcome)
        SELECT d.id, d.attempts, d.locked_by, d.started_at, 'succeeded' FROM done d
    )
    SELECT EXISTS (SELECT 1 FROM done)
$$;

--
-- Name: FUNCTION job_queue_complete(id uuid, result jsonb, attempt integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_complete(id uuid, result jsonb, attempt integer) IS 'Mark a running job succeeded and keep result. Pass the claimed attempt to fence out a worker whose lease was lost. Returns whether it applied.';

--
-- Name: job_queue_complete_batch(uuid[], integer[], jsonb[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_complete_batch(ids uuid[], attempts integer[], results jsonb[] DEFAULT NULL::jsonb[]) RETURNS SETOF uuid
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    WITH input AS (
        SELECT t.id, t.attempt, t.result FROM ROWS FROM (pg_catalog.unnest(ids), pg_catalog.unnest(attempts), pg_catalog.unnest(results)) AS t(id, attempt, result)
    ), done AS (
        UPDATE public.job_queue q SET status = 'succeeded', result = i.result,
               finished_at = pg_catalog.now(), updated_at = pg_catalog.now(), locked_until = NULL
        FROM input i
        WHERE q.id = i.id AND q.status = 'running' AND q.attempts = i.attempt
        RETURNING q.id, q.attempts, q.locked_by, q.started_at
    ), hist AS (
        INSERT INTO public.job_queue_attempts (job_id, attempt, worker_id, started_at, outcome)
        SELECT d.id, d.attempts, d.locked_by, d.started_at, 'succeeded' FROM done d
    )
    SELECT d.id FROM done d
$$;

--
-- Name: FUNCTION job_queue_complete_batch(ids uuid[], attempts integer[], results jsonb[]); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_complete_batch(ids uuid[], attempts integer[], results jsonb[]) IS 'Mark many running jobs succeeded in one statement (ids[i] claimed as attempts[i]); returns the ids that applied.';

--
-- Name: job_queue_enqueue(text, jsonb, timestamp with time zone, integer, integer, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_enqueue(task_type text, payload jsonb DEFAULT '{}'::jsonb, run_at timestamp with time zone DEFAULT NULL::timestamp with time zone, max_attempts integer DEFAULT 3, priority integer DEFAULT 0, dedupe_key text DEFAULT NULL::text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

--
-- Name: FUNCTION job_queue_enqueue(task_type text, payload jsonb, run_at timestamp with time zone, max_attempts integer, priority integer, dedupe_key text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_enqueue(task_type text, payload jsonb, run_at timestamp with time zone, max_attempts integer, priority integer, dedupe_key text) IS 'Add a job (pending at run_at, default now). payload: a JSON object of at most max_payload_bytes (256 KiB). Returns the id.';

--
-- Name: job_queue_enqueue_batch(jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_enqueue_batch(jobs jsonb) RETURNS SETOF uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

--
-- Name: FUNCTION job_queue_enqueue_batch(jobs jsonb); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_enqueue_batch(jobs jsonb) IS 'Add many jobs at once: [{"task_type":..,"payload":{..},"run_at":..,"max_attempts":..,"priority":..,"dedupe_key":..}, ...]. All or nothing.';

--
-- Name: job_queue_fail(uuid, text, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_fail(id uuid, error text, attempt integer DEFAULT NULL::integer) RETURNS TABLE(status text, run_at timestamp with time zone, attempts integer)
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    WITH failed AS (
        UPDATE public.job_queue q SET
            status = CASE WHEN q.attempts >= q.max_attempts THEN 'failed' ELSE 'pending' END,
            run_at = CASE WHEN q.attempts >= q.max_attempts THEN q.run_at
                          ELSE pg_catalog.now() + public.job_queue_retry_delay(q.attempts) END,
            finished_at = CASE WHEN q.attempts >= q.max_attempts THEN pg_catalog.now() END,
            last_error = pg_catalog.left(COALESCE(job_queue_fail.error, 'unknown error'), 8192),
            locked_until = NULL, updated_at = pg_catalog.now()
        WHERE q.id = job_queue_fail.id AND q.status = 'running'
          AND (job_queue_fail.attempt IS NULL OR q.attempts = job_queue_fail.attempt)
        RETURNING q.id, q.status, q.run_at, q.attempts, q.locked_by, q.started_at, q.last_error
    ), hist AS (
        INSERT INTO public.job_queue_attempts (job_id, attempt, worker_id, started_at, outcome, error)
        SELECT f.id, f.attempts, f.locked_by, f.started_at, 'failed', f.last_error FROM failed f
    )
    SELECT f.status, f.run_at, f.attempts FROM failed f
$$;

--
-- Name: FUNCTION job_queue_fail(id uuid, error text, attempt integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_fail(id uuid, error text, attempt integer) IS 'Record a failed attempt (error kept in last_error, first 8 KiB): pending again after the backoff, or failed at max_attempts. Fenced by attempt.';

--
-- Name: job_queue_get(uuid); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_get(id uuid) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
DECLARE
    doc jsonb;
BEGIN
    PERFORM pgcadence.job_queue_require_manager('job_queue_get');
    SELECT pg_catalog.to_jsonb(q) || pg_catalog.jsonb_build_object('attempt_history', COALESCE((
        SELECT pg_catalog.jsonb_agg(a ORDER BY a.attempt) FROM (
            SELECT h.attempt, h.worker_id, h.started_at, h.finished_at, h.outcome, h.error,
                   extract(epoch FROM h.duration) AS duration_s
            FROM public.job_queue_attempts h WHERE h.job_id = q.id
            UNION ALL
            SELECT q.attempts, q.locked_by, q.started_at, NULL, 'running', NULL,
                   extract(epoch FROM pg_catalog.now() - q.started_at)
            WHERE q.status = 'running'
        ) a), '[]'))
    INTO doc
    FROM public.job_queue q WHERE q.id = job_queue_get.id;
    IF doc IS NULL THEN
        PERFORM pgcadence.job_queue_not_found('job_queue_get', id);
    END IF;
    RETURN doc;
END
$$;

--
-- Name: FUNCTION job_queue_get(id uuid); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_get(id uuid) IS 'Admin: a job with its attempt history (payload, attempts, errors) as JSON.';

--
-- Name: job_queue_heartbeat(uuid, interval, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_heartbeat(id uuid, extend interval DEFAULT '00:05:00'::interval, attempt integer DEFAULT NULL::integer) RETURNS timestamp with time zone
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    UPDATE public.job_queue q SET locked_until = pg_catalog.now() + job_queue_heartbeat.extend, updated_at = pg_catalog.now()
    WHERE q.id = job_queue_heartbeat.id AND q.status = 'running' AND job_queue_heartbeat.extend > '0'
      AND (job_queue_heartbeat.attempt IS NULL OR q.attempts = job_queue_heartbeat.attempt)
    RETURNING q.locked_until
$$;

--
-- Name: FUNCTION job_queue_heartbeat(id uuid, extend interval, attempt integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_heartbeat(id uuid, extend interval, attempt integer) IS 'Extend a running job''s lease to now() + extend; NULL when the job is no longer this attempt''s.';

--
-- Name: job_queue; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.job_queue (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    task_type text NOT NULL,
    payload jsonb DEFAULT '{}'::jsonb NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    run_at timestamp with time zone DEFAULT now() NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    max_attempts integer DEFAULT 3 NOT NULL,
    last_error text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    priority integer DEFAULT 0 NOT NULL,
    locked_by text,
    locked_until timestamp with time zone,
    started_at timestamp with time zone,
    dedupe_key text,
    result jsonb,
    finished_at timestamp with time zone,
    CONSTRAINT job_queue_attempts_check CHECK ((attempts >= 0)),
    CONSTRAINT job_queue_check CHECK (((status <> 'running'::text) OR ((locked_until IS NOT NULL) AND (started_at IS NOT NULL)))),
    CONSTRAINT job_queue_max_attempts_check CHECK ((max_attempts >= 1)),
    CONSTRAINT job_queue_payload_check CHECK ((jsonb_typeof(payload) = 'object'::text)),
    CONSTRAINT job_queue_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'running'::text, 'succeeded'::text, 'failed'::text, 'cancelled'::text]))),
    CONSTRAINT job_queue_task_type_check CHECK ((task_type ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$'::text))
)
WITH (fillfactor='70', autovacuum_vacuum_scale_factor='0', autovacuum_vacuum_threshold='2000', autovacuum_vacuum_insert_scale_factor='0', autovacuum_vacuum_insert_threshold='20000', autovacuum_analyze_scale_factor='0.02', autovacuum_vacuum_cost_delay='0');

--
-- Name: TABLE job_queue; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.job_queue IS 'Durable job queue (seed 002 Phase 3). Change it through the job_queue_* functions; service_role and admins only.';

--
-- Name: COLUMN job_queue.attempts; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.job_queue.attempts IS 'Attempts started so far (the claim increments it); the running attempt''s number.';

--
-- Name: COLUMN job_queue.locked_by; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.job_queue.locked_by IS 'Worker of the current (or last) attempt.';

--
-- Name: COLUMN job_queue.locked_until; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.job_queue.locked_until IS 'Lease end of a running job; once past, any claim may take the job back.';

--
-- Name: COLUMN job_queue.started_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.job_queue.started_at IS 'Start of the current (or last) attempt.';

--
-- Name: COLUMN job_queue.dedupe_key; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.job_queue.dedupe_key IS 'At most one pending or running job per key.';

--
-- Name: COLUMN job_queue.result; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.job_queue.result IS 'What the handler returned on success.';

--
-- Name: job_queue_list(text, text, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_list(status text DEFAULT NULL::text, task_type text DEFAULT NULL::text, max_rows integer DEFAULT 50) RETURNS SETOF public.job_queue
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

--
-- Name: FUNCTION job_queue_list(status text, task_type text, max_rows integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_list(status text, task_type text, max_rows integer) IS 'Admin: jobs newest first, optionally filtered by status and task_type.';

--
-- Name: job_queue_next_run_at(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_next_run_at() RETURNS timestamp with time zone
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    SELECT LEAST(
        (SELECT pg_catalog.min(j.run_at) FROM public.job_queue j WHERE j.status = 'pending'),
        (SELECT pg_catalog.min(j.locked_until) FROM public.job_queue j WHERE j.status = 'running'))
$$;

--
-- Name: FUNCTION job_queue_next_run_at(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_next_run_at() IS 'Earliest time a claim could find work: the next pending run_at or running lease end; NULL when none.';

--
-- Name: job_queue_pause(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_pause() RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
BEGIN
    PERFORM pgcadence.job_queue_require_manager('job_queue_pause');
    UPDATE pgcadence.job_queue_settings SET paused = true, paused_at = pg_catalog.now(),
        paused_by = COALESCE(auth.uid()::text, CASE WHEN pg_catalog.current_setting('role') = 'none'
                                                    THEN session_user::text ELSE pg_catalog.current_setting('role') END),
        updated_at = pg_catalog.now();
    RETURN true;
END
$$;

--
-- Name: FUNCTION job_queue_pause(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_pause() IS 'Admin: pause processing (claims return nothing; enqueue still works).';

--
-- Name: job_queue_paused(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_paused() RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    SELECT s.paused FROM pgcadence.job_queue_settings s
$$;

--
-- Name: FUNCTION job_queue_paused(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_paused() IS 'Whether processing is paused (see job_queue_pause()).';

--
-- Name: job_queue_resume(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_resume() RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
BEGIN
    PERFORM pgcadence.job_queue_require_manager('job_queue_resume');
    UPDATE pgcadence.job_queue_settings SET paused = false, paused_at = NULL, paused_by = NULL,
        updated_at = pg_catalog.now();
    PERFORM pg_catalog.pg_notify('pgcadence_job_queue', '');
    RETURN false;
END
$$;

--
-- Name: FUNCTION job_queue_resume(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_resume() IS 'Admin: resume processing.';

--
-- Name: job_queue_retry(uuid, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_retry(id uuid, extra_attempts integer DEFAULT 1) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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
    UPDATE public.job_queue q SET
        status = 'pending', run_at = pg_catalog.now(), finished_at = NULL, locked_until = NULL,
        max_attempts = CASE WHEN j.status = 'pending' THEN q.max_attempts ELSE q.attempts + extra_attempts END,
        updated_at = pg_catalog.now()
    WHERE q.id = j.id;
    PERFORM pg_catalog.pg_notify('pgcadence_job_queue', '');
    RETURN 'pending';
END
$$;

--
-- Name: FUNCTION job_queue_retry(id uuid, extra_attempts integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_retry(id uuid, extra_attempts integer) IS 'Admin: run a failed/cancelled/succeeded job again now with extra_attempts more tries (a pending one: make it due now).';

--
-- Name: job_queue_retry_delay(integer, double precision); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_retry_delay(attempt integer, u double precision DEFAULT NULL::double precision) RETURNS interval
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    SELECT pg_catalog.make_interval(secs => LEAST(
               extract(epoch FROM s.backoff_cap)::double precision,
               LEAST(extract(epoch FROM s.backoff_cap)::double precision,
                     extract(epoch FROM s.backoff_base)::double precision
                       * pg_catalog.power(2::double precision, LEAST(GREATEST(attempt, 1) - 1, 60)))
               * (1 + s.backoff_jitter * COALESCE(u, pg_catalog.random()))))
    FROM pgcadence.job_queue_settings s
$$;

--
-- Name: FUNCTION job_queue_retry_delay(attempt integer, u double precision); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_retry_delay(attempt integer, u double precision) IS 'Backoff after the attempt-th failure: least(cap, base*2^(attempt-1)) * (1 + jitter*u), capped at cap; u random in [0,1) when NULL.';

--
-- Name: created_objects; Type: TABLE; Schema: pgcadence; Owner: -
--

CREATE TABLE pgcadence.created_objects (
    kind text NOT NULL,
    name text NOT NULL,
    CONSTRAINT created_objects_kind_check CHECK ((kind = ANY (ARRAY['role'::text, 'schema'::text, 'function'::text, 'extension'::text])))
);

--
-- Name: TABLE created_objects; Type: COMMENT; Schema: pgcadence; Owner: -
--

COMMENT ON TABLE pgcadence.created_objects IS 'Objects migration 0001 created because they were missing; its rollback drops only these.';

--
-- Name: cron_heartbeat; Type: TABLE; Schema: pgcadence; Owner: -
--

CREATE TABLE pgcadence.cron_heartbeat (
    id boolean DEFAULT true NOT NULL,
    beats bigint DEFAULT 0 NOT NULL,
    beat_at timestamp with time zone,
    CONSTRAINT cron_heartbeat_id_check CHECK (id)
);

--
-- Name: job_queue_settings; Type: TABLE; Schema: pgcadence; Owner: -
--

CREATE TABLE pgcadence.job_queue_settings (
    id boolean DEFAULT true NOT NULL,
    paused boolean DEFAULT false NOT NULL,
    paused_at timestamp with time zone,
    paused_by text,
    backoff_base interval DEFAULT '00:00:10'::interval NOT NULL,
    backoff_cap interval DEFAULT '01:00:00'::interval NOT NULL,
    backoff_jitter double precision DEFAULT 0.25 NOT NULL,
    max_payload_bytes integer DEFAULT 262144 NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT job_queue_settings_backoff_base_check CHECK ((backoff_base > '00:00:00'::interval)),
    CONSTRAINT job_queue_settings_backoff_jitter_check CHECK (((backoff_jitter >= (0)::double precision) AND (backoff_jitter <= (1)::double precision))),
    CONSTRAINT job_queue_settings_check CHECK ((backoff_cap >= backoff_base)),
    CONSTRAINT job_queue_settings_id_check CHECK (id),
    CONSTRAINT job_queue_settings_max_payload_bytes_check CHECK ((max_payload_bytes > 0))
);

--
-- Name: TABLE job_queue_settings; Type: COMMENT; Schema: pgcadence; Owner: -
--

COMMENT ON TABLE pgcadence.job_queue_settings IS 'Job queue switch and tunables: paused (claims return nothing), backoff base/cap/jitter, payload size limit.';

--
-- Name: job_queue_attempts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.job_queue_attempts (
    job_id uuid NOT NULL,
    attempt integer NOT NULL,
    worker_id text,
    started_at timestamp with time zone NOT NULL,
    finished_at timestamp with time zone DEFAULT now() NOT NULL,
    outcome text NOT NULL,
    error text,
    duration interval GENERATED ALWAYS AS ((finished_at - started_at)) STORED,
    CONSTRAINT job_queue_attempts_attempt_check CHECK ((attempt >= 1)),
    CONSTRAINT job_queue_attempts_outcome_check CHECK ((outcome = ANY (ARRAY['succeeded'::text, 'failed'::text, 'lease_expired'::text, 'cancelled'::text])))
)
WITH (autovacuum_vacuum_insert_scale_factor='0', autovacuum_vacuum_insert_threshold='50000', autovacuum_analyze_scale_factor='0.02');

--
-- Name: TABLE job_queue_attempts; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.job_queue_attempts IS 'Attempt history of job_queue: worker, start, end, outcome, error, duration. Service_role and admins only.';

--
-- Name: job_queue_metrics; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.job_queue_metrics WITH (security_invoker='true') AS
 SELECT q.task_type,
    count(*) FILTER (WHERE (q.status = 'pending'::text)) AS pending,
    count(*) FILTER (WHERE ((q.status = 'pending'::text) AND (q.run_at <= now()))) AS due,
    count(*) FILTER (WHERE (q.status = 'running'::text)) AS running,
    count(*) FILTER (WHERE (q.status = 'succeeded'::text)) AS succeeded,
    count(*) FILTER (WHERE (q.status = 'failed'::text)) AS failed,
    count(*) FILTER (WHERE (q.status = 'cancelled'::text)) AS cancelled,
    (now() - min(q.run_at) FILTER (WHERE ((q.status = 'pending'::text) AND (q.run_at <= now())))) AS oldest_pending_age,
    ( SELECT count(*) AS count
           FROM (public.job_queue_attempts a
             JOIN public.job_queue j ON ((j.id = a.job_id)))
          WHERE ((j.task_type = q.task_type) AND (a.outcome = ANY (ARRAY['failed'::text, 'lease_expired'::text])) AND (a.finished_at > (now() - '01:00:00'::interval)))) AS failures_last_hour
   FROM public.job_queue q
  GROUP BY q.task_type;

--
-- Name: VIEW job_queue_metrics; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON VIEW public.job_queue_metrics IS 'Per task type: counts by status, due now, age of the oldest due job, failed attempts in the last hour.';

--
-- Name: profiles; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.profiles (
    id uuid NOT NULL,
    role text DEFAULT 'user'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: TABLE profiles; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.profiles IS 'pgcadence: one row per auth user (id = auth.uid()); role ''admin'' makes is_admin_user() true.';

--
-- Name: created_objects created_objects_pkey; Type: CONSTRAINT; Schema: pgcadence; Owner: -
--

ALTER TABLE ONLY pgcadence.created_objects
    ADD CONSTRAINT created_objects_pkey PRIMARY KEY (kind, name);

--
-- Name: cron_heartbeat cron_heartbeat_pkey; Type: CONSTRAINT; Schema: pgcadence; Owner: -
--

ALTER TABLE ONLY pgcadence.cron_heartbeat
    ADD CONSTRAINT cron_heartbeat_pkey PRIMARY KEY (id);

--
-- Name: job_queue_settings job_queue_settings_pkey; Type: CONSTRAINT; Schema: pgcadence; Owner: -
--

ALTER TABLE ONLY pgcadence.job_queue_settings
    ADD CONSTRAINT job_queue_settings_pkey PRIMARY KEY (id);

--
-- Name: job_queue_attempts job_queue_attempts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.job_queue_attempts
    ADD CONSTRAINT job_queue_attempts_pkey PRIMARY KEY (job_id, attempt);

--
-- Name: job_queue job_queue_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.job_queue
    ADD CONSTRAINT job_queue_pkey PRIMARY KEY (id);

--
-- Name: profiles profiles_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.profiles
    ADD CONSTRAINT profiles_pkey PRIMARY KEY (id);

--
-- Name: job_queue_attempts_finished_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX job_queue_attempts_finished_at_idx ON public.job_queue_attempts USING brin (finished_at);

--
-- Name: job_queue_claimable_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX job_queue_claimable_idx ON public.job_queue USING btree (priority DESC, run_at) WHERE (status = 'pending'::text);

--
-- Name: job_queue_dedupe_key_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX job_queue_dedupe_key_idx ON public.job_queue USING btree (dedupe_key) WHERE ((dedupe_key IS NOT NULL) AND (status = ANY (ARRAY['pending'::text, 'running'::text])));

--
-- Name: job_queue_finished_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX job_queue_finished_at_idx ON public.job_queue USING btree (finished_at) WHERE (finished_at IS NOT NULL);

--
-- Name: job_queue_lease_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX job_queue_lease_idx ON public.job_queue USING btree (locked_until) WHERE (status = 'running'::text);

--
-- Name: job_queue_status_run_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX job_queue_status_run_at_idx ON public.job_queue USING btree (status, run_at);

--
-- Name: job_queue_task_type_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX job_queue_task_type_idx ON public.job_queue USING btree (task_type);

--
-- Name: job_queue job_queue_notify; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER job_queue_notify AFTER INSERT ON public.job_queue FOR EACH STATEMENT EXECUTE FUNCTION pgcadence.job_queue_notify();

--
-- Name: job_queue_settings; Type: ROW SECURITY; Schema: pgcadence; Owner: -
--

ALTER TABLE pgcadence.job_queue_settings ENABLE ROW LEVEL SECURITY;

--
-- Name: job_queue; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.job_queue ENABLE ROW LEVEL SECURITY;

--
-- Name: job_queue job_queue_admin_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY job_queue_admin_read ON public.job_queue FOR SELECT TO authenticated USING (( SELECT public.is_admin_user() AS is_admin_user));

--
-- Name: job_queue_attempts; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.job_queue_attempts ENABLE ROW LEVEL SECURITY;

--
-- Name: job_queue_attempts job_queue_attempts_admin_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY job_queue_attempts_admin_read ON public.job_queue_attempts FOR SELECT TO authenticated USING (( SELECT public.is_admin_user() AS is_admin_user));

--
-- Name: profiles; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.profiles ENABLE ROW LEVEL SECURITY;

--
-- Name: profiles profiles_read_own; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY profiles_read_own ON public.profiles FOR SELECT TO authenticated USING ((id = ( SELECT auth.uid() AS uid)));

--
-- Name: SCHEMA auth; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA auth TO anon;
GRANT USAGE ON SCHEMA auth TO authenticated;
GRANT USAGE ON SCHEMA auth TO service_role;

--
-- Name: SCHEMA public; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA public TO anon;
GRANT USAGE ON SCHEMA public TO authenticated;
GRANT USAGE ON SCHEMA public TO service_role;

--
-- Name: SCHEMA extensions; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA extensions TO anon;
GRANT USAGE ON SCHEMA extensions TO authenticated;
GRANT USAGE ON SCHEMA extensions TO service_role;

--
-- Name: FUNCTION cron_beat(); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_beat() FROM PUBLIC;

--
-- Name: FUNCTION job_queue_check(fn text, task_type text, payload jsonb, max_attempts integer, max_payload integer); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.job_queue_check(fn text, task_type text, payload jsonb, max_attempts integer, max_payload integer) FROM PUBLIC;

--
-- Name: FUNCTION job_queue_not_found(fn text, job uuid); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.job_queue_not_found(fn text, job uuid) FROM PUBLIC;

--
-- Name: FUNCTION job_queue_notify(); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.job_queue_notify() FROM PUBLIC;

--
-- Name: FUNCTION job_queue_require_manager(fn text); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.job_queue_require_manager(fn text) FROM PUBLIC;

--
-- Name: FUNCTION is_admin_user(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.is_admin_user() FROM PUBLIC;
GRANT ALL ON FUNCTION public.is_admin_user() TO anon;
GRANT ALL ON FUNCTION public.is_admin_user() TO authenticated;
GRANT ALL ON FUNCTION public.is_admin_user() TO service_role;

--
-- Name: FUNCTION job_queue_cancel(id uuid); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_cancel(id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_cancel(id uuid) TO service_role;
GRANT ALL ON FUNCTION public.job_queue_cancel(id uuid) TO authenticated;

--
-- Name: FUNCTION job_queue_claim(batch_size integer, worker_id text, lease interval); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_claim(batch_size integer, worker_id text, lease interval) FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_claim(batch_size integer, worker_id text, lease interval) TO service_role;

--
-- Name: FUNCTION job_queue_cleanup(retain interval, statuses text[]); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_cleanup(retain interval, statuses text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_cleanup(retain interval, statuses text[]) TO service_role;
GRANT ALL ON FUNCTION public.job_queue_cleanup(retain interval, statuses text[]) TO authenticated;

--
-- Name: FUNCTION job_queue_complete(id uuid, result jsonb, attempt integer); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_complete(id uuid, result jsonb, attempt integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_complete(id uuid, result jsonb, attempt integer) TO service_role;

--
-- Name: FUNCTION job_queue_complete_batch(ids uuid[], attempts integer[], results jsonb[]); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_complete_batch(ids uuid[], attempts integer[], results jsonb[]) FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_complete_batch(ids uuid[], attempts integer[], results jsonb[]) TO service_role;

--
-- Name: FUNCTION job_queue_enqueue(task_type text, payload jsonb, run_at timestamp with time zone, max_attempts integer, priority integer, dedupe_key text); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_enqueue(task_type text, payload jsonb, run_at timestamp with time zone, max_attempts integer, priority integer, dedupe_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_enqueue(task_type text, payload jsonb, run_at timestamp with time zone, max_attempts integer, priority integer, dedupe_key text) TO service_role;
GRANT ALL ON FUNCTION public.job_queue_enqueue(task_type text, payload jsonb, run_at timestamp with time zone, max_attempts integer, priority integer, dedupe_key text) TO authenticated;

--
-- Name: FUNCTION job_queue_enqueue_batch(jobs jsonb); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_enqueue_batch(jobs jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_enqueue_batch(jobs jsonb) TO service_role;
GRANT ALL ON FUNCTION public.job_queue_enqueue_batch(jobs jsonb) TO authenticated;

--
-- Name: FUNCTION job_queue_fail(id uuid, error text, attempt integer); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_fail(id uuid, error text, attempt integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_fail(id uuid, error text, attempt integer) TO service_role;

--
-- Name: FUNCTION job_queue_get(id uuid); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_get(id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_get(id uuid) TO service_role;
GRANT ALL ON FUNCTION public.job_queue_get(id uuid) TO authenticated;

--
-- Name: FUNCTION job_queue_heartbeat(id uuid, extend interval, attempt integer); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_heartbeat(id uuid, extend interval, attempt integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_heartbeat(id uuid, extend interval, attempt integer) TO service_role;

--
-- Name: TABLE job_queue; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.job_queue TO service_role;
GRANT SELECT ON TABLE public.job_queue TO authenticated;

--
-- Name: FUNCTION job_queue_list(status text, task_type text, max_rows integer); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_list(status text, task_type text, max_rows integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_list(status text, task_type text, max_rows integer) TO service_role;
GRANT ALL ON FUNCTION public.job_queue_list(status text, task_type text, max_rows integer) TO authenticated;

--
-- Name: FUNCTION job_queue_next_run_at(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_next_run_at() FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_next_run_at() TO service_role;

--
-- Name: FUNCTION job_queue_pause(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_pause() FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_pause() TO service_role;
GRANT ALL ON FUNCTION public.job_queue_pause() TO authenticated;

--
-- Name: FUNCTION job_queue_paused(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_paused() FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_paused() TO service_role;
GRANT ALL ON FUNCTION public.job_queue_paused() TO authenticated;

--
-- Name: FUNCTION job_queue_resume(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_resume() FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_resume() TO service_role;
GRANT ALL ON FUNCTION public.job_queue_resume() TO authenticated;

--
-- Name: FUNCTION job_queue_retry(id uuid, extra_attempts integer); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_retry(id uuid, extra_attempts integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_retry(id uuid, extra_attempts integer) TO service_role;
GRANT ALL ON FUNCTION public.job_queue_retry(id uuid, extra_attempts integer) TO authenticated;

--
-- Name: FUNCTION job_queue_retry_delay(attempt integer, u double precision); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_retry_delay(attempt integer, u double precision) FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_retry_delay(attempt integer, u double precision) TO service_role;
GRANT ALL ON FUNCTION public.job_queue_retry_delay(attempt integer, u double precision) TO authenticated;

--
-- Name: TABLE job_queue_attempts; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.job_queue_attempts TO service_role;
GRANT SELECT ON TABLE public.job_queue_attempts TO authenticated;

--
-- Name: TABLE job_queue_metrics; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.job_queue_metrics TO authenticated;
GRANT SELECT ON TABLE public.job_queue_metrics TO service_role;

--
-- Name: TABLE profiles; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.profiles TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.profiles TO service_role;

--
-- PostgreSQL database dump complete
--
