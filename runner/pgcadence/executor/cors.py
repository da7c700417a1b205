"""CORS the way Supabase's edge functions answer it, so that a browser can call the
executor (supabase-js ``functions.invoke``).

* ``OPTIONS`` (a preflight) is answered at once: 200, body ``ok``, with
  ``Access-Control-Allow-Headers: authorization, x-client-info, apikey, content-type``
  and the methods; no authentication, no function code runs.
* Every other response (errors too, so the page can read them) carries
  ``Access-Control-Allow-Origin``.

Allowed origins: ``serve --cors-origin`` (repeatable), else ``$PGCADENCE_CORS_ORIGINS``
(comma-separated), else ``*`` as Supabase's examples. With a list, a listed origin is
echoed (with ``Vary: Origin``) and any other gets no CORS headers, so its browser refuses
the answer.
"""

from __future__ import annotations

import os

ALLOW_HEADERS = "authorization, x-client-info, apikey, content-type"
ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
EXPOSE_HEADERS = "x-request-id"
ENV = "PGCADENCE_CORS_ORIGINS"


def origins_from_env() -> tuple[str, ...]:
    value = os.environ.get(ENV, "").strip()
    return tuple(o.strip().rstrip("/") for o in value.split(",") if o.strip()) or ("*",)


class Cors:
    """Pure ASGI middleware (no body buffering)."""

    def __init__(self, app, origins: tuple[str, ...] | list[str] | None = None) -> None:
        self.app = app
        self.origins = tuple(o.rstrip("/") for o in origins) if origins else origins_from_env()
        self.any = "*" in self.origins

    def _headers(self, origin: str | None) -> list[tuple[bytes, bytes]]:
        if self.any:
            allow = "*"
        elif origin and origin.rstrip("/") in self.origins:
            allow = origin
        else:
            return [(b"vary", b"Origin")]
        out = [(b"access-control-allow-origin", allow.encode("latin-1")),
               (b"access-control-expose-headers", EXPOSE_HEADERS.encode())]
        if not self.any:
            out.append((b"vary", b"Origin"))
        return out

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        origin = None
        for k, v in scope.get("headers") or []:
            if k == b"origin":
                origin = v.decode("latin-1")
        cors = self._headers(origin)
        if scope.get("method") == "OPTIONS":
            body = b"ok"
            headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                       *cors]
            if any(k == b"access-control-allow-origin" for k, _ in cors):
                headers += [(b"access-control-allow-headers", ALLOW_HEADERS.encode()),
                            (b"access-control-allow-methods", ALLOW_METHODS.encode()),
                            (b"access-control-max-age", b"86400")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return

        async def send_with_cors(message) -> None:
            if message["type"] == "http.response.start" and cors:
                message = {**message, "headers": [*message.get("headers", []), *cors]}
            await send(message)

        await self.app(scope, receive, send_with_cors)
