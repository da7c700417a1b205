-- Authenticated cache warming, the mandate audit trail, sealed credentials and
-- checkout-session persistence (seed 000, seed 001; issue 7).
--
--   mandate_audit               append-only audit trail; every writer goes through log_audit()
--   mandate_audit_actions       the action names log_audit() accepts (seed 000/001 names)
--   stored_credentials          credentials sealed in Python (AES-256-GCM under CRED_SEAL_KEY,
--                               the row id as associated data): ciphertext only, never plaintext
--   cached_programs             programs discovered per (org_ref, category), with an expiry
--   cache_warm_targets          what warm-cache-authenticated warms when called with {}
--   agentic_checkout_sessions   checkout-session context that survives restarts (24 h TTL)
--
-- Two pg_cron jobs call the executor through net.http_post, the URL and key read from
-- Vault at run time (get_supabase_url() / get_service_role_key()); no key in cron.job.

-- ============================================================ tables
CREATE TABLE public.mandate_audit_actions (
    action text PRIMARY KEY CHECK (action ~ '^[a-z][a-z0-9_]{0,62}$'),
    description text NOT NULL
);
COMMENT ON TABLE public.mandate_audit_actions IS
    'Action names log_audit() accepts. Add a row (as the owner) to log a new kind of action.';

INSERT INTO public.mandate_audit_actions (action, description) VALUES
    ('action_select_provider',  'user selected a provider'),
    ('action_connect_account',  'user started connecting a provider account'),
    ('credentials_submitted',   'a credential was sealed and stored'),
    ('credentials_accessed',    'a credential was unsealed for use (cred-get, cache warming)'),
    ('credentials_resealed',    'every credential was re-sealed under a new CRED_SEAL_KEY'),
    ('action_select_program',   'user selected a program'),
    ('registration_completed',  'final registration submitted'),
    ('mandate_created',         'a mandate (signed JWS) was issued'),
    ('mandate_rejected',        'a mandate was refused: bad signature, expired or missing scope'),
    ('cache_warm_success',      'programs of one org/category were fetched and cached'),
    ('cache_warm_failed',       'warming one org/category failed (metadata.error says why)');

CREATE TABLE public.mandate_audit (
    id uuid PRIMARY KEY DEFAULT extensions.gen_random_uuid(),
    created_at timestamptz NOT NULL DEFAULT now(),
    user_id uuid,
    action text NOT NULL REFERENCES public.mandate_audit_actions (action),
    org_ref text,
    provider text,
    credential_id uuid,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(metadata) = 'object')
);
COMMENT ON TABLE public.mandate_audit IS
    'Append-only audit trail (seed 001 Phase 1/4, seed 000 cache warming). Written only through log_audit(); '
    'a user reads their own rows, admins and service_role read all; nobody updates or deletes '
    '(retention: purge_mandate_audit(), owner only).';

CREATE TABLE public.stored_credentials (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL,
    provider text NOT NULL CHECK (provider <> ''),
    alias text NOT NULL CHECK (alias <> ''),
    ciphertext bytea NOT NULL CHECK (octet_length(ciphertext) >= 12 + 16),
    key_fp text NOT NULL CHECK (key_fp ~ '^[0-9a-f]{16}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE public.stored_credentials IS
    'Provider credentials sealed by the runner: ciphertext = 12-byte nonce || AES-256-GCM(JSON) with the '
    'row id as associated data, under the CRED_SEAL_KEY whose fingerprint is key_fp. The key never '
    'enters the database.';

CREATE TABLE public.cached_programs (
    id uuid PRIMARY KEY DEFAULT extensions.gen_random_uuid(),
    org_ref text NOT NULL CHECK (org_ref <> ''),
    category text NOT NULL DEFAULT 'all' CHECK (category <> ''),
    programs jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(programs) = 'array'),
    discovered_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL DEFAULT now() + interval '24 hours',
    CONSTRAINT cached_programs_org_category_key UNIQUE (org_ref, category)
);
COMMENT ON TABLE public.cached_programs IS
    'Programs per (org_ref, category) as warm-cache-authenticated last discovered them; fresh until expires_at.';

CREATE TABLE public.cache_warm_targets (
    org_ref text NOT NULL CHECK (org_ref <> ''),
    category text NOT NULL DEFAULT 'all' CHECK (category <> ''),
    enabled boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_ref, category)
);
COMMENT ON TABLE public.cache_warm_targets IS
    'The (org_ref, category) pairs warm-cache-authenticated warms when called with an empty body.';

