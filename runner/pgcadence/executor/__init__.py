"""The HTTP executor behind ``pgcadence serve``: the "edge functions" pg_net calls.

Public surface for handler modules and the serve command:

    function         decorator registering an async handler (registry.py)
    RequestContext   what a handler receives (app.py)
    ApiError         raise to answer with a JSON error
    create_app       build the ASGI app
"""

from pgcadence.executor.app import Settings, create_app
from pgcadence.executor.context import RequestContext
from pgcadence.executor.errors import ApiError
from pgcadence.executor.registry import REGISTRY, Function, function, load_builtin

__all__ = ["ApiError", "Function", "REGISTRY", "RequestContext", "Settings", "create_app", "function", "load_builtin"]
