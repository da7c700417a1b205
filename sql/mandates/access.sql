-- Who may read and change the audit, credential, cache and session tables.

-- what the tables are (comments live here, so that a change reaches every database)
COMMENT ON TABLE public.agentic_checkout_sessions IS
    'Checkout-session context synced from the orchestrator: survives restarts, '
    'expires 24 h after the last save; cleanup_expired_checkout_sessions() deletes expired rows.';
COMMENT ON TABLE public.mandate_audit IS
    'Append-only audit trail (user actions, credential use, cache warming). Written only through log_audit(); '
    'a user reads their own rows, admins and service_role read all; nobody updates or deletes '
    '(retention: purge_mandate_audit(), owner only).';

DROP POLICY IF EXISTS mandate_audit_actions_read ON public.mandate_audit_actions;
CREATE POLICY mandate_audit_actions_read ON public.mandate_audit_actions
    FOR SELECT TO authenticated USING (true);

-- own rows, or every row for an admin (service_role bypasses RLS)
DROP POLICY IF EXISTS mandate_audit_read_own_or_admin ON public.mandate_audit;
CREATE POLICY mandate_audit_read_own_or_admin ON public.mandate_audit
    FOR SELECT TO authenticated
    USING (user_id = (SELECT auth.uid()) OR (SELECT public.is_admin_user()));

DROP POLICY IF EXISTS stored_credentials_owner_read ON public.stored_credentials;
CREATE POLICY stored_credentials_owner_read ON public.stored_credentials
    FOR SELECT TO authenticated USING (user_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS stored_credentials_owner_delete ON public.stored_credentials;
CREATE POLICY stored_credentials_owner_delete ON public.stored_credentials
    FOR DELETE TO authenticated USING (user_id = (SELECT auth.uid()));

DROP POLICY IF EXISTS cached_programs_read ON public.cached_programs;
CREATE POLICY cached_programs_read ON public.cached_programs
    FOR SELECT TO authenticated USING (true);

DROP POLICY IF EXISTS cache_warm_targets_admin_read ON public.cache_warm_targets;
CREATE POLICY cache_warm_targets_admin_read ON public.cache_warm_targets
    FOR SELECT TO authenticated USING ((SELECT public.is_admin_user()));
DROP POLICY IF EXISTS cache_warm_targets_admin_write ON public.cache_warm_targets;
CREATE POLICY cache_warm_targets_admin_write ON public.cache_warm_targets
    FOR ALL TO authenticated USING ((SELECT public.is_admin_user())) WITH CHECK ((SELECT public.is_admin_user()));

DROP POLICY IF EXISTS checkout_sessions_owner_select ON public.agentic_checkout_sessions;
CREATE POLICY checkout_sessions_owner_select ON public.agentic_checkout_sessions
    FOR SELECT TO authenticated USING (user_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS checkout_sessions_owner_insert ON public.agentic_checkout_sessions;
CREATE POLICY checkout_sessions_owner_insert ON public.agentic_checkout_sessions
    FOR INSERT TO authenticated WITH CHECK (user_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS checkout_sessions_owner_update ON public.agentic_checkout_sessions;
CREATE POLICY checkout_sessions_owner_update ON public.agentic_checkout_sessions
    FOR UPDATE TO authenticated USING (user_id = (SELECT auth.uid())) WITH CHECK (user_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS checkout_sessions_owner_delete ON public.agentic_checkout_sessions;
CREATE POLICY checkout_sessions_owner_delete ON public.agentic_checkout_sessions
    FOR DELETE TO authenticated USING (user_id = (SELECT auth.uid()));

REVOKE ALL ON public.mandate_audit_actions, public.mandate_audit, public.stored_credentials,
              public.cached_programs, public.cache_warm_targets, public.agentic_checkout_sessions
    FROM PUBLIC, anon, authenticated, service_role;

GRANT SELECT ON public.mandate_audit_actions TO authenticated, service_role;
GRANT SELECT ON public.mandate_audit TO authenticated, service_role;            -- no writes: log_audit()
GRANT SELECT, DELETE ON public.stored_credentials TO authenticated;             -- writes: store_credential()
GRANT SELECT, DELETE ON public.stored_credentials TO service_role;
GRANT SELECT ON public.cached_programs TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.cached_programs TO service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.cache_warm_targets TO authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.agentic_checkout_sessions TO authenticated, service_role;
