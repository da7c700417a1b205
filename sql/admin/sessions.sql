-- Signing in to the admin console: the local admin, one-time login links, sessions.
-- Tokens leave the database once, when created; only their sha256 is kept. Every function
-- here is the owner's alone (no API role may call one): the console's sign-in layer uses
-- the executor's own connection, as an auth server uses its own role, and the CLI makes
-- links and the local admin (`pgcadence admin url`). Everything after sign-in runs as
-- the signed-in user.

-- ============================================================ helpers
-- A fresh URL-safe random token (32 random bytes, 43 characters).
CREATE OR REPLACE FUNCTION pgcadence.admin_new_token() RETURNS text
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.translate(pg_catalog.encode(extensions.gen_random_bytes(32), 'base64'), '+/=', '-_')
$$;
REVOKE ALL ON FUNCTION pgcadence.admin_new_token() FROM PUBLIC, anon, authenticated;

-- The stored form of a token.
CREATE OR REPLACE FUNCTION pgcadence.admin_token_hash(token text) RETURNS bytea
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.sha256(pg_catalog.convert_to(token, 'UTF8'))
$$;
REVOKE ALL ON FUNCTION pgcadence.admin_token_hash(text) FROM PUBLIC, anon, authenticated;

-- The CSRF token of a session: derived from the session token, so nothing more is stored
-- and nobody without the cookie can compute it.
CREATE OR REPLACE FUNCTION pgcadence.admin_csrf_token(session_token text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to('csrf:' || session_token, 'UTF8')), 'hex')
$$;
REVOKE ALL ON FUNCTION pgcadence.admin_csrf_token(text) FROM PUBLIC, anon, authenticated;

-- Is this user an admin? Asks public.is_admin_user() (the project's own rule, whatever it
-- reads) with the user's claims set for the duration of the call.
CREATE OR REPLACE FUNCTION pgcadence.admin_user_is_admin(user_id uuid) RETURNS boolean
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    old_claims text := pg_catalog.current_setting('request.jwt.claims', true);
    old_sub text := pg_catalog.current_setting('request.jwt.claim.sub', true);
    ok boolean;
BEGIN
    IF user_id IS NULL THEN
        RETURN false;
    END IF;
    PERFORM pg_catalog.set_config('request.jwt.claims',
                                  pg_catalog.jsonb_build_object('sub', user_id, 'role', 'authenticated')::text, true);
    PERFORM pg_catalog.set_config('request.jwt.claim.sub', '', true);
    ok := public.is_admin_user();
    PERFORM pg_catalog.set_config('request.jwt.claims', coalesce(old_claims, ''), true);
    PERFORM pg_catalog.set_config('request.jwt.claim.sub', coalesce(old_sub, ''), true);
    RETURN coalesce(ok, false);
END
$$;
REVOKE ALL ON FUNCTION pgcadence.admin_user_is_admin(uuid) FROM PUBLIC, anon, authenticated;

-- ============================================================ admins
-- The users public.profiles marks as admins (for `pgcadence admin list` and the default
-- user of `pgcadence admin url`). Owner only.
CREATE OR REPLACE FUNCTION pgcadence.admin_users()
RETURNS TABLE (user_id uuid, is_local boolean, sessions bigint, last_seen_at timestamptz)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT p.id, p.id IS NOT DISTINCT FROM (SELECT s.local_admin FROM pgcadence.admin_settings s),
           (SELECT pg_catalog.count(*) FROM pgcadence.admin_sessions x
             WHERE x.user_id = p.id AND x.ended_at IS NULL AND x.expires_at > pg_catalog.now()),
           (SELECT pg_catalog.max(x.last_seen_at) FROM pgcadence.admin_sessions x WHERE x.user_id = p.id)
    FROM public.profiles p
    WHERE p.role = 'admin'
    ORDER BY 2 DESC, 4 DESC NULLS LAST, 1
$$;
REVOKE ALL ON FUNCTION pgcadence.admin_users() FROM PUBLIC, anon, authenticated, service_role;
COMMENT ON FUNCTION pgcadence.admin_users() IS
    'Admins (profiles.role = ''admin''): id, whether pgcadence created it as the local admin, open sessions, last activity.';

