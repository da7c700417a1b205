-- Alert rules: the kinds and their default thresholds, validation, and the admin
-- functions that change thresholds, switch rules on and off, and silence them.

-- ======================================================== kinds and thresholds
-- Default thresholds of each kind; NULL for an unknown kind. A rule's params override them.
CREATE OR REPLACE FUNCTION pgcadence.alert_defaults(kind text) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE kind
        WHEN 'task_failures' THEN '{"failures": 3, "window": "15 minutes"}'::jsonb
        WHEN 'cron_job_failing' THEN '{"runs": 3}'::jsonb
        WHEN 'cron_job_overdue' THEN '{"missed_runs": 1, "grace": "10 minutes"}'::jsonb
        WHEN 'net_backlog' THEN '{"queued": 1000, "oldest": "5 minutes"}'::jsonb
        WHEN 'queue_leases_expired' THEN '{"jobs": 1, "grace": "5 minutes"}'::jsonb
        WHEN 'system_mandate_expiring' THEN '{"within": "24 hours"}'::jsonb
        WHEN 'vault_key_unreadable' THEN '{}'::jsonb
    END
$$;
COMMENT ON FUNCTION pgcadence.alert_defaults(text) IS
    'Default thresholds of an alert kind (task_failures, cron_job_failing, cron_job_overdue, net_backlog, queue_leases_expired, system_mandate_expiring, vault_key_unreadable).';
REVOKE ALL ON FUNCTION pgcadence.alert_defaults(text) FROM PUBLIC, anon, authenticated;

