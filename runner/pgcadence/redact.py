"""Masking secrets in what leaves the process: log lines and Sentry events.

Two rules, applied recursively to dicts, lists and strings:

- a value under a key that names a secret (``authorization``, ``password``, ``token``,
  ``secret``, ``api_key``, ``dsn``, ``cookie``, ``jws``, ``key`` …) becomes ``[redacted]``;
- inside any string, the password of a URL (``postgresql://user:pw@host``), a bearer
  token, a JWT, and ``password=…`` in a libpq conninfo are masked.

This is a safety net: code never logs secrets on purpose (the executor logs no
headers, bodies or query strings).
"""

from __future__ import annotations

import functools
import re
from typing import Any

MASK = "[redacted]"

# key names whose values are secret (matched case-insensitively, anywhere in the key)
_SECRET_KEY = re.compile(
    r"authorization|passw(or)?d|passwd|secret|token|api[_-]?key|apikey|private[_-]?key|signing[_-]?key|"
    r"seal[_-]?key|(^|_)key$|^dsn$|sentry_dsn|cookie|jws|credential(s)?$|webhook_url",
    re.IGNORECASE,
)
# fields that look secret by name but are not (ids and counters)
_NOT_SECRET = {"task_type", "dedupe_key", "key_id", "token_type", "cache_key", "idempotency_key"}

_URL_PASSWORD = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@/\s]+)@", re.IGNORECASE)
_BEARER = re.compile(r"(?P<p>\bBearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
_CONNINFO_PASSWORD = re.compile(r"(?P<p>\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s]+)", re.IGNORECASE)


# Each of the four patterns above needs one of these; a text without any (most log fields:
# ids, names, counts) is returned as it is after one search instead of four substitutions.
_MAYBE_SECRET = re.compile(r"://|(?i:bearer|password)|eyJ")


@functools.lru_cache(maxsize=4096)  # a process logs the same few field names over and over
def is_secret_key(key: str) -> bool:
    return key.lower() not in _NOT_SECRET and bool(_SECRET_KEY.search(key))


def scrub_text(text: str) -> str:
    """``text`` with URL passwords, bearer tokens, JWTs and conninfo passwords masked."""
    if not text or not _MAYBE_SECRET.search(text):
        return text
    return _scrub_text_always(text)


def _scrub_text_always(text: str) -> str:
    text = _URL_PASSWORD.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)
    text = _BEARER.sub(lambda m: f"{m['p']}{MASK}", text)
    text = _JWT.sub(MASK, text)
    return _CONNINFO_PASSWORD.sub(lambda m: f"{m['p']}{MASK}", text)


def scrub(value: Any, _depth: int = 0) -> Any:
    """A copy of ``value`` (dicts, lists, tuples, strings) with secrets masked."""
    if _depth > 12:
        return value
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {k: (MASK if isinstance(k, str) and is_secret_key(k) and v not in (None, "")
                    else scrub(v, _depth + 1)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub(v, _depth + 1) for v in value]
    return value
