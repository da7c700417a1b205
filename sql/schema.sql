--
-- PostgreSQL database dump
--

--
-- Name: auth; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA auth;

--
-- Name: pg_cron; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pg_cron WITH SCHEMA public;

--
-- Name: EXTENSION pg_cron; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION pg_cron IS 'Job scheduler for PostgreSQL';

--
-- Name: extensions; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA extensions;

--
-- Name: pgcadence; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA pgcadence;

--
-- Name: SCHEMA pgcadence; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON SCHEMA pgcadence IS 'pgcadence internals: bookkeeping and settings; not an API.';

--
-- Name: vault; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA vault;

--
-- Name: SCHEMA vault; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON SCHEMA vault IS 'Vault-compatible secrets (pgcadence shim for supabase_vault).';

--
-- Name: pgcrypto; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA extensions;

--
-- Name: EXTENSION pgcrypto; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION pgcrypto IS 'cryptographic functions';

--
-- Name: email(); Type: FUNCTION; Schema: auth; Owner: -
--

CREATE FUNCTION auth.email() RETURNS text
    LANGUAGE sql STABLE
    AS $$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim.email', true), ''),
                (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
            )::text
        $$;

--
-- Name: FUNCTION email(); Type: COMMENT; Schema: auth; Owner: -
--

COMMENT ON FUNCTION auth.email() IS 'Email claim of the current request, or NULL.';

--
-- Name: jwt(); Type: FUNCTION; Schema: auth; Owner: -
--

CREATE FUNCTION auth.jwt() RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim', true), ''),
                nullif(current_setting('request.jwt.claims', true), '')
            )::jsonb
        $$;

--
-- Name: FUNCTION jwt(); Type: COMMENT; Schema: auth; Owner: -
--

COMMENT ON FUNCTION auth.jwt() IS 'All JWT claims of the current request as jsonb, or NULL.';

--
-- Name: role(); Type: FUNCTION; Schema: auth; Owner: -
--

CREATE FUNCTION auth.role() RETURNS text
    LANGUAGE sql STABLE
    AS $$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim.role', true), ''),
                (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
            )::text
        $$;

--
-- Name: FUNCTION role(); Type: COMMENT; Schema: auth; Owner: -
--

COMMENT ON FUNCTION auth.role() IS 'Role claim of the current request (anon, authenticated, service_role), or NULL.';

--
-- Name: uid(); Type: FUNCTION; Schema: auth; Owner: -
--

CREATE FUNCTION auth.uid() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim.sub', true), ''),
                (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
            )::uuid
        $$;

--
-- Name: FUNCTION uid(); Type: COMMENT; Schema: auth; Owner: -
--

COMMENT ON FUNCTION auth.uid() IS 'User id (sub claim) of the current request, or NULL.';

--
-- Name: cron_beat(); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_beat() RETURNS void
    LANGUAGE sql
    SET search_path TO ''
    AS $$
    UPDATE pgcadence.cron_heartbeat SET beats = beats + 1, beat_at = pg_catalog.now();
$$;

