"""System mandates: signed JWS (EdDSA / Ed25519) that authorise work done on a user's behalf.

Claims: ``iss`` (pgcadence), ``sub`` and ``user_id`` (the user), ``scopes`` (list),
``iat``, ``exp`` (iat + valid_duration_minutes), ``jti``. Header ``kid`` = the signing
key's fingerprint. The private key is the Vault secret ``SYSTEM_MANDATE_SIGNING_KEY``
(PKCS#8 PEM), created on first use; anyone holding the public key (``pgcadence mandates
public-key``) can check a mandate, the MCP provider included.

Verification: signature with this project's key, not expired, and the scopes cover the
operation (``REQUIRED_SCOPES``). Each failure is a ``MandateError`` with a ``reason``
(signature / expired / scope / malformed) and a message safe to show and to audit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
import uuid
from dataclasses import dataclass

import jwt
import psycopg
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pgcadence import queries as q, vault
from pgcadence.check import Check
from pgcadence.errors import CadenceError

SIGNING_KEY_SECRET = "SYSTEM_MANDATE_SIGNING_KEY"
MANDATE_SECRET = "SYSTEM_MANDATE_JWS"
CRED_ID_SECRET = "SCP_SERVICE_CRED_ID"
ISSUER = "pgcadence"
ALGORITHM = "EdDSA"
DEFAULT_SCOPES = ("scp:authenticate", "scp:discover:fields", "scp:find_programs")
DEFAULT_DURATION_MINUTES = 10080  # seven days, then renewed (docs/requirements.md, "Cache warming")
KNOWN_SCOPES = frozenset(DEFAULT_SCOPES) | {"scp:register", "scp:pay"}

# What cache warming's operation needs the mandate to allow (the scopes of every tool
# are in public.mcp_tools).
REQUIRED_SCOPES = {
    "scp.get_programs": ("scp:authenticate", "scp:find_programs"),
    "scp.discover_required_fields": ("scp:authenticate", "scp:discover:fields"),
}
USER_MANDATE_MINUTES = 15  # mandates minted for one user's tool calls
_user_mandates: dict[tuple[str, tuple[str, ...]], "Mandate"] = {}


class MandateError(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason, self.message = reason, message


@dataclass
class Mandate:
    jws: str
    claims: dict

    @property
    def user_id(self) -> str:
        return self.claims["user_id"]

    @property
    def expires_at(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.claims["exp"], dt.timezone.utc)


def _fp(public_key) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).digest()[:8].hex()


def signing_key(conn: psycopg.Connection, create: bool = False) -> Ed25519PrivateKey | None:
    """The project's mandate signing key from Vault (created there when ``create``)."""
    pem = vault.get_secret(conn, SIGNING_KEY_SECRET)
    if pem is None and create:
        # two first mandates at once must not each create (and overwrite) a key
        conn.execute("select pg_advisory_xact_lock(hashtext('pgcadence.mandate_signing_key'))")
        pem = vault.get_secret(conn, SIGNING_KEY_SECRET)
    if pem is None:
        if not create:
            return None
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
        vault.set_secret(conn, SIGNING_KEY_SECRET, pem, "Ed25519 key that signs system mandates (PKCS#8 PEM)")
        return key
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise CadenceError(f"Vault secret {SIGNING_KEY_SECRET} is not an Ed25519 private key")
    return key


