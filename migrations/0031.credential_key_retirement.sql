-- Sealed credentials (docs/security.md, "Keys"): the fingerprints of CRED_SEAL_KEY keys
-- that 'pgcadence credentials rotate-key --prune' removed from the key ring. A process
-- still holding a pruned key cannot store a credential sealed with it (nobody could
-- open it again); store_credential refuses such a fingerprint.
CREATE TABLE pgcadence.retired_credential_keys (
    key_fp text PRIMARY KEY,
    retired_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE pgcadence.retired_credential_keys IS
    'CRED_SEAL_KEY fingerprints pruned from the key ring; store_credential refuses credentials sealed with them.';
ALTER TABLE pgcadence.retired_credential_keys ENABLE ROW LEVEL SECURITY;  -- no policy: owner and definer functions only
