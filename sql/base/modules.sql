-- Modules that are installed but not configured: each optional module may define
-- pgcadence.<module>_unconfigured() returning why it cannot work here (NULL: it can).
-- Its standing jobs call pgcadence.skip_unconfigured() first and do nothing while the
-- module is not configured, so an unused module never fails on a schedule.

-- Why module cannot do its work here, or NULL (also NULL for a module without a check).
CREATE OR REPLACE FUNCTION pgcadence.module_unconfigured(module text) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    check_fn regprocedure := pg_catalog.to_regprocedure(pg_catalog.format('pgcadence.%I()', module || '_unconfigured'));
    reason text;
BEGIN
    IF check_fn IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE pg_catalog.format('SELECT %s', check_fn::text) INTO reason;
    RETURN reason;
END
$$;
COMMENT ON FUNCTION pgcadence.module_unconfigured(text) IS
    'Why a module cannot do its work here (missing upstream URL, key, ...), or NULL when it can.';

-- Called first by a module's standing job: true (and the skip counted) when the module
-- is not configured, so the caller does nothing; false when it can go on.
CREATE OR REPLACE FUNCTION pgcadence.skip_unconfigured(module text, job text) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    reason text := pgcadence.module_unconfigured(module);
BEGIN
    IF reason IS NULL THEN
        RETURN false;
    END IF;
    INSERT INTO pgcadence.module_skips AS s (module, job, reason) VALUES (module, job, reason)
    ON CONFLICT ON CONSTRAINT module_skips_pkey
    DO UPDATE SET skips = s.skips + 1, last_at = pg_catalog.now(), reason = excluded.reason;
    RAISE NOTICE 'pgcadence: % skipped: module % is not configured: %', job, module, reason;
    RETURN true;
END
$$;
COMMENT ON FUNCTION pgcadence.skip_unconfigured(text, text) IS
    'For standing jobs: true (skip counted in pgcadence.module_skips) when the module is not configured, else false.';

REVOKE ALL ON FUNCTION pgcadence.module_unconfigured(text), pgcadence.skip_unconfigured(text, text) FROM PUBLIC, anon, authenticated;
