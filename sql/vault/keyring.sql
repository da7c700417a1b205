-- The Vault shim's cryptography (used only where the real supabase_vault extension
-- is not installed: condition vault_shim in sql/manifest.toml).
--
-- Encryption: encrypt-then-MAC (pgcrypto has no AEAD).
--   enc_key = HMAC-SHA256(root, 'pgcadence-vault-v1 enc'), mac_key = HMAC-SHA256(root, 'pgcadence-vault-v1 mac')
--   ct      = AES-256-CBC/PKCS7(enc_key, iv = 16 random bytes stored in `nonce`, utf8 plaintext)
--   tag     = HMAC-SHA256(mac_key, 'pgcadence-vault-v1' || id || key_id || nonce || ct)
--   secret  = base64(ct || tag)
-- The row id is bound into the tag, so a ciphertext copied to another row fails
-- authentication. The tag is verified before anything is decrypted.
--
-- The root keys never enter the database: they live in a key ring file the DBA
-- controls (default `pgcadence_vault.keys` in the data directory; the setting
-- `pgcadence.vault_key_file` may name another path, and holds only a path).
-- Each line is `<key id uuid> <base64 of 32 random bytes>`; the last line is the
-- active key for new secrets; `vault.secrets.key_id` names the key of each row.
-- The file is read at call time by functions owned by the migrating superuser.

-- ======================================================== functions (key ring)
-- Absolute path of the key ring file (the setting holds only a path). Only the server
-- configuration (postgresql.conf, ALTER SYSTEM, the command line) names it: a value set
-- in the caller's session, or for their role or database, is not honoured -- it would let
-- whoever may call the vault functions probe which server files exist and are readable.
CREATE OR REPLACE FUNCTION vault._key_file() RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $f$
DECLARE
    p text;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_db_role_setting s, pg_catalog.unnest(s.setconfig) c
                WHERE c LIKE 'pgcadence.vault\_key\_file=%'
                  AND s.setdatabase IN (0, (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()))
                  AND s.setrole IN (0, (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = session_user))) THEN
        RAISE EXCEPTION 'pgcadence.vault_key_file is set for a role or database; it is honoured only in the server configuration'
            USING HINT = 'remove it (ALTER ROLE/DATABASE ... RESET pgcadence.vault_key_file) and set it in postgresql.conf',
                  ERRCODE = '42501';
    END IF;
    -- the value the server configuration gives, whatever this session SET: reset it in a
    -- subtransaction, read it, and roll the subtransaction (and the reset) back
    BEGIN
        PERFORM pg_catalog.set_config('pgcadence.vault_key_file', NULL, true);
        p := pg_catalog.current_setting('pgcadence.vault_key_file', true);
        RAISE SQLSTATE 'PCK01';
    EXCEPTION WHEN SQLSTATE 'PCK01' THEN
        NULL;
    END;
    p := coalesce(nullif(p, ''), 'pgcadence_vault.keys');
    RETURN CASE WHEN p LIKE '/%' THEN p ELSE pg_catalog.current_setting('data_directory') || '/' || p END;
END
$f$;

-- Every key of the ring with its derived encryption and MAC keys; the last line is active.
-- Errors name the file and the line, never its content.
CREATE OR REPLACE FUNCTION vault._keys()
RETURNS TABLE (key_id uuid, enc_key bytea, mac_key bytea, active boolean)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $f$
DECLARE
    v_path  text := vault._key_file();
    v_text  text;
    v_lines text[];
    v_line  text;
    v_n     int := 0;
    v_ids   uuid[] := '{}';
    v_roots bytea[] := '{}';
    v_root  bytea;
    i       int;
