"""A function that crashes, for the Sentry test (``pgcadence serve --load tests.observability_fixtures``)."""

from __future__ import annotations

from pgcadence.executor.registry import function


@function("test-crash", verify_jwt=False, methods=("POST",))
async def crash(ctx):
    """Raises: an executor error with a password in its message (which must be masked)."""
    raise RuntimeError("kaboom while calling postgresql://app:hunter2@db.internal/prod")