def public_key_pem(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def validate_request(user_id, scopes, minutes) -> tuple[str, list[str], int]:
    """Checked (user_id, scopes, minutes) of a mandate request, or ValueError saying what is wrong."""
    try:
        uid = str(uuid.UUID(str(user_id)))
    except ValueError:
        raise ValueError("user_id must be a UUID") from None
    if scopes is None:
        scopes = list(DEFAULT_SCOPES)
    if not isinstance(scopes, list) or not scopes or not all(isinstance(s, str) for s in scopes):
        raise ValueError("scopes must be a non-empty list of strings")
    unknown = sorted(set(scopes) - KNOWN_SCOPES)
    if unknown:
        raise ValueError(f"unknown scope(s): {', '.join(unknown)}")
    if minutes is None:
        minutes = DEFAULT_DURATION_MINUTES
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 60 * 24 * 90:
        raise ValueError("valid_duration_minutes must be an integer from 1 to 129600 (90 days)")
    return uid, sorted(set(scopes)), minutes


def issue(key: Ed25519PrivateKey, user_id: str, scopes: list[str], minutes: int, now: int | None = None) -> Mandate:
    iat = int(time.time()) if now is None else now
    claims = {"iss": ISSUER, "sub": user_id, "user_id": user_id, "scopes": scopes,
              "iat": iat, "exp": iat + minutes * 60, "jti": str(uuid.uuid4())}
    token = jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": _fp(key.public_key()), "typ": "mandate+jwt"})
    return Mandate(token, claims)


def verify(jws: str, key: Ed25519PrivateKey | None, operation: str | None = None) -> Mandate:
    """The mandate if signed by ``key``, unexpired and covering ``operation``; else MandateError."""
    if key is None:
        raise MandateError("signature", f"no mandate signing key in Vault ({SIGNING_KEY_SECRET}): "
                                        "issue a mandate with create-system-mandate or 'pgcadence mandates rotate'")
    if not isinstance(jws, str) or jws.count(".") != 2:
        raise MandateError("malformed", "the system mandate is not a JWS")
    try:
        claims = jwt.decode(jws, key.public_key(), algorithms=[ALGORITHM], issuer=ISSUER,
                            options={"require": ["exp", "iat", "sub"], "verify_aud": False})
    except jwt.ExpiredSignatureError:
        exp = jwt.decode(jws, options={"verify_signature": False}).get("exp")
        when = dt.datetime.fromtimestamp(exp, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if exp else "?"
        raise MandateError("expired", f"system mandate expired at {when}: issue a new one "
                                      "('pgcadence mandates rotate')") from None
    except jwt.InvalidSignatureError:
        raise MandateError("signature", "system mandate signature is invalid (not signed by this project's "
                                        "mandate key)") from None
    except jwt.InvalidTokenError as exc:
        raise MandateError("malformed", f"system mandate is not valid: {type(exc).__name__}") from None
    scopes = claims.get("scopes")
    if not isinstance(scopes, list) or not isinstance(claims.get("user_id"), str):
        raise MandateError("malformed", "system mandate lacks user_id or scopes")
    if operation:
        missing = [s for s in REQUIRED_SCOPES.get(operation, ()) if s not in scopes]
        if missing:
            raise MandateError("scope", f"system mandate does not allow {operation}: missing scope(s) "
                                        f"{', '.join(missing)}")
    return Mandate(jws, claims)


def unverified_expiry(jws: str) -> dt.datetime | None:
    try:
        exp = jwt.decode(jws, options={"verify_signature": False}).get("exp")
    except jwt.InvalidTokenError:
        return None
    return dt.datetime.fromtimestamp(exp, dt.timezone.utc) if isinstance(exp, (int, float)) else None


def create(conn: psycopg.Connection, user_id, scopes=None, minutes=None, purpose: str | None = None) -> Mandate:
    """Issue a mandate (signing key created on first use) and audit mandate_created."""
    uid, scopes, minutes = validate_request(user_id, scopes, minutes)
    key = signing_key(conn, create=True)
    m = issue(key, uid, scopes, minutes)
    meta = {"jti": m.claims["jti"], "scopes": scopes, "expires_at": m.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")}
    if purpose:
        meta["purpose"] = purpose
    conn.execute(f"select {q.LOG_AUDIT_USER}", ("mandate_created", uid, json.dumps(meta)))
    return m


def mint_for_user(dsn: str, user_id: str, scopes, purpose: str) -> Mandate:
    """A short-lived mandate (USER_MANDATE_MINUTES) for one user's provider tool calls,
    reused by this process until two minutes before it expires; each new one is audited."""
    from pgcadence import db

    key = (str(user_id), tuple(sorted(set(scopes))))
    m = _user_mandates.get(key)
    if m and m.expires_at - dt.datetime.now(dt.timezone.utc) > dt.timedelta(minutes=2):
        return m
    with db.connect(dsn) as conn, conn.transaction():
        m = create(conn, user_id, list(key[1]), USER_MANDATE_MINUTES, purpose=purpose)
    _user_mandates[key] = m
    return m


def rotate(conn: psycopg.Connection, user_id=None, scopes=None, minutes=None, purpose: str | None = None) -> Mandate:
    """Issue a new system mandate and store it in Vault as SYSTEM_MANDATE_JWS.

    Without ``user_id``/``scopes`` the current mandate's are reused.
    """
    current = vault.get_secret(conn, MANDATE_SECRET)
    if current and (user_id is None or scopes is None):
        try:
            old = jwt.decode(current, options={"verify_signature": False})
        except jwt.InvalidTokenError:
            old = {}
        user_id = user_id or old.get("user_id")
        scopes = scopes or old.get("scopes")
    if user_id is None and current:
        raise CadenceError(f"the {MANDATE_SECRET} in Vault is not a mandate (no user to renew it for): "
                           "issue one with 'pgcadence mandates rotate --user-id UUID'")
    if user_id is None:
        raise CadenceError(f"no {MANDATE_SECRET} in Vault to renew: pass --user-id")
    try:
        with conn.transaction():
            m = create(conn, user_id, scopes, minutes, purpose=purpose)
            vault.set_secret(conn, MANDATE_SECRET, m.jws, "system mandate (JWS) for warm-cache-authenticated")
            if conn.execute("select to_regprocedure(%s) is not null",
                            (q.RECORD_MANDATE_RENEWAL_FAILED.regprocedure,)).fetchone()[0]:
                conn.execute(f"select {q.RECORD_MANDATE_RENEWAL}", ("renewed",))  # a failed renewal is over
    except ValueError as exc:
        raise CadenceError(str(exc)) from None
    return m


# ---------------------------------------------------------------- doctor
def doctor_checks(conn: psycopg.Connection) -> list:
    """Warn when the stored system mandate expires within 24 h (or has expired)."""
    if conn.execute("select to_regclass('public.mandate_audit') is null "
                    "or to_regclass('vault.decrypted_secrets') is null").fetchone()[0]:
        return []
    try:
        jws = vault.get_secret(conn, MANDATE_SECRET)
    except psycopg.Error:
        conn.rollback()
        return [Check("WARN", "system mandate", "cannot read Vault (needs a privileged connection)",
                      "run pgcadence doctor as the database owner")]
    if not jws:
        return [Check("PASS", "system mandate", f"{MANDATE_SECRET} not configured (cache warming unused)")]
    checks = renewal_checks(conn)
    exp = unverified_expiry(jws)
    if exp is None:
        return [Check("FAIL", "system mandate", f"{MANDATE_SECRET} is not a valid JWS", "pgcadence mandates rotate"),
                *checks]
    left = exp - dt.datetime.now(dt.timezone.utc)
    stamp = exp.strftime("%Y-%m-%d %H:%M UTC")
    if left.total_seconds() <= 0:
        return [Check("WARN", "system mandate", f"expired at {stamp}", "pgcadence mandates rotate"), *checks]
    if left < dt.timedelta(hours=24):
        return [Check("WARN", "system mandate", f"expires within 24 h (at {stamp})", "pgcadence mandates rotate"),
                *checks]
    return [Check("PASS", "system mandate", f"valid until {stamp}"), *checks]


def renewal_checks(conn: psycopg.Connection) -> list:
    """FAIL while the last renewal of the system mandate failed (until one succeeds)."""
    if conn.execute("select to_regprocedure(%s) is null", (q.MANDATE_RENEWAL_STATUS.regprocedure,)).fetchone()[0]:
        return []
    try:
        row = conn.execute("select failing, last_failure_at, last_error, last_success_at, renew_before "
                           f"from {q.MANDATE_RENEWAL_STATUS}").fetchone()
    except psycopg.Error:
        conn.rollback()
        return []
    failing, failed_at, error, ok_at, before = row
    if failing:
        return [Check("FAIL", "system mandate renewal",
                      f"the last renewal failed at {failed_at:%Y-%m-%d %H:%M} UTC: {error}",
                      "make sure pgcadence serve runs with its net sender and Vault holds service_role_key and "
                      "project_url; then 'pgcadence mandates rotate' (or select call_mandate_renewal(true))")]
    hours = int(before.total_seconds() // 3600)
    when = f"last renewed {ok_at:%Y-%m-%d %H:%M} UTC" if ok_at else "not renewed yet"
    return [Check("PASS", "system mandate renewal", f"renewed automatically when less than {hours} h remain ({when})")]
