-- The signup flow's backend (docs/requirements.md, "Audit trail and sessions"): five
-- actions on a checkout session, each checked against the session's state, applied to
-- its context and audited with sessionId, provider and org_ref in the metadata. The
-- executor's signup-action function does what SQL cannot between signup_step() and
-- signup_record(): sealing the credential, calling the provider's tools.
--
--   select_provider       {provider, org_ref, provider_name?}  -> action_select_provider
--   connect_account       {alias?} (+ the credential, sealed)   -> action_connect_account, credentials_submitted
--   find_programs         {category?}                           -> credentials_accessed (the flow logs in)
--   select_program        {program_id}                          -> action_select_program
--   submit_registration   {answers?}                            -> credentials_accessed, registration_completed
--
-- Both are security definer and act only on the caller's own session (auth.uid()): they
-- read cached_programs and internal helpers a user cannot; log_audit() still writes the
-- rows in the caller's name.

-- A text argument of an action: a JSON string, not blank, at most p_max characters, no control characters.
CREATE OR REPLACE FUNCTION pgcadence.signup_text(p_args jsonb, p_key text, p_required boolean, p_max integer)
RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v jsonb := p_args -> p_key;
    t text;
BEGIN
    IF v IS NULL OR v = 'null'::jsonb THEN
        IF p_required THEN
            RAISE EXCEPTION '% is required', p_key USING ERRCODE = '22023';
        END IF;
        RETURN NULL;
    END IF;
    IF pg_catalog.jsonb_typeof(v) = 'number' THEN
        t := v #>> '{}';  -- program ids may be numbers
    ELSIF pg_catalog.jsonb_typeof(v) = 'string' THEN
        t := v #>> '{}';
    ELSE
        RAISE EXCEPTION '% must be a string', p_key USING ERRCODE = '22023';
    END IF;
    IF pg_catalog.btrim(t) = '' OR pg_catalog.length(t) > p_max OR t ~ '[[:cntrl:]]' THEN
        RAISE EXCEPTION '% must be 1 to % characters without control characters', p_key, p_max
            USING ERRCODE = '22023';
    END IF;
    RETURN t;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.signup_text(jsonb, text, boolean, integer) FROM PUBLIC, anon, authenticated;

-- The caller's live session context, or NULL when the session does not exist (or expired).
CREATE OR REPLACE FUNCTION pgcadence.signup_context(p_session_id text) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT s.context FROM public.agentic_checkout_sessions s
     WHERE s.user_id = auth.uid() AND s.id = p_session_id AND s.expires_at > now()
$$;
REVOKE ALL ON FUNCTION pgcadence.signup_context(text) FROM PUBLIC, anon, authenticated;

