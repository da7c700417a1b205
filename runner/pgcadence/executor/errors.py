"""The executor's error answers: raise ApiError anywhere in a request; every error is
``{"error": "<stable_code>", "message": "..."}``."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import JSONResponse


class ApiError(Exception):
    """Raise from a handler (or anywhere in a request) to answer with a JSON error."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _dumps(content: Any) -> bytes:
    return json.dumps(content, default=str, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class JSON(JSONResponse):
    """JSON that also encodes what SQL returns (uuid, timestamptz, numeric) as strings."""

    def render(self, content: Any) -> bytes:
        return _dumps(content)


def error(status: int, code: str, message: str, headers: dict | None = None) -> JSON:
    return JSON({"error": code, "message": message}, status_code=status, headers=headers)