BEGIN
    BEGIN
        v_text := pg_catalog.pg_read_file(v_path, 0, 1048576, true);
    EXCEPTION WHEN OTHERS THEN
        RAISE EXCEPTION 'vault key file % cannot be read by the server', v_path
            USING HINT = 'it must be readable by the PostgreSQL OS user (owner postgres, mode 0600)',
                  ERRCODE = '58P01';
    END;
    IF v_text IS NULL THEN
        RAISE EXCEPTION 'vault key file % not found', v_path
            USING HINT = 'create it: run ''pgcadence secrets init-key'' on the database host, or see README "Vault secrets" '
                         '(openssl rand -base64 32 + uuidgen, owner postgres, mode 0600); '
                         'or point pgcadence.vault_key_file in postgresql.conf at the existing file',
                  ERRCODE = '58P01';
    END IF;
    v_lines := pg_catalog.regexp_split_to_array(v_text, E'\r?\n');
    FOR i IN 1 .. coalesce(pg_catalog.array_length(v_lines, 1), 0) LOOP
        v_line := pg_catalog.btrim(v_lines[i], E' \t');
        CONTINUE WHEN v_line = '' OR v_line LIKE '#%';
        IF v_line !~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}[ \t]+[A-Za-z0-9+/]{43}=$' THEN
            RAISE EXCEPTION 'vault key file % line % is malformed', v_path, i
                USING HINT = 'each line must be "<key id uuid> <base64 of 32 random bytes>"',
                      ERRCODE = 'F0000';
        END IF;
        v_n := v_n + 1;
        v_ids[v_n] := pg_catalog.split_part(pg_catalog.regexp_replace(v_line, '[ \t]+', ' '), ' ', 1)::uuid;
        v_roots[v_n] := pg_catalog.decode(pg_catalog.split_part(pg_catalog.regexp_replace(v_line, '[ \t]+', ' '), ' ', 2), 'base64');
        IF v_ids[v_n] = ANY (v_ids[1:v_n - 1]) THEN
            RAISE EXCEPTION 'vault key file % lists key id % twice', v_path, v_ids[v_n] USING ERRCODE = 'F0000';
        END IF;
    END LOOP;
    IF v_n = 0 THEN
        RAISE EXCEPTION 'vault key file % holds no key', v_path
            USING HINT = 'add a line "<key id uuid> <base64 of 32 random bytes>" (see README "Vault secrets")',
                  ERRCODE = 'F0000';
    END IF;
    FOR i IN 1 .. v_n LOOP
        v_root := v_roots[i];
        key_id  := v_ids[i];
        enc_key := extensions.hmac(pg_catalog.convert_to('pgcadence-vault-v1 enc', 'UTF8'), v_root, 'sha256');
        mac_key := extensions.hmac(pg_catalog.convert_to('pgcadence-vault-v1 mac', 'UTF8'), v_root, 'sha256');
        active  := (i = v_n);
        RETURN NEXT;
    END LOOP;
END
$f$;

-- One key of the ring (the active one when p_key_id is NULL); unknown id → clear error.
CREATE OR REPLACE FUNCTION vault._key(p_key_id uuid, OUT key_id uuid, OUT enc_key bytea, OUT mac_key bytea)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $f$
BEGIN
    SELECT k.key_id, k.enc_key, k.mac_key INTO key_id, enc_key, mac_key
      FROM vault._keys() AS k
     WHERE CASE WHEN p_key_id IS NULL THEN k.active ELSE k.key_id = p_key_id END;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'vault key % is not in the vault key file %', p_key_id, vault._key_file()
            USING HINT = 'restore the key ring that holds this key (keys are never removed by rotate-key unless --prune is given)',
                  ERRCODE = 'F0000';
    END IF;
END
$f$;

