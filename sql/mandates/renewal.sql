-- Renewal of the system mandate (the Vault secret SYSTEM_MANDATE_JWS) before it expires
-- (docs/requirements.md, "Cache warming"). A standing job runs call_mandate_renewal():
-- when less than renew_before remains it asks the executor's renew-system-mandate
-- function, with the service key from Vault, to issue a new one (audited
-- mandate_created). How each renewal ended is kept in pgcadence.mandate_renewal for
-- pgcadence doctor; a failure is also an audit row (mandate_renewal_failed).

-- The claims of a JWS, unverified (only the executor holds the key that checks it); NULL if it is not one.
CREATE OR REPLACE FUNCTION pgcadence.jws_claims(p_jws text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    part text := pg_catalog.translate(pg_catalog.split_part(coalesce(p_jws, ''), '.', 2), '-_', '+/');
    claims jsonb;
BEGIN
    IF part = '' THEN
        RETURN NULL;
    END IF;
    part := part || pg_catalog.repeat('=', (4 - pg_catalog.length(part) % 4) % 4);
    claims := pg_catalog.convert_from(pg_catalog.decode(part, 'base64'), 'UTF8')::jsonb;
    RETURN CASE WHEN pg_catalog.jsonb_typeof(claims) = 'object' THEN claims END;
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.jws_claims(text) FROM PUBLIC, anon, authenticated;

-- The stored system mandate's claims (NULL: none stored, or not a JWS).
CREATE OR REPLACE FUNCTION pgcadence.system_mandate_claims() RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT pgcadence.jws_claims(d.decrypted_secret)
      FROM vault.decrypted_secrets d
     WHERE d.name = 'SYSTEM_MANDATE_JWS' AND coalesce(d.decrypted_secret, '') <> ''
     LIMIT 1
$$;
REVOKE ALL ON FUNCTION pgcadence.system_mandate_claims() FROM PUBLIC, anon, authenticated;

-- Where the renewal stands: is a mandate stored, when does it expire, is renewal due, how did the last one end.
CREATE OR REPLACE FUNCTION public.mandate_renewal_status()
RETURNS TABLE (configured boolean, expires_at timestamptz, renew_before interval, due boolean,
               in_flight boolean, requested_at timestamptz, last_success_at timestamptz,
               last_failure_at timestamptz, last_error text, failing boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r pgcadence.mandate_renewal;
    v_configured boolean := EXISTS (SELECT 1 FROM vault.decrypted_secrets d
                                     WHERE d.name = 'SYSTEM_MANDATE_JWS' AND coalesce(d.decrypted_secret, '') <> '');
    v_claims jsonb := pgcadence.system_mandate_claims();
    v_exp timestamptz;
BEGIN
    SELECT * INTO r FROM pgcadence.mandate_renewal;
    IF pg_catalog.jsonb_typeof(v_claims -> 'exp') = 'number' THEN
        v_exp := pg_catalog.to_timestamp((v_claims ->> 'exp')::double precision);
    END IF;
    RETURN QUERY SELECT
        v_configured, v_exp, r.renew_before,
        -- a stored mandate that is not a JWS is due too: renewing it is the way out
        v_configured AND (v_exp IS NULL OR v_exp - r.renew_before <= pg_catalog.now()),
        r.request_id IS NOT NULL, r.requested_at, r.last_success_at, r.last_failure_at, r.last_error,
        r.last_failure_at IS NOT NULL AND r.last_failure_at > coalesce(r.last_success_at, '-infinity');
END
$$;
COMMENT ON FUNCTION public.mandate_renewal_status() IS
    'The system mandate''s renewal: stored?, expiry, whether renewal is due (less than renew_before left), '
    'the request in flight, last success / failure; failing = the last renewal failed.';
REVOKE ALL ON FUNCTION public.mandate_renewal_status() FROM PUBLIC, anon, authenticated;

-- How a renewal ended: 'renewed', 'skipped' (not due) or 'failed' (audited mandate_renewal_failed).
CREATE OR REPLACE FUNCTION public.record_mandate_renewal(p_outcome text, p_error text DEFAULT NULL,
                                                        p_metadata jsonb DEFAULT '{}'::jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_user uuid;
BEGIN
    IF p_outcome IS NULL OR p_outcome NOT IN ('renewed', 'skipped', 'failed') THEN
        RAISE EXCEPTION 'renewal outcome must be renewed, skipped or failed (got %)', p_outcome USING ERRCODE = '22023';
    END IF;
    UPDATE pgcadence.mandate_renewal
       SET request_id = NULL, requested_at = NULL,
           last_success_at = CASE WHEN p_outcome = 'renewed' THEN pg_catalog.now() ELSE last_success_at END,
           last_failure_at = CASE WHEN p_outcome = 'failed' THEN pg_catalog.now() ELSE last_failure_at END,
           last_error = CASE WHEN p_outcome = 'failed' THEN pg_catalog.left(coalesce(p_error, 'unknown error'), 1000)
                             ELSE last_error END;
    IF p_outcome = 'failed' THEN
        BEGIN
            v_user := (pgcadence.system_mandate_claims() ->> 'user_id')::uuid;
        EXCEPTION WHEN invalid_text_representation THEN
            v_user := NULL;
        END;
        PERFORM public.log_audit('mandate_renewal_failed', v_user, NULL, NULL, NULL,
            coalesce(p_metadata, '{}'::jsonb) || pg_catalog.jsonb_build_object(
                'error', pg_catalog.left(coalesce(p_error, 'unknown error'), 1000)));
    END IF;
END
$$;
COMMENT ON FUNCTION public.record_mandate_renewal(text, text, jsonb) IS
    'Record how a system-mandate renewal ended (renewed / skipped / failed); a failure is audited '
    'mandate_renewal_failed and makes pgcadence doctor FAIL until the next success.';
REVOKE ALL ON FUNCTION public.record_mandate_renewal(text, text, jsonb) FROM PUBLIC, anon, authenticated;

-- The standing job's step: settle the request in flight (a failure nobody recorded: the
-- executor unreachable, refusing the key, or silent for 15 minutes), then, when renewal
-- is due (or p_force), ask the executor to renew. Returns the new request id, or NULL.
CREATE OR REPLACE FUNCTION public.call_mandate_renewal(p_force boolean DEFAULT false) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r pgcadence.mandate_renewal;
    v_status integer;
    v_error text;
    v_timed_out boolean;
    v_id bigint;
BEGIN
    SELECT * INTO r FROM pgcadence.mandate_renewal FOR UPDATE;
    IF r.request_id IS NOT NULL THEN
        SELECT h.status_code, h.error_msg, h.timed_out INTO v_status, v_error, v_timed_out
          FROM net._http_response h WHERE h.id = r.request_id;
        IF FOUND AND (coalesce(v_timed_out, false) OR v_error IS NOT NULL OR coalesce(v_status, 0) NOT BETWEEN 200 AND 299) THEN
            PERFORM public.record_mandate_renewal('failed',
                'the executor did not renew: ' || coalesce(v_error, CASE WHEN v_timed_out THEN 'timed out' END,
                                                           'HTTP ' || v_status::text),
                pg_catalog.jsonb_build_object('request_id', r.request_id));
        ELSIF FOUND THEN
            -- answered without recording (an executor that does not know renewal outcomes)
            UPDATE pgcadence.mandate_renewal SET request_id = NULL, requested_at = NULL;
        ELSIF r.requested_at < pg_catalog.now() - interval '15 minutes' THEN
            PERFORM public.record_mandate_renewal('failed',
                'no answer from the executor within 15 minutes (is pgcadence serve running, with its net sender?)',
                pg_catalog.jsonb_build_object('request_id', r.request_id));
        ELSE
            RETURN NULL;  -- still in flight
        END IF;
    END IF;
    IF NOT p_force AND NOT coalesce((SELECT s.due FROM public.mandate_renewal_status() s), false) THEN
        RETURN NULL;
    END IF;
    v_id := net.http_post(
        url := public.get_supabase_url() || '/functions/v1/renew-system-mandate',
        headers := pg_catalog.jsonb_build_object('Content-Type', 'application/json',
                                                 'Authorization', 'Bearer ' || public.get_service_role_key()),
        body := pg_catalog.jsonb_build_object('force', p_force, 'source', 'cron'),
        timeout_milliseconds := 60000);
    UPDATE pgcadence.mandate_renewal SET request_id = v_id, requested_at = pg_catalog.now();
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION public.call_mandate_renewal(boolean) IS
    'Ask the executor (renew-system-mandate, service key from Vault) to renew SYSTEM_MANDATE_JWS when less than '
    'renew_before remains (or p_force); settles the previous request first. Returns the net request id or NULL.';
REVOKE ALL ON FUNCTION public.call_mandate_renewal(boolean) FROM PUBLIC, anon, authenticated;

-- Renewal settings: how long before expiry to renew, and how long a renewed mandate lasts (NULL keeps a value).
CREATE OR REPLACE FUNCTION public.configure_mandate_renewal(p_renew_before interval DEFAULT NULL,
                                                           p_duration_minutes integer DEFAULT NULL)
RETURNS TABLE (renew_before interval, duration_minutes integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF pgcadence.request_role() NOT IN ('service_role', 'owner') THEN
        RAISE EXCEPTION 'configure_mandate_renewal: only service_role may change the renewal' USING ERRCODE = '42501';
    END IF;
    IF p_duration_minutes IS NOT NULL AND p_duration_minutes NOT BETWEEN 60 AND 129600 THEN
        RAISE EXCEPTION 'duration_minutes must be between 60 and 129600 (90 days), got %', p_duration_minutes
            USING ERRCODE = '22023';
    END IF;
    IF p_renew_before IS NOT NULL AND p_renew_before <= interval '0' THEN
        RAISE EXCEPTION 'renew_before must be positive, got %', p_renew_before USING ERRCODE = '22023';
    END IF;
    BEGIN
        RETURN QUERY
        UPDATE pgcadence.mandate_renewal m
           SET renew_before = coalesce(p_renew_before, m.renew_before),
               duration_minutes = coalesce(p_duration_minutes, m.duration_minutes)
        RETURNING m.renew_before, m.duration_minutes;
    EXCEPTION WHEN check_violation THEN
        RAISE EXCEPTION 'a renewed mandate must last longer than renew_before (else it would be renewed at once)'
            USING ERRCODE = '22023';
    END;
END
$$;
COMMENT ON FUNCTION public.configure_mandate_renewal(interval, integer) IS
    'Renew the system mandate when less than renew_before (default 48 h) remains; a renewed mandate lasts '
    'duration_minutes (default 10080 = 7 days). NULL keeps a value. service_role and the owner.';
REVOKE ALL ON FUNCTION public.configure_mandate_renewal(interval, integer) FROM PUBLIC, anon, authenticated;

-- What renew-system-mandate needs: whether it is due, and how long the new mandate lasts.
CREATE OR REPLACE FUNCTION public.mandate_renewal_plan()
RETURNS TABLE (due boolean, duration_minutes integer, expires_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT s.due, r.duration_minutes, s.expires_at
      FROM public.mandate_renewal_status() s, pgcadence.mandate_renewal r
$$;
COMMENT ON FUNCTION public.mandate_renewal_plan() IS
    'For renew-system-mandate: whether renewal is due and the validity (minutes) of the new mandate.';
REVOKE ALL ON FUNCTION public.mandate_renewal_plan() FROM PUBLIC, anon, authenticated;

GRANT EXECUTE ON FUNCTION public.mandate_renewal_status(), public.record_mandate_renewal(text, text, jsonb),
    public.call_mandate_renewal(boolean), public.configure_mandate_renewal(interval, integer),
    public.mandate_renewal_plan() TO service_role;
