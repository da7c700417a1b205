-- Vault-compatible secrets (supabase/vault 0.3.x API): the real extension where it
-- can run, else the state of pgcadence's shim (its functions and view are in
-- sql/vault/, applied only where supabase_vault is not installed).
--
-- The real supabase_vault is used when it is already installed here, or when it is
-- available AND preloaded (it reads its root key at server start; an available but
-- unloaded one fails on first use). Otherwise the `vault` schema is created below,
-- with exactly the real extension's table.

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'supabase_vault') THEN
        RETURN;  -- hosted Supabase: already there
    END IF;
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'supabase_vault')
       AND 'supabase_vault' = ANY (pg_catalog.string_to_array(
               pg_catalog.replace(pg_catalog.current_setting('shared_preload_libraries'), ' ', ''), ','))
    THEN
        CREATE EXTENSION supabase_vault CASCADE;
        INSERT INTO pgcadence.created_objects VALUES ('extension', 'supabase_vault');
        RETURN;
    END IF;
    IF to_regnamespace('vault') IS NOT NULL THEN
        RAISE EXCEPTION 'a schema named vault already exists but supabase_vault is not installed'
            USING HINT = 'rename or drop that schema, then migrate again';
    END IF;
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
       AND NOT pg_has_role(current_user, 'pg_read_server_files', 'MEMBER') THEN
        RAISE EXCEPTION 'the Vault shim must be installed by a superuser (it reads the vault key file with pg_read_file)'
            USING HINT = 'run pgcadence migrate as a superuser, or grant pg_read_server_files to the migrating role';
    END IF;

    INSERT INTO pgcadence.created_objects VALUES ('schema', 'vault');
    CREATE SCHEMA vault;
    COMMENT ON SCHEMA vault IS 'Vault-compatible secrets (pgcadence shim for supabase_vault).';
    REVOKE ALL ON SCHEMA vault FROM PUBLIC;
    GRANT USAGE ON SCHEMA vault TO service_role;

    CREATE TABLE vault.secrets (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name        text,
        description text NOT NULL DEFAULT '',
        secret      text NOT NULL,
        key_id      uuid,
        nonce       bytea,
        created_at  timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
        updated_at  timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP
    );
    COMMENT ON TABLE vault.secrets IS
        'Encrypted secrets. secret = base64(AES-256-CBC ciphertext || HMAC-SHA256 tag); write through vault.create_secret/update_secret.';
    CREATE UNIQUE INDEX secrets_name_idx ON vault.secrets (name) WHERE name IS NOT NULL;
    ALTER TABLE vault.secrets ENABLE ROW LEVEL SECURITY;
END
$$;
