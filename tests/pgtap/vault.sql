-- The Vault contract (migration 0002): API shape, privileges, authenticated encryption and
-- the cron-command helpers, as Supabase's supabase_vault has them. It holds for the real
-- extension (the supabase profile runs this file too) and for pgcadence's shim;
-- vault_shim.sql holds what only the shim does.
SELECT plan(67);

-- ------------------------------------------------------------ shape
SELECT has_schema('vault');
SELECT has_table('vault', 'secrets', 'vault.secrets exists');
SELECT columns_are('vault', 'secrets',
    ARRAY['id', 'name', 'description', 'secret', 'key_id', 'nonce', 'created_at', 'updated_at']);
SELECT col_is_pk('vault', 'secrets', 'id', 'id is the primary key');
SELECT col_type_is('vault', 'secrets', 'secret', 'text', 'secret is text (base64 ciphertext)');
SELECT col_type_is('vault', 'secrets', 'nonce', 'bytea', 'nonce is bytea');
SELECT col_not_null('vault', 'secrets', 'description', 'description is NOT NULL');
SELECT col_default_is('vault', 'secrets', 'description', ''::text, 'description defaults to empty');
SELECT has_view('vault', 'decrypted_secrets', 'vault.decrypted_secrets exists');
SELECT columns_are('vault', 'decrypted_secrets',
    ARRAY['id', 'name', 'description', 'secret', 'decrypted_secret', 'key_id', 'nonce', 'created_at', 'updated_at']);
