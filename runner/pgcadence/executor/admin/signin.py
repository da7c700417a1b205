"""Who is calling the console, and signing in and out.

A caller is either a session (the HttpOnly, SameSite=Strict cookie a one-time login link
or a pasted JWT set) or a project JWT in ``Authorization: Bearer``. Sessions live in the
database (sql/admin/sessions.sql, functions only the owner may call): this layer calls
them over the executor's own connection, as an auth server uses its own role; from then
on every statement runs as ``authenticated`` with the user's claims. A session's state-changing requests carry its CSRF token (header
``X-CSRF-Token`` or form field ``csrf_token``); a bearer JWT needs none (a browser never
sends one by itself).
"""

from __future__ import annotations

import hmac
import secrets as pysecrets
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import parse_qs

import psycopg
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from pgcadence.executor import auth
from pgcadence.executor.admin import statements as sql
from pgcadence.executor.admin.render import render, secure
from pgcadence.executor.errors import ApiError

COOKIE = "pgcadence_admin"
LOGIN_COOKIE = "pgcadence_admin_login"  # double-submit token of the sign-in form
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_FORM = 64 * 1024


@dataclass
class Caller:
    role: str
    claims: dict
    how: str  # "session" or "jwt"
    csrf: str | None = None
    session_token: str | None = None

    @property
    def user_id(self) -> str | None:
        return self.claims.get("sub")


def _pool(request: Request):
    return request.app.state.pool


async def caller_from(request: Request) -> Caller | None:
    """The caller, None when there is no credential; AuthError for a bad bearer token."""
    header = request.headers.get("authorization")
    if header:
        claims = auth.verify(auth.bearer_token(header), await request.app.state.secrets.jwt_secret())
        return Caller(claims["role"], claims, "jwt")
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 200:
        return None
    async with _pool(request).connection() as conn:
        row = await (await conn.execute(sql.SESSION_GET, (token,))).fetchone()
    if row is None:
        return None
    session_id, user_id, _expires, csrf = row
    claims = {"role": "authenticated", "sub": str(user_id), "aud": "authenticated", "iss": auth.ISSUER,
              "session_id": str(session_id)}
    return Caller("authenticated", claims, "session", csrf=csrf, session_token=token)


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    return origin is None or origin == f"{request.url.scheme}://{request.url.netloc}"


def check_csrf(request: Request, caller: Caller, supplied: str | None) -> None:
    """A session's state-changing request must come from our pages: same origin, right token."""
    if caller.how != "session" or request.method in SAFE_METHODS:
        return
    if not _same_origin(request):
        raise ApiError(403, "csrf_failed", "cross-origin request refused")
    if not supplied or not caller.csrf or not hmac.compare_digest(supplied.encode(), caller.csrf.encode()):
        raise ApiError(403, "csrf_failed", "missing or wrong CSRF token (X-CSRF-Token): reload the page and try again")


