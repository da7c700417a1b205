-- The registry of task types the queue workers can run.

DROP POLICY IF EXISTS job_handlers_admin_read ON public.job_handlers;
CREATE POLICY job_handlers_admin_read ON public.job_handlers
    FOR SELECT TO authenticated USING ((SELECT public.is_admin_user()));
DROP POLICY IF EXISTS job_handlers_service ON public.job_handlers;
CREATE POLICY job_handlers_service ON public.job_handlers
    FOR ALL TO service_role USING (true) WITH CHECK (true);
REVOKE ALL ON public.job_handlers FROM PUBLIC, anon, authenticated;
GRANT SELECT ON public.job_handlers TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.job_handlers TO service_role;

-- The registered task types (the create dialog's dropdown).
CREATE OR REPLACE FUNCTION public.list_job_handlers()
RETURNS TABLE (task_type text, description text, registered_by text, registered_at timestamptz, last_seen_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pgcadence.cron_require_admin('list_job_handlers');
    RETURN QUERY SELECT h.task_type, h.description, h.registered_by, h.registered_at, h.last_seen_at
                 FROM public.job_handlers h ORDER BY h.task_type;
END
$$;
COMMENT ON FUNCTION public.list_job_handlers() IS 'Task types create_cron_job accepts (registered queue handlers). Admin only.';

-- Register (or refresh) a queue handler's task type; the runner calls it on start.
CREATE OR REPLACE FUNCTION public.register_job_handler(task_type text, description text DEFAULT '')
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    caller name := CASE WHEN pg_catalog.current_setting('role') = 'none' THEN session_user
                        ELSE pg_catalog.current_setting('role')::name END;
BEGIN
    IF caller IN ('anon', 'authenticated')
       OR NOT (pg_catalog.pg_has_role(caller, 'service_role', 'MEMBER') OR pg_catalog.pg_has_role(caller, current_user, 'MEMBER')) THEN
        RAISE EXCEPTION 'register_job_handler: permission denied: only service_role or the database owner (the runner) may register handlers'
            USING ERRCODE = '42501';
    END IF;
    IF task_type IS NULL OR task_type !~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$' THEN
        RAISE EXCEPTION 'invalid task_type % (letters, digits, _ . : - ; at most 100 characters)', pgcadence.cron_show(task_type, 120)
            USING ERRCODE = '22023';
    END IF;
    INSERT INTO public.job_handlers AS h (task_type, description, registered_by)
    VALUES (task_type, coalesce(description, ''), caller)
    ON CONFLICT ON CONSTRAINT job_handlers_pkey DO UPDATE
        SET description = CASE WHEN EXCLUDED.description = '' THEN h.description ELSE EXCLUDED.description END,
            registered_by = EXCLUDED.registered_by, last_seen_at = pg_catalog.now();
END
$$;
COMMENT ON FUNCTION public.register_job_handler(text, text) IS
    'Record that the queue worker handles task_type (called by the runner at start). service_role or owner only.';

REVOKE ALL ON FUNCTION public.list_job_handlers() FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.register_job_handler(text, text) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.list_job_handlers() TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.register_job_handler(text, text) TO service_role;
