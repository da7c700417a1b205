"""The admin API's route table: ``@admin_route(path, methods)`` registers a handler
``async (ctx) -> dict`` that runs after the console's authentication (an admin JWT, or a
session cookie with its CSRF token on state-changing methods)."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

Handler = Callable[[Any], Awaitable[Any]]


@dataclass
class ApiRoute:
    name: str
    path: str
    methods: tuple[str, ...]
    handler: Handler
    summary: str
    description: str

    @property
    def limit_name(self) -> str:
        """Its name in the executor's rate limits (pgcadence.set_rate_limit): admin-<name>."""
        return self.name if self.name.startswith("admin-") else f"admin-{self.name}"


API_ROUTES: list[ApiRoute] = []


def admin_route(path: str, *, methods: tuple[str, ...] = ("GET",), name: str | None = None,
                summary: str | None = None) -> Callable[[Handler], Handler]:
    """Register an admin API handler at ``path`` (Starlette path syntax, e.g. ``/api/admin/jobs/{id}``)."""

    def register(handler: Handler) -> Handler:
        if not inspect.iscoroutinefunction(handler):
            raise TypeError(f"admin route {path}: the handler must be 'async def'")
        doc = inspect.cleandoc(handler.__doc__ or "")
        first, _, rest = doc.partition("\n")
        for other in API_ROUTES:
            if other.path == path and set(other.methods) & set(methods):
                raise ValueError(f"admin route {path} {methods} is registered twice")
        API_ROUTES.append(ApiRoute(name=name or handler.__name__, path=path, methods=tuple(m.upper() for m in methods),
                                   handler=handler, summary=summary or first.strip(), description=rest.strip()))
        return handler

    return register
