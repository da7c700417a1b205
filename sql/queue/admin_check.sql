-- The admin check (Supabase convention): is_admin_user() reads public.profiles.role of
-- the requesting user. Applied only where a project does not define its own
-- (condition admin_check in sql/manifest.toml).

-- True when the requesting user (auth.uid()) has profiles.role = 'admin'. Fails closed
-- (false for everyone) while anon or authenticated can write profiles.role: then any
-- user could make themselves an admin (docs/security.md, "Admins").
CREATE OR REPLACE FUNCTION public.is_admin_user() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
    SELECT pg_catalog.cardinality(pgcadence.profiles_role_writers()) = 0
       AND EXISTS (
        SELECT 1 FROM public.profiles p
        WHERE p.id = auth.uid() AND p.role = 'admin'
    )
$f$;
COMMENT ON FUNCTION public.is_admin_user() IS
    'True when the requesting user (auth.uid()) has profiles.role = ''admin'' -- and nobody but the owner and service_role can write that column (else false for everyone).';
REVOKE ALL ON FUNCTION public.is_admin_user() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.is_admin_user() TO anon, authenticated, service_role;
