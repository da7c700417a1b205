"""Handler modules shipped with pgcadence. Importing this package registers them all.

To add a function: a module here with

    from pgcadence.executor import function

    @function("refresh-worker", service_only=True)
    async def refresh_worker(ctx):
        async with ctx.as_role() as conn:   # runs as the caller, request.jwt.claims set
            ...
        return {"processed": 0}

and its import below.
"""

from pgcadence.executor.functions import builtin, cron_admin, jobs, mandates, movies, signup  # noqa: F401