CREATE TABLE public.agentic_checkout_sessions (
    id text PRIMARY KEY CHECK (id <> '' AND length(id) <= 200),
    user_id uuid NOT NULL,
    provider_id text,
    context jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(context) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL DEFAULT now() + interval '24 hours'
);
COMMENT ON TABLE public.agentic_checkout_sessions IS
    'Checkout-session context synced from the orchestrator (seed 001 Phase 2): survives restarts, '
    'expires 24 h after the last save; cleanup_expired_checkout_sessions() deletes expired rows.';

-- ============================================================ indexes
CREATE INDEX mandate_audit_created_at_idx ON public.mandate_audit (created_at DESC);
CREATE INDEX mandate_audit_user_created_idx ON public.mandate_audit (user_id, created_at DESC);
CREATE INDEX mandate_audit_action_created_idx ON public.mandate_audit (action, created_at DESC);
CREATE INDEX stored_credentials_user_idx ON public.stored_credentials (user_id);
CREATE INDEX cached_programs_expires_idx ON public.cached_programs (expires_at);
CREATE INDEX agentic_checkout_sessions_user_idx ON public.agentic_checkout_sessions (user_id);
CREATE INDEX agentic_checkout_sessions_expires_idx ON public.agentic_checkout_sessions (expires_at);

-- ============================================================ functions
-- The caller's role: the SQL role when it is an API role (anon / authenticated / service_role),
-- else the JWT's role, else 'owner' (a direct connection: migrations, pg_cron, the DBA).
-- Claims alone never raise a login role above what SET ROLE gave it.
CREATE FUNCTION pgcadence.request_role() RETURNS text
LANGUAGE sql STABLE SET search_path = '' AS $$
    SELECT CASE
        WHEN pg_catalog.current_setting('role', true) IN ('anon', 'authenticated', 'service_role')
            THEN pg_catalog.current_setting('role', true)
        ELSE coalesce(nullif(auth.role(), ''), 'owner')
    END
$$;
REVOKE ALL ON FUNCTION pgcadence.request_role() FROM PUBLIC;

