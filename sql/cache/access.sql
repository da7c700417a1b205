-- Who may touch the cache store's tables and call its functions.

-- what the tables are (comments live here, so that a change reaches every database)
COMMENT ON TABLE public.projects IS
    'Projects owning caches (multi-project support). Inactive projects are neither written nor refreshed.';

-- The documented policy: only requests made with the service role (which also bypasses RLS).
DROP POLICY IF EXISTS "Service role can manage projects" ON public.projects;
CREATE POLICY "Service role can manage projects" ON public.projects
    FOR ALL TO service_role
    USING ((SELECT auth.role()) = 'service_role' OR current_user = 'service_role')
    WITH CHECK ((SELECT auth.role()) = 'service_role' OR current_user = 'service_role');
DROP POLICY IF EXISTS "Service role can manage cache" ON public.cache_storage;
CREATE POLICY "Service role can manage cache" ON public.cache_storage
    FOR ALL TO service_role
    USING ((SELECT auth.role()) = 'service_role' OR current_user = 'service_role')
    WITH CHECK ((SELECT auth.role()) = 'service_role' OR current_user = 'service_role');
DROP POLICY IF EXISTS "Service role can manage cache stats" ON public.cache_stats;
CREATE POLICY "Service role can manage cache stats" ON public.cache_stats
    FOR ALL TO service_role
    USING ((SELECT auth.role()) = 'service_role' OR current_user = 'service_role')
    WITH CHECK ((SELECT auth.role()) = 'service_role' OR current_user = 'service_role');

-- Supabase's default privileges give the API roles everything in public: take it back, then grant.
REVOKE ALL ON public.projects, public.cache_storage, public.cache_stats FROM PUBLIC, anon, authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.projects, public.cache_storage, public.cache_stats TO service_role;
GRANT USAGE ON SEQUENCE public.projects_id_seq, public.cache_storage_id_seq TO service_role;
