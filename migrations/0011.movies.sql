-- Seed 003: scheduled movie ingestion and stale-driven daily refresh (the seed's
-- migrations 016-020 in one): movies, the ingestion and upstream-call logs, the refresh
-- queue, sync_state, the staleness rule, the upstream bookkeeping the executor's
-- scheduled-ingest / daily-refresh / refresh-worker / ingest-movie functions call, the
-- call_* functions pg_cron runs, and the four cron jobs.
--
-- Depends on 0002 (get_service_role_key(), get_supabase_url(), Vault), 0003 (net.http_post),
-- 0005 (job_queue) and 0006 (pgcadence.cron_schedule with time zones).
--
-- Staleness rule (also in README "Movies"). When a movie is refreshed, the next refresh is
-- due after an interval that depends on its age at that refresh (refresh day minus
-- release_date) and its popularity:
--
--     age at last refresh                 base interval
--     unknown release date                30 days
--     not yet released, or <= 30 days     1 day
--     <= 90 days                          3 days
--     <= 1 year                           7 days
--     <= 5 years                          30 days
--     older                               90 days
--
--     popularity >= 100: base / 4;  popularity >= 20: base / 2;  never below 1 day.
--
-- A movie never refreshed (last_refreshed_at NULL, e.g. only seen in a list) is stale at
-- once, before any other (stale_at 1900-01-01: a date every client can read, unlike
-- -infinity); a movie the upstream answered 404 for (gone_at set) is never stale
-- (stale_at NULL). The due time is stored in movies.stale_at (a generated column over
-- movie_stale_at()), so "the stalest N" is a range scan of one index on stale_at:
-- get_stale_movies(100) reads about 100 index entries whatever the table holds.
--
-- One claim mechanism: refresh work items are job_queue jobs of task type
-- 'refresh_movie' (payload {"tmdb_id": n}, dedupe_key 'refresh_movie:<n>', 3 attempts).
-- They are claimed by the job queue's single-statement SKIP LOCKED claim
-- (job_queue_claim, through runner.queue_worker.process_due), retried with the queue's
-- backoff, fenced by attempt and taken back after a lost lease -- the queue's code, not
-- a copy. refresh_queue is a view of those jobs with the seed's column names. The
-- dedupe key's unique index is what keeps a movie from being queued twice.

-- ============================================================ tables
CREATE TABLE public.movies (
    tmdb_id bigint PRIMARY KEY CHECK (tmdb_id > 0),
    title text NOT NULL DEFAULT '',
    release_date date,
    popularity double precision NOT NULL DEFAULT 0 CHECK (popularity >= 0),
    data jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(data) = 'object'),
    last_refreshed_at timestamptz,
    gone_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE public.movies IS
    'Movies keyed by the upstream (TMDB) id; data is the upstream document. Written by the ingest functions (service_role); authenticated users may read.';
COMMENT ON COLUMN public.movies.last_refreshed_at IS 'When the full document was last fetched (ingest-movie); NULL: only seen in a list so far.';
COMMENT ON COLUMN public.movies.gone_at IS 'When the upstream answered 404 for this id; such a movie is never stale again until it reappears.';

-- Upstream bookkeeping settings: one row. TMDB API key: Vault secret named api_key_secret.
CREATE TABLE pgcadence.movies_settings (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    base_url text NOT NULL DEFAULT 'https://api.themoviedb.org/3' CHECK (base_url ~ '^https?://[^\s]+$'),
    api_key_secret text NOT NULL DEFAULT 'tmdb_api_key',
    auth_style text NOT NULL DEFAULT 'bearer' CHECK (auth_style IN ('bearer', 'query')),
    requests_per_second double precision NOT NULL DEFAULT 20 CHECK (requests_per_second > 0),
    timeout_ms integer NOT NULL DEFAULT 10000 CHECK (timeout_ms BETWEEN 100 AND 300000),
    max_retry_after_s integer NOT NULL DEFAULT 60 CHECK (max_retry_after_s >= 0),
    max_429_waits integer NOT NULL DEFAULT 3 CHECK (max_429_waits >= 0),
    next_request_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE pgcadence.movies_settings IS
    'TMDB-compatible upstream: base URL, Vault secret name of the API key, auth style, request rate, timeout, 429 handling; next_request_at is the shared rate gate.';
INSERT INTO pgcadence.movies_settings DEFAULT VALUES;
ALTER TABLE pgcadence.movies_settings ENABLE ROW LEVEL SECURITY;  -- no policy: owner and definer functions only

CREATE TABLE public.scheduled_ingestion_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source text NOT NULL,
    requested_limit integer NOT NULL,
    trigger text NOT NULL CHECK (trigger IN ('cron', 'manual')),
    status text NOT NULL CHECK (status IN ('succeeded', 'partial', 'failed')),
    fetched_count integer NOT NULL DEFAULT 0,
    inserted_count integer NOT NULL DEFAULT 0,
    updated_count integer NOT NULL DEFAULT 0,
    refreshed_count integer NOT NULL DEFAULT 0,
    error_count integer NOT NULL DEFAULT 0,
    errors jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(errors) = 'array'),
    duration_ms integer,
    started_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE public.scheduled_ingestion_log IS
    'One row per scheduled-ingest run: source, requested limit, trigger, fetched/inserted/updated/refreshed counts, errors, duration. Service role only.';

