-- Writing what the upstream returned: movies, fetch results, ingestion plans and logs.

-- A release date from an upstream document: 'YYYY-MM-DD' that is a real date, else NULL.
CREATE OR REPLACE FUNCTION pgcadence.upstream_date(value text)
RETURNS date
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF value IS NULL OR value !~ '^\d{4}-\d{2}-\d{2}$' THEN
        RETURN NULL;
    END IF;
    RETURN value::date;
EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.upstream_date(text) FROM PUBLIC, anon, authenticated;

-- Insert or update one movie from an upstream document; refreshed: it is the full
-- document (sets last_refreshed_at, clears gone_at). Returns 'inserted' or 'updated'.
CREATE OR REPLACE FUNCTION public.upsert_movie(doc jsonb, refreshed boolean DEFAULT true)
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
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
CREATE OR REPLACE FUNCTION public.record_movie_fetch(tmdb_id bigint, endpoint text, status_code integer, headers jsonb,
                                          body jsonb, duration_ms integer, error text DEFAULT NULL,
                                          timed_out boolean DEFAULT false, waits_so_far integer DEFAULT 0)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
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
CREATE OR REPLACE FUNCTION public.scheduled_ingest_plan(source text, limit_count integer)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
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
CREATE OR REPLACE FUNCTION public.ingest_movie_list(results jsonb, limit_count integer)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
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
CREATE OR REPLACE FUNCTION public.log_scheduled_ingestion(source text, requested_limit integer, trigger text,
                                               fetched integer, inserted integer, updated integer, refreshed integer,
                                               errors jsonb, duration_ms integer, started_at timestamptz)
RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
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
