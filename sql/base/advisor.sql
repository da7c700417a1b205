-- The security advisor: the security lint classes of Supabase's database advisor, as
-- one query over the catalog, for pgcadence's objects and the project's own alike.
-- pgcadence doctor prints it; docs/security.md, "Security advisor", explains each lint.

-- pgcadence's SECURITY DEFINER functions that anon / authenticated may execute on
-- purpose, with why; plus the project's own (pgcadence.advisor_allowlist).
CREATE OR REPLACE FUNCTION pgcadence.api_function_allowlist()
RETURNS TABLE (function_identity text, reason text)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT v.f, v.r FROM (VALUES
        ('net.http_get(text,jsonb,jsonb,integer)', 'pg_net parity: triggers fired by API users queue HTTP requests'),
        ('net.http_post(text,jsonb,jsonb,jsonb,integer)', 'pg_net parity: triggers fired by API users queue HTTP requests'),
        ('net.http_delete(text,jsonb,jsonb,integer,jsonb)', 'pg_net parity: triggers fired by API users queue HTTP requests'),
        ('public.is_admin_user()', 'RLS policies call it as the querying role; reads only the caller''s own profile'),
        ('public.get_cron_jobs()', 'admin console; refuses non-admins inside; shows only admin-created and standing jobs'),
        ('public.get_cron_job_runs(integer,text)', 'admin console; refuses non-admins inside'),
        ('public.toggle_cron_job(text,boolean)', 'admin console; refuses non-admins; changes only admin-created jobs'),
        ('public.update_cron_schedule(text,text,text)', 'admin console; refuses non-admins; changes only admin-created jobs'),
        ('public.create_cron_job(text,text,text,jsonb,integer,text)', 'admin console; refuses non-admins; the command is built from literals'),
        ('public.delete_cron_job(text)', 'admin console; refuses non-admins; deletes only admin-created jobs'),
        ('public.run_cron_job_now(text)', 'admin console; refuses non-admins; runs only admin-created jobs'),
        ('public.describe_cron_schedule(text,text)', 'admin console; refuses non-admins (pure: describes an expression)'),
        ('public.list_job_handlers()', 'admin console; refuses non-admins'),
        ('public.cron_history_cleanup(interval)', 'admin console; refuses non-admins; deletes only admin-visible runs'),
        ('public.set_cron_history_retention(interval)', 'admin console; refuses non-admins'),
        ('public.cron_health()', 'admin console; refuses non-admins; reports only admin-visible jobs'),
        ('public.job_queue_enqueue(text,jsonb,timestamp with time zone,integer,integer,text)', 'admin console; refuses non-admins inside'),
        ('public.job_queue_enqueue_batch(jsonb)', 'admin console; refuses non-admins inside'),
        ('public.job_queue_retry(uuid,integer)', 'admin console; refuses non-admins inside'),
        ('public.job_queue_cancel(uuid)', 'admin console; refuses non-admins inside'),
        ('public.job_queue_pause()', 'admin console; refuses non-admins inside'),
        ('public.job_queue_resume()', 'admin console; refuses non-admins inside'),
        ('public.job_queue_paused()', 'reads one boolean: whether queue processing is paused'),
        ('public.job_queue_cleanup(interval,text[])', 'admin console; refuses non-admins inside'),
        ('public.job_queue_list(text,text,integer)', 'admin console; refuses non-admins inside'),
        ('public.job_queue_get(uuid)', 'admin console; refuses non-admins inside'),
        ('public.job_queue_health()', 'doctor and console; refuses everyone but admins and service_role inside'),
        ('public.job_queue_retry_delay(integer,double precision)', 'the backoff formula: reads only the queue''s backoff settings'),
        ('public.log_audit(text,uuid,text,text,uuid,jsonb)', 'a user appends audit rows about themselves only; anon is refused inside'),
        ('public.store_credential(uuid,uuid,text,text,bytea,text,jsonb)', 'a user stores their own sealed credential only (ciphertext; checked inside)'),
        ('public.access_credential(uuid,jsonb)', 'a user reads their own sealed credential only, audited; others get "not found"'),
        ('public.signup_step(text,text,jsonb)', 'signup flow: checks an action against the caller''s own session only (auth.uid(); none: refused)'),
        ('public.signup_record(text,text,jsonb,jsonb)', 'signup flow: updates the caller''s own session and audits in the caller''s name only'),
        ('public.configure_cache_warming(boolean,time without time zone,integer)', 'cache warming schedule; refuses everyone but admins and service_role inside'),
        ('public.alert_rule_update(text,boolean,jsonb,interval)', 'alert rules; refuses non-admins inside'),
        ('public.alert_rule_silence(text,timestamp with time zone)', 'alert rules; refuses non-admins inside'),
        ('public.alert_events_cleanup(interval)', 'alert history retention; refuses non-admins inside'),
        ('public.admin_overview()', 'admin console; refuses non-admins inside'),
        ('public.admin_throughput(integer)', 'admin console; refuses non-admins inside'),
        ('public.admin_cron_runs(text,text,integer,integer)', 'admin console; refuses non-admins inside; only admin-visible jobs'' runs'),
        ('public.admin_cron_run(bigint)', 'admin console; refuses non-admins inside; only admin-visible jobs'' runs'),
        ('public.admin_cron_preview(text,text,integer)', 'admin console; refuses non-admins inside (pure: describes an expression)'),
        ('public.admin_queue_jobs(text,text,text,integer,integer)', 'admin console; refuses non-admins inside'),
        ('public.admin_queue_metrics()', 'admin console; refuses non-admins inside'),
        ('public.admin_queue_task_types()', 'admin console; refuses non-admins inside'),
        ('public.admin_queue_bulk(text,text,text,text,boolean,integer)', 'admin console; refuses non-admins inside'),
        ('public.admin_queue_run_now(uuid)', 'admin console; refuses non-admins inside'),
        ('public.admin_audit(text,text,text,uuid,timestamp with time zone,timestamp with time zone,text,boolean,integer,integer)', 'admin console; refuses non-admins inside'),
        ('public.admin_audit_facets()', 'admin console; refuses non-admins inside'),
        ('public.admin_net(text,integer,integer)', 'admin console; refuses non-admins inside; secret-bearing headers redacted'),
        ('public.admin_net_request(bigint)', 'admin console; refuses non-admins inside; secret-bearing headers redacted'),
        ('public.admin_caches()', 'admin console; refuses non-admins inside')
    ) AS v(f, r)
    UNION ALL
    SELECT a.function_identity, a.reason FROM pgcadence.advisor_allowlist a