-- Refuses UPDATE / DELETE / TRUNCATE on mandate_audit, except a DELETE inside purge_mandate_audit().
CREATE FUNCTION pgcadence.mandate_audit_append_only() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    IF TG_OP = 'DELETE' AND pg_catalog.current_setting('pgcadence.audit_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'mandate_audit is append-only: % is not allowed', TG_OP
        USING ERRCODE = '42501', HINT = 'retention: select purge_mandate_audit(''<interval>'') as the table owner';
END
$$;
REVOKE ALL ON FUNCTION pgcadence.mandate_audit_append_only() FROM PUBLIC;

-- The one way to write an audit row: checks the action name, the caller and the metadata.
CREATE FUNCTION public.log_audit(
    p_action text,
    p_user_id uuid DEFAULT NULL,
    p_org_ref text DEFAULT NULL,
    p_provider text DEFAULT NULL,
    p_credential_id uuid DEFAULT NULL,
    p_metadata jsonb DEFAULT '{}'::jsonb
) RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    v_role text := pgcadence.request_role();
    v_uid uuid := auth.uid();
    v_id uuid;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM public.mandate_audit_actions a WHERE a.action = p_action) THEN
        RAISE EXCEPTION 'unknown audit action "%"', p_action
            USING ERRCODE = '22023', HINT = 'known actions are listed in public.mandate_audit_actions';
    END IF;
    IF p_metadata IS NULL OR pg_catalog.jsonb_typeof(p_metadata) <> 'object' THEN
        RAISE EXCEPTION 'audit metadata must be a JSON object' USING ERRCODE = '22023';
    END IF;
    -- a defensive net: secrets have no business in an audit row
    IF p_metadata ?| ARRAY['password', 'secret', 'token', 'ciphertext', 'mandate_jws', 'key'] THEN
        RAISE EXCEPTION 'audit metadata must not carry secrets (a key named password/secret/token/ciphertext/mandate_jws/key)'
            USING ERRCODE = '22023';
    END IF;
    IF v_role = 'authenticated' THEN
        -- users log their own actions only
        IF v_uid IS NULL OR (p_user_id IS NOT NULL AND p_user_id <> v_uid) THEN
            RAISE EXCEPTION 'a user may only write audit rows about themselves' USING ERRCODE = '42501';
        END IF;
        p_user_id := v_uid;
    ELSIF v_role = 'anon' THEN
        RAISE EXCEPTION 'anonymous callers cannot write audit rows' USING ERRCODE = '42501';
    END IF;
    INSERT INTO public.mandate_audit (user_id, action, org_ref, provider, credential_id, metadata)
    VALUES (p_user_id, p_action, p_org_ref, p_provider, p_credential_id, p_metadata)
    RETURNING id INTO v_id;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION public.log_audit(text, uuid, text, text, uuid, jsonb) IS
    'Append one mandate_audit row (the only writer). authenticated: about themselves only; service_role: anyone.';

-- Retention: delete audit rows older than p_older_than (at least 30 days). Owner only.
CREATE FUNCTION public.purge_mandate_audit(p_older_than interval) RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = '' AS $$
DECLARE
    n bigint;
BEGIN
    IF p_older_than IS NULL OR p_older_than < interval '30 days' THEN
        RAISE EXCEPTION 'refusing to purge audit rows younger than 30 days (got %)', p_older_than
            USING ERRCODE = '22023';
    END IF;
    PERFORM pg_catalog.set_config('pgcadence.audit_purge', 'on', true);
    DELETE FROM public.mandate_audit WHERE created_at < now() - p_older_than;
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM pg_catalog.set_config('pgcadence.audit_purge', 'off', true);
    RETURN n;
END
$$;
COMMENT ON FUNCTION public.purge_mandate_audit(interval) IS
    'Retention for mandate_audit: delete rows older than the interval (>= 30 days). Executable by the owner only.';

-- Store (or replace) a sealed credential and audit credentials_submitted.
CREATE FUNCTION public.store_credential(
    p_id uuid, p_user_id uuid, p_provider text, p_alias text, p_ciphertext bytea, p_key_fp text
) RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    v_owner uuid;
BEGIN
    IF pgcadence.request_role() NOT IN ('service_role', 'owner') AND p_user_id IS DISTINCT FROM auth.uid() THEN
        RAISE EXCEPTION 'a user may only store their own credentials' USING ERRCODE = '42501';
    END IF;
    SELECT c.user_id INTO v_owner FROM public.stored_credentials c WHERE c.id = p_id FOR UPDATE;
    IF FOUND AND v_owner <> p_user_id THEN
        RAISE EXCEPTION 'credential % belongs to another user', p_id USING ERRCODE = '42501';
    END IF;
    INSERT INTO public.stored_credentials AS c (id, user_id, provider, alias, ciphertext, key_fp)
    VALUES (p_id, p_user_id, p_provider, p_alias, p_ciphertext, p_key_fp)
    ON CONFLICT (id) DO UPDATE
        SET provider = excluded.provider, alias = excluded.alias, ciphertext = excluded.ciphertext,
            key_fp = excluded.key_fp, updated_at = now();
    PERFORM public.log_audit('credentials_submitted', p_user_id, NULL, p_provider, p_id,
                             pg_catalog.jsonb_build_object('credential_alias', p_alias));
    RETURN p_id;
