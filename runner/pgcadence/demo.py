"""The task the admin console's sample data runs (``pgcadence demo load``): the demo cron
jobs enqueue it, so a local console shows jobs succeeding and failing as time goes by."""

from __future__ import annotations

import time

from pgcadence.queue import handler

TASK_TYPE = "pgcadence_demo"  # sql/admin/demo.sql: pgcadence.admin_demo_task_type()
MAX_SLEEP = 5.0


@handler(TASK_TYPE)
def demo_task(payload, ctx):
    """Demo task: sleeps payload.seconds (at most 5), fails when payload.fail is true."""
    seconds = min(max(float(payload.get("seconds") or 0), 0.0), MAX_SLEEP)
    time.sleep(seconds)
    if payload.get("fail"):
        raise RuntimeError(f"demo failure of '{payload.get('report', 'task')}' (payload.fail is true)")
    return {"report": payload.get("report"), "slept_s": seconds}
