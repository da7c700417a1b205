"""Reading a JSON request body safely: one clear 400 for anything PostgreSQL or the
handlers could not take, never a 500.

* ``invalid_json``: not UTF-8, not JSON, ``NaN``/``Infinity``, a number longer than
  ``MAX_NUMBER_CHARS`` characters (Python refuses to convert > 4300 digits), nesting
  deeper than ``MAX_DEPTH`` (the decoder recurses).
* ``invalid_input`` naming the field: a string or key holding a NUL character
  (PostgreSQL text and jsonb cannot store one) or a lone UTF-16 surrogate (not
  encodable as UTF-8).
"""

from __future__ import annotations

import json
from typing import Any

from pgcadence.executor.errors import ApiError

MAX_DEPTH = 64
MAX_NUMBER_CHARS = 64


class _Refused(ValueError):
    pass


def _no_constant(name: str):
    raise _Refused(f"{name} is not a JSON number")


def _int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Refused(f"a number of {len(text)} characters (at most {MAX_NUMBER_CHARS})")
    return int(text)


def _float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Refused(f"a number of {len(text)} characters (at most {MAX_NUMBER_CHARS})")
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _Refused(f"the number {text[:20]} is out of range")
    return value


def _path(parts: list) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "body"


def _bad_text(s: str) -> str | None:
    if "\x00" in s:
        return "contains a NUL character"
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return "contains an unpaired UTF-16 surrogate"
    return None


def check(value: Any) -> None:
    """Depth, NUL characters and lone surrogates, iteratively (no recursion to exhaust)."""
    stack: list[tuple[Any, list, int]] = [(value, [], 1)]
    while stack:
        v, path, depth = stack.pop()
        if isinstance(v, str):
            why = _bad_text(v)
            if why:
                raise ApiError(400, "invalid_input", f"'{_path(path)}' {why}")
        elif isinstance(v, (dict, list)):
            if depth > MAX_DEPTH:
                raise ApiError(400, "invalid_json", f"the JSON body is nested deeper than {MAX_DEPTH} levels")
            if isinstance(v, dict):
                for k, item in v.items():
                    why = _bad_text(k)
                    if why:
                        raise ApiError(400, "invalid_input", f"a key of '{_path(path)}' {why}")
                    stack.append((item, [*path, k], depth + 1))
            else:
                stack.extend((item, [*path, i], depth + 1) for i, item in enumerate(v))


def parse(raw: bytes) -> Any:
    """The request body as JSON (None when empty), or ApiError 400."""
    if not raw.strip():
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_json", "the request body is not UTF-8") from None
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_int=_int, parse_float=_float)
    except _Refused as exc:
        raise ApiError(400, "invalid_json", f"the request body is not acceptable JSON: {exc}") from None
    except RecursionError:
        raise ApiError(400, "invalid_json", f"the JSON body is nested deeper than {MAX_DEPTH} levels") from None
    except (json.JSONDecodeError, ValueError):
        raise ApiError(400, "invalid_json", "the request body is not valid JSON") from None
    check(value)
    return value