async def read_form(request: Request) -> dict[str, str]:
    """An application/x-www-form-urlencoded body (first value of each field)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            raise ApiError(413, "payload_too_large", "form too large")
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, "invalid_form", "the form could not be read") from None
    return {k: v[0] for k, v in fields.items()}


def _set_session(response: Response, request: Request, token: str, expires_at: datetime) -> None:
    max_age = max(1, int((expires_at - datetime.now(timezone.utc)).total_seconds()))
    response.set_cookie(COOKIE, token, max_age=max_age, path="/", httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")


def _next_url(value: str | None) -> str:
    """Only a console path: never an open redirect."""
    if value and value.startswith("/admin") and not value.startswith("//") and "\\" not in value:
        return value
    return "/admin"


def _login_page(request: Request, *, error: str | None = None, status: int = 200, info: str | None = None) -> Response:
    nonce = pysecrets.token_urlsafe(24)
    resp = render(request, "login.html", {"error": error, "info": info, "login_csrf": nonce,
                                          "next": _next_url(request.query_params.get("next"))}, status=status)
    resp.set_cookie(LOGIN_COOKIE, nonce, max_age=1800, path="/admin/login", httponly=True, samesite="strict",
                    secure=request.url.scheme == "https")
    return resp


def _sql_message(exc: psycopg.Error) -> str:
    return (exc.diag.message_primary if exc.diag else None) or type(exc).__name__


async def login_get(request: Request) -> Response:
    """GET /admin/login: the sign-in form, or (with ?token=) a one-time link being used."""
    token = request.query_params.get("token")
    if not token:
        info = "You are signed out." if request.query_params.get("signed_out") else None
        return _login_page(request, info=info)
    try:
        async with _pool(request).connection() as conn:
            row = await (await conn.execute(sql.LOGIN_REDEEM, (token[:200], request.headers.get("user-agent")))).fetchone()
    except psycopg.Error as exc:
        status = 403 if exc.sqlstate == "42501" else 401
        return _login_page(request, error=_sql_message(exc), status=status)
    session_token, _csrf, _user, expires_at = row
    # a page, not a redirect: after a link opened from another site, a SameSite=Strict
    # cookie is sent only on navigations that start here
    resp = render(request, "signed_in.html", {"next": _next_url(request.query_params.get("next"))})
    _set_session(resp, request, session_token, expires_at)
    return resp


async def login_post(request: Request) -> Response:
    """POST /admin/login: sign in with a pasted project JWT of an admin user."""
    try:
        form = await read_form(request)
    except ApiError as exc:
        return _login_page(request, error=exc.message, status=exc.status)
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    if not nonce or not hmac.compare_digest(nonce.encode(), form.get("login_csrf", "").encode()) or not _same_origin(request):
        return _login_page(request, error="the sign-in form expired or came from another site: try again", status=403)
    token = form.get("jwt", "").strip()
    if token.lower().startswith("bearer "):
        token = token[7:].strip()
    if not token:
        return _login_page(request, error="paste an admin user's JWT", status=400)
    try:
        claims = auth.verify(token, await request.app.state.secrets.jwt_secret())
    except auth.AuthError as exc:
        return _login_page(request, error=exc.message, status=401)
    except ApiError as exc:
        return _login_page(request, error=exc.message, status=exc.status)
    if claims.get("role") != "authenticated" or not claims.get("sub"):
        return _login_page(request, status=403, error="that is not a user's token: the console needs the JWT of a signed-in "
                                                      "admin (role authenticated with a sub); the anon and service_role keys are not users")
    not_after = datetime.fromtimestamp(claims["exp"], timezone.utc) if "exp" in claims else None
    try:
        async with _pool(request).connection() as conn:
            row = await (await conn.execute(sql.SESSION_OPEN, (claims["sub"], "jwt", request.headers.get("user-agent"),
                                                               not_after))).fetchone()
    except psycopg.Error as exc:
        status = 403 if exc.sqlstate == "42501" else 400 if (exc.sqlstate or "").startswith("22") else 401
        return _login_page(request, error=_sql_message(exc), status=status)
    session_token, _csrf, _user, expires_at = row
    resp = secure(RedirectResponse(_next_url(form.get("next")), status_code=303))
    _set_session(resp, request, session_token, expires_at)
    resp.delete_cookie(LOGIN_COOKIE, path="/admin/login")
    return resp


async def logout(request: Request) -> Response:
    """POST /admin/logout: end the session (CSRF-checked), forget the cookie."""
    try:
        caller = await caller_from(request)
        form = await read_form(request)
        if caller is None or caller.how != "session":
            raise ApiError(401, "not_signed_in", "not signed in")
        check_csrf(request, caller, form.get("csrf_token") or request.headers.get(CSRF_HEADER))
    except (ApiError, auth.AuthError) as exc:
        return render(request, "error.html", {"status": getattr(exc, "status", 401), "message": exc.message},
                      status=getattr(exc, "status", 401))
    async with _pool(request).connection() as conn:
        await conn.execute(sql.SESSION_END, (caller.session_token,))
    resp = secure(RedirectResponse("/admin/login?signed_out=1", status_code=303))
    resp.delete_cookie(COOKIE, path="/")
    return resp
