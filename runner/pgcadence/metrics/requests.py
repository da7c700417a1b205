"""Executor request metrics: a pure ASGI middleware around the executor app.

It reads the function name the endpoint records in the request's state (``state
["function"]``, as the request log does) and the status of the response.
"""

from __future__ import annotations

import time

from pgcadence.metrics import process


class RequestMetrics:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        status = {"code": 500}
        t0 = time.perf_counter()

        async def send_wrapper(message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            # unknown paths share one label: a scanner must not create a series per URL
            process.executor_request(state.get("function") or "-", status["code"], time.perf_counter() - t0)
