-- Authenticated cache warming (docs/requirements.md, "Cache warming"): what to warm, and recording each result
-- with its audit row.

-- Which (org_ref, category) pairs a warm-cache call covers, and whether each is fresh.
-- p_targets_only: only enabled cache_warm_targets, what a caller other than service_role
-- may warm (the anon key is public: it must not make the system log in anywhere it likes).
-- p_refresh_after: an entry discovered longer ago than this counts as stale even before it
-- expires (what a force_refresh from such a caller may refresh: once per interval).
CREATE OR REPLACE FUNCTION public.cache_warm_plan(p_org_ref text DEFAULT NULL, p_category text DEFAULT NULL,
                                                  p_targets_only boolean DEFAULT false,
                                                  p_refresh_after interval DEFAULT NULL)
RETURNS TABLE (org_ref text, category text, fresh boolean)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH wanted AS (
        -- both given: exactly that pair, a target or not (service_role only)
        SELECT p_org_ref AS org_ref, p_category AS category
        WHERE p_org_ref IS NOT NULL AND p_category IS NOT NULL AND NOT p_targets_only
        UNION ALL
        -- otherwise: the enabled targets matching what was given
        SELECT t.org_ref, t.category FROM public.cache_warm_targets t
        WHERE t.enabled AND (p_targets_only OR NOT (p_org_ref IS NOT NULL AND p_category IS NOT NULL))
          AND (p_org_ref IS NULL OR t.org_ref = p_org_ref)
          AND (p_category IS NULL OR t.category = p_category)
    )
    SELECT w.org_ref, w.category,
           coalesce((SELECT cp.expires_at > now()
                            AND (p_refresh_after IS NULL OR cp.discovered_at > now() - p_refresh_after)
                       FROM public.cached_programs cp
                      WHERE cp.org_ref = w.org_ref AND cp.category = w.category), false)
    FROM wanted w
    ORDER BY w.org_ref, w.category
$$;
COMMENT ON FUNCTION public.cache_warm_plan(text, text, boolean, interval) IS
    'Targets of a warm-cache call: the given pair (unless p_targets_only), else the enabled cache_warm_targets '
    'matching the filter; fresh = a cached_programs row that has not expired (nor is older than p_refresh_after).';
REVOKE ALL ON FUNCTION public.cache_warm_plan(text, text, boolean, interval) FROM PUBLIC, anon, authenticated;

-- Record one warm attempt: upsert cached_programs on success, audit success or failure.
CREATE OR REPLACE FUNCTION public.record_cache_warm(
    p_org_ref text, p_category text, p_programs jsonb, p_duration_ms integer, p_error text,
    p_user_id uuid DEFAULT NULL, p_credential_id uuid DEFAULT NULL, p_provider text DEFAULT NULL,
    p_ttl interval DEFAULT interval '24 hours', p_attempts integer DEFAULT 1
) RETURNS text
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
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
REVOKE ALL ON FUNCTION public.record_cache_warm(text, text, jsonb, integer, text, uuid, uuid, text, interval, integer) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.cache_warm_plan(text, text, boolean, interval) TO service_role;
GRANT EXECUTE ON FUNCTION public.record_cache_warm(text, text, jsonb, integer, text, uuid, uuid, text, interval, integer)
    TO service_role;

-- Why scheduled cache warming cannot work here (see sql/base/modules.sql), or NULL.
CREATE OR REPLACE FUNCTION pgcadence.mandates_unconfigured() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT 'cache warming is not set up: no Vault secret ' || pg_catalog.string_agg(n, ' or ' ORDER BY n)
           || ' (pgcadence mandates rotate, then setup-system-user)'
      FROM pg_catalog.unnest(ARRAY['SYSTEM_MANDATE_JWS', 'SCP_SERVICE_CRED_ID']) AS n
     WHERE NOT EXISTS (SELECT 1 FROM vault.decrypted_secrets d WHERE d.name = n AND coalesce(d.decrypted_secret, '') <> '')
    HAVING pg_catalog.count(*) > 0
$$;
REVOKE ALL ON FUNCTION pgcadence.mandates_unconfigured() FROM PUBLIC, anon, authenticated;

