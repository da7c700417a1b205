-- The job queue's shared checks: who may manage the queue, the retry backoff, and
-- the validation every enqueue path applies.

-- Raise 42501 unless the caller is service_role (or a member, or a superuser), the owner
-- of the queue's functions, or an admin.
-- Inside SECURITY DEFINER current_user is the owner, so the caller is read from the
-- session: SET ROLE (as PostgREST does) or else the login role.
CREATE OR REPLACE FUNCTION pgcadence.job_queue_require_manager(fn text) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    caller name := CASE WHEN pg_catalog.current_setting('role') = 'none' THEN session_user
                        ELSE pg_catalog.current_setting('role')::name END;
BEGIN
    IF pg_catalog.pg_has_role(caller, 'service_role', 'MEMBER') OR pg_catalog.pg_has_role(caller, current_user, 'MEMBER')
       OR public.is_admin_user() THEN
        RETURN;
    END IF;
    RAISE EXCEPTION '%: permission denied: only service_role or an admin (profiles.role = ''admin'') may manage the job queue', fn
        USING ERRCODE = '42501';
END
$$;
REVOKE ALL ON FUNCTION pgcadence.job_queue_require_manager(text) FROM PUBLIC, anon, authenticated;

-- Raise 42501 "<fn>: permission denied: only an admin (profiles.role = 'admin'),
-- service_role or the database owner may <what>" unless the caller is one of those; anon
-- and authenticated count only as an admin user. The one rule behind the cron, admin
-- console and alert checks (cron_require_admin, admin_require, alerts_require_admin).
-- Inside SECURITY DEFINER current_user is the owner, so the caller is read from the
-- session: SET ROLE (as PostgREST does) or else the login role.
CREATE OR REPLACE FUNCTION pgcadence.require_admin(fn text, what text) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    caller name := CASE WHEN pg_catalog.current_setting('role') = 'none' THEN session_user
                        ELSE pg_catalog.current_setting('role')::name END;
BEGIN
    IF caller NOT IN ('anon', 'authenticated')
       AND (pg_catalog.pg_has_role(caller, 'service_role', 'MEMBER') OR pg_catalog.pg_has_role(caller, current_user, 'MEMBER')) THEN
        RETURN;
    END IF;
    IF caller <> 'anon' AND public.is_admin_user() THEN
        RETURN;
    END IF;
    RAISE EXCEPTION '%: permission denied: only an admin (profiles.role = ''admin''), service_role or the database owner may %', fn, what
        USING ERRCODE = '42501';
END
$$;
REVOKE ALL ON FUNCTION pgcadence.require_admin(text, text) FROM PUBLIC, anon, authenticated;

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

-- Raise 42501 unless the caller may run jobs: service_role (or a member), or the owner
-- of the queue's functions (a superuser is a member of every role). Called first by
-- every worker function, on top of their EXECUTE grants: a grant given later by
-- default privileges (as Supabase gives anon and authenticated) does not open them.
CREATE OR REPLACE FUNCTION pgcadence.job_queue_require_worker(fn text) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    caller name := CASE WHEN pg_catalog.current_setting('role') = 'none' THEN session_user
                        ELSE pg_catalog.current_setting('role')::name END;
BEGIN
    IF pg_catalog.pg_has_role(caller, 'service_role', 'MEMBER') OR pg_catalog.pg_has_role(caller, current_user, 'MEMBER') THEN
        RETURN;
    END IF;
    RAISE EXCEPTION '%: permission denied: only service_role (a queue worker) may claim or finish jobs', fn
        USING ERRCODE = '42501';
END
$$;
REVOKE ALL ON FUNCTION pgcadence.job_queue_require_worker(text) FROM PUBLIC, anon, authenticated;

-- Raise 22023 unless lease is positive and at most the settings' max_lease.
CREATE OR REPLACE FUNCTION pgcadence.job_queue_check_lease(fn text, what text, lease interval) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cap interval := (SELECT s.max_lease FROM pgcadence.job_queue_settings s);
BEGIN
    IF lease IS NULL OR lease <= '0' OR lease > cap THEN
        RAISE EXCEPTION '%: % must be positive and at most % (got %)', fn, what, cap, lease
            USING ERRCODE = '22023', HINT = 'Long handlers keep their job with heartbeats; a DBA can raise job_queue_settings.max_lease.';
    END IF;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.job_queue_check_lease(text, text, interval) FROM PUBLIC, anon, authenticated;

-- Limits of what a job may carry, beyond max_payload_bytes: what the workers could not
-- decode (nesting, numbers longer than a Python int may be) or the index could not hold.
CREATE OR REPLACE FUNCTION pgcadence.job_queue_limits(OUT max_depth integer, OUT max_dedupe_key_bytes integer)
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT 100, 512
$$;
REVOKE ALL ON FUNCTION pgcadence.job_queue_limits() FROM PUBLIC, anon, authenticated;

-- Validate one job (both enqueue forms): raise one clear error naming the field.
CREATE OR REPLACE FUNCTION pgcadence.job_queue_check(fn text, task_type text, payload jsonb, run_at timestamptz,
                                                     max_attempts integer, dedupe_key text, max_payload integer)
RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    size integer;
    lim record := pgcadence.job_queue_limits();
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
    IF payload IS NOT NULL AND pg_catalog.jsonb_path_exists(payload, pg_catalog.format('strict $.**{%s}', lim.max_depth)::jsonpath) THEN
        RAISE EXCEPTION '%: payload nests more than % levels deep', fn, lim.max_depth USING ERRCODE = '54000';
    END IF;
    IF payload IS NOT NULL AND pg_catalog.jsonb_path_exists(payload,
            'strict $.** ? (@.type() == "number" && (@ >= 1e1000 || @ <= -1e1000))') THEN
        RAISE EXCEPTION '%: payload holds a number of more than 1000 digits', fn USING ERRCODE = '22003';
    END IF;
    IF run_at IS NOT NULL AND NOT pg_catalog.isfinite(run_at) THEN
        RAISE EXCEPTION '%: run_at must be a finite time (got %)', fn, run_at USING ERRCODE = '22008';
    END IF;
    IF max_attempts IS NOT NULL AND max_attempts < 1 THEN
        RAISE EXCEPTION '%: max_attempts must be at least 1 (got %)', fn, max_attempts USING ERRCODE = '22023';
    END IF;
    IF pg_catalog.octet_length(dedupe_key) > lim.max_dedupe_key_bytes THEN
        RAISE EXCEPTION '%: dedupe_key is % bytes; the limit is % bytes', fn, pg_catalog.octet_length(dedupe_key),
            lim.max_dedupe_key_bytes USING ERRCODE = '54000';
    END IF;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.job_queue_check(text, text, jsonb, timestamptz, integer, text, integer)
    FROM PUBLIC, anon, authenticated;

-- ============================================================ row rules of job_queue
-- The task type and payload rules of every row however it is written (the enqueue
-- functions check them first, with clearer errors). A trigger rather than CHECK
-- constraints: PostgreSQL checks every CHECK on every new row version, and the worker's
-- claim and finish write two per job without touching either column (the payload rule
-- read the whole payload each time). The trigger fires only on INSERT or when one of
-- the two columns is assigned, and its WHEN condition holds the rules, so a valid row
-- never calls the function: it only raises, as the constraints did (SQLSTATE 23514,
-- their names; no row contents, which may hold secrets).
CREATE OR REPLACE FUNCTION pgcadence.job_queue_reject_row() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    rule text := CASE WHEN NEW.payload IS NULL OR pg_catalog.jsonb_typeof(NEW.payload) = 'object'
                      THEN 'job_queue_task_type_check' ELSE 'job_queue_payload_check' END;
BEGIN
    RAISE EXCEPTION 'new row for relation "job_queue" violates check constraint "%"', rule
        USING ERRCODE = 'check_violation', CONSTRAINT = rule, SCHEMA = 'public', TABLE = 'job_queue',
              HINT = CASE WHEN rule = 'job_queue_payload_check' THEN 'payload must be a JSON object.'
                          ELSE 'task_type: a letter or digit, then up to 99 letters, digits, _ . : -' END;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.job_queue_reject_row() FROM PUBLIC, anon, authenticated;

-- The rules (without a regular expression: cheaper, same rule as
-- ^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$). A NULL column passes here and fails NOT NULL.
-- Two triggers with the same condition: BEFORE INSERT, and AFTER an UPDATE that assigns
-- either column (the statement fails all the same). Any BEFORE UPDATE row trigger makes
-- PostgreSQL lock and read every row an UPDATE changes before it looks at the trigger's
-- column list — for the worker's finish, a second row lock and WAL record per job. The
-- condition is written twice: in a function it would need its own search_path, and
-- PostgreSQL never inlines a function that sets one (a call per inserted row).
CREATE OR REPLACE TRIGGER job_queue_row_rules
    BEFORE INSERT ON public.job_queue
    FOR EACH ROW
    WHEN (NOT (NEW.task_type <> ''
               AND pg_catalog.length(NEW.task_type) <= 100
               AND pg_catalog.ltrim(NEW.task_type, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-') = ''
               AND pg_catalog.strpos('_.:-', pg_catalog.left(NEW.task_type, 1)) = 0
               AND pg_catalog.jsonb_typeof(NEW.payload) = 'object'))
    EXECUTE FUNCTION pgcadence.job_queue_reject_row();
COMMENT ON TRIGGER job_queue_row_rules ON public.job_queue IS
    'Rejects an inserted row whose task_type or payload breaks the queue''s rules (SQLSTATE 23514, constraint job_queue_task_type_check or job_queue_payload_check).';
CREATE OR REPLACE TRIGGER job_queue_row_rules_update
    AFTER UPDATE OF task_type, payload ON public.job_queue
    FOR EACH ROW
    WHEN (NOT (NEW.task_type <> ''
               AND pg_catalog.length(NEW.task_type) <= 100
               AND pg_catalog.ltrim(NEW.task_type, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-') = ''
               AND pg_catalog.strpos('_.:-', pg_catalog.left(NEW.task_type, 1)) = 0
               AND pg_catalog.jsonb_typeof(NEW.payload) = 'object'))
    EXECUTE FUNCTION pgcadence.job_queue_reject_row();
COMMENT ON TRIGGER job_queue_row_rules_update ON public.job_queue IS
    'Rejects an UPDATE that assigns task_type or payload a value breaking the queue''s rules (SQLSTATE 23514, as job_queue_row_rules); fires only when either column is assigned.';
