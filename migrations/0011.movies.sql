-- Movies (docs/requirements.md, "Movies"): scheduled ingestion and stale-driven daily
-- refresh -- the movies table, the ingestion and upstream-call logs, sync_state, the
-- upstream settings, and the staleness rule behind the generated stale_at column. The
-- functions, the refresh_queue view and the four cron jobs are in sql/movies/.

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
-- (job_queue_claim, through the runner's process_due), retried with the queue's
-- backoff, fenced by attempt and taken back after a lost lease -- the queue's code, not
-- a copy. refresh_queue is a view of those jobs with the column names the requirements use. The
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

-- ============================================================ the staleness rule
-- These two functions define the generated column stale_at (and so its index): they
-- are part of the table's definition, versioned here, not SQL sources. Changing the
-- rule is a new migration that replaces them and rewrites the column.
-- Interval until a movie refreshed on refreshed_on is due again (the rule above).
CREATE FUNCTION public.movie_refresh_interval(release_date date, popularity double precision, refreshed_on date)
RETURNS interval
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
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
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
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

-- ============================================================ indexes
CREATE INDEX movies_stale_at_idx ON public.movies (stale_at, tmdb_id);
CREATE INDEX scheduled_ingestion_log_created_at_idx ON public.scheduled_ingestion_log (created_at DESC);
CREATE INDEX tmdb_api_logs_created_at_idx ON public.tmdb_api_logs USING brin (created_at);
CREATE INDEX tmdb_api_logs_tmdb_id_idx ON public.tmdb_api_logs (tmdb_id) WHERE tmdb_id IS NOT NULL;

-- ============================================================ policies
ALTER TABLE public.movies ENABLE ROW LEVEL SECURITY;

ALTER TABLE public.scheduled_ingestion_log ENABLE ROW LEVEL SECURITY;

ALTER TABLE public.tmdb_api_logs ENABLE ROW LEVEL SECURITY;

ALTER TABLE public.sync_state ENABLE ROW LEVEL SECURITY;
