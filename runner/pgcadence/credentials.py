"""Sealed provider credentials: AES-256-GCM under CRED_SEAL_KEY, outside the database.

A credential is a small JSON object (``{"email": ..., "password": ...}``). It is sealed
here, in the runner, and only the ciphertext goes to ``public.stored_credentials``:

    ciphertext = nonce (12 random bytes) || AES-256-GCM(key, nonce, json, aad = credential id)

The credential id is the associated data, so a ciphertext copied onto another row does
not open. ``key_fp`` (first 8 bytes of SHA-256 of the key, hex) says which key sealed a
row, so a wrong or missing key is reported as such and rotation can keep old keys.

Where the key comes from, in this order:

* ``CRED_SEAL_KEY`` in the environment (base64 of 32 bytes, as Supabase secrets hold it):
  the active key; the key file, if any, still supplies older keys;
* the key ring file ``CRED_SEAL_KEY_FILE`` (default ``<pgcadence home>/cred_seal.keys``),
  one ``<key id> <base64 of 32 bytes>`` per line, the last line active (the format of
  the Vault key ring, see pgcadence.vault).

Never in a table, a GUC, argv, a log line or an error message.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import secrets as _secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pgcadence import embedded, queries as q, vault
from pgcadence.errors import CadenceError

ENV_KEY = "CRED_SEAL_KEY"
ENV_FILE = "CRED_SEAL_KEY_FILE"
KEY_FILE_NAME = "cred_seal.keys"
NONCE_BYTES = 12
RETIRED_KEY = "PCR01"  # store_credential: sealed with a key a rotation pruned


class SealError(Exception):
    """A credential could not be sealed or opened. The message never holds key or plaintext."""


def fingerprint(key: bytes) -> str:
    return hashlib.sha256(key).digest()[:8].hex()


def _decode_key(text: str, where: str) -> bytes:
    text = text.strip()
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raw = b""
    if len(raw) != 32:
        raise SealError(f"{where} is not a 256-bit key (expected base64 or hex of 32 bytes)")
    return raw


def default_key_file() -> Path:
    if os.environ.get(ENV_FILE):
        return Path(os.environ[ENV_FILE])
    return embedded.default_base() / KEY_FILE_NAME


@dataclass
class KeyRing:
    keys: dict[str, bytes]  # fingerprint -> key
    active: str | None  # fingerprint of the key new seals use
    source: str  # "environment", a file path, or "none"

    def active_key(self) -> bytes:
        if not self.active:
            raise SealError(f"{ENV_KEY} not configured (set it in the environment or run "
                            "'pgcadence credentials init-key')")
        return self.keys[self.active]


def _file_keys(path: Path) -> list[bytes]:
    try:
        text = path.read_text()
    except FileNotFoundError:
        return []
    except PermissionError:
        raise SealError(f"cannot read the {ENV_KEY} key file {path} (permission denied)") from None
    try:
        ring = vault.parse_ring(text, path)
    except CadenceError as exc:
        raise SealError(str(exc)) from None
    return [_decode_key(k.line.split()[1], f"a key in {path}") for k in ring]


def load_ring(path: Path | None = None) -> KeyRing:
    """The keys this process can use (environment first, then the key file)."""
    path = path or default_key_file()
    keys: dict[str, bytes] = {}
    active = None
    for key in _file_keys(path):
        keys[fingerprint(key)] = key
        active = fingerprint(key)
    source = str(path) if keys else "none"
    env = os.environ.get(ENV_KEY)
    if env:
        key = _decode_key(env, f"the {ENV_KEY} environment variable")
        keys[fingerprint(key)] = key
        active, source = fingerprint(key), "environment"
    return KeyRing(keys, active, source)


def seal(ring: KeyRing, credential_id: str, secret: dict) -> tuple[bytes, str]:
    """(ciphertext, key_fp) of a credential bound to its id."""
    key = ring.active_key()
    nonce = _secrets.token_bytes(NONCE_BYTES)
    data = json.dumps(secret, separators=(",", ":"), sort_keys=True).encode()
    ct = AESGCM(key).encrypt(nonce, data, uuid.UUID(str(credential_id)).bytes)
    return nonce + ct, ring.active


def unseal(ring: KeyRing, credential_id: str, ciphertext: bytes, key_fp: str) -> dict:
    """The credential JSON, or SealError (wrong key, missing key, tampered row, moved row)."""
    key = ring.keys.get(key_fp)
    if key is None:
        raise SealError(f"the key that sealed credential {credential_id} (fingerprint {key_fp}) is not loaded")
    ciphertext = bytes(ciphertext)
    try:
        data = AESGCM(key).decrypt(ciphertext[:NONCE_BYTES], ciphertext[NONCE_BYTES:],
                                   uuid.UUID(str(credential_id)).bytes)
    except InvalidTag:
        raise SealError(f"credential {credential_id} does not open with its key (tampered or moved)") from None
    return json.loads(data)


# ---------------------------------------------------------------- database
def store(conn: psycopg.Connection, ring: KeyRing, *, user_id: str, provider: str, alias: str,
          secret: dict, credential_id: str | None = None, audit: dict | None = None) -> str:
    """Seal and store a credential through public.store_credential(); returns its id.
    ``audit``: what the credentials_submitted row's metadata adds (never a secret)."""
    cid = credential_id or str(uuid.uuid4())
    for attempt in (1, 2):
        ct, fp = seal(ring, cid, secret)
        try:
            with conn.transaction():  # a savepoint when the caller has a transaction open
                conn.execute(f"select {q.STORE_CREDENTIAL}",
                             (cid, user_id, provider, alias, ct, fp, json.dumps(audit or {})))
            return cid
        except psycopg.Error as exc:
            if exc.sqlstate != RETIRED_KEY or attempt == 2:
                raise
            ring = load_ring()  # this process's ring is older than a rotation: read it again
    return cid