-- ============================================================ per-target staggered warming
-- Instead of one daily call for every target, one pg_cron job per enabled target, the
-- targets' start times spread stagger_minutes apart from first_run (UTC), so that a
-- provider sees one organisation at a time. The jobs follow cache_warm_targets (a
-- trigger) and pgcadence.cache_warm_schedule (configure_cache_warming()); they are
-- recorded as objects of sql/mandates/jobs.sql, so disabling the module removes them.

-- The pg_cron job name of one target: readable, unique, at most 62 characters.
CREATE OR REPLACE FUNCTION pgcadence.cache_warm_job_name(p_org_ref text, p_category text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT 'pgcadence_warm_'
           || pg_catalog.left(pg_catalog.regexp_replace(pg_catalog.lower(p_org_ref || '_' || p_category),
                                                        '[^a-z0-9]+', '_', 'g'), 38)
           || '_' || pg_catalog.left(pg_catalog.md5(p_org_ref || '/' || p_category), 8)
$$;
REVOKE ALL ON FUNCTION pgcadence.cache_warm_job_name(text, text) FROM PUBLIC, anon, authenticated;

-- The daily schedule of the slot-th target (0-based): first_run + slot * stagger, wrapped at midnight.
CREATE OR REPLACE FUNCTION pgcadence.cache_warm_slot_schedule(p_first_run time, p_stagger_minutes integer, p_slot integer)
RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.format('%s %s * * *', m % 60, m / 60)
      FROM (SELECT ((extract(hour FROM p_first_run)::int * 60 + extract(minute FROM p_first_run)::int
                     + p_slot * p_stagger_minutes) % 1440) AS m) x
$$;
REVOKE ALL ON FUNCTION pgcadence.cache_warm_slot_schedule(time, integer, integer) FROM PUBLIC, anon, authenticated;

-- Whether per-target jobs replace the single daily-cache-warming call.
CREATE OR REPLACE FUNCTION pgcadence.cache_warm_per_target() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce((SELECT s.per_target FROM pgcadence.cache_warm_schedule s), false)
$$;
REVOKE ALL ON FUNCTION pgcadence.cache_warm_per_target() FROM PUBLIC, anon, authenticated;

-- Bring the per-target jobs in line with the settings and the enabled targets; returns how many exist.
CREATE OR REPLACE FUNCTION pgcadence.sync_cache_warm_jobs() RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s pgcadence.cache_warm_schedule;
    r record;
    v_name text;
    n integer := 0;
BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('pgcadence.cache_warm_jobs'));
    SELECT * INTO s FROM pgcadence.cache_warm_schedule;
    FOR r IN
        SELECT j.jobid, j.jobname FROM cron.job j
         WHERE j.database = pg_catalog.current_database() AND j.jobname LIKE 'pgcadence\_warm\_%'
           AND (NOT coalesce(s.per_target, false)
                OR j.jobname NOT IN (SELECT pgcadence.cache_warm_job_name(t.org_ref, t.category)
                                       FROM public.cache_warm_targets t WHERE t.enabled))
    LOOP
        PERFORM cron.unschedule(r.jobid);
        DELETE FROM pgcadence.source_objects o WHERE o.kind = 'cron job' AND o.identity = r.jobname;
    END LOOP;
    IF NOT coalesce(s.per_target, false) THEN
        RETURN 0;
    END IF;
    FOR r IN
        SELECT t.org_ref, t.category, (pg_catalog.row_number() OVER (ORDER BY t.org_ref, t.category) - 1)::int AS slot
          FROM public.cache_warm_targets t WHERE t.enabled
    LOOP
        v_name := pgcadence.cache_warm_job_name(r.org_ref, r.category);
        PERFORM cron.schedule(v_name, pgcadence.cache_warm_slot_schedule(s.first_run, s.stagger_minutes, r.slot),
                              pg_catalog.format('SELECT public.call_warm_cache_target(%L, %L)', r.org_ref, r.category));
        -- recorded like the jobs sql/mandates/jobs.sql schedules: `modules disable` and uninstall remove them
        INSERT INTO pgcadence.source_objects (kind, identity, path) VALUES ('cron job', v_name, 'mandates/jobs.sql')
        ON CONFLICT (kind, identity) DO UPDATE SET path = excluded.path;
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.sync_cache_warm_jobs() FROM PUBLIC, anon, authenticated;

