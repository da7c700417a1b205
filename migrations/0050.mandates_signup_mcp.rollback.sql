-- Undo 0050. The functions, policies and jobs of sql/mandates/ are dropped before this
-- runs (the per-target warming jobs with them); the unschedule below is a safety net.
SELECT cron.unschedule(j.jobid) FROM cron.job j
 WHERE j.jobname LIKE 'pgcadence\_warm\_%' AND j.database = current_database();

DROP TABLE pgcadence.cache_warm_schedule;
DROP TABLE pgcadence.mandate_renewal;
DROP TABLE public.mcp_error_messages;
DROP TABLE public.mcp_tools;

-- audit rows are never deleted: an action some row uses stays
DELETE FROM public.mandate_audit_actions a
 WHERE a.action IN ('mandate_renewal_failed', 'mcp_tool_failed')
   AND NOT EXISTS (SELECT FROM public.mandate_audit m WHERE m.action = a.action);

-- session ids global again: of an id two users hold, the most recently saved row stays
DELETE FROM public.agentic_checkout_sessions s
 USING public.agentic_checkout_sessions t
 WHERE s.id = t.id AND (s.updated_at, s.user_id::text) < (t.updated_at, t.user_id::text);
ALTER TABLE public.agentic_checkout_sessions DROP CONSTRAINT agentic_checkout_sessions_pkey;
ALTER TABLE public.agentic_checkout_sessions ADD CONSTRAINT agentic_checkout_sessions_pkey PRIMARY KEY (id);
CREATE INDEX agentic_checkout_sessions_user_idx ON public.agentic_checkout_sessions (user_id);
