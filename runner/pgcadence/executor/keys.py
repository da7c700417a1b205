"""Project keys, kept in Vault as on Supabase.

    project_jwt_secret   the HS256 secret every project JWT is signed with
    anon_key             JWT with role anon          (what a browser would hold)
    service_role_key     JWT with role service_role  (what cron commands send)
    project_url          base URL of the executor    (cron commands: url || '/functions/v1/…')

``ensure_project_keys`` creates what is missing and is what ``pgcadence up`` calls;
it never rewrites a valid key, so keys printed once stay valid.
"""

from __future__ import annotations

import datetime as dt
import secrets as _secrets

import psycopg

from pgcadence import queries as q
from pgcadence.check import Check
from pgcadence.errors import CadenceError
from pgcadence.executor import auth
from pgcadence.vault import get_secret, set_secret  # the Vault API (works on real supabase_vault too)

JWT_SECRET = "project_jwt_secret"
PREVIOUS_JWT_SECRET = "project_jwt_secret_previous"  # verifies during a rotation's overlap window
ANON_KEY = "anon_key"
SERVICE_ROLE_KEY = "service_role_key"
PROJECT_URL = "project_url"

_GET = "select decrypted_secret from vault.decrypted_secrets where name = %s"


def vault_installed(conn: psycopg.Connection) -> bool:
    return conn.execute("select to_regclass('vault.decrypted_secrets') is not null").fetchone()[0]


def _require_vault(conn: psycopg.Connection) -> None:
    if not vault_installed(conn):
        raise CadenceError("Vault is not installed in this database (no vault.decrypted_secrets): run 'pgcadence migrate'")


def jwt_secret(conn: psycopg.Connection) -> str:
    _require_vault(conn)
    secret = get_secret(conn, JWT_SECRET)
    if not secret:
        raise CadenceError(f"no '{JWT_SECRET}' in Vault: run 'pgcadence up' (embedded) or 'pgcadence keys init'")
    return secret


def _valid_key(token: str | None, secret: str, role: str) -> bool:
    if not token:
        return False
    try:
        return auth.verify(token, secret)["role"] == role
    except auth.AuthError:
        return False


def ensure_project_keys(conn: psycopg.Connection, project_url: str | None, *, replace_url: bool = False) -> list[str]:
    """Create the JWT secret and the anon/service_role keys if missing or invalid, and
    ``project_url`` if missing (or different, with ``replace_url``: a URL someone set is
    otherwise kept). Returns one line per change or note (never a secret value)."""
    _require_vault(conn)
    changes: list[str] = []
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('pgcadence.project_keys'))")
        secret = get_secret(conn, JWT_SECRET)
        if not secret:
            secret = _secrets.token_urlsafe(48)
            set_secret(conn, JWT_SECRET, secret, "HS256 secret the project JWTs (anon, service_role, users) are signed with")
            changes.append(f"created Vault secret {JWT_SECRET}")
        for name, role in ((ANON_KEY, "anon"), (SERVICE_ROLE_KEY, "service_role")):
            if not _valid_key(get_secret(conn, name), secret, role):
                set_secret(conn, name, auth.mint(secret, role), f"project JWT with role {role}")
                changes.append(f"stored Vault secret {name} (role {role})")
        current = get_secret(conn, PROJECT_URL)
        if project_url and current != project_url:
            if current is None or replace_url:
                set_secret(conn, PROJECT_URL, project_url, "base URL of the pgcadence executor")
                changes.append(f"stored Vault secret {PROJECT_URL} = {project_url}")
            else:
                changes.append(f"kept Vault secret {PROJECT_URL} = {current} (not {project_url}; "
                               f"change it with: pgcadence keys init --project-url URL)")
    return changes


def project_keys(conn: psycopg.Connection) -> dict[str, str | None]:
    """The printable keys: url, anon and service_role (minted if Vault lacks them)."""
    secret = jwt_secret(conn)
    out: dict[str, str | None] = {"project_url": get_secret(conn, PROJECT_URL)}
    for name, role in ((ANON_KEY, "anon"), (SERVICE_ROLE_KEY, "service_role")):
        token = get_secret(conn, name)
        if not _valid_key(token, secret, role):
            raise CadenceError(f"Vault secret '{name}' is missing or not signed with {JWT_SECRET}: run 'pgcadence keys init'")
        out[name] = token
    return out


