"""A handler the end-to-end tests load into `pgcadence serve` (PGCADENCE_HANDLERS)."""

from runner.queue_worker import handler


@handler("e2e_probe")
def e2e_probe(payload, context):
    """Echoes the payload, so the test can see the job really ran in the server process."""
    return {"echo": payload, "attempt": context.attempt}
