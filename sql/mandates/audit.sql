-- The append-only audit trail (mandate_audit): one writer function, retention, and
-- triggers that refuse updates, deletes and truncation.

-- The caller's role: the SQL role when it is an API role (anon / authenticated / service_role),
-- else the JWT's role, else 'owner' (a direct connection: migrations, pg_cron, the DBA).
-- Claims alone never raise a login role above what SET ROLE gave it.
CREATE OR REPLACE FUNCTION pgcadence.request_role() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE
        WHEN pg_catalog.current_setting('role', true) IN ('anon', 'authenticated', 'service_role')
            THEN pg_catalog.current_setting('role', true)
        ELSE coalesce(nullif(auth.role(), ''), 'owner')
    END
$$;
REVOKE ALL ON FUNCTION pgcadence.request_role() FROM PUBLIC, anon, authenticated;

-- Refuses UPDATE / DELETE / TRUNCATE on mandate_audit, except a DELETE inside purge_mandate_audit().
CREATE OR REPLACE FUNCTION pgcadence.mandate_audit_append_only() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' AND pg_catalog.current_setting('pgcadence.audit_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'mandate_audit is append-only: % is not allowed', TG_OP
        USING ERRCODE = '42501', HINT = 'retention: select purge_mandate_audit(''<interval>'') as the table owner';
END
$$;
REVOKE ALL ON FUNCTION pgcadence.mandate_audit_append_only() FROM PUBLIC, anon, authenticated;

-- The one way to write an audit row: checks the action name, the caller and the metadata.
CREATE OR REPLACE FUNCTION public.log_audit(
    p_action text,
    p_user_id uuid DEFAULT NULL,
    p_org_ref text DEFAULT NULL,
    p_provider text DEFAULT NULL,
    p_credential_id uuid DEFAULT NULL,
    p_metadata jsonb DEFAULT '{}'::jsonb
) RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
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
REVOKE ALL ON FUNCTION public.log_audit(text, uuid, text, text, uuid, jsonb) FROM PUBLIC, anon, authenticated;

-- Retention: delete audit rows older than p_older_than (at least 30 days). Owner only.
CREATE OR REPLACE FUNCTION public.purge_mandate_audit(p_older_than interval) RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
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
REVOKE ALL ON FUNCTION public.purge_mandate_audit(interval) FROM PUBLIC, anon, authenticated, service_role;

CREATE OR REPLACE TRIGGER mandate_audit_no_update_delete BEFORE UPDATE OR DELETE ON public.mandate_audit
    FOR EACH ROW EXECUTE FUNCTION pgcadence.mandate_audit_append_only();
CREATE OR REPLACE TRIGGER mandate_audit_no_truncate BEFORE TRUNCATE ON public.mandate_audit
    FOR EACH STATEMENT EXECUTE FUNCTION pgcadence.mandate_audit_append_only();

GRANT EXECUTE ON FUNCTION public.log_audit(text, uuid, text, text, uuid, jsonb) TO authenticated, service_role;
