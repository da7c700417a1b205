-- The project helpers cron commands call (public.get_supabase_url() and
-- public.get_service_role_key()): Vault first, then the app.settings.* database
-- setting, else a clear error. Applied only where a project does not define its
-- own (condition project_helpers in sql/manifest.toml).

-- Project URL for cron jobs: Vault 'project_url', else app.settings.supabase_url.
CREATE OR REPLACE FUNCTION public.get_supabase_url() RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
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
$f$;
COMMENT ON FUNCTION public.get_supabase_url() IS
    'Project URL: Vault secret project_url, else setting app.settings.supabase_url. Same name and behaviour as the helper Supabase projects define.';

-- Service-role key for cron jobs: Vault 'service_role_key', else app.settings.service_role_key.
CREATE OR REPLACE FUNCTION public.get_service_role_key() RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
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
$f$;
COMMENT ON FUNCTION public.get_service_role_key() IS
    'Service-role key: Vault secret service_role_key, else setting app.settings.service_role_key. Same name and behaviour as the helper Supabase projects define.';

REVOKE ALL ON FUNCTION public.get_supabase_url(), public.get_service_role_key() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.get_supabase_url(), public.get_service_role_key() TO service_role;
