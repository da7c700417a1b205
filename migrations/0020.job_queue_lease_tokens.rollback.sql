-- Undo 0020. The functions fenced on lease tokens go with the column they read; the
-- older release's sources recreate the attempt-fenced ones when it migrates.
DROP FUNCTION IF EXISTS public.job_queue_claim(integer, text, interval, text[]);
DROP FUNCTION IF EXISTS public.job_queue_complete(uuid, bigint, jsonb);
DROP FUNCTION IF EXISTS public.job_queue_complete_batch(uuid[], bigint[], jsonb[]);
DROP FUNCTION IF EXISTS public.job_queue_complete_and_claim(uuid[], bigint[], jsonb[], integer, text, interval, text[], uuid[], bigint[], text[]);
DROP FUNCTION IF EXISTS public.job_queue_fail(uuid, bigint, text);
DROP FUNCTION IF EXISTS public.job_queue_heartbeat(uuid[], bigint[], interval);
DROP FUNCTION IF EXISTS public.job_queue_release(uuid, bigint, text);
DROP FUNCTION IF EXISTS public.job_queue_worker_alive(text, text[], interval);
DROP FUNCTION IF EXISTS public.job_queue_worker_stopped(text);
DROP TABLE pgcadence.job_queue_workers;
ALTER TABLE pgcadence.job_queue_settings DROP COLUMN max_lease;
ALTER TABLE public.job_queue DROP COLUMN lease_token;
