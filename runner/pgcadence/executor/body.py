"""Reading JSON from a caller safely: one clear 400 for anything PostgreSQL or the handlers
could not take, never a 500. Every JSON body of the executor (``/functions/v1/…`` and the
admin API) and every JSON text inside one (the console's payload textarea) is read here.

* ``invalid_json`` (the text is not JSON this server accepts): not UTF-8, not JSON,
  ``NaN``/``Infinity`` (not JSON numbers; the field is named), a number longer than
  ``MAX_NUMBER_CHARS`` characters (Python refuses to convert > 4300 digits) or out of a
  double's range, nesting deeper than ``MAX_DEPTH`` levels (the field is named when the
  decoder got that far; the decoder recurses).
* ``invalid_input`` naming the field: a string or key holding a NUL character
  (PostgreSQL text and jsonb cannot store one) or a lone UTF-16 surrogate (not
  encodable as UTF-8).

Checks of a function's own fields (required, type, length) stay with the function
(executor/inputs.py, executor/admin/inputs.py); what is refused here never reaches them.
"""

from __future__ import annotations

import json
from typing import Any

from pgcadence.executor.errors import ApiError

MAX_DEPTH = 32
MAX_NUMBER_CHARS = 64


class _Refused(ValueError):
    pass


class _NotANumber:
    """What the decoder makes of NaN / Infinity, so that the check can name the field."""

    def __init__(self, text: str) -> None:
        self.text = text


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
    return out


def _where(parts: list) -> str:
    return f"'{_path(parts)}'" if parts else "the body"


def bad_text(s: str) -> str | None:
    """Why PostgreSQL could not store ``s`` (a NUL, a lone surrogate), or None."""
    if "\x00" in s:
        return "contains a NUL character"
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return "contains an unpaired UTF-16 surrogate"
    return None


def _too_deep(parts: list) -> ApiError:
    where = f"'{_path(parts[:1])}'" if parts else "the JSON body"
    return ApiError(400, "invalid_json", f"{where} is nested deeper than {MAX_DEPTH} levels")


def check(value: Any, root: list | None = None) -> None:
    """Depth, NaN/Infinity, NUL characters and lone surrogates, iteratively (no recursion
    to exhaust); ``root`` is the path of ``value`` inside the body, for the messages."""
    stack: list[tuple[Any, list, int]] = [(value, list(root or []), 1)]
    while stack:
        v, path, depth = stack.pop()
        if isinstance(v, str):
            why = bad_text(v)
            if why:
                raise ApiError(400, "invalid_input", f"{_where(path)} {why}")
        elif isinstance(v, _NotANumber):
            raise ApiError(400, "invalid_json", f"{_where(path)} is {v.text}, which is not a JSON number")
        elif isinstance(v, (dict, list)):
            if depth > MAX_DEPTH:
                raise _too_deep(path)
            if isinstance(v, dict):
                for k, item in v.items():
                    why = bad_text(k)
                    if why:
                        raise ApiError(400, "invalid_input", f"a key of {_where(path)} {why}")
                    stack.append((item, [*path, k], depth + 1))
            else:
                stack.extend((item, [*path, i], depth + 1) for i, item in enumerate(v))


def loads(text: str, root: list | None = None, what: str = "the request body") -> Any:
    """``text`` as JSON, checked; ``what`` names it in the message of a syntax error."""
    try:
        value = json.loads(text, parse_constant=_NotANumber, parse_int=_int, parse_float=_float)
    except _Refused as exc:
        raise ApiError(400, "invalid_json", f"{what} is not acceptable JSON: {exc}") from None
    except RecursionError:
        raise _too_deep(list(root or [])) from None
    except json.JSONDecodeError as exc:
        raise ApiError(400, "invalid_json",
                       f"{what} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except ValueError:
        raise ApiError(400, "invalid_json", f"{what} is not valid JSON") from None
    check(value, root)
    return value


def parse(raw: bytes) -> Any:
    """The request body as JSON (None when empty), or ApiError 400."""
    if not raw.strip():
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_json", "the request body is not UTF-8") from None
    return loads(text)