-- The thresholds a rule runs with: its kind's defaults overridden by params, each checked
-- (counts: whole numbers >= 1; durations: intervals > 0, a grace may be 0). Bad input: 22023.
CREATE OR REPLACE FUNCTION pgcadence.alert_params(kind text, params jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    defaults jsonb := pgcadence.alert_defaults(kind);
    e record;
    n numeric;
    i interval;
BEGIN
    IF defaults IS NULL THEN
        RAISE EXCEPTION 'unknown alert kind "%" (kinds: task_failures, cron_job_failing, cron_job_overdue, net_backlog, queue_leases_expired, system_mandate_expiring, vault_key_unreadable)',
            pg_catalog.left(kind, 64) USING ERRCODE = '22023';
    END IF;
    IF params IS NULL OR pg_catalog.jsonb_typeof(params) <> 'object' THEN
        RAISE EXCEPTION 'alert params must be a JSON object, got %', coalesce(pg_catalog.jsonb_typeof(params), 'null')
            USING ERRCODE = '22023';
    END IF;
    FOR e IN SELECT p.key, p.value FROM pg_catalog.jsonb_each(params) p LOOP
        IF NOT defaults ? e.key THEN
            RAISE EXCEPTION 'alert kind % has no threshold "%" (it has: %)', kind, pg_catalog.left(e.key, 64),
                coalesce((SELECT pg_catalog.string_agg(k, ', ' ORDER BY k) FROM pg_catalog.jsonb_object_keys(defaults) k), 'none')
                USING ERRCODE = '22023';
        END IF;
        IF pg_catalog.jsonb_typeof(defaults -> e.key) = 'number' THEN
            n := CASE WHEN pg_catalog.jsonb_typeof(e.value) = 'number' THEN (e.value #>> '{}')::numeric END;
            IF n IS NULL OR n < 1 OR n <> pg_catalog.trunc(n) OR n > 1000000000 THEN
                RAISE EXCEPTION 'alert threshold "%" must be a whole number from 1, got %', e.key, pg_catalog.left(e.value::text, 64)
                    USING ERRCODE = '22023';
            END IF;
        ELSE
            BEGIN
                i := CASE WHEN pg_catalog.jsonb_typeof(e.value) = 'string' THEN (e.value #>> '{}')::interval END;
            EXCEPTION WHEN OTHERS THEN
                i := NULL;
            END;
            IF i IS NULL OR i < interval '0' OR (i = interval '0' AND e.key <> 'grace') OR i > interval '1 year' THEN
                RAISE EXCEPTION 'alert threshold "%" must be a duration such as "15 minutes" (more than 0, at most 1 year), got %',
                    e.key, pg_catalog.left(e.value::text, 64) USING ERRCODE = '22023';
            END IF;
        END IF;
    END LOOP;
    RETURN defaults || params;
END
$$;
COMMENT ON FUNCTION pgcadence.alert_params(text, jsonb) IS
    'The thresholds an alert rule runs with: the kind''s defaults overridden by params, validated (22023 on bad input).';
REVOKE ALL ON FUNCTION pgcadence.alert_params(text, jsonb) FROM PUBLIC, anon, authenticated;

-- One line saying what a rule watches, with its thresholds (the notification's headline).
CREATE OR REPLACE FUNCTION pgcadence.alert_describe(kind text, params jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p jsonb := pgcadence.alert_params(kind, params);
BEGIN
    RETURN CASE kind
        WHEN 'task_failures' THEN pg_catalog.format('a task type had %s or more failed attempts within %s', p ->> 'failures', p ->> 'window')
        WHEN 'cron_job_failing' THEN pg_catalog.format('the last %s runs of a cron job failed', p ->> 'runs')
        WHEN 'cron_job_overdue' THEN pg_catalog.format('a cron job has not succeeded for %s scheduled run(s) plus %s', p ->> 'missed_runs', p ->> 'grace')
        WHEN 'net_backlog' THEN pg_catalog.format('more than %s HTTP requests queued, or the oldest waiting over %s', p ->> 'queued', p ->> 'oldest')
        WHEN 'queue_leases_expired' THEN pg_catalog.format('%s or more running jobs of a task type whose lease expired over %s ago', p ->> 'jobs', p ->> 'grace')
        WHEN 'system_mandate_expiring' THEN pg_catalog.format('the system mandate expires within %s', p ->> 'within')
        WHEN 'vault_key_unreadable' THEN 'the Vault key file cannot be read'
    END;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.alert_describe(text, jsonb) FROM PUBLIC, anon, authenticated;

-- Rows of alert_rules are checked however they are written (the functions below, or a
-- DBA's INSERT/UPDATE as the owner).
CREATE OR REPLACE FUNCTION pgcadence.alert_rules_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pgcadence.alert_params(NEW.kind, NEW.params);
    RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.alert_rules_check() FROM PUBLIC, anon, authenticated;

CREATE OR REPLACE TRIGGER alert_rules_check BEFORE INSERT OR UPDATE OF kind, params ON public.alert_rules
    FOR EACH ROW EXECUTE FUNCTION pgcadence.alert_rules_check();

-- ======================================================== who may change rules
-- Raise 42501 unless the caller is service_role (or a member, or the owner) or an admin.
-- Inside SECURITY DEFINER current_user is the owner: the caller is read from the session
-- (SET ROLE, as PostgREST does, else the login role).
CREATE OR REPLACE FUNCTION pgcadence.alerts_require_admin(fn text) RETURNS void
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT pgcadence.require_admin(fn, 'change alert rules')
$$;
REVOKE ALL ON FUNCTION pgcadence.alerts_require_admin(text) FROM PUBLIC, anon, authenticated;

-- Who changed a rule, for alert_rules.updated_by.
CREATE OR REPLACE FUNCTION pgcadence.alerts_caller() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN auth.uid() IS NOT NULL THEN 'user ' || auth.uid()::text
                ELSE 'role ' || CASE WHEN pg_catalog.current_setting('role') = 'none' THEN session_user::text
                                     ELSE pg_catalog.current_setting('role') END END
$$;
REVOKE ALL ON FUNCTION pgcadence.alerts_caller() FROM PUBLIC, anon, authenticated;

-- ======================================================== admin functions
-- Change a rule: switch it on/off, override thresholds (merged into the current ones; a
-- key set to null goes back to the default), or the repeat interval. NULL: unchanged.
-- Returns the rule as it is now, with its effective thresholds.
CREATE OR REPLACE FUNCTION public.alert_rule_update(rule_name text, enabled boolean DEFAULT NULL, params jsonb DEFAULT NULL,
                                                    repeat_interval interval DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r public.alert_rules;
    merged jsonb;
BEGIN
    PERFORM pgcadence.alerts_require_admin('alert_rule_update');
    SELECT * INTO r FROM public.alert_rules a WHERE a.name = alert_rule_update.rule_name FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'alert_rule_update: no alert rule named "%" (rules: %)', pg_catalog.left(rule_name, 64),
            coalesce((SELECT pg_catalog.string_agg(a.name, ', ' ORDER BY a.name) FROM public.alert_rules a), 'none')
            USING ERRCODE = '22023';
    END IF;
    IF alert_rule_update.params IS NOT NULL AND pg_catalog.jsonb_typeof(alert_rule_update.params) <> 'object' THEN
        RAISE EXCEPTION 'alert_rule_update: params must be a JSON object, got %', pg_catalog.jsonb_typeof(alert_rule_update.params)
            USING ERRCODE = '22023';
    END IF;
    IF alert_rule_update.repeat_interval < interval '1 minute' THEN
        RAISE EXCEPTION 'alert_rule_update: repeat_interval must be at least 1 minute, got %', alert_rule_update.repeat_interval
            USING ERRCODE = '22023';
    END IF;
    merged := pg_catalog.jsonb_strip_nulls(r.params || coalesce(alert_rule_update.params, '{}'));
    PERFORM pgcadence.alert_params(r.kind, merged);  -- a clear error before anything changes
    UPDATE public.alert_rules a
       SET enabled = coalesce(alert_rule_update.enabled, a.enabled),
           params = merged,
           repeat_interval = coalesce(alert_rule_update.repeat_interval, a.repeat_interval),
           updated_at = pg_catalog.now(), updated_by = pgcadence.alerts_caller()
     WHERE a.name = r.name;
    RETURN (SELECT pg_catalog.jsonb_build_object('name', a.name, 'kind', a.kind, 'enabled', a.enabled,
                                                 'thresholds', pgcadence.alert_params(a.kind, a.params),
                                                 'repeat_interval', a.repeat_interval, 'silenced_until', a.silenced_until)
              FROM public.alert_rules a WHERE a.name = r.name);
END
$$;
COMMENT ON FUNCTION public.alert_rule_update(text, boolean, jsonb, interval) IS
    'Change an alert rule: enabled, thresholds (merged; a key set to null returns to its default), repeat_interval. Admin only.';
REVOKE ALL ON FUNCTION public.alert_rule_update(text, boolean, jsonb, interval) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.alert_rule_update(text, boolean, jsonb, interval) TO authenticated, service_role;  -- admins: checked inside

-- Silence a rule until a time (no notification before it; the state is still tracked),
-- or lift the silence with NULL.
CREATE OR REPLACE FUNCTION public.alert_rule_silence(rule_name text, until timestamptz)
RETURNS timestamptz
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pgcadence.alerts_require_admin('alert_rule_silence');
    IF until IS NOT NULL AND until <= pg_catalog.now() THEN
        RAISE EXCEPTION 'alert_rule_silence: until must be in the future (got %); NULL lifts the silence', until
            USING ERRCODE = '22023';
    END IF;
    UPDATE public.alert_rules a
       SET silenced_until = alert_rule_silence.until, updated_at = pg_catalog.now(), updated_by = pgcadence.alerts_caller()
     WHERE a.name = alert_rule_silence.rule_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'alert_rule_silence: no alert rule named "%"', pg_catalog.left(rule_name, 64) USING ERRCODE = '22023';
    END IF;
    RETURN until;
END
$$;
COMMENT ON FUNCTION public.alert_rule_silence(text, timestamptz) IS
    'Silence an alert rule until a time (NULL lifts the silence); its state is still tracked. Admin only.';
REVOKE ALL ON FUNCTION public.alert_rule_silence(text, timestamptz) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.alert_rule_silence(text, timestamptz) TO authenticated, service_role;  -- admins: checked inside

-- Delete alert history older than keep (the daily pgcadence_alerts_cleanup job: 90 days).
CREATE OR REPLACE FUNCTION public.alert_events_cleanup(keep interval DEFAULT '90 days') RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    PERFORM pgcadence.alerts_require_admin('alert_events_cleanup');
    IF keep IS NULL OR keep < interval '1 day' THEN
        RAISE EXCEPTION 'alert_events_cleanup: keep must be at least 1 day (got %)', coalesce(keep::text, 'null')
            USING ERRCODE = '22023';
    END IF;
    DELETE FROM public.alert_events e WHERE e.at < pg_catalog.now() - keep;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
COMMENT ON FUNCTION public.alert_events_cleanup(interval) IS 'Delete alert history older than keep (default 90 days). Admin only.';
REVOKE ALL ON FUNCTION public.alert_events_cleanup(interval) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.alert_events_cleanup(interval) TO authenticated, service_role;  -- admins: checked inside