-- Message authentication tag over the row id, key id, nonce and ciphertext.
CREATE OR REPLACE FUNCTION vault._tag(p_mac_key bytea, p_id uuid, p_key_id uuid, p_nonce bytea, p_ct bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $f$
    SELECT extensions.hmac(
        pg_catalog.convert_to('pgcadence-vault-v1', 'UTF8')
          || pg_catalog.uuid_send(p_id) || pg_catalog.uuid_send(p_key_id) || p_nonce || p_ct,
        p_mac_key, 'sha256')
$f$;

-- Encrypt p_plain for row p_id under key p_key_id (active key when NULL).
CREATE OR REPLACE FUNCTION vault._encrypt(p_id uuid, p_key_id uuid, p_plain text,
                               OUT secret text, OUT nonce bytea, OUT key_id uuid)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $f$
DECLARE
    k  record;
    ct bytea;
BEGIN
    IF p_plain IS NULL THEN
        RAISE EXCEPTION 'a vault secret cannot be NULL' USING ERRCODE = '23502';
    END IF;
    k := vault._key(p_key_id);
    nonce := extensions.gen_random_bytes(16);
    ct := extensions.encrypt_iv(pg_catalog.convert_to(p_plain, 'UTF8'), k.enc_key, nonce, 'aes-cbc/pad:pkcs');
    secret := pg_catalog.translate(
        pg_catalog.encode(ct || vault._tag(k.mac_key, p_id, k.key_id, nonce, ct), 'base64'), E'\n', '');
    key_id := k.key_id;
END
$f$;

-- Verify the tag, then decrypt; any mismatch is an error, never garbage.
-- (The tag comparison is a plain bytea comparison: SQL has no constant-time compare;
-- only roles that may read every secret can call this, so a timing oracle gains nothing.)
CREATE OR REPLACE FUNCTION vault._decrypt(p_id uuid, p_key_id uuid, p_nonce bytea, p_secret text) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
DECLARE
    k    record;
    blob bytea;
    ct   bytea;
BEGIN
    IF p_secret IS NULL THEN
        RETURN NULL;
    END IF;
    IF p_key_id IS NULL OR p_nonce IS NULL THEN
        RAISE EXCEPTION 'vault secret % has no key_id or nonce: it was not written by vault.create_secret', p_id
            USING HINT = 'store it again with vault.update_secret(id, new_secret := ...)', ERRCODE = 'F0000';
    END IF;
    k := vault._key(p_key_id);
    BEGIN
        blob := pg_catalog.decode(p_secret, 'base64');
    EXCEPTION WHEN OTHERS THEN
        blob := NULL;
    END;
    IF blob IS NULL OR pg_catalog.length(blob) < 48 OR pg_catalog.length(p_nonce) <> 16 THEN
        RAISE EXCEPTION 'vault secret % failed authentication: the stored ciphertext is malformed', p_id
            USING ERRCODE = 'F0000';
    END IF;
    ct := pg_catalog.substring(blob, 1, pg_catalog.length(blob) - 32);
    IF vault._tag(k.mac_key, p_id, p_key_id, p_nonce, ct)
       IS DISTINCT FROM pg_catalog.substring(blob, pg_catalog.length(blob) - 31) THEN
        RAISE EXCEPTION 'vault secret % failed authentication: the ciphertext was altered or copied from another row, or key % in the key file is not the key it was encrypted with',
                        p_id, p_key_id
            USING HINT = 'restore the original key file, or store the secret again with vault.update_secret', ERRCODE = 'F0000';
    END IF;
    RETURN pg_catalog.convert_from(extensions.decrypt_iv(ct, k.enc_key, p_nonce, 'aes-cbc/pad:pkcs'), 'UTF8');
END
$f$;
COMMENT ON FUNCTION vault._decrypt(uuid, uuid, bytea, text) IS
    'Internal: authenticated decryption behind vault.decrypted_secrets.';

-- Re-encrypt every secret under key p_key_id in the caller's transaction (pgcadence secrets rotate-key).
CREATE OR REPLACE FUNCTION vault._reencrypt_all(p_key_id uuid) RETURNS integer
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $f$
DECLARE
    s vault.secrets;
    e record;
    n integer := 0;
BEGIN
    PERFORM vault._key(p_key_id);  -- fail before touching anything when the key is missing
    LOCK TABLE vault.secrets IN SHARE ROW EXCLUSIVE MODE;
    FOR s IN SELECT * FROM vault.secrets WHERE key_id IS DISTINCT FROM p_key_id ORDER BY created_at, id LOOP
        e := vault._encrypt(s.id, p_key_id, vault._decrypt(s.id, s.key_id, s.nonce, s.secret));
        UPDATE vault.secrets SET secret = e.secret, nonce = e.nonce, key_id = e.key_id WHERE id = s.id;
        n := n + 1;
    END LOOP;
    RETURN n;
END
$f$;

-- SHA-256 of the key file as the server sees it (lets the CLI prove it edits the same file).
CREATE OR REPLACE FUNCTION vault._key_file_digest() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $f$
    SELECT pg_catalog.encode(extensions.digest(pg_catalog.pg_read_binary_file(vault._key_file(), 0, 1048576, true), 'sha256'), 'hex')
$f$;
