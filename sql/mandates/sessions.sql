-- Checkout sessions with a 24-hour TTL (docs/requirements.md, "Audit trail and sessions").

-- Save (upsert) a checkout session; refreshes updated_at and pushes expires_at to now() + p_ttl.
CREATE OR REPLACE FUNCTION public.save_checkout_session(
    p_id text, p_context jsonb, p_provider_id text DEFAULT NULL, p_user_id uuid DEFAULT NULL,
    p_ttl interval DEFAULT interval '24 hours'
) RETURNS timestamptz
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_user uuid := coalesce(p_user_id, auth.uid());
    v_expires timestamptz;
BEGIN
    IF v_user IS NULL THEN
        RAISE EXCEPTION 'a checkout session needs a user (sign in, or pass p_user_id as service_role)'
            USING ERRCODE = '22023';
    END IF;
    IF p_ttl IS NULL OR p_ttl <= interval '0' OR p_ttl > interval '30 days' THEN
        RAISE EXCEPTION 'session TTL must be between 0 and 30 days (got %)', p_ttl USING ERRCODE = '22023';
    END IF;
    INSERT INTO public.agentic_checkout_sessions AS s (id, user_id, provider_id, context, expires_at)
    VALUES (p_id, v_user, p_provider_id, coalesce(p_context, '{}'::jsonb), now() + p_ttl)
    ON CONFLICT (id) DO UPDATE
        SET context = excluded.context,
            provider_id = coalesce(excluded.provider_id, s.provider_id),
            created_at = CASE WHEN s.expires_at <= now() THEN now() ELSE s.created_at END,
            updated_at = now(),
            expires_at = excluded.expires_at
        WHERE s.user_id = excluded.user_id
    RETURNING s.expires_at INTO v_expires;
    IF v_expires IS NULL THEN
        RAISE EXCEPTION 'checkout session % belongs to another user', p_id USING ERRCODE = '42501';
    END IF;
    RETURN v_expires;
END
$$;
COMMENT ON FUNCTION public.save_checkout_session(text, jsonb, text, uuid, interval) IS
    'Upsert a checkout session for the caller (RLS: owner only); returns the new expires_at.';
REVOKE ALL ON FUNCTION public.save_checkout_session(text, jsonb, text, uuid, interval) FROM PUBLIC, anon, authenticated;

-- Load a checkout session the caller may see; an expired one reads as absent (no row).
CREATE OR REPLACE FUNCTION public.load_checkout_session(p_id text)
RETURNS TABLE (id text, user_id uuid, provider_id text, context jsonb,
               created_at timestamptz, updated_at timestamptz, expires_at timestamptz)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT s.id, s.user_id, s.provider_id, s.context, s.created_at, s.updated_at, s.expires_at
    FROM public.agentic_checkout_sessions s
    WHERE s.id = p_id AND s.expires_at > now()
$$;
COMMENT ON FUNCTION public.load_checkout_session(text) IS
    'The caller''s checkout session (RLS: owner only), or no row when absent or expired.';
REVOKE ALL ON FUNCTION public.load_checkout_session(text) FROM PUBLIC, anon, authenticated;

-- Delete expired checkout sessions; returns how many.
CREATE OR REPLACE FUNCTION public.cleanup_expired_checkout_sessions() RETURNS integer
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n integer;
BEGIN
    DELETE FROM public.agentic_checkout_sessions WHERE expires_at <= now();
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
COMMENT ON FUNCTION public.cleanup_expired_checkout_sessions() IS
    'Delete every checkout session past expires_at; returns the number deleted (seed 001).';
REVOKE ALL ON FUNCTION public.cleanup_expired_checkout_sessions() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.save_checkout_session(text, jsonb, text, uuid, interval) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.load_checkout_session(text) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.cleanup_expired_checkout_sessions() TO service_role;
