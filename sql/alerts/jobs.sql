-- The alerts module's standing pg_cron jobs.

-- Evaluate the rules every minute (and queue the notifications).
SELECT cron.schedule('pgcadence_alerts_evaluate', '* * * * *', 'SELECT pgcadence.alerts_evaluate()');
-- Keep 90 days of alert history.
SELECT cron.schedule('pgcadence_alerts_cleanup', '23 3 * * *', $$SELECT public.alert_events_cleanup('90 days')$$);
