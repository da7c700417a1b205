-- Who may read and change the game platform tables and call its functions.

REVOKE ALL ON FUNCTION
    public.game_platform_config(),
    public.game_platform_configure(text, integer, integer, text),
    public.game_platform_sync_window(uuid),
    public.game_platform_record_activity(jsonb, uuid, boolean),
    public.game_platform_competitors_to_sweep(integer, uuid),
    public.game_platform_store_totals(uuid, jsonb, timestamptz)
FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION
    public.game_platform_config(),
    public.game_platform_configure(text, integer, integer, text),
    public.game_platform_sync_window(uuid),
    public.game_platform_record_activity(jsonb, uuid, boolean),
    public.game_platform_competitors_to_sweep(integer, uuid),
    public.game_platform_store_totals(uuid, jsonb, timestamptz)
TO service_role;

DROP POLICY IF EXISTS competitors_service_role_all ON public.competitors;
CREATE POLICY competitors_service_role_all ON public.competitors FOR ALL TO service_role USING (true) WITH CHECK (true);
DROP POLICY IF EXISTS competitors_admin_read ON public.competitors;
CREATE POLICY competitors_admin_read ON public.competitors FOR SELECT TO authenticated USING ((SELECT public.is_admin_user()));
DROP POLICY IF EXISTS competitors_coach_read_own ON public.competitors;
CREATE POLICY competitors_coach_read_own ON public.competitors FOR SELECT TO authenticated
    USING (coach_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS game_platform_activity_service_role_all ON public.game_platform_activity;
CREATE POLICY game_platform_activity_service_role_all ON public.game_platform_activity
    FOR ALL TO service_role USING (true) WITH CHECK (true);
DROP POLICY IF EXISTS game_platform_activity_admin_read ON public.game_platform_activity;
CREATE POLICY game_platform_activity_admin_read ON public.game_platform_activity
    FOR SELECT TO authenticated USING ((SELECT public.is_admin_user()));
DROP POLICY IF EXISTS game_platform_activity_coach_read_own ON public.game_platform_activity;
CREATE POLICY game_platform_activity_coach_read_own ON public.game_platform_activity FOR SELECT TO authenticated
    USING (EXISTS (SELECT 1 FROM public.competitors c
                    WHERE c.id = game_platform_activity.competitor_id AND c.coach_id = (SELECT auth.uid())));
DROP POLICY IF EXISTS game_platform_sync_state_service_role_all ON public.game_platform_sync_state;
CREATE POLICY game_platform_sync_state_service_role_all ON public.game_platform_sync_state
    FOR ALL TO service_role USING (true) WITH CHECK (true);
DROP POLICY IF EXISTS game_platform_sync_state_admin_read ON public.game_platform_sync_state;
CREATE POLICY game_platform_sync_state_admin_read ON public.game_platform_sync_state
    FOR SELECT TO authenticated USING ((SELECT public.is_admin_user()));

REVOKE ALL ON public.competitors, public.game_platform_activity, public.game_platform_sync_state
    FROM PUBLIC, anon, authenticated, service_role;
REVOKE ALL ON pgcadence.game_platform_settings FROM PUBLIC, anon, authenticated, service_role;
GRANT SELECT ON public.competitors, public.game_platform_activity, public.game_platform_sync_state TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.competitors, public.game_platform_activity,
                                        public.game_platform_sync_state TO service_role;