def init_key_file(path: Path) -> str:
    """Create a key ring file with one fresh key (0600); returns its fingerprint."""
    if path.exists():
        raise CadenceError(f"{path} already exists (use 'pgcadence credentials rotate-key' to change the key)")
    path.parent.mkdir(parents=True, exist_ok=True)
    k = vault.new_key()
    vault.write_ring(path, [k])
    return fingerprint(base64.b64decode(k.line.split()[1]))


def rotate(conn: psycopg.Connection, path: Path, *, prune: bool = False) -> tuple[str, int]:
    """Add a fresh key to the ring file and re-seal every credential under it, in one transaction.

    The new key is written to the file (atomically, old keys kept) *before* the
    transaction, so every row opens with some key in the file whatever happens.
    With ``prune`` the old keys are dropped from the file after the commit.
    Returns (new fingerprint, number of credentials re-sealed).
    """
    if os.environ.get(ENV_KEY):
        raise CadenceError(f"{ENV_KEY} is set in the environment: rotate it where it is kept "
                           f"(or unset it and use the key file {path})")
    if not path.exists():
        raise CadenceError(f"no key file at {path}: run 'pgcadence credentials init-key' first")
    old_ring = load_ring(path)
    try:
        existing = vault.parse_ring(path.read_text(), path)
    except PermissionError:
        raise CadenceError(f"cannot read {path} (permission denied)") from None
    new = vault.new_key()
    vault.write_ring(path, existing + [new])
    ring = load_ring(path)
    count = 0
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('pgcadence.cred_seal_rotate'))")
        rows = conn.execute(
            "select id::text, ciphertext, key_fp from public.stored_credentials order by id for update"
        ).fetchall()
        for cid, ct, fp in rows:
            try:
                secret = unseal(old_ring if fp in old_ring.keys else ring, cid, ct, fp)
            except SealError as exc:
                raise CadenceError(f"rotation aborted, nothing changed: {exc}") from None
            new_ct, new_fp = seal(ring, cid, secret)
            conn.execute(f"select {q.RESEAL_CREDENTIAL}", (cid, new_ct, new_fp))
            count += 1
        conn.execute(f"select {q.LOG_AUDIT_METADATA}",
                     ("credentials_resealed", json.dumps({"count": count, "key_fp": ring.active})))
    if prune:
        _prune(conn, path, ring, new)
    return ring.active, count


def _prune(conn: psycopg.Connection, path: Path, ring: KeyRing, new) -> None:
    """Drop every key but ``new`` from the ring file, without stranding a credential.

    Under the rotation lock (stores take it shared): credentials stored since the
    re-seal with an older key are re-sealed now, and the old fingerprints are retired
    (store_credential refuses them from the commit on). The file is rewritten after
    that commit: any row the database then holds opens with the new key.
    """
    old_fps = [fp for fp in ring.keys if fp != ring.active]
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('pgcadence.cred_seal_rotate'))")
        late = conn.execute("select id::text, ciphertext, key_fp from public.stored_credentials "
                            "where key_fp <> %s order by id for update", (ring.active,)).fetchall()
        for cid, ct, fp in late:
            try:
                secret = unseal(ring, cid, ct, fp)
            except SealError as exc:
                raise CadenceError(f"prune aborted, the key file keeps every key: {exc}") from None
            new_ct, new_fp = seal(ring, cid, secret)
            conn.execute(f"select {q.RESEAL_CREDENTIAL}", (cid, new_ct, new_fp))
        conn.execute(f"select {q.RETIRE_CREDENTIAL_KEYS}", (old_fps,))
    vault.write_ring(path, [new])
