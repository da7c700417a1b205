-- The TMDB-like upstream: settings, a rate limit shared by every runner, and the
-- call log.

-- Upstream settings and the API key (from Vault) for the executor; errors when the key is missing.
CREATE OR REPLACE FUNCTION public.tmdb_config(
    OUT base_url text, OUT api_key text, OUT auth_style text, OUT timeout_ms integer,
    OUT requests_per_second double precision)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s pgcadence.movies_settings;
BEGIN
    SELECT * INTO s FROM pgcadence.movies_settings;
    SELECT ds.decrypted_secret INTO api_key FROM vault.decrypted_secrets ds WHERE ds.name = s.api_key_secret;
    IF api_key IS NULL OR api_key = '' THEN
        RAISE EXCEPTION 'the TMDB API key is not configured: store it in Vault as %', s.api_key_secret
            USING ERRCODE = 'P0002',
                  HINT = pg_catalog.format('pgcadence secrets set %s, or select vault.create_secret(''<key>'', %L)',
                                           s.api_key_secret, s.api_key_secret);
    END IF;
    base_url := pg_catalog.rtrim(s.base_url, '/');
    auth_style := s.auth_style;
    timeout_ms := s.timeout_ms;
    requests_per_second := s.requests_per_second;
END
$$;
COMMENT ON FUNCTION public.tmdb_config() IS
    'For the executor: upstream base URL, API key (Vault), auth style (bearer or query api_key), timeout and request rate.';