CREATE TABLE public.tmdb_api_logs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint text NOT NULL,
    tmdb_id bigint,
    status_code integer,
    error text,
    timed_out boolean NOT NULL DEFAULT false,
    duration_ms integer,
    rate_limit_limit integer,
    rate_limit_remaining integer,
    rate_limit_reset text,
    retry_after text,
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE public.tmdb_api_logs IS
    'One row per upstream (TMDB) call: endpoint (path and query, never the API key), status or error, duration, rate-limit headers. Service role only.';

CREATE TABLE public.sync_state (
    sync_name text PRIMARY KEY,
    last_sync_at timestamptz,
    last_result jsonb,
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE public.sync_state IS 'Last run of each sync (daily_refresh: when stale movies were last enqueued, and what happened). Service role only.';

-- ============================================================ functions: staleness rule
-- Interval until a movie refreshed on refreshed_on is due again (the rule above).
CREATE FUNCTION public.movie_refresh_interval(release_date date, popularity double precision, refreshed_on date)
RETURNS interval
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = '' AS $$
    SELECT GREATEST(interval '1 day',
        CASE WHEN release_date IS NULL THEN interval '30 days'
             WHEN refreshed_on - release_date <= 30 THEN interval '1 day'
             WHEN refreshed_on - release_date <= 90 THEN interval '3 days'
             WHEN refreshed_on - release_date <= 365 THEN interval '7 days'
             WHEN refreshed_on - release_date <= 5 * 365 THEN interval '30 days'
             ELSE interval '90 days' END
        * CASE WHEN COALESCE(popularity, 0) >= 100 THEN 0.25
               WHEN COALESCE(popularity, 0) >= 20 THEN 0.5
               ELSE 1 END)
$$;
COMMENT ON FUNCTION public.movie_refresh_interval(date, double precision, date) IS
    'Staleness rule: refresh interval for a movie of this release date and popularity refreshed on refreshed_on (see README "Movies").';

-- When a movie becomes stale: 1900-01-01 if never refreshed (before any other), NULL if gone (never).
CREATE FUNCTION public.movie_stale_at(release_date date, popularity double precision,
                                      last_refreshed_at timestamptz, gone_at timestamptz DEFAULT NULL)
RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = '' AS $$
    SELECT CASE WHEN gone_at IS NOT NULL THEN NULL::timestamptz
                WHEN last_refreshed_at IS NULL THEN '1900-01-01 00:00:00+00'::timestamptz
                ELSE ((last_refreshed_at AT TIME ZONE 'UTC')
                      + public.movie_refresh_interval(release_date, popularity, (last_refreshed_at AT TIME ZONE 'UTC')::date))
                     AT TIME ZONE 'UTC'  -- in UTC: the same instant whatever the session's TimeZone
           END
$$;
COMMENT ON FUNCTION public.movie_stale_at(date, double precision, timestamptz, timestamptz) IS
    'When a movie becomes stale under the staleness rule (1900-01-01: never refreshed; NULL: gone upstream, never stale).';

-- The column the stale scan reads: always movie_stale_at() of the row.
ALTER TABLE public.movies ADD COLUMN stale_at timestamptz
    GENERATED ALWAYS AS (public.movie_stale_at(release_date, popularity, last_refreshed_at, gone_at)) STORED;
ALTER TABLE public.movies ADD COLUMN gone boolean NOT NULL GENERATED ALWAYS AS (gone_at IS NOT NULL) STORED;
COMMENT ON COLUMN public.movies.stale_at IS 'When this movie becomes stale (generated: movie_stale_at(); NULL: gone, never stale); indexed, so the stalest are a range scan.';
COMMENT ON COLUMN public.movies.gone IS 'The upstream answered 404 (generated from gone_at).';

-- Is a movie with these values stale at at_time (default now)?
CREATE FUNCTION public.is_stale(release_date date, popularity double precision, last_refreshed_at timestamptz,
                                at_time timestamptz DEFAULT now())
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = '' AS $$
    SELECT COALESCE(public.movie_stale_at(release_date, popularity, last_refreshed_at) <= COALESCE(at_time, pg_catalog.now()), false)
$$;
COMMENT ON FUNCTION public.is_stale(date, double precision, timestamptz, timestamptz) IS
    'Staleness rule: true when a movie of this release date and popularity last refreshed then is due for a refresh at at_time.';

-- Is this movie stale now (gone movies never are)?
CREATE FUNCTION public.is_stale(movie public.movies)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = '' AS $$
    SELECT COALESCE(movie.stale_at <= pg_catalog.now(), false)
$$;
COMMENT ON FUNCTION public.is_stale(public.movies) IS 'True when the movie is due for a refresh now (its stale_at has passed).';

-- ============================================================ indexes
CREATE INDEX movies_stale_at_idx ON public.movies (stale_at, tmdb_id);
CREATE INDEX scheduled_ingestion_log_created_at_idx ON public.scheduled_ingestion_log (created_at DESC);
CREATE INDEX tmdb_api_logs_created_at_idx ON public.tmdb_api_logs USING brin (created_at);
CREATE INDEX tmdb_api_logs_tmdb_id_idx ON public.tmdb_api_logs (tmdb_id) WHERE tmdb_id IS NOT NULL;

-- ============================================================ views
-- The refresh queue (seed 003 column names) over the job queue's refresh_movie jobs.
-- security_invoker: the job queue's RLS and grants decide who sees rows.
CREATE VIEW public.refresh_queue WITH (security_invoker = true) AS
SELECT j.id,
       (j.payload ->> 'tmdb_id')::bigint AS work_id,
       j.status,
       j.priority,
       (SELECT pg_catalog.count(*)::integer FROM public.job_queue_attempt_log a
         WHERE a.job_id = j.id AND a.outcome IN ('failed', 'lease_expired')) AS retry_count,
       j.attempts,
       j.max_attempts,
       j.last_error,
       j.created_at AS queued_at,
       j.run_at AS next_attempt_at,
       j.started_at,
       j.finished_at,
       j.updated_at
  FROM public.job_queue j
 WHERE j.task_type = 'refresh_movie';
COMMENT ON VIEW public.refresh_queue IS
    'Refresh work items: the job queue''s refresh_movie jobs (work_id = tmdb_id; retry_count = failed attempts). Enqueue with enqueue_stale_movies(). Service role only.';

-- ============================================================ functions: reads
-- The stalest movies first (never refreshed, then most overdue); a range scan of movies_stale_at_idx.
CREATE FUNCTION public.get_stale_movies(limit_count integer DEFAULT 100)
RETURNS TABLE (tmdb_id bigint, title text, release_date date, popularity double precision,
               last_refreshed_at timestamptz, stale_at timestamptz)
LANGUAGE plpgsql STABLE SET search_path = '' AS $$
BEGIN
    IF limit_count IS NULL OR limit_count < 1 OR limit_count > 10000 THEN
        RAISE EXCEPTION 'get_stale_movies: limit_count must be between 1 and 10000 (got %)', limit_count
            USING ERRCODE = '22023';
    END IF;
    RETURN QUERY
    SELECT m.tmdb_id, m.title, m.release_date, m.popularity, m.last_refreshed_at, m.stale_at
      FROM public.movies m
     WHERE m.stale_at <= pg_catalog.now()
     ORDER BY m.stale_at, m.tmdb_id
     LIMIT limit_count;
END
$$;
COMMENT ON FUNCTION public.get_stale_movies(integer) IS
    'Up to limit_count stale movies, stalest first (never refreshed, then most overdue). Uses the stale_at index.';

-- ============================================================ functions: upstream bookkeeping
-- Upstream settings and the API key (from Vault) for the executor; errors when the key is missing.
CREATE FUNCTION public.tmdb_config(
    OUT base_url text, OUT api_key text, OUT auth_style text, OUT timeout_ms integer,
    OUT requests_per_second double precision)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
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
CREATE FUNCTION public.tmdb_configure(base_url text DEFAULT NULL, requests_per_second double precision DEFAULT NULL,
                                      timeout_ms integer DEFAULT NULL, auth_style text DEFAULT NULL,
                                      api_key_secret text DEFAULT NULL, max_retry_after_s integer DEFAULT NULL,
                                      max_429_waits integer DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
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
CREATE FUNCTION public.tmdb_rate_acquire()
RETURNS double precision
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
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
CREATE FUNCTION pgcadence.retry_after_seconds(value text)
RETURNS double precision
LANGUAGE plpgsql STABLE SET search_path = '' AS $$
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
REVOKE ALL ON FUNCTION pgcadence.retry_after_seconds(text) FROM PUBLIC;

-- Header value by case-insensitive name (headers as a JSON object).
CREATE FUNCTION pgcadence.header(headers jsonb, name text)
RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = '' AS $$
    SELECT h.value FROM pg_catalog.jsonb_each_text(COALESCE(headers, '{}')) h
     WHERE pg_catalog.lower(h.key) = pg_catalog.lower(name) LIMIT 1
$$;
REVOKE ALL ON FUNCTION pgcadence.header(jsonb, text) FROM PUBLIC;

-- Log one upstream call and decide what to do next:
--   ok         2xx
--   not_found  404
--   wait       429 within limits: the rate gate is pushed back by Retry-After; send again
--   retry      5xx, timeout, transport error, 429 beyond limits: fail this attempt (the queue retries)
--   fail       any other status (bad key, bad request): fail this attempt
CREATE FUNCTION public.tmdb_log_call(endpoint text, tmdb_id bigint, status_code integer, headers jsonb,
                                     duration_ms integer, error text DEFAULT NULL, timed_out boolean DEFAULT false,
                                     waits_so_far integer DEFAULT 0)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
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

-- ============================================================ functions: writes
-- A release date from an upstream document: 'YYYY-MM-DD' that is a real date, else NULL.
CREATE FUNCTION pgcadence.upstream_date(value text)
RETURNS date
LANGUAGE plpgsql IMMUTABLE SET search_path = '' AS $$
BEGIN
    IF value IS NULL OR value !~ '^\d{4}-\d{2}-\d{2}$' THEN
        RETURN NULL;
    END IF;
    RETURN value::date;
EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.upstream_date(text) FROM PUBLIC;

-- Insert or update one movie from an upstream document; refreshed: it is the full
-- document (sets last_refreshed_at, clears gone_at). Returns 'inserted' or 'updated'.
CREATE FUNCTION public.upsert_movie(doc jsonb, refreshed boolean DEFAULT true)
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    v_id bigint;
    v_inserted boolean;
BEGIN
    IF doc IS NULL OR pg_catalog.jsonb_typeof(doc) <> 'object'
       OR pg_catalog.jsonb_typeof(doc -> 'id') IS DISTINCT FROM 'number'
       OR NOT COALESCE((doc ->> 'id') ~ '^[1-9]\d{0,17}$', false) THEN
        RAISE EXCEPTION 'upsert_movie: the document must be a JSON object with a positive integer "id"'
            USING ERRCODE = '22023';
    END IF;
    v_id := (doc ->> 'id')::bigint;
    INSERT INTO public.movies AS m (tmdb_id, title, release_date, popularity, data, last_refreshed_at)
    VALUES (v_id,
            COALESCE(doc ->> 'title', doc ->> 'original_title', ''),
            pgcadence.upstream_date(doc ->> 'release_date'),
            GREATEST(COALESCE(CASE WHEN pg_catalog.jsonb_typeof(doc -> 'popularity') = 'number'
                                   THEN (doc ->> 'popularity')::double precision END, 0), 0),
            doc,
            CASE WHEN refreshed THEN pg_catalog.now() END)
    ON CONFLICT (tmdb_id) DO UPDATE SET
        title = CASE WHEN EXCLUDED.title <> '' THEN EXCLUDED.title ELSE m.title END,
        release_date = COALESCE(EXCLUDED.release_date, m.release_date),
        popularity = CASE WHEN pg_catalog.jsonb_typeof(doc -> 'popularity') = 'number' THEN EXCLUDED.popularity ELSE m.popularity END,
        data = CASE WHEN refreshed THEN EXCLUDED.data ELSE m.data || EXCLUDED.data END,
        last_refreshed_at = CASE WHEN refreshed THEN pg_catalog.now() ELSE m.last_refreshed_at END,
        gone_at = CASE WHEN refreshed THEN NULL ELSE m.gone_at END,
        updated_at = pg_catalog.now()
    RETURNING (m.xmax = 0) INTO v_inserted;
    RETURN CASE WHEN v_inserted THEN 'inserted' ELSE 'updated' END;
END
$$;
COMMENT ON FUNCTION public.upsert_movie(jsonb, boolean) IS
    'Insert or update a movie from an upstream document (refreshed: the full document, sets last_refreshed_at). Returns inserted or updated.';

-- Record one ingest-movie fetch: log it, then upsert (2xx), mark gone (404) or decide a retry.
-- Returns tmdb_log_call's decision plus "result" (inserted, updated, gone).
CREATE FUNCTION public.record_movie_fetch(tmdb_id bigint, endpoint text, status_code integer, headers jsonb,
                                          body jsonb, duration_ms integer, error text DEFAULT NULL,
                                          timed_out boolean DEFAULT false, waits_so_far integer DEFAULT 0)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    decision jsonb := public.tmdb_log_call(endpoint, tmdb_id, status_code, headers, duration_ms, error, timed_out, waits_so_far);
BEGIN
    IF decision ->> 'action' = 'ok' THEN
        IF body IS NULL OR pg_catalog.jsonb_typeof(body) <> 'object' OR (body ->> 'id') IS DISTINCT FROM tmdb_id::text THEN
            RETURN pg_catalog.jsonb_build_object('action', 'retry',
                'error', 'HTTP ' || status_code || ' from ' || endpoint || ' without the movie document (id ' || tmdb_id || ')');
        END IF;
        RETURN decision || pg_catalog.jsonb_build_object('result', public.upsert_movie(body, true));
    ELSIF decision ->> 'action' = 'not_found' THEN
        UPDATE public.movies m SET gone_at = COALESCE(m.gone_at, pg_catalog.now()), updated_at = pg_catalog.now()
         WHERE m.tmdb_id = record_movie_fetch.tmdb_id;
        RETURN decision || pg_catalog.jsonb_build_object('result', 'gone');
    END IF;
    RETURN decision;
END
$$;
COMMENT ON FUNCTION public.record_movie_fetch(bigint, text, integer, jsonb, jsonb, integer, text, boolean, integer) IS
    'ingest-movie: log the call and act on it (2xx: upsert_movie; 404: mark gone); returns the decision (ok/not_found/wait/retry/fail) and result.';

-- The upstream lists a scheduled-ingest source reads, and how many pages of each.
CREATE FUNCTION public.scheduled_ingest_plan(source text, limit_count integer)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE SET search_path = '' AS $$
DECLARE
    lists text[];
BEGIN
    lists := CASE source
        WHEN 'mixed_daily' THEN ARRAY['/movie/now_playing', '/trending/movie/week']
        WHEN 'mixed_weekly' THEN ARRAY['/movie/popular', '/trending/movie/week']
        WHEN 'now_playing' THEN ARRAY['/movie/now_playing']
        WHEN 'popular' THEN ARRAY['/movie/popular']
        WHEN 'trending' THEN ARRAY['/trending/movie/week']
        WHEN 'top_rated' THEN ARRAY['/movie/top_rated']
        WHEN 'upcoming' THEN ARRAY['/movie/upcoming']
    END;
    IF lists IS NULL THEN
        RAISE EXCEPTION 'unknown source "%": use mixed_daily, mixed_weekly, now_playing, popular, trending, top_rated or upcoming',
            pg_catalog.left(source, 64) USING ERRCODE = '22023';
    END IF;
    IF limit_count IS NULL OR limit_count < 1 OR limit_count > 500 THEN
        RAISE EXCEPTION 'limit must be between 1 and 500 (got %)', limit_count USING ERRCODE = '22023';
    END IF;
    -- TMDB lists have 20 results a page: read enough pages of every list to fill the
    -- limit from all of them together, plus one page each for the overlap between lists.
    RETURN pg_catalog.jsonb_build_object('lists', pg_catalog.to_jsonb(lists),
        'pages', LEAST(25, (limit_count + 20 * pg_catalog.cardinality(lists) - 1) / (20 * pg_catalog.cardinality(lists)) + 1));
END
$$;
COMMENT ON FUNCTION public.scheduled_ingest_plan(text, integer) IS
    'scheduled-ingest sources: mixed_daily = now_playing + trending/movie/week, mixed_weekly = popular + trending/movie/week (and single lists); pages to read per list.';

-- Upsert the movies of fetched list pages: de-duplicated by id (first occurrence wins, in
-- the order given), at most limit_count. Returns the picked ids and the counts.
CREATE FUNCTION public.ingest_movie_list(results jsonb, limit_count integer)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    r record;
    ids bigint[] := '{}';
    n_ins integer := 0;
    n_upd integer := 0;
BEGIN
    IF results IS NULL OR pg_catalog.jsonb_typeof(results) <> 'array' THEN
        RAISE EXCEPTION 'ingest_movie_list: results must be a JSON array of movie objects' USING ERRCODE = '22023';
    END IF;
    FOR r IN
        SELECT d.doc FROM (
            SELECT DISTINCT ON ((e.doc ->> 'id')) e.doc, e.ord
              FROM pg_catalog.jsonb_array_elements(results) WITH ORDINALITY AS e(doc, ord)
             WHERE pg_catalog.jsonb_typeof(e.doc) = 'object' AND (e.doc ->> 'id') ~ '^[1-9]\d{0,17}$'
             ORDER BY (e.doc ->> 'id'), e.ord) d
         ORDER BY d.ord
         LIMIT limit_count
    LOOP
        IF public.upsert_movie(r.doc, false) = 'inserted' THEN
            n_ins := n_ins + 1;
        ELSE
            n_upd := n_upd + 1;
        END IF;
        ids := ids || (r.doc ->> 'id')::bigint;
    END LOOP;
    RETURN pg_catalog.jsonb_build_object('ids', pg_catalog.to_jsonb(ids), 'fetched', pg_catalog.cardinality(ids),
                                         'inserted', n_ins, 'updated', n_upd);
END
$$;
COMMENT ON FUNCTION public.ingest_movie_list(jsonb, integer) IS
    'scheduled-ingest: upsert list results de-duplicated by id (first occurrence wins), up to limit_count; returns ids and counts.';

-- One row of scheduled_ingestion_log; status follows from the errors. Returns its id.
CREATE FUNCTION public.log_scheduled_ingestion(source text, requested_limit integer, trigger text,
                                               fetched integer, inserted integer, updated integer, refreshed integer,
                                               errors jsonb, duration_ms integer, started_at timestamptz)
RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
    INSERT INTO public.scheduled_ingestion_log AS l
        (source, requested_limit, trigger, status, fetched_count, inserted_count, updated_count, refreshed_count,
         error_count, errors, duration_ms, started_at)
    VALUES (source, requested_limit, trigger,
            CASE WHEN COALESCE(pg_catalog.jsonb_array_length(errors), 0) = 0 THEN 'succeeded'
                 WHEN COALESCE(fetched, 0) > 0 THEN 'partial' ELSE 'failed' END,
            COALESCE(fetched, 0), COALESCE(inserted, 0), COALESCE(updated, 0), COALESCE(refreshed, 0),
            COALESCE(pg_catalog.jsonb_array_length(errors), 0), COALESCE(errors, '[]'), duration_ms, started_at)
    RETURNING l.id
$$;
COMMENT ON FUNCTION public.log_scheduled_ingestion(text, integer, text, integer, integer, integer, integer, jsonb, integer, timestamptz) IS
    'scheduled-ingest: write its scheduled_ingestion_log row (status: succeeded without errors, partial with some movies, else failed).';

-- Queue priority of a refresh: popular titles first.
CREATE FUNCTION public.movie_refresh_priority(popularity double precision)
RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = '' AS $$
    SELECT CASE WHEN popularity >= 100 THEN 2 WHEN popularity >= 20 THEN 1 ELSE 0 END
$$;
COMMENT ON FUNCTION public.movie_refresh_priority(double precision) IS 'Refresh queue priority: 2 for popularity >= 100, 1 for >= 20, else 0.';

-- daily-refresh: enqueue up to limit_count stale movies, stalest first, skipping those
-- already pending or running; record the run in sync_state('daily_refresh').
CREATE FUNCTION public.enqueue_stale_movies(limit_count integer DEFAULT 100)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    jobs jsonb;
    n integer := 0;
    result jsonb;
BEGIN
    IF limit_count IS NULL OR limit_count < 1 OR limit_count > 10000 THEN
        RAISE EXCEPTION 'enqueue_stale_movies: limit_count must be between 1 and 10000 (got %)', limit_count
            USING ERRCODE = '22023';
    END IF;
    -- one enqueuer at a time: two overlapping runs would pick the same movies
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('pgcadence.enqueue_stale_movies'));
    SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'task_type', 'refresh_movie',
               'payload', pg_catalog.jsonb_build_object('tmdb_id', s.tmdb_id),
               'max_attempts', 3,
               'priority', public.movie_refresh_priority(s.popularity),
               'dedupe_key', 'refresh_movie:' || s.tmdb_id) ORDER BY s.stale_at, s.tmdb_id)
      INTO jobs
      FROM (SELECT m.tmdb_id, m.popularity, m.stale_at
              FROM public.movies m
             WHERE m.stale_at <= pg_catalog.now()
               AND NOT EXISTS (SELECT 1 FROM public.job_queue j
                                WHERE j.dedupe_key = 'refresh_movie:' || m.tmdb_id
                                  AND j.status IN ('pending', 'running'))
             ORDER BY m.stale_at, m.tmdb_id
             LIMIT limit_count) s;
    IF jobs IS NOT NULL THEN
        SELECT pg_catalog.count(*) INTO n FROM public.job_queue_enqueue_batch(jobs);
    END IF;
    result := pg_catalog.jsonb_build_object('enqueued', n, 'limit', limit_count,
        'queued', (SELECT pg_catalog.count(*) FROM public.job_queue j
                    WHERE j.task_type = 'refresh_movie' AND j.status IN ('pending', 'running')));
    INSERT INTO public.sync_state AS s (sync_name, last_sync_at, last_result, updated_at)
    VALUES ('daily_refresh', pg_catalog.now(), result, pg_catalog.now())
    ON CONFLICT (sync_name) DO UPDATE SET last_sync_at = EXCLUDED.last_sync_at, last_result = EXCLUDED.last_result,
                                          updated_at = EXCLUDED.updated_at;
    RETURN result;
