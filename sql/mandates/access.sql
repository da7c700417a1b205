-- Who may read and change the audit, credential, cache and session tables.

-- what the tables are (comments live here, so that a change reaches every database)
COMMENT ON TABLE public.agentic_checkout_sessions IS
    'Checkout-session context synced from the orchestrator: survives restarts, '
    'expires 24 h after the last save; cleanup_expired_checkout_sessions() deletes expired rows.';
COMMENT ON TABLE public.mandate_audit IS
    'Append-only audit trail (user actions, credential use, cache warming). Written only through log_audit(); '
    'a user reads their own rows, admins and service_role read all; nobody updates or deletes '
    '(retention: purge_mandate_audit(), owner only).';

COMMENT ON TABLE public.mcp_tools IS
    'The provider''s MCP tools: read_only tools may be retried after they were sent and fall back to the mock; '
    'needs_login tools get the session''s credential; scopes = what the mandate sent with a call allows.';
COMMENT ON TABLE public.mcp_error_messages IS
    'What a user is told when a provider tool fails (see mcp_friendly_error()); the owner may reword them.';
COMMENT ON TABLE pgcadence.mandate_renewal IS
    'Renewal of SYSTEM_MANDATE_JWS: settings (renew_before, duration_minutes) and how the last renewals ended.';
COMMENT ON TABLE pgcadence.cache_warm_schedule IS
    'Per-target staggered cache warming: on/off, first run (UTC) and minutes between targets '
    '(configure_cache_warming()).';

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

-- the tool catalogue and the messages: anyone signed in may read them
DROP POLICY IF EXISTS mcp_tools_read ON public.mcp_tools;
CREATE POLICY mcp_tools_read ON public.mcp_tools FOR SELECT TO authenticated, service_role USING (true);
DROP POLICY IF EXISTS mcp_error_messages_read ON public.mcp_error_messages;
CREATE POLICY mcp_error_messages_read ON public.mcp_error_messages FOR SELECT TO authenticated, service_role USING (true);

REVOKE ALL ON public.mandate_audit_actions, public.mandate_audit, public.stored_credentials,
              public.cached_programs, public.cache_warm_targets, public.agentic_checkout_sessions,
              public.mcp_tools, public.mcp_error_messages
    FROM PUBLIC, anon, authenticated, service_role;
REVOKE ALL ON pgcadence.mandate_renewal, pgcadence.cache_warm_schedule FROM PUBLIC, anon, authenticated, service_role;

GRANT SELECT ON public.mandate_audit_actions TO authenticated, service_role;
GRANT SELECT ON public.mandate_audit TO authenticated, service_role;            -- no writes: log_audit()
GRANT SELECT, DELETE ON public.stored_credentials TO authenticated;             -- writes: store_credential()
GRANT SELECT, DELETE ON public.stored_credentials TO service_role;
GRANT SELECT ON public.cached_programs TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.cached_programs TO service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.cache_warm_targets TO authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.agentic_checkout_sessions TO authenticated, service_role;
GRANT SELECT ON public.mcp_tools, public.mcp_error_messages TO authenticated, service_role;
