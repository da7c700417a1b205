-- The stale-driven refresh: which movies are stale (the rule itself is
-- movie_stale_at() in migration 0011, behind the generated stale_at column), the
-- stalest first, and enqueueing their refresh as job_queue jobs.

-- Is a movie with these values stale at at_time (default now)?
CREATE OR REPLACE FUNCTION public.is_stale(release_date date, popularity double precision, last_refreshed_at timestamptz,
                                at_time timestamptz DEFAULT now())
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT COALESCE(public.movie_stale_at(release_date, popularity, last_refreshed_at) <= COALESCE(at_time, pg_catalog.now()), false)
$$;
COMMENT ON FUNCTION public.is_stale(date, double precision, timestamptz, timestamptz) IS
    'Staleness rule: true when a movie of this release date and popularity last refreshed then is due for a refresh at at_time.';

-- Is this movie stale now (gone movies never are)?
CREATE OR REPLACE FUNCTION public.is_stale(movie public.movies)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT COALESCE(movie.stale_at <= pg_catalog.now(), false)
$$;
COMMENT ON FUNCTION public.is_stale(public.movies) IS 'True when the movie is due for a refresh now (its stale_at has passed).';

-- The refresh queue (its documented column names) over the job queue's refresh_movie jobs.
-- security_invoker: the job queue's RLS and grants decide who sees rows.
CREATE OR REPLACE VIEW public.refresh_queue WITH (security_invoker = true) AS
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

-- The stalest movies first (never refreshed, then most overdue); a range scan of movies_stale_at_idx.
CREATE OR REPLACE FUNCTION public.get_stale_movies(limit_count integer DEFAULT 100)
RETURNS TABLE (tmdb_id bigint, title text, release_date date, popularity double precision,
               last_refreshed_at timestamptz, stale_at timestamptz)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
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

-- Queue priority of a refresh: popular titles first.
CREATE OR REPLACE FUNCTION public.movie_refresh_priority(popularity double precision)
RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN popularity >= 100 THEN 2 WHEN popularity >= 20 THEN 1 ELSE 0 END
$$;
COMMENT ON FUNCTION public.movie_refresh_priority(double precision) IS 'Refresh queue priority: 2 for popularity >= 100, 1 for >= 20, else 0.';

-- daily-refresh: enqueue up to limit_count stale movies, stalest first, skipping those
-- already pending or running; record the run in sync_state('daily_refresh').
CREATE OR REPLACE FUNCTION public.enqueue_stale_movies(limit_count integer DEFAULT 100)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
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