END
$$;
COMMENT ON FUNCTION public.enqueue_stale_movies(integer) IS
    'daily-refresh: queue up to limit_count stale movies (stalest first, none already queued) as refresh_movie jobs; updates sync_state.';

-- ============================================================ functions: cron entry points (seed 003)
-- POST a JSON body to an executor function with the service-role key; returns the net request id.
CREATE FUNCTION pgcadence.call_function(function_name text, body jsonb, timeout_ms integer)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = '' AS $$
BEGIN
    RETURN net.http_post(
        url := pg_catalog.rtrim(public.get_supabase_url(), '/') || '/functions/v1/' || function_name,
        body := body,
        headers := pg_catalog.jsonb_build_object('Content-Type', 'application/json',
                                                 'Authorization', 'Bearer ' || public.get_service_role_key()),
        timeout_milliseconds := timeout_ms);
END
$$;
REVOKE ALL ON FUNCTION pgcadence.call_function(text, jsonb, integer) FROM PUBLIC;

-- Ask the executor's scheduled-ingest to ingest up to limit_count movies of source.
CREATE FUNCTION public.call_scheduled_ingest(source text DEFAULT 'mixed_daily', limit_count integer DEFAULT 30,
                                             trigger text DEFAULT 'cron')
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    PERFORM public.scheduled_ingest_plan(source, limit_count);  -- refuse a bad source or limit now, not in the executor
    IF trigger IS NULL OR trigger NOT IN ('cron', 'manual') THEN
        RAISE EXCEPTION 'trigger must be cron or manual (got %)', pg_catalog.left(trigger, 32) USING ERRCODE = '22023';
    END IF;
    RETURN pgcadence.call_function('scheduled-ingest',
        pg_catalog.jsonb_build_object('source', source, 'limit', limit_count, 'trigger', trigger), 300000);
