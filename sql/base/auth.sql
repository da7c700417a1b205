-- The auth helpers Supabase defines, for a database that has none (a stock
-- PostgreSQL). They read the claims PostgREST puts in request.jwt.claim(s), exactly
-- as Supabase's own do. Condition (sql/manifest.toml, auth_helpers): applied only
-- where auth.uid() is missing or pgcadence created it; Supabase's are never touched.

-- User id (sub claim) of the current request, or NULL.
CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $f$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim.sub', true), ''),
                (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
            )::uuid
        $f$;
COMMENT ON FUNCTION auth.uid() IS 'User id (sub claim) of the current request, or NULL.';

-- Role claim of the current request.
CREATE OR REPLACE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $f$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim.role', true), ''),
                (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
            )::text
        $f$;
COMMENT ON FUNCTION auth.role() IS 'Role claim of the current request (anon, authenticated, service_role), or NULL.';

-- Email claim of the current request.
CREATE OR REPLACE FUNCTION auth.email() RETURNS text LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $f$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim.email', true), ''),
                (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
            )::text
        $f$;
COMMENT ON FUNCTION auth.email() IS 'Email claim of the current request, or NULL.';

-- Every claim of the current request.
CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $f$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim', true), ''),
                nullif(current_setting('request.jwt.claims', true), '')
            )::jsonb
        $f$;
COMMENT ON FUNCTION auth.jwt() IS 'All JWT claims of the current request as jsonb, or NULL.';

-- RLS policies call them as whoever queries: every API role may.
REVOKE ALL ON FUNCTION auth.uid(), auth.role(), auth.email(), auth.jwt() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION auth.uid(), auth.role(), auth.email(), auth.jwt() TO anon, authenticated, service_role;