-- Trigger: targets changed, so the per-target jobs follow (only when the option is on or jobs exist).
CREATE OR REPLACE FUNCTION pgcadence.cache_warm_targets_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF pgcadence.cache_warm_per_target()
       OR EXISTS (SELECT 1 FROM cron.job j WHERE j.database = pg_catalog.current_database()
                                             AND j.jobname LIKE 'pgcadence\_warm\_%') THEN
        PERFORM pgcadence.sync_cache_warm_jobs();
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.cache_warm_targets_changed() FROM PUBLIC, anon, authenticated;

CREATE OR REPLACE TRIGGER cache_warm_targets_sync_jobs
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON public.cache_warm_targets
    FOR EACH STATEMENT EXECUTE FUNCTION pgcadence.cache_warm_targets_changed();

-- Switch per-target staggered warming on or off and set its timing (NULL keeps a value).
CREATE OR REPLACE FUNCTION public.configure_cache_warming(
    p_per_target boolean DEFAULT NULL, p_first_run time DEFAULT NULL, p_stagger_minutes integer DEFAULT NULL
) RETURNS TABLE (per_target boolean, first_run time, stagger_minutes integer, jobs integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s pgcadence.cache_warm_schedule;
    v_jobs integer;
BEGIN
    IF pgcadence.request_role() NOT IN ('service_role', 'owner') AND NOT public.is_admin_user() THEN
        RAISE EXCEPTION 'configure_cache_warming: only service_role or an admin may change cache warming'
            USING ERRCODE = '42501';
    END IF;
    IF p_stagger_minutes IS NOT NULL AND p_stagger_minutes NOT BETWEEN 1 AND 120 THEN
        RAISE EXCEPTION 'stagger_minutes must be between 1 and 120 (got %)', p_stagger_minutes USING ERRCODE = '22023';
    END IF;
    IF p_first_run IS NOT NULL AND extract(second FROM p_first_run) <> 0 THEN
        RAISE EXCEPTION 'first_run must be a whole minute (got %)', p_first_run USING ERRCODE = '22023';
    END IF;
    UPDATE pgcadence.cache_warm_schedule c
       SET per_target = coalesce(p_per_target, c.per_target),
           first_run = coalesce(p_first_run, c.first_run),
           stagger_minutes = coalesce(p_stagger_minutes, c.stagger_minutes)
    RETURNING * INTO s;
    v_jobs := pgcadence.sync_cache_warm_jobs();
    RETURN QUERY SELECT s.per_target, s.first_run, s.stagger_minutes, v_jobs;
END
$$;
COMMENT ON FUNCTION public.configure_cache_warming(boolean, time, integer) IS
    'Per-target staggered cache warming: on/off, first run (UTC, whole minute), minutes between targets; '
    'NULL keeps a value. service_role, admins and the owner.';
REVOKE ALL ON FUNCTION public.configure_cache_warming(boolean, time, integer) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.configure_cache_warming(boolean, time, integer) TO authenticated, service_role;

-- The command of a per-target job: one warm-cache-authenticated call for that target,
-- URL and key read from Vault when it runs. Returns the net request id (NULL: skipped).
CREATE OR REPLACE FUNCTION public.call_warm_cache_target(p_org_ref text, p_category text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF pgcadence.skip_unconfigured('mandates', pgcadence.cache_warm_job_name(p_org_ref, p_category)) THEN
        RETURN NULL;
    END IF;
    RETURN net.http_post(
        url := public.get_supabase_url() || '/functions/v1/warm-cache-authenticated',
        headers := pg_catalog.jsonb_build_object('Content-Type', 'application/json',
                                                 'Authorization', 'Bearer ' || public.get_service_role_key()),
        body := pg_catalog.jsonb_build_object('org_ref', p_org_ref, 'category', p_category),
        timeout_milliseconds := 300000);
END
$$;
COMMENT ON FUNCTION public.call_warm_cache_target(text, text) IS
    'Post one warm-cache-authenticated call for one target (the command of its per-target pg_cron job).';
REVOKE ALL ON FUNCTION public.call_warm_cache_target(text, text) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.call_warm_cache_target(text, text) TO service_role;
