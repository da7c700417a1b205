-- The game platform sync in SQL (docs/requirements.md, "Game platform"): the incremental window, recording activity
-- and setting needs_totals_refresh, and the totals sweep.

-- Sync scope key of a run: 'all', or 'coach:<uuid>' for a one-coach run.
CREATE OR REPLACE FUNCTION pgcadence.game_platform_scope(coach_id uuid)
RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN coach_id IS NULL THEN 'all' ELSE 'coach:' || coach_id::text END
$$;
REVOKE ALL ON FUNCTION pgcadence.game_platform_scope(uuid) FROM PUBLIC, anon, authenticated;

-- The after_time_unix the next sync of this scope asks the upstream for (0: everything).
CREATE OR REPLACE FUNCTION public.game_platform_sync_window(coach_id uuid DEFAULT NULL)
RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT COALESCE((SELECT s.after_time_unix FROM public.game_platform_sync_state s
                      WHERE s.scope = pgcadence.game_platform_scope(game_platform_sync_window.coach_id)), 0)
$$;
COMMENT ON FUNCTION public.game_platform_sync_window(uuid) IS
    'after_time_unix for the next incremental sync of a scope (NULL coach: all coaches); 0 before the first run.';

-- Record one fetched page of activity: upsert new activities, flag their competitors,
-- advance the scope's window; in a dry run only compute the summary.
-- activities: [{"id": text, "competitor_id": text (external), "occurred_at": unix seconds, "points": {}}]
CREATE OR REPLACE FUNCTION public.game_platform_record_activity(activities jsonb, coach_id uuid DEFAULT NULL,
                                                     dry_run boolean DEFAULT false)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_scope text := pgcadence.game_platform_scope(coach_id);
    v_after bigint;
    v_next bigint;
    v_fetched integer;
    v_new integer;
    v_flagged integer;
    v_errors jsonb;
    v_summary jsonb;
BEGIN
    IF activities IS NULL OR pg_catalog.jsonb_typeof(activities) <> 'array' THEN
        RAISE EXCEPTION 'activities must be a JSON array, got %', COALESCE(pg_catalog.jsonb_typeof(activities), 'NULL')
            USING ERRCODE = '22023';
    END IF;
    IF NOT dry_run THEN
        INSERT INTO public.game_platform_sync_state (scope) VALUES (v_scope) ON CONFLICT (scope) DO NOTHING;
        SELECT s.after_time_unix INTO v_after FROM public.game_platform_sync_state s WHERE s.scope = v_scope FOR UPDATE;
    ELSE
        v_after := public.game_platform_sync_window(coach_id);
    END IF;

    -- One statement, no temporary table: a temp table in definer code can be pre-created
    -- by the caller (pg_temp is theirs) with a trigger that then runs as the owner.
    -- Every CTE reads the same snapshot, so "new" means "not stored before this call".
    WITH raw AS (
        SELECT e.ord::integer AS ord, e.v ->> 'id' AS external_id, e.v ->> 'competitor_id' AS competitor_ext,
               CASE WHEN pg_catalog.jsonb_typeof(e.v -> 'occurred_at') = 'number'
                    THEN pg_catalog.floor((e.v ->> 'occurred_at')::numeric)::bigint END AS occurred_unix,
               CASE WHEN pg_catalog.jsonb_typeof(e.v -> 'points') = 'object' THEN e.v -> 'points' ELSE '{}'::jsonb END AS points,
               CASE WHEN pg_catalog.jsonb_typeof(e.v) <> 'object' THEN 'not an object'
                    WHEN COALESCE(e.v ->> 'id', '') = '' THEN 'missing id'
                    WHEN COALESCE(e.v ->> 'competitor_id', '') = '' THEN 'missing competitor_id'
                    WHEN pg_catalog.jsonb_typeof(e.v -> 'occurred_at') IS DISTINCT FROM 'number' THEN 'occurred_at must be unix seconds'
                    WHEN (e.v ->> 'occurred_at')::numeric < 0 THEN 'occurred_at must be unix seconds' END AS error
          FROM pg_catalog.jsonb_array_elements(activities) WITH ORDINALITY AS e(v, ord)
    ), checked AS (
        SELECT r.ord, r.external_id, r.competitor_ext, r.occurred_unix, r.points, c.id AS competitor,
               COALESCE(r.error, CASE WHEN c.id IS NULL THEN 'unknown competitor ' || r.competitor_ext END) AS error,
               r.error AS shape_error
          FROM raw r
          LEFT JOIN public.competitors c
                 ON r.error IS NULL AND c.external_id = r.competitor_ext
                AND (game_platform_record_activity.coach_id IS NULL OR c.coach_id = game_platform_record_activity.coach_id)
    ), batch AS (
        -- new: not stored yet, and the first of its id in this batch
        SELECT k.*,
               (k.error IS NULL
                AND NOT EXISTS (SELECT 1 FROM public.game_platform_activity a WHERE a.external_id = k.external_id)
                AND k.ord = min(k.ord) FILTER (WHERE k.error IS NULL) OVER (PARTITION BY k.external_id)) AS is_new
          FROM checked k
    ), stored AS (
        INSERT INTO public.game_platform_activity (competitor_id, external_id, occurred_at, points)
        SELECT b.competitor, b.external_id, pg_catalog.to_timestamp(b.occurred_unix), b.points
          FROM batch b WHERE b.is_new AND NOT dry_run
        ON CONFLICT (external_id) DO NOTHING
        RETURNING 1
    ), flagged AS (
        UPDATE public.competitors c
           SET needs_totals_refresh = true,
               last_activity_at = GREATEST(c.last_activity_at, n.latest),
               updated_at = pg_catalog.now()
          FROM (SELECT b.competitor, pg_catalog.to_timestamp(max(b.occurred_unix)) AS latest
                  FROM batch b WHERE b.is_new AND NOT dry_run GROUP BY b.competitor) n
         WHERE c.id = n.competitor
        RETURNING 1
    )
    SELECT pg_catalog.jsonb_array_length(activities),
           count(*) FILTER (WHERE b.is_new),
           count(DISTINCT b.competitor) FILTER (WHERE b.is_new),
           GREATEST(v_after, COALESCE(max(b.occurred_unix) FILTER (WHERE b.occurred_unix IS NOT NULL
                                                                     AND b.shape_error IS DISTINCT FROM 'occurred_at must be unix seconds'), 0)),
           COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('index', b.ord - 1, 'id', b.external_id, 'error', b.error)
                                         ORDER BY b.ord) FILTER (WHERE b.error IS NOT NULL), '[]'::jsonb)
      INTO v_fetched, v_new, v_flagged, v_next, v_errors
      FROM batch b;
    v_fetched := COALESCE(v_fetched, 0);

    v_summary := pg_catalog.jsonb_build_object(
        'fetched', v_fetched, 'new_activities', v_new, 'flagged', v_flagged, 'dry_run', dry_run,
        'errors', v_errors, 'scope', v_scope, 'after_time_unix', v_after,
        'next_after_time_unix', CASE WHEN dry_run THEN v_after ELSE v_next END);
    IF NOT dry_run THEN
        UPDATE public.game_platform_sync_state s
           SET after_time_unix = v_next, last_synced_at = pg_catalog.now(), last_result = v_summary,
               updated_at = pg_catalog.now()
         WHERE s.scope = v_scope;
    END IF;
    RETURN v_summary;
