"""Checks of JSON request fields that PostgreSQL would otherwise refuse with a 500.

Python's JSON parser accepts what ``jsonb`` and ``text`` cannot hold — NUL characters,
lone UTF-16 surrogates, ``NaN`` and ``Infinity`` — and nesting too deep to be useful.
Every function that hands a caller's JSON to SQL checks it here first; a failure is
``ApiError(400, "invalid_input", …)`` whose message names the field.
"""

from __future__ import annotations

import math

from pgcadence.executor.errors import ApiError

MAX_DEPTH = 32


def invalid(message: str) -> ApiError:
    return ApiError(400, "invalid_input", message)


def _bad_text(s: str) -> str | None:
    if "\x00" in s:
        return "must not contain NUL characters"
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode (a lone surrogate)"
    return None


def check_json(value, field: str, max_depth: int = MAX_DEPTH) -> None:
    """Raise invalid_input when ``value`` (the field ``field``) holds what SQL cannot store."""
    stack = [(value, field, 0)]
    while stack:
        v, path, depth = stack.pop()
        if depth > max_depth:
            raise invalid(f"{field} is nested deeper than {max_depth} levels")
        if isinstance(v, str):
            why = _bad_text(v)
            if why:
                raise invalid(f"{path} {why}")
        elif isinstance(v, float):
            if not math.isfinite(v):
                raise invalid(f"{path} must be a finite number (not NaN or Infinity)")
        elif isinstance(v, dict):
            for k, item in v.items():
                why = _bad_text(k)
                if why:
                    raise invalid(f"a key in {path} {why}")
                stack.append((item, f"{path}.{k}" if len(path) < 200 else path, depth + 1))
        elif isinstance(v, list):
            for i, item in enumerate(v):
                stack.append((item, f"{path}[{i}]" if len(path) < 200 else path, depth + 1))


def body_object(body, shape: str) -> dict:
    """The request body as a JSON object, checked; ``shape`` says what was expected."""
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise invalid(f"the body must be a JSON object: {shape}")
    for key, value in body.items():
        why = _bad_text(key)
        if why:
            raise invalid(f"a key of the body {why}")
        check_json(value, key)
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
    why = _bad_text(v)
    if why:
        raise invalid(f"{name} {why}")
    if not v.strip() or len(v) > max_len or any(ord(c) < 32 or ord(c) == 127 for c in v):
        raise invalid(f"{name} must be 1 to {max_len} characters without control characters")
    return v
