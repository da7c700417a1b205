-- Undo 0021: the task type rule as a regular expression again.
ALTER TABLE public.job_queue DROP CONSTRAINT job_queue_task_type_check;
ALTER TABLE public.job_queue ADD CONSTRAINT job_queue_task_type_check
    CHECK (task_type ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$');
