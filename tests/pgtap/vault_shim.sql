-- What pgcadence's Vault shim does beyond (or unlike) Supabase's supabase_vault: row
-- security, an invoker view, key ids from its key ring, errors that say what went wrong.
-- Each difference is in docs/compat.md. Runs where the shim is installed (not on the
-- supabase profile).
SELECT plan(13);

-- ------------------------------------------------------------ hardening
SELECT is(
    (SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
      WHERE p.pronamespace = 'vault'::regnamespace
        AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)),
    NULL, 'every vault function pins search_path (pg_catalog, pg_temp)');
SELECT ok((SELECT relrowsecurity FROM pg_class WHERE oid = 'vault.secrets'::regclass), 'RLS is on for vault.secrets');
SELECT ok((SELECT reloptions @> ARRAY['security_invoker=true'] FROM pg_class WHERE oid = 'vault.decrypted_secrets'::regclass),
          'decrypted_secrets is a security_invoker view (no definer view)');
SELECT table_privs_are('vault', 'decrypted_secrets', 'service_role', ARRAY['SELECT'], 'service_role only reads decrypted_secrets');
SELECT ok(NOT has_function_privilege('service_role', 'vault._keys()', 'EXECUTE')
          AND NOT has_function_privilege('service_role', 'vault._key(uuid)', 'EXECUTE')
          AND NOT has_function_privilege('service_role', 'vault._encrypt(uuid, uuid, text)', 'EXECUTE')
          AND NOT has_function_privilege('service_role', 'vault._reencrypt_all(uuid)', 'EXECUTE'),
          'nobody but the owner can reach the key ring functions');

-- ------------------------------------------------------------ behaviour (as the owner)
DELETE FROM vault.secrets;  -- start empty (rolled back at the end)
SELECT vault.create_secret('https://abc.example.org', 'project_url') AS url_id \gset
SELECT vault.create_secret('s3cr3t-value', 'service_role_key') AS key_id \gset
SELECT vault.create_secret('to be moved') AS other_id \gset
SELECT ok((SELECT key_id IS NOT NULL FROM vault.secrets WHERE id = :'url_id'),
          'key_id names the key ring key that encrypted it (supabase_vault: NULL)');
SELECT throws_ok($$SELECT vault.update_secret('00000000-0000-0000-0000-000000000000', new_name := 'x')$$,
                 'P0002', 'no vault secret with id 00000000-0000-0000-0000-000000000000',
                 'update of an unknown id is an error (supabase_vault: nothing happens)');
SELECT throws_ok($$SELECT vault.create_secret('v', 'k', 'd', '11111111-1111-1111-1111-111111111111')$$, 'F0000',
                 NULL, 'an unknown new_key_id is refused (supabase_vault: ignored)');
SELECT lives_ok($$SELECT vault.create_secret('v', 'k2', 'd', (SELECT key_id FROM vault.secrets LIMIT 1))$$,
                'a key id of the ring is taken');

-- associated data: a ciphertext copied to another row must not decrypt, and says why
UPDATE vault.secrets AS t SET secret = s.secret, nonce = s.nonce, key_id = s.key_id
  FROM vault.secrets AS s WHERE s.id = :'url_id' AND t.id = :'other_id';
SELECT throws_like(format('SELECT decrypted_secret FROM vault.decrypted_secrets WHERE id = %L', :'other_id'),
                   'vault secret % failed authentication%copied from another row%',
                   'a ciphertext moved to another row: the error says so (supabase_vault: invalid ciphertext)');
UPDATE vault.secrets SET secret = encode(set_byte(decode(secret, 'base64'), 0, get_byte(decode(secret, 'base64'), 0) # 1), 'base64')
 WHERE id = :'key_id';
SELECT throws_like(format('SELECT decrypted_secret FROM vault.decrypted_secrets WHERE id = %L', :'key_id'),
                   '%failed authentication%', 'a tampered ciphertext: failed authentication');
SELECT lives_ok(format($$SELECT vault.update_secret(%L, new_secret := 's3cr3t-value')$$, :'key_id'),
                'a damaged secret can be stored again (supabase_vault: update_secret fails on it)');
SELECT is((SELECT decrypted_secret FROM vault.decrypted_secrets WHERE id = :'key_id'), 's3cr3t-value',
          'and reads back');

SELECT * FROM finish();