END
$$;
COMMENT ON FUNCTION public.call_scheduled_ingest(text, integer, text) IS
    'POST {source, limit, trigger} to the scheduled-ingest function (net.http_post, service-role key from Vault); returns the net request id.';

-- Ask the executor's daily-refresh to enqueue stale movies.
CREATE FUNCTION public.call_daily_refresh()
RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
    SELECT pgcadence.call_function('daily-refresh', '{}'::jsonb, 60000)
$$;
COMMENT ON FUNCTION public.call_daily_refresh() IS
    'POST to the daily-refresh function (enqueue up to 100 stale movies); returns the net request id.';

-- Ask the executor's refresh-worker to process up to 10 queued refreshes.
CREATE FUNCTION public.call_refresh_worker()
RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
    SELECT pgcadence.call_function('refresh-worker', '{}'::jsonb, 300000)
$$;
COMMENT ON FUNCTION public.call_refresh_worker() IS
    'POST to the refresh-worker function (claim and refresh up to 10 queued movies); returns the net request id.';

-- ============================================================ policies
ALTER TABLE public.movies ENABLE ROW LEVEL SECURITY;
CREATE POLICY movies_read_authenticated ON public.movies FOR SELECT TO authenticated USING (true);
CREATE POLICY movies_service_role_all ON public.movies FOR ALL TO service_role USING (true) WITH CHECK (true);

