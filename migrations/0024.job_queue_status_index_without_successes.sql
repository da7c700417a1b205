-- job_queue_status_run_at_idx leaves out succeeded jobs. A job's finish writes a new row
-- version, and every index whose predicate that version matches gets an entry: this index
-- took one per success, though nothing reads succeeded jobs through it — a succeeded job
-- never runs again, so its run_at orders nothing, and the queries about succeeded jobs
-- (the console's overview and throughput, the metrics, cleanup) select them by finished_at
-- or read the whole table. Now a success writes the primary key only. Pending, failed and
-- cancelled jobs stay indexed by (status, run_at); running jobs are in job_queue_lease_idx.
-- Building the index reads the table once and blocks writes to it meanwhile: on a queue of
-- millions of rows, migrate at a quiet time.
DROP INDEX public.job_queue_status_run_at_idx;
CREATE INDEX job_queue_status_run_at_idx ON public.job_queue (status, run_at)
    WHERE status NOT IN ('running', 'succeeded');
COMMENT ON INDEX public.job_queue_status_run_at_idx IS
    'Jobs by (status, run_at): pending, failed and cancelled (running jobs: job_queue_lease_idx; succeeded jobs are not looked up by run_at).';
