"""The HTTP executor behind ``pgcadence serve``: the "edge functions" pg_net calls.

Public surface for handler modules and the serve command:

    function         decorator registering an async handler (registry.py)
    RequestContext   what a handler receives (context.py)
    ApiError         raise to answer with a JSON error
    create_app       build the ASGI app
    load_builtin     register the functions shipped with pgcadence
"""

from pgcadence.executor.app import Settings, create_app
from pgcadence.executor.context import RequestContext
from pgcadence.executor.errors import ApiError
from pgcadence.executor.registry import REGISTRY, Function, function

__all__ = ["ApiError", "Function", "REGISTRY", "RequestContext", "Settings", "create_app", "function", "load_builtin"]


def load_builtin() -> dict[str, Function]:
    """Import every handler module shipped with pgcadence (each registers on import);
    returns the registry. Deferred so that importing the executor stays light."""
    import pgcadence.executor.functions  # noqa: F401

    return REGISTRY
