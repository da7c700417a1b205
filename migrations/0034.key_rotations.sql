-- API key rotation (docs/security.md, "Keys"): the record of every rotation of the
-- project JWT secret -- when, by whom, which secret replaced which (fingerprints only),
-- until when the old one still verifies, and when it was retired. Append-only but for
-- finished_at; functions in sql/vault/key_rotation.sql.
CREATE TABLE pgcadence.key_rotations (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rotated_at timestamptz NOT NULL DEFAULT now(),
    rotated_by text NOT NULL DEFAULT session_user,
    old_fingerprint text NOT NULL,   -- first 16 hex of sha256(secret): never the secret
    new_fingerprint text NOT NULL,
    overlap_until timestamptz NOT NULL,
    finished_at timestamptz,
    finished_by text
);
CREATE UNIQUE INDEX key_rotations_one_open_idx ON pgcadence.key_rotations ((true)) WHERE finished_at IS NULL;
COMMENT ON TABLE pgcadence.key_rotations IS
    'Rotations of the project JWT secret (pgcadence keys rotate): fingerprints, overlap window, retirement (keys rotate --finish).';
ALTER TABLE pgcadence.key_rotations ENABLE ROW LEVEL SECURITY;  -- no policy: owner and definer functions only
