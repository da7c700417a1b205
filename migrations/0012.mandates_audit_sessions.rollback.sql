-- Undo 0012: cache warming, the mandate audit trail, sealed credentials, checkout sessions.

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM cron.job WHERE jobname = 'daily-cache-warming') THEN
        PERFORM cron.unschedule('daily-cache-warming');
    END IF;
    IF EXISTS (SELECT 1 FROM cron.job WHERE jobname = 'cleanup-expired-sessions') THEN
        PERFORM cron.unschedule('cleanup-expired-sessions');
    END IF;
END
$$;

DROP FUNCTION public.cleanup_expired_checkout_sessions();
DROP FUNCTION public.load_checkout_session(text);
DROP FUNCTION public.save_checkout_session(text, jsonb, text, uuid, interval);
DROP FUNCTION public.record_cache_warm(text, text, jsonb, integer, text, uuid, uuid, text, interval, integer);
DROP FUNCTION public.cache_warm_plan(text, text);
DROP FUNCTION public.reseal_credential(uuid, bytea, text);
DROP FUNCTION public.access_credential(uuid, jsonb);
DROP FUNCTION public.store_credential(uuid, uuid, text, text, bytea, text);
DROP FUNCTION public.purge_mandate_audit(interval);
DROP TABLE public.agentic_checkout_sessions;
DROP TABLE public.cache_warm_targets;
DROP TABLE public.cached_programs;
DROP TABLE public.stored_credentials;
DROP TABLE public.mandate_audit;
DROP TABLE public.mandate_audit_actions;
DROP FUNCTION public.log_audit(text, uuid, text, text, uuid, jsonb);
DROP FUNCTION pgcadence.mandate_audit_append_only();
DROP FUNCTION pgcadence.request_role();