-- The local admin of a development database: created on first use (a new profiles row
-- with role 'admin'), then the same user every time. Owner only (`pgcadence run`).
CREATE OR REPLACE FUNCTION pgcadence.admin_local_user() RETURNS uuid
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    uid uuid := (SELECT s.local_admin FROM pgcadence.admin_settings s);
BEGIN
    IF uid IS NOT NULL AND pgcadence.admin_user_is_admin(uid) THEN
        RETURN uid;
    END IF;
    uid := pg_catalog.gen_random_uuid();
    BEGIN
        INSERT INTO public.profiles (id, role) VALUES (uid, 'admin');
    EXCEPTION WHEN others THEN
        RAISE EXCEPTION 'cannot create a local admin in public.profiles: %', SQLERRM
            USING ERRCODE = '55000',
                  HINT = 'make an existing user an admin (profiles.role = ''admin'') and pass --user <their id>';
    END;
    IF NOT pgcadence.admin_user_is_admin(uid) THEN
        RAISE EXCEPTION 'the new profiles row % is not an admin by public.is_admin_user(); pass --user <an admin''s id>', uid
            USING ERRCODE = '55000';
    END IF;
    UPDATE pgcadence.admin_settings SET local_admin = uid, updated_at = pg_catalog.now();
    RETURN uid;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.admin_local_user() FROM PUBLIC, anon, authenticated, service_role;
COMMENT ON FUNCTION pgcadence.admin_local_user() IS
    'The local admin pgcadence created for this database (created on first call). Owner only.';

-- ============================================================ links
-- A one-time login link token for an admin, valid for ttl (default: admin_settings.link_ttl,
-- 15 minutes). Owner only: whoever holds the database owner's password may sign in.
CREATE OR REPLACE FUNCTION pgcadence.admin_login_link(user_id uuid, ttl interval DEFAULT NULL)
RETURNS TABLE (token text, expires_at timestamptz)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t text := pgcadence.admin_new_token();
    life interval := coalesce(ttl, (SELECT s.link_ttl FROM pgcadence.admin_settings s));
    until timestamptz;
BEGIN
    IF user_id IS NULL THEN
        RAISE EXCEPTION 'admin_login_link: user_id is required' USING ERRCODE = '22023';
    END IF;
    IF life < interval '1 minute' OR life > interval '1 day' THEN
        RAISE EXCEPTION 'admin_login_link: ttl must be between 1 minute and 1 day (got %)', life USING ERRCODE = '22023';
    END IF;
    IF NOT pgcadence.admin_user_is_admin(user_id) THEN
        RAISE EXCEPTION 'user % is not an admin (public.is_admin_user() is false for them)', user_id
            USING ERRCODE = '42501', HINT = 'set profiles.role = ''admin'' for that user, or pick an admin from `pgcadence admin list`';
    END IF;
    DELETE FROM pgcadence.admin_login_links l WHERE l.expires_at < pg_catalog.now() - interval '1 day';
    until := pg_catalog.now() + life;
    INSERT INTO pgcadence.admin_login_links (token_hash, user_id, expires_at, created_by)
    VALUES (pgcadence.admin_token_hash(t), user_id, until,
            CASE WHEN pg_catalog.current_setting('role') = 'none' THEN session_user::text
                 ELSE pg_catalog.current_setting('role') END);
    RETURN QUERY SELECT t, until;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.admin_login_link(uuid, interval) FROM PUBLIC, anon, authenticated, service_role;
COMMENT ON FUNCTION pgcadence.admin_login_link(uuid, interval) IS
    'Create a one-time login link token for an admin (single use, default 15 minutes). Owner only.';