ALTER TABLE public.scheduled_ingestion_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY scheduled_ingestion_log_service_role_all ON public.scheduled_ingestion_log
    FOR ALL TO service_role USING (true) WITH CHECK (true);

ALTER TABLE public.tmdb_api_logs ENABLE ROW LEVEL SECURITY;
CREATE POLICY tmdb_api_logs_service_role_all ON public.tmdb_api_logs
    FOR ALL TO service_role USING (true) WITH CHECK (true);

ALTER TABLE public.sync_state ENABLE ROW LEVEL SECURITY;
CREATE POLICY sync_state_service_role_all ON public.sync_state FOR ALL TO service_role USING (true) WITH CHECK (true);

-- ============================================================ grants
REVOKE ALL ON public.movies, public.scheduled_ingestion_log, public.tmdb_api_logs, public.sync_state,
              public.refresh_queue FROM PUBLIC, anon, authenticated;
GRANT SELECT ON public.movies TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.movies, public.scheduled_ingestion_log, public.tmdb_api_logs,
                                        public.sync_state TO service_role;
GRANT SELECT ON public.refresh_queue TO service_role;

REVOKE ALL ON FUNCTION
    public.movie_refresh_interval(date, double precision, date),
    public.movie_stale_at(date, double precision, timestamptz, timestamptz),
    public.is_stale(date, double precision, timestamptz, timestamptz),
    public.is_stale(public.movies),
    public.movie_refresh_priority(double precision),
    public.get_stale_movies(integer),
    public.tmdb_config(),
    public.tmdb_configure(text, double precision, integer, text, text, integer, integer),
    public.tmdb_rate_acquire(),
    public.tmdb_log_call(text, bigint, integer, jsonb, integer, text, boolean, integer),
    public.upsert_movie(jsonb, boolean),
    public.record_movie_fetch(bigint, text, integer, jsonb, jsonb, integer, text, boolean, integer),
    public.scheduled_ingest_plan(text, integer),
    public.ingest_movie_list(jsonb, integer),
    public.log_scheduled_ingestion(text, integer, text, integer, integer, integer, integer, jsonb, integer, timestamptz),
    public.enqueue_stale_movies(integer),
    public.call_scheduled_ingest(text, integer, text),
    public.call_daily_refresh(),
    public.call_refresh_worker()
