-- The job queue (docs/requirements.md, "Job queue"): per-claim lease tokens, a cap on
-- leases, and the registry of running workers. The functions are in sql/queue/.

-- ============================================================ lease tokens
-- Every claim hands out a random token; completing, failing, extending or releasing a
-- job needs the token of the claim that holds it. An attempt number is not enough: a
-- claim committed asynchronously can be undone by a crash, and the job is then claimed
-- again with the same attempt number, while a token is never handed out twice.
ALTER TABLE public.job_queue ADD COLUMN lease_token bigint;
COMMENT ON COLUMN public.job_queue.lease_token IS
    'Token of the claim that holds (or last held) the job; the worker functions are fenced on it.';

-- ============================================================ settings
-- The longest lease a claim may take and a heartbeat may extend to.
ALTER TABLE pgcadence.job_queue_settings
    ADD COLUMN max_lease interval NOT NULL DEFAULT '1 hour' CHECK (max_lease > '0');

-- ============================================================ running workers
-- One row per running worker process: the task types it has handlers for, and until when
-- it counts as alive (it renews the row while it runs and deletes it when it stops).
CREATE TABLE pgcadence.job_queue_workers (
    worker_id text PRIMARY KEY CHECK (worker_id <> '' AND pg_catalog.length(worker_id) <= 200),
    task_types text[] NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    seen_at timestamptz NOT NULL DEFAULT now(),
    alive_until timestamptz NOT NULL
);
COMMENT ON TABLE pgcadence.job_queue_workers IS
    'Running queue workers and the task types they handle (renewed by each worker; expired rows are stale).';
ALTER TABLE pgcadence.job_queue_workers ENABLE ROW LEVEL SECURITY;  -- no policy: definer functions only

-- ============================================================ signatures that change
-- Fenced on lease tokens instead of attempt numbers; the claim takes the worker's task
-- types. The sources recreate them in the same run.
DROP FUNCTION IF EXISTS public.job_queue_claim(integer, text, interval);
DROP FUNCTION IF EXISTS public.job_queue_complete(uuid, jsonb, integer);
DROP FUNCTION IF EXISTS public.job_queue_complete_batch(uuid[], integer[], jsonb[]);
DROP FUNCTION IF EXISTS public.job_queue_complete_and_claim(uuid[], integer[], integer, text, interval, jsonb[]);
DROP FUNCTION IF EXISTS public.job_queue_fail(uuid, text, integer);
DROP FUNCTION IF EXISTS public.job_queue_heartbeat(uuid, interval, integer);
DROP FUNCTION IF EXISTS public.job_queue_release(uuid, integer, text);
DROP FUNCTION IF EXISTS public.job_queue_next_run_at();
DROP FUNCTION IF EXISTS pgcadence.job_queue_check(text, text, jsonb, integer, integer);