def fingerprint(secret: str) -> str:
    import hashlib

    return hashlib.sha256(secret.encode()).hexdigest()[:16]


def rotate(conn: psycopg.Connection, overlap_seconds: int) -> dict:
    """A new project JWT secret and new anon / service_role keys, in one transaction.

    The old secret stays in Vault as ``project_jwt_secret_previous`` and keys signed with
    it verify until the overlap window ends (or ``finish_rotation``); cron commands read
    the new ``service_role_key`` from Vault at their next run. Recorded in
    pgcadence.key_rotations (fingerprints only). Never returns or prints a secret.
    """
    _require_vault(conn)
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('pgcadence.project_keys'))")
        old = jwt_secret(conn)
        new = _secrets.token_urlsafe(48)
        row = conn.execute(
            f"select id, rotated_at, overlap_until from {q.RECORD_KEY_ROTATION}",
            (fingerprint(old), fingerprint(new), dt.timedelta(seconds=overlap_seconds))).fetchone()
        set_secret(conn, PREVIOUS_JWT_SECRET, old, "the project JWT secret before the open rotation (keys rotate --finish removes it)")
        set_secret(conn, JWT_SECRET, new, "HS256 secret the project JWTs (anon, service_role, users) are signed with")
        for name, role in ((ANON_KEY, "anon"), (SERVICE_ROLE_KEY, "service_role")):
            set_secret(conn, name, auth.mint(new, role), f"project JWT with role {role}")
    return {"rotation": row[0], "rotated_at": row[1], "old_keys_verify_until": row[2],
            "old_fingerprint": fingerprint(old), "new_fingerprint": fingerprint(new)}


def finish_rotation(conn: psycopg.Connection) -> dict:
    """Retire the previous secret: keys signed with it stop verifying now."""
    _require_vault(conn)
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('pgcadence.project_keys'))")
        row = conn.execute(f"select id, old_fingerprint from {q.FINISH_KEY_ROTATION}").fetchone()
        conn.execute("delete from vault.secrets where name = %s", (PREVIOUS_JWT_SECRET,))
    return {"rotation": row[0], "retired_fingerprint": row[1]}


async def averify_secrets(conn: psycopg.AsyncConnection) -> list[str]:
    """The secrets a JWT may be signed with now (current first; the previous one during a
    rotation's overlap window). Falls back to the current one on a database migrated
    before key rotation existed."""
    try:
        async with conn.transaction():
            cur = await conn.execute(f"select * from {q.PROJECT_JWT_SECRETS}")
            return [r[0] for r in await cur.fetchall() if r[0]]
    except psycopg.errors.UndefinedFunction:
        current = await aget_secret(conn, JWT_SECRET)
        return [current] if current else []


async def aget_secret(conn: psycopg.AsyncConnection, name: str) -> str | None:
    cur = await conn.execute(_GET, (name,))
    row = await cur.fetchone()
    return row[0] if row else None


def doctor_checks(conn: psycopg.Connection) -> list:
    """``pgcadence doctor``: can the executor authenticate callers, and do cron commands know where it is?"""
    if not vault_installed(conn):
        return []
    try:
        secret = get_secret(conn, JWT_SECRET)
        if not secret:
            return [Check("WARN", "project keys", f"no '{JWT_SECRET}' in Vault: pgcadence serve cannot start",
                          "pgcadence keys init --project-url http://<executor host>:54330")]
        bad = [n for n, role in ((ANON_KEY, "anon"), (SERVICE_ROLE_KEY, "service_role"))
               if not _valid_key(get_secret(conn, n), secret, role)]
        url = get_secret(conn, PROJECT_URL)
    except psycopg.Error:
        return []  # the vault checks say why secrets cannot be read
    if bad:
        return [Check("WARN", "project keys", f"{', '.join(bad)} missing or not signed with {JWT_SECRET}",
                      "pgcadence keys init")]
    if not url:
        return [Check("WARN", "project keys", "keys in place, but no 'project_url' for cron commands",
                      "pgcadence keys init --project-url http://<executor host>:54330")]
    return [Check("PASS", "project keys", f"anon and service_role keys valid; project_url = {url}")]