-- Check an action against the session and its arguments; returns what the runner needs
-- to carry it out (provider, org_ref, credential_id, program ...). Changes nothing.
CREATE OR REPLACE FUNCTION public.signup_step(p_session_id text, p_action text, p_args jsonb DEFAULT '{}'::jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c jsonb;
    v_program jsonb;
    v_program_id text;
BEGIN
    IF auth.uid() IS NULL THEN
        RAISE EXCEPTION 'signup actions belong to a signed-in user' USING ERRCODE = '42501';
    END IF;
    IF p_session_id IS NULL OR pg_catalog.btrim(p_session_id) = '' OR pg_catalog.length(p_session_id) > 200
       OR p_session_id ~ '[[:cntrl:]]' THEN
        RAISE EXCEPTION 'session_id must be 1 to 200 characters without control characters' USING ERRCODE = '22023';
    END IF;
    IF p_args IS NULL OR pg_catalog.jsonb_typeof(p_args) <> 'object' THEN
        RAISE EXCEPTION 'the action''s arguments must be a JSON object' USING ERRCODE = '22023';
    END IF;
    c := pgcadence.signup_context(p_session_id);
    IF p_action = 'select_provider' THEN
        IF coalesce(p_args ->> 'provider', '') !~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$' THEN
            RAISE EXCEPTION 'provider must be a provider id (letters, digits, . _ -; at most 100 characters)'
                USING ERRCODE = '22023';
        END IF;
        RETURN pg_catalog.jsonb_build_object(
            'provider', p_args ->> 'provider',
            'org_ref', pgcadence.signup_text(p_args, 'org_ref', true, 200),
            'provider_name', pgcadence.signup_text(p_args, 'provider_name', false, 200));
    END IF;
    IF p_action NOT IN ('connect_account', 'find_programs', 'select_program', 'submit_registration') THEN
        RAISE EXCEPTION 'unknown action "%": one of select_provider, connect_account, find_programs, select_program, submit_registration',
            pg_catalog.left(coalesce(p_action, ''), 60) USING ERRCODE = '22023';
    END IF;
    IF c IS NULL THEN
        RAISE EXCEPTION 'no checkout session "%" (or it expired): start with select_provider', p_session_id
            USING ERRCODE = 'P0002';
    END IF;
    IF coalesce(c ->> 'provider', '') = '' OR coalesce(c ->> 'org_ref', '') = '' THEN
        RAISE EXCEPTION '%: select a provider first (select_provider)', p_action USING ERRCODE = '55000';
    END IF;
    IF p_action = 'connect_account' THEN
        RETURN pg_catalog.jsonb_build_object(
            'provider', c ->> 'provider', 'org_ref', c ->> 'org_ref',
            'alias', coalesce(pgcadence.signup_text(p_args, 'alias', false, 200),
                              coalesce(c ->> 'provider_name', c ->> 'org_ref') || ' login'));
    END IF;
    IF coalesce(c ->> 'credential_id', '') !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
        RAISE EXCEPTION '%: connect an account first (connect_account)', p_action USING ERRCODE = '55000';
    END IF;
    IF c ? 'registration' THEN
        RAISE EXCEPTION '%: this session''s registration was already submitted (confirmation %)', p_action,
            c #>> '{registration,confirmation_id}' USING ERRCODE = '55000';
    END IF;
    IF p_action = 'find_programs' THEN
        RETURN pg_catalog.jsonb_build_object(
            'provider', c ->> 'provider', 'org_ref', c ->> 'org_ref', 'credential_id', c ->> 'credential_id',
            'category', coalesce(pgcadence.signup_text(p_args, 'category', false, 100), 'all'));
    END IF;
    IF p_action = 'select_program' THEN
        v_program_id := pgcadence.signup_text(p_args, 'program_id', true, 200);
        -- among the programs this session found, else among those cache warming found for the org
        SELECT p INTO v_program FROM pg_catalog.jsonb_array_elements(coalesce(c -> 'programs', '[]'::jsonb)) p
         WHERE p ->> 'id' = v_program_id LIMIT 1;
        IF v_program IS NULL THEN
            SELECT p INTO v_program
              FROM public.cached_programs cp, pg_catalog.jsonb_array_elements(cp.programs) p
             WHERE cp.org_ref = c ->> 'org_ref' AND cp.expires_at > now() AND p ->> 'id' = v_program_id
             LIMIT 1;
        END IF;
        IF v_program IS NULL THEN
            RAISE EXCEPTION 'program_id "%" is not among the programs found for %: run find_programs first',
                v_program_id, c ->> 'org_ref' USING ERRCODE = '22023';
        END IF;
        RETURN pg_catalog.jsonb_build_object('provider', c ->> 'provider', 'org_ref', c ->> 'org_ref',
                                             'program', v_program);
    END IF;
    -- submit_registration
    IF NOT (c ? 'program') THEN
        RAISE EXCEPTION 'submit_registration: select a program first (select_program)' USING ERRCODE = '55000';
    END IF;
    IF p_args ? 'answers' AND pg_catalog.jsonb_typeof(p_args -> 'answers') <> 'object' THEN
        RAISE EXCEPTION 'answers must be a JSON object of field name to value' USING ERRCODE = '22023';
    END IF;
    RETURN pg_catalog.jsonb_build_object(
        'provider', c ->> 'provider', 'org_ref', c ->> 'org_ref', 'credential_id', c ->> 'credential_id',
        'program_id', c #>> '{program,id}', 'answers', coalesce(p_args -> 'answers', '{}'::jsonb));
END
$$;
COMMENT ON FUNCTION public.signup_step(text, text, jsonb) IS
    'Check a signup action (select_provider, connect_account, find_programs, select_program, submit_registration) '
    'against the caller''s session; returns what carrying it out needs. 22023 bad argument, P0002 no session, '
    '55000 out of order.';
REVOKE ALL ON FUNCTION public.signup_step(text, text, jsonb) FROM PUBLIC, anon, authenticated;

-- Apply a carried-out action: update the session context (TTL renewed) and write its audit
-- row(s). p_result: what the runner got (credential_id, programs, confirmation ...).
CREATE OR REPLACE FUNCTION public.signup_record(p_session_id text, p_action text, p_args jsonb DEFAULT '{}'::jsonb,
                                               p_result jsonb DEFAULT '{}'::jsonb)
RETURNS TABLE (context jsonb, expires_at timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    step jsonb := public.signup_step(p_session_id, p_action, p_args);
    c jsonb := coalesce(pgcadence.signup_context(p_session_id), '{}'::jsonb);
    meta jsonb;
    v_audit text;
    v_programs jsonb;
    v_expires timestamptz;
BEGIN
    p_result := coalesce(p_result, '{}'::jsonb);
    meta := pg_catalog.jsonb_build_object('sessionId', p_session_id, 'provider', step ->> 'provider',
                                          'org_ref', step ->> 'org_ref');
    CASE p_action
    WHEN 'select_provider' THEN
        IF c ->> 'provider' IS DISTINCT FROM step ->> 'provider' OR c ->> 'org_ref' IS DISTINCT FROM step ->> 'org_ref' THEN
            -- another provider: what belonged to the previous one goes
            c := c - ARRAY['credential_id', 'programs', 'category', 'program', 'registration', 'provider_name'];
        END IF;
        c := c || pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                 'provider', step ->> 'provider', 'org_ref', step ->> 'org_ref',
                 'provider_name', step ->> 'provider_name')) || '{"step": "provider_selected"}';
        v_audit := 'action_select_provider';
        meta := meta || pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('provider_name', step ->> 'provider_name'));
    WHEN 'connect_account' THEN
        IF coalesce(p_result ->> 'credential_id', '') !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
            RAISE EXCEPTION 'connect_account: the stored credential''s id is missing' USING ERRCODE = '22023';
        END IF;
        c := (c - ARRAY['programs', 'program']) || pg_catalog.jsonb_build_object(
                 'credential_id', p_result ->> 'credential_id', 'step', 'account_connected');
        v_audit := 'action_connect_account';
        meta := meta || pg_catalog.jsonb_build_object('credential_id', p_result ->> 'credential_id',
                                                      'credential_alias', step ->> 'alias');
    WHEN 'find_programs' THEN
        v_programs := p_result -> 'programs';
        IF v_programs IS NULL OR pg_catalog.jsonb_typeof(v_programs) <> 'array' THEN
            RAISE EXCEPTION 'find_programs: the provider returned no list of programs' USING ERRCODE = '22023';
        END IF;
        -- programs with an id, at most 500 of them, are what select_program chooses from
        SELECT coalesce(pg_catalog.jsonb_agg(p), '[]'::jsonb) INTO v_programs
          FROM (SELECT p FROM pg_catalog.jsonb_array_elements(v_programs) p
                 WHERE pg_catalog.jsonb_typeof(p) = 'object' AND p ? 'id' LIMIT 500) x;
        c := (c - ARRAY['program']) || pg_catalog.jsonb_build_object(
                 'programs', v_programs, 'category', step ->> 'category', 'step', 'programs_found');
        v_audit := NULL;  -- the credential access is the audit row of this step
    WHEN 'select_program' THEN
        c := c || pg_catalog.jsonb_build_object('program', step -> 'program', 'step', 'program_selected');
        v_audit := 'action_select_program';
        meta := meta || pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                    'program_id', step #>> '{program,id}', 'program_title', step #>> '{program,title}'));
    WHEN 'submit_registration' THEN
        c := c || pg_catalog.jsonb_build_object('registration', pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                     'confirmation_id', p_result ->> 'confirmation_id', 'status', coalesce(p_result ->> 'status', 'submitted'),
                     'program_id', step ->> 'program_id',
                     'answered_fields', (SELECT pg_catalog.jsonb_agg(k ORDER BY k)
                                           FROM pg_catalog.jsonb_object_keys(step -> 'answers') k),
                     'submitted_at', pg_catalog.to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))),
                 'step', 'registered');
        v_audit := 'registration_completed';
        meta := meta || pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                    'program_id', step ->> 'program_id', 'confirmation_id', p_result ->> 'confirmation_id',
                    'credential_id', step ->> 'credential_id'));
    END CASE;
    v_expires := public.save_checkout_session(p_session_id, c, step ->> 'provider');
    IF v_audit IS NOT NULL THEN
        PERFORM public.log_audit(v_audit, NULL, step ->> 'org_ref', step ->> 'provider',
                                 (meta ->> 'credential_id')::uuid, meta);
    END IF;
    RETURN QUERY SELECT c, v_expires;
