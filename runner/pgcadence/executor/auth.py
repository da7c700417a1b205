"""Project JWTs as Supabase uses them: HS256, signed with the project JWT secret.

Minting and verification only; where the secret lives is ``keys.py``.
"""

from __future__ import annotations

import hmac
import re
import time
import uuid

import jwt

ISSUER = "pgcadence"
ALGORITHM = "HS256"
# Roles a project JWT may carry; the executor runs SQL as this role (PostgREST-style).
KNOWN_ROLES = ("anon", "authenticated", "service_role")
PROJECT_KEY_TTL = 10 * 365 * 24 * 3600  # anon / service_role keys: ten years, as Supabase's
_TTL = re.compile(r"^\s*(\d+)\s*([smhdw]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class AuthError(Exception):
    """A refused credential: ``code`` is the stable error code, the message says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def parse_ttl(text: str) -> int:
    """'90s', '15m', '1h', '7d', '2w' or plain seconds -> seconds (> 0)."""
    m = _TTL.match(str(text))
    if not m or int(m.group(1)) <= 0:
        raise ValueError(f"bad TTL {text!r}: use e.g. 90s, 15m, 1h, 7d or a number of seconds")
    return int(m.group(1)) * _UNITS[m.group(2)]


def mint(secret: str, role: str, *, ttl: int = PROJECT_KEY_TTL, sub: str | None = None,
         email: str | None = None, now: int | None = None) -> str:
    """Sign a project JWT: claims role, iss, iat, exp (+ sub/aud/email for a user token)."""
    if role not in KNOWN_ROLES:
        raise ValueError(f"unknown role {role!r}: one of {', '.join(KNOWN_ROLES)}")
    iat = int(time.time()) if now is None else now
    claims: dict = {"iss": ISSUER, "role": role, "iat": iat, "exp": iat + ttl}
    if sub is not None:
        claims["sub"] = str(uuid.UUID(sub))
        claims["aud"] = "authenticated"
    if email:
        claims["email"] = email
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def authorization_header(headers) -> str | None:
    """The Authorization a request carries, as Supabase reads it: ``Authorization: Bearer``
    holds the caller's JWT; the ``apikey`` header holds the project key (what supabase-js
    always sends) and, when it comes alone, is the bearer. The key checks that follow are
    the same either way (anon, authenticated or service_role)."""
    value = headers.get("authorization")
    if value:
        return value
    key = (headers.get("apikey") or "").strip()
    return f"Bearer {key}" if key else None


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header, or AuthError."""
    if not authorization:
        raise AuthError("missing_authorization",
                        "an 'Authorization: Bearer <jwt>' header (or an 'apikey' header) is required")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise AuthError("malformed_authorization", "the Authorization header must be 'Bearer <token>'")
    return token


def verify(token: str, secret: str) -> dict:
    """Claims of a valid, unexpired project JWT, or AuthError (never the token in messages)."""
    if token.count(".") != 2:
        raise AuthError("malformed_jwt", "the bearer token is not a JWT")
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM],
            options={"require": ["exp", "role"], "verify_aud": False},
            leeway=5,
        )
    except jwt.ExpiredSignatureError:
        raise AuthError("jwt_expired", "the JWT has expired") from None
    except jwt.InvalidSignatureError:
        raise AuthError("invalid_jwt", "the JWT signature does not match this project") from None
    except (jwt.DecodeError, jwt.InvalidAlgorithmError):
        raise AuthError("malformed_jwt", "the bearer token is not a valid HS256 JWT") from None
    except jwt.MissingRequiredClaimError as exc:
        raise AuthError("invalid_jwt", f"the JWT lacks the '{exc.claim}' claim") from None
    except jwt.InvalidTokenError:
        raise AuthError("invalid_jwt", "the JWT is not valid") from None
    if claims.get("role") not in KNOWN_ROLES:
        raise AuthError("invalid_jwt", f"the JWT role must be one of {', '.join(KNOWN_ROLES)}")
    return claims


def verify_any(token: str, secrets: list[str]) -> dict:
    """``verify`` against each secret in turn (a key rotation's overlap window); the error
    of the first (current) secret when none matches."""
    first: AuthError | None = None
    for secret in secrets:
        try:
            return verify(token, secret)
        except AuthError as exc:
            if exc.code != "invalid_jwt" or "signature" not in exc.message:
                raise
            first = first or exc
    raise first or AuthError("invalid_jwt", "the JWT signature does not match this project")


def secret_matches(token: str, secret: str | None) -> bool:
    """Constant-time comparison of a presented token with a shared secret."""
    if not secret:
        return False
    return hmac.compare_digest(token.encode("utf-8"), secret.encode("utf-8"))
