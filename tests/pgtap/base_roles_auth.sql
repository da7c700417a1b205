-- The Supabase-compatible base from migration 0001: roles, auth helpers, extensions.
SELECT plan(22);

SELECT has_role('anon');
SELECT has_role('authenticated');
SELECT has_role('service_role');
SELECT ok(NOT rolcanlogin AND NOT rolinherit, rolname || ' is NOLOGIN NOINHERIT')
  FROM pg_roles WHERE rolname IN ('anon', 'authenticated', 'service_role') ORDER BY rolname;
SELECT ok((SELECT rolbypassrls FROM pg_roles WHERE rolname = 'service_role'), 'service_role bypasses RLS');
SELECT ok(NOT (SELECT rolbypassrls FROM pg_roles WHERE rolname = 'authenticated'), 'authenticated does not bypass RLS');

SELECT has_function('auth', 'uid', '{}'::name[], 'auth.uid() exists');
SELECT function_returns('auth', 'uid', '{}'::name[], 'uuid');
SELECT function_returns('auth', 'role', '{}'::name[], 'text');
SELECT function_returns('auth', 'email', '{}'::name[], 'text');
SELECT function_returns('auth', 'jwt', '{}'::name[], 'jsonb');

-- claims as PostgREST sets them
SET LOCAL request.jwt.claims = '{"sub": "6f1c3a52-1d2e-4a61-9a52-0c8d2f1b7e10", "role": "authenticated", "email": "a@example.org"}';
SELECT is(auth.uid(), '6f1c3a52-1d2e-4a61-9a52-0c8d2f1b7e10'::uuid, 'auth.uid() reads sub from request.jwt.claims');
SELECT is(auth.role(), 'authenticated', 'auth.role() reads role');
SELECT is(auth.email(), 'a@example.org', 'auth.email() reads email');
SELECT is(auth.jwt() ->> 'role', 'authenticated', 'auth.jwt() returns all claims');
-- the legacy single-claim setting wins, as on Supabase
SET LOCAL request.jwt.claim.sub = '00000000-0000-0000-0000-000000000001';
SELECT is(auth.uid(), '00000000-0000-0000-0000-000000000001'::uuid, 'request.jwt.claim.sub takes precedence');
RESET request.jwt.claim.sub;
SET LOCAL request.jwt.claims = '';
SELECT is(auth.uid(), NULL, 'no claims: auth.uid() is NULL');

SELECT has_extension('extensions', 'pgcrypto', 'pgcrypto lives in the extensions schema');
SELECT has_extension('pg_cron');
SELECT ok(EXISTS (SELECT 1 FROM cron.job WHERE jobname = 'pgcadence_heartbeat' AND schedule = '* * * * *'),
          'the scheduler heartbeat job is installed');

SELECT * FROM finish();