-- ============================================================ sessions
-- Open a console session for an admin; returns the cookie token and its CSRF token. It
-- ends after admin_settings.session_ttl, or at not_after (a signed-in JWT's expiry) if sooner.
CREATE OR REPLACE FUNCTION pgcadence.admin_session_open(user_id uuid, via text, user_agent text DEFAULT NULL,
                                                        not_after timestamptz DEFAULT NULL)
RETURNS TABLE (session_token text, csrf_token text, session_user_id uuid, expires_at timestamptz)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t text := pgcadence.admin_new_token();
    until timestamptz := LEAST(pg_catalog.now() + (SELECT s.session_ttl FROM pgcadence.admin_settings s),
                               coalesce(not_after, 'infinity'));
BEGIN
    IF until <= pg_catalog.now() THEN
        RAISE EXCEPTION 'admin_session_open: the credential has already expired' USING ERRCODE = '28000';
    END IF;
    IF via IS NULL OR via NOT IN ('link', 'jwt') THEN
        RAISE EXCEPTION 'admin_session_open: via must be link or jwt' USING ERRCODE = '22023';
    END IF;
    IF NOT pgcadence.admin_user_is_admin(user_id) THEN
        RAISE EXCEPTION 'user % is not an admin: the console is for admins only (profiles.role = ''admin'')', user_id
            USING ERRCODE = '42501';
    END IF;
    DELETE FROM pgcadence.admin_sessions x WHERE x.expires_at < pg_catalog.now() - interval '1 day';
    INSERT INTO pgcadence.admin_sessions (token_hash, user_id, via, user_agent, expires_at)
    VALUES (pgcadence.admin_token_hash(t), user_id, via, pg_catalog.left(user_agent, 300), until);
    RETURN QUERY SELECT t, pgcadence.admin_csrf_token(t), user_id, until;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.admin_session_open(uuid, text, text, timestamptz) FROM PUBLIC, anon, authenticated, service_role;
COMMENT ON FUNCTION pgcadence.admin_session_open(uuid, text, text, timestamptz) IS
    'Open an admin console session (the caller verified the user''s credential); refuses non-admins. Owner only.';

-- Redeem a one-time login link: marks it used (atomically, so it works once) and opens a session.
CREATE OR REPLACE FUNCTION pgcadence.admin_login_redeem(token text, user_agent text DEFAULT NULL)
RETURNS TABLE (session_token text, csrf_token text, session_user_id uuid, expires_at timestamptz)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    uid uuid;
BEGIN
    UPDATE pgcadence.admin_login_links l SET used_at = pg_catalog.now()
     WHERE l.token_hash = pgcadence.admin_token_hash(coalesce(token, ''))
       AND l.used_at IS NULL AND l.expires_at > pg_catalog.now()
    RETURNING l.user_id INTO uid;
    IF uid IS NULL THEN
        RAISE EXCEPTION 'this login link is invalid, expired or already used; run `pgcadence admin url` for a new one'
            USING ERRCODE = '28000';
    END IF;
    RETURN QUERY SELECT * FROM pgcadence.admin_session_open(uid, 'link', user_agent);
END
$$;
REVOKE ALL ON FUNCTION pgcadence.admin_login_redeem(text, text) FROM PUBLIC, anon, authenticated, service_role;
COMMENT ON FUNCTION pgcadence.admin_login_redeem(text, text) IS
    'Use a one-time login link (once, before it expires) and open a console session. Owner only.';

-- The live session of a cookie token (no row: none, ended, expired or idle too long).
-- Touches last_seen_at at most once a minute.
CREATE OR REPLACE FUNCTION pgcadence.admin_session_get(token text)
RETURNS TABLE (session_id uuid, session_user_id uuid, expires_at timestamptz, csrf_token text)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s pgcadence.admin_sessions;
BEGIN
    SELECT x.* INTO s FROM pgcadence.admin_sessions x
     WHERE x.token_hash = pgcadence.admin_token_hash(coalesce(token, ''))
       AND x.ended_at IS NULL AND x.expires_at > pg_catalog.now()
       AND x.last_seen_at > pg_catalog.now() - (SELECT st.idle_timeout FROM pgcadence.admin_settings st);
    IF s.id IS NULL THEN
        RETURN;
    END IF;
    IF s.last_seen_at < pg_catalog.now() - interval '1 minute' THEN
        UPDATE pgcadence.admin_sessions x SET last_seen_at = pg_catalog.now() WHERE x.id = s.id;
    END IF;
    RETURN QUERY SELECT s.id, s.user_id, s.expires_at, pgcadence.admin_csrf_token(token);
END
$$;
REVOKE ALL ON FUNCTION pgcadence.admin_session_get(text) FROM PUBLIC, anon, authenticated, service_role;
COMMENT ON FUNCTION pgcadence.admin_session_get(text) IS
    'The session of a console cookie token, if live (not ended, not expired, not idle past admin_settings.idle_timeout). Owner only.';

-- Log out: end the session of this token. True when a live session ended.
CREATE OR REPLACE FUNCTION pgcadence.admin_session_end(token text) RETURNS boolean
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE pgcadence.admin_sessions x SET ended_at = pg_catalog.now()
     WHERE x.token_hash = pgcadence.admin_token_hash(coalesce(token, '')) AND x.ended_at IS NULL;
    RETURN FOUND;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.admin_session_end(text) FROM PUBLIC, anon, authenticated, service_role;
COMMENT ON FUNCTION pgcadence.admin_session_end(text) IS 'End (log out) the console session of this token. Owner only.';

-- End every open session of one user (NULL: of everyone). Owner only (`pgcadence admin logout`).
CREATE OR REPLACE FUNCTION pgcadence.admin_sessions_end(user_id uuid DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    UPDATE pgcadence.admin_sessions x SET ended_at = pg_catalog.now()
     WHERE x.ended_at IS NULL AND x.expires_at > pg_catalog.now()
       AND (admin_sessions_end.user_id IS NULL OR x.user_id = admin_sessions_end.user_id);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.admin_sessions_end(uuid) FROM PUBLIC, anon, authenticated, service_role;
COMMENT ON FUNCTION pgcadence.admin_sessions_end(uuid) IS 'End the open console sessions of a user (NULL: all). Owner only.';
