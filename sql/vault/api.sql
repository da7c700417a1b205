-- The Vault API of supabase/vault 0.3.x for a stock PostgreSQL: vault.create_secret,
-- vault.update_secret and the vault.decrypted_secrets view, with the exact names,
-- argument names, defaults and columns of the real extension. Applied only where
-- supabase_vault is not installed (condition vault_shim in sql/manifest.toml).

-- ======================================================== functions (API)
-- Store a new secret; returns its id.
CREATE OR REPLACE FUNCTION vault.create_secret(new_secret text, new_name text = NULL, new_description text = '',
                                    new_key_id uuid = NULL) RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
DECLARE
    v_id uuid := pg_catalog.gen_random_uuid();
    e    record;
BEGIN
    e := vault._encrypt(v_id, new_key_id, new_secret);
    INSERT INTO vault.secrets (id, name, description, secret, key_id, nonce)
    VALUES (v_id, new_name, coalesce(new_description, ''), e.secret, e.key_id, e.nonce);
    RETURN v_id;
END
$f$;
COMMENT ON FUNCTION vault.create_secret(text, text, text, uuid) IS
    'Encrypt and store a secret (Supabase Vault API); new_key_id picks a key of the key ring, default the active one.';

-- Change a secret's value, name, description or key; NULL arguments keep the old value.
CREATE OR REPLACE FUNCTION vault.update_secret(secret_id uuid, new_secret text = NULL, new_name text = NULL,
                                    new_description text = NULL, new_key_id uuid = NULL) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
DECLARE
    s vault.secrets;
    e record;
BEGIN
    SELECT * INTO s FROM vault.secrets WHERE id = secret_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no vault secret with id %', secret_id USING ERRCODE = 'P0002';
    END IF;
    IF new_secret IS NOT NULL OR (new_key_id IS NOT NULL AND new_key_id IS DISTINCT FROM s.key_id) THEN
        e := vault._encrypt(s.id, new_key_id,
                            coalesce(new_secret, vault._decrypt(s.id, s.key_id, s.nonce, s.secret)));
        s.secret := e.secret;
        s.nonce := e.nonce;
        s.key_id := e.key_id;
    END IF;
    UPDATE vault.secrets
       SET name = coalesce(new_name, s.name),
           description = coalesce(new_description, s.description),
           secret = s.secret, nonce = s.nonce, key_id = s.key_id,
           updated_at = CURRENT_TIMESTAMP
     WHERE id = secret_id;
END
$f$;
COMMENT ON FUNCTION vault.update_secret(uuid, text, text, text, uuid) IS
    'Change a secret (Supabase Vault API); NULL arguments keep the old value; new_key_id alone re-encrypts under that key.';

-- ======================================================== views
CREATE OR REPLACE VIEW vault.decrypted_secrets WITH (security_invoker = true) AS
SELECT s.id, s.name, s.description, s.secret,
       vault._decrypt(s.id, s.key_id, s.nonce, s.secret) AS decrypted_secret,
       s.key_id, s.nonce, s.created_at, s.updated_at
  FROM vault.secrets AS s;
COMMENT ON VIEW vault.decrypted_secrets IS
    'Secrets with their decrypted value (Supabase Vault API); readable by service_role and the owner only.';
DROP POLICY IF EXISTS secrets_service_role_read ON vault.secrets;
CREATE POLICY secrets_service_role_read ON vault.secrets FOR SELECT TO service_role USING (true);
DROP POLICY IF EXISTS secrets_service_role_delete ON vault.secrets;
CREATE POLICY secrets_service_role_delete ON vault.secrets FOR DELETE TO service_role USING (true);

-- ======================================================== grants
REVOKE ALL ON ALL TABLES IN SCHEMA vault FROM PUBLIC, anon, authenticated;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA vault FROM PUBLIC, anon, authenticated;
GRANT SELECT, DELETE ON vault.secrets TO service_role;   -- no INSERT/UPDATE: writes go through the functions
GRANT SELECT ON vault.decrypted_secrets TO service_role;
GRANT EXECUTE ON FUNCTION vault.create_secret(text, text, text, uuid),
                          vault.update_secret(uuid, text, text, text, uuid),
                          vault._decrypt(uuid, uuid, bytea, text) TO service_role;
