-- The cache store API (service_role): put, get, due-for-refresh, max age, purge, stats.

-- Store a cache document (insert or replace). Refuses non-objects and oversized data;
-- an older write (last_fetch before the stored one) does not replace a newer one.
CREATE OR REPLACE FUNCTION public.cache_put(
    project text,
    cache_type text,
    data jsonb,
    last_fetch timestamptz DEFAULT now(),
    last_rich_fetch timestamptz DEFAULT NULL,
    max_age interval DEFAULT NULL,
    cache_version text DEFAULT NULL
) RETURNS TABLE (written boolean, data_size integer, updated_at timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    pid integer;
    r record;
BEGIN
    PERFORM pgcadence.cache_check_type(cache_type);
    IF data IS NULL OR pg_catalog.jsonb_typeof(data) <> 'object' THEN
        RAISE EXCEPTION 'cache data for %/% must be a JSON object, not %', project, cache_type,
            COALESCE(pg_catalog.jsonb_typeof(data), 'NULL') USING ERRCODE = '22023';
    END IF;
    IF max_age IS NOT NULL AND max_age <= interval '0' THEN
        RAISE EXCEPTION 'max_age must be positive, not %', max_age USING ERRCODE = '22023';
    END IF;
    pid := pgcadence.cache_project_id(project, true);
    INSERT INTO public.cache_storage AS c
        (project_id, cache_type, data, last_fetch, last_rich_fetch, data_size, max_age, cache_version)
    VALUES (pid, cache_type, data, last_fetch, last_rich_fetch, 0, max_age, COALESCE(cache_version, '1.0'))
    ON CONFLICT (project_id, cache_type) DO UPDATE
        SET data = EXCLUDED.data,
            last_fetch = EXCLUDED.last_fetch,
            last_rich_fetch = COALESCE(EXCLUDED.last_rich_fetch, c.last_rich_fetch),
            max_age = COALESCE(cache_put.max_age, c.max_age),
            cache_version = COALESCE(cache_put.cache_version, c.cache_version),
            refresh_enqueued_at = NULL
        WHERE c.last_fetch IS NULL OR EXCLUDED.last_fetch IS NULL OR EXCLUDED.last_fetch >= c.last_fetch
    RETURNING c.data_size, c.updated_at INTO r;
    IF FOUND THEN
        RETURN QUERY SELECT true, r.data_size, r.updated_at;
    ELSE
        RETURN QUERY SELECT false, c.data_size, c.updated_at FROM public.cache_storage c
            WHERE c.project_id = pid AND c.cache_type = cache_put.cache_type;
    END IF;
END
$$;
COMMENT ON FUNCTION public.cache_put(text, text, jsonb, timestamptz, timestamptz, interval, text) IS
    'Store a cache document (JSON object, at most cache_settings.max_data_bytes). Creates the project on first use. '
    'written = false when the stored copy has a newer last_fetch (nothing changed). last_rich_fetch, max_age, '
    'cache_version: NULL keeps the stored value.';

-- Read one cache document; no row when there is none.
CREATE OR REPLACE FUNCTION public.cache_get(project text, cache_type text)
RETURNS TABLE (data jsonb, last_fetch timestamptz, last_rich_fetch timestamptz, cache_version text,
               max_age interval, data_size integer, updated_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT c.data, c.last_fetch, c.last_rich_fetch, c.cache_version::text, c.max_age, c.data_size, c.updated_at
    FROM public.cache_storage c JOIN public.projects p ON p.id = c.project_id
    WHERE p.project_name = cache_get.project AND c.cache_type = cache_get.cache_type
$$;
COMMENT ON FUNCTION public.cache_get(text, text) IS
    'The cached document of (project, cache_type) with its fetch times, or no row.';

-- Is this cache due? True when missing, never fetched, or last fetched more than max_age ago
-- (max_age NULL: the stored max_age; no max_age at all: due only when missing).
CREATE OR REPLACE FUNCTION public.cache_due_for_refresh(project text, cache_type text, max_age interval DEFAULT NULL)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT COALESCE((
        SELECT CASE WHEN c.last_fetch IS NULL THEN true
                    WHEN COALESCE(cache_due_for_refresh.max_age, c.max_age) IS NULL THEN false
                    ELSE c.last_fetch < pg_catalog.now() - COALESCE(cache_due_for_refresh.max_age, c.max_age) END
        FROM public.cache_storage c JOIN public.projects p ON p.id = c.project_id
        WHERE p.project_name = cache_due_for_refresh.project AND c.cache_type = cache_due_for_refresh.cache_type
    ), true)
$$;
COMMENT ON FUNCTION public.cache_due_for_refresh(text, text, interval) IS
    'True when the cache is missing, never fetched, or its last_fetch is older than max_age (default: the stored max_age).';

-- Set or clear (NULL) the refresh interval of an existing cache.
CREATE OR REPLACE FUNCTION public.cache_set_max_age(project text, cache_type text, max_age interval) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF max_age IS NOT NULL AND max_age <= interval '0' THEN
        RAISE EXCEPTION 'max_age must be positive, not %', max_age USING ERRCODE = '22023';
    END IF;
    UPDATE public.cache_storage c SET max_age = cache_set_max_age.max_age
    FROM public.projects p
    WHERE p.id = c.project_id AND p.project_name = cache_set_max_age.project
      AND c.cache_type = cache_set_max_age.cache_type;
    RETURN FOUND;
END
$$;
COMMENT ON FUNCTION public.cache_set_max_age(text, text, interval) IS
    'Set the refresh interval of a cache (NULL: not refreshed by pg_cron). False when the cache does not exist.';

-- Delete caches (all of a project, or one); returns how many rows went.
CREATE OR REPLACE FUNCTION public.cache_purge(project text DEFAULT NULL, cache_type text DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n integer;
BEGIN
    IF project IS NULL AND cache_type IS NOT NULL THEN
        RAISE EXCEPTION 'cache_purge: give the project when giving a cache_type' USING ERRCODE = '22023';
    END IF;
    PERFORM pg_catalog.set_config('pgcadence.cache_operation', 'purge', true);  -- for the operation log
    DELETE FROM public.cache_storage c
    USING public.projects p
    WHERE p.id = c.project_id
      AND (cache_purge.project IS NULL OR p.project_name = cache_purge.project)
      AND (cache_purge.cache_type IS NULL OR c.cache_type = cache_purge.cache_type);
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM pg_catalog.set_config('pgcadence.cache_operation', '', true);
    DELETE FROM public.cache_stats s
    USING public.projects p
    WHERE p.id = s.project_id
      AND (cache_purge.project IS NULL OR p.project_name = cache_purge.project)
      AND (cache_purge.cache_type IS NULL OR s.cache_type = cache_purge.cache_type);
    RETURN n;
END
$$;
COMMENT ON FUNCTION public.cache_purge(text, text) IS
    'Delete every cache, those of one project, or one cache (and their stats). Returns the number of caches deleted.';

-- Add counter deltas from one runner process: {"memory": {"hits": 1, "misses": 0, "errors": 0,
-- "latency_samples": 1, "latency_total_us": 2.5}, "file": {...}, ...}.
CREATE OR REPLACE FUNCTION public.cache_record_stats(project text, cache_type text, deltas jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    pid integer;
BEGIN
    PERFORM pgcadence.cache_check_type(cache_type);
    IF deltas IS NULL OR pg_catalog.jsonb_typeof(deltas) <> 'object' THEN
        RAISE EXCEPTION 'cache_record_stats: deltas must be a JSON object' USING ERRCODE = '22023';
    END IF;
    pid := pgcadence.cache_project_id(project, true);
    INSERT INTO public.cache_stats AS s
        (project_id, cache_type, tier, hits, misses, errors, latency_samples, latency_total_us)
    SELECT pid, cache_record_stats.cache_type, d.key,
           COALESCE((d.value ->> 'hits')::bigint, 0), COALESCE((d.value ->> 'misses')::bigint, 0),
           COALESCE((d.value ->> 'errors')::bigint, 0), COALESCE((d.value ->> 'latency_samples')::bigint, 0),
           COALESCE((d.value ->> 'latency_total_us')::double precision, 0)
    FROM pg_catalog.jsonb_each(deltas) d
    ON CONFLICT ON CONSTRAINT cache_stats_pkey DO UPDATE
        SET hits = s.hits + EXCLUDED.hits, misses = s.misses + EXCLUDED.misses,
            errors = s.errors + EXCLUDED.errors, latency_samples = s.latency_samples + EXCLUDED.latency_samples,
            latency_total_us = s.latency_total_us + EXCLUDED.latency_total_us, updated_at = pg_catalog.now();
END
$$;
COMMENT ON FUNCTION public.cache_record_stats(text, text, jsonb) IS
    'Add per-tier counter deltas ({"memory": {"hits": n, "misses": n, "errors": n, "latency_samples": n, "latency_total_us": x}, ...}).';

REVOKE ALL ON FUNCTION public.cache_put(text, text, jsonb, timestamptz, timestamptz, interval, text) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.cache_get(text, text) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.cache_due_for_refresh(text, text, interval) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.cache_set_max_age(text, text, interval) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.cache_purge(text, text) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.cache_record_stats(text, text, jsonb) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.cache_put(text, text, jsonb, timestamptz, timestamptz, interval, text) TO service_role;
GRANT EXECUTE ON FUNCTION public.cache_get(text, text) TO service_role;
GRANT EXECUTE ON FUNCTION public.cache_due_for_refresh(text, text, interval) TO service_role;
GRANT EXECUTE ON FUNCTION public.cache_set_max_age(text, text, interval) TO service_role;
GRANT EXECUTE ON FUNCTION public.cache_purge(text, text) TO service_role;
GRANT EXECUTE ON FUNCTION public.cache_record_stats(text, text, jsonb) TO service_role;