END
$$;
COMMENT ON FUNCTION public.game_platform_record_activity(jsonb, uuid, boolean) IS
    'Record fetched activity ([{id, competitor_id, occurred_at (unix s), points}]): upsert new ones, set needs_totals_refresh on their competitors, advance after_time_unix; dry_run writes nothing. Returns {fetched, new_activities, flagged, dry_run, errors, scope, after_time_unix, next_after_time_unix}.';

-- Competitors whose totals must be fetched again (flagged), oldest activity first.
CREATE OR REPLACE FUNCTION public.game_platform_competitors_to_sweep(limit_count integer DEFAULT 100, coach_id uuid DEFAULT NULL)
RETURNS TABLE (id uuid, external_id text, coach_id uuid, last_activity_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT c.id, c.external_id, c.coach_id, c.last_activity_at
      FROM public.competitors c
     WHERE c.needs_totals_refresh
       AND (game_platform_competitors_to_sweep.coach_id IS NULL OR c.coach_id = game_platform_competitors_to_sweep.coach_id)
     ORDER BY c.last_activity_at NULLS FIRST, c.id
     LIMIT GREATEST(COALESCE(limit_count, 100), 0)
$$;
COMMENT ON FUNCTION public.game_platform_competitors_to_sweep(integer, uuid) IS
    'Up to limit_count competitors flagged needs_totals_refresh (optionally one coach''s), oldest activity first.';

-- Store fresh totals and clear the flag, unless activity newer than seen_last_activity_at
-- arrived since the sweep read the competitor (then the flag stays for the next sweep).
CREATE OR REPLACE FUNCTION public.game_platform_store_totals(competitor_id uuid, totals jsonb,
                                                  seen_last_activity_at timestamptz DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_cleared boolean;
BEGIN
    IF totals IS NULL OR pg_catalog.jsonb_typeof(totals) <> 'object' THEN
        RAISE EXCEPTION 'totals must be a JSON object' USING ERRCODE = '22023';
    END IF;
    UPDATE public.competitors c
       SET totals = game_platform_store_totals.totals,
           totals_refreshed_at = pg_catalog.now(),
           needs_totals_refresh = c.needs_totals_refresh
                                  AND seen_last_activity_at IS NOT NULL
                                  AND c.last_activity_at > seen_last_activity_at,
           updated_at = pg_catalog.now()
     WHERE c.id = game_platform_store_totals.competitor_id
    RETURNING NOT c.needs_totals_refresh INTO v_cleared;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no competitor %', competitor_id USING ERRCODE = 'P0002';
    END IF;
    RETURN v_cleared;
END
$$;
COMMENT ON FUNCTION public.game_platform_store_totals(uuid, jsonb, timestamptz) IS
    'Store a competitor''s fresh totals and clear needs_totals_refresh (kept when newer activity arrived after seen_last_activity_at). Returns whether the flag is now clear.';
