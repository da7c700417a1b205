"""Reading an HTTP response body with a size limit, for every client that talks to the
outside world (the net sender, the upstream client): a body over the limit is refused
while it streams in, never buffered whole."""

from __future__ import annotations

import os

import aiohttp

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


class BodyTooLarge(Exception):
    """The response body is over the limit (as its Content-Length said, or as it streamed in)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"response body over {limit} bytes")
        self.limit = limit


def limit_from_env(name: str, default: int = DEFAULT_MAX_BYTES) -> int:
    """A byte limit from the environment variable ``name`` (a positive integer), else ``default``."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{name} must be a positive number of bytes, not {raw!r}")
    return int(raw)


async def read_body(resp: aiohttp.ClientResponse, limit: int) -> bytes:
    """The whole body, or BodyTooLarge as soon as more than ``limit`` bytes are announced or arrive."""
    if resp.content_length is not None and resp.content_length > limit:
        raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_any():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)
