-- Rotating the project JWT secret with an overlap window (pgcadence keys rotate): while
-- a rotation is open and its window lasts, keys signed with the previous secret (kept in
-- Vault as project_jwt_secret_previous) still verify.

-- The secrets a project JWT may be signed with, current first; the previous one only
-- while the open rotation's overlap window lasts. Read by the executor.
CREATE OR REPLACE FUNCTION pgcadence.project_jwt_secrets()
RETURNS SETOF text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT s.decrypted_secret FROM vault.decrypted_secrets s WHERE s.name = 'project_jwt_secret'
    UNION ALL
    SELECT s.decrypted_secret FROM vault.decrypted_secrets s
     WHERE s.name = 'project_jwt_secret_previous'
       AND EXISTS (SELECT 1 FROM pgcadence.key_rotations r
                    WHERE r.finished_at IS NULL AND r.overlap_until > pg_catalog.now())
$$;
REVOKE ALL ON FUNCTION pgcadence.project_jwt_secrets() FROM PUBLIC, anon, authenticated;
COMMENT ON FUNCTION pgcadence.project_jwt_secrets() IS
    'The project JWT secrets that verify now: the current one, and the previous one during a rotation''s overlap window.';

-- Record a rotation (the runner has just replaced the secret and keys in Vault, in the
-- same transaction); refuses while another rotation is open.
CREATE OR REPLACE FUNCTION pgcadence.record_key_rotation(p_old_fingerprint text, p_new_fingerprint text, p_overlap interval)
RETURNS pgcadence.key_rotations
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r pgcadence.key_rotations;
BEGIN
    IF p_overlap IS NULL OR p_overlap < interval '0' OR p_overlap > interval '30 days' THEN
        RAISE EXCEPTION 'the overlap window must be between 0 and 30 days (got %)', coalesce(p_overlap::text, 'null')
            USING ERRCODE = '22023';
    END IF;
    SELECT * INTO r FROM pgcadence.key_rotations k WHERE k.finished_at IS NULL;
    IF FOUND THEN
        RAISE EXCEPTION 'a key rotation from % is still open (old keys verify until %): retire the old secret first with ''pgcadence keys rotate --finish''',
                        r.rotated_at, r.overlap_until
            USING ERRCODE = '55000';
    END IF;
    INSERT INTO pgcadence.key_rotations (old_fingerprint, new_fingerprint, overlap_until)
    VALUES (p_old_fingerprint, p_new_fingerprint, pg_catalog.now() + p_overlap)
    RETURNING * INTO r;
    RETURN r;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.record_key_rotation(text, text, interval) FROM PUBLIC, anon, authenticated;

-- Close the open rotation (the runner deletes project_jwt_secret_previous in the same transaction).
CREATE OR REPLACE FUNCTION pgcadence.finish_key_rotation()
RETURNS pgcadence.key_rotations
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r pgcadence.key_rotations;
BEGIN
    UPDATE pgcadence.key_rotations k SET finished_at = pg_catalog.now(), finished_by = session_user
     WHERE k.finished_at IS NULL
    RETURNING * INTO r;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no key rotation is open (start one with ''pgcadence keys rotate'')' USING ERRCODE = '55000';
    END IF;
    RETURN r;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.finish_key_rotation() FROM PUBLIC, anon, authenticated;
