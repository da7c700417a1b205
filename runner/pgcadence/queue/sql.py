"""Every SQL statement the queue's Python side sends, in one place (sql/queue/ defines
the functions). Payloads and ids come back as text: the worker decodes each payload
itself, so that one row it cannot decode fails that job only."""

from __future__ import annotations

CHANNEL = "pgcadence_job_queue"  # NOTIFY channel of the enqueue trigger (sql/queue/notify.sql)

# The worker's loop: record outcomes, claim the next jobs, learn how long to sleep.
STEP = """SELECT kind, id::text, lease_token, task_type, payload::text, attempt, max_attempts, run_at::text, wait_s
FROM public.job_queue_complete_and_claim(%s::uuid[], %s::bigint[], %s::jsonb[], %s, %s, make_interval(secs => %s),
                                         %s::text[], %s::uuid[], %s::bigint[], %s::text[])"""

CLAIM = """SELECT id::text, lease_token, task_type, payload::text, attempt, max_attempts
FROM public.job_queue_claim(%s, %s, make_interval(secs => %s), %s::text[])"""

COMPLETE = "SELECT public.job_queue_complete(%s::uuid, %s, %s::jsonb)"
HEARTBEAT = "SELECT h::text FROM public.job_queue_heartbeat(%s::uuid[], %s::bigint[], make_interval(secs => %s)) AS h"
RELEASE = "SELECT public.job_queue_release(%s::uuid, %s, %s)"
WORKER_ALIVE = "SELECT public.job_queue_worker_alive(%s, %s::text[], make_interval(secs => %s))"
WORKER_STOPPED = "SELECT public.job_queue_worker_stopped(%s)"
REGISTER_HANDLER = "SELECT public.register_job_handler(%s, %s)"
HAS_REGISTER_HANDLER = "SELECT to_regprocedure('public.register_job_handler(text,text)') IS NOT NULL"
