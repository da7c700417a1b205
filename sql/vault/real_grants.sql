-- Where migration 0002 created Supabase's real supabase_vault itself (a server with it
-- preloaded, not a Supabase project), give service_role what Supabase gives it after
-- creating the extension: the extension grants nothing on its own, and code written for
-- Supabase reads Vault as service_role. On Supabase the extension was there before
-- pgcadence (condition vault_created in sql/manifest.toml) and its grants are Supabase's.

GRANT USAGE ON SCHEMA vault TO service_role;
GRANT SELECT, DELETE ON vault.secrets, vault.decrypted_secrets TO service_role;
GRANT EXECUTE ON FUNCTION vault.create_secret(text, text, text, uuid), vault.update_secret(uuid, text, text, text, uuid),
    vault._crypto_aead_det_decrypt(bytea, bytea, bigint, bytea, bytea) TO service_role;
