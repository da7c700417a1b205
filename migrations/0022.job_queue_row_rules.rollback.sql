-- Undo 0022: the two rules as CHECK constraints again; the trigger and its function go.
DROP TRIGGER IF EXISTS job_queue_row_rules ON public.job_queue;
DROP FUNCTION IF EXISTS pgcadence.job_queue_reject_row();
ALTER TABLE public.job_queue ADD CONSTRAINT job_queue_task_type_check CHECK (
    task_type <> ''
    AND pg_catalog.length(task_type) <= 100
    AND pg_catalog.ltrim(task_type, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-') = ''
    AND pg_catalog.strpos('_.:-', pg_catalog.left(task_type, 1)) = 0);
ALTER TABLE public.job_queue ADD CONSTRAINT job_queue_payload_check CHECK (pg_catalog.jsonb_typeof(payload) = 'object');