$$;
REVOKE ALL ON FUNCTION pgcadence.api_function_allowlist() FROM PUBLIC, anon, authenticated;
COMMENT ON FUNCTION pgcadence.api_function_allowlist() IS
    'SECURITY DEFINER functions anon/authenticated may execute on purpose: pgcadence''s (with why) and pgcadence.advisor_allowlist''s.';

-- Every finding, worst first. exposed: the schemas the API serves (PostgREST's
-- db-schemas; Supabase: public). level fail = fix it; warn = look at it.
CREATE OR REPLACE FUNCTION pgcadence.security_advisor(exposed text[] DEFAULT ARRAY['public'])
RETURNS TABLE (level text, lint text, object text, detail text, fix text)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
WITH api_roles AS (
    SELECT r.oid, r.rolname FROM pg_catalog.pg_roles r WHERE r.rolname IN ('anon', 'authenticated')
), ext_member AS (
    SELECT d.classid, d.objid FROM pg_catalog.pg_depend d WHERE d.deptype = 'e'
), user_schemas AS (
    SELECT n.oid, n.nspname FROM pg_catalog.pg_namespace n
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
       AND n.nspname !~ '^pg_(temp|toast_temp)_'
       AND NOT EXISTS (SELECT 1 FROM ext_member e WHERE e.classid = 'pg_catalog.pg_namespace'::regclass AND e.objid = n.oid)
), tables AS (
    SELECT c.oid, n.oid AS nsp, n.nspname, c.relname, c.relrowsecurity, c.relkind,
           pg_catalog.format('%I.%I', n.nspname, c.relname) AS name,
           (SELECT pg_catalog.string_agg(a.rolname, ', ' ORDER BY a.rolname) FROM api_roles a
             WHERE pg_catalog.has_schema_privilege(a.oid, n.oid, 'USAGE')
               AND pg_catalog.has_table_privilege(a.oid, c.oid, 'SELECT, INSERT, UPDATE, DELETE')) AS api_access
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p', 'v', 'm') AND n.nspname = ANY (exposed)
       AND NOT EXISTS (SELECT 1 FROM ext_member e WHERE e.classid = 'pg_catalog.pg_class'::regclass AND e.objid = c.oid)
), functions AS (
    SELECT p.oid, p.prosecdef, p.proconfig, n.nspname,
           p.oid::pg_catalog.regprocedure::text AS identity,
           (SELECT pg_catalog.string_agg(a.rolname, ', ' ORDER BY a.rolname) FROM api_roles a
             WHERE pg_catalog.has_schema_privilege(a.oid, n.oid, 'USAGE')
               AND pg_catalog.has_function_privilege(a.oid, p.oid, 'EXECUTE')) AS api_exec,
           (SELECT pg_catalog.substr(c, 13) FROM pg_catalog.unnest(p.proconfig) c WHERE c LIKE 'search\_path=%') AS path
      FROM pg_catalog.pg_proc p JOIN user_schemas n ON n.oid = p.pronamespace
     WHERE p.prokind IN ('f', 'p')
       AND NOT EXISTS (SELECT 1 FROM ext_member e WHERE e.classid = 'pg_catalog.pg_proc'::regclass AND e.objid = p.oid)
       -- the platform's own schemas (Supabase's auth, storage, ...) are its business, except what pgcadence put there
       AND (n.nspname <> ALL (ARRAY['auth', 'storage', 'realtime', 'graphql', 'graphql_public', 'supabase_functions',
                                    'supabase_migrations', 'pgsodium', 'pgsodium_masks', 'pgbouncer', 'extensions', 'vault'])
            OR EXISTS (SELECT 1 FROM pgcadence.source_objects o
                        WHERE o.kind = 'function'
                          AND o.identity = pg_catalog.format('%I.%I(%s)', n.nspname, p.proname,
                                                             pg_catalog.pg_get_function_identity_arguments(p.oid))))
), findings AS (
    -- 1. a table the API serves without row level security
    SELECT CASE WHEN t.api_access IS NOT NULL THEN 'fail' ELSE 'warn' END AS level, 'rls_disabled_in_public' AS lint,
           t.name AS object,
           'row level security is off' || coalesce('; ' || t.api_access || ' can read or write it', ' (no API role has privileges on it yet)') AS detail,
           pg_catalog.format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY; then add policies', t.name) AS fix
      FROM tables t WHERE t.relkind IN ('r', 'p') AND NOT t.relrowsecurity
    UNION ALL
    -- 2. policies written, but row level security off: they do nothing
    SELECT 'fail', 'policy_exists_rls_disabled', t.name,
           'has policies (' || (SELECT pg_catalog.string_agg(pol.polname, ', ' ORDER BY pol.polname) FROM pg_catalog.pg_policy pol WHERE pol.polrelid = t.oid)
           || ') but row level security is off, so they are not applied',
           pg_catalog.format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t.name)
      FROM tables t WHERE t.relkind IN ('r', 'p') AND NOT t.relrowsecurity
       AND EXISTS (SELECT 1 FROM pg_catalog.pg_policy pol WHERE pol.polrelid = t.oid)
    UNION ALL
    -- 3. a write policy for an API role (or PUBLIC) whose condition is always true
    SELECT 'fail', 'rls_policy_always_true', pg_catalog.format('%I on %s', pol.polname, t.name),
           CASE pol.polcmd WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END
           || ' policy for ' || (SELECT pg_catalog.string_agg(CASE WHEN x = 0 THEN 'PUBLIC' ELSE x::regrole::text END, ', ')
                                  FROM pg_catalog.unnest(pol.polroles) x)
           || ' allows every row (USING/WITH CHECK true)',
           'restrict it (e.g. to the row''s owner: user_id = (select auth.uid())) or drop it'
      FROM pg_catalog.pg_policy pol JOIN tables t ON t.oid = pol.polrelid
     WHERE pol.polcmd IN ('a', 'w', 'd', '*') AND pol.polpermissive
       AND (0 = ANY (pol.polroles) OR EXISTS (SELECT 1 FROM api_roles a WHERE a.oid = ANY (pol.polroles)))
       AND (pg_catalog.btrim(lower(coalesce(pg_catalog.pg_get_expr(pol.polqual, pol.polrelid), 'true')), ' ()') = 'true'
            AND pg_catalog.btrim(lower(coalesce(pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid), 'true')), ' ()') = 'true')
    UNION ALL
    -- 4. a view the API serves that runs with its owner's rights (bypassing the caller's RLS)
    SELECT 'fail', 'security_definer_view', t.name,
           'the view runs with its owner''s privileges and RLS, not the caller''s; ' || t.api_access || ' can query it',
           pg_catalog.format('ALTER VIEW %s SET (security_invoker = true)', t.name)
      FROM tables t
     WHERE t.relkind = 'v' AND t.api_access IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c, pg_catalog.unnest(c.reloptions) o
                        WHERE c.oid = t.oid AND o IN ('security_invoker=true', 'security_invoker=on', 'security_invoker=1'))
    UNION ALL
    -- 5. search_path: not pinned at all, or a definer function that lets pg_temp come first
    SELECT CASE WHEN f.prosecdef THEN 'fail' ELSE 'warn' END, 'function_search_path_mutable', f.identity,
           CASE WHEN f.path IS NULL THEN 'no search_path is set: the caller''s search_path resolves its names'
                ELSE 'search_path = ' || f.path || ' does not end with pg_temp, so the caller''s temporary schema is searched first for types and tables' END
           || CASE WHEN f.prosecdef THEN ' (SECURITY DEFINER: code of the caller''s choosing would run as the owner)' ELSE '' END,
           pg_catalog.format('ALTER FUNCTION %s SET search_path = pg_catalog, pg_temp (and qualify names inside)', f.identity)
      FROM functions f
     WHERE f.path IS NULL OR (f.prosecdef AND pg_catalog.btrim(pg_catalog.split_part(f.path, ',',
                                  pg_catalog.array_length(pg_catalog.string_to_array(f.path, ','), 1))) IS DISTINCT FROM 'pg_temp')
    UNION ALL
    -- 6. a definer function the API roles can execute, not on the allowlist
    SELECT 'fail', 'definer_function_exposed', f.identity,
           'SECURITY DEFINER and executable by ' || f.api_exec || ' (Supabase grants EXECUTE on new functions in public to them by default)',
           pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM PUBLIC, anon, authenticated; GRANT EXECUTE to the roles that need it; '
                             'or, if it checks its caller, add it to pgcadence.advisor_allowlist with the reason', f.identity)
      FROM functions f
     WHERE f.prosecdef AND f.api_exec IS NOT NULL
       AND f.identity NOT IN (SELECT l.function_identity FROM pgcadence.api_function_allowlist() l)
    UNION ALL
    -- 7. a column whose name says secret, readable by an API role without RLS to guard it
    SELECT 'fail', 'sensitive_columns_exposed', pg_catalog.format('%s.%I', t.name, a.attname),
           'looks sensitive and ' || (SELECT pg_catalog.string_agg(r.rolname, ', ' ORDER BY r.rolname) FROM api_roles r
                                        WHERE pg_catalog.has_column_privilege(r.oid, t.oid, a.attnum, 'SELECT'))
           || ' can read it' || CASE WHEN t.relkind = 'v' THEN ' through a view' ELSE ' with row level security off' END,
           'revoke SELECT on it from anon and authenticated, or enable row level security with policies'
      FROM tables t JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE a.attname ~* '(passw|secret|token|api_?key|private_?key|ssn|social_security|credit_?card|card_?number|cvv|iban)'
       AND (NOT t.relrowsecurity OR t.relkind = 'v')
       AND EXISTS (SELECT 1 FROM api_roles r WHERE pg_catalog.has_schema_privilege(r.oid, t.nsp, 'USAGE')
                                              AND pg_catalog.has_column_privilege(r.oid, t.oid, a.attnum, 'SELECT'))
    UNION ALL
    -- 8. an extension installed in public (its objects become the API's)
    SELECT 'warn', 'extension_in_public', e.extname,
           'installed in schema public: its functions and tables are served by the API and clutter the schema',
           pg_catalog.format('ALTER EXTENSION %I SET SCHEMA extensions (if it can be relocated)', e.extname)
      FROM pg_catalog.pg_extension e
     WHERE e.extname <> 'plpgsql'
       -- by its members: pg_cron is "in" public (its default schema) but lives in schema cron
       AND EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                     LEFT JOIN pg_catalog.pg_proc p ON d.classid = 'pg_catalog.pg_proc'::regclass AND p.oid = d.objid
                     LEFT JOIN pg_catalog.pg_class c ON d.classid = 'pg_catalog.pg_class'::regclass AND c.oid = d.objid
                    WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.refobjid = e.oid AND d.deptype = 'e'
                      AND coalesce(p.pronamespace, c.relnamespace) = 'public'::regnamespace)
)
SELECT f.level, f.lint, f.object, f.detail, f.fix FROM findings f ORDER BY f.level = 'warn', f.lint, f.object
$$;
REVOKE ALL ON FUNCTION pgcadence.security_advisor(text[]) FROM PUBLIC, anon, authenticated;
COMMENT ON FUNCTION pgcadence.security_advisor(text[]) IS
    'Security lint of the whole database (RLS off on exposed tables, policies without RLS, always-true write policies, security definer views, mutable search_path, exposed definer functions, sensitive columns, extensions in public). No rows: clean.';
