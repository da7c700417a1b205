-- The task type rule of job_queue (a letter or digit, then up to 99 of letters, digits and
-- _ . : -) written without a regular expression. PostgreSQL checks every CHECK constraint
-- on every new row version, and the worker's claim and completion write one per job:
-- the regular expression was about a tenth of the database's time per job. Same rule,
-- same constraint name, same error.
ALTER TABLE public.job_queue DROP CONSTRAINT job_queue_task_type_check;
ALTER TABLE public.job_queue ADD CONSTRAINT job_queue_task_type_check CHECK (
    task_type <> ''
    AND pg_catalog.length(task_type) <= 100
    AND pg_catalog.ltrim(task_type, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-') = ''
    AND pg_catalog.strpos('_.:-', pg_catalog.left(task_type, 1)) = 0);
