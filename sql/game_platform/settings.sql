-- The game platform upstream's settings (base URL, timeout, page size, key name).

-- Upstream base URL, API key (NULL when not in Vault), timeout and sweep batch for the runner.
CREATE OR REPLACE FUNCTION public.game_platform_config(
    OUT base_url text, OUT api_key text, OUT timeout_ms integer, OUT sweep_batch integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s pgcadence.game_platform_settings;
BEGIN
    SELECT * INTO s FROM pgcadence.game_platform_settings;
    base_url := s.base_url;
    IF base_url IS NULL THEN
        SELECT ds.decrypted_secret INTO base_url FROM vault.decrypted_secrets ds WHERE ds.name = 'game_platform_base_url';
    END IF;
    IF base_url IS NULL OR base_url !~ '^https?://[^\s]+$' THEN
        RAISE EXCEPTION 'the game platform base URL is not configured'
            USING ERRCODE = 'P0002',
                  HINT = 'select game_platform_configure(base_url => ''https://...''), or store it in Vault as game_platform_base_url';
    END IF;
    base_url := pg_catalog.rtrim(base_url, '/');
    SELECT ds.decrypted_secret INTO api_key FROM vault.decrypted_secrets ds WHERE ds.name = s.api_key_secret;
    timeout_ms := s.timeout_ms;
    sweep_batch := s.sweep_batch;
END
$$;
COMMENT ON FUNCTION public.game_platform_config() IS
    'For the runner: game platform base URL (settings, else Vault game_platform_base_url), API key (Vault, may be NULL), timeout_ms, sweep_batch.';

-- Change upstream settings; NULL arguments keep the current value. Returns the settings.
CREATE OR REPLACE FUNCTION public.game_platform_configure(base_url text DEFAULT NULL, timeout_ms integer DEFAULT NULL,
                                               sweep_batch integer DEFAULT NULL, api_key_secret text DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    UPDATE pgcadence.game_platform_settings s SET
        base_url = COALESCE(game_platform_configure.base_url, s.base_url),
        timeout_ms = COALESCE(game_platform_configure.timeout_ms, s.timeout_ms),
        sweep_batch = COALESCE(game_platform_configure.sweep_batch, s.sweep_batch),
        api_key_secret = COALESCE(game_platform_configure.api_key_secret, s.api_key_secret),
        updated_at = pg_catalog.now()
    RETURNING pg_catalog.to_jsonb(s) - 'id'
$$;
COMMENT ON FUNCTION public.game_platform_configure(text, integer, integer, text) IS
    'Set the game platform upstream: base_url, timeout_ms, sweep_batch, Vault secret name of the API key.';

-- Why the game platform module cannot work here (see sql/base/modules.sql), or NULL.
CREATE OR REPLACE FUNCTION pgcadence.game_platform_unconfigured() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT 'no upstream base URL: select game_platform_configure(base_url => ''https://...''), '
           'or store it in Vault as game_platform_base_url'
     WHERE NOT EXISTS (SELECT 1 FROM pgcadence.game_platform_settings s WHERE s.base_url IS NOT NULL)
       AND NOT EXISTS (SELECT 1 FROM vault.decrypted_secrets d
                        WHERE d.name = 'game_platform_base_url' AND coalesce(d.decrypted_secret, '') <> '')
$$;
REVOKE ALL ON FUNCTION pgcadence.game_platform_unconfigured() FROM PUBLIC, anon, authenticated;
