-- The job queue's shared checks: who may manage the queue, the retry backoff, and
-- the validation every enqueue path applies.

-- Raise 42501 unless the caller is service_role (or a member, or a superuser) or an admin.
-- Inside SECURITY DEFINER current_user is the owner, so the caller is read from the
-- session: SET ROLE (as PostgREST does) or else the login role.
CREATE OR REPLACE FUNCTION pgcadence.job_queue_require_manager(fn text) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
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
REVOKE ALL ON FUNCTION pgcadence.job_queue_require_manager(text) FROM PUBLIC, anon, authenticated;

-- Delay before retrying after the attempt-th failure: least(cap, base * 2^(attempt-1)),
-- stretched by up to backoff_jitter (u in [0,1), random when NULL), never beyond cap.
CREATE OR REPLACE FUNCTION public.job_queue_retry_delay(attempt integer, u double precision DEFAULT NULL)
RETURNS interval
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
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
CREATE OR REPLACE FUNCTION pgcadence.job_queue_check(fn text, task_type text, payload jsonb, max_attempts integer, max_payload integer)
RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
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
REVOKE ALL ON FUNCTION pgcadence.job_queue_check(text, text, jsonb, integer, integer) FROM PUBLIC, anon, authenticated;
