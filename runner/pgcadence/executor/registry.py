"""The one registry of HTTP functions the executor serves.

A function is an async handler ``(ctx: RequestContext) -> dict`` registered with the
``@function`` decorator. Its route is ``/functions/v1/<name>`` unless ``path`` says
otherwise (``/api/jobs/run``). Handler modules live in ``pgcadence.executor.functions``;
importing that package registers them all (``pgcadence.executor.load_builtin()``).
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

Handler = Callable[[Any], Awaitable[Any]]

ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")


@dataclass
class Function:
    """One registered function and its auth settings (before config.toml overrides)."""

    name: str
    handler: Handler
    path: str
    verify_jwt: bool = True
    service_only: bool = False
    secret_name: str | None = None  # Vault secret accepted as bearer token (service-only)
    methods: tuple[str, ...] = ALL_METHODS
    timeout: float | None = None  # seconds; None = the server's --request-timeout
    summary: str = ""
    description: str = ""
    request_schema: dict | None = None
    response_schema: dict | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)
    # async (request, AuthError) -> response: answers a refused credential instead of the plain 401
    on_auth_error: Callable[[Any, Exception], Awaitable[Any]] | None = None


REGISTRY: dict[str, Function] = {}


def function(
    name: str,
    *,
    verify_jwt: bool = True,
    service_only: bool = False,
    secret_name: str | None = None,
    path: str | None = None,
    methods: tuple[str, ...] | list[str] = ALL_METHODS,
    timeout: float | None = None,
    summary: str | None = None,
    request_schema: dict | None = None,
    response_schema: dict | None = None,
    replace: bool = False,
    registry: dict[str, Function] | None = None,
    on_auth_error: Callable[[Any, Exception], Awaitable[Any]] | None = None,
) -> Callable[[Handler], Handler]:
    """Register an async handler as ``/functions/v1/<name>`` (or ``path``).

    verify_jwt     a valid project JWT is required (default, as on Supabase); the
                   handler gets its role and claims. ``False``: public.
    service_only   role ``service_role`` is required (or the Vault secret ``secret_name``
                   as the bearer token, compared in constant time).
    on_auth_error  ``async (request, AuthError) -> response`` for a refused credential
                   (default: 401 with the executor's error shape).
    """
    reg = REGISTRY if registry is None else registry
    if not _NAME.match(name):
        raise ValueError(f"bad function name {name!r}: letters, digits, '-' and '_' only")
    if secret_name and not service_only:
        raise ValueError(f"function {name!r}: secret_name only makes sense with service_only=True")
    methods = tuple(m.upper() for m in methods)
    if not set(methods) <= set(ALL_METHODS):
        raise ValueError(f"function {name!r}: methods must be among {ALL_METHODS}")

    def register(handler: Handler) -> Handler:
        if not inspect.iscoroutinefunction(handler):
            raise TypeError(f"function {name!r}: the handler must be 'async def'")
        if name in reg and not replace:
            raise ValueError(f"function {name!r} is already registered (pass replace=True to override)")
        doc = inspect.cleandoc(handler.__doc__ or "")
        first, _, rest = doc.partition("\n")
        route = path or f"/functions/v1/{name}"
        for other in reg.values():
            if other.path == route and other.name != name:
                raise ValueError(f"function {name!r}: path {route} is taken by {other.name!r}")
        reg[name] = Function(
            name=name,
            handler=handler,
            path=route,
            verify_jwt=verify_jwt or service_only,
            service_only=service_only,
            secret_name=secret_name,
            methods=methods,
            timeout=timeout,
            summary=summary or first.strip(),
            description=rest.strip(),
            request_schema=request_schema,
            response_schema=response_schema,
            on_auth_error=on_auth_error,
        )
        return handler

    return register
