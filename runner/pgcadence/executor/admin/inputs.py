"""Reading the admin API's inputs: query parameters and JSON fields, each error a 400 that
names the field."""

from __future__ import annotations

import uuid
from typing import Any, Mapping

from pgcadence.executor import body as json_body
from pgcadence.executor.errors import ApiError

MAX_TEXT = 1000
INT4 = (-(2**31), 2**31 - 1)  # what an SQL integer argument holds


def bad(message: str) -> ApiError:
    return ApiError(400, "invalid_input", message)


def text(query: Mapping[str, str], name: str, *, max_len: int = 200) -> str | None:
    """An optional text parameter ('' is absent); no NUL, at most max_len characters."""
    value = query.get(name)
    if value is None or value == "":
        return None
    why = json_body.bad_text(value)
    if why:
        raise bad(f"'{name}' {why}")
    if len(value) > max_len:
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
        try:
            value = json_body.loads(value, [name], f"'{name}'") if value.strip() else {}
        except ApiError as exc:  # the field's content, not the request body: invalid_input
            raise bad(exc.message) from None
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
    if isinstance(value, str) and len(value) > MAX_TEXT and dict not in kinds:
        raise bad(f"'{name}' must be text of at most {MAX_TEXT} characters")
    if isinstance(value, int) and not isinstance(value, bool) and not INT4[0] <= value <= INT4[1]:
        raise bad(f"'{name}' is out of range (an integer between {INT4[0]} and {INT4[1]})")
    return value
