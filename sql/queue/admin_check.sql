-- The admin check (Supabase convention): is_admin_user() reads public.profiles.role of
-- the requesting user. Applied only where a project does not define its own
-- (condition admin_check in sql/manifest.toml).

-- True when the requesting user (auth.uid()) has profiles.role = 'admin'.
CREATE OR REPLACE FUNCTION public.is_admin_user() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
    SELECT EXISTS (
        SELECT 1 FROM public.profiles p
        WHERE p.id = auth.uid() AND p.role = 'admin'
    )
$f$;
COMMENT ON FUNCTION public.is_admin_user() IS
    'True when the requesting user (auth.uid()) has profiles.role = ''admin''.';
REVOKE ALL ON FUNCTION public.is_admin_user() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.is_admin_user() TO anon, authenticated, service_role;
