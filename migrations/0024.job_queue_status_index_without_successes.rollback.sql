-- Undo 0024: succeeded jobs in job_queue_status_run_at_idx again.
DROP INDEX public.job_queue_status_run_at_idx;
CREATE INDEX job_queue_status_run_at_idx ON public.job_queue (status, run_at) WHERE status <> 'running';