SELECT has_function('vault', 'create_secret', ARRAY['text', 'text', 'text', 'uuid']);
SELECT function_returns('vault', 'create_secret', ARRAY['text', 'text', 'text', 'uuid'], 'uuid');
SELECT has_function('vault', 'update_secret', ARRAY['uuid', 'text', 'text', 'text', 'uuid']);
SELECT function_returns('vault', 'update_secret', ARRAY['uuid', 'text', 'text', 'text', 'uuid'], 'void');
SELECT is(pg_get_function_arguments('vault.create_secret(text, text, text, uuid)'::regprocedure),
          'new_secret text, new_name text DEFAULT NULL::text, new_description text DEFAULT ''''::text, new_key_id uuid DEFAULT NULL::uuid',
          'create_secret: argument names and defaults as in supabase_vault');
SELECT is(pg_get_function_arguments('vault.update_secret(uuid, text, text, text, uuid)'::regprocedure),
          'secret_id uuid, new_secret text DEFAULT NULL::text, new_name text DEFAULT NULL::text, new_description text DEFAULT NULL::text, new_key_id uuid DEFAULT NULL::uuid',
          'update_secret: argument names and defaults as in supabase_vault');
SELECT is_definer('vault', 'create_secret', ARRAY['text', 'text', 'text', 'uuid']);
SELECT is_definer('vault', 'update_secret', ARRAY['uuid', 'text', 'text', 'text', 'uuid']);
SELECT is_definer('public', 'get_supabase_url', '{}'::name[]);
SELECT is_definer('public', 'get_service_role_key', '{}'::name[]);
SELECT is(
    (SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
      WHERE p.oid IN ('public.get_supabase_url()'::regprocedure, 'public.get_service_role_key()'::regprocedure)
        AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)),
    NULL, 'the cron-command helpers pin search_path (pg_catalog, pg_temp)');

-- ------------------------------------------------------------ privileges
SELECT schema_privs_are('vault', 'anon', '{}'::text[], 'anon has no usage on schema vault');
SELECT schema_privs_are('vault', 'authenticated', '{}'::text[], 'authenticated has no usage on schema vault');
SELECT schema_privs_are('vault', 'service_role', ARRAY['USAGE']);
SELECT table_privs_are('vault', 'secrets', 'anon', '{}'::text[]);
SELECT table_privs_are('vault', 'secrets', 'authenticated', '{}'::text[]);
SELECT table_privs_are('vault', 'secrets', 'service_role', ARRAY['SELECT', 'DELETE'],
                       'service_role may read ciphertext and delete, never INSERT/UPDATE directly');
SELECT table_privs_are('vault', 'secrets', 'public', '{}'::text[]);
SELECT table_privs_are('vault', 'decrypted_secrets', 'anon', '{}'::text[]);
SELECT table_privs_are('vault', 'decrypted_secrets', 'authenticated', '{}'::text[]);
SELECT ok(has_table_privilege('service_role', 'vault.decrypted_secrets', 'SELECT'), 'service_role may read decrypted_secrets');
SELECT is(
    (SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
      WHERE (p.pronamespace = 'vault'::regnamespace OR p.oid IN ('public.get_supabase_url()'::regprocedure,
                                                                   'public.get_service_role_key()'::regprocedure))
        AND (has_function_privilege('anon', p.oid, 'EXECUTE') OR has_function_privilege('authenticated', p.oid, 'EXECUTE'))),
    NULL, 'anon and authenticated can execute no vault function and no cron-command helper');
SELECT function_privs_are('vault', 'create_secret', ARRAY['text', 'text', 'text', 'uuid'], 'service_role', ARRAY['EXECUTE']);
SELECT function_privs_are('vault', 'update_secret', ARRAY['uuid', 'text', 'text', 'text', 'uuid'], 'service_role', ARRAY['EXECUTE']);
SELECT function_privs_are('public', 'get_supabase_url', '{}'::name[], 'service_role', ARRAY['EXECUTE']);
SELECT function_privs_are('public', 'get_service_role_key', '{}'::name[], 'service_role', ARRAY['EXECUTE']);

-- ------------------------------------------------------------ behaviour (as the owner)
DELETE FROM vault.secrets;  -- start empty (rolled back at the end)
SELECT vault.create_secret('https://abc.example.org', 'project_url', 'project URL') AS url_id \gset
SELECT vault.create_secret(new_secret := 's3cr3t-value', new_name := 'service_role_key') AS key_id \gset
SELECT vault.create_secret('to be moved') AS other_id \gset

SELECT is((SELECT decrypted_secret FROM vault.decrypted_secrets WHERE name = 'project_url'),
          'https://abc.example.org', 'roundtrip: decrypted_secret gives the stored value');
SELECT is((SELECT description FROM vault.decrypted_secrets WHERE id = :'other_id'), '', 'description defaults to empty');
SELECT ok((SELECT secret NOT LIKE '%abc.example%' AND decode(secret, 'base64') IS NOT NULL FROM vault.secrets WHERE id = :'url_id'),
          'the table holds base64 ciphertext, not the value');
SELECT ok((SELECT length(nonce) = 16 FROM vault.secrets WHERE id = :'url_id'), 'a 16-byte nonce is stored');
SELECT isnt((SELECT secret FROM vault.secrets WHERE id = :'url_id'),
            (SELECT secret FROM vault.secrets WHERE id = :'key_id'), 'two secrets never share a ciphertext');

SELECT lives_ok($$SELECT vault.update_secret(secret_id := (SELECT id FROM vault.secrets WHERE name = 'project_url'),
                                              new_description := 'changed')$$, 'update_secret with named arguments');
SELECT is((SELECT (description, decrypted_secret)::text FROM vault.decrypted_secrets WHERE name = 'project_url'),
          '(changed,https://abc.example.org)', 'metadata update keeps the value');
SELECT lives_ok(format($$SELECT vault.update_secret(%L, new_secret := 'https://new.example.org')$$, :'url_id'), 'value update');
SELECT is((SELECT decrypted_secret FROM vault.decrypted_secrets WHERE id = :'url_id'), 'https://new.example.org', 'new value decrypts');
SELECT throws_ok($$SELECT vault.create_secret('dup', 'project_url')$$, '23505', NULL, 'names are unique');
SELECT lives_ok($$SELECT vault.create_secret('a'), vault.create_secret('b')$$, 'several unnamed secrets are fine');

-- associated data: a ciphertext copied to another row must not decrypt
UPDATE vault.secrets AS t SET secret = s.secret, nonce = s.nonce, key_id = s.key_id
  FROM vault.secrets AS s WHERE s.id = :'url_id' AND t.id = :'other_id';
SELECT throws_ok(format('SELECT decrypted_secret FROM vault.decrypted_secrets WHERE id = %L', :'other_id'),
                 NULL, NULL, 'a ciphertext moved to another row fails to decrypt');
SELECT lives_ok(format('SELECT decrypted_secret FROM vault.decrypted_secrets WHERE id = %L', :'url_id'),
                'the original row still decrypts');
-- a flipped byte fails authentication too
UPDATE vault.secrets SET secret = encode(set_byte(decode(secret, 'base64'), 0, get_byte(decode(secret, 'base64'), 0) # 1), 'base64')
 WHERE id = :'key_id';
SELECT throws_ok(format('SELECT decrypted_secret FROM vault.decrypted_secrets WHERE id = %L', :'key_id'),
                 NULL, NULL, 'a tampered ciphertext fails to decrypt');
DELETE FROM vault.secrets WHERE id IN (:'other_id', :'key_id');
SELECT vault.create_secret(new_secret := 's3cr3t-value', new_name := 'service_role_key') AS key_id \gset

-- ------------------------------------------------------------ as the API roles
-- let the API roles run pgTAP itself (all of this is rolled back)
GRANT USAGE ON SCHEMA tap TO anon, authenticated, service_role;
GRANT ALL ON TABLE __tcache__ TO anon, authenticated, service_role;
GRANT ALL ON SEQUENCE __tcache___id_seq, __tresults___numb_seq TO anon, authenticated, service_role;
SET LOCAL ROLE anon;
SELECT throws_ok('SELECT * FROM vault.decrypted_secrets', '42501', NULL, 'anon cannot read decrypted_secrets');
SELECT throws_ok('SELECT * FROM vault.secrets', '42501', NULL, 'anon cannot read vault.secrets');
SELECT throws_ok($$SELECT vault.create_secret('x')$$, '42501', NULL, 'anon cannot create secrets');
SELECT throws_ok('SELECT public.get_service_role_key()', '42501', NULL, 'anon cannot call get_service_role_key');
RESET ROLE;
SET LOCAL ROLE authenticated;
SELECT throws_ok('SELECT * FROM vault.decrypted_secrets', '42501', NULL, 'authenticated cannot read decrypted_secrets');
SELECT throws_ok('SELECT public.get_supabase_url()', '42501', NULL, 'authenticated cannot call get_supabase_url');
RESET ROLE;
SET LOCAL ROLE service_role;
SELECT is((SELECT decrypted_secret FROM vault.decrypted_secrets WHERE name = 'service_role_key'), 's3cr3t-value',
          'service_role reads decrypted_secrets');
SELECT lives_ok($$SELECT vault.create_secret('sr', 'made_by_service_role')$$, 'service_role creates secrets');
SELECT throws_ok($$INSERT INTO vault.secrets (secret) VALUES ('x')$$, '42501', NULL, 'service_role cannot INSERT directly');
SELECT throws_ok($$UPDATE vault.secrets SET name = 'x'$$, '42501', NULL, 'service_role cannot UPDATE directly');
SELECT is(public.get_supabase_url(), 'https://new.example.org', 'get_supabase_url reads Vault project_url');
SELECT lives_ok($$SELECT vault.update_secret((SELECT id FROM vault.secrets WHERE name = 'made_by_service_role'), new_secret := 'sr2')$$,
                'service_role updates secrets');
SELECT is(public.get_service_role_key(), 's3cr3t-value', 'get_service_role_key reads Vault service_role_key');
RESET ROLE;

-- ------------------------------------------------------------ the settings fallback of the helpers
DELETE FROM vault.secrets WHERE name IN ('project_url', 'service_role_key');
SELECT throws_like('SELECT public.get_supabase_url()', '%app.settings.supabase_url%',
                   'no Vault secret, no setting: the error names what to set');
SELECT throws_like('SELECT public.get_service_role_key()', '%app.settings.service_role_key%',
                   'get_service_role_key: the error names what to set');
SET LOCAL app.settings.supabase_url = 'https://from-setting.example.org';
SET LOCAL app.settings.service_role_key = 'key-from-setting';
SELECT is(public.get_supabase_url(), 'https://from-setting.example.org', 'falls back to app.settings.supabase_url');
SELECT is(public.get_service_role_key(), 'key-from-setting', 'falls back to app.settings.service_role_key');

SELECT * FROM finish();
