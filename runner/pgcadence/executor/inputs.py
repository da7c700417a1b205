"""Checks of a function's JSON fields: the body's shape, required text fields. What
PostgreSQL could not store at all (NUL, lone surrogates, NaN, nesting) was refused when
the body was read (executor/body.py); a failure here is ``ApiError(400, "invalid_input", …)``
whose message names the field.
"""

from __future__ import annotations

from pgcadence.executor.body import bad_text
from pgcadence.executor.errors import ApiError


def invalid(message: str) -> ApiError:
    return ApiError(400, "invalid_input", message)


def body_object(body, shape: str) -> dict:
    """The request body as a JSON object, checked; ``shape`` says what was expected."""
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise invalid(f"the body must be a JSON object: {shape}")
    return body


def text(body: dict, name: str, *, required: bool = True, max_len: int = 200) -> str | None:
    """A string field: present (when required), not blank, at most max_len characters, no control characters."""
    v = body.get(name)
    if v is None:
        if required:
            raise invalid(f"{name} is required")
        return None
    if not isinstance(v, str):
        raise invalid(f"{name} must be a string")
    why = bad_text(v)  # a query parameter did not pass executor/body.py
    if why:
        raise invalid(f"'{name}' {why}")
    if not v.strip() or len(v) > max_len or any(ord(c) < 32 or ord(c) == 127 for c in v):
        raise invalid(f"{name} must be 1 to {max_len} characters without control characters")
    return v
