-- What the admin console's tables are (comments live here, so that a change reaches every
-- database). They have row level security and no policy: only the owner and the definer
-- functions of this folder read or write them.

COMMENT ON TABLE pgcadence.admin_settings IS
    'Admin console settings (one row): link_ttl, session_ttl, idle_timeout, and the local admin pgcadence created.';
COMMENT ON TABLE pgcadence.admin_login_links IS
    'One-time login links of the admin console: sha256 of the token, user, expiry, when used. Single use.';
COMMENT ON TABLE pgcadence.admin_sessions IS
    'Admin console sessions: sha256 of the cookie token, user, how signed in, expiry, last activity, logout time.';
COMMENT ON TABLE pgcadence.admin_demo_rows IS
    'Rows `pgcadence demo load` added (kind, id), so that `pgcadence demo clear` removes exactly those.';
