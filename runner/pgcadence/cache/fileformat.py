"""The cache's JSON file: one document inside an envelope that carries the sha256 and
length of the payload, written atomically, so that a truncated, corrupted or foreign
file is detected (``CorruptCacheFile``) instead of served.

    {"envelope": {"format": "pgcadence-cache/1", "project": ..., "cache_type": ...,
                  "last_fetch": ..., "last_rich_fetch": ..., "saved_at": ...,
                  "length": N, "sha256": "..."},
     "payload":
    {...the document, N bytes...}
    }

``jq .payload`` reads it. A plain JSON object (a cache file from before pgcadence) is
read by ``read_legacy_file``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson

from pgcadence.files import atomic_write

FILE_FORMAT = "pgcadence-cache/1"
_PREFIX = b'{"envelope":'
_MIDDLE = b',"payload":\n'
_SUFFIX = b"\n}\n"


class CorruptCacheFile(ValueError):
    """The JSON file failed its integrity check."""


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


def parse_dt(value: Any) -> datetime | None:
    """An aware datetime from an ISO string (a naive one is taken as UTC)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


@dataclass(frozen=True, slots=True)
class Entry:
    """One version of a cached document. Immutable: readers never see half an update."""

    data: dict
    last_fetch: datetime | None
    last_rich_fetch: datetime | None = None
    payload: bytes | None = None  # the compact JSON of data, when known

    def age(self, now: datetime | None = None) -> timedelta | None:
        return None if self.last_fetch is None else (now or utcnow()) - self.last_fetch

    def newer_or_same(self, other: "Entry") -> bool:
        """Fetched at the same time as ``other`` or later (unknown fetch times count as oldest)."""
        if self.last_fetch is None or other.last_fetch is None:
            return other.last_fetch is None
        return self.last_fetch >= other.last_fetch

    def newer_than(self, other: "Entry | None") -> bool:
        """Fetched strictly later than ``other`` (anything is newer than nothing)."""
        if other is None:
            return True
        if self.last_fetch is None:
            return False
        return other.last_fetch is None or self.last_fetch > other.last_fetch

    def encoded(self) -> bytes:
        return self.payload or encode_payload(self.data)


def encode_payload(data: Any) -> bytes:
    """Compact JSON; the standard library's, strict (NaN refused, as PostgreSQL does)."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def decode_payload(payload: bytes | str) -> Any:
    """Parse JSON with orjson (about twice as fast on a 100 kB document); what orjson
    does not take (integers beyond 64 bits) goes to the standard library, which also
    raises the error for really invalid JSON."""
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError:
        return json.loads(payload)


def write_file(path: Path, *, project: str, cache_type: str, entry: Entry, payload: bytes) -> None:
    """Write the envelope atomically: temp file in the same directory, fsync, rename, fsync dir.

    Laid out so that the payload bytes can be checked against the envelope's sha256 and
    length without re-encoding them.
    """
    header = {
        "format": FILE_FORMAT, "project": project, "cache_type": cache_type,
        "last_fetch": iso(entry.last_fetch), "last_rich_fetch": iso(entry.last_rich_fetch),
        "saved_at": iso(utcnow()), "length": len(payload), "sha256": hashlib.sha256(payload).hexdigest(),
    }
    blob = _PREFIX + json.dumps(header, separators=(",", ":")).encode() + _MIDDLE + payload + _SUFFIX
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, blob)


def read_file(path: Path, *, project: str | None = None, cache_type: str | None = None) -> Entry:
    """Read and verify an envelope file. FileNotFoundError when absent, CorruptCacheFile when bad."""
    raw = path.read_bytes()
    nl = raw.find(b"\n")
    if nl < 0 or not raw.startswith(_PREFIX) or not raw[: nl + 1].endswith(_MIDDLE):
        raise CorruptCacheFile(f"{path}: not a pgcadence cache file (no envelope)")
    try:
        header = json.loads(raw[len(_PREFIX): nl + 1 - len(_MIDDLE)])
        length, digest = int(header["length"]), str(header["sha256"])
    except (ValueError, KeyError, TypeError) as exc:
        raise CorruptCacheFile(f"{path}: unreadable envelope ({exc})") from None
    if header.get("format") != FILE_FORMAT:
        raise CorruptCacheFile(f"{path}: unknown format {header.get('format')!r}")
    if (project and header.get("project") != project) or (cache_type and header.get("cache_type") != cache_type):
        raise CorruptCacheFile(f"{path}: holds {header.get('project')}/{header.get('cache_type')}, not {project}/{cache_type}")
    start = nl + 1
    payload = raw[start: start + length]
    if len(payload) != length or raw[start + length:] != _SUFFIX:
        raise CorruptCacheFile(f"{path}: truncated or padded (payload {len(raw) - start - len(_SUFFIX)} bytes, envelope says {length})")
    if hashlib.sha256(payload).hexdigest() != digest:
        raise CorruptCacheFile(f"{path}: sha256 mismatch (file corrupted)")
    try:
        data = decode_payload(payload)
        last_fetch, last_rich = parse_dt(header.get("last_fetch")), parse_dt(header.get("last_rich_fetch"))
    except ValueError as exc:
        raise CorruptCacheFile(f"{path}: invalid JSON payload ({exc})") from None
    if not isinstance(data, dict):
        raise CorruptCacheFile(f"{path}: payload is not a JSON object")
    return Entry(data, last_fetch, last_rich, payload)


def read_legacy_file(path: Path) -> Entry:
    """A plain JSON cache file from before: an object, maybe with last_fetch /
    last_rich_fetch keys; the file's mtime stands in for a missing last_fetch."""
    try:
        data = json.loads(path.read_bytes())
    except ValueError as exc:
        raise CorruptCacheFile(f"{path}: invalid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise CorruptCacheFile(f"{path}: not a JSON object")
    try:
        last_fetch = parse_dt(data.get("last_fetch")) or datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
        last_rich = parse_dt(data.get("last_rich_fetch"))
    except ValueError as exc:
        raise CorruptCacheFile(f"{path}: bad timestamp ({exc})") from None
    return Entry(data, last_fetch, last_rich)


def read_any_file(path: Path) -> Entry:
    """A cache file (verified), else a plain JSON object file; CorruptCacheFile when neither."""
    try:
        return read_file(path)
    except CorruptCacheFile:
        return read_legacy_file(path)
