-- The game platform's two task types (docs/requirements.md, "Game platform"), the
-- database side: competitors (per coach), the activity fetched from the platform, the
-- incremental sync window (after_time_unix) per sync scope, the needs_totals_refresh
-- flag the totals sweep clears, and the upstream settings. What is decided (the window,
-- validation and de-duplication of activity, which competitors to sweep) is in
-- sql/game_platform/; runner/pgcadence/game_platform.py only sends the GETs.
--
-- Sync scopes: a run without coachId uses scope 'all'; a run with coachId uses that coach's
-- own scope (its own after_time_unix), so a one-coach run never moves the global window.
--

-- ============================================================ tables
CREATE TABLE public.competitors (
    id uuid PRIMARY KEY DEFAULT extensions.gen_random_uuid(),
    coach_id uuid NOT NULL,
    external_id text NOT NULL UNIQUE CHECK (external_id <> ''),
    display_name text NOT NULL DEFAULT '',
    totals jsonb CHECK (totals IS NULL OR jsonb_typeof(totals) = 'object'),
    totals_refreshed_at timestamptz,
    needs_totals_refresh boolean NOT NULL DEFAULT false,
    last_activity_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE public.competitors IS
    'Competitors on the game platform, per coach (coach_id = the coach''s auth.uid()); totals come from the platform (source of truth). Coaches read their own; admins read all; service_role writes.';
COMMENT ON COLUMN public.competitors.needs_totals_refresh IS
    'Set by game_platform_record_activity when new activity arrives; cleared by game_platform_store_totals.';

CREATE TABLE public.game_platform_activity (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    competitor_id uuid NOT NULL REFERENCES public.competitors (id) ON DELETE CASCADE,
    external_id text NOT NULL UNIQUE CHECK (external_id <> ''),
    occurred_at timestamptz NOT NULL,
    points jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(points) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE public.game_platform_activity IS
    'Activity fetched from the game platform, one row per external activity id (re-fetching is harmless).';

CREATE TABLE public.game_platform_sync_state (
    scope text PRIMARY KEY CHECK (scope = 'all' OR scope ~ '^coach:[0-9a-f-]{36}$'),
    after_time_unix bigint NOT NULL DEFAULT 0 CHECK (after_time_unix >= 0),
    last_synced_at timestamptz,
    last_result jsonb,
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE public.game_platform_sync_state IS
    'Incremental sync window per scope (''all'' or ''coach:<uuid>''): the next run asks for activity after after_time_unix.';

-- Upstream settings: one row. NULL base_url: read Vault secret game_platform_base_url.
CREATE TABLE pgcadence.game_platform_settings (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    base_url text CHECK (base_url IS NULL OR base_url ~ '^https?://[^\s]+$'),
    api_key_secret text NOT NULL DEFAULT 'game_platform_api_key',
    timeout_ms integer NOT NULL DEFAULT 10000 CHECK (timeout_ms BETWEEN 100 AND 300000),
    sweep_batch integer NOT NULL DEFAULT 100 CHECK (sweep_batch BETWEEN 1 AND 10000),
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE pgcadence.game_platform_settings IS
    'Game platform upstream: base URL (NULL: Vault secret game_platform_base_url), Vault name of the API key, timeout, sweep batch size.';
INSERT INTO pgcadence.game_platform_settings DEFAULT VALUES;

-- ============================================================ indexes
CREATE INDEX competitors_coach_id_idx ON public.competitors (coach_id);
CREATE INDEX competitors_needs_totals_idx ON public.competitors (last_activity_at, id) WHERE needs_totals_refresh;
CREATE INDEX game_platform_activity_competitor_idx ON public.game_platform_activity (competitor_id, occurred_at);

-- ============================================================ policies
ALTER TABLE public.competitors ENABLE ROW LEVEL SECURITY;

ALTER TABLE public.game_platform_activity ENABLE ROW LEVEL SECURITY;

ALTER TABLE public.game_platform_sync_state ENABLE ROW LEVEL SECURITY;

ALTER TABLE pgcadence.game_platform_settings ENABLE ROW LEVEL SECURITY;  -- no policy: owner and definer functions only
