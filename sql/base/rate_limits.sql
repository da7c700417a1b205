-- Rate limiting of the executor's routes: one call per request decides, for every runner
-- process alike, whether the caller is over its limit (docs/security.md, "Rate limits").

-- Count one request of p_role to p_function from p_key (the user or service key; NULL
-- for the anon key, which everyone shares) and p_address; 0 when allowed, else the
-- seconds until the current one-minute window ends (the Retry-After).
CREATE OR REPLACE FUNCTION pgcadence.rate_limit_hit(p_function text, p_role text, p_key text, p_address text)
RETURNS integer
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_class text := CASE WHEN p_role IN ('authenticated', 'service_role') THEN p_role ELSE 'anon' END;
    v_limit integer;
    v_window timestamptz := pg_catalog.date_trunc('minute', pg_catalog.now());
    v_hits integer;
BEGIN
    SELECT CASE v_class
               WHEN 'anon' THEN coalesce(f.anon_per_minute, d.anon_per_minute)
               WHEN 'authenticated' THEN coalesce(f.authenticated_per_minute, d.authenticated_per_minute)
               ELSE coalesce(f.service_role_per_minute, d.service_role_per_minute) END
      INTO v_limit
      FROM pgcadence.rate_limits d
      LEFT JOIN pgcadence.rate_limits f ON f.function_name = p_function
     WHERE d.function_name = '*';
    IF v_limit IS NULL THEN
        RETURN 0;  -- unlimited
    END IF;
    WITH counted AS (
        INSERT INTO pgcadence.rate_limit_hits AS h (bucket, window_start, hits)
        SELECT b, v_window, 1
          FROM pg_catalog.unnest(ARRAY[
                   CASE WHEN p_key IS NOT NULL THEN 'key:' || p_function || ':' || v_class || ':' || p_key END,
                   CASE WHEN p_address IS NOT NULL THEN 'addr:' || p_function || ':' || v_class || ':' || p_address END]) b
         WHERE b IS NOT NULL
        ON CONFLICT (bucket) DO UPDATE
            SET hits = CASE WHEN h.window_start = EXCLUDED.window_start THEN h.hits + 1 ELSE 1 END,
                window_start = EXCLUDED.window_start
        RETURNING h.hits)
    SELECT max(c.hits) INTO v_hits FROM counted c;
    IF coalesce(v_hits, 0) <= v_limit THEN
        RETURN 0;
    END IF;
    RETURN GREATEST(1, pg_catalog.ceil(EXTRACT(epoch FROM v_window + interval '1 minute' - pg_catalog.now()))::integer);
END
$$;
REVOKE ALL ON FUNCTION pgcadence.rate_limit_hit(text, text, text, text) FROM PUBLIC, anon, authenticated;
COMMENT ON FUNCTION pgcadence.rate_limit_hit(text, text, text, text) IS
    'Executor rate limit: count a request (function, role, key, client address); 0 = allowed, else seconds to wait.';

-- Set (or, with NULLs, clear) the limits of one function ('*': the defaults).
CREATE OR REPLACE FUNCTION pgcadence.set_rate_limit(p_function text, anon_per_minute integer DEFAULT NULL,
                                                     authenticated_per_minute integer DEFAULT NULL,
                                                     service_role_per_minute integer DEFAULT NULL)
RETURNS void
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO pgcadence.rate_limits AS r (function_name, anon_per_minute, authenticated_per_minute, service_role_per_minute)
    VALUES (p_function, set_rate_limit.anon_per_minute, set_rate_limit.authenticated_per_minute,
            set_rate_limit.service_role_per_minute)
    ON CONFLICT (function_name) DO UPDATE
        SET anon_per_minute = EXCLUDED.anon_per_minute, authenticated_per_minute = EXCLUDED.authenticated_per_minute,
            service_role_per_minute = EXCLUDED.service_role_per_minute, updated_at = pg_catalog.now()
$$;
REVOKE ALL ON FUNCTION pgcadence.set_rate_limit(text, integer, integer, integer) FROM PUBLIC, anon, authenticated;
COMMENT ON FUNCTION pgcadence.set_rate_limit(text, integer, integer, integer) IS
    'Requests per minute per key and per client address for one executor function (''*'': the defaults; NULL: as the default, or unlimited in the default row). Owner only.';

-- Forget counters of windows long gone (the pgcadence_rate_limit_cleanup job).
CREATE OR REPLACE FUNCTION pgcadence.rate_limit_cleanup() RETURNS integer
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    WITH gone AS (DELETE FROM pgcadence.rate_limit_hits h WHERE h.window_start < pg_catalog.now() - interval '5 minutes'
                  RETURNING 1)
    SELECT count(*)::integer FROM gone
$$;
REVOKE ALL ON FUNCTION pgcadence.rate_limit_cleanup() FROM PUBLIC, anon, authenticated;

SELECT cron.schedule('pgcadence_rate_limit_cleanup', '*/10 * * * *', 'SELECT pgcadence.rate_limit_cleanup()');
