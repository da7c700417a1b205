-- Who may read the alert rules and their history. Writes go through the functions in
-- rules.sql (admins, service_role) and alerts_evaluate() (pg_cron, as the owner).

COMMENT ON TABLE public.alert_rules IS
    'Alert rules: kind, thresholds (params), enabled, silenced_until, and the state of the last evaluation. Change them with alert_rule_update / alert_rule_silence; admins and service_role read.';
COMMENT ON TABLE public.alert_events IS
    'Alert history: every notification sent to the webhook, and every change of a rule''s condition left unannounced (why). Admins and service_role read.';

-- service_role bypasses RLS; admins read through these.
DROP POLICY IF EXISTS alert_rules_admin_read ON public.alert_rules;
CREATE POLICY alert_rules_admin_read ON public.alert_rules
    FOR SELECT TO authenticated USING ((SELECT public.is_admin_user()));
DROP POLICY IF EXISTS alert_events_admin_read ON public.alert_events;
CREATE POLICY alert_events_admin_read ON public.alert_events
    FOR SELECT TO authenticated USING ((SELECT public.is_admin_user()));

REVOKE ALL ON public.alert_rules, public.alert_events FROM PUBLIC, anon, authenticated;
REVOKE ALL ON pgcadence.alert_cron_seen FROM PUBLIC, anon, authenticated;
GRANT SELECT ON public.alert_rules, public.alert_events TO authenticated, service_role;
