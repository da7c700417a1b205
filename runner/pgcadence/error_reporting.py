"""Sentry, when ``SENTRY_DSN`` is set: job failures and executor errors as Sentry events.

``pgcadence serve`` (and ``run``) call :func:`init` once. Reporting rides on the log
lines that already exist, through sentry-sdk's logging integration: every record at
error level becomes an event — a job that ends ``failed`` (the queue logs it at error),
an executor handler that raised (``handler_error``, with its traceback), a crashed
background service — and info/warning records become its breadcrumbs. Events are
scrubbed like the logs (:mod:`pgcadence.redact`), carry no request bodies or headers
(``send_default_pii`` off), and a failed job's event is grouped per task type.

Settings (environment): ``SENTRY_DSN``; optional ``SENTRY_ENVIRONMENT``,
``SENTRY_RELEASE`` (default ``pgcadence@<version>``).
"""

from __future__ import annotations

import logging
import os

from pgcadence import __version__, redact
from pgcadence.errors import CadenceError

ENV_DSN = "SENTRY_DSN"
log = logging.getLogger("pgcadence.sentry")


def _before_send(event: dict, hint: dict) -> dict | None:
    """Flatten the executor's event fields, tag and group job failures, mask secrets."""
    extra = event.setdefault("extra", {})
    fields = extra.pop("fields", None)
    if isinstance(fields, dict):
        extra.update(fields)
    name = extra.pop("_pgcadence_event", None) or extra.get("event")
    tags = event.setdefault("tags", {})
    if isinstance(tags, dict):
        if name:
            tags["event"] = str(name)
        for key in ("task_type", "function", "service", "outcome"):
            if extra.get(key) is not None:
                tags[key] = str(extra[key])
    if name == "job" and extra.get("task_type"):
        # one Sentry issue per failing task type, not one per job id in the message
        event["fingerprint"] = ["pgcadence-job", str(extra.get("outcome")), str(extra["task_type"])]
    return redact.scrub(event)


def init(component: str, dsn: str | None = None) -> bool:
    """Start reporting to Sentry when a DSN is given or in ``$SENTRY_DSN``; False when
    there is none. A malformed DSN is a one-line CadenceError."""
    dsn = (dsn if dsn is not None else os.environ.get(ENV_DSN, "")).strip()
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.logging import LoggingIntegration
    from sentry_sdk.utils import BadDsn

    try:
        sentry_sdk.init(
            dsn=dsn,
            release=os.environ.get("SENTRY_RELEASE") or f"pgcadence@{__version__}",
            environment=os.environ.get("SENTRY_ENVIRONMENT") or None,
            send_default_pii=False,
            integrations=[LoggingIntegration(level=logging.INFO, event_level=logging.ERROR)],
            before_send=_before_send,
            before_breadcrumb=lambda crumb, hint: redact.scrub(crumb),
        )
    except BadDsn as exc:
        raise CadenceError(f"{ENV_DSN} is not a valid Sentry DSN: {redact.scrub_text(str(exc))}") from None
    sentry_sdk.set_tag("component", component)
    log.info("reporting errors to Sentry", extra={"event": "sentry_enabled", "component": component})
    return True


def flush(timeout: float = 5.0) -> None:
    """Send what is still queued (before a process ends without running atexit handlers)."""
    import sys

    if "sentry_sdk" in sys.modules:
        import sentry_sdk

        if sentry_sdk.is_initialized():
            sentry_sdk.flush(timeout=timeout)
