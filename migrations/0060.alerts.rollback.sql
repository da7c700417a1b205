-- Undo 0060: the alert rules, their history and the overdue rule's bookkeeping. The
-- functions, policies and the standing job (sql/alerts/) are dropped before this runs.
DROP TABLE pgcadence.alert_cron_seen;
DROP TABLE public.alert_events;
DROP TABLE public.alert_rules;
