-- Authenticated cache warming (docs/requirements.md, "Cache warming"): what to warm, and recording each result
-- with its audit row.

-- Which (org_ref, category) pairs a warm-cache call covers, and whether each is fresh.
CREATE OR REPLACE FUNCTION public.cache_warm_plan(p_org_ref text DEFAULT NULL, p_category text DEFAULT NULL)
RETURNS TABLE (org_ref text, category text, fresh boolean)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH wanted AS (
        -- both given: exactly that pair, a target or not
        SELECT p_org_ref AS org_ref, p_category AS category
        WHERE p_org_ref IS NOT NULL AND p_category IS NOT NULL
        UNION ALL
        -- otherwise: the enabled targets matching what was given
        SELECT t.org_ref, t.category FROM public.cache_warm_targets t
        WHERE t.enabled AND NOT (p_org_ref IS NOT NULL AND p_category IS NOT NULL)
          AND (p_org_ref IS NULL OR t.org_ref = p_org_ref)
          AND (p_category IS NULL OR t.category = p_category)
    )
    SELECT w.org_ref, w.category,
           coalesce((SELECT cp.expires_at > now() FROM public.cached_programs cp
                     WHERE cp.org_ref = w.org_ref AND cp.category = w.category), false)
    FROM wanted w
    ORDER BY w.org_ref, w.category
$$;
COMMENT ON FUNCTION public.cache_warm_plan(text, text) IS
    'Targets of a warm-cache call: the given pair, else the enabled cache_warm_targets matching the filter; '
    'fresh = a cached_programs row that has not expired.';
REVOKE ALL ON FUNCTION public.cache_warm_plan(text, text) FROM PUBLIC, anon, authenticated;

-- Record one warm attempt: upsert cached_programs on success, audit success or failure.
CREATE OR REPLACE FUNCTION public.record_cache_warm(
    p_org_ref text, p_category text, p_programs jsonb, p_duration_ms integer, p_error text,
    p_user_id uuid DEFAULT NULL, p_credential_id uuid DEFAULT NULL, p_provider text DEFAULT NULL,
    p_ttl interval DEFAULT interval '24 hours', p_attempts integer DEFAULT 1
) RETURNS text
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_error IS NULL THEN
        IF p_programs IS NULL OR pg_catalog.jsonb_typeof(p_programs) <> 'array' THEN
            RAISE EXCEPTION 'programs must be a JSON array' USING ERRCODE = '22023';
        END IF;
        INSERT INTO public.cached_programs AS cp (org_ref, category, programs, discovered_at, expires_at)
        VALUES (p_org_ref, p_category, p_programs, now(), now() + p_ttl)
        ON CONFLICT (org_ref, category) DO UPDATE
            SET programs = excluded.programs, discovered_at = excluded.discovered_at,
                expires_at = excluded.expires_at;
        PERFORM public.log_audit('cache_warm_success', p_user_id, p_org_ref, p_provider, p_credential_id,
            pg_catalog.jsonb_build_object('category', p_category,
                'programs_discovered', pg_catalog.jsonb_array_length(p_programs),
                'duration_ms', p_duration_ms, 'attempts', p_attempts));
        RETURN 'success';
    END IF;
    PERFORM public.log_audit('cache_warm_failed', p_user_id, p_org_ref, p_provider, p_credential_id,
        pg_catalog.jsonb_build_object('category', p_category, 'duration_ms', p_duration_ms,
            'error', p_error, 'attempts', p_attempts));
    RETURN 'failed';
END
$$;
COMMENT ON FUNCTION public.record_cache_warm(text, text, jsonb, integer, text, uuid, uuid, text, interval, integer) IS
    'Outcome of warming one org/category: success upserts cached_programs and audits cache_warm_success '
    '(programs_discovered, duration_ms); failure audits cache_warm_failed (error, duration_ms).';
REVOKE ALL ON FUNCTION public.record_cache_warm(text, text, jsonb, integer, text, uuid, uuid, text, interval, integer) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.cache_warm_plan(text, text) TO service_role;
GRANT EXECUTE ON FUNCTION public.record_cache_warm(text, text, jsonb, integer, text, uuid, uuid, text, interval, integer)
    TO service_role;

-- Why scheduled cache warming cannot work here (see sql/base/modules.sql), or NULL.
CREATE OR REPLACE FUNCTION pgcadence.mandates_unconfigured() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT 'cache warming is not set up: no Vault secret ' || pg_catalog.string_agg(n, ' or ' ORDER BY n)
           || ' (pgcadence mandates rotate, then setup-system-user)'
      FROM pg_catalog.unnest(ARRAY['SYSTEM_MANDATE_JWS', 'SCP_SERVICE_CRED_ID']) AS n
     WHERE NOT EXISTS (SELECT 1 FROM vault.decrypted_secrets d WHERE d.name = n AND coalesce(d.decrypted_secret, '') <> '')
    HAVING pg_catalog.count(*) > 0
$$;
REVOKE ALL ON FUNCTION pgcadence.mandates_unconfigured() FROM PUBLIC, anon, authenticated;