--
-- Name: get_service_role_key(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.get_service_role_key() RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
        DECLARE
            v text;
        BEGIN
            SELECT ds.decrypted_secret INTO v FROM vault.decrypted_secrets AS ds WHERE ds.name = 'service_role_key';
            v := coalesce(nullif(v, ''),
                                     nullif(pg_catalog.current_setting('app.settings.service_role_key', true), ''));
            IF v IS NULL THEN
                RAISE EXCEPTION 'service role key is not configured: store Vault secret service_role_key or set app.settings.service_role_key'
                    USING HINT = 'store it in Vault: select vault.create_secret(''<key>'', ''service_role_key''); '
                                 '(or pgcadence secrets set service_role_key), or ALTER DATABASE ... SET app.settings.service_role_key = ''<key>''',
                          ERRCODE = 'P0002';
            END IF;
            RETURN v;
        END
        $$;

--
-- Name: FUNCTION get_service_role_key(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.get_service_role_key() IS 'Service-role key: Vault secret service_role_key, else setting app.settings.service_role_key (seed 003 helper).';

--
-- Name: get_supabase_url(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.get_supabase_url() RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
        DECLARE
            v text;
        BEGIN
            SELECT ds.decrypted_secret INTO v FROM vault.decrypted_secrets AS ds WHERE ds.name = 'project_url';
            v := coalesce(nullif(v, ''),
                                     nullif(pg_catalog.current_setting('app.settings.supabase_url', true), ''));
            IF v IS NULL THEN
                RAISE EXCEPTION 'project URL is not configured: store Vault secret project_url or set app.settings.supabase_url'
                    USING HINT = 'store it in Vault: select vault.create_secret(''<url>'', ''project_url''); '
                                 '(or pgcadence secrets set project_url), or ALTER DATABASE ... SET app.settings.supabase_url = ''<url>''',
                          ERRCODE = 'P0002';
            END IF;
            RETURN v;
        END
        $$;

--
-- Name: FUNCTION get_supabase_url(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.get_supabase_url() IS 'Project URL: Vault secret project_url, else setting app.settings.supabase_url (seed 003 helper).';

--
-- Name: _decrypt(uuid, uuid, bytea, text); Type: FUNCTION; Schema: vault; Owner: -
--

CREATE FUNCTION vault._decrypt(p_id uuid, p_key_id uuid, p_nonce bytea, p_secret text) RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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
    $$;

--
-- Name: FUNCTION _decrypt(p_id uuid, p_key_id uuid, p_nonce bytea, p_secret text); Type: COMMENT; Schema: vault; Owner: -
--

COMMENT ON FUNCTION vault._decrypt(p_id uuid, p_key_id uuid, p_nonce bytea, p_secret text) IS 'Internal: authenticated decryption behind vault.decrypted_secrets.';

--
-- Name: _encrypt(uuid, uuid, text); Type: FUNCTION; Schema: vault; Owner: -
--

CREATE FUNCTION vault._encrypt(p_id uuid, p_key_id uuid, p_plain text, OUT secret text, OUT nonce bytea, OUT key_id uuid) RETURNS record
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
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
    $$;

--
-- Name: _key(uuid); Type: FUNCTION; Schema: vault; Owner: -
--

CREATE FUNCTION vault._key(p_key_id uuid, OUT key_id uuid, OUT enc_key bytea, OUT mac_key bytea) RETURNS record
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
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
    $$;

--
-- Name: _key_file(); Type: FUNCTION; Schema: vault; Owner: -
--

CREATE FUNCTION vault._key_file() RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
        SELECT CASE WHEN p LIKE '/%' THEN p
                    ELSE pg_catalog.current_setting('data_directory') || '/' || p END
          FROM (SELECT coalesce(nullif(pg_catalog.current_setting('pgcadence.vault_key_file', true), ''),
                                'pgcadence_vault.keys') AS p) AS setting
    $$;

--
-- Name: _key_file_digest(); Type: FUNCTION; Schema: vault; Owner: -
--

CREATE FUNCTION vault._key_file_digest() RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
        SELECT pg_catalog.encode(extensions.digest(pg_catalog.pg_read_binary_file(vault._key_file(), 0, 1048576, true), 'sha256'), 'hex')
    $$;

--
-- Name: _keys(); Type: FUNCTION; Schema: vault; Owner: -
--

CREATE FUNCTION vault._keys() RETURNS TABLE(key_id uuid, enc_key bytea, mac_key bytea, active boolean)
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $_$
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
    $_$;

--
-- Name: _reencrypt_all(uuid); Type: FUNCTION; Schema: vault; Owner: -
--

CREATE FUNCTION vault._reencrypt_all(p_key_id uuid) RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
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
    $$;

--
-- Name: _tag(bytea, uuid, uuid, bytea, bytea); Type: FUNCTION; Schema: vault; Owner: -
--

CREATE FUNCTION vault._tag(p_mac_key bytea, p_id uuid, p_key_id uuid, p_nonce bytea, p_ct bytea) RETURNS bytea
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
        SELECT extensions.hmac(
            pg_catalog.convert_to('pgcadence-vault-v1', 'UTF8')
              || pg_catalog.uuid_send(p_id) || pg_catalog.uuid_send(p_key_id) || p_nonce || p_ct,
            p_mac_key, 'sha256')
    $$;

--
-- Name: create_secret(text, text, text, uuid); Type: FUNCTION; Schema: vault; Owner: -
--

CREATE FUNCTION vault.create_secret(new_secret text, new_name text DEFAULT NULL::text, new_description text DEFAULT ''::text, new_key_id uuid DEFAULT NULL::uuid) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    DECLARE
        v_id uuid := pg_catalog.gen_random_uuid();
        e    record;
    BEGIN
        e := vault._encrypt(v_id, new_key_id, new_secret);
        INSERT INTO vault.secrets (id, name, description, secret, key_id, nonce)
        VALUES (v_id, new_name, coalesce(new_description, ''), e.secret, e.key_id, e.nonce);
        RETURN v_id;
    END
    $$;

--
-- Name: FUNCTION create_secret(new_secret text, new_name text, new_description text, new_key_id uuid); Type: COMMENT; Schema: vault; Owner: -
--

COMMENT ON FUNCTION vault.create_secret(new_secret text, new_name text, new_description text, new_key_id uuid) IS 'Encrypt and store a secret (Supabase Vault API); new_key_id picks a key of the key ring, default the active one.';

--
-- Name: update_secret(uuid, text, text, text, uuid); Type: FUNCTION; Schema: vault; Owner: -
--

CREATE FUNCTION vault.update_secret(secret_id uuid, new_secret text DEFAULT NULL::text, new_name text DEFAULT NULL::text, new_description text DEFAULT NULL::text, new_key_id uuid DEFAULT NULL::uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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
    $$;

--
-- Name: FUNCTION update_secret(secret_id uuid, new_secret text, new_name text, new_description text, new_key_id uuid); Type: COMMENT; Schema: vault; Owner: -
--

COMMENT ON FUNCTION vault.update_secret(secret_id uuid, new_secret text, new_name text, new_description text, new_key_id uuid) IS 'Change a secret (Supabase Vault API); NULL arguments keep the old value; new_key_id alone re-encrypts under that key.';

--
-- Name: created_objects; Type: TABLE; Schema: pgcadence; Owner: -
--

CREATE TABLE pgcadence.created_objects (
    kind text NOT NULL,
    name text NOT NULL,
    CONSTRAINT created_objects_kind_check CHECK ((kind = ANY (ARRAY['role'::text, 'schema'::text, 'function'::text, 'extension'::text])))
);

--
-- Name: TABLE created_objects; Type: COMMENT; Schema: pgcadence; Owner: -
--

COMMENT ON TABLE pgcadence.created_objects IS 'Objects migration 0001 created because they were missing; its rollback drops only these.';

--
-- Name: cron_heartbeat; Type: TABLE; Schema: pgcadence; Owner: -
--

CREATE TABLE pgcadence.cron_heartbeat (
    id boolean DEFAULT true NOT NULL,
    beats bigint DEFAULT 0 NOT NULL,
    beat_at timestamp with time zone,
    CONSTRAINT cron_heartbeat_id_check CHECK (id)
);

--
-- Name: secrets; Type: TABLE; Schema: vault; Owner: -
--

CREATE TABLE vault.secrets (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    name text,
    description text DEFAULT ''::text NOT NULL,
    secret text NOT NULL,
    key_id uuid,
    nonce bytea,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    updated_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

--
-- Name: TABLE secrets; Type: COMMENT; Schema: vault; Owner: -
--

COMMENT ON TABLE vault.secrets IS 'Encrypted secrets. secret = base64(AES-256-CBC ciphertext || HMAC-SHA256 tag); write through vault.create_secret/update_secret.';

--
-- Name: decrypted_secrets; Type: VIEW; Schema: vault; Owner: -
--

CREATE VIEW vault.decrypted_secrets WITH (security_invoker='true') AS
 SELECT s.id,
    s.name,
    s.description,
    s.secret,
    vault._decrypt(s.id, s.key_id, s.nonce, s.secret) AS decrypted_secret,
    s.key_id,
    s.nonce,
    s.created_at,
    s.updated_at
   FROM vault.secrets s;

--
-- Name: VIEW decrypted_secrets; Type: COMMENT; Schema: vault; Owner: -
--

COMMENT ON VIEW vault.decrypted_secrets IS 'Secrets with their decrypted value (Supabase Vault API); readable by service_role and the owner only.';

--
-- Name: created_objects created_objects_pkey; Type: CONSTRAINT; Schema: pgcadence; Owner: -
--

ALTER TABLE ONLY pgcadence.created_objects
    ADD CONSTRAINT created_objects_pkey PRIMARY KEY (kind, name);

--
-- Name: cron_heartbeat cron_heartbeat_pkey; Type: CONSTRAINT; Schema: pgcadence; Owner: -
--

ALTER TABLE ONLY pgcadence.cron_heartbeat
    ADD CONSTRAINT cron_heartbeat_pkey PRIMARY KEY (id);

--
-- Name: secrets secrets_pkey; Type: CONSTRAINT; Schema: vault; Owner: -
--

ALTER TABLE ONLY vault.secrets
    ADD CONSTRAINT secrets_pkey PRIMARY KEY (id);

--
-- Name: secrets_name_idx; Type: INDEX; Schema: vault; Owner: -
--

CREATE UNIQUE INDEX secrets_name_idx ON vault.secrets USING btree (name) WHERE (name IS NOT NULL);

--
-- Name: secrets; Type: ROW SECURITY; Schema: vault; Owner: -
--

ALTER TABLE vault.secrets ENABLE ROW LEVEL SECURITY;

--
-- Name: secrets secrets_service_role_delete; Type: POLICY; Schema: vault; Owner: -
--

CREATE POLICY secrets_service_role_delete ON vault.secrets FOR DELETE TO service_role USING (true);

--
-- Name: secrets secrets_service_role_read; Type: POLICY; Schema: vault; Owner: -
--

CREATE POLICY secrets_service_role_read ON vault.secrets FOR SELECT TO service_role USING (true);

--
-- Name: SCHEMA auth; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA auth TO anon;
GRANT USAGE ON SCHEMA auth TO authenticated;
GRANT USAGE ON SCHEMA auth TO service_role;

--
-- Name: SCHEMA public; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA public TO anon;
GRANT USAGE ON SCHEMA public TO authenticated;
GRANT USAGE ON SCHEMA public TO service_role;

--
-- Name: SCHEMA extensions; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA extensions TO anon;
GRANT USAGE ON SCHEMA extensions TO authenticated;
GRANT USAGE ON SCHEMA extensions TO service_role;

--
-- Name: SCHEMA vault; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA vault TO service_role;

--
-- Name: FUNCTION cron_beat(); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_beat() FROM PUBLIC;

--
-- Name: FUNCTION get_service_role_key(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.get_service_role_key() FROM PUBLIC;
GRANT ALL ON FUNCTION public.get_service_role_key() TO service_role;

--
-- Name: FUNCTION get_supabase_url(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.get_supabase_url() FROM PUBLIC;
GRANT ALL ON FUNCTION public.get_supabase_url() TO service_role;

--
-- Name: FUNCTION _decrypt(p_id uuid, p_key_id uuid, p_nonce bytea, p_secret text); Type: ACL; Schema: vault; Owner: -
--

REVOKE ALL ON FUNCTION vault._decrypt(p_id uuid, p_key_id uuid, p_nonce bytea, p_secret text) FROM PUBLIC;
GRANT ALL ON FUNCTION vault._decrypt(p_id uuid, p_key_id uuid, p_nonce bytea, p_secret text) TO service_role;

--
-- Name: FUNCTION _encrypt(p_id uuid, p_key_id uuid, p_plain text, OUT secret text, OUT nonce bytea, OUT key_id uuid); Type: ACL; Schema: vault; Owner: -
--

REVOKE ALL ON FUNCTION vault._encrypt(p_id uuid, p_key_id uuid, p_plain text, OUT secret text, OUT nonce bytea, OUT key_id uuid) FROM PUBLIC;

--
-- Name: FUNCTION _key(p_key_id uuid, OUT key_id uuid, OUT enc_key bytea, OUT mac_key bytea); Type: ACL; Schema: vault; Owner: -
--

REVOKE ALL ON FUNCTION vault._key(p_key_id uuid, OUT key_id uuid, OUT enc_key bytea, OUT mac_key bytea) FROM PUBLIC;

--
-- Name: FUNCTION _key_file(); Type: ACL; Schema: vault; Owner: -
--

REVOKE ALL ON FUNCTION vault._key_file() FROM PUBLIC;

--
-- Name: FUNCTION _key_file_digest(); Type: ACL; Schema: vault; Owner: -
--

REVOKE ALL ON FUNCTION vault._key_file_digest() FROM PUBLIC;

--
-- Name: FUNCTION _keys(); Type: ACL; Schema: vault; Owner: -
--

REVOKE ALL ON FUNCTION vault._keys() FROM PUBLIC;

--
-- Name: FUNCTION _reencrypt_all(p_key_id uuid); Type: ACL; Schema: vault; Owner: -
--

REVOKE ALL ON FUNCTION vault._reencrypt_all(p_key_id uuid) FROM PUBLIC;

--
-- Name: FUNCTION _tag(p_mac_key bytea, p_id uuid, p_key_id uuid, p_nonce bytea, p_ct bytea); Type: ACL; Schema: vault; Owner: -
--

REVOKE ALL ON FUNCTION vault._tag(p_mac_key bytea, p_id uuid, p_key_id uuid, p_nonce bytea, p_ct bytea) FROM PUBLIC;

--
-- Name: FUNCTION create_secret(new_secret text, new_name text, new_description text, new_key_id uuid); Type: ACL; Schema: vault; Owner: -
--

REVOKE ALL ON FUNCTION vault.create_secret(new_secret text, new_name text, new_description text, new_key_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION vault.create_secret(new_secret text, new_name text, new_description text, new_key_id uuid) TO service_role;

--
-- Name: FUNCTION update_secret(secret_id uuid, new_secret text, new_name text, new_description text, new_key_id uuid); Type: ACL; Schema: vault; Owner: -
--

REVOKE ALL ON FUNCTION vault.update_secret(secret_id uuid, new_secret text, new_name text, new_description text, new_key_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION vault.update_secret(secret_id uuid, new_secret text, new_name text, new_description text, new_key_id uuid) TO service_role;

--
-- Name: TABLE secrets; Type: ACL; Schema: vault; Owner: -
--

GRANT SELECT,DELETE ON TABLE vault.secrets TO service_role;

--
-- Name: TABLE decrypted_secrets; Type: ACL; Schema: vault; Owner: -
--

GRANT SELECT ON TABLE vault.decrypted_secrets TO service_role;

--
-- PostgreSQL database dump complete
--