FROM PUBLIC, anon, authenticated;
-- the rule itself is public knowledge: anyone who may read movies may evaluate it
GRANT EXECUTE ON FUNCTION
    public.movie_refresh_interval(date, double precision, date),
    public.movie_stale_at(date, double precision, timestamptz, timestamptz),
    public.is_stale(date, double precision, timestamptz, timestamptz),
    public.is_stale(public.movies),
    public.movie_refresh_priority(double precision)
TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION
    public.get_stale_movies(integer),
    public.tmdb_config(),
    public.tmdb_configure(text, double precision, integer, text, text, integer, integer),
    public.tmdb_rate_acquire(),
    public.tmdb_log_call(text, bigint, integer, jsonb, integer, text, boolean, integer),
    public.upsert_movie(jsonb, boolean),
    public.record_movie_fetch(bigint, text, integer, jsonb, jsonb, integer, text, boolean, integer),
    public.scheduled_ingest_plan(text, integer),
    public.ingest_movie_list(jsonb, integer),
    public.log_scheduled_ingestion(text, integer, text, integer, integer, integer, integer, jsonb, integer, timestamptz),
    public.enqueue_stale_movies(integer),
    public.call_scheduled_ingest(text, integer, text),
    public.call_daily_refresh(),
    public.call_refresh_worker()
TO service_role;

-- ============================================================ cron (seed 003's four jobs)
-- PT jobs keep their schedule in Pacific wall-clock time (pgcadence.cron_schedule's
-- time-zone guard), so they fire at 03:00 / 02:00 / 03:30 PT in winter and summer alike.
-- The commands hold no secret: the key is read from Vault when the job runs.
SELECT pgcadence.cron_schedule('scheduled_ingest_daily', '0 3 * * *',
    $$SELECT public.call_scheduled_ingest('mixed_daily', 30, 'cron')$$, 'America/Los_Angeles');
SELECT pgcadence.cron_schedule('scheduled_ingest_weekly', '0 2 * * 0',
    $$SELECT public.call_scheduled_ingest('mixed_weekly', 80, 'cron')$$, 'America/Los_Angeles');
SELECT pgcadence.cron_schedule('daily_refresh_enqueue', '30 3 * * *',
    $$SELECT public.call_daily_refresh()$$, 'America/Los_Angeles');
SELECT pgcadence.cron_schedule('refresh_worker', '*/10 * * * *',
    $$SELECT public.call_refresh_worker()$$);
