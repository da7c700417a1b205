"""Vault secrets from Python, and the key ring file the server reads.

The SQL side (sql/vault/) does the cryptography; this module only

* reads and writes secrets through the Supabase Vault API (``vault.create_secret``,
  ``vault.update_secret``, ``vault.decrypted_secrets``), so it works on a real
  Supabase database as well as on the pgcadence shim;
* creates, reads and atomically rewrites the key ring file (one line per key:
  ``<key id uuid> <base64 of 32 random bytes>``, the last line is the active key).

Key material never goes through SQL text, argv, environment variables or logs.
"""

from __future__ import annotations

import base64
import hashlib
import os
import pwd
import re
import secrets as _secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg

from pgcadence import queries as q
from pgcadence.check import Check
from pgcadence.errors import CadenceError
from pgcadence.files import atomic_write

KEY_FILE_NAME = "pgcadence_vault.keys"
_LINE = re.compile(r"^([0-9a-fA-F-]{36})[ \t]+([A-Za-z0-9+/]{43}=)$")
_HEADER = (
    "# pgcadence Vault key ring: '<key id> <base64 of 32 random bytes>' per line; the LAST line is the\n"
    "# active key for new secrets. Older keys decrypt older rows: never delete a line a secret uses.\n"
)


# ---------------------------------------------------------------- secrets
def get_secret(conn: psycopg.Connection, name: str) -> str | None:
    """Decrypted value of the secret called ``name``, or None when there is none."""
    row = conn.execute(
        "select decrypted_secret from vault.decrypted_secrets where name = %s", (name,)
    ).fetchone()
    return row[0] if row else None


def set_secret(conn: psycopg.Connection, name: str, value: str, description: str | None = "") -> str:
    """Create the secret ``name`` or replace its value; returns its id.

    ``description`` None keeps the existing description on update ('' on create).
    Runs in one transaction (its own when the connection is in autocommit).
    """
    if not name:
        raise CadenceError("a secret needs a name")
    if value is None or value == "":
        raise CadenceError(f"refusing to store an empty value for secret '{name}'")
    with conn.transaction():
        _quiet(conn)
        # serialise concurrent set_secret calls for the same name
        conn.execute("select pg_advisory_xact_lock(hashtext('pgcadence.vault:' || %s))", (name,))
        row = conn.execute("select id from vault.secrets where name = %s", (name,)).fetchone()
        if row:
            conn.execute(
                f"select {q.VAULT_UPDATE_SECRET}",
                (row[0], value, description),
            )
            return str(row[0])
        row = conn.execute(
            f"select {q.VAULT_CREATE_SECRET}",
            (value, name, description or ""),
        ).fetchone()
        return str(row[0])


def _quiet(conn: psycopg.Connection) -> None:
    """Keep the value out of the server log for this transaction (log_statement = all would
    print bind parameters), where this role may change those settings (superuser or GRANT SET)."""
    conn.execute(
        "select set_config(name, value, true) from (values ('log_statement', 'none'),"
        " ('log_min_duration_statement', '-1'), ('log_parameter_max_length', '0')) as v(name, value)"
        " where has_parameter_privilege(name, 'SET')"
    )


def secret_exists(conn: psycopg.Connection, name: str) -> bool:
    return conn.execute("select exists (select 1 from vault.secrets where name = %s)", (name,)).fetchone()[0]


def delete_secret(conn: psycopg.Connection, name: str) -> bool:
    """Delete the secret ``name``; False when there was none."""
    cur = conn.execute("delete from vault.secrets where name = %s", (name,))
    return cur.rowcount > 0


@dataclass
class SecretInfo:
    name: str | None
    description: str
    key_id: str | None
    updated_at: object


def list_secrets(conn: psycopg.Connection) -> list[SecretInfo]:
    """Names, descriptions, key ids and update times; never values."""
    rows = conn.execute(
        "select name, description, key_id::text, updated_at from vault.secrets order by name nulls last, created_at"
    ).fetchall()
    return [SecretInfo(*r) for r in rows]


