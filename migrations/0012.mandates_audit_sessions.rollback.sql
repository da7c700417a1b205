-- Undo 0012: the mandate audit trail, sealed credentials, cached programs and checkout
-- sessions (their rows go with them). The functions, triggers and jobs (sql/mandates/)
-- are dropped before this runs.

DROP TABLE public.agentic_checkout_sessions;
DROP TABLE public.cache_warm_targets;
DROP TABLE public.cached_programs;
DROP TABLE public.stored_credentials;
DROP TABLE public.mandate_audit;
DROP TABLE public.mandate_audit_actions;
