-- Undo 0002: drop the Vault shim (and every secret in it) or the supabase_vault
-- extension, and the seed 003 helpers, but only what 0002 created.

DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT name FROM pgcadence.created_objects
              WHERE kind = 'function' AND name IN ('public.get_supabase_url()', 'public.get_service_role_key()') LOOP
        EXECUTE format('DROP FUNCTION %s', r.name);
        DELETE FROM pgcadence.created_objects WHERE kind = 'function' AND name = r.name;
    END LOOP;

    IF EXISTS (SELECT 1 FROM pgcadence.created_objects WHERE kind = 'extension' AND name = 'supabase_vault') THEN
        DROP EXTENSION supabase_vault;
        DELETE FROM pgcadence.created_objects WHERE kind = 'extension' AND name = 'supabase_vault';
    END IF;

    IF EXISTS (SELECT 1 FROM pgcadence.created_objects WHERE kind = 'schema' AND name = 'vault') THEN
        DROP VIEW vault.decrypted_secrets;
        DROP FUNCTION vault.create_secret(text, text, text, uuid);
        DROP FUNCTION vault.update_secret(uuid, text, text, text, uuid);
        DROP FUNCTION vault._reencrypt_all(uuid);
        DROP FUNCTION vault._decrypt(uuid, uuid, bytea, text);
        DROP FUNCTION vault._encrypt(uuid, uuid, text);
        DROP FUNCTION vault._tag(bytea, uuid, uuid, bytea, bytea);
        DROP FUNCTION vault._key(uuid);
        DROP FUNCTION vault._keys();
        DROP FUNCTION vault._key_file_digest();
        DROP FUNCTION vault._key_file();
        DROP TABLE vault.secrets;
        DROP SCHEMA vault;  -- not CASCADE: anything else put there is kept and the rollback fails loudly
        DELETE FROM pgcadence.created_objects WHERE kind = 'schema' AND name = 'vault';
    END IF;
END
$$;