END
$$;
COMMENT ON FUNCTION public.store_credential(uuid, uuid, text, text, bytea, text) IS
    'Insert or replace a sealed credential (ciphertext from the runner) and audit credentials_submitted.';

-- Hand a sealed credential to its owner (or to service_role) and audit credentials_accessed.
CREATE FUNCTION public.access_credential(p_id uuid, p_metadata jsonb DEFAULT '{}'::jsonb)
RETURNS TABLE (id uuid, user_id uuid, provider text, alias text, ciphertext bytea, key_fp text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    c public.stored_credentials;
BEGIN
    SELECT * INTO c FROM public.stored_credentials s WHERE s.id = p_id;
    IF NOT FOUND OR (pgcadence.request_role() NOT IN ('service_role', 'owner') AND c.user_id IS DISTINCT FROM auth.uid()) THEN
        -- the same answer for "absent" and "someone else's": existence is not disclosed
        RAISE EXCEPTION 'credential % not found', p_id USING ERRCODE = 'P0002';
    END IF;
    PERFORM public.log_audit('credentials_accessed', c.user_id, NULL, c.provider, c.id,
        coalesce(p_metadata, '{}'::jsonb) || pg_catalog.jsonb_build_object(
            'accessed_at', pg_catalog.to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
            'credential_alias', c.alias));
    RETURN QUERY SELECT c.id, c.user_id, c.provider, c.alias, c.ciphertext, c.key_fp;
END
$$;
COMMENT ON FUNCTION public.access_credential(uuid, jsonb) IS
    'Sealed credential for its owner (authenticated) or service_role; writes credentials_accessed '
    '(credential_id, provider, metadata accessed_at + credential_alias, as seed 001).';

-- Re-seal: replace the ciphertext of one credential (used by pgcadence credentials rotate-key).
CREATE FUNCTION public.reseal_credential(p_id uuid, p_ciphertext bytea, p_key_fp text) RETURNS void
LANGUAGE sql VOLATILE SET search_path = '' AS $$
    UPDATE public.stored_credentials SET ciphertext = p_ciphertext, key_fp = p_key_fp, updated_at = now()
    WHERE id = p_id
$$;
COMMENT ON FUNCTION public.reseal_credential(uuid, bytea, text) IS
    'Replace a credential''s ciphertext and key fingerprint (key rotation). Owner / service_role only.';

-- Which (org_ref, category) pairs a warm-cache call covers, and whether each is fresh.
CREATE FUNCTION public.cache_warm_plan(p_org_ref text DEFAULT NULL, p_category text DEFAULT NULL)
RETURNS TABLE (org_ref text, category text, fresh boolean)
LANGUAGE sql STABLE SET search_path = '' AS $$
    WITH wanted AS (
        -- both given: exactly that pair, a target or not
        SELECT p_org_ref AS org_ref, p_category AS category
        WHERE p_org_ref IS NOT NULL AND p_category IS NOT NULL
        UNION ALL
        -- otherwise: the enabled targets matching what was given
        SELECT t.org_ref, t.category FROM public.cache_warm_targets t
        WHERE t.enabled AND NOT (p_org_ref IS NOT NULL AND p_category IS NOT NULL)
          AND (p_org_ref IS NULL OR t.org_ref = p_org_ref)
          AND (p_category IS NULL OR t.category = p_category)
    )
    SELECT w.org_ref, w.category,
           coalesce((SELECT cp.expires_at > now() FROM public.cached_programs cp
                     WHERE cp.org_ref = w.org_ref AND cp.category = w.category), false)
    FROM wanted w
    ORDER BY w.org_ref, w.category
$$;
COMMENT ON FUNCTION public.cache_warm_plan(text, text) IS
    'Targets of a warm-cache call: the given pair, else the enabled cache_warm_targets matching the filter; '
    'fresh = a cached_programs row that has not expired.';

-- Record one warm attempt: upsert cached_programs on success, audit success or failure.
CREATE FUNCTION public.record_cache_warm(
    p_org_ref text, p_category text, p_programs jsonb, p_duration_ms integer, p_error text,
    p_user_id uuid DEFAULT NULL, p_credential_id uuid DEFAULT NULL, p_provider text DEFAULT NULL,
    p_ttl interval DEFAULT interval '24 hours', p_attempts integer DEFAULT 1
) RETURNS text
LANGUAGE plpgsql VOLATILE SET search_path = '' AS $$
BEGIN
    IF p_error IS NULL THEN
        IF p_programs IS NULL OR pg_catalog.jsonb_typeof(p_programs) <> 'array' THEN
            RAISE EXCEPTION 'programs must be a JSON array' USING ERRCODE = '22023';
        END IF;
        INSERT INTO public.cached_programs AS cp (org_ref, category, programs, discovered_at, expires_at)
        VALUES (p_org_ref, p_category, p_programs, now(), now() + p_ttl)
        ON CONFLICT (org_ref, category) DO UPDATE
            SET programs = excluded.programs, discovered_at = excluded.discovered_at,
                expires_at = excluded.expires_at;
        PERFORM public.log_audit('cache_warm_success', p_user_id, p_org_ref, p_provider, p_credential_id,
            pg_catalog.jsonb_build_object('category', p_category,
                'programs_discovered', pg_catalog.jsonb_array_length(p_programs),
                'duration_ms', p_duration_ms, 'attempts', p_attempts));
        RETURN 'success';
    END IF;
    PERFORM public.log_audit('cache_warm_failed', p_user_id, p_org_ref, p_provider, p_credential_id,
        pg_catalog.jsonb_build_object('category', p_category, 'duration_ms', p_duration_ms,
            'error', p_error, 'attempts', p_attempts));
    RETURN 'failed';
END
$$;
COMMENT ON FUNCTION public.record_cache_warm(text, text, jsonb, integer, text, uuid, uuid, text, interval, integer) IS
    'Outcome of warming one org/category: success upserts cached_programs and audits cache_warm_success '
    '(programs_discovered, duration_ms); failure audits cache_warm_failed (error, duration_ms).';

-- Save (upsert) a checkout session; refreshes updated_at and pushes expires_at to now() + p_ttl.
CREATE FUNCTION public.save_checkout_session(
    p_id text, p_context jsonb, p_provider_id text DEFAULT NULL, p_user_id uuid DEFAULT NULL,
    p_ttl interval DEFAULT interval '24 hours'
) RETURNS timestamptz
LANGUAGE plpgsql VOLATILE SET search_path = '' AS $$
DECLARE
    v_user uuid := coalesce(p_user_id, auth.uid());
    v_expires timestamptz;
BEGIN
    IF v_user IS NULL THEN
        RAISE EXCEPTION 'a checkout session needs a user (sign in, or pass p_user_id as service_role)'
            USING ERRCODE = '22023';
    END IF;
    IF p_ttl IS NULL OR p_ttl <= interval '0' OR p_ttl > interval '30 days' THEN
        RAISE EXCEPTION 'session TTL must be between 0 and 30 days (got %)', p_ttl USING ERRCODE = '22023';
    END IF;
    INSERT INTO public.agentic_checkout_sessions AS s (id, user_id, provider_id, context, expires_at)
    VALUES (p_id, v_user, p_provider_id, coalesce(p_context, '{}'::jsonb), now() + p_ttl)
    ON CONFLICT (id) DO UPDATE
        SET context = excluded.context,
            provider_id = coalesce(excluded.provider_id, s.provider_id),
            created_at = CASE WHEN s.expires_at <= now() THEN now() ELSE s.created_at END,
            updated_at = now(),
            expires_at = excluded.expires_at
        WHERE s.user_id = excluded.user_id
    RETURNING s.expires_at INTO v_expires;
    IF v_expires IS NULL THEN
        RAISE EXCEPTION 'checkout session % belongs to another user', p_id USING ERRCODE = '42501';
    END IF;
    RETURN v_expires;
END
$$;
COMMENT ON FUNCTION public.save_checkout_session(text, jsonb, text, uuid, interval) IS
    'Upsert a checkout session for the caller (RLS: owner only); returns the new expires_at.';

-- Load a checkout session the caller may see; an expired one reads as absent (no row).
CREATE FUNCTION public.load_checkout_session(p_id text)
RETURNS TABLE (id text, user_id uuid, provider_id text, context jsonb,
               created_at timestamptz, updated_at timestamptz, expires_at timestamptz)
LANGUAGE sql STABLE SET search_path = '' AS $$
    SELECT s.id, s.user_id, s.provider_id, s.context, s.created_at, s.updated_at, s.expires_at
    FROM public.agentic_checkout_sessions s
    WHERE s.id = p_id AND s.expires_at > now()
$$;
COMMENT ON FUNCTION public.load_checkout_session(text) IS
    'The caller''s checkout session (RLS: owner only), or no row when absent or expired.';

-- Delete expired checkout sessions; returns how many.
CREATE FUNCTION public.cleanup_expired_checkout_sessions() RETURNS integer
LANGUAGE plpgsql VOLATILE SET search_path = '' AS $$
DECLARE
    n integer;
BEGIN
    DELETE FROM public.agentic_checkout_sessions WHERE expires_at <= now();
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
COMMENT ON FUNCTION public.cleanup_expired_checkout_sessions() IS
    'Delete every checkout session past expires_at; returns the number deleted (seed 001).';

-- ============================================================ triggers
CREATE TRIGGER mandate_audit_no_update_delete BEFORE UPDATE OR DELETE ON public.mandate_audit
    FOR EACH ROW EXECUTE FUNCTION pgcadence.mandate_audit_append_only();
CREATE TRIGGER mandate_audit_no_truncate BEFORE TRUNCATE ON public.mandate_audit
    FOR EACH STATEMENT EXECUTE FUNCTION pgcadence.mandate_audit_append_only();

-- ============================================================ policies
ALTER TABLE public.mandate_audit_actions ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.mandate_audit ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.stored_credentials ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.cached_programs ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.cache_warm_targets ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.agentic_checkout_sessions ENABLE ROW LEVEL SECURITY;

CREATE POLICY mandate_audit_actions_read ON public.mandate_audit_actions
    FOR SELECT TO authenticated USING (true);

-- own rows, or every row for an admin (service_role bypasses RLS)
CREATE POLICY mandate_audit_read_own_or_admin ON public.mandate_audit
    FOR SELECT TO authenticated
    USING (user_id = (SELECT auth.uid()) OR (SELECT public.is_admin_user()));

CREATE POLICY stored_credentials_owner_read ON public.stored_credentials
    FOR SELECT TO authenticated USING (user_id = (SELECT auth.uid()));
CREATE POLICY stored_credentials_owner_delete ON public.stored_credentials
    FOR DELETE TO authenticated USING (user_id = (SELECT auth.uid()));

CREATE POLICY cached_programs_read ON public.cached_programs
    FOR SELECT TO authenticated USING (true);

CREATE POLICY cache_warm_targets_admin_read ON public.cache_warm_targets
    FOR SELECT TO authenticated USING ((SELECT public.is_admin_user()));
CREATE POLICY cache_warm_targets_admin_write ON public.cache_warm_targets
    FOR ALL TO authenticated USING ((SELECT public.is_admin_user())) WITH CHECK ((SELECT public.is_admin_user()));

CREATE POLICY checkout_sessions_owner_select ON public.agentic_checkout_sessions
    FOR SELECT TO authenticated USING (user_id = (SELECT auth.uid()));
CREATE POLICY checkout_sessions_owner_insert ON public.agentic_checkout_sessions
    FOR INSERT TO authenticated WITH CHECK (user_id = (SELECT auth.uid()));
CREATE POLICY checkout_sessions_owner_update ON public.agentic_checkout_sessions
    FOR UPDATE TO authenticated USING (user_id = (SELECT auth.uid())) WITH CHECK (user_id = (SELECT auth.uid()));
CREATE POLICY checkout_sessions_owner_delete ON public.agentic_checkout_sessions
    FOR DELETE TO authenticated USING (user_id = (SELECT auth.uid()));

-- ============================================================ grants
REVOKE ALL ON public.mandate_audit_actions, public.mandate_audit, public.stored_credentials,
              public.cached_programs, public.cache_warm_targets, public.agentic_checkout_sessions
    FROM PUBLIC, anon, authenticated, service_role;

GRANT SELECT ON public.mandate_audit_actions TO authenticated, service_role;
GRANT SELECT ON public.mandate_audit TO authenticated, service_role;            -- no writes: log_audit()
GRANT SELECT, DELETE ON public.stored_credentials TO authenticated;             -- writes: store_credential()
GRANT SELECT, DELETE ON public.stored_credentials TO service_role;
GRANT SELECT ON public.cached_programs TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.cached_programs TO service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.cache_warm_targets TO authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.agentic_checkout_sessions TO authenticated, service_role;

REVOKE ALL ON FUNCTION public.log_audit(text, uuid, text, text, uuid, jsonb),
                       public.purge_mandate_audit(interval),
                       public.store_credential(uuid, uuid, text, text, bytea, text),
                       public.access_credential(uuid, jsonb),
                       public.reseal_credential(uuid, bytea, text),
                       public.cache_warm_plan(text, text),
                       public.record_cache_warm(text, text, jsonb, integer, text, uuid, uuid, text, interval, integer),
                       public.save_checkout_session(text, jsonb, text, uuid, interval),
                       public.load_checkout_session(text),
                       public.cleanup_expired_checkout_sessions()
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.log_audit(text, uuid, text, text, uuid, jsonb) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.store_credential(uuid, uuid, text, text, bytea, text) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.access_credential(uuid, jsonb) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.cache_warm_plan(text, text) TO service_role;
GRANT EXECUTE ON FUNCTION public.record_cache_warm(text, text, jsonb, integer, text, uuid, uuid, text, interval, integer)
    TO service_role;
GRANT EXECUTE ON FUNCTION public.save_checkout_session(text, jsonb, text, uuid, interval) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.load_checkout_session(text) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.cleanup_expired_checkout_sessions() TO service_role;
-- purge_mandate_audit, reseal_credential: owner only (no grant)

-- ============================================================ cron
-- URL and key are read from Vault when the job runs: nothing secret in cron.job.command.
SELECT cron.schedule('cleanup-expired-sessions', '0 2 * * *', $cmd$
  SELECT net.http_post(
    url := public.get_supabase_url() || '/functions/v1/cleanup-sessions',
    headers := '{"Content-Type": "application/json"}'::jsonb
  ) AS request_id;
$cmd$);

SELECT cron.schedule('daily-cache-warming', '0 2 * * *', $cmd$
  SELECT net.http_post(
    url := public.get_supabase_url() || '/functions/v1/warm-cache-authenticated',
    headers := jsonb_build_object('Content-Type', 'application/json',
                                  'Authorization', 'Bearer ' || public.get_service_role_key()),
    body := '{}'::jsonb,
    timeout_milliseconds := 300000
  ) AS request_id;
$cmd$);
