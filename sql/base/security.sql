-- Security checks shared by the admin check, migrate and pgcadence doctor
-- (docs/security.md).

-- The API roles (anon, authenticated) that can write public.profiles.role, through a
-- table or a column privilege (INSERT or UPDATE). Any of them means any user could make
-- themselves an admin: is_admin_user() then answers false for everyone, migrate refuses
-- and doctor fails. Empty when there is no profiles table or no such role.
CREATE OR REPLACE FUNCTION pgcadence.profiles_role_writers()
RETURNS text[]
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(pg_catalog.array_agg(r.rolname::text ORDER BY r.rolname), '{}')
      FROM pg_catalog.pg_roles r
     WHERE r.rolname IN ('anon', 'authenticated')
       AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid = pg_catalog.to_regclass('public.profiles') AND a.attname = 'role'
                      AND NOT a.attisdropped AND a.attnum > 0)
       AND (pg_catalog.has_column_privilege(r.oid, pg_catalog.to_regclass('public.profiles'), 'role', 'UPDATE')
            OR pg_catalog.has_column_privilege(r.oid, pg_catalog.to_regclass('public.profiles'), 'role', 'INSERT'))
$$;
REVOKE ALL ON FUNCTION pgcadence.profiles_role_writers() FROM PUBLIC, anon, authenticated;
COMMENT ON FUNCTION pgcadence.profiles_role_writers() IS
    'API roles that can INSERT or UPDATE public.profiles.role (should be none: whoever can write it can make themselves an admin).';
