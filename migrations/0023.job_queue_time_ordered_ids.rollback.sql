-- Undo 0023: random ids for new jobs again.
ALTER TABLE public.job_queue ALTER COLUMN id SET DEFAULT gen_random_uuid();
COMMENT ON COLUMN public.job_queue.id IS NULL;
