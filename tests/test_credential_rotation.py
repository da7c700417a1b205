"""credentials rotate-key --prune never strands a credential: a process that loaded the
key ring before the rotation and stores afterwards (the race of the old prune) gets its
credential sealed with a key the file still has."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from pgcadence import credentials

SECRET = {"email": "late@example.org", "password": "pw-" + uuid.uuid4().hex}


@pytest.fixture
def ring_file(tmp_path, monkeypatch):
    monkeypatch.delenv(credentials.ENV_KEY, raising=False)
    path = tmp_path / "seal.keys"
    monkeypatch.setenv(credentials.ENV_FILE, str(path))
    credentials.init_key_file(path)
    return path


def test_a_store_with_a_pruned_key_is_resealed_not_stranded(migrated_url, ring_file):
    user = str(uuid.uuid4())
    stale = credentials.load_ring(ring_file)  # another process, loaded before the rotation
    # one transaction, rolled back at the end: the audit rows it writes are append-only
    with psycopg.connect(migrated_url) as conn:
        conn.execute("select 1")  # the transaction is open: every transaction() below is a savepoint
        first = credentials.store(conn, stale, user_id=user, provider="p", alias="a", secret=SECRET)
        new_fp, n = credentials.rotate(conn, ring_file, prune=True)
        assert n >= 1
        # the late store, sealed with the pruned key: refused in SQL, re-read ring, sealed again
        late = credentials.store(conn, stale, user_id=user, provider="p", alias="late", secret=SECRET)
        rows = dict(conn.execute("select id::text, key_fp from public.stored_credentials where user_id = %s",
                                 (user,)).fetchall())
        assert rows == {first: new_fp, late: new_fp}
        fresh = credentials.load_ring(ring_file)
        for cid in (first, late):
            ct, fp = conn.execute("select ciphertext, key_fp from public.stored_credentials where id = %s",
                                  (cid,)).fetchone()
            assert credentials.unseal(fresh, cid, ct, fp) == SECRET
        # straight to SQL with the retired fingerprint: refused
        with pytest.raises(psycopg.Error, match="retired by a key rotation"), conn.transaction():
            conn.execute("select public.store_credential(%s, %s, 'p', 'x', %s, %s)",
                         (str(uuid.uuid4()), user, b"x" * 40, stale.active))
        conn.rollback()
