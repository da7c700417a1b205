-- The movies module's cron entry points: call the executor's functions through net.http_post
-- with the service key from Vault.

-- POST a JSON body to an executor function with the service-role key; returns the net request id.
CREATE OR REPLACE FUNCTION pgcadence.call_function(function_name text, body jsonb, timeout_ms integer)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN net.http_post(
        url := pg_catalog.rtrim(public.get_supabase_url(), '/') || '/functions/v1/' || function_name,
        body := body,
        headers := pg_catalog.jsonb_build_object('Content-Type', 'application/json',
                                                 'Authorization', 'Bearer ' || public.get_service_role_key()),
        timeout_milliseconds := timeout_ms);
END
$$;
REVOKE ALL ON FUNCTION pgcadence.call_function(text, jsonb, integer) FROM PUBLIC, anon, authenticated;

-- Ask the executor's scheduled-ingest to ingest up to limit_count movies of source.
CREATE OR REPLACE FUNCTION public.call_scheduled_ingest(source text DEFAULT 'mixed_daily', limit_count integer DEFAULT 30,
                                             trigger text DEFAULT 'cron')
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM public.scheduled_ingest_plan(source, limit_count);  -- refuse a bad source or limit now, not in the executor
    IF trigger IS NULL OR trigger NOT IN ('cron', 'manual') THEN
        RAISE EXCEPTION 'trigger must be cron or manual (got %)', pg_catalog.left(trigger, 32) USING ERRCODE = '22023';
    END IF;
    IF trigger = 'cron' AND pgcadence.skip_unconfigured('movies', 'scheduled-ingest') THEN
        RETURN NULL;
    END IF;
    RETURN pgcadence.call_function('scheduled-ingest',
        pg_catalog.jsonb_build_object('source', source, 'limit', limit_count, 'trigger', trigger), 300000);
END
$$;
COMMENT ON FUNCTION public.call_scheduled_ingest(text, integer, text) IS
    'POST {source, limit, trigger} to the scheduled-ingest function (net.http_post, service-role key from Vault); returns the net request id (NULL: a cron run skipped, the module is not configured).';

-- Ask the executor's daily-refresh to enqueue stale movies.
CREATE OR REPLACE FUNCTION public.call_daily_refresh()
RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT pgcadence.call_function('daily-refresh', '{}'::jsonb, 60000)
     WHERE NOT pgcadence.skip_unconfigured('movies', 'daily-refresh')
$$;
COMMENT ON FUNCTION public.call_daily_refresh() IS
    'POST to the daily-refresh function (enqueue up to 100 stale movies); returns the net request id.';

-- Ask the executor's refresh-worker to process up to 10 queued refreshes.
CREATE OR REPLACE FUNCTION public.call_refresh_worker()
RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT pgcadence.call_function('refresh-worker', '{}'::jsonb, 300000)
     WHERE NOT pgcadence.skip_unconfigured('movies', 'refresh-worker')
$$;
COMMENT ON FUNCTION public.call_refresh_worker() IS
    'POST to the refresh-worker function (claim and refresh up to 10 queued movies); returns the net request id.';