END
$$;
COMMENT ON FUNCTION public.signup_record(text, text, jsonb, jsonb) IS
    'Apply a carried-out signup action to the caller''s session context (TTL renewed) and audit it with '
    'sessionId, provider and org_ref in the metadata; returns the new context and expiry.';
REVOKE ALL ON FUNCTION public.signup_record(text, text, jsonb, jsonb) FROM PUBLIC, anon, authenticated;

-- The audit trail as the caller may see it (RLS: a user their own rows; admins and service_role all), newest first.
CREATE OR REPLACE FUNCTION public.audit_trail(
    p_actions text[] DEFAULT NULL, p_session_id text DEFAULT NULL, p_provider text DEFAULT NULL,
    p_org_ref text DEFAULT NULL, p_since timestamptz DEFAULT NULL, p_until timestamptz DEFAULT NULL,
    p_user_id uuid DEFAULT NULL, p_limit integer DEFAULT 100
) RETURNS TABLE (id uuid, created_at timestamptz, user_id uuid, action text, org_ref text, provider text,
                 credential_id uuid, metadata jsonb)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_limit IS NULL OR p_limit NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'limit must be between 1 and 1000 (got %)', p_limit USING ERRCODE = '22023';
    END IF;
    RETURN QUERY
    SELECT a.id, a.created_at, a.user_id, a.action, a.org_ref, a.provider, a.credential_id, a.metadata
      FROM public.mandate_audit a
     WHERE (p_actions IS NULL OR a.action = ANY (p_actions))
       AND (p_session_id IS NULL OR a.metadata ->> 'sessionId' = p_session_id)
       AND (p_provider IS NULL OR a.provider = p_provider)
       AND (p_org_ref IS NULL OR a.org_ref = p_org_ref)
       AND (p_since IS NULL OR a.created_at >= p_since)
       AND (p_until IS NULL OR a.created_at < p_until)
       AND (p_user_id IS NULL OR a.user_id = p_user_id)
     ORDER BY a.created_at DESC, a.id
     LIMIT p_limit;
END
$$;
COMMENT ON FUNCTION public.audit_trail(text[], text, text, text, timestamptz, timestamptz, uuid, integer) IS
    'Audit rows the caller may read (RLS: own rows; admins and service_role: all), filtered, newest first, '
    'at most p_limit (1-1000).';
REVOKE ALL ON FUNCTION public.audit_trail(text[], text, text, text, timestamptz, timestamptz, uuid, integer)
    FROM PUBLIC, anon, authenticated;

GRANT EXECUTE ON FUNCTION public.signup_step(text, text, jsonb), public.signup_record(text, text, jsonb, jsonb),
    public.audit_trail(text[], text, text, text, timestamptz, timestamptz, uuid, integer) TO authenticated, service_role;
