-- The admin console's state (docs/requirements.md, "Admin console"): one-time login links,
-- console sessions, the console's settings and the rows `pgcadence demo load` added.
-- Tokens are never stored: a link or session is found by the sha256 of its token. The
-- functions that use these tables are in sql/admin/.

-- ============================================================ tables
-- One row: how long links and sessions live, and the local admin `pgcadence run` created.
CREATE TABLE pgcadence.admin_settings (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    local_admin uuid,
    link_ttl interval NOT NULL DEFAULT '15 minutes'
        CHECK (link_ttl BETWEEN interval '1 minute' AND interval '1 day'),
    session_ttl interval NOT NULL DEFAULT '12 hours'
        CHECK (session_ttl BETWEEN interval '5 minutes' AND interval '30 days'),
    idle_timeout interval NOT NULL DEFAULT '2 hours'
        CHECK (idle_timeout BETWEEN interval '5 minutes' AND interval '30 days'),
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO pgcadence.admin_settings DEFAULT VALUES;

-- One-time login links: single use, short-lived.
CREATE TABLE pgcadence.admin_login_links (
    token_hash bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    user_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    created_by text NOT NULL
);

-- Console sessions (the HttpOnly cookie holds the token).
CREATE TABLE pgcadence.admin_sessions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    user_id uuid NOT NULL,
    via text NOT NULL CHECK (via IN ('link', 'jwt')),
    user_agent text CHECK (length(user_agent) <= 300),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    ended_at timestamptz
);

-- What `pgcadence demo load` added, so that `demo clear` removes exactly that.
CREATE TABLE pgcadence.admin_demo_rows (
    kind text NOT NULL CHECK (kind IN ('job', 'cron_job', 'cron_run', 'net_response', 'audit', 'cache_project', 'handler')),
    ref text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, ref)
);

-- ============================================================ indexes
CREATE INDEX admin_sessions_user_idx ON pgcadence.admin_sessions (user_id);
CREATE INDEX admin_sessions_expires_idx ON pgcadence.admin_sessions (expires_at);
CREATE INDEX admin_login_links_expires_idx ON pgcadence.admin_login_links (expires_at);

-- ============================================================ row level security
-- No policy: only the owner and the definer functions of sql/admin/ touch them.
ALTER TABLE pgcadence.admin_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE pgcadence.admin_login_links ENABLE ROW LEVEL SECURITY;
ALTER TABLE pgcadence.admin_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE pgcadence.admin_demo_rows ENABLE ROW LEVEL SECURITY;
