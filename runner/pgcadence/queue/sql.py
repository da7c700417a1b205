"""Every SQL statement the queue's Python side sends, in one place (sql/queue/ defines
the functions). Payloads and ids come back as text: the worker decodes each payload
itself, so that one row it cannot decode fails that job only."""

from __future__ import annotations

from pgcadence import queries as q

CHANNEL = "pgcadence_job_queue"  # NOTIFY channel of the enqueue trigger (sql/queue/notify.sql)

# The worker's loop: record outcomes, claim the next jobs, learn how long to sleep.
# Intervals are passed as datetime.timedelta.
STEP = f"""SELECT kind, id::text, lease_token, task_type, payload::text, attempt, max_attempts, run_at::text, wait_s
FROM {q.JOB_QUEUE_COMPLETE_AND_CLAIM}"""

CLAIM = f"SELECT id::text, lease_token, task_type, payload::text, attempt, max_attempts FROM {q.JOB_QUEUE_CLAIM}"

HEARTBEAT = f"SELECT h::text FROM {q.JOB_QUEUE_HEARTBEAT} AS h"
RELEASE = f"SELECT {q.JOB_QUEUE_RELEASE}"
WORKER_ALIVE = f"SELECT {q.JOB_QUEUE_WORKER_ALIVE}"
WORKER_STOPPED = f"SELECT {q.JOB_QUEUE_WORKER_STOPPED}"
REGISTER_HANDLER = f"SELECT {q.REGISTER_JOB_HANDLER}"
HAS_REGISTER_HANDLER = "SELECT to_regprocedure(%s) IS NOT NULL"