# ---------------------------------------------------------------- key ring file
@dataclass
class Key:
    key_id: str
    line: str


def new_key() -> Key:
    """A fresh random root key (32 bytes from the OS CSPRNG) with a new id."""
    kid = str(uuid.uuid4())
    return Key(kid, f"{kid} {base64.b64encode(_secrets.token_bytes(32)).decode()}")


def parse_ring(text: str, path: Path | str = KEY_FILE_NAME) -> list[Key]:
    """Keys of a ring file's text, in order; errors never quote key material."""
    keys: list[Key] = []
    for i, raw in enumerate(text.splitlines(), 1):
        line = raw.strip(" \t\r")
        if not line or line.startswith("#"):
            continue
        m = _LINE.match(line)
        if not m:
            raise CadenceError(f"vault key file {path} line {i} is malformed "
                               "(expected '<key id uuid> <base64 of 32 random bytes>')")
        keys.append(Key(m.group(1).lower(), f"{m.group(1).lower()} {m.group(2)}"))
    return keys


def _owner_of(directory: Path) -> tuple[int, int]:
    st = directory.stat()
    return st.st_uid, st.st_gid


def write_ring(path: Path, keys: list[Key]) -> None:
    """Atomically replace the key ring: temp file (0600, owned like its directory), fsync, rename, fsync dir."""
    path = Path(path)
    uid, gid = _owner_of(path.parent)
    if path.exists():
        st = path.stat()
        uid, gid = st.st_uid, st.st_gid
    atomic_write(path, (_HEADER + "".join(k.line + "\n" for k in keys)).encode(),
                 owner=(uid, gid) if os.geteuid() == 0 else None)


def ensure_key_file(pgdata: Path, server_user: str | None = None) -> bool:
    """Create ``<pgdata>/pgcadence_vault.keys`` with one fresh key unless it exists.

    Owned by the owner of ``pgdata`` (or ``server_user``), mode 0600. Returns True when created.
    """
    path = Path(pgdata) / KEY_FILE_NAME
    if path.exists():
        return False
    write_ring(path, [new_key()])
    if server_user and os.geteuid() == 0:
        pw = pwd.getpwnam(server_user)
        os.chown(path, pw.pw_uid, pw.pw_gid)
    return True


def file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# ---------------------------------------------------------------- doctor
def doctor_checks(conn: psycopg.Connection) -> list:
    """``pgcadence doctor``: is the key ring there, readable, and does it hold every key in use?"""
    if conn.execute("select to_regclass('vault.secrets') is null").fetchone()[0]:
        return []
    if conn.execute("select exists (select 1 from pg_extension where extname = 'supabase_vault')").fetchone()[0]:
        return []  # the real extension keeps its root key itself ('vault in use' says whether it is loaded)
    try:
        path, nkeys = conn.execute(f"select {q.VAULT_KEY_FILE}, (select count(*) from {q.VAULT_KEYS})").fetchone()
        missing = conn.execute(
            f"select count(*) from vault.secrets where key_id is null or key_id not in (select key_id from {q.VAULT_KEYS})"
        ).fetchone()[0]
    except psycopg.errors.InsufficientPrivilege:
        return [Check("WARN", "vault key file", "cannot check (needs a superuser connection)",
                      "run pgcadence doctor as a superuser")]
    except psycopg.Error as exc:
        diag = exc.diag
        return [Check("FAIL", "vault key file", (diag.message_primary or str(exc)).splitlines()[0],
                      diag.message_hint or "see README 'Vault secrets'")]
    if missing:
        return [Check("FAIL", "vault key file", f"{path}: {missing} secret(s) use a key that is not in the file",
                      "restore the key file that holds those keys")]
    return [Check("PASS", "vault key file", f"{path}: {nkeys} key(s), every secret decryptable by key id")]