-- Change upstream settings; NULL arguments keep the current value. Returns the settings (no key).
CREATE OR REPLACE FUNCTION public.tmdb_configure(base_url text DEFAULT NULL, requests_per_second double precision DEFAULT NULL,
                                      timeout_ms integer DEFAULT NULL, auth_style text DEFAULT NULL,
                                      api_key_secret text DEFAULT NULL, max_retry_after_s integer DEFAULT NULL,
                                      max_429_waits integer DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    UPDATE pgcadence.movies_settings s SET
        base_url = COALESCE(tmdb_configure.base_url, s.base_url),
        requests_per_second = COALESCE(tmdb_configure.requests_per_second, s.requests_per_second),
        timeout_ms = COALESCE(tmdb_configure.timeout_ms, s.timeout_ms),
        auth_style = COALESCE(tmdb_configure.auth_style, s.auth_style),
        api_key_secret = COALESCE(tmdb_configure.api_key_secret, s.api_key_secret),
        max_retry_after_s = COALESCE(tmdb_configure.max_retry_after_s, s.max_retry_after_s),
        max_429_waits = COALESCE(tmdb_configure.max_429_waits, s.max_429_waits),
        updated_at = pg_catalog.now()
    RETURNING pg_catalog.to_jsonb(s) - 'id' - 'next_request_at'
$$;
COMMENT ON FUNCTION public.tmdb_configure(text, double precision, integer, text, text, integer, integer) IS
    'Set the TMDB-compatible upstream: base_url, requests_per_second, timeout_ms, auth_style (bearer|query), Vault secret name of the key, 429 handling.';

-- Take the next request slot of the shared rate gate; returns seconds to wait before sending.
-- One row lock per call: every executor process shares the rate (and a 429's pause).
CREATE OR REPLACE FUNCTION public.tmdb_rate_acquire()
RETURNS double precision
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    WITH cur AS (
        SELECT GREATEST(s.next_request_at, pg_catalog.clock_timestamp()) AS slot, s.requests_per_second
          FROM pgcadence.movies_settings s FOR UPDATE
    ), upd AS (
        UPDATE pgcadence.movies_settings s
           SET next_request_at = c.slot + pg_catalog.make_interval(secs => 1.0 / c.requests_per_second)
          FROM cur c
        RETURNING c.slot
    )
    SELECT GREATEST(0, extract(epoch FROM u.slot - pg_catalog.clock_timestamp()))::double precision FROM upd u
$$;
COMMENT ON FUNCTION public.tmdb_rate_acquire() IS
    'Rate gate: reserve the next upstream request slot (requests_per_second, pushed back by a 429 Retry-After); returns seconds to wait.';

-- Seconds of a Retry-After header value (delta-seconds or an HTTP date); NULL when unreadable.
CREATE OR REPLACE FUNCTION pgcadence.retry_after_seconds(value text)
RETURNS double precision
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF value IS NULL THEN
        RETURN NULL;
    END IF;
    IF pg_catalog.btrim(value) ~ '^\d{1,9}(\.\d+)?$' THEN
        RETURN pg_catalog.btrim(value)::double precision;
    END IF;
    RETURN GREATEST(0, extract(epoch FROM pg_catalog.btrim(value)::timestamptz - pg_catalog.now()));
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.retry_after_seconds(text) FROM PUBLIC, anon, authenticated;

-- Header value by case-insensitive name (headers as a JSON object).
CREATE OR REPLACE FUNCTION pgcadence.header(headers jsonb, name text)
RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT h.value FROM pg_catalog.jsonb_each_text(COALESCE(headers, '{}')) h
     WHERE pg_catalog.lower(h.key) = pg_catalog.lower(name) LIMIT 1
$$;
REVOKE ALL ON FUNCTION pgcadence.header(jsonb, text) FROM PUBLIC, anon, authenticated;

-- Log one upstream call and decide what to do next:
--   ok         2xx
--   not_found  404
--   wait       429 within limits: the rate gate is pushed back by Retry-After; send again
--   retry      5xx, timeout, transport error, 429 beyond limits: fail this attempt (the queue retries)
--   fail       any other status (bad key, bad request): fail this attempt
CREATE OR REPLACE FUNCTION public.tmdb_log_call(endpoint text, tmdb_id bigint, status_code integer, headers jsonb,
                                     duration_ms integer, error text DEFAULT NULL, timed_out boolean DEFAULT false,
                                     waits_so_far integer DEFAULT 0)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s pgcadence.movies_settings;
    ra_text text := pgcadence.header(headers, 'retry-after');
    ra double precision := pgcadence.retry_after_seconds(ra_text);
    what text;
BEGIN
    INSERT INTO public.tmdb_api_logs (endpoint, tmdb_id, status_code, error, timed_out, duration_ms,
                                      rate_limit_limit, rate_limit_remaining, rate_limit_reset, retry_after)
    VALUES (pg_catalog.left(endpoint, 500), tmdb_id, status_code, pg_catalog.left(error, 2000), COALESCE(timed_out, false),
            duration_ms,
            pg_catalog.substring(pgcadence.header(headers, 'x-ratelimit-limit'), '^\s*(\d{1,9})\s*$')::integer,
            pg_catalog.substring(pgcadence.header(headers, 'x-ratelimit-remaining'), '^\s*(\d{1,9})\s*$')::integer,
            pg_catalog.left(pgcadence.header(headers, 'x-ratelimit-reset'), 100),
            pg_catalog.left(ra_text, 100));

    what := CASE WHEN timed_out THEN 'timed out' WHEN status_code IS NULL THEN COALESCE(error, 'no answer')
                 ELSE 'HTTP ' || status_code END || ' from ' || pg_catalog.left(endpoint, 200);
    IF status_code BETWEEN 200 AND 299 THEN
        RETURN pg_catalog.jsonb_build_object('action', 'ok');
    ELSIF status_code = 404 THEN
        RETURN pg_catalog.jsonb_build_object('action', 'not_found', 'error', what);
    ELSIF status_code = 429 THEN
        SELECT * INTO s FROM pgcadence.movies_settings FOR UPDATE;
        ra := COALESCE(ra, 1);
        UPDATE pgcadence.movies_settings
           SET next_request_at = GREATEST(next_request_at, pg_catalog.clock_timestamp() + pg_catalog.make_interval(secs => ra));
        IF COALESCE(waits_so_far, 0) < s.max_429_waits AND ra <= s.max_retry_after_s THEN
            RETURN pg_catalog.jsonb_build_object('action', 'wait', 'seconds', ra, 'error', what);
        END IF;
        RETURN pg_catalog.jsonb_build_object('action', 'retry', 'seconds', ra,
            'error', what || ' (rate limited; Retry-After ' || ra || ' s)');
    ELSIF status_code IS NULL OR status_code >= 500 OR status_code = 408 THEN
        RETURN pg_catalog.jsonb_build_object('action', 'retry', 'error', what);
    END IF;
    RETURN pg_catalog.jsonb_build_object('action', 'fail', 'error', what);
END
$$;
COMMENT ON FUNCTION public.tmdb_log_call(text, bigint, integer, jsonb, integer, text, boolean, integer) IS
    'Log an upstream call in tmdb_api_logs and decide: ok, not_found, wait (429; the rate gate honours Retry-After), retry (5xx/timeout), fail.';

-- Why the movies module cannot work here (see sql/base/modules.sql), or NULL.
CREATE OR REPLACE FUNCTION pgcadence.movies_unconfigured() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.format('no upstream API key: store it in Vault as %s (pgcadence secrets set %s)',
                             s.api_key_secret, s.api_key_secret)
      FROM pgcadence.movies_settings s
     WHERE NOT EXISTS (SELECT 1 FROM vault.decrypted_secrets d
                        WHERE d.name = s.api_key_secret AND coalesce(d.decrypted_secret, '') <> '')
$$;
REVOKE ALL ON FUNCTION pgcadence.movies_unconfigured() FROM PUBLIC, anon, authenticated;
