-- Sealed provider credentials: stored, accessed (audited) and re-sealed on key rotation;
-- the runner seals and opens them, the database never sees a plaintext.

-- Store (or replace) a sealed credential and audit credentials_submitted (p_metadata: what
-- the audit row adds, e.g. the signup flow's sessionId and org_ref).
CREATE OR REPLACE FUNCTION public.store_credential(
    p_id uuid, p_user_id uuid, p_provider text, p_alias text, p_ciphertext bytea, p_key_fp text,
    p_metadata jsonb DEFAULT '{}'::jsonb
) RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_owner uuid;
BEGIN
    IF pgcadence.request_role() NOT IN ('service_role', 'owner') AND p_user_id IS DISTINCT FROM auth.uid() THEN
        RAISE EXCEPTION 'a user may only store their own credentials' USING ERRCODE = '42501';
    END IF;
    -- the rotation lock, shared: a key rotation (exclusive) never runs between this
    -- store and its commit, so it re-seals this row too, and a pruned key is refused
    PERFORM pg_catalog.pg_advisory_xact_lock_shared(pg_catalog.hashtext('pgcadence.cred_seal_rotate'));
    IF EXISTS (SELECT 1 FROM pgcadence.retired_credential_keys r WHERE r.key_fp = p_key_fp) THEN
        RAISE EXCEPTION 'credential sealed with key % which was retired by a key rotation; reload the key ring and seal it again', p_key_fp
            USING ERRCODE = 'PCR01';
    END IF;
    SELECT c.user_id INTO v_owner FROM public.stored_credentials c WHERE c.id = p_id FOR UPDATE;
    IF FOUND AND v_owner <> p_user_id THEN
        RAISE EXCEPTION 'credential % belongs to another user', p_id USING ERRCODE = '42501';
    END IF;
    INSERT INTO public.stored_credentials AS c (id, user_id, provider, alias, ciphertext, key_fp)
    VALUES (p_id, p_user_id, p_provider, p_alias, p_ciphertext, p_key_fp)
    ON CONFLICT (id) DO UPDATE
        SET provider = excluded.provider, alias = excluded.alias, ciphertext = excluded.ciphertext,
            key_fp = excluded.key_fp, updated_at = now();
    PERFORM public.log_audit('credentials_submitted', p_user_id, p_metadata ->> 'org_ref', p_provider, p_id,
                             coalesce(p_metadata, '{}'::jsonb) || pg_catalog.jsonb_build_object('credential_alias', p_alias));
    RETURN p_id;
END
$$;
COMMENT ON FUNCTION public.store_credential(uuid, uuid, text, text, bytea, text, jsonb) IS
    'Insert or replace a sealed credential (ciphertext from the runner) and audit credentials_submitted '
    '(metadata: p_metadata + credential_alias).';
REVOKE ALL ON FUNCTION public.store_credential(uuid, uuid, text, text, bytea, text, jsonb) FROM PUBLIC, anon, authenticated;

-- Hand a sealed credential to its owner (or to service_role) and audit credentials_accessed.
CREATE OR REPLACE FUNCTION public.access_credential(p_id uuid, p_metadata jsonb DEFAULT '{}'::jsonb)
RETURNS TABLE (id uuid, user_id uuid, provider text, alias text, ciphertext bytea, key_fp text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c public.stored_credentials;
BEGIN
    SELECT * INTO c FROM public.stored_credentials s WHERE s.id = p_id;
    IF NOT FOUND OR (pgcadence.request_role() NOT IN ('service_role', 'owner') AND c.user_id IS DISTINCT FROM auth.uid()) THEN
        -- the same answer for "absent" and "someone else's": existence is not disclosed
        RAISE EXCEPTION 'credential % not found', p_id USING ERRCODE = 'P0002';
    END IF;
    PERFORM public.log_audit('credentials_accessed', c.user_id, p_metadata ->> 'org_ref', c.provider, c.id,
        coalesce(p_metadata, '{}'::jsonb) || pg_catalog.jsonb_build_object(
            'accessed_at', pg_catalog.to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
            'credential_alias', c.alias));
    RETURN QUERY SELECT c.id, c.user_id, c.provider, c.alias, c.ciphertext, c.key_fp;
END
$$;
COMMENT ON FUNCTION public.access_credential(uuid, jsonb) IS
    'Sealed credential for its owner (authenticated) or service_role; writes credentials_accessed '
    '(credential_id, provider, metadata accessed_at + credential_alias).';
REVOKE ALL ON FUNCTION public.access_credential(uuid, jsonb) FROM PUBLIC, anon, authenticated;

-- Retire key fingerprints pruned from the ring (pgcadence credentials rotate-key --prune,
-- which holds the rotation lock): stores sealed with them are refused from now on.
CREATE OR REPLACE FUNCTION pgcadence.retire_credential_keys(p_key_fps text[]) RETURNS void
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO pgcadence.retired_credential_keys (key_fp)
    SELECT DISTINCT f FROM pg_catalog.unnest(p_key_fps) f WHERE f IS NOT NULL
    ON CONFLICT (key_fp) DO NOTHING
$$;
REVOKE ALL ON FUNCTION pgcadence.retire_credential_keys(text[]) FROM PUBLIC, anon, authenticated;

-- Re-seal: replace the ciphertext of one credential (used by pgcadence credentials rotate-key).
CREATE OR REPLACE FUNCTION public.reseal_credential(p_id uuid, p_ciphertext bytea, p_key_fp text) RETURNS void
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    UPDATE public.stored_credentials SET ciphertext = p_ciphertext, key_fp = p_key_fp, updated_at = now()
    WHERE id = p_id
$$;
COMMENT ON FUNCTION public.reseal_credential(uuid, bytea, text) IS
    'Replace a credential''s ciphertext and key fingerprint (key rotation). Owner / service_role only.';
REVOKE ALL ON FUNCTION public.reseal_credential(uuid, bytea, text) FROM PUBLIC, anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.store_credential(uuid, uuid, text, text, bytea, text, jsonb) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.access_credential(uuid, jsonb) TO authenticated, service_role;
