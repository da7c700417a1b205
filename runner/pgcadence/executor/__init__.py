"""The HTTP executor behind ``pgcadence serve``: the "edge functions" pg_net calls.

Public surface for handler modules and the serve command:

    function         decorator registering an async handler (registry.py)
    RequestContext   what a handler receives (context.py)
    ApiError         raise to answer with a JSON error
    create_app       build the ASGI app
    load_builtin     register the functions shipped with pgcadence
"""

from __future__ import annotations

import importlib

# Loaded on first use (PEP 562): the CLI imports small modules of this package (keys, auth,
# logs) for verbs such as `pgcadence worker`, and the ASGI app pulls in Starlette, Jinja2 and
# the MCP SDK — seconds of start-up and tens of MB per process for a worker that serves no HTTP.
_EXPORTS = {"Settings": "app", "create_app": "app", "RequestContext": "context", "ApiError": "errors",
            "REGISTRY": "registry", "Function": "registry", "function": "registry"}

__all__ = ["ApiError", "Function", "REGISTRY", "RequestContext", "Settings", "create_app", "function", "load_builtin"]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


def load_builtin() -> dict:
    """Import every handler module shipped with pgcadence (each registers on import);
    returns the registry. Deferred so that importing the executor stays light."""
    import pgcadence.executor.functions  # noqa: F401

    from pgcadence.executor.registry import REGISTRY

    return REGISTRY
