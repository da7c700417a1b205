-- Rate limiting of the executor's routes (docs/security.md, "Rate limits"): the limits
-- per function and caller class, and the request counters every runner process shares.
-- The decision is pgcadence.rate_limit_hit() (sql/base/rate_limits.sql).

-- Requests per minute, per key (a user, a service key) and per client address. A row
-- per function overrides the default row '*' column by column (NULL: as the default);
-- in the default row NULL means unlimited.
CREATE TABLE pgcadence.rate_limits (
    function_name text PRIMARY KEY CHECK (function_name = '*' OR function_name ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$'),
    anon_per_minute integer CHECK (anon_per_minute >= 0),                   -- the anon key, or no JWT (public functions)
    authenticated_per_minute integer CHECK (authenticated_per_minute >= 0),
    service_role_per_minute integer CHECK (service_role_per_minute >= 0),
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE pgcadence.rate_limits IS
    'Executor rate limits, requests per minute per key and per client address: row ''*'' is the default (NULL: unlimited), a row per function overrides it column by column (NULL: as the default).';
INSERT INTO pgcadence.rate_limits (function_name, anon_per_minute, authenticated_per_minute, service_role_per_minute)
VALUES ('*', 120, 600, NULL);
ALTER TABLE pgcadence.rate_limits ENABLE ROW LEVEL SECURITY;  -- no policy: owner and definer functions only

-- One counter per (function, key or address) and fixed one-minute window. UNLOGGED:
-- counters are worth nothing after a crash, and they change on every request.
CREATE UNLOGGED TABLE pgcadence.rate_limit_hits (
    bucket text PRIMARY KEY,
    window_start timestamptz NOT NULL,
    hits integer NOT NULL
);
COMMENT ON TABLE pgcadence.rate_limit_hits IS 'Executor request counters of the current minute (pgcadence.rate_limit_hit).';
ALTER TABLE pgcadence.rate_limit_hits ENABLE ROW LEVEL SECURITY;  -- no policy: owner and definer functions only
