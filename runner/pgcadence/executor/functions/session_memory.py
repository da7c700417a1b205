"""The executor's in-memory copy of checkout sessions: the first place a session is
looked up, the database (public.load_checkout_session) the second, so that a session
survives a restart of ``pgcadence serve``. Keyed by (user, session id), most recent
last, at most SESSION_CACHE_SIZE per process."""

from __future__ import annotations

import datetime as dt

SESSION_CACHE_SIZE = 10_000


def cache(request) -> dict:
    state = request.app.state
    sessions = getattr(state, "checkout_sessions", None)
    if sessions is None:
        sessions = state.checkout_sessions = {}
    return sessions


def remember(request, user: str, session_id: str, context: dict, provider_id, expires_at) -> dict:
    entry = {"session_id": session_id, "context": context, "provider_id": provider_id, "expires_at": expires_at}
    sessions = cache(request)
    sessions.pop((user, session_id), None)
    sessions[(user, session_id)] = entry
    while len(sessions) > SESSION_CACHE_SIZE:
        sessions.pop(next(iter(sessions)))
    return entry


def recall(request, user: str, session_id: str) -> dict | None:
    entry = cache(request).get((user, session_id))
    if entry and entry["expires_at"] > dt.datetime.now(dt.timezone.utc):
        return entry
    return None


def forget(request, user: str, session_id: str) -> None:
    cache(request).pop((user, session_id), None)
