"""Reading the admin API's inputs: query parameters and JSON fields, each error a 400 that
names the field."""

from __future__ import annotations

import json
import uuid
from typing import Any, Mapping

from pgcadence.executor.errors import ApiError

MAX_TEXT = 1000


def bad(message: str) -> ApiError:
    return ApiError(400, "invalid_input", message)


def text(query: Mapping[str, str], name: str, *, max_len: int = 200) -> str | None:
    """An optional text parameter ('' is absent); no NUL, at most max_len characters."""
    value = query.get(name)
    if value is None or value == "":
        return None
    if "\x00" in value or len(value) > max_len:
        raise bad(f"'{name}' must be text of at most {max_len} characters")
    return value


def integer(query: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    value = query.get(name)
    if value is None or value == "":
        return default
    try:
        n = int(value)
    except ValueError:
        raise bad(f"'{name}' must be an integer") from None
    if not lo <= n <= hi:
        raise bad(f"'{name}' must be between {lo} and {hi}")
    return n


def job_id(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ApiError(404, "not_found", f"no job with id {value[:60]}") from None


def json_object(value: Any, name: str) -> dict:
    """A JSON object given as an object or as its text (straight from a textarea)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise bad(f"'{name}' must not contain NUL characters")
        try:
            value = json.loads(value) if value.strip() else {}
        except json.JSONDecodeError as exc:
            raise bad(f"'{name}' is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
        except RecursionError:
            raise bad(f"'{name}' is nested too deeply") from None
    if not isinstance(value, dict):
        raise bad(f"'{name}' must be a JSON object")
    return value


def field(body: Any, name: str, kinds: tuple[type, ...], *, required: bool = True, default: Any = None) -> Any:
    """One field of a JSON object body, of one of ``kinds`` (bool is never an int here)."""
    if not isinstance(body, dict):
        raise bad("the request body must be a JSON object")
    if name not in body or body[name] is None:
        if required:
            raise bad(f"'{name}' is required")
        return default
    value = body[name]
    if not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool)):
        names = {str: "a string", bool: "true or false", int: "an integer", dict: "a JSON object", float: "a number"}
        raise bad(f"'{name}' must be " + " or ".join(names[k] for k in kinds))
    if isinstance(value, str) and ("\x00" in value or len(value) > MAX_TEXT) and dict not in kinds:
        raise bad(f"'{name}' must be text of at most {MAX_TEXT} characters without NUL")
    if isinstance(value, int) and not isinstance(value, bool) and not -2**31 < value < 2**31:
        raise bad(f"'{name}' is out of range")
    return value
