"""Credential sealing (AES-256-GCM, the credential id as associated data) and mandate checks, without a database."""

from __future__ import annotations

import base64
import os
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pgcadence import credentials, mandates

SECRET = {"email": "system@example.org", "password": "pw-" + uuid.uuid4().hex}


@pytest.fixture
def ring(tmp_path, monkeypatch):
    monkeypatch.delenv(credentials.ENV_KEY, raising=False)
    path = tmp_path / "seal.keys"
    credentials.init_key_file(path)
    return credentials.load_ring(path)


def test_a_sealed_credential_opens_only_under_its_own_id_and_key(ring, tmp_path):
    cid = str(uuid.uuid4())
    ct, fp = credentials.seal(ring, cid, SECRET)
    assert SECRET["password"].encode() not in ct and fp == ring.active
    assert credentials.unseal(ring, cid, ct, fp) == SECRET
    with pytest.raises(credentials.SealError) as moved:
        credentials.unseal(ring, str(uuid.uuid4()), ct, fp)  # copied onto another row
    tampered = ct[:-1] + bytes([ct[-1] ^ 1])
    with pytest.raises(credentials.SealError):
        credentials.unseal(ring, cid, tampered, fp)
    other = tmp_path / "other.keys"
    credentials.init_key_file(other)
    with pytest.raises(credentials.SealError) as missing:
        credentials.unseal(credentials.load_ring(other), cid, ct, fp)
    for exc in (moved.value, missing.value):
        assert SECRET["password"] not in str(exc)
    assert ct != credentials.seal(ring, cid, SECRET)[0], "a fresh nonce every time"


def test_the_environment_key_wins_and_file_keys_still_open_old_rows(ring, tmp_path, monkeypatch):
    path = tmp_path / "seal.keys"
    cid = str(uuid.uuid4())
    ct, fp = credentials.seal(ring, cid, SECRET)
    env_key = os.urandom(32)
    monkeypatch.setenv(credentials.ENV_KEY, base64.b64encode(env_key).decode())
    both = credentials.load_ring(path)
    assert both.active == credentials.fingerprint(env_key) != fp and both.source == "environment"
    assert credentials.unseal(both, cid, ct, fp) == SECRET
    monkeypatch.setenv(credentials.ENV_KEY, env_key.hex())
    assert credentials.load_ring(path).active == credentials.fingerprint(env_key)
    monkeypatch.setenv(credentials.ENV_KEY, "not-a-key")
    with pytest.raises(credentials.SealError, match="not a 256-bit key") as bad:
        credentials.load_ring(path)
    assert "not-a-key" not in str(bad.value)


def test_no_key_at_all_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv(credentials.ENV_KEY, raising=False)
    ring = credentials.load_ring(tmp_path / "absent.keys")
    with pytest.raises(credentials.SealError, match="CRED_SEAL_KEY not configured"):
        credentials.seal(ring, str(uuid.uuid4()), SECRET)


def test_mandate_verification_checks_signature_expiry_and_scopes():
    key = Ed25519PrivateKey.generate()
    user = str(uuid.uuid4())
    m = mandates.issue(key, user, ["scp:authenticate", "scp:find_programs"], 10080)
    assert mandates.verify(m.jws, key, "scp.get_programs").user_id == user
    with pytest.raises(mandates.MandateError) as scope:
        mandates.verify(m.jws, key, "scp.discover_required_fields")
    assert scope.value.reason == "scope" and "scp:discover:fields" in scope.value.message
    with pytest.raises(mandates.MandateError) as sig:
        mandates.verify(m.jws, Ed25519PrivateKey.generate(), "scp.get_programs")
    assert sig.value.reason == "signature"
    old = mandates.issue(key, user, list(mandates.DEFAULT_SCOPES), 1, now=1_700_000_000)
    with pytest.raises(mandates.MandateError) as exp:
        mandates.verify(old.jws, key, "scp.get_programs")
    assert exp.value.reason == "expired" and "2023-11-14T22:14:20Z" in exp.value.message
    with pytest.raises(mandates.MandateError) as bad:
        mandates.verify("a.b.c", key)
    assert bad.value.reason == "malformed"
    with pytest.raises(ValueError, match="unknown scope"):
        mandates.validate_request(user, ["scp:everything"], 10)
    with pytest.raises(ValueError, match="valid_duration_minutes"):
        mandates.validate_request(user, None, 0)
