-- Who may read public.profiles, applied only where pgcadence created that table
-- (condition profiles_ours in sql/manifest.toml): a user reads their own row.

DROP POLICY IF EXISTS profiles_read_own ON public.profiles;
CREATE POLICY profiles_read_own ON public.profiles
    FOR SELECT TO authenticated USING (id = (SELECT auth.uid()));
REVOKE ALL ON public.profiles FROM PUBLIC, anon, authenticated;
GRANT SELECT ON public.profiles TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.profiles TO service_role;
